"""SeatsProvider: the provider protocol (``pulumi.provider.experimental``) over the seat logic.

The server of ``pulumi.provider.experimental`` awaits every handler on one
asyncio loop, so each blocking Seats API call runs in a worker thread
(``asyncio.to_thread``); the client, the holders view and the exclusive claims
are thread-safe. Handlers dispatch by ``request.type`` (the resource token),
as pulumi's own ``tests/testprovider-py`` does.

Values cross the protocol as ``PropertyValue``; :mod:`.values` turns them into
the plain values :mod:`pulumi_datadog_seats.seats` validates and reconciles,
unknowns included.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from typing import Any, TypeVar

from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from .. import seats
from ..api.seats import SeatsClient
from ..errors import ExclusiveClaimError, SeatsError
from ..holders import HoldersView
from ..lookups import fetch_seat_holders
from ..redaction import hide_user_uuids, scrub_keys
from . import config as plugin_config
from .diffing import diff_seat_assignment
from .ids import parse_import_id, product_of, resource_id
from .schema import (
    ASSIGNED_IDS,
    EXCLUSIVE,
    GET_SEAT_HOLDERS,
    HOLDERS,
    PRODUCT_CODE,
    SEAT_ASSIGNMENT,
    SECRET_CONFIG,
    UNMANAGED_IDS,
    USER_UUIDS,
    schema_json,
)
from .values import UNKNOWN, is_secret, is_unknown, plain, plain_map, wrap

T = TypeVar("T")

#: seats.check_inputs names properties as the dynamic provider does; the schema's names.
_PROPERTY_NAMES = {
    seats.PRODUCT_CODE: PRODUCT_CODE,
    seats.USER_UUIDS: USER_UUIDS,
    seats.EXCLUSIVE: EXCLUSIVE,
}


class PluginError(SeatsError):
    """An error the plugin reports to the engine, worded for plugin users."""


@dataclass(frozen=True)
class _Configured:
    """What Configure builds, shared by every call the process serves."""

    client: SeatsClient
    view: HoldersView
    claims: seats.ExclusiveClaims


class SeatsProvider(Provider):
    """The ``datadog-seats`` provider: resource SeatAssignment, function getSeatHolders."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        warn: Callable[[str, str], None] | None = None,
    ) -> None:
        """``environ``: where the credential fallbacks are read (``os.environ`` by default).

        ``warn(urn, message)``: where warnings go (the engine's log when the plugin is
        served, see :mod:`.server`); None drops them.
        """
        super().__init__()
        self._environ = os.environ if environ is None else environ
        self._warn = warn
        self._configured: _Configured | None = None
        self._secrets: tuple[str, ...] = ()
        # Check runs before Configure in some engine paths; claims are kept from the start.
        self._claims = seats.ExclusiveClaims()

    # -- schema and configuration -------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        """The package schema (:mod:`.schema`)."""
        return GetSchemaResponse(schema=schema_json())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """Validate the configuration; mark the keys secret however they were set.

        The engine strips secrets before CheckConfig and marks them again by name,
        so a key set without ``--secret`` would be stored in plain text in the
        provider's state: returning it as a secret prevents that.
        """
        failures = plugin_config.check(plain_map(request.new_inputs), self._environ)
        inputs = {
            key: value.with_secret(True) if key in SECRET_CONFIG else value
            for key, value in request.new_inputs.items()
        }
        return CheckResponse(
            inputs=inputs, failures=[CheckFailure(prop, reason) for prop, reason in failures]
        )

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        """Which settings changed. None replaces resources: the seats stay where they are.

        ``changes`` stays None (unknown), so the engine compares the config itself
        (any difference: an update, never a replacement). The stock server's
        DiffConfig (3.259) cannot send more: it passes ``changes`` as a raw bool
        into an enum (True would read as "no changes") and reads a
        ``PropertyDiff.inputDiff`` that does not exist (any detailed diff crashes).
        """
        olds, news = plain_map(request.old_state), plain_map(request.new_inputs)
        changed = sorted(
            key
            for key in set(olds) | set(news)
            if key in plugin_config.SETTINGS_KEYS and olds.get(key) != news.get(key)
        )
        return DiffResponse(changes=None, replaces=[], diffs=changed)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Resolve the settings (config, then environment) and build the client.

        The engine sends the checked config as ``args`` (keys without the
        ``datadog-seats:`` prefix) and, deprecated, as ``variables``
        (``datadog-seats:config:apiKey``); ``args`` wins.
        """
        config = plain_map(request.args) or plugin_config.from_variables(request.variables)
        settings = plugin_config.resolve(config, self._environ)
        self._secrets = tuple(k for k in (settings.api_key, settings.app_key) if k)
        client = SeatsClient(settings)
        self._configured = _Configured(
            client=client, view=HoldersView(client, settings.batch_size), claims=self._claims
        )
        # Secrets: yes, to keep a secret input's outputs secret. No preview calls of
        # Create/Update (nothing to predict without the API); no resources or output values.
        return ConfigureResponse(
            accept_secrets=True,
            supports_preview=False,
            accept_resources=False,
            accept_outputs=False,
        )

    # -- SeatAssignment: no API calls -----------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        """Validate and normalise the inputs; unknowns pass through untouched."""
        _require_seat_assignment(request.type)
        news = plain_map(request.new_inputs)
        secret = is_secret(request.new_inputs.get(USER_UUIDS))
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
            CheckFailure(
                "" if prop in outcome.unprintable else _PROPERTY_NAMES.get(prop, prop),
                plugin_config.for_plugin(reason),
            )
            for prop, reason in outcome.failures
        ]
        checked = {
            PRODUCT_CODE: outcome.inputs[seats.PRODUCT_CODE],
            USER_UUIDS: outcome.inputs[seats.USER_UUIDS],
            EXCLUSIVE: outcome.inputs[seats.EXCLUSIVE],
        }
        if not failures:
            try:
                self._claim_if_exclusive(checked)
            except ExclusiveClaimError as exc:
                message = hide_user_uuids(str(exc), secret)
                failures.append(CheckFailure(EXCLUSIVE, plugin_config.for_plugin(message)))
        inputs = {
            key: wrap(value, secret=is_secret(request.new_inputs.get(key)))
            for key, value in checked.items()
        }
        return CheckResponse(inputs=inputs, failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """Name each user added and removed; a new product code replaces (:mod:`.diffing`)."""
        _require_seat_assignment(request.type)
        return diff_seat_assignment(plain_map(request.old_state), plain_map(request.new_inputs))

    # -- SeatAssignment: API calls --------------------------------------------

    async def create(self, request: CreateRequest) -> CreateResponse:
        """Assign seats to every declared user (with ``exclusive``, to them only); all or none."""
        _require_seat_assignment(request.type)
        product_code, declared, exclusive = _declaration(request.properties)
        configured = self._state()

        def work() -> set[str]:
            if exclusive:
                configured.claims.claim(product_code, declared)
            _converge(configured.view, product_code, declared, frozenset(), exclusive)
            return set(configured.view.holders(product_code))

        holders = await _call(work, secret=is_secret(request.properties.get(USER_UUIDS)))
        return CreateResponse(
            resource_id=resource_id(product_code),
            properties=_outputs(request.properties, product_code, declared, exclusive, holders),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        """Assign the added users, unassign the removed ones; all of it, or nothing."""
        _require_seat_assignment(request.type)
        product_code, declared, exclusive = _declaration(request.news)
        _, previously, _ = _declaration(request.olds)
        configured = self._state()

        def work() -> set[str]:
            if exclusive:
                configured.claims.claim(product_code, declared)
            _converge(configured.view, product_code, declared, previously, exclusive)
            return set(configured.view.holders(product_code))

        holders = await _call(work, secret=is_secret(request.news.get(USER_UUIDS)))
        return UpdateResponse(
            properties=_outputs(request.news, product_code, declared, exclusive, holders)
        )

    async def delete(self, request: DeleteRequest) -> None:
        """Give back the seats of every declared user; users without one are fine.

        All or nothing: if a batch fails, the seats given back so far are assigned again,
        so the state (which keeps the resource) still matches Datadog.
        """
        _require_seat_assignment(request.type)
        product_code, declared, _ = _declaration(request.properties)
        view = self._state().view
        await _call(
            lambda: seats.release_or_restore(view, product_code, sorted(declared)),
            secret=is_secret(request.properties.get(USER_UUIDS)),
        )

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh a SeatAssignment, or adopt seats for ``pulumi import`` (no properties yet).

        Refresh: the declared users still holding a seat; none left means the
        resource is gone. The inputs are rewritten to those users, so the next
        preview shows the seats lost outside Pulumi as additions ``pulumi up``
        restores. Import: see :mod:`.ids`; the inputs returned are exactly what
        the generated program declares, so running it changes nothing.
        """
        _require_seat_assignment(request.type)
        if not request.properties:
            return await self._adopt(request.resource_id)
        product_code, declared, exclusive = _declaration(request.properties)
        product_code = product_code or product_of(request.resource_id)
        view = self._state().view
        secret = is_secret(request.properties.get(USER_UUIDS))
        holders = set(await _call(lambda: view.holders(product_code), secret=secret))
        held = declared & holders
        lost = sorted(declared - holders)
        if lost and self._warn is not None:
            # Printed by the engine with the refresh's output: the state alone would record
            # the loss silently.
            warning = seats.lost_seats_warning(product_code, lost, none_left=not held)
            message = plugin_config.for_plugin(hide_user_uuids(warning, secret))
            await asyncio.to_thread(self._warn, request.urn, message)
        if not held:
            return ReadResponse(resource_id="", properties={}, inputs={})
        outputs = _outputs(request.properties, product_code, held, exclusive, holders)
        inputs = dict(request.inputs)
        inputs[PRODUCT_CODE] = outputs[PRODUCT_CODE]
        inputs[USER_UUIDS] = outputs[USER_UUIDS]
        if exclusive or EXCLUSIVE in inputs:
            inputs[EXCLUSIVE] = outputs[EXCLUSIVE]
        return ReadResponse(resource_id=request.resource_id, properties=outputs, inputs=inputs)

    async def _adopt(self, raw_id: str) -> ReadResponse:
        wanted = _plugin_errors(lambda: parse_import_id(raw_id))
        view = self._state().view
        holders = set(await _call(lambda: view.holders(wanted.product_code)))
        if wanted.users is None:
            users = holders
            if not users:
                raise PluginError(
                    f"Nobody holds a seat of {wanted.product_code!r}: there is nothing to import. "
                    "Check the product code (incident_response, on_call, ...), or declare the "
                    "users in a new SeatAssignment instead."
                )
        else:
            users = set(wanted.users)
            missing = sorted(users - holders)
            if missing:
                raise PluginError(
                    f"Cannot import {raw_id!r}: {len(missing)} of these user(s) hold no seat of "
                    f"{wanted.product_code!r}: {', '.join(missing)}. Import only current "
                    "holders (leave out the users to import every holder), or declare new "
                    "users in the program and run `pulumi up`."
                )
        outputs = _outputs({}, wanted.product_code, users, False, holders)
        # No `exclusive`: false is the default, so the generated program need not say it.
        inputs = {PRODUCT_CODE: outputs[PRODUCT_CODE], USER_UUIDS: outputs[USER_UUIDS]}
        return ReadResponse(
            resource_id=resource_id(wanted.product_code), properties=outputs, inputs=inputs
        )

    # -- getSeatHolders ---------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        """``datadog-seats:index:getSeatHolders``: every holder of a product."""
        if request.tok != GET_SEAT_HOLDERS:
            raise PluginError(
                f"Unknown function {request.tok!r}: the datadog-seats provider has only "
                f"{GET_SEAT_HOLDERS}."
            )
        product_code = plain(request.args.get(PRODUCT_CODE))
        if not isinstance(product_code, str) or not product_code.strip():
            return InvokeResponse(
                failures=[
                    CheckFailure(
                        PRODUCT_CODE,
                        "productCode must be a non-empty string such as 'incident_response' "
                        f"or 'on_call', got {product_code!r}",
                    )
                ]
            )
        product_code = product_code.strip()
        settings = self._state().client.settings
        # The same lookup Python programs call (pulumi_datadog_seats.lookups), sorted by UUID.
        users = await _call(
            lambda: sorted(fetch_seat_holders(product_code, settings=settings), key=_by_id)
        )
        holders = [
            {
                "id": user.id,
                **{
                    key: value
                    for key, value in (
                        ("email", user.email),
                        ("name", user.name),
                        ("assignedAt", user.assigned_at),
                    )
                    if value is not None
                },
            }
            for user in users
        ]
        return InvokeResponse(
            return_value={
                PRODUCT_CODE: wrap(product_code),
                USER_UUIDS: wrap([user.id for user in users]),
                HOLDERS: wrap(holders),
            }
        )

    # -- helpers ------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """``text`` with the configured keys replaced by ``***`` (defense in depth)."""
        return scrub_keys(text, self._secrets)

    def _state(self) -> _Configured:
        if self._configured is None:
            raise PluginError("the datadog-seats provider was used before it was configured")
        return self._configured

    def _claim_if_exclusive(self, checked: Mapping[str, Any]) -> None:
        product_code, users = checked[PRODUCT_CODE], checked[USER_UUIDS]
        if (
            checked[EXCLUSIVE] is not True
            or is_unknown(product_code)
            or not isinstance(users, list)
            or any(is_unknown(u) for u in users)
        ):
            return
        self._claims.claim(product_code, seats.declared_set(users))


def _converge(
    view: HoldersView,
    product_code: str,
    declared: Set[str],
    previously: Set[str],
    exclusive: bool,
) -> None:
    """The one call into the seat logic that writes (create and update both come here)."""
    seats.converge(view, product_code, declared, previously, exclusive=exclusive)


def _require_seat_assignment(type_: str) -> None:
    if type_ != SEAT_ASSIGNMENT:
        raise PluginError(
            f"Unknown resource type {type_!r}: the datadog-seats provider has only "
            f"{SEAT_ASSIGNMENT}."
        )


def _declaration(props: Mapping[str, PropertyValue]) -> tuple[str, set[str], bool]:
    """Product, declared users and exclusive of checked inputs or outputs."""
    values = plain_map(props)
    product_code = values.get(PRODUCT_CODE)
    users = values.get(USER_UUIDS)
    known = [u for u in users if u is not UNKNOWN] if isinstance(users, list) else []
    return (
        product_code if isinstance(product_code, str) else "",
        seats.declared_set(known),
        values.get(EXCLUSIVE) is True,
    )


def _outputs(
    inputs: Mapping[str, PropertyValue],
    product_code: str,
    declared: Set[str],
    exclusive: bool,
    holders: Set[str],
) -> dict[str, PropertyValue]:
    """The outputs; a property is secret if the input it comes from was."""
    users_secret = is_secret(inputs.get(USER_UUIDS))
    return {
        PRODUCT_CODE: wrap(product_code, secret=is_secret(inputs.get(PRODUCT_CODE))),
        USER_UUIDS: wrap(sorted(declared), secret=users_secret),
        EXCLUSIVE: wrap(exclusive),
        ASSIGNED_IDS: wrap(sorted(declared & holders), secret=users_secret),
        # Secret too: who else holds a seat tells who the declared users are.
        UNMANAGED_IDS: wrap(seats.unmanaged(holders, declared), secret=users_secret),
    }


def _by_id(user: Any) -> str:
    return str(user.id)


def _plugin_errors(fn: Callable[[], T], secret: bool = False) -> T:
    """Run ``fn``; a SeatsError comes out as a PluginError worded for plugin users.

    With ``secret`` (``userUuids`` is a secret), the message shows no user UUID: the
    engine prints it as it is.
    """
    try:
        return fn()
    except PluginError:
        raise
    except SeatsError as exc:
        message = hide_user_uuids(str(exc), secret)
        raise PluginError(plugin_config.for_plugin(message)) from None


async def _call(fn: Callable[[], T], secret: bool = False) -> T:
    """Run blocking Seats API work off the event loop; errors worded for plugin users."""
    return await asyncio.to_thread(_plugin_errors, fn, secret)


__all__ = ["PluginError", "SeatsProvider"]
