"""Secret user_uuids: every output derived from them stays secret, through the real engine.

The program (tests/e2e/projects/secret_seats) reads the UUIDs from secret stack config
with `require_secret_object` (or makes each one a secret). What the engine stores and
prints must then hold none of them in plain text: the state (`pulumi stack export`
without --show-secrets), `pulumi stack output`, `pulumi preview --diff`, `pulumi up`,
and the messages of a failed check or up. Nor may the outsiders that unmanaged_ids
lists. With plain UUIDs nothing changes; a state written without the secrecy inputs
(by 0.1) turns secret at the next `pulumi up`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docs_tables import assert_prints_doc_row

from .conftest import assert_no_key_shown, connect
from .harness import PROJECTS, EmulatorProcess, Engine, Stack, copy_project, stack_in

IR = "incident_response"
STRANGER = "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"
SECRET = "[secret]"


@pytest.fixture
def secret_project(tmp_path: Path) -> Path:
    return copy_project(PROJECTS / "secret_seats", tmp_path)


def declare(stack: Stack, users: list[str], secrecy: str) -> None:
    stack.config({"productCode": IR, "secrecy": secrecy})
    stack.config({"userUuids": users}, secret=secrecy != "plain")


def shown(text: str, uuids: list[str]) -> list[str]:
    """The UUIDs that ``text`` shows in plain text (in any case)."""
    lowered = text.lower()
    return [u for u in uuids if u in lowered]


def plain_outputs(stack: Stack) -> dict[str, object]:
    """`pulumi stack output --json` as a user runs it, without --show-secrets."""
    result = stack.pulumi("stack", "output", "--json", "--stack", stack.name)
    outputs: dict[str, object] = json.loads(result.stdout)
    return outputs


@pytest.mark.parametrize("secrecy", ["whole", "elements"])
def test_outputs_of_secret_user_uuids_stay_secret(
    secrecy: str,
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    secret_project: Path,
) -> None:
    outsider = users[20]
    emulator.admin.set_holders(IR, [outsider])
    everyone = [*users, STRANGER]
    with stack_in(engine, secret_project) as stack:
        connect(stack, emulator)
        declare(stack, users[0:3], secrecy)

        printed = [stack.preview("--diff").text, stack.up().text]
        assert sorted(emulator.admin.holders(IR)) == sorted([*users[0:3], outsider])
        assert shown(stack.export(), everyone) == []
        assert plain_outputs(stack) == {
            "user_uuids": SECRET,
            "assigned_ids": SECRET,
            "unmanaged_ids": SECRET,
        }
        # Decrypted, the outputs are the real ones.
        outputs = stack.outputs()
        assert outputs["assigned_ids"] == sorted(users[0:3])
        assert outputs["unmanaged_ids"] == []  # not exclusive: no other holder recorded

        if secrecy == "elements":  # the rest runs once, for the whole-list secret
            for text in printed:
                assert shown(text, everyone) == []
            assert_no_key_shown(*stack.output, stack.export())
            return

        # An update: its diff, its run and the state it leaves show no UUID either.
        declare(stack, users[0:4], secrecy)
        printed += [stack.preview("--diff").text, stack.up().text]
        assert sorted(emulator.admin.holders(IR)) == sorted([*users[0:4], outsider])
        assert shown(stack.export(), everyone) == []
        assert plain_outputs(stack)["assigned_ids"] == SECRET

        # Failures name no secret: a bad entry at check, an unknown user at up.
        declare(stack, [users[0], "bad-entry-not-a-uuid"], secrecy)
        failed = stack.preview(check=False)
        assert failed.returncode != 0
        assert "position 2" in failed.text and "bad-entry-not-a-uuid" not in failed.text
        assert_prints_doc_row("a bad entry in a secret `user_uuids`", failed.text)
        declare(stack, [users[0], STRANGER], secrecy)
        failed = stack.up(check=False)
        assert failed.returncode != 0 and "[secret]" in failed.text
        assert sorted(emulator.admin.holders(IR)) == sorted([*users[0:4], outsider])
        # A seat taken outside Pulumi: the refresh warns about it without naming anyone.
        emulator.admin.set_holders(IR, [users[0], *users[2:4], outsider])
        refreshed = stack.refresh()
        assert "no longer hold a seat" in refreshed.text and "[secret]" in refreshed.text
        printed += [failed.text, refreshed.text]
        assert shown(stack.export(), everyone) == []

        for text in printed:
            assert shown(text, everyone) == []
        assert_no_key_shown(*stack.output, stack.export())


def test_plain_user_uuids_give_plain_outputs(
    engine: Engine, emulator: EmulatorProcess, users: list[str], secret_project: Path
) -> None:
    with stack_in(engine, secret_project) as stack:
        connect(stack, emulator)
        declare(stack, users[0:2], "plain")
        stack.up()
        assert plain_outputs(stack) == {
            "user_uuids": sorted(users[0:2]),
            "assigned_ids": sorted(users[0:2]),
            "unmanaged_ids": [],
        }
        # No secrecy input appears in the state, and nothing shows as a change.
        (seats,) = [
            r
            for r in json.loads(stack.export())["deployment"]["resources"]
            if r["urn"].endswith("::seats")
        ]
        assert set(seats["inputs"]) == {"__provider", "product_code", "user_uuids", "exclusive"}
        stack.preview("--expect-no-changes")


def test_a_state_written_without_the_secrecy_inputs_turns_secret(
    engine: Engine, emulator: EmulatorProcess, users: list[str], secret_project: Path
) -> None:
    """States of 0.1 keep working: the next `pulumi up` is no change, and encrypts."""
    with stack_in(engine, secret_project) as stack:
        connect(stack, emulator)
        declare(stack, users[0:3], "legacy")
        stack.up()
        # The state as 0.1 wrote it: the outputs derived from the secret in plain text.
        assert shown(stack.export(), users) == sorted(users[0:3], key=users.index)

        declare(stack, users[0:3], "whole")
        stack.preview("--expect-no-changes")
        assert stack.up().changes == {"same": 2}
        assert shown(stack.export(), users) == []
        assert plain_outputs(stack)["assigned_ids"] == SECRET
        assert emulator.admin.holders(IR) == sorted(users[0:3])
