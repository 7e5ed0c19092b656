"""Read Datadog from a Pulumi program or a script: seat holders, users by email, team members.

Each lookup comes in two forms, both served by the core's :class:`~.queries.Queries`
(the plugin's functions ``getSeatHolders``, ``lookupUserUuids`` and
``getTeamMemberUuids`` are the same, for every other language):

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
knobs), then the environment (``DD_API_KEY``, ``DD_APP_KEY``, ``DD_HOST``/``DD_SITE``),
and share one HTTP session per program. They call the API during ``pulumi preview`` as
well as ``pulumi up``, as soon as their inputs are known; a failure stops the program
with its message alone (a ``pulumi.RunError``), without a traceback. Their results are
secret only when an input is: the keys being secrets does not make a list of user UUIDs
one, and no key ever reaches an output or a message.

The script forms read the environment, or take ``settings=`` (a
:class:`~.settings.Settings`) or ``config=`` (stack-config keys, e.g.
``{"datadog:apiUrl": ...}``, checked before the environment).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import pulumi
import pulumi.runtime

from . import descriptions
from .api.seats import SeatHolder
from .errors import SeatsError
from .queries import Queries
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
F = TypeVar("F", bound=Callable[..., Any])


def _described(text: str, more: str = "") -> Callable[[F], F]:
    """Give a lookup the docstring of its function (:mod:`.descriptions`), then ``more``."""

    def describe(function: F) -> F:
        function.__doc__ = descriptions.rst(text) + (f"\n\n{more}" if more else "")
        return function

    return describe


# -- plain values, for scripts --------------------------------------------------------


@_described(descriptions.GET_SEAT_HOLDERS)
def fetch_seat_holders(
    product_code: str,
    *,
    settings: Settings | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[SeatHolder]:
    with _script_queries(settings, config) as queries:
        return queries.seat_holders(product_code)


@_described(
    descriptions.LOOKUP_USER_UUIDS,
    "Raises :class:`~.errors.UserLookupError` naming every such email.",
)
def fetch_user_uuids(
    emails: Sequence[str],
    *,
    settings: Settings | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    with _script_queries(settings, config) as queries:
        return queries.user_uuids(emails)


@_described(descriptions.GET_TEAM_MEMBER_UUIDS)
def fetch_team_member_uuids(
    team_id: str,
    *,
    settings: Settings | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    with _script_queries(settings, config) as queries:
        return queries.team_member_uuids(team_id)


# -- Outputs, for Pulumi programs -----------------------------------------------------


@_described(descriptions.GET_SEAT_HOLDERS, "Read with the stack's credentials.")
def get_seat_holders(product_code: pulumi.Input[str]) -> pulumi.Output[list[SeatHolder]]:
    queries = program_queries()
    return pulumi.Output.from_input(product_code).apply(
        lambda code: _off_the_loop(lambda: queries.seat_holders(code))
    )


@_described(
    descriptions.LOOKUP_USER_UUIDS,
    "The emails may be plain strings or Outputs. The failure stops the program with one "
    "message (that of a :class:`~.errors.UserLookupError`).",
)
def lookup_user_uuids(
    emails: pulumi.Input[Sequence[pulumi.Input[str]]],
) -> pulumi.Output[list[str]]:
    queries = program_queries()
    # from_input resolves the Outputs inside the list too; its type does not say so.
    resolved = cast("pulumi.Output[Sequence[str]]", pulumi.Output.from_input(emails))
    return resolved.apply(lambda values: _off_the_loop(lambda: queries.user_uuids(values)))


@_described(descriptions.GET_TEAM_MEMBER_UUIDS)
def get_team_member_uuids(team_id: pulumi.Input[str]) -> pulumi.Output[list[str]]:
    queries = program_queries()
    return pulumi.Output.from_input(team_id).apply(
        lambda team: _off_the_loop(lambda: queries.team_member_uuids(team))
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


_program_lock = threading.Lock()
#: The lookups of the running program, by the settings they were made with.
_program_queries: list[tuple[Settings, Queries]] = []


def program_queries() -> Queries:
    """The running program's lookups: one HTTP session for every lookup it makes."""
    settings = program_settings()
    with _program_lock:
        for known, queries in _program_queries:
            if known == settings:
                return queries
        queries = Queries(settings)
        _program_queries.append((settings, queries))
        return queries


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


@contextmanager
def _script_queries(
    settings: Settings | None, config: Mapping[str, Any] | None
) -> Iterator[Queries]:
    """Lookups for one call of a script, closed after it."""
    queries = Queries(settings or resolve_settings(dict(config or {}), os.environ))
    try:
        yield queries
    finally:
        queries.close()
