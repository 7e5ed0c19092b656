"""What the client trusts and which proxy it names, read from the environment as users set it.

Over real TLS and a real proxy, tests/emulator/test_tls_and_proxies.py; here the rules.
"""

from __future__ import annotations

import pytest

from pulumi_datadog_seats.api.failures import proxy_for
from pulumi_datadog_seats.api.seats import SeatsClient
from pulumi_datadog_seats.api.trust import Trust, trust_from
from pulumi_datadog_seats.errors import TransportError
from pulumi_datadog_seats.settings import Settings
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY

API = "https://api.datadoghq.eu/api/v2/seats/users"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Trust(system=True)),
        ({"REQUESTS_CA_BUNDLE": " "}, Trust(system=True)),
        ({"SSL_CERT_FILE": "/c.pem"}, Trust(True, (("SSL_CERT_FILE", "/c.pem"),))),
        (
            {"SSL_CERT_FILE": "/c.pem", "SSL_CERT_DIR": "/d"},
            Trust(True, (("SSL_CERT_FILE", "/c.pem"), ("SSL_CERT_DIR", "/d"))),
        ),
        (
            {"CURL_CA_BUNDLE": "/curl.pem", "SSL_CERT_FILE": "/c.pem"},
            Trust(False, (("CURL_CA_BUNDLE", "/curl.pem"),)),
        ),
        (
            {"REQUESTS_CA_BUNDLE": "/r.pem", "CURL_CA_BUNDLE": "/curl.pem"},
            Trust(False, (("REQUESTS_CA_BUNDLE", "/r.pem"),)),
        ),
    ],
)
def test_what_is_trusted_follows_requests_then_openssl(environ, expected):
    assert trust_from(environ) == expected


def test_what_is_trusted_reads_as_users_wrote_it():
    assert Trust(system=True).describe() == "the system's certificate store"
    assert (
        trust_from({"SSL_CERT_FILE": "/c.pem"}).describe()
        == "the system's certificate store and SSL_CERT_FILE=/c.pem"
    )
    assert trust_from({"REQUESTS_CA_BUNDLE": "/r.pem"}).describe() == "REQUESTS_CA_BUNDLE=/r.pem"


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_proxy_is_shown_without_its_credentials(no_proxies):
    assert proxy_for(API) is None
    no_proxies.setenv("HTTPS_PROXY", "http://me:s%40cret@proxy.corp:3128")
    proxy = proxy_for(API)
    assert proxy is not None and proxy.valid and proxy.has_credentials
    assert proxy.shown == "http://proxy.corp:3128"
    assert set(proxy.secrets) == {"s%40cret", "s@cret"}
    no_proxies.setenv("NO_PROXY", ".datadoghq.eu")
    assert proxy_for(API) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://me:s3cr#et@proxy.corp:3128",
        "http://me:s3cr[et@proxy.corp:3128",
        "http://me:s3cret@proxy.corp:port",
        "http://me:s3cr/et@proxy.corp:3128",
    ],
)
def test_a_proxy_url_that_cannot_be_read_is_named_by_its_variable_alone(no_proxies, url):
    no_proxies.setenv("HTTPS_PROXY", url)
    settings = Settings(
        api_key=CANARY_API_KEY, app_key=CANARY_APP_KEY, api_url="https://127.0.0.1:9", max_retries=0
    )
    with pytest.raises(TransportError) as info:
        SeatsClient(settings).list_seat_holders("on_call")
    message = str(info.value)
    assert "the proxy URL in HTTPS_PROXY (or https_proxy, ALL_PROXY) cannot be read" in message
    assert "URL-encoded (@ as %40, # as %23" in message
    assert "s3cr" not in message and "proxy.corp" not in message
