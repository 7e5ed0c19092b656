"""Credentials: clear errors when missing or wrong, never a fallback, never a leak."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import CANARY_API_KEY, CANARY_APP_KEY, connect, declare
from .harness import PROJECTS, EmulatorProcess, Engine, Stack, copy_project, stack_in

IR = "incident_response"
STRANGER = "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"


def test_missing_keys_is_a_clear_error_and_calls_nothing(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    with stack_in(engine, seats_project) as stack:
        stack.config({"datadog:apiUrl": emulator.url})
        declare(stack, IR, users[0:1])
        result = stack.up(check=False)
        assert result.returncode != 0
        assert "datadog:apiKey" in result.text and "DD_API_KEY" in result.text
        assert emulator.admin.requests() == []


def test_wrong_keys_say_what_to_check_without_showing_them(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    wrong_api_key, wrong_app_key = "wrong-api-key-canary", "wrong-app-key-canary"
    with stack_in(engine, seats_project) as stack:
        stack.config({"datadog:apiUrl": emulator.url})
        stack.config({"datadog:apiKey": wrong_api_key, "datadog:appKey": wrong_app_key}, True)
        declare(stack, IR, users[0:1])
        result = stack.up(check=False)
        assert result.returncode != 0
        # The first request is the listing: a 403 names the permissions that read it.
        assert "403" in result.text and "billing_read" in result.text
        assert wrong_api_key not in result.text and wrong_app_key not in result.text
        assert emulator.admin.holders(IR) == []


def resources_holding(export: str, *needles: str) -> list[str]:
    """The URNs of the resources in a `pulumi stack export` whose JSON contains a needle."""
    deployment = json.loads(export)["deployment"]
    return [
        r["urn"]
        for r in deployment["resources"]
        if any(needle in json.dumps(r) for needle in needles)
    ]


def exercise(stack: Stack, users: list[str], *logging: str) -> str:
    """An up with retries, a failing up, a refresh; returns what the failing up printed."""
    declare(stack, IR, users[0:2])
    stack.up(*logging)
    declare(stack, IR, [*users[0:2], STRANGER])
    failure = stack.up(*logging, check=False)
    assert failure.returncode != 0 and STRANGER in failure.text
    stack.refresh(*logging)
    return failure.text


#: The engine's most verbose logs, which include the provider process's own output.
VERBOSE = ("-v=9", "--logtostderr", "--logflow", "--debug")


def test_keys_from_stack_config_stay_secret(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    emulator.admin.add_fault(kind="status", status=503, every=3)
    keys = (CANARY_API_KEY, CANARY_APP_KEY)
    with stack_in(engine, seats_project) as stack:
        connect(stack, emulator)
        # Default verbosity: at -v=9 the engine itself logs the plaintext of secret config
        # values it passes to a provider's Configure (an engine behaviour, docs/known-limits.md).
        exercise(stack, users, "--debug")
        stack_file = (seats_project / f"Pulumi.{stack.name}.yaml").read_text()
        encrypted = stack.export()
        for text in (stack_file, encrypted, *stack.output):
            assert not any(key in text for key in keys)
        decrypted = stack.export(show_secrets=True)
        assert users[0] in decrypted  # the export is real...
        # ...and decrypted, the keys show only where the engine records every provider's
        # configuration: the inputs of the default pulumi-python provider, as secrets.
        # No SeatAssignment (inputs, outputs, pickled __provider) holds them.
        assert resources_holding(decrypted, *keys) == [
            f"urn:pulumi:{stack.name}::seats-e2e::pulumi:providers:pulumi-python::default"
        ]


def test_keys_from_the_environment_never_reach_the_state(
    engine: Engine, emulator: EmulatorProcess, users: list[str], seats_project: Path
) -> None:
    emulator.admin.add_fault(kind="status", status=503, every=3)
    env = {"DD_API_KEY": CANARY_API_KEY, "DD_APP_KEY": CANARY_APP_KEY}
    with stack_in(engine, seats_project, extra_env=env) as stack:
        stack.config({"datadog:apiUrl": emulator.url, "datadog-seats:backoffSeconds": "0.05"})
        exercise(stack, users, *VERBOSE)
        decrypted = stack.export(show_secrets=True)
        assert users[0] in decrypted  # the export is real
        for text in stack.output:  # every line printed, the decrypted export included
            assert CANARY_API_KEY not in text and CANARY_APP_KEY not in text


def test_uuids_from_another_resource_unknown_at_preview(
    engine: Engine, emulator: EmulatorProcess, users: list[str], tmp_path: Path
) -> None:
    emails = [u["email"] for u in emulator.admin.state()["users"][0:3]]
    project = copy_project(PROJECTS / "directory_users", tmp_path)
    with stack_in(engine, project) as stack:
        connect(stack, emulator)
        stack.config({"adminUrl": emulator.url, "emails": emails, "productCode": IR})
        assert stack.preview().changes == {"create": 5}
        assert emulator.admin.requests() == []
        stack.up()
        assert sorted(emulator.admin.holders(IR)) == sorted(users[0:3])
        assert stack.outputs()["assigned_ids"] == sorted(users[0:3])
