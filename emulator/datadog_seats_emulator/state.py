"""Emulator state, the core: configuration, faults, rate limit, request log, and the lock.

Everything mutable lives in one `SeatsState` object guarded by one lock. Each API area
keeps its data and rules in a module of its own (`seats`, `users`, `teams`, like the
client's areas); `SeatsState` owns one instance of each and calls them under the lock.
The HTTP layer (`server.py`) only parses requests, calls these methods and renders what
they return or the `ApiError` they raise.
"""

from __future__ import annotations

import copy
import dataclasses
import hmac
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .common import ApiError, check_int
from .seats import (
    DEFAULT_PRODUCTS,
    AssignedIds,
    OverCapacity,
    SeatBook,
    UnassignMissing,
    UnknownProduct,
    UnknownUsers,
)
from .teams import Team, list_memberships, parse_teams
from .users import (
    USER_NAMESPACE,
    SeatUser,
    list_users,
    load_users,
    normalize_status,
    parse_users,
    seed_users,
)

__all__ = [
    "DEFAULT_PRODUCTS",
    "SWITCHES",
    "USER_NAMESPACE",
    "Admission",
    "ApiError",
    "EmulatorConfig",
    "FaultRule",
    "SeatUser",
    "SeatsState",
    "Team",
    "load_users",
    "parse_users",
    "seed_users",
]

FaultKind = Literal["status", "delay", "drop", "rate_limit"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "assigned_ids": ("all", "new"),
    "unknown_users": ("skip", "reject"),
    "unknown_product": ("reject", "accept"),
    "over_capacity": ("reject", "partial"),
    "unassign_missing": ("ok", "reject"),
}
_FAULT_KINDS: tuple[str, ...] = ("status", "delay", "drop", "rate_limit")

SWITCHES: tuple[str, ...] = (
    "assigned_ids",
    "unknown_users",
    "unknown_product",
    "known_products",
    "over_capacity",
    "capacity",
    "default_capacity",
    "unassign_missing",
    "max_batch",
    "default_page_limit",
    "max_page_limit",
    "rate_limit",
    "rate_period",
)
"""Config keys reported by `/_emulator/state` and settable through `/_emulator/config`.

`api_key` and `app_key` are settable too but never reported.
"""


@dataclass(frozen=True)
class FaultRule:
    """One fault-injection rule, matched against /api/ requests counted from when it was added.

    kind: "status" (answer `status` with {"errors": ["Injected fault"]}), "delay" (sleep
    `delay_seconds`, then answer normally), "drop" (close the connection without an
    answer) or "rate_limit" (answer 429 with X-RateLimit-Remaining 0 and
    X-RateLimit-Reset `reset_seconds`).
    nth: fire on the n-th matching request only. every: fire on every n-th matching
    request. Neither: fire on every matching request. times: fire at most this many
    times (default 1 with nth, unlimited otherwise). methods: only count requests with
    these HTTP methods (default: all).
    """

    kind: FaultKind
    status: int = 500
    nth: int | None = None
    every: int | None = None
    times: int | None = None
    delay_seconds: float = 0.0
    reset_seconds: int = 1
    methods: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        """Validate the rule and upper-case `methods`."""
        if self.kind not in _FAULT_KINDS:
            raise ValueError(
                f"fault kind must be one of {', '.join(_FAULT_KINDS)}, got {self.kind!r}"
            )
        check_int("fault status", self.status, 100)
        if self.status > 599:
            raise ValueError(f"fault status must be an HTTP status (100-599), got {self.status}")
        if self.nth is not None and self.every is not None:
            raise ValueError("a fault takes nth or every, not both")
        for name in ("nth", "every", "times"):
            value = getattr(self, name)
            if value is not None:
                check_int(f"fault {name}", value, 1)
        delay = self.delay_seconds
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ValueError(f"fault delay_seconds must be a number >= 0, got {delay!r}")
        check_int("fault reset_seconds", self.reset_seconds, 0)
        if self.methods is not None:
            methods = self.methods
            if isinstance(methods, str) or not all(isinstance(m, str) for m in methods):
                raise ValueError(f"fault methods must be a list of strings, got {methods!r}")
            object.__setattr__(self, "methods", tuple(m.upper() for m in methods))

    @property
    def max_fires(self) -> int | None:
        """How many times the rule may fire (None: unlimited)."""
        if self.times is not None:
            return self.times
        return 1 if self.nth is not None else None

    def matches(self, method: str) -> bool:
        """Whether a request with this method counts for the rule."""
        return self.methods is None or method.upper() in self.methods

    def fires_on(self, count: int) -> bool:
        """Whether the rule fires on its `count`-th matching request (ignoring `times`)."""
        if self.nth is not None:
            return count == self.nth
        if self.every is not None:
            return count % self.every == 0
        return True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from its JSON form; unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        values = {key: value for key, value in data.items() if value is not None}
        methods = values.get("methods")
        if methods is not None:
            if isinstance(methods, str) or not isinstance(methods, list | tuple):
                raise ValueError(f"fault methods must be a list of strings, got {methods!r}")
            values["methods"] = tuple(methods)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the rule (all fields)."""
        data = dataclasses.asdict(self)
        data["methods"] = list(self.methods) if self.methods is not None else None
        return data


@dataclass
class EmulatorConfig:
    """Everything the emulator can be started with; `/_emulator/reset` returns to it.

    `capacity` maps a product code to its seat count (None: unlimited); products not
    in it get `default_capacity` (None: unlimited). `faults` are armed at start and
    re-armed by reset. `teams` are raw or parsed teams (see `teams.parse_teams`),
    validated against `users`.
    """

    api_key: str
    app_key: str
    users: list[SeatUser] = field(default_factory=list)
    teams: list[Any] = field(default_factory=list)
    known_products: list[str] = field(default_factory=lambda: list(DEFAULT_PRODUCTS))
    assigned_ids: AssignedIds = "all"
    unknown_users: UnknownUsers = "skip"
    unknown_product: UnknownProduct = "reject"
    over_capacity: OverCapacity = "reject"
    capacity: dict[str, int | None] = field(default_factory=dict)
    default_capacity: int | None = None
    unassign_missing: UnassignMissing = "ok"
    max_batch: int = 1000
    default_page_limit: int = 100
    max_page_limit: int = 100
    rate_limit: int = 10000
    rate_period: int = 60
    faults: list[FaultRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Validate every field (ValueError with a clear message); normalize users and teams."""
        for name in ("api_key", "app_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string")
        self.users = parse_users(list(self.users))
        self.teams = list(parse_teams(list(self.teams), self.users))
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        products = self.known_products
        if isinstance(products, str) or not all(isinstance(p, str) and p for p in products):
            raise ValueError(
                f"known_products must be a list of non-empty strings, got {products!r}"
            )
        self.known_products = list(products)
        if not isinstance(self.capacity, Mapping):
            raise ValueError(
                f"capacity must be an object of product -> seats, got {self.capacity!r}"
            )
        for product, seats in self.capacity.items():
            if not isinstance(product, str) or not product:
                raise ValueError(f"capacity keys must be product codes, got {product!r}")
            if seats is not None:
                check_int(f"capacity of {product}", seats, 0)
        self.capacity = dict(self.capacity)
        if self.default_capacity is not None:
            check_int("default_capacity", self.default_capacity, 0)
        for name in (
            "max_batch",
            "default_page_limit",
            "max_page_limit",
            "rate_limit",
            "rate_period",
        ):
            check_int(name, getattr(self, name), 1)
        if not all(isinstance(rule, FaultRule) for rule in self.faults):
            raise ValueError("faults must be FaultRule objects")
        self.faults = list(self.faults)

    def switches(self) -> dict[str, Any]:
        """Return the JSON form of every switch (no keys, users or faults)."""
        data = {name: copy.deepcopy(getattr(self, name)) for name in SWITCHES}
        return data

    def updated(self, changes: Mapping[str, Any]) -> EmulatorConfig:
        """Return a validated copy with `changes` applied (switch names, api_key, app_key)."""
        allowed = {*SWITCHES, "api_key", "app_key"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        return dataclasses.replace(self, **dict(changes))

    def capacity_of(self, product_code: str) -> int | None:
        """Seats of a product (None: unlimited)."""
        if product_code in self.capacity:
            return self.capacity[product_code]
        return self.default_capacity


@dataclass
class _ArmedFault:
    rule: FaultRule
    matched: int = 0
    fired: int = 0


@dataclass(frozen=True)
class Admission:
    """What to do with an /api/ request before handling it.

    `fault` is the rule that fired (None: none did). `limited` means the rate limit
    is exhausted (answer 429). `headers` are the X-RateLimit-* headers to send.
    `epoch` counts the resets before the request arrived (see `SeatsState.is_current`).
    """

    fault: FaultRule | None
    limited: bool
    headers: dict[str, str]
    epoch: int = 0


class SeatsState:
    """All mutable emulator state behind one lock; every public method is thread-safe."""

    def __init__(self, config: EmulatorConfig) -> None:
        """Start from `config`, which is also what `reset()` returns to."""
        self._lock = threading.RLock()
        self._startup = copy.deepcopy(config)
        self._config = copy.deepcopy(config)
        self._users: dict[str, SeatUser] = {}
        self._teams: dict[str, Team] = {}
        self._seats = SeatBook()
        self._faults: list[_ArmedFault] = []
        self._log: list[dict[str, Any]] = []
        self._window_start = 0.0
        self._window_used = 0
        self._epoch = -1
        self.reset()

    # ----- control -------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the startup config (users, teams, switches, faults); no holders, log, window."""
        with self._lock:
            # Requests admitted before this reset (say, held by a delay fault) must not
            # act on, or show in the log of, what comes after it.
            self._epoch += 1
            self._config = copy.deepcopy(self._startup)
            self._users = {user["id"]: user for user in self._config.users}
            self._teams = {team["id"]: team for team in self._config.teams}
            self._seats.clear()
            self._faults = [_ArmedFault(rule) for rule in self._config.faults]
            self._log = []
            self._reset_window()

    @property
    def config(self) -> EmulatorConfig:
        """A copy of the current config (users and faults as at startup or last update)."""
        with self._lock:
            return copy.deepcopy(self._config)

    def configure(self, changes: Mapping[str, Any]) -> EmulatorConfig:
        """Apply switch changes atomically (ValueError if any is invalid); return the config.

        Changing rate_limit or rate_period starts a fresh rate-limit window.
        """
        with self._lock:
            self._config = self._config.updated(changes)
            if "rate_limit" in changes or "rate_period" in changes:
                self._reset_window()
            return copy.deepcopy(self._config)

    def users(self) -> list[SeatUser]:
        """The known users, in configured order (`status` only where one was set)."""
        with self._lock:
            return [copy.deepcopy(u) for u in self._users.values()]

    def set_users(self, users: Sequence[Mapping[str, Any]] | int) -> list[SeatUser]:
        """Replace the known users with a list or `seed_users(count)`; holders and teams are kept.

        Team members who are no longer known users stay members but are left out of
        the `included` users of the memberships answer.
        """
        new_users = seed_users(users) if isinstance(users, int) else parse_users(list(users))
        with self._lock:
            self._users = {user["id"]: user for user in new_users}
            self._config.users = list(new_users)
            return copy.deepcopy(new_users)

    def set_user_status(self, user_ids: Iterable[str], status: str) -> list[SeatUser]:
        """Give these known users a status (Active, Pending, Disabled); return every user."""
        value = normalize_status(status)
        ids = [u.lower() for u in user_ids if isinstance(u, str)]
        with self._lock:
            unknown = [u for u in ids if u not in self._users]
            if unknown:
                raise ValueError(f"unknown user ids: {', '.join(unknown)}")
            for user_id in ids:
                self._users[user_id]["status"] = value
            self._config.users = list(self._users.values())
            return self.users()

    def teams(self) -> list[Team]:
        """The teams, in configured order."""
        with self._lock:
            return copy.deepcopy(list(self._teams.values()))

    def set_teams(self, teams: Sequence[Mapping[str, Any]]) -> list[Team]:
        """Replace every team (validated against the known users); return them."""
        with self._lock:
            parsed = parse_teams(list(teams), list(self._users.values()))
            self._teams = {team["id"]: team for team in parsed}
            self._config.teams = list(parsed)
            return copy.deepcopy(parsed)

    def put_team(self, team: Mapping[str, Any]) -> Team:
        """Add a team, or replace the one with the same id; return it."""
        with self._lock:
            (parsed,) = parse_teams([team], list(self._users.values()))
            self._teams[parsed["id"]] = parsed
            self._config.teams = list(self._teams.values())
            return copy.deepcopy(parsed)

    def holders(self, product_code: str) -> list[str]:
        """Sorted ids of the users holding a seat of the product."""
        with self._lock:
            return self._seats.holders(product_code)

    def all_holders(self) -> dict[str, list[str]]:
        """Sorted holder ids of every known product and of every product with holders."""
        with self._lock:
            return self._seats.all_holders(self._config.known_products)

    def set_holders(self, product_code: str, user_uuids: Iterable[str]) -> list[str]:
        """Make exactly these users hold the product (out-of-band, no validation).

        Users who already held a seat keep their assigned_at.
        """
        with self._lock:
            return self._seats.set_holders(product_code, user_uuids)

    def add_fault(self, rule: FaultRule) -> None:
        """Arm a fault rule; it counts requests from now on."""
        with self._lock:
            self._faults.append(_ArmedFault(rule))

    def clear_faults(self) -> None:
        """Disarm every fault rule."""
        with self._lock:
            self._faults = []

    def faults(self) -> list[dict[str, Any]]:
        """Armed rules in JSON form, each with `matched` and `fired` counters."""
        with self._lock:
            return [
                {**f.rule.to_dict(), "matched": f.matched, "fired": f.fired} for f in self._faults
            ]

    def is_current(self, epoch: int) -> bool:
        """Whether no reset happened since a request with this `Admission.epoch` arrived."""
        with self._lock:
            return epoch == self._epoch

    def record_request(self, entry: Mapping[str, Any], epoch: int | None = None) -> None:
        """Append an entry to the request log, unless it arrived before the last reset."""
        with self._lock:
            if epoch is None or epoch == self._epoch:
                self._log.append(dict(entry))

    def requests(self) -> list[dict[str, Any]]:
        """A copy of the request log, oldest answer first."""
        with self._lock:
            return copy.deepcopy(self._log)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._log = []

    def snapshot(self) -> dict[str, Any]:
        """The `/_emulator/state` answer: holders, users, config switches and faults."""
        with self._lock:
            return {
                "holders": self.all_holders(),
                "users": self.users(),
                "config": self._config.switches(),
                "faults": self.faults(),
            }

    # ----- admission: faults and rate limit --------------------------------------------

    def _reset_window(self) -> None:
        self._window_start = time.monotonic()
        self._window_used = 0

    def admit(self, method: str) -> Admission:
        """Decide faults and rate limiting for an /api/ request, before it is handled.

        Every armed rule that matches the method counts the request; the first one
        that fires wins. A "status", "drop" or "rate_limit" fault answers in place of
        the service and does not use the rate-limit window; any other request uses one
        unit of it and is `limited` once the window is exhausted.
        """
        with self._lock:
            fired: FaultRule | None = None
            for armed in self._faults:
                if not armed.rule.matches(method):
                    continue
                armed.matched += 1
                limit = armed.rule.max_fires
                if (
                    fired is None
                    and armed.rule.fires_on(armed.matched)
                    and (limit is None or armed.fired < limit)
                ):
                    armed.fired += 1
                    fired = armed.rule
            now = time.monotonic()
            period = self._config.rate_period
            if now - self._window_start >= period:
                self._window_start = now
                self._window_used = 0
            consumes = fired is None or fired.kind == "delay"
            if consumes:
                self._window_used += 1
            limit_total = self._config.rate_limit
            limited = consumes and self._window_used > limit_total
            reset_in = max(1, math.ceil(self._window_start + period - now))
            headers = {
                "X-RateLimit-Limit": str(limit_total),
                "X-RateLimit-Period": str(period),
                "X-RateLimit-Remaining": str(max(0, limit_total - self._window_used)),
                "X-RateLimit-Reset": str(reset_in),
                "X-RateLimit-Name": "seats",
            }
            if fired is not None and fired.kind == "rate_limit":
                headers["X-RateLimit-Remaining"] = "0"
                headers["X-RateLimit-Reset"] = str(fired.reset_seconds)
            return Admission(fault=fired, limited=limited, headers=headers, epoch=self._epoch)

    def check_keys(self, api_key: str | None, app_key: str | None) -> bool:
        """Whether both keys are present and equal to the configured ones."""
        with self._lock:
            expected_api, expected_app = self._config.api_key, self._config.app_key
        if api_key is None or app_key is None:
            return False
        api_ok = hmac.compare_digest(api_key.encode(), expected_api.encode())
        app_ok = hmac.compare_digest(app_key.encode(), expected_app.encode())
        return api_ok and app_ok

    # ----- the API -----------------------------------------------------------------------

    def list_seat_users(
        self, product_code: str | None, limit: str | None, cursor: str | None
    ) -> dict[str, Any]:
        """GET /api/v2/seats/users: one page of holders ordered by (assigned_at, id)."""
        with self._lock:
            return self._seats.list_seat_users(
                self._config, self._users, product_code, limit, cursor
            )

    def assign(self, body: object) -> dict[str, Any]:
        """POST /api/v2/seats/users: validate, assign, return the 201 body."""
        with self._lock:
            return self._seats.assign(self._config, self._users, body)

    def unassign(self, body: object) -> None:
        """DELETE /api/v2/seats/users: validate, then unassign every listed holder."""
        with self._lock:
            self._seats.unassign(self._config, self._users, body)

    def list_users(self, query: Mapping[str, str]) -> dict[str, Any]:
        """GET /api/v2/users: one page of users (see `users.list_users`)."""
        with self._lock:
            return list_users(list(self._users.values()), query)

    def list_team_memberships(
        self, team_id: str, query: Mapping[str, str], base_url: str, path: str
    ) -> dict[str, Any]:
        """GET /api/v2/team/{team_id}/memberships: one page (see `teams.list_memberships`)."""
        with self._lock:
            team = self._teams.get(team_id.lower())
            return list_memberships(team, self._users, query, base_url, path)
