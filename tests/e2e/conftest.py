"""Fixtures of the e2e tier: the real engine, a local backend, a Seats API emulator process."""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import PROJECTS, EmulatorProcess, Engine, Stack, copy_project, ensure_engine
from .releases import ReleaseServer, build_dist

#: Canary credentials: tests assert that they never show up in state, logs or errors.
CANARY_API_KEY = f"canary-api-key-{uuid.uuid4().hex}"
CANARY_APP_KEY = f"canary-app-key-{uuid.uuid4().hex}"
SEEDED_USERS = 30

pytestmark = pytest.mark.e2e

# Every pulumi command starts with Ctrl-C at its default, as from a user's terminal. A test
# run launched where SIGINT is ignored (`nohup`, `cmd &` in a script) would pass that on:
# the engine ends each plugin with SIGINT and, when it is ignored, waits 5 s before SIGKILL,
# which made each command up to 10 s slower (the e2e tier took 3 times as long). A Python
# handler, unlike SIG_IGN, is not inherited by the programs this process starts.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def _no_datadog_environment() -> Iterator[None]:
    """Credentials come from stack config only: nothing from the machine may leak in."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(("DD_", "DATADOG_"))}
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    base = tmp_path_factory.mktemp("pulumi")
    (base / "backend").mkdir()
    (base / "home").mkdir()
    return Engine(bin_dir=ensure_engine(), backend_dir=base / "backend", home_dir=base / "home")


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make dist` writes (the plugin archive and the packages), in a directory of its own."""
    return build_dist(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def release_server(dist: Path) -> Iterator[ReleaseServer]:
    """``dist`` served from 127.0.0.1 as the project's releases serve it."""
    server = ReleaseServer(dist).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(CANARY_API_KEY, CANARY_APP_KEY, ["--users", str(SEEDED_USERS)])
    process.start()
    yield process
    process.stop()


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> EmulatorProcess:
    """The session's emulator, back to its startup state (seeded users, no holders)."""
    emulator_process.admin.reset()
    return emulator_process


@pytest.fixture
def users(emulator: EmulatorProcess) -> list[str]:
    """The emulator's seeded user UUIDs."""
    return [u["id"] for u in emulator.admin.state()["users"]]


@pytest.fixture(scope="module")
def big_org() -> Iterator[EmulatorProcess]:
    """An organization of 260 users whose team "sre" has 250 members."""
    process = EmulatorProcess(
        CANARY_API_KEY, CANARY_APP_KEY, ["--users", "260", "--team", "sre=250"]
    ).start()
    yield process
    process.stop()


def emails_of(emulator: EmulatorProcess, uuids: list[str]) -> list[str]:
    """The emails of these emulator users, in order."""
    by_id = {u["id"]: u["email"] for u in emulator.admin.state()["users"]}
    return [by_id[u] for u in uuids]


def connect(stack: Stack, emulator: EmulatorProcess, **knobs: Any) -> None:
    """Point a stack at the emulator the way a user points it at Datadog."""
    stack.config_with_secrets(*_connection(emulator, knobs))


def _connection(
    emulator: EmulatorProcess, knobs: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """The plain and the secret config that point the dynamic resource at ``emulator``."""
    plain = {
        "datadog:apiUrl": emulator.url,
        "datadog-seats:backoffSeconds": "0.05",
        **{f"datadog-seats:{k}": str(v) for k, v in knobs.items()},
    }
    return plain, {"datadog:apiKey": emulator.api_key, "datadog:appKey": emulator.app_key}


def declare(stack: Stack, product_code: str, user_uuids: list[str]) -> None:
    """Edit the `seats` test project's declaration, as a user edits their program."""
    stack.config({"productCode": product_code, "userUuids": list(user_uuids)})


@pytest.fixture
def seats_project(tmp_path: Path) -> Path:
    """A private copy of tests/e2e/projects/seats: one SeatAssignment declared in config."""
    return copy_project(PROJECTS / "seats", tmp_path)


def connect_and_declare(
    stack: Stack, emulator: EmulatorProcess, product_code: str, user_uuids: list[str], **knobs: Any
) -> None:
    """`connect` and `declare` in one `pulumi config set-all` (one command instead of two)."""
    plain, secret = _connection(emulator, knobs)
    plain.update({"productCode": product_code, "userUuids": json.dumps(list(user_uuids))})
    stack.config_with_secrets(plain, secret)


def assert_no_key_shown(*texts: str) -> None:
    """Neither canary key appears in anything a command printed or the state holds."""
    for text in texts:
        assert CANARY_API_KEY not in text
        assert CANARY_APP_KEY not in text
