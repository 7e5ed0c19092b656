"""SeatsProvider: the provider protocol (``pulumi.provider.experimental``) over the seat logic.

The server of ``pulumi.provider.experimental`` awaits every handler on one
asyncio loop, so each blocking Seats API call runs in a worker thread
(``asyncio.to_thread``); the client, the holders view and the exclusive claims
are thread-safe. Handlers dispatch by ``request.type`` (the resource token),
as pulumi's own ``tests/testprovider-py`` does; the functions are :mod:`.functions`.

Values cross the protocol as ``PropertyValue``; :mod:`.values` turns them into
the plain values the lifecycle core (:mod:`pulumi_datadog_seats.lifecycle`) takes,
unknowns included. Messages speak the program's language (a ``Spelling``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
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

from ..declaration import PRODUCT_CODE, USER_OUTPUTS, USER_UUIDS, Declaration, SeatOutputs
from ..declaration import declaration_of as core_declaration_of
from ..errors import PluginError, SeatsError
from ..lifecycle import SeatLifecycle
from ..redaction import scrub_keys
from ..settings import Settings
from ..spelling import SCHEMA_NAMES, YAML, Spelling
from . import config as plugin_config
from .diffing import detailed_diff
from .functions import invoke
from .ids import parse_import_id, product_of, resource_id
from .schema import SEAT_ASSIGNMENT, SECRET_CONFIG, schema_json
from .values import is_secret, is_unknown, plain_map, wrap

T = TypeVar("T")

#: Property names of the schema (``userUuids``) -> of the core (``user_uuids``).
_CORE_NAME = {schema_name: name for name, schema_name in SCHEMA_NAMES.items()}
_USERS = SCHEMA_NAMES[USER_UUIDS]


class SeatsProvider(Provider):
    """The ``datadog-seats`` provider: resource SeatAssignment and the lookup functions.

    A thin adapter over :class:`~pulumi_datadog_seats.lifecycle.SeatLifecycle`: it turns
    ``PropertyValue`` maps (camelCase, secrets wrapped) into the core's values and back.
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        warn: Callable[[str, str], None] | None = None,
        spelling: Spelling = YAML,
    ) -> None:
        """``environ``: where the credential fallbacks are read (``os.environ`` by default).

        ``warn(urn, message)``: where warnings go (the engine's log when the plugin is
        served, see :mod:`.server`); None drops them. ``spelling``: the language of the
        program, which the messages speak (the server reads it from the project:
        :mod:`.language`).
        """
        super().__init__()
        self._environ = os.environ if environ is None else environ
        self._warn = warn
        self._lifecycle = SeatLifecycle(spelling)
        self._settings: Settings | None = None

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
        spelling = self._lifecycle.spelling
        failures = plugin_config.check(plain_map(request.new_inputs), self._environ, spelling)
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
        settings = plugin_config.resolve(config, self._environ, self._lifecycle.spelling)
        self._lifecycle.configure(settings)
        self._settings = settings
        # Secrets: yes, to keep a secret input's outputs secret. No preview calls of
        # Create/Update (nothing to predict without the API); no resources or output values.
        return ConfigureResponse(
            accept_secrets=True,
            supports_preview=False,
            accept_resources=False,
            accept_outputs=False,
        )

    # -- SeatAssignment ----------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        """Validate and normalise the inputs; unknowns pass through untouched. Before a
        create (no previous inputs), warn of the holders an exclusive declaration unassigns."""
        _require_seat_assignment(request.type)
        outcome = await _call(
            lambda: self._lifecycle.check(
                _core_names(plain_map(request.new_inputs)),
                secret=is_secret(request.new_inputs.get(_USERS)),
                is_unknown=is_unknown,
                creating=not request.old_inputs,
                claimant=request.urn,
            )
        )
        await self._warn_of(request.urn, outcome.warning)
        inputs = {
            SCHEMA_NAMES[name]: wrap(
                value, secret=is_secret(request.new_inputs.get(SCHEMA_NAMES[name]))
            )
            for name, value in outcome.inputs.items()
        }
        failures = [
            CheckFailure(SCHEMA_NAMES.get(prop, prop), reason)
            for prop, reason in outcome.reported()
        ]
        return CheckResponse(inputs=inputs, failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """Name each user added and removed; a new product code replaces (:mod:`.diffing`).
        Warn of everyone the update or replacement unassigns."""
        _require_seat_assignment(request.type)
        diff = await _call(
            lambda: self._lifecycle.diff(
                _core_names(plain_map(request.old_state)),
                _core_names(plain_map(request.new_inputs)),
                is_unknown,
                secret=is_secret(request.new_inputs.get(_USERS)),
            )
        )
        await self._warn_of(request.urn, diff.warning)
        return detailed_diff(diff)

    async def create(self, request: CreateRequest) -> CreateResponse:
        """Assign seats to every declared user (with ``exclusive``, to them only); all or none."""
        _require_seat_assignment(request.type)
        declaration = _declaration(request.properties)
        outputs = await _call(lambda: self._lifecycle.create(declaration, request.urn))
        return CreateResponse(
            resource_id=resource_id(declaration.product_code),
            properties=_outputs(outputs, request.properties),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        """Assign the added users, unassign the removed ones; all of it, or nothing."""
        _require_seat_assignment(request.type)
        declaration = _declaration(request.news)
        previously = _declaration(request.olds).users
        outputs = await _call(lambda: self._lifecycle.update(declaration, previously, request.urn))
        return UpdateResponse(properties=_outputs(outputs, request.news))

    async def delete(self, request: DeleteRequest) -> None:
        """Give back the seats of every declared user; all of them, or none."""
        _require_seat_assignment(request.type)
        declaration = _declaration(request.properties, request.resource_id)
        await _call(lambda: self._lifecycle.delete(declaration))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh a SeatAssignment, or adopt seats for ``pulumi import`` (no properties yet).

        Refresh: the inputs are rewritten to the declared users still seated, so the
        next preview shows the seats lost outside Pulumi as additions ``pulumi up``
        restores. Import: see :mod:`.ids`; the inputs returned are exactly what the
        generated program declares, so running it changes nothing.
        """
        _require_seat_assignment(request.type)
        if not request.properties:
            return await self._adopt(request.resource_id)
        declaration = _declaration(request.properties, request.resource_id)
        refreshed = await _call(lambda: self._lifecycle.refresh(declaration))
        await self._warn_of(request.urn, refreshed.warning)
        if refreshed.outputs is None:
            return ReadResponse(resource_id="", properties={}, inputs={})
        outputs = _outputs(refreshed.outputs, request.properties)
        inputs = dict(request.inputs)
        inputs.update(
            {SCHEMA_NAMES[name]: outputs[SCHEMA_NAMES[name]] for name in refreshed.inputs}
        )
        return ReadResponse(resource_id=request.resource_id, properties=outputs, inputs=inputs)

    async def _adopt(self, raw_id: str) -> ReadResponse:
        wanted = parse_import_id(raw_id)
        users = None if wanted.users is None else set(wanted.users)
        outputs = await _call(lambda: self._lifecycle.adopt(wanted.product_code, users))
        properties = _outputs(outputs, {})
        # No `exclusive`: false is the default, so the generated program need not say it.
        names = (SCHEMA_NAMES[PRODUCT_CODE], _USERS)
        inputs = {name: properties[name] for name in names}
        return ReadResponse(
            resource_id=resource_id(wanted.product_code), properties=properties, inputs=inputs
        )

    # -- functions ---------------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        """The lookup functions (:mod:`.functions`), on the provider's HTTP session."""
        return await invoke(request, lambda: self._lifecycle.queries, _call)

    # -- helpers ------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """``text`` with the configured keys replaced by ``***`` (defense in depth)."""
        if self._settings is None:
            return text
        return scrub_keys(text, (self._settings.api_key, self._settings.app_key))

    async def _warn_of(self, urn: str, warning: str | None) -> None:
        """Print ``warning`` as a warning of the resource ``urn`` (nothing when None)."""
        if warning and self._warn is not None:
            await asyncio.to_thread(self._warn, urn, warning)


def _require_seat_assignment(type_: str) -> None:
    if type_ != SEAT_ASSIGNMENT:
        raise PluginError(
            f"Unknown resource type {type_!r}: the datadog-seats provider has only "
            f"{SEAT_ASSIGNMENT}."
        )


def _core_names(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values by the core's property names (``userUuids`` -> ``user_uuids``)."""
    return {_CORE_NAME[key]: value for key, value in values.items() if key in _CORE_NAME}


def _declaration(props: Mapping[str, PropertyValue], id_: str = "") -> Declaration:
    """The declaration in checked inputs or outputs; secret as ``userUuids`` is. The
    plugin's resource IDs are product codes (:mod:`.ids`)."""
    return core_declaration_of(
        _core_names(plain_map(props)),
        secret=is_secret(props.get(_USERS)),
        product_code_of_id=product_of(id_),
    )


def _outputs(outputs: SeatOutputs, inputs: Mapping[str, PropertyValue]) -> dict[str, PropertyValue]:
    """The outputs as properties: those naming users are secret if ``userUuids`` was, the
    product code if it was."""
    users_secret = is_secret(inputs.get(_USERS))
    secret = {name: users_secret for name in USER_OUTPUTS}
    secret[PRODUCT_CODE] = is_secret(inputs.get(SCHEMA_NAMES[PRODUCT_CODE]))
    return {
        SCHEMA_NAMES[name]: wrap(value, secret=secret.get(name, False))
        for name, value in outputs.as_dict().items()
    }


def _plugin_errors(fn: Callable[[], T]) -> T:
    """Run ``fn``; a SeatsError comes out as a PluginError (the core already hid the users
    of a secret declaration)."""
    try:
        return fn()
    except PluginError:
        raise
    except SeatsError as exc:
        raise PluginError(str(exc)) from None


async def _call(fn: Callable[[], T]) -> T:
    """Run blocking Seats API work off the event loop; errors as plugin errors."""
    return await asyncio.to_thread(_plugin_errors, fn)


__all__ = ["PluginError", "SeatsProvider"]
