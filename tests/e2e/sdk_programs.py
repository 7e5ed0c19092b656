"""What the TypeScript and Go programs on the generated SDKs are put through, written once.

examples/typescript and examples/go are the same program in two languages; both run the
scenario of `lifecycle_with_a_faulty_api` through the real CLI. Each SDK's README holds a
block of shell commands, from nothing to `pulumi up`, between outside-the-repo markers:
`readme_commands` reads it and `readme_as_a_user_runs_it` runs it with bash, as it is
written, on a machine path without Python, the plugin coming from the release server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .harness import EmulatorProcess, Engine, Result, Stack
from .plugin_fixtures import (
    FROM_PATH,
    IR,
    ON_CALL,
    assert_no_key_shown,
    connect_plugin,
    holders,
    readme_commands,
    resource_diff,
    set_config,
    shown_users,
    writes,
)
from .releases import ARCHIVE, VERSION, ReleaseServer, user_engine


def lifecycle_with_a_faulty_api(
    stack: Stack,
    emulator: EmulatorProcess,
    users: list[str],
    *,
    assigned: str = "assignedIds",
    also_from: str = "alsoFrom",
) -> Result:
    """The example program that seats the users named in config plus today's on_call
    holders (examples/typescript, examples/go, examples/python-sdk: one program in three
    languages, whose outputs ``assigned`` and ``also_from`` follow its language's style),
    on a new stack of a copy of it. Returns the first `up`.

    up; preview --expect-no-changes; a config and an on_call change that preview --diff
    shows user by user; that update with every third API request answered 503; a seat
    removed outside Pulumi that refresh records and up gives back; destroy.
    """
    outsider = users[20]  # holds a seat outside Pulumi: never touched
    emulator.admin.set_holders(IR, [outsider])
    emulator.admin.set_holders(ON_CALL, users[5:7])  # on_call seats handed out in Datadog
    connect_plugin(stack, emulator, batchSize=1)
    set_config(stack, userUuids=users[0:2])

    # up: the named users and today's on_call holders get a seat.
    first_up = stack.up()
    assert first_up.changes.get("create") == 2  # the stack and the SeatAssignment
    declared = sorted([*users[0:2], *users[5:7]])
    assert holders(emulator, IR) == sorted([*declared, outsider])
    outputs = stack.outputs()
    assert outputs[assigned] == declared
    assert outputs[also_from] == sorted(users[5:7])
    (seats,) = [r for r in stack.state()["resources"] if r["urn"].endswith("::responders")]
    assert (seats["type"], seats["id"]) == ("datadog-seats:index:SeatAssignment", IR)
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
    return first_up


def readme_as_a_user_runs_it(
    readme: Path,
    project_name: str,
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    release_server: ReleaseServer,
    tmp_path: Path,
    **env: str,
) -> Path:
    """Run the README's block with bash (-euo pipefail) as it is written, as a user without
    Python (tests/e2e/releases.py: PATH, a new PULUMI_HOME, HOME in ``tmp_path``, plus
    ``env``), declaring users[3]; then a per-user preview and destroy of its stack.

    The engine must download the plugin from the release server once, by itself, and
    never take it from PATH. Returns the project directory, $HOME/``project_name``.
    """
    home = tmp_path / "home"
    home.mkdir()
    user = user_engine(
        engine,
        tmp_path / "user",
        HOME=str(home),
        PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES=release_server.overrides(),
        **env,
    )
    served_before = release_server.downloads().count(ARCHIVE)
    credentials = {
        "DD_API_KEY": emulator.api_key,
        "DD_APP_KEY": emulator.app_key,
        "DD_HOST": emulator.url,  # the emulator stands in for the organization's site
    }
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_commands(readme)],
        cwd=tmp_path,
        env={**user.env(), **credentials, "USER_UUID": users[3]},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    printed = proc.stdout + proc.stderr
    assert proc.returncode == 0, printed
    assert users[3] in printed and "assignedIds" in printed
    assert emulator.api_key not in printed and emulator.app_key not in printed
    assert FROM_PATH not in printed
    assert release_server.downloads().count(ARCHIVE) == served_before + 1
    assert user.installed() == [f"resource-datadog-seats-v{VERSION}"]

    # A user added with `pulumi config set --path` is the one user the preview names;
    # destroy gives every seat back; the plugin is not downloaded again.
    stack = Stack(user, home / project_name, credentials)
    stack.name = "dev"
    assert holders(emulator, IR) == [users[3]]
    stack.pulumi("config", "set", "--path", "userUuids[1]", users[4], "--stack", "dev")
    preview = stack.preview("--diff")
    assert preview.changes.get("update") == 1
    assert shown_users(preview.stdout, users[3:5]) == {users[4]}
    stack.destroy()
    assert holders(emulator, IR) == []
    assert release_server.downloads().count(ARCHIVE) == served_before + 1
    return home / project_name
