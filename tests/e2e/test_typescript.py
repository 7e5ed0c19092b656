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
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ..toolchains import (
    CACHE,
    ROOT,
    install_node_modules,
    nodejs_sdk_build,
    nodejs_sdk_tarball,
)
from .harness import EmulatorProcess, Engine, Stack, stack_in
from .plugin_fixtures import (
    FROM_PATH,
    connect_plugin,
    env_with_plugin_on_path,
    holders,
    set_config,
    shown_users,
)

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "typescript"
SDK_README = ROOT / "sdk" / "nodejs" / "README.md"
IR, ON_CALL = "incident_response", "on_call"


def writes(emulator: EmulatorProcess) -> set[tuple[str, tuple[str, ...]]]:
    """The successful assigns and unassigns: (method, users)."""
    return {
        (r["method"], tuple(sorted(r["body"]["data"]["attributes"]["user_uuids"])))
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    }


def assert_no_key_shown(stack: Stack, emulator: EmulatorProcess) -> None:
    """Neither key in anything the stack's commands printed, nor in its exported state."""
    printed = "".join(stack.output) + stack.export()
    assert emulator.api_key not in printed and emulator.app_key not in printed


def resource_diff(preview: str) -> str:
    """What `pulumi preview --diff` prints of the resources, without the stack's outputs
    (alsoFrom lists on_call holders whose seat does not change)."""
    return preview.split("--outputs:--")[0]


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
    outsider = users[20]  # holds a seat outside Pulumi: never touched
    emulator.admin.set_holders(IR, [outsider])
    emulator.admin.set_holders(ON_CALL, users[5:7])  # on_call seats handed out in Datadog
    with stack_in(engine, typescript_example, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator, batchSize=1)
        set_config(stack, userUuids=users[0:2])

        # up: the named users and today's on_call holders get a seat.
        up = stack.up()
        assert up.changes.get("create") == 2  # the stack and the SeatAssignment
        assert FROM_PATH in up.text
        declared = sorted([*users[0:2], *users[5:7]])
        assert holders(emulator, IR) == sorted([*declared, outsider])
        outputs = stack.outputs()
        assert outputs["assignedIds"] == declared
        assert outputs["alsoFrom"] == sorted(users[5:7])
        stack.preview("--expect-no-changes")

        # A named user swapped in config, an on_call holder changed in Datadog: the preview
        # names exactly the four users whose seat changes.
        set_config(stack, userUuids=[users[0], users[2]])
        emulator.admin.set_holders(ON_CALL, [users[5], users[7]])
        preview = stack.preview("--diff")
        assert preview.changes.get("update") == 1
        changed = {users[1], users[2], users[6], users[7]}
        assert shown_users(resource_diff(preview.stdout), users[0:8]) == changed

        # That update, with every third API request answered 503: retried, same result.
        emulator.admin.add_fault(kind="status", status=503, every=3)
        emulator.admin.clear_requests()
        stack.up()
        faults = emulator.admin.faults()
        assert faults and all(fault["fired"] > 0 for fault in faults)
        emulator.admin.clear_faults()
        declared = sorted([users[0], users[2], users[5], users[7]])
        assert holders(emulator, IR) == sorted([*declared, outsider])
        assert writes(emulator) == {
            ("DELETE", (users[1],)),
            ("DELETE", (users[6],)),
            ("POST", (users[2],)),
            ("POST", (users[7],)),
        }

        # A seat taken away outside Pulumi: refresh records it, the preview names the
        # user, up gives the seat back.
        emulator.admin.set_holders(IR, [u for u in [*declared, outsider] if u != users[0]])
        stack.refresh()
        assert_no_key_shown(stack, emulator)
        assert users[0] not in stack.resource_outputs("responders")["assignedIds"]
        stack.output.clear()  # that export showed the secrets on purpose
        preview = stack.preview("--diff")
        assert shown_users(resource_diff(preview.stdout), users[0:8]) == {users[0]}
        stack.up()
        assert holders(emulator, IR) == sorted([*declared, outsider])

        # destroy gives back the declared seats only; on_call was only read.
        stack.destroy()
        assert holders(emulator, IR) == [outsider]
        assert holders(emulator, ON_CALL) == [users[5], users[7]]
        assert_no_key_shown(stack, emulator)


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


def readme_commands() -> str:
    """The shell block of sdk/nodejs/README.md between its outside-the-repo markers."""
    text = SDK_README.read_text()
    found = re.search(
        r"<!-- outside-the-repo:begin -->\n```sh\n(.*?)```\n<!-- outside-the-repo:end -->",
        text,
        re.DOTALL,
    )
    assert found, "sdk/nodejs/README.md has no outside-the-repo block"
    return found[1]


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
        **engine.env(),
        **env_with_plugin_on_path(engine),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(CACHE.parent),
        "npm_config_cache": os.environ.get("npm_config_cache", str(Path.home() / ".npm")),  # noqa: SIM112
        "npm_config_userconfig": str(Path.home() / ".npmrc"),
        # What npm's cache has is not asked of the registry again (the README's commands
        # stay as they are; only the test runs them in a hurry).
        "npm_config_prefer_offline": "true",
        "USER_UUID": users[3],
        "DD_API_KEY": emulator.api_key,
        "DD_APP_KEY": emulator.app_key,
        "DD_HOST": emulator.url,  # the emulator stands in for the organization's site
    }
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_commands()],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
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

    destroy = subprocess.run(
        [str(engine.bin_dir / "pulumi"), "destroy", "--yes", "--stack", "dev"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert holders(emulator, IR) == []
