"""Read Datadog from a Pulumi program or a script: seat holders, users by email, team members.

Each lookup comes in two forms:

=================================  ====================================  ===================
in a Pulumi program (Outputs)      in a script (plain values)            reads
=================================  ====================================  ===================
:func:`get_seat_holders`           :func:`fetch_seat_holders`            seats listing
:func:`lookup_user_uuids`          :func:`fetch_user_uuids`              ``/api/v2/users``
:func:`get_team_member_uuids`      :func:`fetch_team_member_uuids`       team memberships
=================================  ====================================  ===================

>>> from pulumi_datadog_seats import SeatAssignment, lookup_user_uuids
>>> SeatAssignment("responders", product_code="incident_response",
...                user_uuids=lookup_user_uuids(["alice@example.com", "bob@example.com"]))

The program forms find credentials as the provider does: stack config
(``datadog:apiKey``, ``datadog:appKey``, ``datadog:apiUrl`` and the ``datadog-seats:*``
knobs), then the environment (``DD_API_KEY``, ``DD_APP_KEY``, ``DD_HOST``/``DD_SITE``).
They call the API during ``pulumi preview`` as well as ``pulumi up``, as soon as their
inputs are known; a failure stops the program with its message alone (a
``pulumi.RunError``), without a traceback. Their results are secret only when an input
is: the keys being secrets does not make a list of user UUIDs one, and no key ever
reaches an output or a message.

The script forms read the environment, or take ``settings=`` (a
:class:`~.settings.Settings`) or ``config=`` (stack-config keys, e.g.
``{"datadog:apiUrl": ...}``, checked before the environment).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from typing import Any, TypeVar, cast

import pulumi
import pulumi.runtime

from .api.seats import SeatHolder, SeatsClient
from .api.teams import TEAM_ID_EXAMPLE, TeamsClient
from .api.transport import Transport
from .api.users import DatadogUser, UsersClient
from .errors import LookupInputError, SeatsError, UserLookupError, required_text, value_kind
from .settings import Settings, resolve_settings

__all__ = [
    "SeatHolder",
    "fetch_seat_holders",
    "fetch_team_member_uuids",
    "fetch_user_uuids",
    "get_seat_holders",
    "get_team_member_uuids",
    "lookup_user_uuids",
    "program_settings",
]

T = TypeVar("T")


# -- plain values, for scripts --------------------------------------------------------


def fetch_seat_holders(
    product_code: str,
    *,
    settings: Settings | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[SeatHolder]:
    """Every holder of a seat of ``product_code``, in Datadog's order."""
    code = required_text(
        "product_code", product_code, example='a product code such as "incident_response"'
    )
    with closing(Transport(_settings(settings, config))) as transport:
        client = SeatsClient(transport.settings, transport=transport)
        return list(client.iter_seat_users(code))


def fetch_user_uuids(
    emails: Sequence[str],
    *,
    settings: Settings | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """The UUID of the active Datadog user of each email, in the order of ``emails``.

    Emails compare case-insensitively. One ``GET /api/v2/users?filter=<email>`` per
    distinct email. Raises :class:`~.errors.UserLookupError` naming every email that
    has no user, only a Pending or Disabled one, or several active ones.
    """
    wanted = _emails(emails)
    if not wanted:
        return []
    with closing(Transport(_settings(settings, config))) as transport:
        client = UsersClient(transport.settings, transport=transport)
        found: dict[str, str] = {}
        missing: dict[str, str] = {}
        asked: set[str] = set()
        for email in wanted:
            key = email.lower()
            if key in asked:  # asked once, reported in its first spelling
                continue
            asked.add(key)
            user_id, reason = _one_active(client.find_by_email(email))
            if user_id is None:
                missing[email] = reason
            else:
                found[key] = user_id
    if missing:
        raise UserLookupError(missing, len(asked))
    return [found[email.lower()] for email in wanted]


def fetch_team_member_uuids(
    team_id: str,
    *,
    settings: Settings | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """The user UUIDs of every member of the team ``team_id``, across pages, each once."""
    team = required_text("team_id", team_id, example=TEAM_ID_EXAMPLE)
    with closing(Transport(_settings(settings, config))) as transport:
        return TeamsClient(transport.settings, transport=transport).member_uuids(team)


# -- Outputs, for Pulumi programs -----------------------------------------------------


def get_seat_holders(product_code: pulumi.Input[str]) -> pulumi.Output[list[SeatHolder]]:
    """Every holder of a seat of ``product_code``, read with the stack's credentials."""
    settings = program_settings()
    return pulumi.Output.from_input(product_code).apply(
        lambda code: _off_the_loop(lambda: fetch_seat_holders(code, settings=settings))
    )


def lookup_user_uuids(
    emails: pulumi.Input[Sequence[pulumi.Input[str]]],
) -> pulumi.Output[list[str]]:
    """The UUID of the active user of each email (plain strings or Outputs), in order.

    Fails the program with one error (the message of a :class:`~.errors.UserLookupError`)
    that names every email without exactly one active user.
    """
    settings = program_settings()
    # from_input resolves the Outputs inside the list too; its type does not say so.
    resolved = cast("pulumi.Output[Sequence[str]]", pulumi.Output.from_input(emails))
    return resolved.apply(
        lambda values: _off_the_loop(lambda: fetch_user_uuids(values, settings=settings))
    )


def get_team_member_uuids(team_id: pulumi.Input[str]) -> pulumi.Output[list[str]]:
    """The user UUIDs of every member of the team ``team_id``, across pages."""
    settings = program_settings()
    return pulumi.Output.from_input(team_id).apply(
        lambda team: _off_the_loop(lambda: fetch_team_member_uuids(team, settings=settings))
    )


class _StackConfig:
    """The running program's stack config by namespaced key, secrets as plain text.

    Read through ``pulumi.runtime.get_config`` rather than ``pulumi.Config.get_secret``,
    so that nothing derived from the keys becomes a secret Output.
    """

    def get(self, key: str, /) -> Any:
        return pulumi.runtime.get_config(key)


def program_settings() -> Settings:
    """Settings of the running Pulumi program: stack config first, then the environment.

    The same keys and order as the provider's ``configure()``; raises
    :class:`~.errors.ConfigurationError` naming the config key and variables to set.
    """
    return resolve_settings(_StackConfig(), os.environ)


# -- helpers --------------------------------------------------------------------------


async def _off_the_loop(call: Callable[[], T]) -> T:
    """Run a blocking lookup in a thread, so Pulumi's event loop keeps registering resources.

    Our errors come out as ``pulumi.RunError``: raised inside an apply, anything else is
    printed with a traceback of Pulumi's internals only, burying the message that says
    what is wrong and what to do. The original error stays the ``__cause__``.
    """
    try:
        return await asyncio.to_thread(call)
    except SeatsError as exc:
        raise pulumi.RunError(str(exc)) from exc


def _settings(settings: Settings | None, config: Mapping[str, Any] | None) -> Settings:
    if settings is not None:
        return settings
    return resolve_settings(dict(config or {}), os.environ)


_EMAIL_EXAMPLE = 'an email address such as "alice@example.com"'


def _emails(emails: object) -> list[str]:
    """``emails`` checked before any request: a list (or tuple) of email strings."""
    if isinstance(emails, str) or not isinstance(emails, Sequence):
        raise LookupInputError(
            f'emails must be a list of email addresses, such as ["alice@example.com"], '
            f"not {value_kind(emails, null='None')}."
        )
    return [
        required_text(f"emails[{n}]", email, example=_EMAIL_EXAMPLE)
        for n, email in enumerate(emails)
    ]


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
