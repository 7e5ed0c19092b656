"""Bad inputs and bad configuration fail `pulumi preview`, clearly, before any API call.

Each row is one bad value: a SeatAssignment input written raw (any JSON shape) into
tests/e2e/projects/raw_inputs, whose program passes it straight to SeatAssignment, or a
provider setting (stack config or environment). `pulumi preview` must fail with a message
that names the property or config key and says what is wrong with the value (a key-shaped
value or a password is never shown), and the emulator must see no request at all.

Rows share a preview only where each failure stays attributed: the engine stops at the
first resource whose check fails, but reports every property of it, each on its own line
(`property user_uuids value {...} has a problem: user_uuids ...`); bad entries of one list
are each named in its message; configure() reports every configuration problem, one per
line, each naming its key. So a preview holds at most one row per property, and one per
config key (the API URL sources count as one). One stack per module and worker serves
every preview.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from .conftest import CANARY_API_KEY, CANARY_APP_KEY, connect
from .harness import PROJECTS, EmulatorProcess, Engine, Result, Stack, copy_project

U = "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c"
OTHER = "0b7d3a52-6f21-4c4e-9a8e-2f0d1c3b4a59"
GOOD = "9c1e5f3a-2b4d-4e6f-8a0b-1c2d3e4f5a6b"  # the valid entry beside the bad ones
API_KEY_SHAPED = "0123456789abcdef0123456789abcdef"
APP_KEY_SHAPED = "fedcba9876543210fedcba9876543210fedcba98"
VALID = {"product_code": "incident_response", "user_uuids": [U], "exclusive": False}


@dataclass(frozen=True)
class InputRow:
    """One bad SeatAssignment input: the property, its raw value, what the message says."""

    prop: str
    value: Any
    says: str
    #: Text that must never be printed (a key-shaped value).
    hidden: str | None = None

    @property
    def label(self) -> str:
        return f"{self.prop}={json.dumps(self.value, ensure_ascii=False)}"


@dataclass(frozen=True)
class EntriesRow:
    """One bad entry of user_uuids: rows of entries share one list (each entry is named)."""

    entry: Any
    says: str
    hidden: str | None = None


def bad(prop: str, value: Any, says: str, hidden: str | None = None) -> InputRow:
    return InputRow(prop, value, says, hidden)


PRODUCT_CODE_ROWS = [
    bad("product_code", "", "product_code must not be empty (got '')"),
    bad("product_code", "   ", "product_code must not be empty (got '   ')"),
    bad(
        "product_code",
        42,
        "product_code must be a string such as 'incident_response' or 'on_call', got the number 42",
    ),
    bad("product_code", ["on_call"], "got the list ['on_call']"),
    bad(
        "product_code",
        "Incident Response",
        "got 'Incident Response'; did you mean 'incident_response'?",
    ),
    bad(
        "product_code",
        "incident_réponse",
        "lower-case letters, digits and underscores, starting with a letter",
    ),
    bad(
        "product_code",
        API_KEY_SHAPED,
        "the shape of a Datadog API or application key (so it is not shown here)",
        hidden=API_KEY_SHAPED,
    ),
]

ENTRIES_PRINTABLE = [
    EntriesRow(1, "1 (a number)"),
    EntriesRow(None, "None"),  # as a Python program writes it
    EntriesRow([U], f"['{U}'] (a list)"),
    EntriesRow({"id": OTHER}, f"{{'id': '{OTHER}'}} (an object: pass the user's id string"),
    EntriesRow(True, "True (a boolean)"),
    EntriesRow("", "'' (empty)"),
    EntriesRow("   ", "'   ' (empty)"),
    EntriesRow(U[:-1], f"'{U[:-1]}' (35 characters; a UUID has 36: 8-4-4-4-12)"),
    EntriesRow(U + "ff", f"'{U}ff'"),
    EntriesRow("00000000-0000-0000-0000-000000000000", "(the nil UUID, which no user has)"),
]
ENTRIES_MORE = [
    EntriesRow("3f2a6b1c0d4e-4f5a-9b8c-7d6e-5f4a3b2c", f"(did you mean '{U}'?)"),
    EntriesRow("urn:uuid:{" + U + "}", "'urn:uuid:{" + U + "}'"),
    EntriesRow("bob", "'bob'"),
    *[EntriesRow(f"filler-{i}", f"'filler-{i}'") for i in range(7)],
    EntriesRow("filler-7", " and 2 more"),  # more than ten bad entries: the rest counted
    EntriesRow("filler-8", " and 2 more"),
]
ENTRIES_KEY_SHAPED = [
    EntriesRow(
        API_KEY_SHAPED,
        "an entry of 32 hexadecimal digits without hyphens, the shape "
        "of a Datadog API or application key (not shown",
        hidden=API_KEY_SHAPED,
    ),
    EntriesRow(APP_KEY_SHAPED, "an entry of 40 hexadecimal digits", hidden=APP_KEY_SHAPED),
]

USER_UUIDS_ROWS = [
    bad(
        "user_uuids",
        [],
        "user_uuids must be a non-empty list of Datadog user UUIDs, got []; "
        "to give back every seat, delete the resource instead",
    ),
    bad(
        "user_uuids",
        U,
        f"user_uuids must be a list of Datadog user UUIDs, got the string "
        f"'{U}'; put it in a list: ['{U}']",
    ),
    bad("user_uuids", {"id": U}, f"got the object {{'id': '{U}'}}; pass the UUIDs themselves"),
    bad("user_uuids", 7, "user_uuids must be a list of Datadog user UUIDs, got the number 7"),
]
#: Lists of bad entries, each a row per entry.
ENTRY_LISTS = {
    "entries": ENTRIES_PRINTABLE,
    "more-entries": ENTRIES_MORE,
    "key-shaped-entries": ENTRIES_KEY_SHAPED,
}

EXCLUSIVE_ROWS = [
    bad(
        "exclusive",
        "yes",
        "exclusive must be True or False, got the string 'yes' (a string "
        "is not a boolean: pass True or False",
    ),
    bad("exclusive", "true", "got the string 'true' (a string is not a boolean"),
    bad("exclusive", 1, "exclusive must be True or False, got the number 1;"),
    bad("exclusive", [], "exclusive must be True or False, got the list [];"),
    bad("exclusive", {"on": True}, "got the object {'on': True};"),
]


def _entry_list_rows() -> list[InputRow]:
    rows = []
    for entries in ENTRY_LISTS.values():
        hidden = [e.hidden for e in entries if e.hidden]
        rows.append(
            InputRow(
                "user_uuids",
                [GOOD, *[e.entry for e in entries]],
                "user_uuids must hold Datadog user UUIDs (8-4-4-4-12 hexadecimal digits, like "
                "'3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c'); not UUIDs: ",
                hidden=hidden[0] if hidden else None,
            )
        )
    return rows


def input_groups() -> list[list[InputRow]]:
    """The previews: the i-th of each property's rows together (at most one per property)."""
    columns = [PRODUCT_CODE_ROWS, [*USER_UUIDS_ROWS, *_entry_list_rows()], EXCLUSIVE_ROWS]
    depth = max(len(c) for c in columns)
    return [[c[i] for c in columns if i < len(c)] for i in range(depth)]


def group_id(group: list[InputRow]) -> str:
    return " ".join(row.label[:40] for row in group)


# -- the stack: one per module and worker ------------------------------------------------------


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


@dataclass(frozen=True)
class ConfigRow:
    """One bad provider setting: a stack config key (or an environment variable) and value.

    ``value`` None removes the key. Rows of one ``slot`` cannot share a preview.
    """

    key: str
    value: str | None
    says: str
    env: bool = False
    secret: bool = False
    hidden: str | None = None
    slot: str = ""

    @property
    def label(self) -> str:
        return f"{self.key}={'(unset)' if self.value is None else repr(self.value)}"


URL = "url"  # datadog:apiUrl, DD_HOST and DD_SITE are one setting

CONFIG_ROWS = [
    ConfigRow(
        "datadog:apiUrl",
        "http://api.datadoghq.com",
        "datadog:apiUrl='http://api.datadoghq"
        ".com' uses plain http to a host that is not this machine",
        slot=URL,
    ),
    ConfigRow(
        "datadog:apiUrl",
        "not a url",
        "datadog:apiUrl='not a url': 'not a url' is not a valid host name or IP address",
        slot=URL,
    ),
    ConfigRow(
        "datadog:apiUrl",
        "https://me:hunter2@api.datadoghq.com",
        "datadog:apiUrl holds a user name or password",
        hidden="hunter2",
        slot=URL,
    ),
    ConfigRow(
        "DD_SITE",
        "datadoghq.fr",
        "DD_SITE='datadoghq.fr' is not a Datadog site",
        env=True,
        slot=URL,
    ),
    ConfigRow(
        "datadog:apiKey",
        None,
        "No Datadog API key is configured. Set it with `pulumi "
        "config set --secret datadog:apiKey <value>`",
    ),
    ConfigRow(
        "datadog:apiKey",
        "key with spaces",
        "The Datadog API key in datadog:apiKey (or DD_API_KEY / DATADOG_API_KEY) contains spaces",
        secret=True,
        hidden="key with spaces",
    ),
    ConfigRow("datadog:appKey", None, "No Datadog application key is configured"),
    ConfigRow(
        "datadog-seats:batchSize",
        "ten",
        "datadog-seats:batchSize='ten' must be an integer from 1 to 1000",
    ),
    ConfigRow("datadog-seats:batchSize", "0", "datadog-seats:batchSize='0' must be an integer"),
    ConfigRow("datadog-seats:batchSize", "2.5", "datadog-seats:batchSize='2.5' must be an integer"),
    ConfigRow(
        "datadog-seats:pageSize",
        "-1",
        "datadog-seats:pageSize='-1' must be an integer from 1 to 1000",
    ),
    ConfigRow(
        "datadog-seats:pageSize",
        "100000",
        "datadog-seats:pageSize='100000' must be an integer from 1 to 1000",
    ),
    ConfigRow(
        "datadog-seats:maxRetries",
        "many",
        "datadog-seats:maxRetries='many' must be an integer from 0 to 100",
    ),
    ConfigRow(
        "datadog-seats:retryBudgetSeconds",
        "nan",
        "datadog-seats:retryBudgetSeconds='nan' must be a number from 0 to 3600",
    ),
    ConfigRow("datadog-seats:retryBudgetSeconds", "-5", "datadog-seats:retryBudgetSeconds='-5'"),
    ConfigRow(
        "datadog-seats:backoffSeconds",
        "-0.5",
        "datadog-seats:backoffSeconds='-0.5' must be a number from 0 to 60",
    ),
    ConfigRow(
        "datadog-seats:timeoutSeconds",
        "0",
        "datadog-seats:timeoutSeconds='0' must be a number from 0.1 to 600",
    ),
    ConfigRow(
        "datadog-seats:timeoutSeconds",
        "30000",
        "must be a number from 0.1 to 600 (in seconds, not milliseconds)",
    ),
    ConfigRow(
        "datadog-seats:batchsize",
        "5",
        "datadog-seats:batchsize is not a setting of "
        "pulumi-datadog-seats; did you mean datadog-seats:batchSize?",
    ),
]


def config_groups() -> list[list[ConfigRow]]:
    """Rows packed into as few previews as possible, one row per setting in each."""
    groups: list[list[ConfigRow]] = []
    for row in CONFIG_ROWS:
        slot = row.slot or row.key
        for group in groups:
            if all((other.slot or other.key) != slot for other in group):
                group.append(row)
                break
        else:
            groups.append([row])
    return groups


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
        assert any(row.key in line and row.says in line for line in lines), (row, lines)
        if row.hidden:
            assert row.hidden not in result.text
    if len(group) > 1:
        assert f"The Datadog configuration has {len(group)} problems:" in result.text


# -- the table of docs/errors.md ----------------------------------------------------------


def test_there_are_at_least_thirty_kinds_of_bad_input() -> None:
    kinds = list(table_rows())
    assert len(kinds) >= 30
    assert len({given for given, _ in kinds}) == len(kinds)  # no row twice


def table_rows() -> Iterator[tuple[str, str]]:
    """(input, what the message says) for every row: the table of docs/errors.md abridges these."""
    for row in [*PRODUCT_CODE_ROWS, *USER_UUIDS_ROWS, *EXCLUSIVE_ROWS]:
        yield row.label, row.says
    for entries in ENTRY_LISTS.values():
        for entry in entries:
            if not str(entry.entry).startswith("filler-"):  # padding, not a kind of its own
                yield f"user_uuids entry {json.dumps(entry.entry)}", entry.says
    yield "more than ten bad entries", " and 2 more"
    yield "missing product_code and user_uuids", "missing: product_code, user_uuids."
    for config in CONFIG_ROWS:
        yield config.label, config.says
