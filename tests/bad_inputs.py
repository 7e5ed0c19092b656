"""The bad inputs and bad settings the tests feed the provider, and what each message says.

tests/e2e/test_bad_inputs.py runs every row through `pulumi preview`; the unit tier runs
them through both front ends' checks (tests/unit/test_front_end_messages.py). A row whose
``doc`` names a row of the table in docs/errors.md (its input cell) also checks that the
CLI prints that row's message: tests/unit/test_docs.py fails when a row of the table has
no test that does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
    #: The input cell of the row of docs/errors.md this row checks (its message is printed).
    doc: str | None = None

    @property
    def label(self) -> str:
        return f"{self.prop}={json.dumps(self.value, ensure_ascii=False)}"


@dataclass(frozen=True)
class EntriesRow:
    """One bad entry of user_uuids: rows of entries share one list (each entry is named)."""

    entry: Any
    says: str
    hidden: str | None = None
    doc: str | None = None


def bad(
    prop: str, value: Any, says: str, hidden: str | None = None, doc: str | None = None
) -> InputRow:
    return InputRow(prop, value, says, hidden, doc)


PRODUCT_CODE_ROWS = [
    bad("product_code", "", "product_code must not be empty (got '')", doc='`product_code=""`'),
    bad("product_code", "   ", "product_code must not be empty (got '   ')"),
    bad(
        "product_code",
        42,
        "product_code must be a string such as 'incident_response' or 'on_call', got the number 42",
        doc="`product_code=42`",
    ),
    bad("product_code", ["on_call"], "got the list ['on_call']"),
    bad(
        "product_code",
        "Incident Response",
        "got 'Incident Response'; did you mean 'incident_response'?",
        doc='`product_code="Incident Response"`',
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
    EntriesRow(1, "1 (a number)", doc='an entry `1`, `null`, `true`, `""`, a list, an object'),
    EntriesRow(None, "None"),  # as a Python program writes it
    EntriesRow([U], f"['{U}'] (a list)"),
    EntriesRow({"id": OTHER}, f"{{'id': '{OTHER}'}} (an object: pass the user's id string"),
    EntriesRow(True, "True (a boolean)"),
    EntriesRow("", "'' (empty)"),
    EntriesRow("   ", "'   ' (empty)"),
    EntriesRow(
        U[:-1],
        f"'{U[:-1]}' (35 characters; a UUID has 36: 8-4-4-4-12)",
        doc="an entry too short / too long",
    ),
    EntriesRow(U + "ff", f"'{U}ff'"),
    EntriesRow(
        "00000000-0000-0000-0000-000000000000",
        "(the nil UUID, which no user has)",
        doc="the nil UUID",
    ),
]
ENTRIES_MORE = [
    EntriesRow(
        "3f2a6b1c0d4e-4f5a-9b8c-7d6e-5f4a3b2c",
        f"(did you mean '{U}'?)",
        doc="an entry with misplaced hyphens",
    ),
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
        doc="32 or 40 hex digits (a key's shape)",
    ),
    EntriesRow(APP_KEY_SHAPED, "an entry of 40 hexadecimal digits", hidden=APP_KEY_SHAPED),
]

USER_UUIDS_ROWS = [
    bad(
        "user_uuids",
        [],
        "user_uuids must be a non-empty list of Datadog user UUIDs, got []; "
        "to give back every seat, delete the resource instead",
        doc="`user_uuids=[]`",
    ),
    bad(
        "user_uuids",
        U,
        f"user_uuids must be a list of Datadog user UUIDs, got the string "
        f"'{U}'; put it in a list: ['{U}']",
        doc='`user_uuids="3f2a...3b2c"`',
    ),
    bad(
        "user_uuids",
        {"id": U},
        f"got the object {{'id': '{U}'}}; pass the UUIDs themselves",
        doc='`user_uuids={"id": ...}`',
    ),
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
        doc='`exclusive="yes"` / `"true"` / `1`',
    ),
    bad("exclusive", "true", "got the string 'true' (a string is not a boolean"),
    bad("exclusive", 1, "exclusive must be True or False, got the number 1;"),
    bad("exclusive", [], "exclusive must be True or False, got the list [];"),
    bad("exclusive", {"on": True}, "got the object {'on': True};"),
]


def entry_list_rows() -> list[InputRow]:
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
    columns = [PRODUCT_CODE_ROWS, [*USER_UUIDS_ROWS, *entry_list_rows()], EXCLUSIVE_ROWS]
    depth = max(len(c) for c in columns)
    return [[c[i] for c in columns if i < len(c)] for i in range(depth)]


def group_id(group: list[InputRow]) -> str:
    return " ".join(row.label[:40] for row in group)


# -- configuration -------------------------------------------------------------------------


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
    doc: str | None = None

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
        doc="`datadog:apiUrl=http://api.datadoghq.com`",
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
        doc="`datadog:apiUrl=https://me:pw@...`",
    ),
    ConfigRow(
        "DD_SITE",
        "datadoghq.fr",
        "DD_SITE='datadoghq.fr' is not a Datadog site",
        env=True,
        slot=URL,
        doc="`DD_SITE=datadoghq.fr`",
    ),
    ConfigRow(
        "datadog:apiKey",
        None,
        "No Datadog API key is configured. Set it with `pulumi "
        "config set --secret datadog:apiKey <value>`",
        doc="no `datadog:apiKey`",
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
        doc="`datadog-seats:batchSize=ten` (or `0`, `2.5`)",
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
        doc="`datadog-seats:timeoutSeconds=30000`",
    ),
    ConfigRow(
        "datadog-seats:batchsize",
        "5",
        "datadog-seats:batchsize is not a setting of "
        "pulumi-datadog-seats; did you mean datadog-seats:batchSize?",
        doc="`datadog-seats:batchsize=5`",
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


def documented_rows() -> dict[str, InputRow | EntriesRow | ConfigRow]:
    """The rows that check a row of docs/errors.md, by that row's input cell."""
    rows: list[InputRow | EntriesRow | ConfigRow] = [
        *PRODUCT_CODE_ROWS,
        *USER_UUIDS_ROWS,
        *EXCLUSIVE_ROWS,
        *[entry for entries in ENTRY_LISTS.values() for entry in entries],
        *CONFIG_ROWS,
    ]
    return {row.doc: row for row in rows if row.doc}
