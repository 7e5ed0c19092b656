"""Manage Datadog seat assignments as code with Pulumi.

>>> from pulumi_datadog_seats import SeatAssignment
"""

from .errors import (
    ConfigurationError,
    SeatAssignmentError,
    SeatsApiError,
    SeatsError,
    TransportError,
)
from .provider import SeatAssignmentProvider
from .resource import SeatAssignment, SeatAssignmentArgs
from .seats import ExclusiveClaimError

__all__ = [
    "ConfigurationError",
    "ExclusiveClaimError",
    "SeatAssignment",
    "SeatAssignmentArgs",
    "SeatAssignmentError",
    "SeatAssignmentProvider",
    "SeatsApiError",
    "SeatsError",
    "TransportError",
]
