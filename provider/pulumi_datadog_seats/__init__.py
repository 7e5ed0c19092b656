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

__all__ = [
    "ConfigurationError",
    "SeatAssignment",
    "SeatAssignmentArgs",
    "SeatAssignmentError",
    "SeatAssignmentProvider",
    "SeatsApiError",
    "SeatsError",
    "TransportError",
]
