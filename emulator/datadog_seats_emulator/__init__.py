"""A local emulator of the Datadog Seats API (`/api/v2/seats/users`) for tests and demos.

It also serves the two endpoints the lookups read: Users (`/api/v2/users`) and team
memberships (`/api/v2/team/{team_id}/memberships`). A distribution of its own
(`emulator/pyproject.toml`), never shipped in the pulumi-datadog-seats wheel: the server is
standard library only and never imports `pulumi_datadog_seats`; the admin client
(`EmulatorAdmin`, in `datadog_seats_emulator.control`) uses requests.
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
    Team,
    load_users,
    parse_users,
    seed_users,
)
from .teams import TEAM_NAMESPACE, parse_teams, team_id_for
from .users import USER_STATUSES

__all__ = [
    "API_PATH",
    "DEFAULT_PRODUCTS",
    "TEAM_NAMESPACE",
    "USER_NAMESPACE",
    "USER_STATUSES",
    "ApiError",
    "EmulatorConfig",
    "FaultRule",
    "SeatUser",
    "SeatsEmulator",
    "SeatsState",
    "Team",
    "is_loopback_host",
    "load_users",
    "parse_teams",
    "parse_users",
    "seed_users",
    "team_id_for",
]
