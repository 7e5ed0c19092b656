"""Emulator state: configuration, known users, seat holders, faults, rate limit, request log.

Everything mutable lives in one `SeatsState` object guarded by one lock. The HTTP
layer (`server.py`) only parses requests, calls these methods and renders what they
return or the `ApiError` they raise.
"""

from __future__ import annotations

import base64
import binascii
import copy
import dataclasses
import hmac
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypedDict

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
    "load_users",
    "parse_users",
    "seed_users",
]

USER_NAMESPACE = uuid.UUID("5d1f6c52-3f0e-4c57-9a53-1b0f3a2e7c11")
"""Namespace of the deterministic seeded user UUIDs (`uuid5(USER_NAMESPACE, "user-<i>")`)."""

DEFAULT_PRODUCTS: tuple[str, ...] = ("incident_response", "on_call")
"""Product codes known to the emulator unless configured otherwise."""

AssignedIds = Literal["all", "new"]
UnknownUsers = Literal["skip", "reject"]
UnknownProduct = Literal["reject", "accept"]
OverCapacity = Literal["reject", "partial"]
UnassignMissing = Literal["ok", "reject"]
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

_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_CURSOR_PREFIX = "offset:"


class SeatUser(TypedDict):
    """A user of the emulated organization."""

    id: str
    email: str
    name: str


class ApiError(Exception):
    """An answer in the Datadog error shape: `status` with `{"errors": [message]}`."""

    def __init__(self, status: int, message: str) -> None:
        """Build an error answered with `status` and the single message `message`."""
        super().__init__(message)
        self.status = status
        self.message = message


def seed_users(count: int) -> list[SeatUser]:
    """Return `count` deterministic users numbered from 1.

    User i has id `str(uuid.uuid5(USER_NAMESPACE, f"user-{i}"))`, email
    `user{i}@example.com` and name `User {i}`.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"user count must be a non-negative integer, got {count!r}")
    return [
        SeatUser(
            id=str(uuid.uuid5(USER_NAMESPACE, f"user-{i}")),
            email=f"user{i}@example.com",
            name=f"User {i}",
        )
        for i in range(1, count + 1)
    ]


def parse_users(raw: object) -> list[SeatUser]:
    """Validate a JSON list of users (`{"id", "email"?, "name"?}`), lower-casing ids.

    Raises ValueError on anything that is not a list of such objects or on duplicate ids.
    """
    if not isinstance(raw, list):
        raise ValueError("users must be a list of objects")
    users: list[SeatUser] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, Mapping):
            raise ValueError(f"each user must be an object, got {entry!r}")
        user_id = entry.get("id")
        if not isinstance(user_id, str) or not _UUID_RE.match(user_id):
            raise ValueError(f"user id must be a UUID string, got {user_id!r}")
        email = entry.get("email", "")
        name = entry.get("name", "")
        if not isinstance(email, str) or not isinstance(name, str):
            raise ValueError(f"user email and name must be strings: {entry!r}")
        user_id = user_id.lower()
        if user_id in seen:
            raise ValueError(f"duplicate user id: {user_id}")
        seen.add(user_id)
        users.append(SeatUser(id=user_id, email=email, name=name))
    return users


def load_users(path: str | Path) -> list[SeatUser]:
    """Read users from a JSON file holding a list of users or `{"users": [...]}`."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(raw, dict):
        raw = raw.get("users")
    return parse_users(raw)


def _check_int(name: str, value: object, minimum: int) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


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
        _check_int("fault status", self.status, 100)
        if self.status > 599:
            raise ValueError(f"fault status must be an HTTP status (100-599), got {self.status}")
        if self.nth is not None and self.every is not None:
            raise ValueError("a fault takes nth or every, not both")
        for name in ("nth", "every", "times"):
            value = getattr(self, name)
            if value is not None:
                _check_int(f"fault {name}", value, 1)
        delay = self.delay_seconds
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ValueError(f"fault delay_seconds must be a number >= 0, got {delay!r}")
        _check_int("fault reset_seconds", self.reset_seconds, 0)
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
    re-armed by reset.
    """

    api_key: str
    app_key: str
    users: list[SeatUser] = field(default_factory=list)
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
        """Validate every field (ValueError with a clear message) and normalize users."""
        for name in ("api_key", "app_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string")
        self.users = parse_users(list(self.users))
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
                _check_int(f"capacity of {product}", seats, 0)
        self.capacity = dict(self.capacity)
        if self.default_capacity is not None:
            _check_int("default_capacity", self.default_capacity, 0)
        for name in (
            "max_batch",
            "default_page_limit",
            "max_page_limit",
            "rate_limit",
            "rate_period",
        ):
            _check_int(name, getattr(self, name), 1)
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
    """

    fault: FaultRule | None
    limited: bool
    headers: dict[str, str]


@dataclass
class _Holding:
    assigned_at: datetime


@dataclass(frozen=True)
class _Assignment:
    request_id: str | None
    product_code: str
    user_uuids: list[str]


def _format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode_cursor(offset: int) -> str:
    raw = f"{_CURSOR_PREFIX}{offset}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ApiError(400, f"invalid page[cursor]: {cursor}") from exc
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit():
        raise ApiError(400, f"invalid page[cursor]: {cursor}")
    offset = int(digits)
    if _encode_cursor(offset) != cursor:
        raise ApiError(400, f"invalid page[cursor]: {cursor}")
    return offset


def _describe(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _parse_assignment(body: object, max_batch: int) -> _Assignment:
    """Validate a POST/DELETE body; raise ApiError(400/422) like the real API."""
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object")
    data = body.get("data")
    if not isinstance(data, dict):
        raise ApiError(400, "data is required and must be an object")
    if data.get("type") != "seat-assignments":
        raise ApiError(400, f"data.type must be 'seat-assignments', got {data.get('type')!r}")
    request_id = data.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise ApiError(400, "data.id must be a string")
    attributes = data.get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise ApiError(400, "data.attributes must be an object")
    product_code = attributes.get("product_code")
    if product_code is not None and not isinstance(product_code, str):
        raise ApiError(400, "product_code must be a string")
    if not product_code:
        raise ApiError(422, "product_code is required")
    raw_uuids = attributes.get("user_uuids")
    if raw_uuids is not None and not isinstance(raw_uuids, list):
        raise ApiError(400, "user_uuids must be a list of strings")
    if not raw_uuids:
        raise ApiError(422, "user_uuids is required and must not be empty")
    for value in raw_uuids:
        if not isinstance(value, str) or not _UUID_RE.match(value):
            raise ApiError(400, f"invalid user uuid: {_describe(value)}")
    if len(raw_uuids) > max_batch:
        raise ApiError(400, f"too many user_uuids: {len(raw_uuids)} (max {max_batch})")
    user_uuids = list(dict.fromkeys(value.lower() for value in raw_uuids))
    return _Assignment(request_id or None, product_code, user_uuids)


class SeatsState:
    """All mutable emulator state behind one lock; every public method is thread-safe."""

    def __init__(self, config: EmulatorConfig) -> None:
        """Start from `config`, which is also what `reset()` returns to."""
        self._lock = threading.RLock()
        self._startup = copy.deepcopy(config)
        self._config = copy.deepcopy(config)
        self._users: dict[str, SeatUser] = {}
        self._holders: dict[str, dict[str, _Holding]] = {}
        self._faults: list[_ArmedFault] = []
        self._log: list[dict[str, Any]] = []
        self._window_start = 0.0
        self._window_used = 0
        self.reset()

    # ----- control -------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the startup config: users, switches, faults; no holders, log or window use."""
        with self._lock:
            self._config = copy.deepcopy(self._startup)
            self._users = {user["id"]: user for user in self._config.users}
            self._holders = {}
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
        """The known users, in configured order."""
        with self._lock:
            return [
                SeatUser(id=u["id"], email=u["email"], name=u["name"]) for u in self._users.values()
            ]

    def set_users(self, users: Sequence[Mapping[str, Any]] | int) -> list[SeatUser]:
        """Replace the known users with a list or `seed_users(count)`; holders are kept."""
        new_users = seed_users(users) if isinstance(users, int) else parse_users(list(users))
        with self._lock:
            self._users = {user["id"]: user for user in new_users}
            self._config.users = list(new_users)
            return list(new_users)

    def holders(self, product_code: str) -> list[str]:
        """Sorted ids of the users holding a seat of the product."""
        with self._lock:
            return sorted(self._holders.get(product_code, {}))

    def all_holders(self) -> dict[str, list[str]]:
        """Sorted holder ids of every known product and of every product with holders."""
        with self._lock:
            products = dict.fromkeys(self._config.known_products)
            products.update(dict.fromkeys(p for p, h in self._holders.items() if h))
            return {product: sorted(self._holders.get(product, {})) for product in products}

    def set_holders(self, product_code: str, user_uuids: Iterable[str]) -> list[str]:
        """Make exactly these users hold the product (out-of-band, no validation).

        Users who already held a seat keep their assigned_at.
        """
        ids = list(dict.fromkeys(u.lower() for u in user_uuids))
        with self._lock:
            current = self._holders.get(product_code, {})
            now = datetime.now(UTC)
            self._holders[product_code] = {u: current.get(u) or _Holding(now) for u in ids}
            return sorted(ids)

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

    def record_request(self, entry: Mapping[str, Any]) -> None:
        """Append an entry to the request log."""
        with self._lock:
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
            return Admission(fault=fired, limited=limited, headers=headers)

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

    def _check_product(self, product_code: str) -> None:
        config = self._config
        if config.unknown_product == "reject" and product_code not in config.known_products:
            raise ApiError(422, f"unknown product_code: {product_code}")

    def list_seat_users(
        self, product_code: str | None, limit: str | None, cursor: str | None
    ) -> dict[str, Any]:
        """GET /api/v2/seats/users: one page of holders ordered by (assigned_at, id)."""
        with self._lock:
            config = self._config
            if not product_code:
                raise ApiError(400, "product_code is required")
            if limit is None or limit == "":
                page_limit = config.default_page_limit
            else:
                if not (limit.isascii() and limit.isdigit()) or int(limit) < 1:
                    raise ApiError(400, f"page[limit] must be a positive integer, got {limit}")
                page_limit = int(limit)
            page_limit = min(page_limit, config.max_page_limit)
            offset = _decode_cursor(cursor) if cursor else 0
            self._check_product(product_code)
            holdings = self._holders.get(product_code, {})
            if not holdings:
                return {"data": []}
            ordered = sorted(holdings.items(), key=lambda item: (item[1].assigned_at, item[0]))
            page = ordered[offset : offset + page_limit]
            data = []
            for user_id, holding in page:
                user = self._users.get(user_id)
                data.append(
                    {
                        "id": user_id,
                        "type": "seat-users",
                        "attributes": {
                            "assigned_at": _format_time(holding.assigned_at),
                            "email": user["email"] if user else None,
                            "name": user["name"] if user else None,
                        },
                    }
                )
            end = offset + page_limit
            return {
                "data": data,
                "meta": {
                    "cursor": cursor or "",
                    "limit": page_limit,
                    "next_cursor": _encode_cursor(end) if end < len(ordered) else "",
                },
            }

    def assign(self, body: object) -> dict[str, Any]:
        """POST /api/v2/seats/users: validate, assign, return the 201 body."""
        with self._lock:
            config = self._config
            request = _parse_assignment(body, config.max_batch)
            product = request.product_code
            self._check_product(product)
            unknown = [u for u in request.user_uuids if u not in self._users]
            if unknown and config.unknown_users == "reject":
                raise ApiError(422, f"unknown user uuids: {', '.join(unknown)}")
            candidates = [u for u in request.user_uuids if u in self._users]
            holdings = self._holders.setdefault(product, {})
            new = [u for u in candidates if u not in holdings]
            capacity = config.capacity_of(product)
            if capacity is not None:
                available = max(0, capacity - len(holdings))
                if len(new) > available:
                    if config.over_capacity == "reject":
                        if not holdings:
                            del self._holders[product]
                        raise ApiError(
                            422,
                            f"not enough seats for product {product}: "
                            f"{len(new)} requested, {available} available",
                        )
                    new = new[:available]
            now = datetime.now(UTC)
            for user_id in new:
                holdings[user_id] = _Holding(now)
            if not holdings:
                del self._holders[product]
            if config.assigned_ids == "new":
                assigned = list(new)
            else:
                assigned = [u for u in candidates if u in holdings]
            return {
                "data": {
                    "type": "seat-assignments",
                    "id": request.request_id or str(uuid.uuid4()),
                    "attributes": {"product_code": product, "assigned_ids": assigned},
                }
            }

    def unassign(self, body: object) -> None:
        """DELETE /api/v2/seats/users: validate, then unassign every listed holder."""
        with self._lock:
            config = self._config
            request = _parse_assignment(body, config.max_batch)
            product = request.product_code
            self._check_product(product)
            unknown = [u for u in request.user_uuids if u not in self._users]
            if unknown and config.unknown_users == "reject":
                raise ApiError(422, f"unknown user uuids: {', '.join(unknown)}")
            holdings = self._holders.get(product, {})
            missing = [u for u in request.user_uuids if u not in holdings]
            if missing and config.unassign_missing == "reject":
                raise ApiError(
                    422, f"user uuids do not hold a seat of {product}: {', '.join(missing)}"
                )
            for user_id in request.user_uuids:
                holdings.pop(user_id, None)
            if product in self._holders and not holdings:
                del self._holders[product]
