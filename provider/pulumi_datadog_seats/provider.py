"""SeatAssignmentProvider: the dynamic provider behind :class:`SeatAssignment`.

A thin adapter over :class:`~.lifecycle.SeatLifecycle`: it turns the dynamic-provider
protocol's dicts into the core's values and back, and holds no rule of its own.

Its import path, ``pulumi_datadog_seats.provider.SeatAssignmentProvider``, is
written into the state of every SeatAssignment (the provider is pickled by
reference): never move or rename it.

The instance holds no data when it is pickled. ``configure()``, which runs in
the provider process only, reads the credentials from stack config or the
environment and builds the lifecycle with its client; neither ever reaches the state.
"""

from __future__ import annotations

import os
import uuid
from types import TracebackType
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import UNKNOWN as UNKNOWN_VALUE
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from .declaration import USER_OUTPUTS, USER_UUIDS, SeatOutputs, declaration_of
from .errors import ConfigurationError, SeatsError
from .lifecycle import SeatLifecycle
from .redaction import user_uuid_set
from .settings import resolve_settings
from .spelling import PYTHON

#: Attributes that configure() builds in the provider process; they never reach the state.
_PROCESS_ONLY = frozenset({"_lifecycle"})

#: The value a program sends as ``assigned_ids`` and ``unmanaged_ids`` when ``user_uuids`` is
#: secret (a secret itself), and during preview; see ``resource._secrecy_marker``.
SECRET_MARKER = "secret"
SECRET_PREVIEW = "secret (preview)"
#: Inputs whose presence says that ``user_uuids`` is secret, and whose secretness the engine
#: copies onto the outputs of the same name: the other outputs that name users.
SECRECY_MARKERS = tuple(name for name in USER_OUTPUTS if name != USER_UUIDS)
#: An output recording that user_uuids was secret when the outputs were written.
SECRET_USERS = "secret_user_uuids"


class SeatAssignmentProvider(ResourceProvider):
    """check/diff/create/read/update/delete of SeatAssignments, through the lifecycle core.

    One provider process serves every SeatAssignment of an engine operation (they all
    pickle to the same bytes, which the host caches by), so one lifecycle lists the
    holders of each product once and remembers the exclusive declarations it has seen.
    """

    def configure(self, req: ConfigureRequest) -> None:
        """Resolve settings from the stack config (``datadog:*``, ``datadog-seats:*``) and env.

        A configuration error is not raised here but by ``check``, as a failure of each
        resource: newer Pulumi hosts print an exception raised here with a traceback.
        """
        try:
            settings = resolve_settings(req.config, os.environ)
        except ConfigurationError as exc:
            self._core().configure(exc)
            return
        self._core().configure(settings)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise the inputs; unknowns pass through. Before a create (no
        previous inputs), warn of the holders an exclusive declaration unassigns."""
        secret = is_secret_declaration(news)
        with _message_only():
            outcome = self._core().check(
                news, secret=secret, is_unknown=is_unknown, creating=not olds
            )
        if outcome.warning:
            pulumi.log.warn(outcome.warning)
        failures = [CheckFailure(prop, reason) for prop, reason in outcome.reported()]
        inputs = dict(outcome.inputs)
        for key in SECRECY_MARKERS:
            if key in news:
                # Kept, so that the engine makes the output of the same name secret: [] for
                # an up (None would be dropped), unknown in preview (as the output is then).
                inputs[key] = UNKNOWN_VALUE if _in_preview(news[key]) else []
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the previous outputs with the new inputs (see ``SeatLifecycle.diff``);
        warn of everyone the update or replacement unassigns."""
        with _message_only():
            diff = self._core().diff(olds, news, is_unknown, secret=is_secret_declaration(news))
        if diff.warning:
            pulumi.log.warn(diff.warning)
        # A replacement creates first: a new product Datadog refuses then loses no seat.
        return DiffResult(
            changes=diff.has_changes, replaces=list(diff.replaces), delete_before_replace=False
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Assign seats to every declared user (with ``exclusive``, to them only); all or none."""
        secret = is_secret_declaration(props)
        with _message_only():
            outputs = self._core().create(declaration_of(props, secret=secret))
        return CreateResult(str(uuid.uuid4()), _outs(outputs, secret))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: which declared users still hold a seat. None left means the resource is gone.

        The inputs are rewritten to the users still seated, so the next preview shows the
        seats lost outside Pulumi as a change that ``pulumi up`` restores.
        """
        secret = props.get(SECRET_USERS) is True
        with _message_only():
            refreshed = self._core().refresh(declaration_of(props, secret=secret))
        if refreshed.warning:
            # Printed by the engine with the refresh's diagnostics.
            pulumi.log.warn(refreshed.warning)
        if refreshed.outputs is None:
            return ReadResult("", {}, {})
        return ReadResult(id_, _outs(refreshed.outputs, secret), refreshed.inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Assign the added users, unassign the removed ones; all of it, or nothing."""
        secret = is_secret_declaration(news)
        previously = user_uuid_set(olds.get(USER_UUIDS) or [])
        with _message_only():
            outputs = self._core().update(declaration_of(news, secret=secret), previously)
        return UpdateResult(_outs(outputs, secret))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Give back the seats of every declared user; all of them, or none."""
        secret = props.get(SECRET_USERS) is True
        with _message_only():
            self._core().delete(declaration_of(props, secret=secret))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without what configure() built (lifecycle, client, keys), whatever happens."""
        return {k: v for k, v in self.__dict__.items() if k not in _PROCESS_ONLY}

    def _core(self) -> SeatLifecycle:
        # Built on first use in the provider process, where the host calls configure()
        # before it serves any other call; the lifecycle itself is thread-safe.
        lifecycle: SeatLifecycle | None = getattr(self, "_lifecycle", None)
        if lifecycle is None:
            lifecycle = self._lifecycle = SeatLifecycle(PYTHON)
        return lifecycle


class _message_only:
    """Let our errors leave with their message and nothing else: no chained cause, no
    frames below the ``with``. Pulumi's dynamic-provider host shows the user
    ``Exception calling application: <message>`` up to 3.259, and from 3.260
    ``traceback.format_exc()``, whose last line is then the message, after a few frames.

    A class (lower-case, as contextlib's ``suppress``), not ``@contextmanager``: contextlib
    gives an exception that leaves the generator its original frames back.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        _type: type[BaseException] | None,
        exc: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, SeatsError):
            raise exc.with_traceback(None) from None


def is_secret_declaration(inputs: dict[str, Any]) -> bool:
    """Whether the program marked ``user_uuids`` secret: its markers are among the inputs
    (raw, or checked: check keeps them)."""
    return any(key in inputs for key in SECRECY_MARKERS)


def is_unknown(value: Any) -> bool:
    """True for a value not known yet during preview (an output of an uncreated resource).

    With ``keep_unknowns`` the dynamic-provider host hands check and diff
    ``pulumi.output.Unknown`` instances; the raw wire sentinel is accepted too.
    """
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def _in_preview(marker: Any) -> bool:
    return is_unknown(marker) or marker == SECRET_PREVIEW


def _outs(outputs: SeatOutputs, secret: bool) -> dict[str, Any]:
    outs = outputs.as_dict()
    if secret:
        # Read and delete get the outputs, not the inputs: this is how they know.
        outs[SECRET_USERS] = True
    return outs
