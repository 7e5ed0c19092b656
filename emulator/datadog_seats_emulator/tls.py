"""Serving https://: a throwaway certificate authority made for one run, and its certificate.

The CA exists only in memory and in the ``ca.pem`` written for the clients to trust
(``REQUESTS_CA_BUNDLE=<dir>/ca.pem``); its key is never written. The served certificate
is one of :data:`CERTIFICATES`: a good one for the loopback names, or one with the flaw a
test wants a client to refuse.
"""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

__all__ = ["CERTIFICATES", "LOOPBACK_NAMES", "WRONG_HOST", "TlsSetup", "make_tls"]

#: The names a good certificate is valid for: every way a client names the emulator.
LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")
#: The only name of the "wrong-host" certificate (.invalid never resolves).
WRONG_HOST = "seats-emulator.invalid"
#: valid: for the loopback names, valid now. expired: the same names, expired yesterday.
#: wrong-host: valid now, but for WRONG_HOST only.
CERTIFICATES = ("valid", "expired", "wrong-host")


@dataclass(frozen=True)
class TlsSetup:
    """A server context holding the certificate, and the CA's certificate file (PEM)."""

    context: ssl.SSLContext
    ca_path: Path


def make_tls(directory: Path, certificate: str = "valid") -> TlsSetup:
    """A new CA, its certificate of kind ``certificate`` in a server context, and the CA's
    certificate written to ``directory/ca.pem``."""
    if certificate not in CERTIFICATES:
        raise ValueError(f"certificate must be one of {', '.join(CERTIFICATES)}: {certificate!r}")
    ca = trustme.CA(organization_name="datadog-seats-emulator throwaway CA")
    if certificate == "expired":
        now = datetime.datetime.now(datetime.timezone.utc)
        leaf = ca.issue_cert(
            *LOOPBACK_NAMES,
            not_before=now - datetime.timedelta(days=30),
            not_after=now - datetime.timedelta(days=1),
        )
    elif certificate == "wrong-host":
        leaf = ca.issue_cert(WRONG_HOST)
    else:
        leaf = ca.issue_cert(*LOOPBACK_NAMES)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    directory.mkdir(parents=True, exist_ok=True)
    ca_path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return TlsSetup(context, ca_path)
