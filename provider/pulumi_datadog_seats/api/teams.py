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

from ..errors import TEAMS_READ_PERMISSION
from ..redaction import parse_user_uuid
from ..settings import Settings
from .advice import ApiAdvice, read_advice
from .answers import text
from .paging import Page, iter_numbered_pages
from .transport import Transport

__all__ = ["MAX_PAGE_SIZE", "TeamMember", "TeamsClient", "memberships_path", "team_advice"]

MAX_PAGE_SIZE = 100  # Datadog's maximum page[size] for team memberships


def team_advice(team_id: str) -> ApiAdvice:
    """GET /api/v2/team/{team_id}/memberships: a 404 means the team id is unknown."""
    return read_advice(
        "Teams API",
        TEAMS_READ_PERMISSION,
        "to read teams",
        {
            404: (
                f"No team has the id {team_id!r} in this organization. Use the team's id (a "
                "UUID, such as the id of a datadog.Team resource), not its name or handle, "
                "and check that {api_url} (or DD_HOST / DD_SITE) is your site's API URL."
            )
        },
    )


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
        pages = iter_numbered_pages(
            self.transport,
            memberships_path(team_id),
            {},
            page_size=min(self.settings.page_size, MAX_PAGE_SIZE),
            advice=team_advice(team_id),
            is_last=_last_page,
        )
        for page in pages:
            yield from _members(page)

    def member_uuids(self, team_id: str) -> list[str]:
        """The lower-case user UUIDs of the team's members, each once, in Datadog's order."""
        return list(dict.fromkeys(member.user_id for member in self.iter_members(team_id)))


def _members(page: Page) -> Iterator[TeamMember]:
    """The memberships of one page, checked: a member's id must be a user UUID."""
    answer = page.answer
    included: dict[str, dict[str, Any]] = {}
    for n, entry in enumerate(answer.optional_array(page.body.get("included"), "included")):
        user = answer.object(entry, f"included[{n}]")
        if user.get("type") == "users" and isinstance(user.get("id"), str):
            attributes = answer.optional_object(user.get("attributes"), f"included[{n}].attributes")
            included[_canonical(user["id"])] = attributes
    for n, entry in enumerate(page.data):
        where = f"data[{n}]"
        item = answer.object(entry, where)
        relationships = answer.optional_object(item.get("relationships"), f"{where}.relationships")
        link = answer.optional_object(relationships.get("user"), f"{where}.relationships.user")
        user = answer.optional_object(link.get("data"), f"{where}.relationships.user.data")
        if not user.get("id"):
            continue  # a membership without a user (an invitation, say) seats nobody
        user_id = answer.user_uuid(user["id"], f"{where}.relationships.user.data.id")
        attributes = included.get(user_id, {})
        membership = answer.optional_object(item.get("attributes"), f"{where}.attributes")
        yield TeamMember(
            user_id=user_id,
            email=text(attributes.get("email")),
            name=text(attributes.get("name")),
            role=text(membership.get("role")),
        )


def _canonical(user_id: str) -> str:
    return parse_user_uuid(user_id) or user_id.strip().lower()


def _last_page(body: Any, number: int, entries: int) -> bool:
    # These only end the listing early: a meta of another shape is ignored (short pages
    # and the paginator's bounds still end it).
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    if not isinstance(pagination, dict):
        pagination = {}
    last_number = _count(pagination.get("last_number"))
    if last_number is not None and number >= last_number:
        return True
    total = _count(pagination.get("total"))
    if total is not None and entries >= total:
        return True
    links = body.get("links")
    return isinstance(links, dict) and "next" in links and not links["next"]


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
