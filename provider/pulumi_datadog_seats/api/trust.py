"""Which certificate authorities the client trusts, as users already tell Python HTTP clients.

By itself requests trusts certifi's bundle, not the system's certificate store, reads
``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` only, and never ``SSL_CERT_FILE``. Here:

1. ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``: that file (or directory) of PEM
   certificates, and nothing else (as requests and curl read them);
2. otherwise the system's store (the default locations of Python's ``ssl`` module), plus
   ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` where set (as OpenSSL reads them).

Certificates are always verified, host names always checked: there is no switch that
turns verification off. A variable that names nothing loadable is a
:class:`~pulumi_datadog_seats.errors.ConfigurationError` naming it, raised before any
request is sent.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool

from ..errors import ConfigurationError

#: Variables whose bundle replaces the system store, first found wins (requests' order).
BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
#: Variables OpenSSL reads beside the system store.
OPENSSL_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


@dataclass(frozen=True)
class Trust:
    """The certificate authorities to trust: the system store (``system``) and/or the
    files and directories named by the variables of ``named`` (variable, path)."""

    system: bool
    named: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """What is trusted, for messages: ``the system's certificate store``,
        ``REQUESTS_CA_BUNDLE=/etc/corp/ca.pem``, ..."""
        parts = ["the system's certificate store"] if self.system else []
        parts += [f"{variable}={path}" for variable, path in self.named]
        return " and ".join(parts)


def trust_from(environ: Mapping[str, str]) -> Trust:
    """What to trust, from the environment (empty variables count as unset)."""
    for variable in BUNDLE_VARIABLES:
        path = environ.get(variable, "").strip()
        if path:
            return Trust(system=False, named=((variable, path),))
    named = tuple(
        (variable, environ.get(variable, "").strip())
        for variable in OPENSSL_VARIABLES
        if environ.get(variable, "").strip()
    )
    return Trust(system=True, named=named)


def ssl_context(trust: Trust) -> ssl.SSLContext:
    """A client context that verifies certificates and host names against ``trust``.

    Raises :class:`~pulumi_datadog_seats.errors.ConfigurationError` when a named path
    does not exist or holds no certificate.
    """
    context = ssl.create_default_context() if trust.system else _empty_context()
    for variable, path in trust.named:
        try:
            if os.path.isdir(path):
                context.load_verify_locations(capath=path)
            else:
                context.load_verify_locations(cafile=path)
        except FileNotFoundError:
            raise ConfigurationError(
                f"{variable}={path} names no file or directory. Point it at a PEM file of "
                "the certificate authorities to trust (such as your organization's CA), or "
                "unset it to trust the system's certificate store."
            ) from None
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise ConfigurationError(
                f"{variable}={path} could not be read as PEM certificates "
                f"({type(exc).__name__}). Point it at a PEM file of the certificate "
                "authorities to trust, or unset it to trust the system's certificate store."
            ) from None
    return context


def _empty_context() -> ssl.SSLContext:
    """A verifying client context that trusts nothing yet."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class VerifyingAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose every https connection uses one ``ssl_context``.

    requests would otherwise load certifi's bundle (or the bundle its ``verify`` argument
    names) into each connection; the context alone decides here.
    """

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: bool | str, cert: Any = None
    ) -> Any:
        # Typed loosely: the precise types are private to requests' stubs.
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, True, cert)
        pool_kwargs.pop("ca_certs", None)
        pool_kwargs.pop("ca_cert_dir", None)
        pool_kwargs["cert_reqs"] = "CERT_REQUIRED"
        pool_kwargs["ssl_context"] = self._context
        return host_params, pool_kwargs

    def cert_verify(self, conn: HTTPConnectionPool, url: str, verify: Any, cert: Any) -> None:
        # Whatever ``verify`` says (requests puts REQUESTS_CA_BUNDLE or certifi there),
        # the context decides; the pool only must require a certificate.
        if url.lower().startswith("https"):
            conn.cert_reqs = "CERT_REQUIRED"  # type: ignore[attr-defined]
            conn.ca_certs = None  # type: ignore[attr-defined]
            conn.ca_cert_dir = None  # type: ignore[attr-defined]
