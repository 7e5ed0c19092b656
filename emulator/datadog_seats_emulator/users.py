"""Users of the emulated organization, and `GET /api/v2/users` (Datadog's "List all users").

Paging by `page[size]` (default 10, at most 100) and 0-based `page[number]`; `filter` is
free text matched case-insensitively against parts of emails, handles and names;
`filter[status]` is a comma list of Active, Pending and Disabled. The answer carries
`meta.page.total_count` (every user) and `meta.page.total_filtered_count`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

from .common import UUID_RE, ApiError, parse_number_page

__all__ = [
    "USERS_PATH",
    "USER_NAMESPACE",
    "USER_STATUSES",
    "SeatUser",
    "list_users",
    "load_users",
    "normalize_status",
    "parse_users",
    "seed_users",
    "user_status",
]

USERS_PATH = "/api/v2/users"

USER_NAMESPACE = uuid.UUID("5d1f6c52-3f0e-4c57-9a53-1b0f3a2e7c11")
"""Namespace of the deterministic seeded user UUIDs (`uuid5(USER_NAMESPACE, "user-<i>")`)."""

USER_STATUSES: tuple[str, ...] = ("Active", "Pending", "Disabled")
"""Datadog's user statuses; a user without one is Active."""

# Users carry no dates of their own; every user answers with this one.
_CREATED_AT = "2024-01-01T00:00:00.000000+00:00"
_SORT_FIELDS = ("name", "modified_at", "user_count")


class _KnownUser(TypedDict):
    id: str
    email: str
    name: str


# total=False rather than NotRequired, which Python 3.10 lacks.
class SeatUser(_KnownUser, total=False):
    """A user of the emulated organization. `status` is absent for Active users."""

    status: str


def user_status(user: SeatUser) -> str:
    """The user's status: Active, Pending or Disabled."""
    return user.get("status", "Active")


def normalize_status(value: object) -> str:
    """`value` as one of USER_STATUSES (any case accepted); ValueError otherwise."""
    if isinstance(value, str):
        for status in USER_STATUSES:
            if value.lower() == status.lower():
                return status
    raise ValueError(f"user status must be one of {', '.join(USER_STATUSES)}, got {value!r}")


def seed_users(count: int) -> list[SeatUser]:
    """Return `count` deterministic Active users numbered from 1.

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
    """Validate a JSON list of users (`{"id", "email"?, "name"?, "status"?}`), lower-casing ids.

    `status` is one of Active, Pending, Disabled (any case; kept only when given). Raises
    ValueError on anything that is not a list of such objects or on duplicate ids.
    """
    if not isinstance(raw, list):
        raise ValueError("users must be a list of objects")
    users: list[SeatUser] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, Mapping):
            raise ValueError(f"each user must be an object, got {entry!r}")
        user_id = entry.get("id")
        if not isinstance(user_id, str) or not UUID_RE.match(user_id):
            raise ValueError(f"user id must be a UUID string, got {user_id!r}")
        email = entry.get("email", "")
        name = entry.get("name", "")
        if not isinstance(email, str) or not isinstance(name, str):
            raise ValueError(f"user email and name must be strings: {entry!r}")
        user_id = user_id.lower()
        if user_id in seen:
            raise ValueError(f"duplicate user id: {user_id}")
        seen.add(user_id)
        user = SeatUser(id=user_id, email=email, name=name)
        if "status" in entry:
            user["status"] = normalize_status(entry["status"])
        users.append(user)
    return users


def load_users(path: str | Path) -> list[SeatUser]:
    """Read users from a JSON file holding a list of users or `{"users": [...]}`."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(raw, dict):
        raw = raw.get("users")
    return parse_users(raw)


def user_resource(user: SeatUser) -> dict[str, Any]:
    """The `users` object of Datadog's v2 answers."""
    status = user_status(user)
    return {
        "type": "users",
        "id": user["id"],
        "attributes": {
            "name": user["name"] or None,
            "handle": user["email"],
            "created_at": _CREATED_AT,
            "modified_at": _CREATED_AT,
            "email": user["email"],
            "icon": None,
            "title": None,
            "verified": status != "Pending",
            "service_account": False,
            "disabled": status == "Disabled",
            "allowed_login_methods": [],
            "status": status,
        },
        "relationships": {"roles": {"data": []}},
    }


def _parse_statuses(raw: str | None) -> set[str] | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return {normalize_status(part.strip()) for part in raw.split(",")}
    except ValueError:
        raise ApiError(
            400, f"filter[status] must be a comma list of {', '.join(USER_STATUSES)}: {raw}"
        ) from None


def _matches(user: SeatUser, text: str) -> bool:
    needle = text.lower()
    return any(needle in field.lower() for field in (user["email"], user["name"]))


def _sorted(users: list[SeatUser], sort: str | None, sort_dir: str | None) -> list[SeatUser]:
    field = sort or "name"
    descending = field.startswith("-")
    field = field.removeprefix("-")
    if field not in _SORT_FIELDS:
        raise ApiError(400, f"sort must be one of {', '.join(_SORT_FIELDS)}: {sort}")
    if sort_dir not in (None, "", "asc", "desc"):
        raise ApiError(400, f"sort_dir must be asc or desc: {sort_dir}")
    if sort_dir == "desc":
        descending = not descending
    if field == "modified_at":  # every user was made at once: the seeding order stands for it
        ordered = list(users)
    else:
        ordered = sorted(users, key=lambda user: (user["name"].lower(), user["id"]))
    return ordered[::-1] if descending else ordered


def list_users(users: Sequence[SeatUser], query: Mapping[str, str]) -> dict[str, Any]:
    """GET /api/v2/users: one page of users, filtered, sorted (by name unless asked otherwise)."""
    page = parse_number_page(query.get("page[size]"), query.get("page[number]"))
    statuses = _parse_statuses(query.get("filter[status]"))
    text = (query.get("filter") or "").strip()
    matching = [
        user
        for user in users
        if (statuses is None or user_status(user) in statuses)
        and (not text or _matches(user, text))
    ]
    ordered = _sorted(matching, query.get("sort"), query.get("sort_dir"))
    return {
        "data": [user_resource(user) for user in page.slice(ordered)],
        "meta": {"page": {"total_count": len(users), "total_filtered_count": len(ordered)}},
    }
