"""A state written before issue 16 refreshes and updates cleanly with today's code.

tests/e2e/projects/legacy/state.json was exported from a stack of the code of 95ac45a
(its README says how): three plain SeatAssignments and a secret one whose ``unmanaged_ids``
list every other holder of their product, and an exclusive one that found an outsider.
Today a plain SeatAssignment records no other holder, so its state shrinks; the exclusive
one still lists the holder its next ``pulumi up`` removes. Neither path shows a diff that
is not a real change of seats.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import PROJECTS, EmulatorProcess, Engine, Stack, copy_project

LEGACY = PROJECTS / "legacy"
IR, ON_CALL = "incident_response", "on_call"


#: The emulator URL and keys the state was written with (write_state.py).
WRITTEN_URL = "http://127.0.0.1:39427"
WRITTEN_KEYS = ("legacy-api-key-0001", "legacy-app-key-0001")


@pytest.fixture
def legacy_emulator() -> Iterator[EmulatorProcess]:
    """An emulator with the keys the state was written with: the same Datadog, as for a
    user whose state this is (a refresh uses the provider config recorded in the state)."""
    process = EmulatorProcess(*WRITTEN_KEYS, ["--users", "20"]).start()
    holders: dict[str, list[str]] = json.loads((LEGACY / "holders.json").read_text())
    for product, users in holders.items():
        process.admin.set_holders(product, users)
    yield process
    process.stop()


def imported_stack(engine: Engine, emulator: EmulatorProcess, tmp_path: Path) -> Stack:
    """The legacy stack in a backend of its own, its state pointed at ``emulator``."""
    project = copy_project(LEGACY, tmp_path)
    shutil.copy(LEGACY / "Pulumi.legacy.yaml", project / "Pulumi.legacy.yaml")
    state = tmp_path / "state.json"
    state.write_text((LEGACY / "state.json").read_text().replace(WRITTEN_URL, emulator.url))
    backend = tmp_path / "backend"
    backend.mkdir()
    stack = Stack(engine, project, {"PULUMI_BACKEND_URL": backend.as_uri()}, name="legacy")
    stack.pulumi("stack", "init", "legacy", "--non-interactive")
    stack.pulumi("stack", "import", "--stack", "legacy", "--file", str(state))
    stack.config({"datadog:apiUrl": emulator.url})
    keys = dict(zip(("datadog:apiKey", "datadog:appKey"), WRITTEN_KEYS, strict=True))
    stack.config(keys, secret=True)
    return stack


def seat_outputs(stack: Stack) -> dict[str, dict[str, Any]]:
    """Each SeatAssignment's outputs in the state (secrets decrypted), by resource name."""
    resources = json.loads(stack.export(show_secrets=True))["deployment"]["resources"]
    return {
        r["urn"].rsplit("::", 1)[1]: {k: _revealed(v) for k, v in r["outputs"].items()}
        for r in resources
        if r["type"].endswith("datadog-seats:SeatAssignment")
    }


def _revealed(value: Any) -> Any:
    """A value of `pulumi stack export --show-secrets`: a secret shows as its plaintext JSON."""
    if isinstance(value, dict) and "plaintext" in value:
        return json.loads(value["plaintext"])
    return value


def writes(emulator: EmulatorProcess) -> list[dict[str, Any]]:
    return [r for r in emulator.admin.requests() if r["method"] in ("POST", "DELETE")]


@pytest.mark.parametrize("first", ["refresh", "up"])
def test_a_state_written_before_issue_16_refreshes_and_updates_cleanly(
    first: str, engine: Engine, legacy_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    emulator = legacy_emulator
    stack = imported_stack(engine, emulator, tmp_path)
    before = seat_outputs(stack)
    plain = ("team-a", "team-b", "hidden")
    assert all(before[name]["unmanaged_ids"] for name in plain)  # the other holders, each
    outsider = before["on-call"]["unmanaged_ids"]
    assert len(outsider) == 1
    incident, on_call = sorted(emulator.admin.holders(IR)), before["on-call"]["user_uuids"]
    emulator.admin.clear_requests()

    if first == "refresh":
        assert stack.refresh("--yes").diagnostics == []
        after = seat_outputs(stack)
        for name in plain:
            assert after[name]["unmanaged_ids"] == []
            assert after[name]["assigned_ids"] == before[name]["assigned_ids"]
        assert after["on-call"]["unmanaged_ids"] == outsider
    # The only change either way: the exclusive SeatAssignment takes the outsider's seat.
    assert stack.preview("--diff").changes == {"same": 4, "update": 1}
    assert stack.up().changes == {"same": 4, "update": 1}
    assert sorted(emulator.admin.holders(ON_CALL)) == sorted(on_call)
    assert sorted(emulator.admin.holders(IR)) == incident
    assert [w["method"] for w in writes(emulator)] == ["DELETE"]

    stack.refresh("--yes")
    stack.preview("--expect-no-changes")
    after = seat_outputs(stack)
    assert all(outputs["unmanaged_ids"] == [] for outputs in after.values())
    state = stack.export()
    assert len(state) < len((LEGACY / "state.json").read_text())
    stack.destroy()
    declared = {u for outputs in before.values() for u in outputs["user_uuids"]}
    assert emulator.admin.holders(ON_CALL) == []
    assert sorted(emulator.admin.holders(IR)) == sorted(set(incident) - declared)
    # Nothing a command printed holds a key (the exports with --show-secrets aside, which
    # decrypt the provider's config on purpose), nor does the state.
    printed = [text for text in stack.output if '"deployment"' not in text]
    assert not [text for text in [*printed, state] for key in WRITTEN_KEYS if key in text]
