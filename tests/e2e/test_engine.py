"""The engine itself: scripts/ensure-pulumi, `pulumi up` of a project, `make demo`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from pulumi_datadog_seats import SeatAssignment
from tests.docs_tables import README, fenced_blocks

from .conftest import CANARY_API_KEY, CANARY_APP_KEY, connect
from .harness import PROJECTS, ROOT, EmulatorProcess, Engine, copy_project, ensure_engine, stack_in

ENGINE_VERSION = "v3.259.0"
PIECES = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-python-exec",
    "pulumi-resource-pulumi-python",
    "pulumi-language-yaml",
    "pulumi-language-nodejs",
    "pulumi-language-go",
)


def test_pulumi_up_of_a_project_directory(engine: Engine, tmp_path: Path) -> None:
    """The CLI runs the program through the language host, the provider in its plugin."""
    project = copy_project(PROJECTS / "counter", tmp_path)
    log_file = tmp_path / "provider.log"
    with stack_in(engine, project) as stack:
        stack.config({"value": "seven", "log": str(log_file)})
        up = stack.up()
        assert up.changes == {"create": 2}
        assert stack.outputs() == {"value": "seven"}
        # The provider ran in the engine's plugin process, not in this test process.
        assert log_file.read_text() == "create seven\n"
        stack.preview("--expect-no-changes")
        stack.destroy()
        assert log_file.read_text() == "create seven\ndelete seven\n"


def test_the_program_runs_in_the_projects_virtualenv(engine: Engine, tmp_path: Path) -> None:
    """`runtime.options.virtualenv` is honoured (the language host's wrapper passes it on):
    with PULUMI_PYTHON_CMD pointing nowhere, the program still finds its virtualenv."""
    project = copy_project(PROJECTS / "counter", tmp_path)
    text = (
        (project / "Pulumi.yaml")
        .read_text()
        .replace("runtime: python", "runtime:\n  name: python\n  options:\n    virtualenv: venv")
    )
    (project / "Pulumi.yaml").write_text(text)
    (project / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    no_python = {"PULUMI_PYTHON_CMD": str(tmp_path / "no-such-python")}
    log_file = tmp_path / "provider.log"
    with stack_in(engine, project, extra_env=no_python) as stack:
        stack.config({"value": "venv", "log": str(log_file)})
        stack.up()
        assert log_file.read_text() == "create venv\n"


def test_pulumi_up_creates_the_projects_virtualenv_by_itself(
    engine: Engine, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    """As on a normal install, in a directory of the README's three files (its Python
    program, its Pulumi.yaml, a requirements.txt naming this clone): with no virtualenv
    yet, `pulumi up` creates the one `Pulumi.yaml` names and installs `requirements.txt`
    into it (from the package index)."""
    project = tmp_path / "fresh"
    project.mkdir()
    program = fenced_blocks(README, "python")[0]
    (pulumi_yaml,) = [b for b in fenced_blocks(README, "yaml") if "runtime:" in b]
    (project / "__main__.py").write_text(program)
    (project / "Pulumi.yaml").write_text(pulumi_yaml)
    (project / "requirements.txt").write_text(f"-e {ROOT}\n")
    user = emulator.admin.state()["users"][0]["id"]
    # Neither PULUMI_PYTHON_CMD nor this test's venv on PATH may help.
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if sys.prefix not in p)
    env = {
        "PULUMI_PYTHON_CMD": str(tmp_path / "no-such-python"),
        "PATH": f"{engine.bin_dir}:{path}",
    }
    with stack_in(engine, project, extra_env=env) as stack:
        connect(stack, emulator)
        stack.config({"userUuids[0]": user}, path=True)
        up = stack.up()
        assert "Finished creating virtual environment" in up.text
        assert (project / "venv" / "bin" / "python").exists()
        assert emulator.admin.holders("incident_response") == [user]


def test_automation_api_inline_program(
    engine: Engine, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    """SeatAssignment also works from an Automation API inline program (a supported way
    to use it; every other e2e test goes through the CLI in a project directory)."""
    users = [u["id"] for u in emulator.admin.state()["users"][0:2]]

    def program() -> None:
        seats = SeatAssignment("seats", product_code="on_call", user_uuids=users)
        pulumi.export("assigned_ids", seats.assigned_ids)

    env = {k: v for k, v in engine.env().items() if k.startswith("PULUMI_")}
    stack = auto.create_stack(
        "inline",
        project_name="seats-inline",
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(tmp_path),
            env_vars=env,
            pulumi_home=str(engine.home_dir),
            pulumi_command=auto.PulumiCommand(root=str(engine.bin_dir.parent)),
        ),
    )
    try:
        stack.set_all_config(
            {
                "datadog:apiUrl": auto.ConfigValue(emulator.url),
                "datadog:apiKey": auto.ConfigValue(CANARY_API_KEY, secret=True),
                "datadog:appKey": auto.ConfigValue(CANARY_APP_KEY, secret=True),
            }
        )
        up = stack.up()
        assert up.outputs["assigned_ids"].value == sorted(users)
        assert sorted(emulator.admin.holders("on_call")) == sorted(users)
        stack.destroy()
        assert emulator.admin.holders("on_call") == []
    finally:
        stack.workspace.remove_stack("inline", force=True)


def test_ensure_pulumi_says_clearly_when_go_is_missing(tmp_path: Path) -> None:
    # An empty engine cache, no pulumi on PATH, and no Go: nothing can be built.
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHON": sys.executable,
        "PULUMI_ENGINE_CACHE": str(tmp_path / "engine"),
    }
    if shutil.which("go", path=env["PATH"]) or shutil.which("pulumi", path=env["PATH"]):
        pytest.skip("go or pulumi is installed in /usr/bin on this machine")
    proc = subprocess.run(
        [str(ROOT / "scripts" / "ensure-pulumi")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Go is not installed" in proc.stderr and ENGINE_VERSION in proc.stderr


def test_ensure_pulumi_is_quick_and_complete_when_warm(engine: Engine) -> None:
    # The session fixture already ran it; a second run must reuse the same directory.
    again = ensure_engine()
    assert again == engine.bin_dir
    for name in PIECES:
        assert os.access(again / name, os.X_OK), name
    printed = subprocess.run(
        [str(again / "pulumi"), "version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    # The engine is its own pin: the same whatever pulumi package the venv holds.
    assert printed == ENGINE_VERSION
    assert version("pulumi") >= "3.216"


def test_ensure_pulumi_env_puts_the_engine_and_the_venv_in_the_shell(engine: Engine) -> None:
    """`eval "$(scripts/ensure-pulumi --env)"`, then `pulumi` is ours and programs run
    with the project's virtualenv (not on PATH: its plugin would load on every run)."""
    script = (
        f'eval "$({ROOT / "scripts" / "ensure-pulumi"} --env)" && '
        'command -v pulumi && echo "$PULUMI_PYTHON_CMD" && echo "$PATH"'
    )
    env = {**os.environ, "VENV": str(Path(sys.prefix))}
    proc = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, check=True
    )
    pulumi_path, python_cmd, path = proc.stdout.split()
    assert Path(pulumi_path) == engine.bin_dir / "pulumi"
    assert python_cmd == str(Path(sys.prefix) / "bin" / "python")
    assert str(Path(sys.prefix) / "bin") not in path.split(os.pathsep)


def test_make_demo_runs_the_quickstart_through_the_cli() -> None:
    """The README's first command, minus the venv step the test run already did."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The CLI's own `pulumi up` output for the root project.
    assert "seats-quickstart-demo" in proc.stdout and "+ 2 created" in proc.stdout
    holders_section = proc.stdout.split("read back from the emulator")[1].split("===")[0]
    seated = [line.strip() for line in holders_section.splitlines() if line.strip()]
    assert len(seated) == 3  # the quickstart seats three of the emulator's five users
    assert "seat holders of incident_response after destroy: []" in proc.stdout
    assert "- 2 deleted" in proc.stdout
    assert "warning" not in proc.stdout.lower()
