"""The plugin's configuration: its own ``datadog-seats:`` keys, mapped onto the shared settings.

The engine hands a provider plugin only its own namespace, without the prefix:
``pulumi config set --secret datadog-seats:apiKey K`` arrives as ``apiKey``.
:func:`~pulumi_datadog_seats.settings.resolve_settings` reads namespaced keys
(``datadog:apiKey`` for credentials and URL, ``datadog-seats:batchSize`` for
knobs), so :data:`SETTINGS_KEYS` maps one onto the other and the environment
fallbacks (``DD_API_KEY``, ``DD_SITE``, ...) stay exactly the dynamic provider's.

Messages from the shared code name the dynamic provider's keys; :func:`for_plugin`
rewrites them to the keys a plugin user sets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from ..settings import (
    API_KEY_CONFIG,
    API_URL_CONFIG,
    APP_KEY_CONFIG,
    KNOB_NAMESPACE,
    KNOBS,
    Settings,
    resolve_settings,
)
from .schema import API_KEY, API_URL, APP_KEY, PACKAGE, SECRET_CONFIG
from .values import is_unknown

#: Plugin config key -> the key :func:`resolve_settings` looks up.
SETTINGS_KEYS: dict[str, str] = {
    API_KEY: API_KEY_CONFIG,
    APP_KEY: APP_KEY_CONFIG,
    API_URL: API_URL_CONFIG,
    **{key: f"{KNOB_NAMESPACE}:{key}" for key in KNOBS},
}

#: The prefix of the deprecated ``variables`` of ConfigureRequest: ``datadog-seats:config:apiKey``.
_VARIABLE_PREFIXES = (f"{PACKAGE}:config:", f"{PACKAGE}:")

_DYNAMIC_NAMES = {
    API_KEY_CONFIG: f"{PACKAGE}:{API_KEY}",
    APP_KEY_CONFIG: f"{PACKAGE}:{APP_KEY}",
    API_URL_CONFIG: f"{PACKAGE}:{API_URL}",
    "product_code": "productCode",
    "user_uuids": "userUuids",
    "exclusive=True": "exclusive: true",
    "exclusive=False": "exclusive: false",
}
_DYNAMIC_NAME = re.compile(
    "|".join(rf"(?<![\w:?&-]){re.escape(name)}(?!\w)" for name in _DYNAMIC_NAMES)
)


def for_plugin(message: str) -> str:
    """A message of the shared code, with the key and property names a plugin user writes.

    ``datadog:apiKey`` -> ``datadog-seats:apiKey``, ``user_uuids`` -> ``userUuids``,
    ``exclusive=True`` -> ``exclusive: true`` (as YAML and the schema spell it).
    """
    return _DYNAMIC_NAME.sub(lambda m: _DYNAMIC_NAMES[m.group(0)], message)


def from_variables(variables: Mapping[str, str]) -> dict[str, Any]:
    """The plugin's config from ConfigureRequest.variables (keys ``datadog-seats:config:K``)."""
    config: dict[str, Any] = {}
    for name, value in variables.items():
        for prefix in _VARIABLE_PREFIXES:
            if name.startswith(prefix):
                config[name[len(prefix) :]] = value
                break
    return config


def settings_lookup(config: Mapping[str, Any]) -> dict[str, Any]:
    """The plugin's config (plain values, plugin keys) as the lookup resolve_settings reads.

    Unknown keys (``version``, typos) are left out; None and unknown values too.
    """
    return {
        SETTINGS_KEYS[key]: value
        for key, value in config.items()
        if key in SETTINGS_KEYS and value is not None and not is_unknown(value)
    }


def resolve(config: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Settings from the plugin's config, falling back to the environment like the dynamic provider.

    Raises :class:`ConfigurationError` whose message names the plugin's keys.
    """
    try:
        return resolve_settings(settings_lookup(config), environ)
    except ConfigurationError as exc:
        raise ConfigurationError(for_plugin(str(exc))) from None


def check(config: Mapping[str, Any], environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """The ``(property, reason)`` failures of a provider configuration; empty if it is usable.

    Unknown values (during preview) are not judged. A failure about a credential
    names no property: the engine prints the value of a named property next to
    the reason, and a key must never be printed.
    """
    if any(is_unknown(v) for v in config.values()):
        return []
    try:
        resolve(config, environ)
    except ConfigurationError as exc:
        message = str(exc)
        return [(_property_named_in(message), message)]
    return []


def _property_named_in(message: str) -> str:
    """The non-secret config property a settings error is about, or "" (general)."""
    for key in SETTINGS_KEYS:
        if key in SECRET_CONFIG:
            continue
        if re.search(rf"{re.escape(PACKAGE)}:{key}\b", message):
            return key
    return ""
