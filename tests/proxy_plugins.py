"""proxy.py plugins that make the real proxy of the tests behave as corporate proxies do.

Loaded by the proxy process (``--plugins tests.proxy_plugins.LoginPageRedirect``).
"""

from __future__ import annotations

from proxy.http.exception import HttpRequestRejected
from proxy.http.parser import HttpParser
from proxy.http.proxy import HttpProxyBasePlugin

LOGIN_PAGE = b"http://proxy-login.invalid/login?next=api"


class LoginPageRedirect(HttpProxyBasePlugin):
    """A proxy that wants its users to sign in first: every request, CONNECT included,
    is answered 302 to its login page (as captive and authenticating proxies do)."""

    def before_upstream_connection(self, request: HttpParser) -> HttpParser | None:
        raise HttpRequestRejected(
            status_code=302,
            reason=b"Found",
            headers={b"Location": LOGIN_PAGE},
            body=b"<html>Sign in to continue</html>",
        )
