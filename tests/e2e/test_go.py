"""Go programs on the generated SDK, through the real CLI and the Go language host.

examples/go runs as users run it from a clone (its go.mod replaces the SDK module with
../../sdk/go, so the test lays out a copy of both the same way): the engine runs the
program with pulumi-language-go (scripts/ensure-pulumi) and finds the plugin on PATH. It
goes through the same scenario as examples/typescript (tests/e2e/sdk_programs.py).

Then a program outside the repository is made by the very commands of sdk/go/README.md,
as a user without Python makes it: `go get` finds the SDK module in a local module proxy
that serves sdk/go as the release's tag `sdk/go/v<version>`, PATH holds the engine, go
and the system's tools but no Python, PULUMI_HOME is new, and the engine downloads the
plugin's archive from the release server by itself (tests/e2e/releases.py).
Assertions read the emulator's holders and request log.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..toolchains import ROOT, go_env
from .harness import EmulatorProcess, Engine, stack_in
from .plugin_fixtures import FROM_PATH, env_with_plugin_on_path
from .releases import GO_MODULE, VERSION, ReleaseServer, go_module_proxy, go_user_env
from .sdk_programs import lifecycle_with_a_faulty_api, readme_as_a_user_runs_it

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "go"
SDK_README = ROOT / "sdk" / "go" / "README.md"


@pytest.fixture
def go_example(tmp_path: Path) -> Path:
    """A copy of examples/go beside a copy of sdk/go, as in the repository."""
    project = tmp_path / "examples" / "go"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
    shutil.copytree(ROOT / "sdk" / "go", tmp_path / "sdk" / "go")
    return project


def test_go_example_lifecycle_with_a_faulty_api(
    engine: Engine, emulator: EmulatorProcess, users: list[str], go_example: Path
) -> None:
    env = {**env_with_plugin_on_path(engine), **go_env()}
    with stack_in(engine, go_example, env) as stack:
        first_up = lifecycle_with_a_faulty_api(stack, emulator, users)
        assert FROM_PATH in first_up.text  # the engine took the plugin from PATH


def test_a_program_outside_the_repository_runs_with_the_readmes_commands(
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    release_server: ReleaseServer,
    tmp_path: Path,
) -> None:
    """The README's commands as a user without Python runs them: `go get` takes the SDK
    from the module proxy, `pulumi up` the plugin from the release."""
    proxy = go_module_proxy(tmp_path / "goproxy")
    project = readme_as_a_user_runs_it(
        SDK_README, "seats-go", engine, emulator, users, release_server, tmp_path,
        **go_user_env(proxy),
    )  # fmt: skip
    # go get took the module at the release's version, from the proxy (no replace).
    go_mod = (project / "go.mod").read_text()
    assert f"{GO_MODULE} v{VERSION}" in go_mod and "replace" not in go_mod
