"""Where credentials, the API URL and the provider's knobs come from.

Stack config first (the keys pulumi-datadog users already set), then the
environment, exactly as pulumi-datadog and terraform-provider-datadog do:

=================  ====================  =========================================
what               stack config          environment fallback
=================  ====================  =========================================
API key            ``datadog:apiKey``    ``DD_API_KEY``, ``DATADOG_API_KEY``
application key    ``datadog:appKey``    ``DD_APP_KEY``, ``DATADOG_APP_KEY``
API URL            ``datadog:apiUrl``    ``DD_HOST``, ``DATADOG_HOST``, then
                                         ``https://api.<DD_SITE>``, then
                                         ``https://api.datadoghq.com``
=================  ====================  =========================================

Knobs of this package live in the ``datadog-seats:`` namespace, because
pulumi-datadog validates the ``datadog:`` one.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_API_URL = "https://api.datadoghq.com"

#: Every site datadog-api-client-python accepts, and its API host.
SITE_API_URLS: dict[str, str] = {
    site: f"https://api.{site}"
    for site in (
        "datadoghq.com",
        "us3.datadoghq.com",
        "us5.datadoghq.com",
        "ap1.datadoghq.com",
        "ap2.datadoghq.com",
        "datadoghq.eu",
        "ddog-gov.com",
        "us2.ddog-gov.com",
    )
}

API_KEY_CONFIG, API_KEY_ENV = "datadog:apiKey", ("DD_API_KEY", "DATADOG_API_KEY")
APP_KEY_CONFIG, APP_KEY_ENV = "datadog:appKey", ("DD_APP_KEY", "DATADOG_APP_KEY")
API_URL_CONFIG, API_URL_ENV = "datadog:apiUrl", ("DD_HOST", "DATADOG_HOST")
SITE_ENV = "DD_SITE"


class ConfigLookup(Protocol):
    """Anything with ``get(key)``: a dict, or the ``pulumi.dynamic.Config`` of ``configure()``."""

    def get(self, key: str, /) -> Any:
        """The value of a namespaced key such as ``datadog:apiKey``, or None."""


@dataclass(frozen=True)
class Knob:
    """One ``datadog-seats:`` setting: its config key, default and lower bound."""

    key: str
    default: float
    minimum: float
    integer: bool
    doc: str


#: The provider's own knobs, with their defaults. The README's table is made from these.
KNOBS: dict[str, Knob] = {
    knob.key: knob
    for knob in (
        Knob("batchSize", 100, 1, True, "user UUIDs per assign or unassign request"),
        Knob("pageSize", 100, 1, True, "seat holders asked for per page when listing"),
        Knob("maxRetries", 5, 0, True, "retries of one request (429, 5xx, connection errors)"),
        Knob(
            "retryBudgetSeconds",
            60.0,
            0,
            False,
            "total seconds one request may spend waiting between retries",
        ),
        Knob("backoffSeconds", 0.5, 0, False, "base of the exponential backoff (plus jitter)"),
        Knob("timeoutSeconds", 30.0, 0.1, False, "connect and read timeout of every call"),
    )
}
KNOB_NAMESPACE = "datadog-seats"


@dataclass(frozen=True)
class Settings:
    """Everything the client needs. Keys are excluded from ``repr``."""

    api_key: str = field(repr=False)
    app_key: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    batch_size: int = 100
    page_size: int = 100
    max_retries: int = 5
    retry_budget_seconds: float = 60.0
    backoff_seconds: float = 0.5
    timeout_seconds: float = 30.0


def resolve_settings(config: ConfigLookup, environ: Mapping[str, str]) -> Settings:
    """Settings from stack config (namespaced keys) with the environment as fallback.

    Raises :class:`ConfigurationError` naming both the config key and the
    environment variables when a key is missing, and when the URL, site or a
    knob is invalid.
    """
    api_key = _credential(config, environ, API_KEY_CONFIG, API_KEY_ENV, "API key")
    app_key = _credential(config, environ, APP_KEY_CONFIG, APP_KEY_ENV, "application key")
    return Settings(
        api_key=api_key,
        app_key=app_key,
        api_url=resolve_api_url(config, environ),
        batch_size=int(_knob(config, "batchSize")),
        page_size=int(_knob(config, "pageSize")),
        max_retries=int(_knob(config, "maxRetries")),
        retry_budget_seconds=_knob(config, "retryBudgetSeconds"),
        backoff_seconds=_knob(config, "backoffSeconds"),
        timeout_seconds=_knob(config, "timeoutSeconds"),
    )


def resolve_api_url(config: ConfigLookup, environ: Mapping[str, str]) -> str:
    """The API base URL: ``datadog:apiUrl``, ``DD_HOST``/``DATADOG_HOST``, ``DD_SITE``, default."""
    url = _text(config.get(API_URL_CONFIG))
    source = API_URL_CONFIG
    if not url:
        for name in API_URL_ENV:
            url = _text(environ.get(name))
            if url:
                source = name
                break
    if not url:
        site = _text(environ.get(SITE_ENV))
        if not site:
            return DEFAULT_API_URL
        site = site.lower().removeprefix("app.")
        if site not in SITE_API_URLS:
            raise ConfigurationError(
                f"{SITE_ENV}={site!r} is not a Datadog site. Use one of "
                f"{', '.join(sorted(SITE_API_URLS))}, or set {API_URL_CONFIG} "
                f"(or {' / '.join(API_URL_ENV)}) to the API URL."
            )
        return SITE_API_URLS[site]
    return _checked_url(url, source)


def _checked_url(url: str, source: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    where = f"{source}={url!r}"
    if not parts.hostname:
        raise ConfigurationError(f"{where} has no host. Use a URL like https://api.datadoghq.com.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{where} uses plain http to a host that is not this machine; keys would travel "
            "unencrypted. Use https (plain http is accepted only for loopback addresses, "
            "such as the local Seats API emulator)."
        )
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"{where} must start with https://.")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credential(
    config: ConfigLookup,
    environ: Mapping[str, str],
    config_key: str,
    env_names: tuple[str, ...],
    what: str,
) -> str:
    value = _text(config.get(config_key))
    for name in env_names:
        value = value or _text(environ.get(name))
    if value and not _looks_like_key(value):
        # Never echo the value: it is a secret even when malformed.
        raise ConfigurationError(
            f"The Datadog {what} in {config_key} (or {' / '.join(env_names)}) contains spaces, "
            "line breaks or non-ASCII characters. Copy the key again from Organization "
            "Settings in Datadog."
        )
    if not value:
        raise ConfigurationError(
            f"No Datadog {what} is configured. Set it with "
            f"`pulumi config set --secret {config_key} <value>` or the environment variable "
            f"{' (or '.join(env_names)}{')' * (len(env_names) - 1)}."
        )
    return value


def _looks_like_key(value: str) -> bool:
    return value.isascii() and value.isprintable() and not any(c.isspace() for c in value)


def _knob(config: ConfigLookup, key: str) -> float:
    knob = KNOBS[key]
    config_key = f"{KNOB_NAMESPACE}:{key}"
    raw = config.get(config_key)
    if raw is None or raw == "":
        return knob.default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = float("nan")
    if (
        not math.isfinite(value)
        or value < knob.minimum
        or (knob.integer and not value.is_integer())
    ):
        kind = "an integer" if knob.integer else "a number"
        raise ConfigurationError(
            f"{config_key}={raw!r} must be {kind} of at least {knob.minimum:g} ({knob.doc})."
        )
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
