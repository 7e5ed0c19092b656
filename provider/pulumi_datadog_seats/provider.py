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
from typing import Any

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
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from . import seats
from .client import SeatsClient
from .errors import ConfigurationError
from .seats import ASSIGNED_IDS, PRODUCT_CODE, USER_UUIDS
from .settings import resolve_settings


class SeatAssignmentProvider(ResourceProvider):
    """check/diff/create/read/update/delete for seats of one product code.

    ``check`` and ``diff`` never call the API (they also run during preview,
    with unknown values); the other methods reconcile Datadog with the
    declaration through :mod:`pulumi_datadog_seats.seats`.
    """

    def configure(self, req: ConfigureRequest) -> None:
        """Resolve settings from the stack config (``datadog:*``, ``datadog-seats:*``) and env."""
        settings = resolve_settings(req.config, os.environ)
        # Set once, before the provider serves any call; the client is thread-safe.
        self._client = SeatsClient(settings)

    # -- no API calls ------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalise ``product_code`` and ``user_uuids``; unknowns pass through."""
        outcome = seats.check_inputs(news.get(PRODUCT_CODE), news.get(USER_UUIDS), is_unknown)
        failures = [CheckFailure(prop, reason) for prop, reason in outcome.failures]
        return CheckResult(outcome.inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the declared sets; a new product code replaces, a new user set updates."""
        product_changed = news.get(PRODUCT_CODE) != olds.get(PRODUCT_CODE)
        new_users = news.get(USER_UUIDS)
        if not isinstance(new_users, list) or any(is_unknown(u) for u in new_users):
            users_changed = True
        else:
            users_changed = seats.declared_set(new_users) != seats.declared_set(
                olds.get(USER_UUIDS) or []
            )
        return DiffResult(
            changes=product_changed or users_changed,
            replaces=[PRODUCT_CODE] if product_changed else [],
            delete_before_replace=True,
        )

    # -- API calls ---------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Assign seats to every declared user; all of them, or none."""
        product_code, declared = _declaration(props)
        assigned = seats.converge(self._api(), product_code, declared)
        return CreateResult(str(uuid.uuid4()), _outputs(product_code, declared, assigned))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: which declared users still hold a seat. None left means the resource is gone.

        The inputs are rewritten to the users still seated, so the next preview
        shows the seats lost outside Pulumi as a change that ``pulumi up`` restores.
        """
        product_code, declared = _declaration(props)
        held = sorted(declared & self._api().list_seat_holders(product_code))
        if not held:
            return ReadResult("", {}, {})
        inputs = {PRODUCT_CODE: product_code, USER_UUIDS: held}
        return ReadResult(id_, _outputs(product_code, set(held), held), inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Assign the added users and unassign the removed ones; nobody else is touched."""
        product_code, declared = _declaration(news)
        previously = seats.declared_set(olds.get(USER_UUIDS) or [])
        assigned = seats.converge(self._api(), product_code, declared, previously)
        return UpdateResult(_outputs(product_code, declared, assigned))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Give back the seats of every declared user; users without one are fine."""
        product_code, declared = _declaration(props)
        seats.release(self._api(), product_code, sorted(declared))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the configured client (and so without keys), whatever happens."""
        return {k: v for k, v in self.__dict__.items() if k != "_client"}

    def _api(self) -> SeatsClient:
        client: SeatsClient | None = getattr(self, "_client", None)
        if client is None:
            raise ConfigurationError("the provider was used before configure() ran")
        return client


def is_unknown(value: Any) -> bool:
    """True for a value not known yet during preview (an output of an uncreated resource).

    With ``keep_unknowns`` the dynamic-provider host hands check and diff
    ``pulumi.output.Unknown`` instances; the raw wire sentinel is accepted too.
    """
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def _declaration(props: dict[str, Any]) -> tuple[str, set[str]]:
    return str(props[PRODUCT_CODE]), seats.declared_set(props.get(USER_UUIDS) or [])


def _outputs(product_code: str, declared: set[str], assigned: list[str]) -> dict[str, Any]:
    return {
        PRODUCT_CODE: product_code,
        USER_UUIDS: sorted(declared),
        ASSIGNED_IDS: sorted(assigned),
    }
