"""SeatAssignmentProvider: the dynamic provider behind :class:`SeatAssignment`.

Its import path, ``pulumi_datadog_seats.provider.SeatAssignmentProvider``, is
written into the state of every SeatAssignment (the provider is pickled by
reference): never move or rename it.

The instance holds no data when it is pickled. ``configure()``, which runs in
the provider process only, reads the credentials from stack config or the
environment and builds the client; neither ever reaches the state.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
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

from . import seats
from .api.seats import SeatsClient
from .errors import (
    ConfigurationError,
    ExclusiveClaimError,
    SeatAssignmentError,
    SeatsError,
)
from .holders import HoldersView
from .redaction import hide_user_uuids
from .seats import ASSIGNED_IDS, EXCLUSIVE, PRODUCT_CODE, UNMANAGED_IDS, USER_UUIDS
from .settings import resolve_settings

#: Attributes that configure() builds in the provider process; they never reach the state.
_PROCESS_ONLY = frozenset({"_configured"})

#: The value a program sends as ``assigned_ids`` and ``unmanaged_ids`` when ``user_uuids`` is
#: secret (a secret itself), and during preview; see ``resource._secrecy_marker``.
SECRET_MARKER = "secret"
SECRET_PREVIEW = "secret (preview)"
#: Inputs whose presence says that ``user_uuids`` is secret, and whose secretness the engine
#: copies onto the outputs of the same name.
_SECRECY_MARKERS = (ASSIGNED_IDS, UNMANAGED_IDS)
#: An output recording that user_uuids was secret when the outputs were written.
SECRET_USERS = "secret_user_uuids"


@dataclass(frozen=True)
class _Configured:
    """What one provider process shares between all the calls it serves."""

    client: SeatsClient
    view: HoldersView
    claims: seats.ExclusiveClaims


class SeatAssignmentProvider(ResourceProvider):
    """check/diff/create/read/update/delete for seats of one product code.

    ``check`` and ``diff`` never call the API (they also run during preview,
    with unknown values); the other methods reconcile Datadog with the
    declaration through :mod:`pulumi_datadog_seats.seats`.

    One provider process serves every SeatAssignment of an engine operation
    (they all pickle to the same bytes, which the host caches by). It lists
    the holders of each product once, through one
    :class:`~pulumi_datadog_seats.holders.HoldersView`, and remembers the
    exclusive declarations it has seen, to refuse a second one of a product.
    """

    def configure(self, req: ConfigureRequest) -> None:
        """Resolve settings from the stack config (``datadog:*``, ``datadog-seats:*``) and env."""
        settings = resolve_settings(req.config, os.environ)
        client = SeatsClient(settings)
        # Set once, before the provider serves any call; all three are thread-safe.
        self._configured = _Configured(
            client=client,
            view=HoldersView(client, settings.batch_size),
            claims=seats.ExclusiveClaims(),
        )

    # -- no API calls ------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise the inputs; unknowns pass through.

        A known exclusive declaration is also claimed for its product here, so
        that a second exclusive SeatAssignment of the product fails (during
        preview, when both are known then) before anything is written.
        """
        secret = is_secret_declaration(news)
        outcome = seats.check_inputs(
            news.get(PRODUCT_CODE),
            news.get(USER_UUIDS),
            is_unknown,
            exclusive=news.get(EXCLUSIVE),
            secret=secret,
        )
        # The engine prints the value of the property a failure names (secret or not): a
        # failure about a secret or key-shaped value names none; its reason names it.
        failures = [
            CheckFailure("" if prop in outcome.unprintable else prop, reason)
            for prop, reason in outcome.failures
        ]
        if not failures:
            try:
                self._claim_if_exclusive(outcome.inputs)
            except ExclusiveClaimError as exc:
                failures.append(CheckFailure(EXCLUSIVE, hide_user_uuids(str(exc), secret)))
        inputs = dict(outcome.inputs)
        for key in _SECRECY_MARKERS:
            if key in news:
                # Kept, so that the engine makes the output of the same name secret: [] for
                # an up (None would be dropped), unknown in preview (as the output is then).
                inputs[key] = UNKNOWN_VALUE if _in_preview(news[key]) else []
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the declarations; a new product code replaces, anything else updates.

        ``olds`` are the previous outputs. With ``exclusive`` on, holders the
        last create, update or refresh found outside the declaration
        (``unmanaged_ids``) are a change too: ``pulumi up`` unassigns them.
        """
        product_changed = news.get(PRODUCT_CODE) != olds.get(PRODUCT_CODE)
        new_users = news.get(USER_UUIDS)
        if not isinstance(new_users, list) or any(is_unknown(u) for u in new_users):
            users_changed = True
        else:
            users_changed = seats.declared_set(new_users) != seats.declared_set(
                olds.get(USER_UUIDS) or []
            )
        new_exclusive = news.get(EXCLUSIVE)
        if is_unknown(new_exclusive):
            exclusive_changed = True
        else:
            exclusive_changed = bool(new_exclusive) != bool(olds.get(EXCLUSIVE))
        outsiders_to_remove = new_exclusive is True and bool(olds.get(UNMANAGED_IDS))
        return DiffResult(
            changes=product_changed or users_changed or exclusive_changed or outsiders_to_remove,
            replaces=[PRODUCT_CODE] if product_changed else [],
            delete_before_replace=True,
        )

    # -- API calls ---------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Assign seats to every declared user (with ``exclusive``, to them only); all or none."""
        product_code, declared, exclusive = _declaration(props)
        configured = self._state()
        with _secret_usershide_user_uuids(is_secret_declaration(props)):
            if exclusive:
                configured.claims.claim(product_code, declared)
            view = configured.view
            assigned = seats.converge(view, product_code, declared, exclusive=exclusive)
        outs = _outputs(
            product_code,
            declared,
            assigned,
            exclusive,
            view.holders(product_code),
            secret=is_secret_declaration(props),
        )
        return CreateResult(str(uuid.uuid4()), outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: which declared users still hold a seat. None left means the resource is gone.

        The inputs are rewritten to the users still seated, so the next preview
        shows the seats lost outside Pulumi as a change that ``pulumi up``
        restores, and a warning names those users; ``unmanaged_ids`` lists the holders
        the resource does not declare.
        """
        product_code, declared, exclusive = _declaration(props)
        secret = _secret_outputs(props)
        with _secret_usershide_user_uuids(secret):
            holders = self._state().view.holders(product_code)
        held = sorted(declared & holders)
        lost = sorted(declared - holders)
        if lost:
            # Printed by the engine with the refresh's diagnostics: the state alone would
            # record the loss silently.
            warning = seats.lost_seats_warning(product_code, lost, none_left=not held)
            pulumi.log.warn(hide_user_uuids(warning, secret))
        if not held:
            return ReadResult("", {}, {})
        inputs = {PRODUCT_CODE: product_code, USER_UUIDS: held, EXCLUSIVE: exclusive}
        outs = _outputs(product_code, set(held), held, exclusive, holders, secret=secret)
        return ReadResult(id_, outs, inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Assign the added users, unassign the removed ones; all of it, or nothing.

        Nobody else is touched, unless ``exclusive``: then every holder not declared is
        unassigned too.
        """
        product_code, declared, exclusive = _declaration(news)
        configured = self._state()
        previously = seats.declared_set(olds.get(USER_UUIDS) or [])
        view = configured.view
        with _secret_usershide_user_uuids(is_secret_declaration(news)):
            if exclusive:
                configured.claims.claim(product_code, declared)
            assigned = seats.converge(view, product_code, declared, previously, exclusive=exclusive)
        return UpdateResult(
            _outputs(
                product_code,
                declared,
                assigned,
                exclusive,
                view.holders(product_code),
                secret=is_secret_declaration(news),
            )
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Give back the seats of every declared user; users without one are fine.

        All or nothing: if a batch fails, the seats given back so far are assigned again,
        so the state (which keeps the resource) still matches Datadog.
        """
        product_code, declared, _exclusive = _declaration(props)
        with _secret_usershide_user_uuids(_secret_outputs(props)):
            seats.release_or_restore(self._state().view, product_code, sorted(declared))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without what configure() built (client, view, claims, keys), whatever happens."""
        return {k: v for k, v in self.__dict__.items() if k not in _PROCESS_ONLY}

    def _state(self) -> _Configured:
        configured: _Configured | None = getattr(self, "_configured", None)
        if configured is None:
            raise ConfigurationError("the provider was used before configure() ran")
        return configured

    def _api(self) -> SeatsClient:
        """The configured client (raises ConfigurationError before configure())."""
        return self._state().client

    def _claim_if_exclusive(self, inputs: dict[str, Any]) -> None:
        configured: _Configured | None = getattr(self, "_configured", None)
        product_code, users = inputs[PRODUCT_CODE], inputs[USER_UUIDS]
        if (
            configured is None
            or inputs[EXCLUSIVE] is not True
            or is_unknown(product_code)
            or any(is_unknown(u) for u in users)
        ):
            return
        configured.claims.claim(product_code, seats.declared_set(users))


def is_secret_declaration(inputs: dict[str, Any]) -> bool:
    """Whether the program marked ``user_uuids`` secret: its markers are among the inputs
    (raw, or checked: check keeps them)."""
    return any(key in inputs for key in _SECRECY_MARKERS)


def _secret_outputs(outputs: dict[str, Any]) -> bool:
    """Whether outputs (what read and delete get) were written for a secret ``user_uuids``."""
    return outputs.get(SECRET_USERS) is True


@contextmanager
def _secret_usershide_user_uuids(secret: bool) -> Iterator[None]:
    """Re-raise a seats error without the user UUIDs it names when ``user_uuids`` is secret.

    The engine prints the message of a failed create or update as it is; the UUIDs of a
    secret declaration (and the other holders named beside them) must not show there.
    """
    try:
        yield
    except SeatsError as exc:
        if not secret:
            raise
        raise SeatAssignmentError(hide_user_uuids(str(exc), secret)) from None


def _in_preview(marker: Any) -> bool:
    return is_unknown(marker) or marker == SECRET_PREVIEW


def is_unknown(value: Any) -> bool:
    """True for a value not known yet during preview (an output of an uncreated resource).

    With ``keep_unknowns`` the dynamic-provider host hands check and diff
    ``pulumi.output.Unknown`` instances; the raw wire sentinel is accepted too.
    """
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def _declaration(props: dict[str, Any]) -> tuple[str, set[str], bool]:
    """Product, declared users and exclusive of checked inputs or outputs.

    States written by 0.1.0 have no ``exclusive``: missing means False.
    """
    users = seats.declared_set(props.get(USER_UUIDS) or [])
    return str(props[PRODUCT_CODE]), users, props.get(EXCLUSIVE) is True


def _outputs(
    product_code: str,
    declared: set[str],
    assigned: list[str],
    exclusive: bool,
    holders: AbstractSet[str],
    *,
    secret: bool = False,
) -> dict[str, Any]:
    outs: dict[str, Any] = {
        PRODUCT_CODE: product_code,
        USER_UUIDS: sorted(declared),
        ASSIGNED_IDS: sorted(assigned),
        EXCLUSIVE: exclusive,
        UNMANAGED_IDS: seats.unmanaged(holders, declared),
    }
    if secret:
        # Read and delete get the outputs, not the inputs: this is how they know.
        outs[SECRET_USERS] = True
    return outs
