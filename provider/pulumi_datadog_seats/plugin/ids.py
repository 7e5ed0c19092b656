"""Resource IDs of SeatAssignment, and the import IDs ``pulumi import`` takes.

The ID of a SeatAssignment is its **product code** (``incident_response``).
Seats have no ID of their own in Datadog: a product's holders are the thing
that exists, so the product names it. Two SeatAssignments of one product (each
declaring some users) share that ID; Pulumi does not need IDs to be unique,
and the state of each resource says which users it declares.

An import ID is the product code, optionally followed by the users to adopt::

    incident_response                     every current holder of the product
    incident_response:UUID,UUID,...       just these users (each must hold a seat)

After an import the resource's ID is the product code, as if it had been created.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ImportIdError
from ..redaction import parse_user_uuid, user_uuid_set
from .schema import SEAT_ASSIGNMENT


@dataclass(frozen=True)
class ImportId:
    """What an import ID asks for: a product, and the users to adopt (None: every holder)."""

    product_code: str
    users: tuple[str, ...] | None = None


_USAGE = (
    f"Use `pulumi import {SEAT_ASSIGNMENT} NAME PRODUCT_CODE` to adopt every holder of the "
    f"product, or `pulumi import {SEAT_ASSIGNMENT} NAME PRODUCT_CODE:UUID,UUID,...` to adopt "
    "just those users."
)


def parse_import_id(raw: str) -> ImportId:
    """Parse ``PRODUCT_CODE`` or ``PRODUCT_CODE:UUID,UUID,...``; UUIDs come back canonical, sorted.

    Raises :class:`ImportIdError` that says what is wrong and how to write it.
    """
    product_code, sep, rest = raw.strip().partition(":")
    product_code = product_code.strip()
    if not product_code:
        raise ImportIdError(f"The import ID {raw!r} has no product code. {_USAGE}")
    if not sep:
        return ImportId(product_code)
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    if not parts:
        raise ImportIdError(f"The import ID {raw!r} has a ':' but no user UUIDs after it. {_USAGE}")
    invalid = [p for p in parts if parse_user_uuid(p) is None]
    if invalid:
        raise ImportIdError(
            f"The import ID {raw!r} holds values that are not user UUIDs: "
            f"{', '.join(repr(p) for p in invalid)}. {_USAGE}"
        )
    return ImportId(product_code, tuple(sorted(user_uuid_set(parts))))


def resource_id(product_code: str) -> str:
    """The ID of a SeatAssignment of ``product_code``."""
    return product_code


def product_of(resource_id_: str) -> str:
    """The product code an ID names (an import ID's users, if any, are ignored)."""
    return resource_id_.partition(":")[0].strip()
