"""Teams of the emulated organization, and `GET /api/v2/team/{team_id}/memberships`.

The answer follows Datadog's "Get team memberships": `data[]` of `team_memberships`
whose `relationships.user.data.id` is the member's user UUID, `included[]` users,
`links` (`self`, `first`, `last`, `prev`, `next`; `next` is null on the last page) and
`meta.pagination` (`type: number_size`). Paging by `page[size]` (default 10, at most 100)
and 0-based `page[number]`; `filter[keyword]` matches parts of a member's email or name.
An unknown team id is a 404.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlencode

from .common import UUID_RE, ApiError, NumberPage, check_int, parse_number_page
from .users import SeatUser

__all__ = [
    "TEAM_MEMBERSHIPS_PATH",
    "TEAM_NAMESPACE",
    "Team",
    "list_memberships",
    "load_teams",
    "parse_teams",
    "team_id_for",
]

TEAM_MEMBERSHIPS_PATH = re.compile(r"^/api/v2/team/(?P<team_id>[^/]+)/memberships$")

TEAM_NAMESPACE = uuid.UUID("0c6f4f0e-6a0b-4d3a-9f4e-2f61d4a8b7c3")
"""Namespace of the ids of teams given without one (`uuid5(TEAM_NAMESPACE, name)`)."""

_SORTS = ("manager_name", "name", "handle", "email")


class Team(TypedDict):
    """A team: its id (a UUID), name, handle and the user ids of its members, in order."""

    id: str
    name: str
    handle: str
    members: list[str]


def team_id_for(name: str) -> str:
    """The id a team named `name` gets when none is given."""
    return str(uuid.uuid5(TEAM_NAMESPACE, name))


def _handle_for(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "team"


def parse_teams(raw: object, users: Sequence[SeatUser]) -> list[Team]:
    """Validate a JSON list of teams against the known `users`.

    Each team is `{"name", "id"?, "handle"?, "members"?: [user ids]}` or, instead of
    `members`, `"count": N` for the first N of `users`. Ids are lower-cased; a team without
    one gets `team_id_for(name)`. Raises ValueError on unknown members, duplicate team ids
    and anything malformed.
    """
    if not isinstance(raw, list):
        raise ValueError("teams must be a list of objects")
    known = [user["id"] for user in users]
    known_set = set(known)
    teams: list[Team] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, Mapping):
            raise ValueError(f"each team must be an object, got {entry!r}")
        unknown_keys = sorted(set(entry) - {"id", "name", "handle", "members", "count"})
        if unknown_keys:
            raise ValueError(f"unknown team fields: {', '.join(unknown_keys)}")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"a team needs a non-empty name: {entry!r}")
        team_id = entry.get("id") or team_id_for(name)
        if not isinstance(team_id, str) or not UUID_RE.match(team_id):
            raise ValueError(f"team id must be a UUID string, got {team_id!r}")
        team_id = team_id.lower()
        if team_id in seen:
            raise ValueError(f"duplicate team id: {team_id} ({name})")
        seen.add(team_id)
        handle = entry.get("handle") or _handle_for(name)
        if not isinstance(handle, str):
            raise ValueError(f"team handle must be a string, got {handle!r}")
        if "members" in entry and "count" in entry:
            raise ValueError(f"team {name} takes members or count, not both")
        if "count" in entry:
            count = entry["count"]
            check_int(f"member count of team {name}", count, 0)
            if count > len(known):
                raise ValueError(
                    f"team {name} needs {count} members but only {len(known)} users are known"
                )
            members = known[:count]
        else:
            raw_members = entry.get("members", [])
            if not isinstance(raw_members, list) or not all(
                isinstance(m, str) for m in raw_members
            ):
                raise ValueError(f"members of team {name} must be a list of user ids")
            members = list(dict.fromkeys(m.lower() for m in raw_members))
            strangers = [m for m in members if m not in known_set]
            if strangers:
                raise ValueError(f"team {name} has unknown members: {', '.join(strangers)}")
        teams.append(Team(id=team_id, name=name, handle=handle, members=members))
    return teams


def load_teams(path: str | Path) -> list[Any]:
    """Read raw teams (validated later, against the users) from a JSON list or `{"teams": []}`."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(raw, dict):
        raw = raw.get("teams")
    if not isinstance(raw, list):
        raise ValueError(f"{path}: teams must be a list of objects or {{'teams': [...]}}")
    return raw


def _member_resource(user: SeatUser) -> dict[str, Any]:
    return {
        "type": "users",
        "id": user["id"],
        "attributes": {
            "name": user["name"] or None,
            "handle": user["email"],
            "email": user["email"],
            "icon": None,
            "disabled": user.get("status") == "Disabled",
            "service_account": False,
        },
    }


def _sorted_members(
    members: list[str], users: Mapping[str, SeatUser], sort: str | None
) -> list[str]:
    if not sort:
        return members
    field = sort.removeprefix("-")
    if field not in _SORTS:
        raise ApiError(400, f"sort must be one of {', '.join(_SORTS)}, optionally with -: {sort}")
    by_email = field in ("handle", "email")

    def key(user_id: str) -> tuple[str, str]:
        user = users.get(user_id)
        value = "" if user is None else user["email"] if by_email else user["name"]
        return (value.lower(), user_id)

    return sorted(members, key=key, reverse=sort.startswith("-"))


def _link(base: str, page: NumberPage, number: int, extra: Mapping[str, str]) -> str:
    query = {"page[number]": str(number), "page[size]": str(page.size), **extra}
    return f"{base}?{urlencode(query, safe='[]')}"


def list_memberships(
    team: Team | None,
    users: Mapping[str, SeatUser],
    query: Mapping[str, str],
    base_url: str,
    path: str,
) -> dict[str, Any]:
    """GET /api/v2/team/{team_id}/memberships: one page of the team's memberships."""
    if team is None:
        raise ApiError(404, "Team not found")
    page = parse_number_page(query.get("page[size]"), query.get("page[number]"))
    members = list(team["members"])
    keyword = (query.get("filter[keyword]") or "").strip().lower()
    if keyword:
        members = [
            m
            for m in members
            if m in users
            and (keyword in users[m]["email"].lower() or keyword in users[m]["name"].lower())
        ]
    members = _sorted_members(members, users, query.get("sort"))
    on_page = page.slice(members)
    last = page.last_number(len(members))
    extra = {k: v for k, v in query.items() if k in ("filter[keyword]", "sort") and v}
    base = base_url + path
    return {
        "data": [
            {
                "type": "team_memberships",
                "id": f"TeamMembership-{team['id']}-{user_id}",
                "attributes": {"role": None, "provisioned_by": None, "provisioned_by_id": None},
                "relationships": {"user": {"data": {"type": "users", "id": user_id}}},
            }
            for user_id in on_page
        ],
        "included": [_member_resource(users[m]) for m in on_page if m in users],
        "links": {
            "self": _link(base, page, page.number, extra),
            "first": _link(base, page, 0, extra),
            "last": _link(base, page, last, extra),
            "prev": _link(base, page, page.number - 1, extra) if page.number > 0 else None,
            "next": _link(base, page, page.number + 1, extra) if page.number < last else None,
        },
        "meta": {
            "pagination": {
                "type": "number_size",
                "number": page.number,
                "size": page.size,
                "total": len(members),
                "first_number": 0,
                "prev_number": max(0, page.number - 1),
                "next_number": page.number + 1,
                "last_number": last,
            }
        },
    }
