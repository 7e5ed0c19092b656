"""TypeScript programs on the generated SDK, through the real CLI and the Node.js host.

examples/typescript runs as users run it from a clone: its node_modules are what `npm ci`
makes of its package-lock.json, with the SDK package built by scripts/build-nodejs-sdk
(tests/toolchains.py caches both outside the clone). The engine runs the program with
pulumi-language-nodejs (scripts/ensure-pulumi) and finds the plugin on PATH.

Then a program outside the repository is made by the very commands of sdk/nodejs/README.md,
as a user without Python makes it: the SDK is the npm tarball of `make dist`, PATH holds
the engine, node and the system's tools but no Python, PULUMI_HOME is new, and the engine
downloads the plugin's archive from the release server by itself (tests/e2e/releases.py).
Assertions read the emulator's holders and request log.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..toolchains import ROOT, install_node_modules, nodejs_sdk_build
from .harness import EmulatorProcess, Engine, stack_in
from .plugin_fixtures import (
    FROM_PATH,
    IR,
    assert_no_key_shown,
    connect_plugin,
    env_with_plugin_on_path,
    holders,
    set_config,
)
from .releases import NPM_TARBALL, ReleaseServer
from .sdk_programs import lifecycle_with_a_faulty_api, readme_as_a_user_runs_it

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "typescript"
SDK_README = ROOT / "sdk" / "nodejs" / "README.md"


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
        first_up = lifecycle_with_a_faulty_api(stack, emulator, users)
        assert FROM_PATH in first_up.text  # the engine took the plugin from PATH


def test_typescript_example_seats_users_given_by_email(
    engine: Engine, emulator: EmulatorProcess, typescript_example: Path
) -> None:
    # lookupUserUuids: exact, case-insensitive, active users only. "al@..." is a substring
    # of "sal@...", which Datadog's free-text filter also returns.
    people = emulator.admin.set_users(
        [
            {"id": "3f2a6b1c-0d4e-4f5a-9b8c-0000000000a1", "email": "al@example.com"},
            {"id": "3f2a6b1c-0d4e-4f5a-9b8c-0000000000a2", "email": "sal@example.com"},
            {"id": "3f2a6b1c-0d4e-4f5a-9b8c-0000000000a3", "email": "Carol@Example.com"},
            {
                "id": "3f2a6b1c-0d4e-4f5a-9b8c-0000000000a4",
                "email": "dave@example.com",
                "status": "Disabled",
            },
        ]
    )
    al, sal, carol, dave = (person["id"] for person in people)
    with stack_in(engine, typescript_example, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, userUuids=[sal], emails=["al@example.com", "CAROL@example.COM"])
        stack.up()
        assert holders(emulator, IR) == sorted([al, sal, carol])
        assert stack.outputs()["byEmailIds"] == [al, carol]

        # A disabled user: the preview and the up fail naming the email, and nothing changes.
        set_config(stack, emails=["al@example.com", "dave@example.com", "nobody@example.com"])
        emulator.admin.clear_requests()
        for command in (stack.preview, stack.up):
            failed = command(check=False)
            assert failed.returncode != 0
            assert "dave@example.com (the user is Disabled, not Active)" in failed.text
            assert "nobody@example.com (no Datadog user has this email)" in failed.text
        assert [r for r in emulator.admin.requests() if r["method"] != "GET"] == []
        assert holders(emulator, IR) == sorted([al, sal, carol])
        assert dave not in holders(emulator, IR)
        assert_no_key_shown(stack, emulator)


def test_a_program_outside_the_repository_runs_with_the_readmes_commands(
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    dist: Path,
    release_server: ReleaseServer,
    tmp_path: Path,
) -> None:
    """The README's commands as a user without Python runs them: npm installs the SDK
    from the npm tarball of `make dist`, `pulumi up` the plugin from the release."""
    project = readme_as_a_user_runs_it(
        SDK_README, "seats-ts", engine, emulator, users, release_server, tmp_path,
        SDK_TARBALL=str(dist / NPM_TARBALL),
        npm_config_cache=os.environ.get("npm_config_cache", str(Path.home() / ".npm")),  # noqa: SIM112
        npm_config_userconfig=str(Path.home() / ".npmrc"),
        # What npm's cache has is not asked of the registry again (the README's commands
        # stay as they are; only the test runs them in a hurry).
        npm_config_prefer_offline="true",
    )  # fmt: skip
    # The project installed the tarball as a copy, beside its own @pulumi/pulumi.
    installed = project / "node_modules" / "@pulumi-datadog-seats" / "datadog-seats"
    assert (installed / "index.js").is_file() and not installed.is_symlink()
    assert not (installed / "node_modules").exists()
