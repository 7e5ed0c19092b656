"""The docs as tests read them: the message table of docs/errors.md, and the claims of the
guides with the tests that check them.

A row of the table in docs/errors.md ("Bad inputs") is an input and the message it gets,
abridged with "...": :func:`assert_prints_doc_row` checks that what the CLI printed holds
every piece of the row's message. tests/unit/test_docs.py fails when a row has no test that
does so (a row of tests/bad_inputs.py naming it, or a call of that function naming it).

A claim of a guide carries the test that checks it, in an HTML comment after it (hidden on
the rendered page): ``<!-- tested: tests/e2e/test_budget.py::test_name -->``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ERRORS_PAGE = ROOT / "docs" / "errors.md"
#: An HTML comment naming the test that checks the claim before it.
TESTED = re.compile(r"<!--\s*tested:\s*(\S+?)::(\w+)\s*-->")


def fenced_blocks(page: Path, language: str) -> list[str]:
    """The code of every fenced block of ``language`` in a page, in order, unindented."""
    blocks = re.findall(rf"^( *)```{language}\n(.*?)^\1```$", page.read_text(), re.M | re.S)
    return [
        "".join(line[len(indent) :] + "\n" for line in code.splitlines()) for indent, code in blocks
    ]


def errors_table() -> dict[str, str]:
    """The table of docs/errors.md: each input cell, and its message cell."""
    text = ERRORS_PAGE.read_text()
    section = text[text.index("## Bad inputs") :]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith(("| input", "| ---")):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 2, f"docs/errors.md: a row of two cells expected: {line}"
        rows[cells[0]] = cells[1]
    return rows


def message_pieces(message: str) -> list[str]:
    """The parts of an abridged message that are quoted as they are (between the "...")."""
    return [piece.strip() for piece in message.split("...") if piece.strip()]


def prints_doc_row(input_cell: str, printed: str) -> bool:
    """Whether ``printed`` (what the CLI printed) says what the row of docs/errors.md for
    ``input_cell`` says: every piece of its message, in order."""
    at = 0
    for piece in message_pieces(errors_table()[input_cell]):
        found = printed.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def assert_prints_doc_row(input_cell: str, printed: str) -> None:
    """:func:`prints_doc_row`, or fail naming the row and the pieces."""
    pieces = message_pieces(errors_table()[input_cell])
    assert prints_doc_row(input_cell, printed), (
        f"docs/errors.md, row {input_cell}: the CLI did not print {pieces}, in that order: "
        f"{printed!r}"
    )
