"""Manage Datadog seat assignments as code with Pulumi.

>>> from pulumi_datadog_seats import SeatAssignment, lookup_user_uuids

Names are imported on first use (PEP 562), so that importing a submodule that does not
need ``pulumi`` (such as ``pulumi_datadog_seats.emulator``) does not import it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import (
        ConfigurationError,
        SeatAssignmentError,
        SeatsApiError,
        SeatsError,
        TransportError,
        UserLookupError,
    )
    from .lookups import (
        SeatHolder,
        fetch_seat_holders,
        fetch_team_member_uuids,
        fetch_user_uuids,
        get_seat_holders,
        get_team_member_uuids,
        lookup_user_uuids,
    )
    from .provider import SeatAssignmentProvider
    from .resource import SeatAssignment, SeatAssignmentArgs
    from .seats import ExclusiveClaimError

#: Each public name and the submodule that defines it.
_EXPORTS: dict[str, str] = {
    "ConfigurationError": ".errors",
    "ExclusiveClaimError": ".seats",
    "SeatAssignment": ".resource",
    "SeatHolder": ".lookups",
    "SeatAssignmentArgs": ".resource",
    "SeatAssignmentError": ".errors",
    "SeatAssignmentProvider": ".provider",
    "SeatsApiError": ".errors",
    "SeatsError": ".errors",
    "TransportError": ".errors",
    "UserLookupError": ".errors",
    "fetch_seat_holders": ".lookups",
    "fetch_team_member_uuids": ".lookups",
    "fetch_user_uuids": ".lookups",
    "get_seat_holders": ".lookups",
    "get_team_member_uuids": ".lookups",
    "lookup_user_uuids": ".lookups",
}

__all__ = [
    "ConfigurationError",
    "ExclusiveClaimError",
    "SeatAssignment",
    "SeatAssignmentArgs",
    "SeatAssignmentError",
    "SeatAssignmentProvider",
    "SeatHolder",
    "SeatsApiError",
    "SeatsError",
    "TransportError",
    "UserLookupError",
    "fetch_seat_holders",
    "fetch_team_member_uuids",
    "fetch_user_uuids",
    "get_seat_holders",
    "get_team_member_uuids",
    "lookup_user_uuids",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first use, then keep the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted({*globals(), *_EXPORTS})
