"""A PyInstaller runtime hook of the frozen plugin: the system's certificate store, found.

The frozen plugin carries the build machine's OpenSSL, which looks for the system's
certificate store where the build machine's distribution keeps it (OPENSSLDIR:
``/usr/lib/ssl`` on Debian and Ubuntu). The console script uses the user's own Python and
OpenSSL, which look where the user's distribution keeps it. So that the frozen plugin
trusts what the console script trusts on any Linux: when OpenSSL's compiled-in file and
directory are both missing, the default paths are extended with the first store found
at the places Linux distributions keep it (the list Go's crypto/x509 reads). Nothing
changes where the compiled-in store exists, and REQUESTS_CA_BUNDLE, SSL_CERT_FILE and
SSL_CERT_DIR keep their meaning (pulumi_datadog_seats.api.trust reads them).
"""

from __future__ import annotations

import os
import ssl

#: Where Linux distributions keep the system's CA bundle, most common first.
STORE_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL 6
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/pki/tls/cacert.pem",  # OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # CentOS, RHEL 7+
    "/etc/ssl/cert.pem",  # Alpine
)


def system_store() -> str | None:
    """The CA bundle of this machine when OpenSSL's compiled-in store is missing, else None."""
    paths = ssl.get_default_verify_paths()
    if os.path.exists(paths.openssl_cafile) or os.path.isdir(paths.openssl_capath):
        return None
    return next((path for path in STORE_FILES if os.path.isfile(path)), None)


def install() -> None:
    """Make every context's default paths (``ssl.create_default_context()``) hold the store."""
    store = system_store()
    if store is None:
        return
    set_default_verify_paths = ssl.SSLContext.set_default_verify_paths

    def with_system_store(context: ssl.SSLContext) -> None:
        set_default_verify_paths(context)
        context.load_verify_locations(cafile=store)

    ssl.SSLContext.set_default_verify_paths = with_system_store  # type: ignore[method-assign,assignment]


install()
