"""What a request that got no answer ran into, in words: a certificate, a proxy, the network.

Each message names the host, says what went wrong and what to do (which variable to set,
which CA to trust). A proxy is shown as ``scheme://host:port``: never its user name or
password, and the library's text is scrubbed of them as it is of the keys.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import requests
from requests.utils import get_environ_proxies, select_proxy
from urllib3.exceptions import NewConnectionError, ProtocolError
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError

from ..errors import SeatsError, quoted
from ..redaction import scrub_keys
from .trust import Trust

# OpenSSL's verify codes (X509_V_ERR_*) for the certificate problems users meet.
_NOT_YET_VALID, _EXPIRED = 9, 10
_UNTRUSTED = frozenset({2, 18, 19, 20, 21})  # self-signed, unknown issuer, ...
_WRONG_NAME = frozenset({62, 64})  # host name mismatch, IP address mismatch
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})\s*([^'\"()]*)")
_PROXY_VARIABLES = "HTTPS_PROXY (or https_proxy, ALL_PROXY)"


@dataclass(frozen=True)
class Proxy:
    """The proxy a request goes through, as messages show it: ``scheme://host:port``,
    never the user name or password (``password``, kept to scrub it from library texts).
    ``valid`` is False for a URL that cannot be read whole (then nothing of it is shown)."""

    shown: str
    password: str = ""
    has_credentials: bool = False
    valid: bool = True

    @property
    def secrets(self) -> tuple[str, ...]:
        """The password as written (URL-encoded) and as sent."""
        return tuple({self.password, unquote(self.password)} - {""})


def proxy_for(url: str) -> Proxy | None:
    """The proxy the environment (``HTTPS_PROXY``, ``NO_PROXY``, ...) sets for ``url``."""
    try:
        chosen = select_proxy(url, get_environ_proxies(url))
    except ValueError:
        return Proxy(f"the proxy URL in {_PROXY_VARIABLES}", valid=False)
    if not chosen:
        return None
    try:
        parts = urlsplit(chosen if "://" in chosen else f"http://{chosen}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return Proxy(f"the proxy URL in {_PROXY_VARIABLES}", valid=False)
    if not host or parts.query or parts.fragment or parts.path not in ("", "/"):
        return Proxy(f"the proxy URL in {_PROXY_VARIABLES}", valid=False)
    netloc = f"[{host}]" if ":" in host else host
    shown = f"{parts.scheme}://{netloc}" + (f":{port}" if port is not None else "")
    return Proxy(shown, parts.password or "", parts.username is not None)


def no_answer_message(
    method: str,
    url: str,
    exc: Exception,
    *,
    trust: Trust,
    proxy: Proxy | None,
    attempts: str,
    retry_note: str,
    keys: Iterable[str],
) -> str:
    """The message of a request that got no answer: ``{method} {url} failed: what
    happened (the library's reason). What to do; {retry_note}``.

    ``attempts`` says how long it was retried (for failures that are retried); the
    message is scrubbed of ``keys`` and of the proxy's user name and password.
    """
    host = urlsplit(url).netloc
    if proxy is not None and not proxy.valid:
        # Nothing of the library's text: it may quote the URL, password included.
        return (
            f"{method} {url} failed: {proxy.shown} cannot be read. Write it as "
            "http://host:port or http://USER:PASSWORD@host:port, with the special characters "
            "of the user name and password URL-encoded (@ as %40, # as %23, / as %2F, space "
            f"as %20); {retry_note}"
        )
    secrets = (*keys, *(proxy.secrets if proxy else ()))
    reason = quoted(scrub_keys(_root_cause(exc), secrets))
    via = f" through the proxy {proxy.shown}" if proxy else ""
    certificate = _certificate_problem(exc)
    tunnel = _tunnel_refusal(exc) if proxy is not None else None
    if certificate is not None:
        what = _certificate_advice(certificate, host, trust, inspected=proxy is not None)
    elif tunnel is not None and proxy is not None:
        what = _tunnel_advice(tunnel, host, proxy)
    elif proxy is not None and _proxy_unreachable(exc):
        what = (
            f"the proxy {proxy.shown} set by {_PROXY_VARIABLES} could not be reached"
            f"{attempts}. Check that it names a running proxy, or add {host} to NO_PROXY to "
            "reach it directly"
        )
    elif isinstance(exc, requests.exceptions.SSLError):
        what = (
            f"the TLS handshake with {host}{via} failed. Check that {{api_url}} (or "
            "DD_HOST / DD_SITE) names the Datadog API over https"
        )
    else:
        kind = "timed out" if timed_out_error(exc) else "failed"
        todo = (
            f"The connection through the proxy {proxy.shown} broke before the answer came: "
            "check the proxy and the network"
            if proxy is not None and _dropped(exc)
            else "Check the network and {api_url}"
        )
        return f"{method} {url} {kind}{attempts}{via}: {reason}. {todo}; {retry_note}"
    return f"{method} {url} failed: {what} ({reason}); {retry_note}"


def _certificate_advice(
    error: ssl.SSLCertVerificationError, host: str, trust: Trust, *, inspected: bool
) -> str:
    of = f"{host} (or of a proxy that inspects TLS on the way)" if inspected else host
    code = error.verify_code
    if code in (_EXPIRED, _NOT_YET_VALID):
        state = "has expired" if code == _EXPIRED else "is not valid yet"
        return (
            f"the TLS certificate of {of} {state}. Check this machine's date and clock; if "
            f"they are right, whoever runs {host} has to renew its certificate"
        )
    if code in _WRONG_NAME:
        return (
            f"the TLS certificate presented for {of} is for another host name. Check that "
            "{api_url} (or DD_HOST / DD_SITE) names the Datadog API host itself, e.g. "
            "https://api.datadoghq.eu"
        )
    if code in _UNTRUSTED:
        return (
            f"the TLS certificate of {of} is signed by a certificate authority this machine "
            f"does not trust (trusted: {trust.describe()}). If your organization uses its "
            "own CA (a proxy that inspects TLS, a private endpoint), set REQUESTS_CA_BUNDLE "
            "or SSL_CERT_FILE to a PEM file holding that CA; certificates are always verified"
        )
    return f"the TLS certificate of {of} was refused"


def _tunnel_advice(tunnel: tuple[int, str], host: str, proxy: Proxy) -> str:
    status, reason = tunnel
    answered = f"{status} {reason}".strip()
    if status == 407:
        todo = (
            "The credentials in HTTPS_PROXY were refused: check the user name and password "
            "(URL-encoded) in it"
            if proxy.has_credentials
            else "Put the proxy's user name and password in HTTPS_PROXY, as "
            "http://USER:PASSWORD@proxy-host:port (URL-encoded)"
        )
        return (
            f"the proxy {proxy.shown} refused to open a tunnel to {host}: {answered}. {todo}, "
            "or ask your proxy administrator"
        )
    login = " (a redirect: most likely to the proxy's login page)" if 300 <= status < 400 else ""
    return (
        f"the proxy {proxy.shown} answered the request for a tunnel to {host} with "
        f"{answered}{login} instead of opening it. Sign in to the proxy (open a web page in "
        f"a browser) or ask its administrator to let {host} through; if {host} should be "
        "reached without the proxy, add it to NO_PROXY"
    )


def timed_out_error(exc: BaseException) -> bool:
    """Whether a timeout is anywhere among the reasons of a requests/urllib3 exception (a
    refused connection is not one, though urllib3 makes it a kind of timeout)."""
    reasons = list(_reasons(exc))
    if any(isinstance(reason, NewConnectionError) for reason in reasons):
        return any(isinstance(reason, TimeoutError) for reason in reasons)
    return any(
        isinstance(reason, (requests.Timeout, Urllib3TimeoutError, TimeoutError))
        for reason in reasons
    )


def _certificate_problem(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    for reason in _reasons(exc):
        if isinstance(reason, ssl.SSLCertVerificationError):
            return reason
    return None


def _tunnel_refusal(exc: BaseException) -> tuple[int, str] | None:
    """The status and reason a proxy answered a CONNECT with, when it refused it."""
    for reason in reversed(list(_reasons(exc))):  # innermost first: urllib3's own words
        if isinstance(reason, OSError) and not isinstance(reason, ssl.SSLError):
            found = _TUNNEL_REFUSED.search(str(reason))
            if found:
                return int(found.group(1)), found.group(2).strip()[:80]
    return None


def _proxy_unreachable(exc: BaseException) -> bool:
    """Whether the connection to the proxy itself could not be made."""
    reasons = list(_reasons(exc))
    return any(isinstance(r, Urllib3ProxyError) for r in reasons) and any(
        isinstance(r, NewConnectionError) for r in reasons
    )


def _dropped(exc: BaseException) -> bool:
    return any(isinstance(r, (ProtocolError, ConnectionError)) for r in _reasons(exc))


def _reasons(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, then each reason (urllib3's ``reason`` or ``original_error``, else the
    cause or context) inward."""
    visited: set[int] = set()
    current: BaseException = exc
    while id(current) not in visited:
        visited.add(id(current))
        yield current
        nxt = (
            getattr(current, "reason", None)
            or getattr(current, "original_error", None)
            or current.__cause__
            or current.__context__
        )
        # A SeatsError in the chain is the failure of an earlier request (a roll-back runs
        # while one is handled): its message is not this request's reason.
        if not isinstance(nxt, BaseException) or isinstance(nxt, SeatsError):
            return
        current = nxt


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 exception, without the retry noise."""
    *_, seen = _reasons(exc)
    return f"{type(seen).__name__}: {seen}"
