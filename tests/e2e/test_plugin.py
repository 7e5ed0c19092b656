"""The provider plugin (`pulumi-resource-datadog-seats`) through the real CLI, from Pulumi YAML.

Every test runs `pulumi` in a copy of a YAML project: examples/yaml (what users
copy), tests/e2e/projects/plugin-seats (every input from config, plus the
getSeatHolders function), or an empty project that `pulumi import` fills. The
engine finds the plugin on PATH (the virtualenv's bin, as `pip install` leaves
it) or, in one test, only through `plugins.providers[].path` in Pulumi.yaml.
Assertions read the emulator's holders and request log, and the engine's own
output and event log.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pulumi_datadog_seats.plugin import schema as schema_module
from pulumi_datadog_seats.plugin.schema import build_schema

from .harness import EmulatorProcess, Engine, Stack, stack_in
from .plugin_fixtures import (
    FROM_PATH,
    PLUGIN,
    connect_plugin,
    empty_yaml_project,
    env_with_plugin_on_path,
    env_without_plugin_on_path,
    holders,
    merge_generated,
    plugin_bin_dir,
    plugin_project,
    set_config,
    shown_users,
    with_project_plugin,
    yaml_example,
)

__all__ = ["empty_yaml_project", "plugin_project", "yaml_example"]  # fixtures used here

pytestmark = pytest.mark.e2e

IR, ON_CALL = "incident_response", "on_call"
SEATS_TYPE = "datadog-seats:index:SeatAssignment"


def writes(emulator: EmulatorProcess) -> list[tuple[str, str, tuple[str, ...]]]:
    """The successful POSTs and DELETEs, in order: (method, product, users)."""
    return [
        (
            r["method"],
            r["body"]["data"]["attributes"]["product_code"],
            tuple(sorted(r["body"]["data"]["attributes"]["user_uuids"])),
        )
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    ]


def assert_no_key_anywhere(stack: Stack, emulator: EmulatorProcess) -> None:
    """Neither key in any output of any command so far, nor in the exported state."""
    printed = "".join(stack.output)
    exported = stack.export()
    for key in (emulator.api_key, emulator.app_key):
        assert key not in printed
        assert key not in exported


def test_yaml_example_lifecycle_with_the_plugin_on_path(
    engine: Engine, emulator: EmulatorProcess, users: list[str], yaml_example: Path
) -> None:
    outsider = users[20]  # holds a seat outside Pulumi: never touched
    emulator.admin.set_holders(IR, [outsider])
    with stack_in(engine, yaml_example, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, userUuids=users[0:2])

        # up: exactly the declared users get a seat; outputs say so.
        up = stack.up()
        assert up.changes.get("create") == 2  # the stack and the SeatAssignment
        assert FROM_PATH in up.text  # the engine took the plugin from PATH
        assert holders(emulator, IR) == sorted([*users[0:2], outsider])
        outputs = stack.outputs()
        assert outputs["seated"] == sorted(users[0:2])
        assert outputs["holders"] == sorted([*users[0:2], outsider])
        assert outputs["productCode"] == IR

        # Order, case and duplicates are no change.
        set_config(stack, userUuids=[users[1].upper(), users[0], users[1]])
        stack.preview("--expect-no-changes")

        # Add two users and remove one: the preview names each of them.
        set_config(stack, userUuids=[users[0], users[2], users[3]])
        preview = stack.preview("--diff")
        assert preview.changes.get("update") == 1
        assert shown_users(preview.stdout, users[0:4]) == set(users[1:4])
        emulator.admin.clear_requests()
        stack.up()
        assert holders(emulator, IR) == sorted([users[0], users[2], users[3], outsider])
        assert {(m, u) for m, _, u in writes(emulator)} == {
            ("DELETE", (users[1],)),
            ("POST", tuple(sorted(users[2:4]))),
        }

        # A new product code replaces the resource, creating first.
        set_config(stack, productCode=ON_CALL)
        preview = stack.preview("--diff")
        assert preview.changes.get("replace") == 1
        assert "productCode" in preview.stdout
        emulator.admin.clear_requests()
        stack.up()
        declared = sorted([users[0], users[2], users[3]])
        assert holders(emulator, IR) == [outsider]
        assert holders(emulator, ON_CALL) == declared
        assert [(m, p) for m, p, _ in writes(emulator)] == [("POST", ON_CALL), ("DELETE", IR)]
        stack.preview("--expect-no-changes")

        # Seats lost outside Pulumi: refresh notices, the preview names them, up restores.
        emulator.admin.set_holders(ON_CALL, [users[0], users[9]])
        refresh = stack.refresh()
        # The refresh says who lost a seat (the engine prints the plugin's warning).
        warning = next(
            line
            for line in refresh.text.splitlines()
            if "2 declared user(s) no longer hold a seat of 'on_call'" in line
        )
        assert shown_users(warning, declared) == {users[2], users[3]}
        # users[9] is none of this resource's business: not recorded in its state.
        assert users[9] not in stack.export()
        preview = stack.preview("--diff")
        # (Above the stack outputs, where the current holders show too.)
        resources = preview.stdout.split("--outputs:--")[0]
        assert shown_users(resources, declared) == {users[2], users[3]}
        stack.up()
        assert holders(emulator, ON_CALL) == sorted([*declared, users[9]])

        # destroy gives back the declared seats only.
        stack.destroy()
        assert holders(emulator, ON_CALL) == [users[9]]
        assert holders(emulator, IR) == [outsider]
        assert_no_key_anywhere(stack, emulator)


def test_injected_503s_every_fifth_request_change_nothing(
    engine: Engine, emulator: EmulatorProcess, users: list[str], yaml_example: Path
) -> None:
    emulator.admin.add_fault(kind="status", status=503, every=5)
    with stack_in(engine, yaml_example, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator, batchSize=2)
        set_config(stack, userUuids=users[0:5])
        stack.up()
        assert holders(emulator, IR) == sorted(users[0:5])
        set_config(stack, userUuids=users[3:9])
        stack.up()
        assert holders(emulator, IR) == sorted(users[3:9])
        emulator.admin.set_holders(IR, users[4:9])
        stack.refresh()
        stack.up()
        assert holders(emulator, IR) == sorted(users[3:9])
        stack.preview("--expect-no-changes")
        stack.destroy()
        assert holders(emulator, IR) == []
    assert all(fault["fired"] > 0 for fault in emulator.admin.faults())


def test_exclusive_and_get_seat_holders(
    engine: Engine, emulator: EmulatorProcess, users: list[str], plugin_project: Path
) -> None:
    emulator.admin.set_holders(ON_CALL, users[5:7])
    with stack_in(engine, plugin_project, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, userUuids=users[0:2], exclusive=True)
        stack.up()
        # getSeatHolders, read after the exclusive resource: exactly the declared holders.
        outputs = stack.outputs()
        assert outputs["holders"] == sorted(users[0:2])
        assert {h["id"] for h in outputs["holderDetails"]} == set(users[0:2])
        assert all(h["email"].endswith("@example.com") for h in outputs["holderDetails"])
        # exclusive: nobody else keeps a seat.
        assert holders(emulator, ON_CALL) == sorted(users[0:2])
        assert outputs["unmanaged"] == [] and outputs["exclusive"] is True

        # Someone gets a seat outside Pulumi: refresh reports them, preview names them.
        emulator.admin.set_holders(ON_CALL, [*users[0:2], users[8]])
        stack.refresh()
        preview = stack.preview("--diff")
        assert preview.changes.get("update") == 1
        assert users[8] in preview.stdout and "unmanagedIds" in preview.stdout
        stack.up()
        assert holders(emulator, ON_CALL) == sorted(users[0:2])

        # Not exclusive any more: outsiders are left alone.
        set_config(stack, exclusive=False)
        stack.up()
        emulator.admin.set_holders(ON_CALL, [*users[0:2], users[8]])
        stack.refresh()
        stack.preview("--expect-no-changes")
        stack.up()
        assert holders(emulator, ON_CALL) == sorted([*users[0:2], users[8]])


def test_import_every_holder_and_chosen_holders_then_the_generated_program_has_no_diff(
    engine: Engine, emulator: EmulatorProcess, users: list[str], empty_yaml_project: Path
) -> None:
    emulator.admin.set_holders(IR, users[0:3])
    emulator.admin.set_holders(ON_CALL, users[3:7])
    with stack_in(engine, empty_yaml_project, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)

        def pulumi_import(name: str, import_id: str, out: Path, check: bool = True):
            return stack.pulumi(
                "import", SEATS_TYPE, name, import_id, "--stack", stack.name, "--yes",
                "--non-interactive", "--color", "never", "--protect=false", "--out", str(out),
                check=check,
            )  # fmt: skip

        every = empty_yaml_project / "every.yaml"
        chosen = empty_yaml_project / "chosen.yaml"
        assert pulumi_import("responders", IR, every).changes.get("import") == 1
        some = f"{ON_CALL}:{users[4].upper()},{users[3]}"
        assert pulumi_import("oncall", some, chosen).changes.get("import") == 1

        # A user without a seat is named, and nothing is imported.
        missing = empty_yaml_project / "missing.yaml"
        failed = pulumi_import("nobody", f"{ON_CALL}:{users[3]},{users[12]}", missing, check=False)
        assert failed.returncode != 0
        assert users[12] in failed.text and "hold no seat" in failed.text

        # The generated code, run as it is: no change at all, and nothing was written.
        project = merge_generated(empty_yaml_project, every, chosen)
        assert project["resources"]["responders"]["properties"] == {
            "productCode": IR,
            "userUuids": sorted(users[0:3]),
        }
        assert project["resources"]["oncall"]["properties"]["userUuids"] == sorted(users[3:5])
        emulator.admin.clear_requests()
        stack.preview("--expect-no-changes")
        up = stack.up()
        assert set(up.changes) == {"same"}
        assert writes(emulator) == []

        # The imported resources are managed from now on: destroy gives back what they hold.
        stack.destroy()
        assert holders(emulator, IR) == []
        assert holders(emulator, ON_CALL) == sorted(users[5:7])  # never imported
        assert_no_key_anywhere(stack, emulator)


def test_keys_never_show_in_state_output_or_errors(
    engine: Engine, emulator: EmulatorProcess, users: list[str], plugin_project: Path
) -> None:
    with stack_in(engine, plugin_project, env_with_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, userUuids=users[0:1])
        stack.up()
        stack.refresh()
        assert_no_key_anywhere(stack, emulator)
        # The check can fail: with --show-secrets the keys are there.
        revealed = stack.export(show_secrets=True)
        assert emulator.api_key in revealed and emulator.app_key in revealed
        stack.output.clear()  # what --show-secrets printed on purpose

        # A rejected key: the error says what to do and never shows the key.
        wrong = f"wrong-{emulator.app_key}"
        stack.config({"datadog-seats:appKey": wrong}, secret=True)
        failed = stack.up("--refresh", check=False)
        assert failed.returncode != 0
        assert "datadog-seats:appKey" in failed.text or "datadog-seats:apiKey" in failed.text
        assert "Unexpected <class" not in failed.text
        assert wrong not in failed.text

        # A key set without --secret is still stored encrypted in the state.
        stack.config({"datadog-seats:appKey": emulator.app_key})
        stack.up()
        assert emulator.app_key not in stack.export()


def test_the_plugin_is_found_through_project_plugins_path_alone(
    engine: Engine, emulator: EmulatorProcess, users: list[str], yaml_example: Path
) -> None:
    original = (yaml_example / "Pulumi.yaml").read_text()
    with_project_plugin(yaml_example, plugin_bin_dir())
    with stack_in(engine, yaml_example, env_without_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, userUuids=users[0:2])
        up = stack.up()
        assert FROM_PATH not in up.text
        assert holders(emulator, IR) == sorted(users[0:2])

    # The counter-proof: without the plugins entry and off PATH, the engine cannot find it.
    (yaml_example / "Pulumi.yaml").write_text(original)
    with stack_in(engine, yaml_example, env_without_plugin_on_path(engine)) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, userUuids=users[0:2])
        failed = stack.preview(check=False)
        assert failed.returncode != 0
        assert f"no resource plugin '{PLUGIN}' found" in failed.text


def test_pulumi_package_get_schema_binds_the_plugins_schema(engine: Engine) -> None:
    proc = subprocess.run(
        [str(engine.bin_dir / "pulumi"), "package", "get-schema", str(plugin_bin_dir() / PLUGIN)],
        env=engine.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr  # it fails when the schema does not bind
    assert json.loads(proc.stdout) == build_schema()
    # ... and it is the checked-in schema.json, which the SDKs are generated from.
    checked_in = Path(schema_module.__file__).parent / "schema.json"
    assert json.loads(proc.stdout) == json.loads(checked_in.read_text())
