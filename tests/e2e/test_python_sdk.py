"""Python programs on the generated SDK (pulumi_datadog_seats_sdk), through the real CLI,
the Python language host and the provider plugin.

examples/python-sdk runs as users run it from a clone: its virtualenv is what its README's
`pip install -r requirements.txt` makes (tests/toolchains.py caches it outside the clone),
and the engine finds the plugin through `plugins.providers` in its Pulumi.yaml (that
virtualenv's bin), not on PATH. Then a program outside the repository is made by the very
commands of sdk/python/README.md, in a new virtualenv, from the SDK's wheel. Assertions
read the emulator's holders and request log.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..toolchains import PYTHON_SDK_EXAMPLE, ROOT, python_sdk_venv, python_sdk_wheel
from .harness import EmulatorProcess, Engine, copy_project, stack_in
from .plugin_fixtures import (
    FROM_PATH,
    destroy_readme_stack,
    holders,
    readme_env,
    run_readme_commands,
)
from .sdk_programs import lifecycle_with_a_faulty_api

pytestmark = pytest.mark.e2e

SDK_README = ROOT / "sdk" / "python" / "README.md"
IR = "incident_response"


@pytest.fixture
def python_sdk_example(tmp_path: Path) -> Path:
    """A copy of examples/python-sdk whose `venv` is the one its README's commands make."""
    project = copy_project(PYTHON_SDK_EXAMPLE, tmp_path)
    (project / "venv").symlink_to(python_sdk_venv(), target_is_directory=True)
    return project


def test_python_sdk_example_lifecycle_with_a_faulty_api(
    engine: Engine, emulator: EmulatorProcess, users: list[str], python_sdk_example: Path
) -> None:
    with stack_in(engine, python_sdk_example) as stack:
        first_up = lifecycle_with_a_faulty_api(
            stack, emulator, users, assigned="assigned_ids", also_from="also_from"
        )
        # The plugin came from Pulumi.yaml (the virtualenv's bin is not on PATH).
        assert FROM_PATH not in first_up.text


def stand_in_clone(where: Path) -> Path:
    """What the README's commands need of a clone: scripts/build-python-sdk with the SDK's
    sources, and what `pip install` of the clone builds pulumi-datadog-seats from."""
    clone = where / "clone"
    (clone / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "build-python-sdk", clone / "scripts")
    for name in ("LICENSE", "README.md", "pyproject.toml"):
        shutil.copy2(ROOT / name, clone)
    built = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT / "provider", clone / "provider", ignore=built)
    shutil.copytree(ROOT / "sdk" / "python", clone / "sdk" / "python", ignore=built)
    return clone


def test_a_program_outside_the_repository_runs_with_the_readmes_commands(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    """The README's commands, run by bash as they are written, with HOME in a temporary
    directory: a new project, a new virtualenv with the SDK's wheel and the clone's
    pulumi-datadog-seats, `pulumi up`. pip keeps its own cache; the wheel build keeps its."""
    clone = stand_in_clone(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = readme_env(engine, emulator, home, users[3])
    proc = run_readme_commands(SDK_README, clone, env)
    printed = proc.stdout + proc.stderr
    assert proc.returncode == 0, printed
    assert holders(emulator, IR) == [users[3]]
    assert users[3] in printed and "assigned_ids" in printed
    assert FROM_PATH not in printed  # the plugin came from Pulumi.yaml's plugins.providers
    assert emulator.api_key not in printed and emulator.app_key not in printed

    # The build left the wheel (the cached build's, byte for byte) in the clone's dist/;
    # the project's virtualenv has the SDK as a wheel install and the plugin beside it.
    (wheel,) = (clone / "dist").glob("*.whl")
    assert wheel.read_bytes() == python_sdk_wheel().read_bytes()
    project = home / "seats-py"
    venv = project / "venv"
    (site,) = venv.glob("lib/python*/site-packages")
    assert (site / "pulumi_datadog_seats_sdk" / "pulumi-plugin.json").is_file()
    assert (site / "pulumi_datadog_seats" / "resource.py").is_file()  # not a link to the clone
    assert (venv / "bin" / "pulumi-resource-datadog-seats").is_file()

    destroy_readme_stack(engine, project, env)
    assert holders(emulator, IR) == []
