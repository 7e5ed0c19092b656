"""A local emulator of the Datadog Seats API (`/api/v2/seats/users`) for tests and demos.

Standard library only; never imports the rest of `pulumi_datadog_seats`. The admin
client (`EmulatorAdmin`) lives in `pulumi_datadog_seats.emulator.control`.
"""

from .server import API_PATH, SeatsEmulator, is_loopback_host
from .state import (
    DEFAULT_PRODUCTS,
    USER_NAMESPACE,
    ApiError,
    EmulatorConfig,
    FaultRule,
    SeatsState,
    SeatUser,
    load_users,
    parse_users,
    seed_users,
)

__all__ = [
    "API_PATH",
    "DEFAULT_PRODUCTS",
    "USER_NAMESPACE",
    "ApiError",
    "EmulatorConfig",
    "FaultRule",
    "SeatUser",
    "SeatsEmulator",
    "SeatsState",
    "is_loopback_host",
    "load_users",
    "parse_users",
    "seed_users",
]
