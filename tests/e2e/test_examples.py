"""The quickstart and the examples, run as written through the real engine."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import connect
from .harness import ROOT, EmulatorProcess, Engine, copy_project, program_of, stack_run


def test_quickstart(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    project = tmp_path / "quickstart"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((ROOT / name).read_text())
    with stack_run(engine, project, program_of(project)) as run:
        connect(run, emulator)
        run.config({f"userUuids[{i}]": user for i, user in enumerate(users[0:3])}, path=True)
        up = run.up()
        assert sorted(emulator.admin.holders("incident_response")) == sorted(users[0:3])
        assert up.outputs["assigned_ids"].value == sorted(users[0:3])
        run.destroy()
        assert emulator.admin.holders("incident_response") == []


def test_teams_example(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    project = copy_project(ROOT / "examples" / "teams", tmp_path)
    teams = {"incident_response": users[0:2], "on_call": users[1:4]}
    with stack_run(engine, project, program_of(project)) as run:
        connect(run, emulator)
        run.config({"teams": json.dumps(teams)})
        run.up()
        for product, declared in teams.items():
            assert sorted(emulator.admin.holders(product)) == sorted(declared)
        run.destroy()
        assert [emulator.admin.holders(product) for product in teams] == [[], []]
