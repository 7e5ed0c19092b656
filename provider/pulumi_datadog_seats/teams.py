"""TeamsClient: Datadog's ``GET /api/v2/team/{team_id}/memberships``, paged by ``page[number]``.

Each membership names its user in ``relationships.user.data.id``; the users themselves
come in ``included``. The real service keeps a ``links.next`` even on the last page, so
the end of the listing is read from ``meta.pagination`` (``last_number``, ``total``)
and from short pages, and a null ``links.next`` ends it too. An unknown team id is a
404. Needs the ``teams_read`` permission.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .errors import team_advice
from .settings import Settings
from .transport import Transport, iter_numbered_pages

__all__ = ["MAX_PAGE_SIZE", "TeamMember", "TeamsClient", "memberships_path"]

MAX_PAGE_SIZE = 100  # Datadog's maximum page[size] for team memberships


def memberships_path(team_id: str) -> str:
    """The memberships path of a team, its id quoted as one path segment."""
    return f"/api/v2/team/{quote(team_id, safe='')}/memberships"


@dataclass(frozen=True)
class TeamMember:
    """One membership of a team: the member's user UUID, and what ``included`` says of them."""

    user_id: str
    email: str | None = None
    name: str | None = None
    role: str | None = None


class TeamsClient:
    """The Teams API (memberships). Thread-safe; shares a Transport when given one."""

    def __init__(self, settings: Settings, *, transport: Transport | None = None) -> None:
        self.settings = settings
        self.transport = transport or Transport(settings)

    def iter_members(self, team_id: str) -> Iterator[TeamMember]:
        """Every membership of the team, page by page, in Datadog's order."""
        team_id = team_id.strip()
        if not team_id:
            raise ValueError("team_id must be a non-empty team id")
        pages = iter_numbered_pages(
            self.transport,
            memberships_path(team_id),
            {},
            page_size=min(self.settings.page_size, MAX_PAGE_SIZE),
            advice=team_advice(team_id),
            is_last=_last_page,
        )
        for body in pages:
            included = {
                str(user.get("id")).lower(): user.get("attributes") or {}
                for user in body.get("included") or []
                if user.get("type") == "users"
            }
            for item in body.get("data") or []:
                user = ((item.get("relationships") or {}).get("user") or {}).get("data") or {}
                if not user.get("id"):
                    continue
                user_id = str(user["id"]).lower()
                attributes = included.get(user_id, {})
                yield TeamMember(
                    user_id=user_id,
                    email=attributes.get("email"),
                    name=attributes.get("name"),
                    role=(item.get("attributes") or {}).get("role"),
                )

    def member_uuids(self, team_id: str) -> list[str]:
        """The lower-case user UUIDs of the team's members, each once, in Datadog's order."""
        return list(dict.fromkeys(member.user_id for member in self.iter_members(team_id)))


def _last_page(body: Any, number: int, entries: int) -> bool:
    pagination = (body.get("meta") or {}).get("pagination") or {}
    last_number = pagination.get("last_number")
    if isinstance(last_number, int) and number >= last_number:
        return True
    total = pagination.get("total")
    if isinstance(total, int) and entries >= total:
        return True
    links = body.get("links")
    return isinstance(links, dict) and "next" in links and not links["next"]
