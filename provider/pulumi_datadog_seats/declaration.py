"""What a SeatAssignment declares and records: its properties, and how each front end names them.

The lifecycle core works on :class:`Declaration` (the checked inputs) and
:class:`SeatOutputs` (what the state records) under the property names of the dynamic
resource (``product_code``, ``user_uuids``, ...). A front end translates its wire values
into these and back; the :class:`Spelling` it passes down (to the core and, through the
settings, to the API client) is how its users write the property names and config keys a
message mentions, so no finished message is ever rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from .redaction import user_uuid_set

PRODUCT_CODE = "product_code"
USER_UUIDS = "user_uuids"
EXCLUSIVE = "exclusive"
ASSIGNED_IDS = "assigned_ids"
UNMANAGED_IDS = "unmanaged_ids"
#: The inputs of a SeatAssignment, in the order messages list them.
INPUTS = (PRODUCT_CODE, USER_UUIDS, EXCLUSIVE)
#: The outputs that name users: secret whenever ``user_uuids`` is.
USER_OUTPUTS = (USER_UUIDS, ASSIGNED_IDS, UNMANAGED_IDS)
#: The only input whose change replaces the resource (the seats move to the new product).
REPLACING_INPUTS = (PRODUCT_CODE,)


@dataclass(frozen=True)
class Spelling:
    """How the users of one front end write the names messages mention."""

    #: Property name -> as written (``user_uuids`` or ``userUuids``).
    properties: dict[str, str]
    #: ``exclusive`` on and off as written (``exclusive=True`` or ``exclusive: true``).
    exclusive_on: str
    exclusive_off: str
    #: The stack-config keys of the credentials and the URL (``datadog:apiKey``, ...).
    api_key: str
    app_key: str
    api_url: str

    def __getitem__(self, name: str) -> str:
        return self.properties.get(name, name)

    def fill(self, template: str) -> str:
        """``template`` with ``{api_key}``, ``{app_key}``, ``{api_url}`` and ``{<property>}``
        replaced by how this front end writes them (nothing else in it is touched)."""
        names = {"api_key": self.api_key, "app_key": self.app_key, "api_url": self.api_url}
        names.update(self.properties)
        for name, written in names.items():
            template = template.replace("{" + name + "}", written)
        return template


#: Python programs (the dynamic resource).
PYTHON = Spelling(
    properties={name: name for name in (*INPUTS, ASSIGNED_IDS, UNMANAGED_IDS)},
    exclusive_on="exclusive=True",
    exclusive_off="exclusive=False",
    # The keys pulumi-datadog users already set.
    api_key="datadog:apiKey",
    app_key="datadog:appKey",
    api_url="datadog:apiUrl",
)
#: The plugin's schema (YAML, TypeScript, Go).
SCHEMA = Spelling(
    properties={
        PRODUCT_CODE: "productCode",
        USER_UUIDS: "userUuids",
        EXCLUSIVE: "exclusive",
        ASSIGNED_IDS: "assignedIds",
        UNMANAGED_IDS: "unmanagedIds",
    },
    exclusive_on="exclusive: true",
    exclusive_off="exclusive: false",
    # A provider plugin is handed its own namespace only.
    api_key="datadog-seats:apiKey",
    app_key="datadog-seats:appKey",
    api_url="datadog-seats:apiUrl",
)


@dataclass(frozen=True)
class Declaration:
    """The checked inputs of one SeatAssignment: who holds a seat of which product.

    ``secret``: the program marked ``user_uuids`` secret, so no message may show a user
    UUID and the outputs naming users are secret too.
    """

    product_code: str
    users: frozenset[str]
    exclusive: bool = False
    secret: bool = False


@dataclass(frozen=True)
class SeatOutputs:
    """What the state records of a SeatAssignment after create, update, refresh or import.

    ``assigned_ids``: the declared users confirmed holding a seat, read from the holders
    after the operation. ``unmanaged_ids``: only for an exclusive declaration, the holders
    it does not name, which the next ``pulumi up`` unassigns (empty right after one).

    Nothing here grows with other people's seats unless the declaration is exclusive (one
    per product): a state holds each resource's own users, however many resources and
    holders a product has. Who holds a seat no program declares is a lookup
    (``get_seat_holders``), not a copy in every resource's state.
    """

    product_code: str
    user_uuids: tuple[str, ...]
    exclusive: bool
    assigned_ids: tuple[str, ...]
    unmanaged_ids: tuple[str, ...]

    @classmethod
    def of(cls, declaration: Declaration, holders: AbstractSet[str]) -> SeatOutputs:
        """The outputs of ``declaration`` given the product's current ``holders``."""
        declared = declaration.users
        outsiders = holders - declared if declaration.exclusive else frozenset()
        return cls(
            product_code=declaration.product_code,
            user_uuids=tuple(sorted(declared)),
            exclusive=declaration.exclusive,
            assigned_ids=tuple(sorted(declared & holders)),
            unmanaged_ids=tuple(sorted(outsiders)),
        )

    def as_dict(self) -> dict[str, Any]:
        """The outputs by property name (``product_code``, ...), lists as lists."""
        return {
            PRODUCT_CODE: self.product_code,
            USER_UUIDS: list(self.user_uuids),
            EXCLUSIVE: self.exclusive,
            ASSIGNED_IDS: list(self.assigned_ids),
            UNMANAGED_IDS: list(self.unmanaged_ids),
        }


def declaration_of(props: Mapping[str, Any], *, secret: bool = False) -> Declaration:
    """The declaration in checked inputs or outputs (by property name).

    States written by 0.1.0 have no ``exclusive``: missing means False. Values that are
    not user UUIDs (unknowns, which create and update never see) are left out.
    """
    product_code = props.get(PRODUCT_CODE)
    users = props.get(USER_UUIDS)
    return Declaration(
        product_code=product_code if isinstance(product_code, str) else "",
        users=frozenset(user_uuid_set(users if isinstance(users, list) else [])),
        exclusive=props.get(EXCLUSIVE) is True,
        secret=secret,
    )
