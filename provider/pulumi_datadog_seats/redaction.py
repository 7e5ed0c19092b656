"""What a message, a log record or a state may show: one place for every redaction rule.

- :func:`parse_user_uuid` is the one reading of a user UUID, used for declarations, API
  answers and import IDs alike. It accepts the 8-4-4-4-12 form only: 32 hexadecimal
  digits without hyphens are exactly what a Datadog API key looks like
  (:func:`looks_like_key`), and such a value is never echoed.
- :func:`scrub_keys` replaces configured keys in any text; :func:`scrub_logs_of` makes
  the loggers of requests, urllib3 and this package do the same to every record (a
  hostile server may echo a key into a retry reason).
- :func:`hide_user_uuids` hides the users of a secret declaration in a message (the
  engine prints errors and warnings as they are).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

_HEX = "[0-9a-fA-F]"
#: The one spelling of a UUID Datadog uses: 8-4-4-4-12 hexadecimal digits (any case here).
_CANONICAL_UUID = re.compile(rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}")
#: What a Datadog API key (32) or application key (40) looks like: such a value is never echoed.
_KEY_SHAPED = re.compile(rf"{_HEX}{{32}}|{_HEX}{{40}}")
#: A user UUID anywhere in a message.
_UUID_IN_TEXT = re.compile(rf"{_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}}")
#: The nil UUID: well-formed, but no user's.
NIL_UUID = "00000000-0000-0000-0000-000000000000"
#: What replaces a key in a message or log record.
MASK = "***"


def parse_user_uuid(value: Any) -> str | None:
    """The lower-case canonical form of a UUID string, or None if it is not one.

    Accepted: the canonical 8-4-4-4-12 form in any case, optionally in braces
    (``{...}``) or as a URN (``urn:uuid:...``), with surrounding whitespace.
    Refused: every other spelling :class:`uuid.UUID` would take (no hyphens,
    hyphens elsewhere, ``uuid:`` or ``urn:`` alone): 32 hexadecimal digits are
    also exactly what a Datadog API key looks like.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[:9].lower() == "urn:uuid:":
        text = text[9:]
    elif text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if not _CANONICAL_UUID.fullmatch(text):
        return None
    return text.lower()


def user_uuid_set(values: Iterable[Any]) -> set[str]:
    """The canonical UUIDs among ``values``; anything that is not a UUID is dropped."""
    return {u for u in (parse_user_uuid(v) for v in values) if u is not None}


def looks_like_key(value: Any) -> bool:
    """Whether ``value`` has the shape of a Datadog API or application key (never shown)."""
    return isinstance(value, str) and bool(_KEY_SHAPED.fullmatch(value.strip()))


def holds_key_shaped(value: Any) -> bool:
    """Whether ``value``, or anything inside it (lists, dicts), looks like a key."""
    if isinstance(value, (list, tuple)):
        return any(holds_key_shaped(v) for v in value)
    if isinstance(value, dict):
        return any(holds_key_shaped(v) for v in value.values())
    return looks_like_key(value)


def scrub_keys(text: str, keys: Iterable[str]) -> str:
    """``text`` with each of ``keys`` replaced by ``***``; empty keys are ignored.

    Longest first: a key that starts with another must not leave its tail behind.
    """
    for key in sorted(filter(None, keys), key=len, reverse=True):
        text = text.replace(key, MASK)
    return text


def hide_user_uuids(message: str, secret: bool, name: str = "user_uuids") -> str:
    """``message`` with every user UUID replaced by ``[secret]`` when ``secret``.

    For messages about a secret ``user_uuids`` (``name``: the property as the user writes
    it): the engine prints errors and warnings as they are, so the declared UUIDs (and
    the other holders named beside them) must not show there.
    """
    if not secret:
        return message
    hidden = _UUID_IN_TEXT.sub("[secret]", message)
    return f"{hidden} (user UUIDs are shown as [secret] because {name} is a secret)"


class _KeyScrubber(logging.Filter):
    """Replaces the keys of every client built in this process in log records.

    Keys are added, never removed: a process has few.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._keys: tuple[str, ...] = ()

    def add(self, *keys: str) -> None:
        with self._lock:
            self._keys = tuple({*self._keys, *(k for k in keys if k)})

    def filter(self, record: logging.LogRecord) -> bool:
        keys = self._keys
        if not keys:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's to report, not ours
            return True
        scrubbed = scrub_keys(message, keys)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_keys(record.exc_text, keys)
        if record.stack_info:
            record.stack_info = scrub_keys(record.stack_info, keys)
        return True


_LOG_SCRUBBER = _KeyScrubber()
#: The loggers whose records may carry what a server sent: the HTTP libraries and ours.
_SCRUBBED_ROOTS = ("requests", "urllib3", "pulumi_datadog_seats")


def scrub_logs_of(*keys: str) -> None:
    """Scrub ``keys`` from the records of requests, urllib3 and this package (each module)."""
    _LOG_SCRUBBER.add(*keys)
    known = list(logging.root.manager.loggerDict)
    names = {n for n in known if n.split(".")[0] in _SCRUBBED_ROOTS}
    for name in {*_SCRUBBED_ROOTS, *names}:
        logger = logging.getLogger(name)
        if _LOG_SCRUBBER not in logger.filters:
            logger.addFilter(_LOG_SCRUBBER)
