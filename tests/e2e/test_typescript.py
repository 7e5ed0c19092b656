"""TypeScript programs on the generated SDK, through the real CLI and the Node.js host.

examples/typescript runs as users run it from a clone: its node_modules are what `npm ci`
makes of its package-lock.json, with the SDK package built by scripts/build-nodejs-sdk
(tests/toolchains.py caches both outside the clone). The engine runs the program with
pulumi-language-nodejs (scripts/ensure-pulumi) and finds the plugin on PATH. Then a
program outside the repository is made by the very commands of sdk/nodejs/README.md.
Assertions read the emulator's holders and request log.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..toolchains import (
    ROOT,
    install_node_modules,
    nodejs_sdk_build,
    nodejs_sdk_tarball,
)
from .harness import EmulatorProcess, Engine, stack_in
from .plugin_fixtures import (
    FROM_PATH,
    destroy_readme_stack,
    env_with_plugin_on_path,
    holders,
    readme_env,
    run_readme_commands,
    seat_holders_example_lifecycle,
)

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "typescript"
SDK_README = ROOT / "sdk" / "nodejs" / "README.md"
IR = "incident_response"


@pytest.fixture
def typescript_example(tmp_path: Path) -> Path:
    """A copy of examples/typescript with its dependencies installed (the SDK among them)."""
    project = tmp_path / "examples" / "typescript"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "bin"))
    sdk = nodejs_sdk_build() / "package"
    install_node_modules(project, EXAMPLE, {"sdk/nodejs/bin": sdk})
    return project


def test_typescript_example_lifecycle_with_a_faulty_api(
    engine: Engine, emulator: EmulatorProcess, users: list[str], typescript_example: Path
) -> None:
    with stack_in(engine, typescript_example, env_with_plugin_on_path(engine)) as stack:
        first_up = seat_holders_example_lifecycle(
            stack, emulator, users, assigned="assignedIds", also_from="alsoFrom"
        )
        assert FROM_PATH in first_up.text


def stand_in_clone(where: Path) -> Path:
    """What the README's first command needs of a clone (scripts/build-nodejs-sdk, the SDK's
    sources, LICENSE), so that it writes its dist/ and sdk/nodejs/bin there, not here."""
    clone = where / "clone"
    (clone / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "build-nodejs-sdk", clone / "scripts")
    shutil.copy2(ROOT / "LICENSE", clone)
    shutil.copytree(
        ROOT / "sdk" / "nodejs",
        clone / "sdk" / "nodejs",
        ignore=shutil.ignore_patterns("node_modules", "bin"),
    )
    return clone


def test_a_program_outside_the_repository_runs_with_the_readmes_commands(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    """The README's commands, run by bash as they are written, with HOME in a temporary
    directory (npm keeps its own cache and settings; the SDK build keeps its cache)."""
    clone = stand_in_clone(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **readme_env(engine, emulator, home, users[3]),
        **env_with_plugin_on_path(engine),
        "npm_config_cache": os.environ.get("npm_config_cache", str(Path.home() / ".npm")),  # noqa: SIM112
        "npm_config_userconfig": str(Path.home() / ".npmrc"),
        # What npm's cache has is not asked of the registry again (the README's commands
        # stay as they are; only the test runs them in a hurry).
        "npm_config_prefer_offline": "true",
    }
    proc = run_readme_commands(SDK_README, clone, env)
    printed = proc.stdout + proc.stderr
    assert proc.returncode == 0, printed
    assert holders(emulator, IR) == [users[3]]
    assert users[3] in printed and "assignedIds" in printed
    assert emulator.api_key not in printed and emulator.app_key not in printed

    # The build left the tarball (the cached build's, byte for byte) and the package in the
    # clone; the project installed the tarball as a copy, beside its own @pulumi/pulumi.
    (tarball,) = (clone / "dist").glob("*.tgz")
    assert tarball.read_bytes() == nodejs_sdk_tarball(nodejs_sdk_build()).read_bytes()
    assert (clone / "sdk" / "nodejs" / "bin" / "index.js").is_file()
    project = home / "seats-ts"
    installed = project / "node_modules" / "@pulumi-datadog-seats" / "datadog-seats"
    assert (installed / "index.js").is_file() and not installed.is_symlink()
    assert not (installed / "node_modules").exists()

    destroy_readme_stack(engine, project, env)
    assert holders(emulator, IR) == []
