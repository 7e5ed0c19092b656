"""The plugin's configuration: its own ``datadog-seats:`` keys, read by the shared settings.

The engine hands a provider plugin only its own namespace, without the prefix:
``pulumi config set --secret datadog-seats:apiKey K`` arrives as ``apiKey``.
:func:`~pulumi_datadog_seats.settings.resolve_settings` reads namespaced keys under a
front end's :class:`~pulumi_datadog_seats.spelling.Spelling`: the plugin's
(``datadog-seats:apiKey``, ...), so its
messages name the keys a plugin user sets, and the environment fallbacks (``DD_API_KEY``,
``DD_SITE``, ...) stay exactly the dynamic provider's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from ..settings import KNOBS, Settings, resolve_settings
from ..spelling import YAML, Spelling
from .schema import API_KEY, API_URL, APP_KEY, PACKAGE, SECRET_CONFIG
from .values import is_unknown

#: The plugin's config keys (``apiKey``, ``batchSize``, ...), all in its namespace.
SETTINGS_KEYS = (API_KEY, APP_KEY, API_URL, *KNOBS)

#: The prefix of the deprecated ``variables`` of ConfigureRequest: ``datadog-seats:config:apiKey``.
_VARIABLE_PREFIXES = (f"{PACKAGE}:config:", f"{PACKAGE}:")


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
    """The plugin's config (plain values, plugin keys) as the lookup resolve_settings reads:
    every key in the ``datadog-seats:`` namespace, so that a misspelled one is reported.

    None and unknown values are left out.
    """
    return {
        f"{PACKAGE}:{key}": value
        for key, value in config.items()
        if value is not None and not is_unknown(value)
    }


def resolve(
    config: Mapping[str, Any], environ: Mapping[str, str], spelling: Spelling = YAML
) -> Settings:
    """Settings from the plugin's config, falling back to the environment like the dynamic provider.

    Raises :class:`ConfigurationError` whose message names the plugin's keys (every
    plugin spelling has the same ``datadog-seats:*`` keys).
    """
    return resolve_settings(settings_lookup(config), environ, spelling)


def check(
    config: Mapping[str, Any], environ: Mapping[str, str], spelling: Spelling = YAML
) -> list[tuple[str, str]]:
    """The ``(property, reason)`` failures of a provider configuration; empty if it is usable.

    Unknown values (during preview) are not judged. A failure names the config property it
    is about (``batchSize``), except a credential's: the engine prints the value of a named
    property next to the reason, and a key must never be printed.
    """
    if any(is_unknown(v) for v in config.values()):
        return []
    try:
        resolve(config, environ, spelling)
    except ConfigurationError as exc:
        return [(_property(key), message) for key, message in exc.problems]
    return []


def _property(config_key: str) -> str:
    """The plugin's property of a ``datadog-seats:`` config key; "" for a secret or none."""
    name = config_key.removeprefix(f"{PACKAGE}:")
    return "" if name == config_key or name in SECRET_CONFIG else name
