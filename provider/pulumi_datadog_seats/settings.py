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

import difflib
import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from .errors import ConfigurationError
from .spelling import PYTHON, Spelling

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

#: The dynamic provider's keys (the plugin reads its own namespace: see Spelling).
API_KEY_CONFIG, API_KEY_ENV = PYTHON.api_key, ("DD_API_KEY", "DATADOG_API_KEY")
APP_KEY_CONFIG, APP_KEY_ENV = PYTHON.app_key, ("DD_APP_KEY", "DATADOG_APP_KEY")
API_URL_CONFIG, API_URL_ENV = PYTHON.api_url, ("DD_HOST", "DATADOG_HOST")
SITE_ENV = "DD_SITE"
T = TypeVar("T")


class ConfigLookup(Protocol):
    """Anything with ``get(key)``: a dict, or the ``pulumi.dynamic.Config`` of ``configure()``."""

    def get(self, key: str, /) -> Any:
        """The value of a namespaced key such as ``datadog:apiKey``, or None."""


@dataclass(frozen=True)
class Knob:
    """One ``datadog-seats:`` setting: its config key, default and bounds."""

    key: str
    default: float
    minimum: float
    integer: bool
    doc: str
    #: A sanity bound: past it, the value is a slip (milliseconds for seconds, a digit too many).
    maximum: float = math.inf


#: The provider's own knobs, with their defaults. `make docs` writes the table of
#: docs/installation-configuration.md from these.
KNOBS: dict[str, Knob] = {
    knob.key: knob
    for knob in (
        Knob("batchSize", 100, 1, True, "user UUIDs per assign or unassign request", 1000),
        Knob("pageSize", 100, 1, True, "seat holders asked for per page when listing", 1000),
        Knob("maxRetries", 5, 0, True, "retries of one request (429, 5xx, connection errors)", 100),
        Knob(
            "retryBudgetSeconds",
            60.0,
            0,
            False,
            "total seconds one request may spend retrying (its waits, and its attempts after"
            " the first)",
            3600,
        ),
        Knob("backoffSeconds", 0.5, 0, False, "base of the exponential backoff (plus jitter)", 60),
        Knob("timeoutSeconds", 30.0, 0.1, False, "connect and read timeout of every call", 600),
    )
}
KNOB_NAMESPACE = "datadog-seats"


@dataclass(frozen=True)
class Settings:
    """Everything the client needs. Keys are excluded from ``repr``.

    ``spelling``: the config keys the front end's users set, which messages name.
    """

    api_key: str = field(repr=False)
    app_key: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    batch_size: int = 100
    page_size: int = 100
    max_retries: int = 5
    retry_budget_seconds: float = 60.0
    backoff_seconds: float = 0.5
    timeout_seconds: float = 30.0
    spelling: Spelling = field(default=PYTHON, repr=False)


def resolve_settings(
    config: ConfigLookup, environ: Mapping[str, str], spelling: Spelling = PYTHON
) -> Settings:
    """Settings from stack config (namespaced keys) with the environment as fallback.

    The credentials and the URL are read under ``spelling``'s keys (``datadog:apiKey`` for
    the dynamic provider, ``datadog-seats:apiKey`` for the plugin), the knobs under
    ``datadog-seats:``. Raises :class:`ConfigurationError` naming both the config key and
    the environment variables when a key is missing, and when the URL, site or a knob is
    invalid, or a ``datadog-seats:`` key is none of the knobs. Every problem is reported at
    once, one per line, so that one run shows them all.
    """
    problems: list[tuple[str, str]] = []

    def attempt(key: str, resolve: Callable[[], T], fallback: T) -> T:
        try:
            return resolve()
        except ConfigurationError as exc:
            problems.append((key, str(exc)))
            return fallback

    api_key = attempt(
        spelling.api_key,
        lambda: _credential(config, environ, spelling.api_key, API_KEY_ENV, "API key"),
        "",
    )
    app_key = attempt(
        spelling.app_key,
        lambda: _credential(config, environ, spelling.app_key, APP_KEY_ENV, "application key"),
        "",
    )
    api_url = attempt(
        _api_url_key(config, spelling),
        lambda: resolve_api_url(config, environ, spelling),
        DEFAULT_API_URL,
    )
    knobs: dict[str, float] = {}
    for key, knob in KNOBS.items():
        knob_key = f"{KNOB_NAMESPACE}:{key}"
        knobs[key] = attempt(knob_key, partial(_knob, config, key), knob.default)
    problems.extend(_unknown_knobs(config, spelling))
    if problems:
        raise ConfigurationError(_combined([message for _, message in problems]), problems)
    return Settings(
        api_key=api_key,
        app_key=app_key,
        api_url=api_url,
        batch_size=int(knobs["batchSize"]),
        page_size=int(knobs["pageSize"]),
        max_retries=int(knobs["maxRetries"]),
        retry_budget_seconds=knobs["retryBudgetSeconds"],
        backoff_seconds=knobs["backoffSeconds"],
        timeout_seconds=knobs["timeoutSeconds"],
        spelling=spelling,
    )


def _combined(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    listed = "\n".join(f"  {n}. {problem}" for n, problem in enumerate(problems, start=1))
    return f"The Datadog configuration has {len(problems)} problems:\n{listed}"


#: The provider plugin's own keys in this namespace (its users set datadog-seats:apiKey):
#: not knobs, but not mistakes either.
_PLUGIN_KEYS = frozenset({"apiKey", "appKey", "apiUrl", "version"})


def _api_url_key(config: ConfigLookup, spelling: Spelling) -> str:
    """The config key a problem with the API URL is about: ``spelling``'s, when it is set
    (else the URL came from the environment, and no config key is at fault)."""
    return spelling.api_url if _text(config.get(spelling.api_url)) else ""


def _unknown_knobs(config: ConfigLookup, spelling: Spelling) -> list[tuple[str, str]]:
    """A problem for each ``datadog-seats:`` key that is no setting (a typo would go
    unnoticed), with the closest setting's name when there is one.

    Only a config that can list its keys is checked: a mapping, or the
    ``pulumi.dynamic.Config`` that ``configure()`` receives. Keys the engine itself puts in
    a provider's configuration (``version``, ``__internal``) are not settings, nor mistakes.
    """
    prefix = f"{KNOB_NAMESPACE}:"
    # The credentials' keys are settings only where the front end reads them there.
    settings = [*KNOBS] + [
        key.removeprefix(prefix)
        for key in (spelling.api_key, spelling.app_key, spelling.api_url)
        if key.startswith(prefix)
    ]
    lowered = {name.lower(): name for name in settings}
    problems = []
    for key in sorted(_config_keys(config)):
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        if name in settings or name in _PLUGIN_KEYS or name.startswith("__"):
            continue
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        hint = f"; did you mean {prefix}{lowered[close[0]]}?" if close else "."
        problems.append(
            (
                key,
                f"{key} is not a setting of pulumi-datadog-seats{hint} The settings are "
                f"{', '.join(prefix + name for name in settings)}. Rename it, or remove it "
                f"with `pulumi config rm {key}`.",
            )
        )
    return problems


def _config_keys(config: ConfigLookup) -> list[str]:
    if isinstance(config, Mapping):
        return [str(k) for k in config]
    # pulumi.dynamic.Config keeps the stack config in `_props` and offers no way to list it.
    props = getattr(config, "_props", None)
    return [str(k) for k in props] if isinstance(props, Mapping) else []


def resolve_api_url(
    config: ConfigLookup, environ: Mapping[str, str], spelling: Spelling = PYTHON
) -> str:
    """The API base URL: ``datadog:apiUrl``, ``DD_HOST``/``DATADOG_HOST``, ``DD_SITE``, default."""
    url = _text(config.get(spelling.api_url))
    source = spelling.api_url
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
        site = site.lower().removeprefix("https://").rstrip("/").removeprefix("app.")
        if site not in SITE_API_URLS:
            raise ConfigurationError(
                f"{SITE_ENV}={site!r} is not a Datadog site. Use one of "
                f"{', '.join(sorted(SITE_API_URLS))}, or set {spelling.api_url} "
                f"(or {' / '.join(API_URL_ENV)}) to the API URL."
            )
        return SITE_API_URLS[site]
    return _checked_url(url, source, spelling)


_EXAMPLE_URL = "Use a URL like https://api.datadoghq.com (or https://api.datadoghq.eu, ...)."
#: A host name: dot-separated labels of letters, digits and hyphens.
_HOST_NAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?", re.I)


def _checked_url(url: str, source: str, spelling: Spelling) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if "@" in parts.netloc:
        # Never echoed: the part before @ may be a password.
        raise ConfigurationError(
            f"{source} holds a user name or password before the host (user:password@host), "
            "which the provider would send to whatever host follows: set it to the API URL "
            "alone, over https, e.g. https://api.datadoghq.com. Keys belong in "
            f"{spelling.api_key} and {spelling.app_key}."
        )
    where = f"{source}={url!r}"
    if not parts.hostname:
        raise ConfigurationError(f"{where} has no host. {_EXAMPLE_URL}")
    if not _is_host(parts.hostname):
        raise ConfigurationError(
            f"{where}: {parts.hostname!r} is not a valid host name or IP address. {_EXAMPLE_URL}"
        )
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise ConfigurationError(
            f"{where} has an invalid port (a number from 1 to 65535 after the host). {_EXAMPLE_URL}"
        ) from None
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{where} uses plain http to a host that is not this machine; keys would travel "
            "unencrypted. Use https (plain http is accepted only for loopback addresses, "
            "such as the local Seats API emulator)."
        )
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"{where} must start with https://. {_EXAMPLE_URL}")
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{where} has a query or fragment (after ? or #), which the provider would drop. "
            f"{_EXAMPLE_URL}"
        )
    if re.search(r"(^|/)api(/|$)", parts.path):
        raise ConfigurationError(
            f"{where} includes the /api path; the provider adds /api/v2/... itself. Set it "
            "to the base URL only, e.g. https://api.datadoghq.com."
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_NAME.fullmatch(host))
    return True


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
    if value and not _is_printable_token(value):
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


def _is_printable_token(value: str) -> bool:
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
        or not knob.minimum <= value <= knob.maximum
        or (knob.integer and not value.is_integer())
    ):
        kind = "an integer" if knob.integer else "a number"
        slip = (
            " (in seconds, not milliseconds)"
            if key.endswith("Seconds") and math.isfinite(value) and value > knob.maximum
            else ""
        )
        raise ConfigurationError(
            f"{config_key}={raw!r} must be {kind} from {knob.minimum:g} to {knob.maximum:g}"
            f"{slip}: {knob.doc}. Set it with `pulumi config set {config_key} <value>`, or "
            f"remove it with `pulumi config rm {config_key}` for the default, {knob.default:g}."
        )
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
