"""What every API area of the emulator shares: the error answer, value checks, page-number paging.

The area modules (`seats`, `users`, `teams`) import from here and never from `state`, which
imports them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

__all__ = [
    "PAGE_SIZE_DEFAULT",
    "PAGE_SIZE_MAX",
    "UUID_RE",
    "ApiError",
    "NumberPage",
    "check_int",
    "describe",
    "format_time",
    "parse_number_page",
]

T = TypeVar("T")

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

PAGE_SIZE_DEFAULT = 10
"""`page[size]` when a page-number endpoint (users, team memberships) is asked for none."""

PAGE_SIZE_MAX = 100
"""The largest `page[size]` Datadog allows on the page-number endpoints; larger is a 400."""


class ApiError(Exception):
    """An answer in the Datadog error shape: `status` with `{"errors": [message]}`."""

    def __init__(self, status: int, message: str) -> None:
        """Build an error answered with `status` and the single message `message`."""
        super().__init__(message)
        self.status = status
        self.message = message


def check_int(name: str, value: object, minimum: int) -> None:
    """Raise ValueError unless `value` is an int (not a bool) of at least `minimum`."""
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def describe(value: object) -> str:
    """A value as it appears in an error message: strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def format_time(moment: datetime) -> str:
    """RFC 3339 with microseconds and a Z, as the Seats API writes `assigned_at`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class NumberPage:
    """One page of a page-number listing: `page[size]` entries, `page[number]` counted from 0."""

    size: int
    number: int

    def slice(self, items: Sequence[T]) -> list[T]:
        """The entries of `items` on this page (empty past the end)."""
        start = self.size * self.number
        return list(items[start : start + self.size])

    def last_number(self, total: int) -> int:
        """The number of the last page of `total` entries (0 when there are none)."""
        return max(0, (total + self.size - 1) // self.size - 1)


def parse_number_page(size: str | None, number: str | None) -> NumberPage:
    """Validate `page[size]` (1..PAGE_SIZE_MAX, default PAGE_SIZE_DEFAULT) and `page[number]`."""
    page_size = PAGE_SIZE_DEFAULT
    if size is not None and size != "":
        if not (size.isascii() and size.isdigit()) or not 1 <= int(size) <= PAGE_SIZE_MAX:
            raise ApiError(400, f"page[size] must be an integer from 1 to {PAGE_SIZE_MAX}: {size}")
        page_size = int(size)
    page_number = 0
    if number is not None and number != "":
        if not (number.isascii() and number.isdigit()):
            raise ApiError(400, f"page[number] must be a non-negative integer: {number}")
        page_number = int(number)
    return NumberPage(page_size, page_number)
