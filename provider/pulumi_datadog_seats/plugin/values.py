"""Between the plugin protocol's ``PropertyValue`` and the plain values the seat logic takes.

Facts of ``pulumi.provider.experimental`` (3.259) this module exists for:

- An unknown value (preview, a UUID from a resource not created yet) does not
  arrive as ``PropertyValue.Computed``: ``PropertyValue.unmarshal`` turns the
  wire sentinel into a plain *string*, ``pulumi.runtime.rpc.UNKNOWN``. That
  sentinel is itself a well-formed UUID, so the seat logic would happily
  "assign" it: every value is tested for both forms before anything else.
- ``PropertyValue.marshal`` cannot send a ``Computed`` back (it raises
  "Unsupported value type"), so unknowns go back as the sentinel string.
- Secrets arrive wrapped (we accept secrets); a secret anywhere inside a
  property makes the whole property secret on the way back.
- ``PropertyValue.__hash__`` raises (it hashes a list): never put one in a set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_SENTINEL


class _Unknown:
    """The plain stand-in of a value not known yet (one instance: :data:`UNKNOWN`)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


#: A value not known yet, in the plain form the seat logic sees.
UNKNOWN: Final = _Unknown()


def is_unknown(value: Any) -> bool:
    """True for an unknown in any form: plain marker, ``Computed`` or the wire sentinel."""
    if isinstance(value, PropertyValue):
        return isinstance(value.value, Computed) or value.value == UNKNOWN_SENTINEL
    return value is UNKNOWN or isinstance(value, Computed) or value == UNKNOWN_SENTINEL


def plain(value: PropertyValue | None) -> Any:
    """The Python value inside ``value``, secrets unwrapped, unknowns as :data:`UNKNOWN`.

    Numbers stay floats (the protocol has no integers); a missing value is None.
    """
    if value is None:
        return None
    if is_unknown(value):
        return UNKNOWN
    inner = value.value
    if isinstance(inner, str):
        return inner
    if isinstance(inner, Mapping):
        return {key: plain(item) for key, item in inner.items()}
    if isinstance(inner, Sequence):
        return [plain(item) for item in inner if isinstance(item, PropertyValue)]
    return inner


def plain_map(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """:func:`plain` of every property."""
    return {key: plain(value) for key, value in props.items()}


def wrap(value: Any, secret: bool = False) -> PropertyValue:
    """A ``PropertyValue`` of a plain value; :data:`UNKNOWN` becomes the wire sentinel.

    ``int`` becomes ``float`` (the protocol's only number); ``secret`` marks the outermost value.
    """
    if value is UNKNOWN or isinstance(value, Computed):
        result = PropertyValue(UNKNOWN_SENTINEL)
    elif isinstance(value, PropertyValue):
        result = value
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        result = PropertyValue(value)
    elif isinstance(value, (int, float)):
        result = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        result = PropertyValue({str(k): wrap(v) for k, v in value.items()})
    elif isinstance(value, Sequence):
        result = PropertyValue([wrap(v) for v in value])
    else:
        raise TypeError(f"cannot send a {type(value).__name__} to the engine")
    return result.with_secret(True) if secret and not result.is_secret else result


def is_secret(value: PropertyValue | None) -> bool:
    """True if ``value`` is, or contains, a secret."""
    return value is not None and value.contains_secret()
