"""What programs read of Datadog: a product's seat holders, users by email, team members.

One :class:`Queries` per process (or script) serves the Python lookups (:mod:`.lookups`)
and the plugin's functions (``getSeatHolders``, ``lookupUserUuids``,
``getTeamMemberUuids``), over one HTTP session. Each checks its input with the rules
of the resource (a product code is the one :func:`~.validation.product_code_problem`
accepts) before any request, and words every message as the front end's users write
names and values (its :class:`~.spelling.Spelling`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .api.seats import SeatHolder, SeatsClient
from .api.teams import TeamsClient
from .api.transport import Transport
from .api.users import DatadogUser, UsersClient
from .declaration import EMAILS, TEAM_ID
from .errors import LookupInputError, UserLookupError
from .rendering import kind_of
from .settings import Settings
from .validation import product_code_problem


class Queries:
    """The lookups, with the settings (and spelling) of one front end. Thread-safe."""

    def __init__(self, settings: Settings, transport: Transport | None = None) -> None:
        """Read through ``transport`` (shared with the seat logic), or a new one."""
        self.transport = transport or Transport(settings)
        self.spelling = settings.spelling
        self._seats = SeatsClient(settings, transport=self.transport)
        self._users = UsersClient(settings, transport=self.transport)
        self._teams = TeamsClient(settings, transport=self.transport)

    def close(self) -> None:
        """Close the HTTP session (a script's lookups; a provider keeps its own)."""
        self.transport.close()

    def seat_holders(self, product_code: Any) -> list[SeatHolder]:
        """Every holder of a seat of ``product_code``, sorted by UUID."""
        problem = product_code_problem(product_code, self.spelling)
        if problem:
            raise LookupInputError(f"{problem}.")
        holders = self._seats.iter_seat_users(str(product_code).strip())
        return sorted(holders, key=lambda holder: holder.id)

    def user_uuids(self, emails: Any) -> list[str]:
        """The UUID of the active Datadog user of each email, in the order of ``emails``.

        Emails compare case-insensitively. One ``GET /api/v2/users?filter=<email>`` per
        distinct email. Raises :class:`~.errors.UserLookupError` naming every email that
        has no user, only a Pending or Disabled one, or several active ones.
        """
        wanted = self._emails(emails)
        found: dict[str, str] = {}
        missing: dict[str, str] = {}
        asked: set[str] = set()
        for email in wanted:
            key = email.lower()
            if key in asked:  # asked once, reported in its first spelling
                continue
            asked.add(key)
            user_id, reason = _one_active(self._users.find_by_email(email))
            if user_id is None:
                missing[email] = reason
            else:
                found[key] = user_id
        if missing:
            raise UserLookupError(missing, len(asked))
        return [found[email.lower()] for email in wanted]

    def team_member_uuids(self, team_id: Any) -> list[str]:
        """The user UUIDs of every member of the team ``team_id``, across pages, each once."""
        team = self._text(TEAM_ID, team_id, "a team id (a UUID, such as a datadog Team's id)")
        return self._teams.member_uuids(team)

    def _emails(self, emails: Any) -> list[str]:
        """``emails`` checked before any request: a list of email strings."""
        name = self.spelling[EMAILS]
        example = self.spelling.text("alice@example.com")
        if isinstance(emails, str) or not isinstance(emails, Sequence):
            raise LookupInputError(
                f"{name} must be a list of email addresses, such as "
                f"{self.spelling.one_item_list.format(example)}, not "
                f"{kind_of(emails, self.spelling)}."
            )
        return [
            self._text(f"{name}[{n}]", email, f"an email address such as {example}")
            for n, email in enumerate(emails)
        ]

    def _text(self, what: str, value: Any, example: str) -> str:
        """``value`` without surrounding blanks, which must be a non-empty string."""
        if isinstance(value, str) and value.strip():
            return value.strip()
        got = "an empty string" if isinstance(value, str) else kind_of(value, self.spelling)
        raise LookupInputError(f"{self.spelling[what]} must be {example}, not {got}.")


def _one_active(users: list[DatadogUser]) -> tuple[str | None, str]:
    """The id of the one active user among ``users``, or None and why there is none."""
    if not users:
        return None, "no Datadog user has this email"
    active = [user for user in users if user.active]
    if len(active) > 1:  # a person and a service account may share an email
        people = [user for user in active if not user.service_account]
        active = people if len(people) == 1 else active
    if len(active) == 1:
        return active[0].id, ""
    if active:
        return None, f"{len(active)} active users have this email; use their UUIDs instead"
    statuses = sorted({"Disabled" if u.disabled else (u.status or "not active") for u in users})
    return None, f"the user is {' / '.join(statuses)}, not Active"
