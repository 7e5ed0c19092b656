"""The plugin's release archive, held to the bar of the console script.

The frozen plugin (scripts/build-plugin-archive, from `make dist`) carries its own Python
and OpenSSL. Here it is installed as users install it, `pulumi plugin install resource
datadog-seats <version> --file <archive>` into a PULUMI_HOME of its own, with the console
script off PATH, and run from Pulumi YAML through the real CLI:

- trust: with no variable, the system's certificate store (also where the OpenSSL it
  carries would look elsewhere); REQUESTS_CA_BUNDLE, SSL_CERT_FILE and SSL_CERT_DIR; a
  bundle that does not exist; an authenticating proxy. Each case also runs against the
  console script, with the same outcome and message. The system's store is made to hold
  the emulator's CA in a mount namespace of the `pulumi` process (`unshare`), never on
  the machine itself;
- the plugin process SIGKILLed half way through a create, the CLI half way through a
  destroy, then recovered as docs/interrupted-runs.md says (as tests/e2e/test_crash.py
  does for the dynamic provider);
- an update while the API answers 503 and 429.

Assertions read the emulator's holders and request log, the proxy's log and the state.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.proxy_server import PROXY_PASSWORD, PROXY_USER, ProxyServer, proxy
from tests.waiting import wait_until

from .conftest import assert_no_key_shown
from .harness import (
    EmulatorProcess,
    Engine,
    RunningCommand,
    Stack,
    stack_in,
    stack_removed_after,
)
from .plugin_fixtures import (
    FROM_PATH,
    PLUGIN,
    connect_plugin,
    env_with_plugin_on_path,
    env_without_plugin_on_path,
    holders,
    set_config,
)
from .releases import ARCHIVE, VERSION, plugin_install, yaml_program
from .test_crash import DELAY_SECONDS, PENDING, apply_writes, recover, writes
from .test_https import (
    ENGINE_NO_PROXY,
    _no_network_variables,
    assert_clean,
    https,
    refused,
    tls_emulator_process,
)

__all__ = ["_no_network_variables", "https", "proxy", "tls_emulator_process"]  # fixtures

pytestmark = pytest.mark.e2e

IR = "incident_response"
SEATS_TYPE = "datadog-seats:index:SeatAssignment"
#: The system's CA bundle, as Debian and Ubuntu keep it (what OpenSSL's default paths name).
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
#: OPENSSLDIR of the OpenSSL that the build machine's Python, and so the archive, carries.
BUILD_OPENSSLDIR = Path("/usr/lib/ssl")


@dataclass(frozen=True)
class FrontEnd:
    """An engine and the PATH under which it runs the plugin: the console script from the
    virtualenv's bin, or the archive's binary installed in the engine's PULUMI_HOME."""

    name: str
    engine: Engine
    env: dict[str, str]

    def stack_env(self, **more: str) -> dict[str, str]:
        return {**self.env, **more}


@pytest.fixture(scope="module")
def frozen_engine(engine: Engine, dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The session's engine with a PULUMI_HOME of its own, where the archive is installed."""
    home = tmp_path_factory.mktemp("frozen-home")
    frozen = Engine(bin_dir=engine.bin_dir, backend_dir=engine.backend_dir, home_dir=home)
    plugin_install(frozen, "--file", str(dist / ARCHIVE))
    assert (home / "plugins" / f"resource-datadog-seats-v{VERSION}" / PLUGIN).is_file()
    return frozen


@pytest.fixture(params=["console script", "frozen binary"])
def front_end(request: pytest.FixtureRequest, engine: Engine) -> FrontEnd:
    if request.param == "console script":
        return FrontEnd(request.param, engine, env_with_plugin_on_path(engine))
    frozen: Engine = request.getfixturevalue("frozen_engine")
    return FrontEnd(request.param, frozen, env_without_plugin_on_path(frozen))


@pytest.fixture
def program(tmp_path: Path) -> Path:
    return yaml_program(tmp_path / "seats-yaml")


def assert_ran(front_end: FrontEnd, text: str) -> None:
    """The engine ran the plugin of ``front_end``: from PATH, or the installed binary."""
    assert (FROM_PATH in text) == (front_end.name == "console script"), text


def ca_directory(ca_path: str, where: Path) -> Path:
    """A directory in OpenSSL's hashed layout (`<subject hash>.0`), as SSL_CERT_DIR takes."""
    where.mkdir()
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", ca_path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.copy(ca_path, where / f"{subject_hash}.0")
    return where


def in_mount_namespace(engine: Engine, where: Path, ca_path: str, hide_openssldir: bool) -> Engine:
    """``engine`` whose `pulumi` runs in a mount namespace of its own where the system's CA
    bundle also holds ``ca_path`` (and, with ``hide_openssldir``, the build machine's
    OPENSSLDIR is empty, as on a distribution that keeps its store elsewhere). The pieces
    it starts (language host, plugin) inherit the namespace; the machine sees nothing."""
    where.mkdir(parents=True)
    bundle = where / "ca-certificates.crt"
    bundle.write_text(SYSTEM_BUNDLE.read_text() + Path(ca_path).read_text())
    wrapped = where / "bin"
    wrapped.mkdir()
    for piece in engine.bin_dir.iterdir():
        if piece.name != "pulumi":
            (wrapped / piece.name).symlink_to(piece)
    hide = f"mount -t tmpfs tmpfs {BUILD_OPENSSLDIR} && " if hide_openssldir else ""
    # $0: the bundle, $@: pulumi and its arguments.
    script = f'mount --bind "$0" {SYSTEM_BUNDLE} && {hide}exec "$@"'
    (wrapped / "pulumi").write_text(
        "#!/bin/sh\n"
        f"exec unshare --mount --propagation private sh -c '{script}' "
        f'"{bundle}" "{engine.bin_dir / "pulumi"}" "$@"\n'
    )
    (wrapped / "pulumi").chmod(0o755)
    return Engine(bin_dir=wrapped, backend_dir=engine.backend_dir, home_dir=engine.home_dir)


def test_trust_and_proxies_as_the_console_script(
    front_end: FrontEnd,
    https: EmulatorProcess,
    proxy: ProxyServer,
    program: Path,
    tmp_path: Path,
) -> None:
    users = [u["id"] for u in https.admin.state()["users"]]
    host = https.url.replace("127.0.0.1", "localhost").removeprefix("https://")
    trusted = front_end.stack_env(REQUESTS_CA_BUNDLE=https.ca_path, **ENGINE_NO_PROXY)
    with stack_in(front_end.engine, program, dict(trusted)) as stack:
        connect_plugin(stack, https, maxRetries=1)
        stack.config({"datadog-seats:apiUrl": f"https://{host}"})
        set_config(stack, userUuids=users[0:1])

        # No variable: the system's store, which does not hold the emulator's CA.
        refused(
            stack,
            front_end.stack_env(**ENGINE_NO_PROXY),
            f"the TLS certificate of {host} is signed by a certificate authority this "
            "machine does not trust (trusted: the system's certificate store)",
            "set REQUESTS_CA_BUNDLE or SSL_CERT_FILE",
        )
        # A bundle that is not there: refused before any request, naming the variable.
        stack.extra_env = front_end.stack_env(
            REQUESTS_CA_BUNDLE=str(tmp_path / "none.pem"), **ENGINE_NO_PROXY
        )
        failed = stack.up(check=False)
        assert failed.returncode != 0
        assert_clean(failed)
        assert f"REQUESTS_CA_BUNDLE={tmp_path / 'none.pem'} names no file or directory" in (
            failed.text
        )
        assert https.admin.requests() == []

        # Each variable, alone, makes the emulator trusted; each up seats one more user.
        directory = ca_directory(https.ca_path, tmp_path / "certs")
        for step, variable in enumerate(
            [
                ("REQUESTS_CA_BUNDLE", https.ca_path),
                ("SSL_CERT_FILE", https.ca_path),
                ("SSL_CERT_DIR", str(directory)),
            ],
            start=1,
        ):
            set_config(stack, userUuids=users[0:step])
            stack.extra_env = front_end.stack_env(**dict([variable]), **ENGINE_NO_PROXY)
            up = stack.up()
            assert_clean(up)
            assert_ran(front_end, up.text)
            assert holders(https, IR) == sorted(users[0:step]), variable

        # Through the authenticating proxy: refused without its credentials, and with
        # them the keys travel only inside the tunnel.
        set_config(stack, userUuids=users[0:4])
        refused(
            stack,
            front_end.stack_env(HTTPS_PROXY=proxy.url(), **dict(trusted)),
            f"the proxy {proxy.url()} refused to open a tunnel to {host}: 407",
        )
        before = len(proxy.tunnels())
        stack.extra_env = {**trusted, "HTTPS_PROXY": proxy.url(f"{PROXY_USER}:{PROXY_PASSWORD}")}
        assert_clean(stack.up())
        assert holders(https, IR) == sorted(users[0:4])
        wait_until(lambda: len(proxy.tunnels()) > before, 60, "the proxy logged its tunnels")
        assert set(proxy.tunnels()[before:]) == {f"CONNECT {host}"}
        stack.extra_env = trusted

    # The system's store, holding the emulator's CA: trusted with no variable at all.
    system = in_mount_namespace(front_end.engine, tmp_path / "ns", https.ca_path, False)
    with stack_in(system, program, front_end.stack_env(**ENGINE_NO_PROXY)) as stack:
        connect_plugin(stack, https, maxRetries=1)
        stack.config({"datadog-seats:apiUrl": f"https://{host}"})
        set_config(stack, userUuids=users[5:7])
        up = stack.up()
        assert_ran(front_end, up.text)
        assert holders(https, IR) == sorted(users[5:7])
    assert holders(https, IR) == []
    log = proxy.log()
    assert https.api_key not in log and https.app_key not in log


def test_the_binary_finds_the_system_store_where_this_machine_keeps_it(
    frozen_engine: Engine, https: EmulatorProcess, program: Path, tmp_path: Path
) -> None:
    """The OpenSSL in the archive looks under the build machine's OPENSSLDIR (/usr/lib/ssl);
    a machine that keeps its store elsewhere (here: that directory empty, the store at
    /etc/ssl/certs/ca-certificates.crt) is trusted all the same, with no variable."""
    users = [u["id"] for u in https.admin.state()["users"]]
    system = in_mount_namespace(frozen_engine, tmp_path / "ns", https.ca_path, True)
    env = {**env_without_plugin_on_path(frozen_engine), **ENGINE_NO_PROXY}
    with stack_in(system, program, env) as stack:
        connect_plugin(stack, https, maxRetries=1)
        set_config(stack, userUuids=users[0:2])
        up = stack.up()
        assert FROM_PATH not in up.text
        assert holders(https, IR) == sorted(users[0:2])
    assert holders(https, IR) == []


# -- the binary killed half way, and under faults -----------------------------------------


def kill_plugins(run: RunningCommand) -> None:
    """SIGKILL to every process of the installed binary the engine runs (it may run one
    for the YAML host's schema beside the provider's)."""
    found = [p for p, c in run.processes().items() if f"/{PLUGIN} " in f"{c} "]
    assert found, run.processes()
    for pid in found:
        os.kill(pid, signal.SIGKILL)


def declared_in_state(state: dict[str, Any]) -> set[str]:
    """The users the state's SeatAssignments declare (their `userUuids` outputs)."""
    return {
        user
        for resource in state.get("resources") or []
        if resource["type"] == SEATS_TYPE
        for user in resource["outputs"]["userUuids"]
    }


@pytest.fixture
def frozen_stack(frozen_engine: Engine, program: Path) -> Iterator[Stack]:
    with stack_removed_after(
        frozen_engine, program, env_without_plugin_on_path(frozen_engine)
    ) as stack:
        yield stack


@pytest.mark.parametrize(("operation", "target"), [("create", "plugin"), ("destroy", "cli")])
def test_the_binary_killed_half_way_then_recovered(
    operation: str,
    target: str,
    frozen_stack: Stack,
    emulator: EmulatorProcess,
    users: list[str],
) -> None:
    stack = frozen_stack
    outsider = users[20]
    emulator.admin.set_holders(IR, [outsider])
    before, goal = (set(), set(users[0:6])) if operation == "create" else (set(users[0:6]), set())
    command, method = ("up", "POST") if operation == "create" else ("destroy", "DELETE")
    connect_plugin(stack, emulator, batchSize=2)
    set_config(stack, userUuids=sorted(before or goal))
    if before:
        stack.up()
    emulator.admin.clear_requests()
    emulator.admin.add_fault(kind="delay", delay_seconds=DELAY_SECONDS, nth=2, methods=[method])

    with stack.start(command, "--yes", "--skip-preview") as run:
        wait_until(lambda: emulator.admin.faults()[0]["fired"] == 1, 60, f"the 2nd {method}")
        if target == "plugin":
            kill_plugins(run)
        else:
            run.kill()
        killed = run.wait()
        assert killed.returncode != 0, killed.text
        wait_until(
            lambda: sum(m == method for m, _ in writes(emulator)) >= 2,
            DELAY_SECONDS + 30,
            f"the held {method} was answered",
        )
        if target == "plugin":
            # Half way: more than nothing done, less than everything.
            now = set(holders(emulator, IR))
            assert now not in (before | {outsider}, goal | {outsider})
            assert now == apply_writes(before | {outsider}, writes(emulator))
            assert "error reading from server: EOF" in killed.text

    state = stack.state()
    expect_pending = [] if target == "plugin" else [PENDING[operation]]
    assert [op["type"] for op in state.get("pending_operations") or []] == expect_pending
    emulator.admin.clear_faults()
    emulator.admin.clear_requests()
    interrupted_at = set(holders(emulator, IR))
    locked, steps = recover(stack, command)
    assert locked == (target == "cli")

    # The promise: holders are the declaration plus the outsider, the state declares
    # exactly the users who hold a seat, nothing is pending, nothing was written twice.
    assert set(holders(emulator, IR)) == goal | {outsider}
    exported = stack.export()
    state = json.loads(exported)["deployment"]
    assert not state.get("pending_operations")
    assert declared_in_state(state) == goal
    for written_method, written in writes(emulator):
        assert written <= (goal if written_method == "POST" else interrupted_at - goal)
        assert outsider not in written
    assert_no_key_shown(*stack.output, exported, *(s.text for s in steps))


def test_the_binary_under_503s_and_429s(
    frozen_stack: Stack, emulator: EmulatorProcess, users: list[str]
) -> None:
    stack = frozen_stack
    connect_plugin(stack, emulator, batchSize=1)
    set_config(stack, userUuids=users[0:2])
    stack.up()
    # Two users in, one out, with every third request a 503 and the 2nd a 429.
    set_config(stack, userUuids=[users[0], *users[2:4]])
    emulator.admin.clear_requests()
    emulator.admin.add_fault(kind="status", status=503, every=3)
    emulator.admin.add_fault(kind="rate_limit", nth=2, reset_seconds=1)
    up = stack.up()
    assert FROM_PATH not in up.text
    assert all(fault["fired"] > 0 for fault in emulator.admin.faults())
    emulator.admin.clear_faults()
    assert holders(emulator, IR) == sorted([users[0], *users[2:4]])
    assert {(m, tuple(sorted(u))) for m, u in writes(emulator)} == {
        ("DELETE", (users[1],)),
        ("POST", (users[2],)),
        ("POST", (users[3],)),
    }
    stack.destroy()
    assert holders(emulator, IR) == []
