"""Credentials: clear errors when missing or wrong, never a fallback, never a leak."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from .conftest import CANARY_API_KEY, CANARY_APP_KEY, connect
from .harness import EmulatorProcess, Engine, StackRun, stack_run
from .programs import Declaration, directory_user_program, seats_program

IR = "incident_response"


def test_missing_keys_is_a_clear_error_and_calls_nothing(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    with stack_run(engine, project_dir, seats_program(Declaration(IR, users[0:1]))) as run:
        run.config({"datadog:apiUrl": emulator.url})
        with pytest.raises(auto.CommandError) as failure:
            run.up()
        message = str(failure.value)
        assert "datadog:apiKey" in message and "DD_API_KEY" in message
        assert emulator.admin.requests() == []


def test_wrong_keys_say_what_to_check_without_showing_them(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    wrong_api_key, wrong_app_key = "wrong-api-key-canary", "wrong-app-key-canary"
    with stack_run(engine, project_dir, seats_program(Declaration(IR, users[0:1]))) as run:
        run.config({"datadog:apiUrl": emulator.url})
        run.config({"datadog:apiKey": wrong_api_key, "datadog:appKey": wrong_app_key}, secret=True)
        with pytest.raises(auto.CommandError) as failure:
            run.up()
        message = str(failure.value)
        assert "403" in message and "billing_edit" in message
        assert wrong_api_key not in message and wrong_app_key not in message
        assert emulator.admin.holders(IR) == []


def resources_holding(export: str, *needles: str) -> list[str]:
    """The URNs of the resources in a `pulumi stack export` whose JSON contains a needle."""
    deployment = json.loads(export)["deployment"]
    return [
        r["urn"]
        for r in deployment["resources"]
        if any(needle in json.dumps(r) for needle in needles)
    ]


def exercise(run: StackRun, declaration: Declaration, users: list[str], **logging: Any) -> str:
    """An up with retries, a failing up, a refresh; returns the failure's message."""
    run.up(**logging)
    declaration.user_uuids = [*users[0:2], "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"]
    with pytest.raises(auto.CommandError) as failure:
        run.up(**logging)
    run.refresh(**logging)
    return str(failure.value)


#: The engine's most verbose logs, which include the provider process's own output.
VERBOSE = {"log_verbosity": 9, "log_to_std_err": True, "debug": True}


def test_keys_from_stack_config_stay_secret(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    emulator.admin.add_fault(kind="status", status=503, every=3)
    declaration = Declaration(IR, users[0:2])
    keys = (CANARY_API_KEY, CANARY_APP_KEY)
    with stack_run(engine, project_dir, seats_program(declaration)) as run:
        connect(run, emulator)
        # Default verbosity: at -v=9 the engine itself logs the plaintext of secret config
        # values it passes to a provider's Configure (an engine behaviour, see README).
        failure = exercise(run, declaration, users, debug=True)
        stack_file = (project_dir / f"Pulumi.{run.stack_name}.yaml").read_text()
        encrypted = run.cli("stack", "export", "--stack", run.stack_name).stdout
        for text in (failure, stack_file, encrypted, *run.output):
            assert not any(key in text for key in keys)
        decrypted = run.cli("stack", "export", "--show-secrets", "--stack", run.stack_name).stdout
        assert users[0] in decrypted  # the export is real...
        # ...and decrypted, the keys show only where the engine records every provider's
        # configuration: the inputs of the default pulumi-python provider, as secrets.
        # No SeatAssignment (inputs, outputs, pickled __provider) holds them.
        assert resources_holding(decrypted, *keys) == [
            f"urn:pulumi:{run.stack_name}::seats-e2e::pulumi:providers:pulumi-python::default"
        ]


def test_keys_from_the_environment_never_reach_the_state(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    emulator.admin.add_fault(kind="status", status=503, every=3)
    declaration = Declaration(IR, users[0:2])
    env = {"DD_API_KEY": CANARY_API_KEY, "DD_APP_KEY": CANARY_APP_KEY}
    with stack_run(engine, project_dir, seats_program(declaration), extra_env=env) as run:
        run.config({"datadog:apiUrl": emulator.url, "datadog-seats:backoffSeconds": "0.05"})
        failure = exercise(run, declaration, users, **VERBOSE)
        decrypted = run.cli("stack", "export", "--show-secrets", "--stack", run.stack_name).stdout
        assert users[0] in decrypted  # the export is real
        for text in (failure, *run.output):  # run.output holds the export too
            assert CANARY_API_KEY not in text and CANARY_APP_KEY not in text


def test_uuids_from_another_resource_unknown_at_preview(
    engine: Engine, emulator: EmulatorProcess, users: list[str], project_dir: Path
) -> None:
    emails = [u["email"] for u in emulator.admin.state()["users"][0:3]]
    program = directory_user_program(emulator.url, emails, IR)
    with stack_run(engine, project_dir, program) as run:
        connect(run, emulator)
        preview = run.preview()
        assert preview.change_summary.get(auto.OpType.CREATE) == 5
        assert emulator.admin.requests() == []
        up = run.up()
        assert sorted(emulator.admin.holders(IR)) == sorted(users[0:3])
        assert up.outputs["assigned_ids"].value == sorted(users[0:3])
