"""How the bench writes its figures: Markdown tables, call counts, progress lines."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any


def fmt_calls(calls: Counter[str]) -> str:
    parts = [f"{m}={calls[m]}" for m in ("GET", "POST", "DELETE") if calls[m]]
    return " ".join(parts) or "none"


def fmt_mb(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "-"


def verdict(met: bool) -> str:
    return "met" if met else "**NOT MET**"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table whose columns line up in a terminal too."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return [line(cells[0]), line(["-" * w for w in widths]), *[line(r) for r in cells[1:]]]


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
