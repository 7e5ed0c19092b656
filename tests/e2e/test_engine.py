"""First proof: the engine, the program host and the dynamic-provider plugin work together."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pulumi
import pulumi.dynamic
import pytest

from .harness import ROOT, Engine, ensure_engine, stack_run


def counter_program(value: str, log_file: Path):
    """A program with one minimal dynamic resource whose provider appends to ``log_file``."""

    def program() -> None:
        # Defined inside the function, so dill pickles the class by value into the state
        # and the provider process needs nothing from this test module.
        class CounterProvider(pulumi.dynamic.ResourceProvider):
            def create(self, props):
                with open(props["log"], "a") as fh:
                    fh.write(f"create {props['value']}\n")
                return pulumi.dynamic.CreateResult("counter-1", props)

            def delete(self, _id, props):
                with open(props["log"], "a") as fh:
                    fh.write(f"delete {props['value']}\n")

        class Counter(pulumi.dynamic.Resource):
            value: pulumi.Output[str]

            def __init__(self, name: str, value: str) -> None:
                super().__init__(CounterProvider(), name, {"value": value, "log": str(log_file)})

        counter = Counter("counter", value)
        pulumi.export("value", counter.value)

    return program


def test_up_preview_destroy_through_the_real_engine(engine: Engine, project_dir: Path) -> None:
    log_file = project_dir / "provider.log"
    with stack_run(engine, project_dir, counter_program("seven", log_file)) as run:
        up = run.up()
        assert up.outputs["value"].value == "seven"
        assert up.summary.resource_changes == {"create": 2}
        # The provider ran in the engine's plugin process, not in this test process.
        assert log_file.read_text() == "create seven\n"

        run.preview(expect_no_changes=True)

        # The engine is the same version as the Python SDK, as ensure-pulumi promises.
        assert run.cli("version").stdout.strip() == f"v{version('pulumi')}"

        run.destroy()
        assert log_file.read_text() == "create seven\ndelete seven\n"


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
    assert "Go is not installed" in proc.stderr and version("pulumi") in proc.stderr


def test_ensure_pulumi_is_quick_and_exact_when_warm(engine: Engine) -> None:
    # The session fixture already ran it; a second run must reuse the same directory.
    again = ensure_engine()
    assert again == engine.bin_dir
    for name in ("pulumi", "pulumi-language-python-exec", "pulumi-resource-pulumi-python"):
        assert (again / name).is_file()
    printed = subprocess.run(
        [str(again / "pulumi"), "version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert printed == f"v{version('pulumi')}"


def test_make_demo_runs_the_quickstart() -> None:
    """The README's first command, minus the venv step the test run already did."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    holders_section = proc.stdout.split("read back from the emulator")[1].split("===")[0]
    seated = [line.strip() for line in holders_section.splitlines() if line.strip()]
    assert len(seated) == 3  # the quickstart seats three of the emulator's five users
    assert "seat holders of incident_response after destroy: []" in proc.stdout
