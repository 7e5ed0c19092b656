"""What users install: the core scenarios with the newest and the lowest `pulumi` allowed.

Every other test runs the `pulumi` package constraints.txt pins. A user who installs
pulumi-datadog-seats today gets the newest release its requirement (`pulumi>=3.216,<4`)
allows, and may have any release down to the lowest: scripts/python_matrix.py
`--pulumi newest|lowest` resolves each from the package index when the test runs and makes
(once per release, outside the clone) a virtualenv of this Python with it. The CLI is the
engine's pin either way: only the Python package changes.

One story per release, through the CLI, in a copy of the quickstart whose virtualenv is
that one: a configuration error, up, preview --expect-no-changes, a user removed (the
preview names them), refresh, an input error, an API error, destroy. What the user sees
is asserted: a configuration or input error is a check failure, with no traceback on any
release; an API error is its one-line message, which from pulumi 3.260 on the dynamic
provider host prints as the last line of a short traceback (docs/known-limits.md). Then
the provider plugin of the same virtualenv names the users a change unassigns (under the
resource) and answers a misspelled setting and an API error with its message alone.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import pytest
from packaging.version import Version

from .conftest import assert_no_key_shown
from .harness import (
    PROJECTS,
    EmulatorProcess,
    Engine,
    Result,
    clone_env,
    copy_project,
    matrix_venv,
    stack_in,
    stack_removed_after,
)
from .plugin_fixtures import connect_plugin, set_config
from .test_examples import quickstart_copy

IR = "incident_response"
STRANGER = "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"  # a well-formed UUID of no user
#: The first release whose dynamic-provider host prints a traceback of a failed call.
TRACEBACKS_FROM = Version("3.260.0")
OUR_ERRORS = "pulumi_datadog_seats.errors."


@cache
def pulumi_venv(choice: str) -> tuple[Path, Version]:
    """The virtualenv of the ``choice`` release of pulumi, and that release (resolved once
    per test process)."""
    made = matrix_venv("--pulumi", choice)
    assert made.returncode == 0, made.stderr
    venv = Path(made.stdout.strip())
    version = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('pulumi'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"pulumi {version} ({choice}) in {venv}")
    return venv, Version(version)


def resource_errors(result: Result) -> list[str]:
    """The error diagnostics of the SeatAssignment (not the stack's "update failed")."""
    return [
        e["diagnosticEvent"]["message"]
        for e in result.events
        if e.get("diagnosticEvent", {}).get("severity") == "error"
        and "SeatAssignment" in e["diagnosticEvent"].get("urn", "")
    ]


def assert_a_check_failure(result: Result, says: str) -> None:
    """A failed preview whose one error names the problem, with no traceback."""
    assert result.returncode != 0, result.text
    (error,) = resource_errors(result)
    assert says in error, error
    assert "Traceback" not in result.text and 'File "' not in result.text


@pytest.mark.parametrize("choice", ["newest", "lowest"])
def test_the_quickstart_story_with_the_pulumi_users_install(
    choice: str, engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    venv, version = pulumi_venv(choice)
    project = quickstart_copy(tmp_path, venv)
    with stack_in(engine, project, clone_env(venv)) as stack:
        # A configuration error (no keys): a check failure, before any API call.
        stack.config({"datadog:apiUrl": emulator.url, "datadog-seats:backoffSeconds": "0.05"})
        stack.config({f"userUuids[{i}]": user for i, user in enumerate(users[0:3])}, path=True)
        missing = stack.preview(check=False)
        assert_a_check_failure(missing, "No Datadog API key is configured. Set it with")
        assert emulator.admin.requests() == []
        stack.config(
            {"datadog:apiKey": emulator.api_key, "datadog:appKey": emulator.app_key}, secret=True
        )

        # up assigns the seats; a preview right after shows no change and calls nothing.
        assert stack.up().changes == {"create": 2}
        assert sorted(emulator.admin.holders(IR)) == sorted(users[0:3])
        emulator.admin.clear_requests()
        stack.preview("--expect-no-changes")
        assert emulator.admin.requests() == []

        # A user removed: `preview --diff` names whom the up unassigns; the up does just that.
        stack.pulumi("config", "rm", "--path", "userUuids[2]", "--stack", stack.name)
        preview = stack.preview("--diff")
        assert f"`pulumi up` unassigns the '{IR}' seat of 1 user(s): {users[2]}" in preview.text
        stack.up()
        assert sorted(emulator.admin.holders(IR)) == sorted(users[0:2])

        # A seat taken outside Pulumi: refresh names the user.
        emulator.admin.set_holders(IR, [users[0]])
        refresh = stack.refresh()
        assert f"no longer hold a seat of '{IR}': {users[1]}" in refresh.text

        # An input error: a check failure, before any API call.
        stack.config({"userUuids[2]": "bob"}, path=True)
        emulator.admin.clear_requests()
        assert_a_check_failure(stack.preview(check=False), "not UUIDs: 'bob'")
        assert emulator.admin.requests() == []

        # An API error (Datadog refuses an unknown user): the message, one line, last.
        emulator.admin.configure(unknown_users="reject")
        stack.config({"userUuids[2]": STRANGER}, path=True)
        failed = stack.up(check=False)
        assert failed.returncode != 0
        (error,) = resource_errors(failed)
        lines = error.rstrip("\n").splitlines()
        frames = [line for line in lines if line.lstrip().startswith('File "')]
        if version >= TRACEBACKS_FROM:
            assert lines[0] == "Traceback (most recent call last):", error
            assert lines[-1].startswith(f"{OUR_ERRORS}SeatAssignmentError: Assigning seats"), error
            # Short: the host's frames (of the project's virtualenv, that pulumi's) and the
            # front end's, none of the core below it.
            host = f'File "{project}/.venv/lib/'
            assert frames and all(
                (host in f and "/pulumi/dynamic/__main__.py" in f)
                or "/pulumi_datadog_seats/provider.py" in f
                for f in frames
            ), error
            message = lines[-1].split(": ", 1)[1]
        else:
            assert not frames and len(lines) == 1, error
            message = lines[0].removeprefix("Exception calling application: ")
            assert message != lines[0], error
        assert "422" in message and STRANGER in message and "nothing changed" in message
        assert sorted(emulator.admin.holders(IR)) == [users[0]]

        # destroy gives back the declared seats.
        stack.destroy()
        assert emulator.admin.holders(IR) == []
        assert_no_key_shown(*stack.output)


@pytest.mark.parametrize("choice", ["newest", "lowest"])
def test_the_plugin_with_the_pulumi_users_install_answers_messages(
    choice: str, engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    venv, _ = pulumi_venv(choice)
    project = copy_project(PROJECTS / "plugin-seats", tmp_path)
    # The plugin is the console script of that virtualenv, first on PATH.
    env = {"PATH": f"{engine.bin_dir}:{venv / 'bin'}:{engine.env()['PATH']}"}
    with stack_removed_after(engine, project, {**clone_env(venv), **env}) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, productCode=IR, userUuids=users[0:2])
        stack.up()

        # A user removed: the preview's warning names them, under the resource.
        set_config(stack, userUuids=[users[0], STRANGER])
        preview = stack.preview()
        assert f"`pulumi up` unassigns the '{IR}' seat of 1 user(s): {users[1]}" in preview.text
        assert preview.shown_under(users[1]) == "datadog-seats:index:SeatAssignment (team):"

        # A misspelled setting: a check failure naming the setting meant.
        stack.config({"datadog-seats:batchsize": "5"})
        misspelled = stack.preview(check=False)
        assert misspelled.returncode != 0
        assert "did you mean datadog-seats:batchSize?" in misspelled.text
        assert "Traceback" not in misspelled.text and 'File "' not in misspelled.text
        stack.pulumi("config", "rm", "datadog-seats:batchsize", "--stack", stack.name)

        # An API error: the message alone, one line.
        emulator.admin.configure(unknown_users="reject")
        failed = stack.up(check=False)
        assert failed.returncode != 0
        (error,) = resource_errors(failed)
        assert error.startswith(f"Assigning seats of '{IR}' to 1 user(s) failed: Datadog answered")
        assert "\n" not in error.rstrip("\n") and STRANGER in error and "422" in error
        assert 'File "' not in failed.text and "Traceback" not in failed.text
        assert sorted(emulator.admin.holders(IR)) == sorted(users[0:2])
