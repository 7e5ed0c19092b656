"""Manage Datadog seat assignments as code with Pulumi.

>>> from pulumi_datadog_seats import SeatAssignment, lookup_user_uuids
"""

from .errors import (
    ConfigurationError,
    ExclusiveClaimError,
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
