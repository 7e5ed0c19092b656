"""What a SeatAssignment declares and records: its properties, inputs and outputs.

The lifecycle core works on :class:`Declaration` (the checked inputs) and
:class:`SeatOutputs` (what the state records) under the property names of the dynamic
resource (``product_code``, ``user_uuids``, ...). A front end translates its wire values
into these and back; how its users write those names in messages is its
:class:`~.spelling.Spelling`.
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
#: The arguments of the lookups besides ``product_code`` (users by email, team members).
EMAILS = "emails"
TEAM_ID = "team_id"
#: The inputs of a SeatAssignment, in the order messages list them.
INPUTS = (PRODUCT_CODE, USER_UUIDS, EXCLUSIVE)
#: The outputs that name users: secret whenever ``user_uuids`` is.
USER_OUTPUTS = (USER_UUIDS, ASSIGNED_IDS, UNMANAGED_IDS)
#: The only input whose change replaces the resource (the seats move to the new product).
REPLACING_INPUTS = (PRODUCT_CODE,)


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

    def inputs(self) -> dict[str, Any]:
        """The inputs these outputs declare (by property name)."""
        return {
            PRODUCT_CODE: self.product_code,
            USER_UUIDS: list(self.user_uuids),
            EXCLUSIVE: self.exclusive,
        }

    def as_dict(self) -> dict[str, Any]:
        """The outputs by property name (``product_code``, ...), lists as lists."""
        return {
            PRODUCT_CODE: self.product_code,
            USER_UUIDS: list(self.user_uuids),
            EXCLUSIVE: self.exclusive,
            ASSIGNED_IDS: list(self.assigned_ids),
            UNMANAGED_IDS: list(self.unmanaged_ids),
        }


def declaration_of(
    props: Mapping[str, Any], *, secret: bool = False, product_code_of_id: str = ""
) -> Declaration:
    """The declaration in checked inputs or outputs (by property name).

    States written by 0.1.0 have no ``exclusive``: missing means False. Values that are
    not user UUIDs (unknowns, which create and update never see) are left out. A state
    without a product code takes the one its resource ID names, if the front end's IDs
    name one (``product_code_of_id``: the plugin's do, the dynamic resource's do not).
    """
    product_code = props.get(PRODUCT_CODE)
    users = props.get(USER_UUIDS)
    return Declaration(
        product_code=product_code if isinstance(product_code, str) else product_code_of_id,
        users=frozenset(user_uuid_set(users if isinstance(users, list) else [])),
        exclusive=props.get(EXCLUSIVE) is True,
        secret=secret,
    )
