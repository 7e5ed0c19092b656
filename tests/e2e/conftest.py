"""Fixtures of the e2e tier: the real engine, a local backend, a Seats API emulator process."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import EmulatorProcess, Engine, StackRun, ensure_engine

#: Canary credentials: tests assert that they never show up in state, logs or errors.
CANARY_API_KEY = f"canary-api-key-{uuid.uuid4().hex}"
CANARY_APP_KEY = f"canary-app-key-{uuid.uuid4().hex}"
SEEDED_USERS = 30

pytestmark = pytest.mark.e2e


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


def connect(run: StackRun, emulator: EmulatorProcess, **knobs: str) -> None:
    """Point a stack at the emulator the way a user points it at Datadog."""
    run.config({"datadog:apiUrl": emulator.url})
    run.config(
        {"datadog:apiKey": emulator.api_key, "datadog:appKey": emulator.app_key}, secret=True
    )
    defaults = {"datadog-seats:backoffSeconds": "0.05"}
    run.config({**defaults, **{f"datadog-seats:{k}": v for k, v in knobs.items()}})


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """An empty project directory with a Pulumi.yaml, for inline test programs."""
    (tmp_path / "Pulumi.yaml").write_text("name: seats-e2e\nruntime: python\n")
    return tmp_path
