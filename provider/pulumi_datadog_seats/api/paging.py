"""The two ways the API pages a listing: by cursor, and by page number.

:func:`iter_cursor_pages` follows ``meta.next_cursor`` (seat holders);
:func:`iter_numbered_pages` counts ``page[number]`` from 0 (users, team memberships).
A listing is used whole or not at all: one that pages in a circle, or past
:data:`MAX_PAGES` pages or :data:`MAX_ENTRIES` entries, ends in an
``UnexpectedAnswerError``, so nothing is concluded from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .advice import ApiAdvice
from .answers import Answer
from .transport import Transport

#: A listing ends in an error past this many pages (a million holders at 100 a page) ...
MAX_PAGES = 10_000
#: ... or this many entries, whatever the page size: more than any organization has users.
MAX_ENTRIES = 1_000_000


@dataclass(frozen=True)
class Page:
    """One page of a listing: its number (from 1), its body and ``data``, and its answer
    (whose checks the API area uses on the entries)."""

    number: int
    body: dict[str, Any]
    data: list[Any]
    answer: Answer


def iter_cursor_pages(
    transport: Transport,
    path: str,
    params: Mapping[str, str],
    *,
    advice: ApiAdvice,
) -> Iterator[Page]:
    """Every page of a cursor listing, following ``meta.next_cursor``.

    ``params`` are sent with every page, ``page[cursor]`` added from the second on. A
    page without meta or with an empty or null ``next_cursor`` is the last. A cursor
    seen before (the listing goes in a circle), a listing past :data:`MAX_PAGES` pages
    or :data:`MAX_ENTRIES` entries, and a page of the wrong shape raise an
    ``UnexpectedAnswerError``: a listing is used whole or not at all.
    """
    cursor = ""
    followed: dict[str, int] = {}  # each cursor followed -> the page that gave it
    entries = 0
    number = 0
    while True:
        number += 1
        query = dict(params)
        if cursor:
            query["page[cursor]"] = cursor
        answer = transport.request_answer("GET", path, params=query, advice=advice)
        body, data = answer.page()
        meta = answer.optional_object(body.get("meta"), "meta")
        next_cursor = answer.optional_string(meta.get("next_cursor"), "meta.next_cursor") or ""
        entries += len(data)
        if entries > MAX_ENTRIES:
            raise answer.unexpected(_too_long(number, entries, advice))
        yield Page(number, body, data, answer)
        if not next_cursor:
            return
        if next_cursor in followed:
            raise answer.unexpected(
                f"on page {number:,} with a meta.next_cursor that page "
                f"{followed[next_cursor]:,} already gave: the listing goes in a circle and "
                "would never end"
            )
        if number >= MAX_PAGES:
            raise answer.unexpected(_too_long(number, entries, advice))
        followed[next_cursor] = number
        cursor = next_cursor


def iter_numbered_pages(
    transport: Transport,
    path: str,
    params: Mapping[str, str],
    *,
    page_size: int,
    advice: ApiAdvice,
    is_last: Callable[[Any, int, int], bool] | None = None,
) -> Iterator[Page]:
    """Every page of a page-number listing: ``page[size]``, ``page[number]`` from 0.

    A page with fewer than ``page_size`` entries in ``data`` is the last, and so is any
    page for which ``is_last(body, number, entries_so_far)`` says so (each API area
    reads its own totals). A page identical to the one before (a server that ignores
    ``page[number]``), a listing past :data:`MAX_PAGES` pages or :data:`MAX_ENTRIES`
    entries, and a page of the wrong shape raise an ``UnexpectedAnswerError``.
    """
    number = 0
    entries = 0
    previous: Any = None
    while True:
        query = {**params, "page[size]": str(page_size), "page[number]": str(number)}
        answer = transport.request_answer("GET", path, params=query, advice=advice)
        body, data = answer.page()
        if data and data == previous:
            raise answer.unexpected(
                f"on page {number + 1:,} (page[number]={number}) with the same entries as "
                "the page before: the server ignores page[number], so the listing cannot "
                "be read to its end"
            )
        entries += len(data)
        if entries > MAX_ENTRIES:
            raise answer.unexpected(_too_long(number + 1, entries, advice))
        yield Page(number + 1, body, data, answer)
        if len(data) < page_size or (is_last is not None and is_last(body, number, entries)):
            return
        if number + 1 >= MAX_PAGES:
            raise answer.unexpected(_too_long(number + 1, entries, advice))
        previous = data
        number += 1


def _too_long(pages: int, entries: int, advice: ApiAdvice) -> str:
    return (
        f"on page {pages:,} ({entries:,} entries so far) with yet more to read: no listing "
        f"of the {advice.api_name} is read past {MAX_PAGES:,} pages or {MAX_ENTRIES:,} "
        "entries, more than any organization has"
    )
