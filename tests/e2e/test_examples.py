"""The quickstart and the examples, run as written with `pulumi` in their own directories."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import connect, emails_of
from .harness import (
    ROOT,
    EmulatorProcess,
    Engine,
    clone_env,
    copy_project,
    matrix_venv,
    stack_in,
)


def quickstart_copy(into: Path, venv: Path | None = None) -> Path:
    """The root project (Pulumi.yaml + __main__.py), its `.venv` linked to the test venv
    (or to ``venv``)."""
    project = into / "quickstart"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "requirements.txt"):
        (project / name).write_text((ROOT / name).read_text())
    (project / ".venv").symlink_to(venv or Path(sys.prefix), target_is_directory=True)
    return project


def python_venv(version: str) -> Path:
    """The virtualenv of Python ``version`` that `make test`'s version matrix uses."""
    proc = matrix_venv("--venv", version)
    if proc.returncode != 0:
        pytest.skip(f"Python {version} is not on this machine: {proc.stderr.strip()}")
    return Path(proc.stdout.strip())


@pytest.mark.parametrize("python", ["3.10", "3.13"])
def test_quickstart(
    python: str, engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    """The quickstart with the oldest and the newest Python the package supports (the
    program and the provider run on it). On the test venv it runs in test_https.py and
    `make demo` (test_engine.py); on that Python with the newest and the lowest pulumi in
    test_installed_pulumi.py."""
    venv = python_venv(python)
    env = clone_env(venv)
    project = quickstart_copy(tmp_path, venv)
    with stack_in(engine, project, env) as stack:
        connect(stack, emulator)
        # The README's commands: `pulumi config set --path 'userUuids[0]' <uuid>`, ...
        stack.config({f"userUuids[{i}]": user for i, user in enumerate(users[0:3])}, path=True)
        up = stack.up()
        assert up.changes == {"create": 2}
        assert sorted(emulator.admin.holders("incident_response")) == sorted(users[0:3])
        assert stack.outputs()["assigned_ids"] == sorted(users[0:3])
        # The provider ran on the Python asked for (the User-Agent names it).
        wanted = f"(python {python}."
        agents = {r["user_agent"] for r in emulator.admin.requests()}
        assert agents and all(wanted in agent for agent in agents), agents
        stack.destroy()
        assert emulator.admin.holders("incident_response") == []


def test_teams_example_names_people_by_email(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    project = copy_project(ROOT / "examples" / "teams", tmp_path, venv="venv")
    declared = {"incident_response": users[0:2], "on_call": users[1:4]}
    # Emails in mixed case resolve to the same users.
    teams = {
        product: [
            email.upper() if i % 2 else email for i, email in enumerate(emails_of(emulator, uuids))
        ]
        for product, uuids in declared.items()
    }
    with stack_in(engine, project) as stack:
        connect(stack, emulator)
        stack.config({"teams": teams})
        stack.up()
        for product, uuids in declared.items():
            assert sorted(emulator.admin.holders(product)) == sorted(uuids)
        assert stack.outputs()["on_call_seats"] == sorted(declared["on_call"])
        stack.destroy()
        assert [emulator.admin.holders(product) for product in teams] == [[], []]


def test_unknown_or_deactivated_emails_fail_before_any_seat_changes(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    project = copy_project(ROOT / "examples" / "teams", tmp_path, venv="venv")
    emulator.admin.set_user_status([users[5]], "Disabled")
    (deactivated,) = emails_of(emulator, [users[5]])
    unknown = "nobody@example.invalid"
    with stack_in(engine, project) as stack:
        connect(stack, emulator)
        stack.config(
            {"teams": {"on_call": [*emails_of(emulator, users[0:2]), deactivated, unknown]}}
        )
        for command in (stack.preview, stack.up):
            result = command(check=False)
            assert result.returncode != 0
            assert unknown in result.text and deactivated in result.text
            assert "Traceback" not in result.text
        assert [r for r in emulator.admin.requests() if r["method"] != "GET"] == []
        assert emulator.admin.holders("on_call") == []


def test_exclusive_example(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    project = copy_project(ROOT / "examples" / "exclusive", tmp_path, venv="venv")
    emulator.admin.set_holders("on_call", users[10:13])
    with stack_in(engine, project) as stack:
        connect(stack, emulator)
        # As the example's docstring says: pulumi config set --path 'emails[0]' ...
        emails = emails_of(emulator, users[0:2])
        stack.config({f"emails[{i}]": email for i, email in enumerate(emails)}, path=True)
        stack.up()
        assert sorted(emulator.admin.holders("on_call")) == sorted(users[0:2])
        # The workflow of docs/seats-as-a-budget.md: someone is given a seat in Datadog;
        # preview --refresh names them, up --refresh takes the seat back.
        emulator.admin.set_holders("on_call", [*users[0:2], users[20]])
        preview = stack.preview("--refresh", "--diff")
        assert users[20] in preview.stdout
        stack.up("--refresh")
        assert sorted(emulator.admin.holders("on_call")) == sorted(users[0:2])


def test_team_seats_example_seats_a_team_of_250_across_pages(
    engine: Engine, big_org: EmulatorProcess, tmp_path: Path
) -> None:
    project = copy_project(ROOT / "examples" / "team-seats", tmp_path, venv="venv")
    (team,) = big_org.admin.teams()
    assert len(team["members"]) == 250
    big_org.admin.set_holders("on_call", [])
    big_org.admin.clear_requests()
    with stack_in(engine, project) as stack:
        connect(stack, big_org)
        stack.config({"teamId": team["id"]})
        stack.up()
        assert sorted(big_org.admin.holders("on_call")) == sorted(team["members"])
        pages = [r for r in big_org.admin.requests() if "/memberships" in r["path"]]
        assert len(pages) >= 3  # 250 members do not fit in one page
        stack.destroy()
        assert big_org.admin.holders("on_call") == []
