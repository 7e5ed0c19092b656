"""https:// as users run it: certificates verified against what they trust, proxies as they
set them, and a clear message, with no key and no proxy password, for each failure.

The emulator serves TLS with a throwaway CA (datadog_seats_emulator.tls); the proxy is a
real one (proxy.py, tests/proxy_server.py). The client reads the trust variables when it
builds its session and the proxy variables at each request, as a provider process does.
Zero requests reaching the emulator is checked wherever nothing may be sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests.adapters

from datadog_seats_emulator import EmulatorConfig, FaultRule, SeatsEmulator, seed_users
from datadog_seats_emulator.tls import TlsSetup, make_tls
from pulumi_datadog_seats.api.seats import SeatsClient
from pulumi_datadog_seats.errors import ConfigurationError, TransportError
from pulumi_datadog_seats.settings import Settings
from tests.proxy_server import PROXY_PASSWORD, PROXY_USER, ProxyServer, proxy
from tests.waiting import wait_until

API_KEY = f"tls-api-key-{uuid.uuid4().hex}"
APP_KEY = f"tls-app-key-{uuid.uuid4().hex}"
TRUST_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY")
USERS = seed_users(5)
__all__ = ["proxy"]  # a fixture used here
IR = "incident_response"


def serve(tmp: Path, certificate: str = "valid") -> tuple[SeatsEmulator, TlsSetup]:
    tls = make_tls(tmp / certificate, certificate)
    config = EmulatorConfig(api_key=API_KEY, app_key=APP_KEY, users=USERS)
    return SeatsEmulator(config, tls=tls.context).start(), tls


@pytest.fixture(scope="module")
def emulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SeatsEmulator]]:
    """One TLS emulator per certificate kind, and the CA of each in ``ca_paths``."""
    tmp = tmp_path_factory.mktemp("tls")
    running = {kind: serve(tmp, kind) for kind in ("valid", "expired", "wrong-host")}
    CA_PATHS.update({kind: str(tls.ca_path) for kind, (_, tls) in running.items()})
    yield {kind: emulator for kind, (emulator, _) in running.items()}
    for emulator, _ in running.values():
        emulator.stop()


CA_PATHS: dict[str, str] = {}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No trust or proxy variable of the machine (CI sets REQUESTS_CA_BUNDLE and others)."""
    for name in (*TRUST_VARIABLES, *PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def client(emulator: SeatsEmulator) -> SeatsClient:
    settings = Settings(
        api_key=API_KEY,
        app_key=APP_KEY,
        api_url=emulator.url,
        max_retries=1,
        backoff_seconds=0,
        timeout_seconds=10,
    )
    return SeatsClient(settings)


def fails(emulator: SeatsEmulator) -> str:
    """The message of a listing and of an assign that must fail; neither reaches the API,
    and the error says so (``sent_nothing``: the seat logic need not fear a late write)."""
    emulator.state.reset()
    messages = []
    calls: list[Callable[[SeatsClient], object]] = [
        lambda c: c.list_seat_holders(IR),
        lambda c: c.assign_batch(IR, [USERS[0]["id"]]),
    ]
    for call in calls:
        with pytest.raises(TransportError) as info:
            call(client(emulator))
        assert info.value.sent_nothing
        messages.append(str(info.value))
        assert info.value.__cause__ is None and info.value.__context__ is None
    assert emulator.state.requests() == []
    assert emulator.state.holders(IR) == []
    for message in messages:
        for secret in (API_KEY, APP_KEY, PROXY_PASSWORD, quote(PROXY_PASSWORD, safe="")):
            assert secret not in message
        assert "Traceback" not in message
    return messages[1]


def works(emulator: SeatsEmulator) -> None:
    """An assign and a listing succeed (over one connection, closed at the end)."""
    emulator.state.reset()
    seats = client(emulator)
    assert seats.assign_batch(IR, [USERS[0]["id"]]).assigned_ids == (USERS[0]["id"],)
    assert seats.list_seat_holders(IR) == {USERS[0]["id"]}
    seats.transport.close()


# -- trust: the system store by default, and the variables users set ---------------------


def test_a_ca_nobody_trusts_is_refused_with_what_to_set(emulators, env):
    message = fails(emulators["valid"])
    host = emulators["valid"].url.removeprefix("https://")
    assert f"the TLS certificate of {host} is signed by a certificate authority" in message
    assert "trusted: the system's certificate store" in message
    assert "set REQUESTS_CA_BUNDLE or SSL_CERT_FILE to a PEM file holding that CA" in message


def test_requests_own_bundle_is_not_what_is_trusted(emulators, env):
    # requests alone trusts its own bundle (certifi's, DEFAULT_CA_BUNDLE_PATH): were it
    # used, this CA would be trusted. The system store is what is trusted.
    env.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", CA_PATHS["valid"])
    assert "does not trust" in fails(emulators["valid"])


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_each_trust_variable_makes_the_ca_trusted(emulators, env, variable):
    env.setenv(variable, CA_PATHS["valid"])
    works(emulators["valid"])


def test_a_bundle_variable_replaces_the_store_and_ssl_cert_file(emulators, env):
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["expired"])  # another CA
    env.setenv("SSL_CERT_FILE", CA_PATHS["valid"])
    message = fails(emulators["valid"])
    assert f"trusted: REQUESTS_CA_BUNDLE={CA_PATHS['expired']})" in message


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_trust_variable_naming_nothing_is_a_configuration_error(
    emulators, env, tmp_path, variable
):
    missing = str(tmp_path / "no-such-ca.pem")
    env.setenv(variable, missing)
    with pytest.raises(ConfigurationError, match=f"{variable}={missing} names no file"):
        client(emulators["valid"]).list_seat_holders(IR)
    (tmp_path / "not-pem.txt").write_text("not a certificate")
    env.setenv(variable, str(tmp_path / "not-pem.txt"))
    with pytest.raises(ConfigurationError, match="could not be read as PEM certificates"):
        client(emulators["valid"]).list_seat_holders(IR)
    assert emulators["valid"].state.requests() == []


def test_an_expired_certificate_says_to_check_the_clock(emulators, env):
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["expired"])
    message = fails(emulators["expired"])
    host = emulators["expired"].url.removeprefix("https://")
    assert f"the TLS certificate of {host} has expired" in message
    assert "Check this machine's date and clock" in message


def test_a_certificate_for_another_host_says_to_check_the_url(emulators, env):
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["wrong-host"])
    message = fails(emulators["wrong-host"])
    assert "is for another host name" in message
    assert "Check that datadog:apiUrl (or DD_HOST / DD_SITE) names the Datadog API" in message


# -- proxies: HTTPS_PROXY with credentials, NO_PROXY, and the proxy's failures -------------


def test_through_the_proxy_the_keys_travel_only_inside_the_tunnel(emulators, env, proxy):
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["valid"])
    env.setenv("HTTPS_PROXY", proxy.url(f"{PROXY_USER}:{PROXY_PASSWORD}"))
    before = len(proxy.tunnels())
    works(emulators["valid"])
    host = emulators["valid"].url.removeprefix("https://")
    wait_until(lambda: len(proxy.tunnels()) > before, 30, "the proxy logged the tunnel")
    assert proxy.tunnels()[before:] == [f"CONNECT {host}"]
    log = proxy.log()
    assert API_KEY not in log and APP_KEY not in log
    assert "DD-API-KEY" not in log.upper()


def test_no_proxy_reaches_the_api_directly(emulators, env, proxy):
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["valid"])
    env.setenv("https_proxy", "http://127.0.0.1:9")  # nothing listens there
    env.setenv("no_proxy", "localhost,127.0.0.1")
    works(emulators["valid"])


@pytest.mark.parametrize("credentials", [None, f"{PROXY_USER}:wrong-{PROXY_PASSWORD}"])
def test_a_proxy_that_wants_credentials_says_where_they_go(emulators, env, proxy, credentials):
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["valid"])
    env.setenv("HTTPS_PROXY", proxy.url(credentials))
    message = fails(emulators["valid"])
    assert f"the proxy http://127.0.0.1:{proxy.port} refused to open a tunnel" in message
    assert "407 Proxy Authentication Required" in message
    expected = "were refused" if credentials else "http://USER:PASSWORD@proxy-host:port"
    assert expected in message


def test_a_proxy_that_is_down_says_which_and_what_to_do(emulators, env, tmp_path):
    stopped = ProxyServer(tmp_path).start()
    stopped.stop()
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["valid"])
    env.setenv("HTTPS_PROXY", stopped.url(f"{PROXY_USER}:{PROXY_PASSWORD}"))
    message = fails(emulators["valid"])
    assert f"the proxy http://127.0.0.1:{stopped.port} set by HTTPS_PROXY" in message
    assert "could not be reached" in message and "NO_PROXY" in message


def test_a_proxy_login_page_is_named_as_such(emulators, env, tmp_path):
    login = ProxyServer(tmp_path, plugins=("tests.proxy_plugins.LoginPageRedirect",)).start()
    try:
        env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["valid"])
        env.setenv("HTTPS_PROXY", login.url())
        message = fails(emulators["valid"])
    finally:
        login.stop()
    assert "with 302 Found (a redirect: most likely to the proxy's login page)" in message
    assert "Sign in to the proxy" in message and "NO_PROXY" in message


def test_a_refused_connection_sent_nothing_but_a_dropped_one_may_land(emulators, env):
    emulator = emulators["valid"]
    env.setenv("REQUESTS_CA_BUNDLE", CA_PATHS["valid"])
    # Nothing listens on the port any more: refused, sent nothing.
    gone = SeatsEmulator(EmulatorConfig(api_key=API_KEY, app_key=APP_KEY)).start()
    url = gone.url
    gone.stop()
    settings = Settings(api_key=API_KEY, app_key=APP_KEY, api_url=url, max_retries=1)
    with pytest.raises(TransportError) as refused:
        SeatsClient(settings).assign_batch(IR, [USERS[0]["id"]])
    assert refused.value.sent_nothing
    # The API drops the connection after the request came: it may have landed.
    emulator.state.reset()
    emulator.state.add_fault(FaultRule(kind="drop"))
    with pytest.raises(TransportError) as dropped:
        client(emulator).assign_batch(IR, [USERS[0]["id"]])
    assert not dropped.value.sent_nothing
    assert len(emulator.state.requests()) == 2  # the attempt and its retry, both dropped


def test_plain_http_to_this_machine_never_goes_through_a_proxy(env, proxy):
    # The emulator over http:// (loopback only): with HTTP_PROXY set, the key headers would
    # reach the proxy in clear. They go direct instead.
    config = EmulatorConfig(api_key=API_KEY, app_key=APP_KEY, users=USERS)
    with SeatsEmulator(config) as plain:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            env.setenv(name, proxy.url(f"{PROXY_USER}:{PROXY_PASSWORD}"))
        before = proxy.log().count("access_log")
        works(plain)
    assert proxy.log().count("access_log") == before  # it served no request
    assert API_KEY not in proxy.log()
