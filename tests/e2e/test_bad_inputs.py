"""Bad inputs and bad configuration fail `pulumi preview`, clearly, before any API call.

Each row of tests/bad_inputs.py is one bad value: a SeatAssignment input written raw (any
JSON shape) into tests/e2e/projects/raw_inputs, whose program passes it straight to
SeatAssignment, or a provider setting (stack config or environment). `pulumi preview` must
fail with a message that names the property or config key and says what is wrong with the
value (a key-shaped value or a password is never shown), and the emulator must see no
request at all. A row that stands for a row of docs/errors.md must print that row's message.

Rows share a preview only where each failure stays attributed: the engine stops at the
first resource whose check fails, but reports every property of it, each on its own line
(`property user_uuids value {...} has a problem: user_uuids ...`); bad entries of one list
are each named in its message; configure() reports every configuration problem, one per
line, each naming its key. So a preview holds at most one row per property, and one per
config key (the API URL sources count as one). One stack per module and worker serves
every preview.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.bad_inputs import (
    ENTRY_LISTS,
    GOOD,
    OTHER,
    URL,
    VALID,
    ConfigRow,
    InputRow,
    U,
    config_groups,
    group_id,
    input_groups,
    table_rows,
)
from tests.docs_tables import assert_prints_doc_row, prints_doc_row

from .conftest import CANARY_API_KEY, CANARY_APP_KEY, connect
from .harness import PROJECTS, EmulatorProcess, Engine, Result, Stack, copy_project


@pytest.fixture(scope="module")
def raw_stack(
    engine: Engine, emulator_process: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    project = copy_project(PROJECTS / "raw_inputs", tmp_path_factory.mktemp("raw"))
    stack = Stack(engine, project).init()
    connect(stack, emulator_process)
    try:
        yield stack
    finally:
        stack.remove()  # a preview creates nothing: there is nothing to destroy


def declare(stack: Stack, rows: dict[str, dict[str, Any]]) -> None:
    stack.config({"rows": rows})


def failing_preview(stack: Stack, emulator: EmulatorProcess, **env: str) -> Result:
    """A `pulumi preview` that must fail without one API request and without showing a key."""
    emulator.admin.clear_requests()
    result = stack.pulumi(
        "preview", "--stack", stack.name, "--non-interactive", "--color", "never",
        check=False, env=env,
    )  # fmt: skip
    assert result.returncode != 0, result.text
    assert result.diagnostics, result.text
    assert emulator.admin.requests() == []
    for key in (CANARY_API_KEY, CANARY_APP_KEY, emulator.api_key, emulator.app_key):
        assert key not in result.text
    return result


# -- inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("group", input_groups(), ids=group_id)
def test_bad_inputs_fail_preview_naming_the_property_and_value(
    group: list[InputRow], raw_stack: Stack, emulator: EmulatorProcess
) -> None:
    inputs = {**VALID, **{row.prop: row.value for row in group}}
    declare(raw_stack, {"r": inputs})
    result = failing_preview(raw_stack, emulator)

    diagnostics = result.diagnostics
    assert len(diagnostics) == len(group), diagnostics  # one failure per bad property
    for row in group:
        (line,) = [d for d in diagnostics if _about(d, row.prop)]
        assert "resource 'r'" in line
        assert row.says in line, line
        if row.doc:
            assert_prints_doc_row(row.doc, line)
        if row.hidden:
            assert row.hidden not in result.text
            assert f"property {row.prop} value" not in line  # the engine would print it
    for entries in ENTRY_LISTS.values():
        if inputs["user_uuids"] == [GOOD, *[e.entry for e in entries]]:
            (line,) = [d for d in diagnostics if _about(d, "user_uuids")]
            reason = line.split("not UUIDs: ", 1)[1]
            assert GOOD not in reason  # the good entry is not listed
            for entry in entries:
                assert entry.says in reason, (entry, reason)
                if entry.doc:
                    assert_prints_doc_row(entry.doc, line)
                if entry.hidden:
                    assert entry.hidden not in result.text


def _about(diagnostic: str, prop: str) -> bool:
    """Whether an engine diagnostic is the failure of ``prop``: the engine names the property
    (`property P value {...} has a problem:`), or (secret or key-shaped values) our reason
    starts with it."""
    return f"property {prop} value" in diagnostic or f"has a problem: {prop} " in diagnostic


def test_missing_inputs_fail_in_the_program_naming_them(
    raw_stack: Stack, emulator: EmulatorProcess
) -> None:
    declare(raw_stack, {"nothing": {"exclusive": True}})
    result = failing_preview(raw_stack, emulator)
    assert (
        "TypeError: SeatAssignment 'nothing' needs product_code and user_uuids (as keywords or "
        "in a SeatAssignmentArgs); missing: product_code, user_uuids." in result.text
    )


#: Inputs that are accepted, each as its canonical form (the decisions the rows above bound).
ACCEPTED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "upper-case": ({"user_uuids": [U.upper()]}, {"user_uuids": [U]}),
    "braces": ({"user_uuids": ["{" + U + "}"]}, {"user_uuids": [U]}),
    "urn": ({"user_uuids": [f"urn:uuid:{U}"]}, {"user_uuids": [U]}),
    "whitespace-around": ({"user_uuids": [f"  {U}\n"]}, {"user_uuids": [U]}),
    "duplicates-only": ({"user_uuids": [U, U.upper(), U]}, {"user_uuids": [U]}),
    "unsorted": ({"user_uuids": [U, OTHER]}, {"user_uuids": sorted([U, OTHER])}),
    "product-code-spaces": ({"product_code": " on_call "}, {"product_code": "on_call"}),
    # Not a product Datadog knows: only the API can tell (pulumi up fails with its 422).
    "unknown-product": ({"product_code": "no_such_product"}, {"product_code": "no_such_product"}),
    "exclusive-null": ({"exclusive": None}, {"exclusive": False}),
    # No upper bound: more users than one request carries are batched.
    "1001-users": (
        {"user_uuids": [f"3f2a6b1c-0d4e-4f5a-9b8c-{i:012x}" for i in range(1001)]},
        {"user_uuids": [f"3f2a6b1c-0d4e-4f5a-9b8c-{i:012x}" for i in range(1001)]},
    ),
}


def test_accepted_spellings_preview_as_their_canonical_form(
    raw_stack: Stack, emulator: EmulatorProcess
) -> None:
    declare(raw_stack, {name: {**VALID, **given} for name, (given, _) in ACCEPTED.items()})
    emulator.admin.clear_requests()
    result = raw_stack.preview()
    assert result.changes == {"create": len(ACCEPTED) + 1}
    assert emulator.admin.requests() == []
    checked = {
        e["resourcePreEvent"]["metadata"]["urn"].rsplit("::", 1)[1]: e["resourcePreEvent"][
            "metadata"
        ]["new"]["inputs"]
        for e in result.events
        if "resourcePreEvent" in e and "SeatAssignment" in e["resourcePreEvent"]["metadata"]["urn"]
    }
    for name, (_, canonical) in ACCEPTED.items():
        for key, value in canonical.items():
            assert checked[name][key] == value, name


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize("group", config_groups(), ids=lambda g: " ".join(r.label[:40] for r in g))
def test_bad_configuration_fails_preview_naming_the_key(
    group: list[ConfigRow], raw_stack: Stack, emulator: EmulatorProcess
) -> None:
    declare(raw_stack, {"r": VALID})
    env = {row.key: row.value for row in group if row.env and row.value is not None}
    touched = [row for row in group if not row.env]
    if any(row.slot == URL and row.env for row in group):
        touched.append(ConfigRow("datadog:apiUrl", None, ""))  # so that DD_SITE is read
    removed = [row.key for row in touched if row.value is None]
    try:
        if removed:
            raw_stack.pulumi("config", "rm-all", *removed, "--stack", raw_stack.name)
        for secret in (False, True):
            values = {r.key: r.value for r in touched if r.value is not None and r.secret == secret}
            if values:
                raw_stack.config(values, secret=secret)
        result = failing_preview(raw_stack, emulator, **env)
    finally:
        keys = [row.key for row in touched]
        raw_stack.pulumi("config", "rm-all", *keys, "--stack", raw_stack.name, check=False)
        connect(raw_stack, emulator)

    lines = [line for d in result.diagnostics for line in d.splitlines()]
    for row in group:
        said = [line for line in lines if row.key in line and row.says in line]
        assert said, (row, lines)
        if row.doc:
            assert any(prints_doc_row(row.doc, line) for line in said), (row.doc, said)
        if row.hidden:
            assert row.hidden not in result.text
    if len(group) > 1:
        assert f"The Datadog configuration has {len(group)} problems:" in result.text


# -- the table of docs/errors.md ----------------------------------------------------------


def test_there_are_at_least_thirty_kinds_of_bad_input() -> None:
    kinds = list(table_rows())
    assert len(kinds) >= 30
    assert len({given for given, _ in kinds}) == len(kinds)  # no row twice
