"""How a message shows a value a user gave: as they wrote it, in their language, never a key.

Values reach the core as plain data (the plugin's numbers are floats, its ``null`` is
None); a message shows them the way the user's program writes them: ``None`` or
``null``, ``True`` or ``true``, strings in that language's quotes (a
:class:`~.spelling.Spelling`). A string shaped like a Datadog key is never shown.
"""

from __future__ import annotations

from typing import Any

from .errors import value_kind
from .redaction import looks_like_key
from .spelling import PYTHON, Spelling

#: The longest rendering of a value a message includes.
SHOWN_CHARS = 80


def kind_of(value: object, spelling: Spelling = PYTHON) -> str:
    """What kind of value this is, for messages that must not show it: ``a number``."""
    return value_kind(value, null=spelling.null)


def show(value: Any, spelling: Spelling = PYTHON, budget: int = SHOWN_CHARS) -> str:
    """``value`` as the user wrote it, shortened to ``budget`` characters; keys never shown."""
    text = _render(value, spelling)
    return text if len(text) <= budget else text[: budget - 3] + "..."


def described(value: Any, spelling: Spelling = PYTHON, *, kind_after: bool = False) -> str:
    """``value`` with its kind: ``the number 5`` (or ``5 (a number)``), or the null literal."""
    if value is None:
        return spelling.null
    if kind_after:
        return f"{show(value, spelling)} ({kind_of(value, spelling)})"
    return f"the {kind_of(value, spelling).split(' ', 1)[-1]} {show(value, spelling)}"


def _render(value: Any, spelling: Spelling) -> str:
    if value is None:
        return spelling.null
    if isinstance(value, bool):
        return spelling.true if value else spelling.false
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numbers arrive as floats: 5 was written, not 5.0
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return spelling.text("<key-shaped value, not shown>" if looks_like_key(value) else value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render(v, spelling) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{spelling.text(str(k))}: {_render(v, spelling)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return f"<{type(value).__name__}>"
