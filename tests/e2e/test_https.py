"""https:// through the real CLI: trust as users set it, a real proxy, and each failure.

The emulator serves TLS with a CA made for the run (`--tls`, as `make emulator TLS=1`);
the proxy is proxy.py (tests/proxy_server.py). Every pulumi command gets its trust and
proxy variables from the test alone: the machine's own (CI sets REQUESTS_CA_BUNDLE,
SSL_CERT_FILE, ...) are removed first. Each failure must name the host and what to do,
show no key, no proxy password and no traceback, and leave every seat as it was: the
emulator's request log must hold no request at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from datadog_seats_emulator import EmulatorConfig, SeatsEmulator, seed_users
from datadog_seats_emulator.tls import make_tls
from tests.proxy_server import PROXY_PASSWORD, PROXY_USER, ProxyServer, proxy
from tests.waiting import wait_until

from .conftest import (
    CANARY_API_KEY,
    CANARY_APP_KEY,
    SEEDED_USERS,
    connect,
    connect_and_declare,
    declare,
    emails_of,
)
from .harness import ROOT, EmulatorProcess, Engine, Result, Stack, copy_project, stack_in
from .plugin_fixtures import (
    connect_plugin,
    env_with_plugin_on_path,
    seat_the_example_team,
    set_config,
    yaml_example,
)
from .test_examples import quickstart_copy

__all__ = ["proxy", "yaml_example"]  # fixtures used here

pytestmark = pytest.mark.e2e

IR = "incident_response"
#: Variables of the machine that would decide trust or proxies instead of the test.
NETWORK_VARIABLES = (
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
    "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
    "NO_PROXY", "no_proxy",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _no_network_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NETWORK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def tls_emulator_process() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(
        CANARY_API_KEY, CANARY_APP_KEY, ["--users", str(SEEDED_USERS), "--tls"]
    ).start()
    yield process
    process.stop()


@pytest.fixture
def https(tls_emulator_process: EmulatorProcess) -> EmulatorProcess:
    """The https emulator, back to its startup state."""
    tls_emulator_process.admin.reset()
    return tls_emulator_process


@pytest.fixture
def users(https: EmulatorProcess) -> list[str]:
    return [u["id"] for u in https.admin.state()["users"]]


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Any, str]]]:
    """Emulators serving an expired certificate and one for another host: (emulator, CA).

    They run in this process, so their request logs are read directly (no client can
    talk to them over TLS, which is the point)."""
    tmp = tmp_path_factory.mktemp("flawed")
    running = {}
    for kind in ("expired", "wrong-host"):
        tls = make_tls(tmp / kind, kind)
        config = EmulatorConfig(CANARY_API_KEY, CANARY_APP_KEY, users=seed_users(SEEDED_USERS))
        running[kind] = (SeatsEmulator(config, tls=tls.context).start(), str(tls.ca_path))
    yield running
    for emulator, _ in running.values():
        emulator.stop()


def holders(emulator: EmulatorProcess) -> list[str]:
    return sorted(emulator.admin.holders(IR))


#: The engine and its plugins talk gRPC over 127.0.0.1, and Python's gRPC honours
#: https_proxy: like most corporate setups, the tests keep 127.0.0.1 out of the proxy.
#: The API is reached as localhost (its certificate names it too), so it is proxied.
ENGINE_NO_PROXY = {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}


def refused(stack: Stack, env: dict[str, str], *expected: str, command: str = "up") -> str:
    """`pulumi up` (or ``command``) with ``env`` fails with a message holding each of
    ``expected``, and no key, proxy password or traceback, nor any doubt that a write may
    still land (nothing was sent); returns the error line. The stack's environment is
    restored afterwards."""
    saved, stack.extra_env = stack.extra_env, env
    try:
        result = stack.up(check=False) if command == "up" else stack.destroy(check=False)
    finally:
        stack.extra_env = saved
    assert result.returncode != 0, result.text
    assert_clean(result)
    assert "no clear answer" not in result.text
    for text in expected:
        assert text in result.text, result.text
    return error_line(result)


def assert_clean(result: Result) -> None:
    for secret in (CANARY_API_KEY, CANARY_APP_KEY, PROXY_PASSWORD, quote(PROXY_PASSWORD, safe="")):
        assert secret not in result.text
    assert "Traceback" not in result.text


def error_line(result: Result) -> str:
    lines = [line.strip() for line in result.text.splitlines()]
    return next(line for line in lines if "failed" in line and "https://" in line)


def test_quickstart_over_https_and_what_each_failure_says(
    engine: Engine,
    https: EmulatorProcess,
    users: list[str],
    flawed: dict[str, tuple[SeatsEmulator, str]],
    proxy: ProxyServer,
    tmp_path: Path,
) -> None:
    project = quickstart_copy(tmp_path)
    trusted = {"REQUESTS_CA_BUNDLE": https.ca_path, **ENGINE_NO_PROXY}
    api = https.url.replace("127.0.0.1", "localhost")
    host = api.removeprefix("https://")
    with stack_in(engine, project, dict(trusted)) as stack:
        connect(stack, https, maxRetries=1)
        stack.config({"datadog:apiUrl": api})
        stack.config({f"userUuids[{i}]": user for i, user in enumerate(users[0:2])}, path=True)
        stack.up()
        assert holders(https) == sorted(users[0:2])

        # Two more users declared: each failure below leaves the seats as they are, and
        # no request reaches the API at all.
        stack.config({"userUuids[2]": users[2], "userUuids[3]": users[3]}, path=True)
        https.admin.clear_requests()
        messages = {}
        messages["unknown CA"] = refused(
            stack,
            dict(ENGINE_NO_PROXY),
            f"the TLS certificate of {host} is signed by a certificate authority this "
            "machine does not trust (trusted: the system's certificate store)",
            "set REQUESTS_CA_BUNDLE or SSL_CERT_FILE",
        )
        messages["407, no credentials"] = refused(
            stack,
            {**trusted, "HTTPS_PROXY": proxy.url()},
            f"the proxy {proxy.url()} refused to open a tunnel to {host}: 407",
            "Put the proxy's user name and password in HTTPS_PROXY",
        )
        messages["407, wrong password"] = refused(
            stack,
            {**trusted, "HTTPS_PROXY": proxy.url(f"{PROXY_USER}:x{PROXY_PASSWORD}")},
            "The credentials in HTTPS_PROXY were refused",
        )
        down = ProxyServer(tmp_path / "down").start()
        down.stop()
        messages["proxy down"] = refused(
            stack,
            {**trusted, "https_proxy": down.url(f"{PROXY_USER}:{PROXY_PASSWORD}")},
            f"the proxy {down.url()} set by HTTPS_PROXY (or https_proxy, ALL_PROXY) could "
            "not be reached",
            "NO_PROXY",
        )
        login = ProxyServer(
            tmp_path / "login", plugins=("tests.proxy_plugins.LoginPageRedirect",)
        ).start()
        try:
            messages["login redirect"] = refused(
                stack,
                {**trusted, "HTTPS_PROXY": login.url()},
                "302 Found (a redirect: most likely to the proxy's login page)",
                "Sign in to the proxy",
            )
        finally:
            login.stop()
        assert CANARY_API_KEY not in login.log() and CANARY_APP_KEY not in login.log()
        # A destroy writes first (DELETE): refused, it gave back no seat, and says so.
        messages["407, destroy"] = refused(
            stack,
            {**trusted, "HTTPS_PROXY": proxy.url()},
            "407 Proxy Authentication Required",
            "No seat was given back.",
            command="destroy",
        )
        assert https.admin.requests() == []
        assert holders(https) == sorted(users[0:2])

        for kind, flaw in (("expired", "has expired"), ("wrong-host", "another host name")):
            emulator, ca_path = flawed[kind]
            emulator.state.reset()
            stack.config({"datadog:apiUrl": emulator.url})
            messages[kind] = refused(stack, {"REQUESTS_CA_BUNDLE": ca_path}, flaw)
            assert emulator.state.requests() == []
        stack.config({"datadog:apiUrl": api})
        assert https.admin.requests() == []

        # Through the proxy, with its credentials, trusting the CA with SSL_CERT_FILE: the
        # update is made, and the keys travel only inside the tunnel.
        stack.extra_env = {
            "SSL_CERT_FILE": https.ca_path,
            "HTTPS_PROXY": proxy.url(f"{PROXY_USER}:{PROXY_PASSWORD}"),
            **ENGINE_NO_PROXY,
        }
        before = len(proxy.tunnels())
        assert_clean(stack.up())
        assert holders(https) == sorted(users[0:4])
        wait_until(lambda: len(proxy.tunnels()) > before, 60, "the proxy logged its tunnels")
        assert set(proxy.tunnels()[before:]) == {f"CONNECT {host}"}
        log = proxy.log()
        assert CANARY_API_KEY not in log and CANARY_APP_KEY not in log
        # NO_PROXY: the API is reached directly, even with a proxy that is down.
        direct = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        stack.extra_env = {**trusted, "HTTPS_PROXY": down.url(), **direct}
        try:
            stack.preview("--refresh", "--expect-no-changes")
        finally:
            stack.extra_env = trusted
        print(json.dumps(messages, indent=1))  # the figures of the closing note (-s)


def test_teams_example_over_https_through_the_proxy(
    engine: Engine, https: EmulatorProcess, users: list[str], proxy: ProxyServer, tmp_path: Path
) -> None:
    # The program looks users up by email and the provider assigns their seats: both
    # through the proxy, with its credentials, inside TLS tunnels only.
    project = copy_project(ROOT / "examples" / "teams", tmp_path, venv="venv")
    api = https.url.replace("127.0.0.1", "localhost")
    declared = {IR: users[0:2], "on_call": users[1:4]}
    env = {
        "REQUESTS_CA_BUNDLE": https.ca_path,
        "HTTPS_PROXY": proxy.url(f"{PROXY_USER}:{PROXY_PASSWORD}"),
        **ENGINE_NO_PROXY,
    }
    before = len(proxy.tunnels())
    with stack_in(engine, project, env) as stack:
        connect(stack, https)
        stack.config({"datadog:apiUrl": api})
        stack.config({"teams": {p: emails_of(https, uuids) for p, uuids in declared.items()}})
        assert_clean(stack.up())
        for product, uuids in declared.items():
            assert sorted(https.admin.holders(product)) == sorted(uuids)
        stack.destroy()
        assert [https.admin.holders(product) for product in declared] == [[], []]
    wait_until(lambda: len(proxy.tunnels()) > before, 60, "the proxy logged its tunnels")
    assert set(proxy.tunnels()[before:]) == {f"CONNECT {api.removeprefix('https://')}"}
    log = proxy.log()
    assert CANARY_API_KEY not in log and CANARY_APP_KEY not in log


def test_yaml_example_over_https_with_the_plugin(
    engine: Engine, https: EmulatorProcess, users: list[str], yaml_example: Path
) -> None:
    trusted = {"REQUESTS_CA_BUNDLE": https.ca_path, **env_with_plugin_on_path(engine)}
    with stack_in(engine, yaml_example, dict(trusted)) as stack:
        connect_plugin(stack, https, maxRetries=1)
        set_config(stack, userUuids=users[0:2])
        seat_the_example_team(stack, https, users[3:5])
        stack.up()
        assert holders(https) == sorted(users[0:2])
        # The plugin refuses a CA nobody trusts, as the dynamic provider does.
        set_config(stack, userUuids=users[0:3])
        https.admin.clear_requests()
        host = https.url.removeprefix("https://")
        refused(
            stack,
            env_with_plugin_on_path(engine),
            f"the TLS certificate of {host} is signed by a certificate authority",
            "set REQUESTS_CA_BUNDLE or SSL_CERT_FILE",
        )
        assert https.admin.requests() == []
        assert holders(https) == sorted(users[0:2])
        stack.up()
        assert holders(https) == sorted(users[0:3])


def test_a_proxy_that_drops_the_tunnel_mid_update_names_who_was_left_where(
    engine: Engine,
    https: EmulatorProcess,
    users: list[str],
    seats_project: Path,
    tmp_path: Path,
) -> None:
    dropping = ProxyServer(tmp_path / "proxy", basic_auth=f"{PROXY_USER}:{PROXY_PASSWORD}")
    dropping.start()
    api = https.url.replace("127.0.0.1", "localhost")
    env = {
        "REQUESTS_CA_BUNDLE": https.ca_path,
        "HTTPS_PROXY": dropping.url(f"{PROXY_USER}:{PROXY_PASSWORD}"),
        **ENGINE_NO_PROXY,
    }
    try:
        with stack_in(engine, seats_project, env) as stack:
            connect_and_declare(stack, https, IR, users[0:2], batchSize=2, maxRetries=1)
            stack.config({"datadog:apiUrl": api})
            stack.up()
            # Four more users: two batches. The proxy dies while the second is held.
            declare(stack, IR, users[0:6])
            https.admin.clear_requests()
            https.admin.add_fault(kind="delay", delay_seconds=3.0, nth=2, methods=["POST"])
            with stack.start("up", "--yes", "--skip-preview") as run:
                wait_until(
                    lambda: https.admin.faults()[0]["fired"] == 1, 60, "the 2nd POST arrived"
                )
                dropping.stop()
                failed = run.wait()
            assert failed.returncode != 0
            assert_clean(failed)
            print(error_line(failed))  # the figures of the closing note (-s)
            # The held POST lands after the run: as the message warned.
            wait_until(
                lambda: len([r for r in https.admin.requests() if r["method"] == "POST"]) >= 2,
                30,
                "the held POST was answered",
            )
            assert holders(https) == sorted(users[0:6])
            # Back online, `pulumi up` converges.
            dropping.start()
            stack.extra_env = {**env, "HTTPS_PROXY": dropping.url(f"{PROXY_USER}:{PROXY_PASSWORD}")}
            stack.up()
            assert holders(https) == sorted(users[0:6])
            stack.preview("--refresh", "--expect-no-changes")
        log = dropping.log()
        assert CANARY_API_KEY not in log and CANARY_APP_KEY not in log
    finally:
        dropping.stop()
