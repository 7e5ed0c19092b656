"""The quickstart and the examples, run as written with `pulumi` in their own directories."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import connect
from .harness import ROOT, EmulatorProcess, Engine, copy_project, stack_in


def quickstart_copy(into: Path) -> Path:
    """The root project (Pulumi.yaml + __main__.py), its `.venv` linked to the test venv."""
    project = into / "quickstart"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "requirements.txt"):
        (project / name).write_text((ROOT / name).read_text())
    (project / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return project


def test_quickstart(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    project = quickstart_copy(tmp_path)
    with stack_in(engine, project) as stack:
        connect(stack, emulator)
        # The README's commands: `pulumi config set --path 'userUuids[0]' <uuid>`, ...
        stack.config({f"userUuids[{i}]": user for i, user in enumerate(users[0:3])}, path=True)
        up = stack.up()
        assert up.changes == {"create": 2}
        assert sorted(emulator.admin.holders("incident_response")) == sorted(users[0:3])
        assert stack.outputs()["assigned_ids"] == sorted(users[0:3])
        stack.destroy()
        assert emulator.admin.holders("incident_response") == []


def test_teams_example(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    project = copy_project(ROOT / "examples" / "teams", tmp_path, venv="venv")
    teams = {"incident_response": users[0:2], "on_call": users[1:4]}
    with stack_in(engine, project) as stack:
        connect(stack, emulator)
        stack.config({"teams": teams})
        stack.up()
        for product, declared in teams.items():
            assert sorted(emulator.admin.holders(product)) == sorted(declared)
        stack.destroy()
        assert [emulator.admin.holders(product) for product in teams] == [[], []]
