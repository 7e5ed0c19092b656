"""Validation of a SeatAssignment's inputs: normalise what is right, say what is wrong.

Runs in ``check``, before any API call, also during preview (values for which
``is_unknown`` holds pass through untouched). Every message names the property, shows
values and gives examples as the user's program writes them (a
:class:`~.spelling.Spelling`), shows a value only when that is safe (never a key-shaped
value, never a UUID of a secret ``user_uuids``), and says how to fix it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .declaration import EXCLUSIVE, PRODUCT_CODE, USER_UUIDS
from .redaction import NIL_UUID, holds_key_shaped, looks_like_key, parse_user_uuid, user_uuid_set
from .rendering import described, show
from .spelling import PYTHON, Spelling


@dataclass
class CheckOutcome:
    """Normalised inputs, and the ``(property, reason)`` of each failure."""

    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Properties whose value must not be printed beside a failure (the engine prints the
    #: value of the property a failure names): secret, or holding a key-shaped value.
    unprintable: set[str] = field(default_factory=set)
    #: Who the ``pulumi up`` that follows unassigns, in words the front end prints as a
    #: warning (see :mod:`.forecast`); None when nobody.
    warning: str | None = None

    def reported(self) -> list[tuple[str, str]]:
        """The failures as the engine may print them: a failure about a property whose
        value must not be printed names no property ("": its reason names it)."""
        return [("" if p in self.unprintable else p, reason) for p, reason in self.failures]


_HEX_OR_HYPHENS = re.compile(r"[0-9a-fA-F-]+")
#: Datadog product codes: lower snake case, e.g. incident_response, on_call.
_PRODUCT_CODE = re.compile(r"[a-z][a-z0-9_]*")
_EXAMPLE_UUID = "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c"
#: At most this many offending entries are listed in one message.
_SHOWN_ENTRIES = 10


#: Tells a value not known yet (preview) from a known one; each front end has its own.
IsUnknown = Callable[[Any], bool]


def never_unknown(_value: Any) -> bool:
    """The test of unknowns where every value is known (create, update, scripts)."""
    return False


def known_users(users: Any, is_unknown: IsUnknown = never_unknown) -> frozenset[str] | None:
    """The canonical UUIDs of checked ``users`` when the whole list is known, else None."""
    if is_unknown(users) or not isinstance(users, list) or any(is_unknown(u) for u in users):
        return None
    return frozenset(user_uuid_set(users))


def check_inputs(
    product_code: Any,
    user_uuids: Any,
    is_unknown: IsUnknown = never_unknown,
    *,
    exclusive: Any = False,
    secret: bool = False,
    spelling: Spelling = PYTHON,
) -> CheckOutcome:
    """Validate and normalise the inputs, leaving values for which ``is_unknown`` holds untouched.

    ``product_code`` must be a Datadog product code (:func:`product_code_problem`);
    ``user_uuids`` a non-empty list of user UUIDs (the one reading of a UUID is
    :func:`~.redaction.parse_user_uuid`; the nil UUID is no user), returned in canonical
    lower-case form, sorted, with duplicates removed. Unknown elements (during preview)
    are kept in place. ``exclusive`` must be a bool; missing (None) means False. With
    ``secret`` (``user_uuids`` is a secret), no message shows a value of ``user_uuids``.
    No message ever shows a value shaped like a key.
    """
    failures: list[tuple[str, str]] = []
    inputs = {
        PRODUCT_CODE: _check_product_code(product_code, is_unknown, failures, spelling),
        USER_UUIDS: _check_user_uuids(user_uuids, is_unknown, failures, secret, spelling),
        EXCLUSIVE: _check_exclusive(exclusive, is_unknown, failures, spelling),
    }
    unprintable = {USER_UUIDS} if secret else set()
    for prop, value in ((PRODUCT_CODE, product_code), (USER_UUIDS, user_uuids)):
        if holds_key_shaped(value):
            unprintable.add(prop)
    return CheckOutcome(inputs, failures, unprintable)


def _check_product_code(
    product_code: Any, is_unknown: IsUnknown, failures: list[tuple[str, str]], spelling: Spelling
) -> Any:
    if is_unknown(product_code):
        return product_code
    reason = product_code_problem(product_code, spelling)
    if reason:
        failures.append((PRODUCT_CODE, reason))
        return product_code
    return str(product_code).strip()


def product_code_problem(product_code: Any, spelling: Spelling = PYTHON) -> str:
    """Why ``product_code`` is not a Datadog product code (lower snake case, such as
    ``incident_response``), or "" if it is one (surrounding blanks are fine)."""
    name = spelling[PRODUCT_CODE]
    examples = f"such as {spelling.text('incident_response')} or {spelling.text('on_call')}"
    if product_code is None:
        return f"{name} is required: the Datadog product whose seats are assigned, {examples}"
    if not isinstance(product_code, str):
        return f"{name} must be a string {examples}, got {described(product_code, spelling)}"
    code = product_code.strip()
    if not code:
        return (
            f"{name} must not be empty (got {show(product_code, spelling)}): name the "
            f"Datadog product whose seats are assigned, {examples}"
        )
    if looks_like_key(code):
        return (
            f"{name} holds 32 or 40 hexadecimal digits, the shape of a Datadog API or "
            f"application key (so it is not shown here): set {name} to a product "
            f"{examples}, and keep keys in `pulumi config set --secret {spelling.api_key}`"
        )
    if _PRODUCT_CODE.fullmatch(code):
        return ""
    guess = re.sub(r"[\s\-.]+", "_", code.lower()).strip("_")
    hint = f"; did you mean {spelling.text(guess)}?" if _PRODUCT_CODE.fullmatch(guess) else ""
    return (
        f"{name} must be a Datadog product code: lower-case letters, digits and "
        f"underscores, starting with a letter, {examples}; got {show(product_code, spelling)}"
        f"{hint}"
    )


def _check_user_uuids(
    user_uuids: Any,
    is_unknown: IsUnknown,
    failures: list[tuple[str, str]],
    secret: bool,
    spelling: Spelling,
) -> Any:
    if is_unknown(user_uuids):
        return user_uuids
    if not isinstance(user_uuids, (list, tuple)) or not user_uuids:
        failures.append((USER_UUIDS, _not_a_list(user_uuids, secret, spelling)))
        return user_uuids
    known: set[str] = set()
    pending: list[Any] = []
    invalid: list[tuple[int, Any]] = []
    for position, value in enumerate(user_uuids, start=1):
        if is_unknown(value):
            pending.append(value)
            continue
        canonical = parse_user_uuid(value)
        if canonical is None or canonical == NIL_UUID:
            invalid.append((position, value))
        else:
            known.add(canonical)
    if invalid:
        failures.append((USER_UUIDS, _not_uuids(invalid, secret, spelling)))
    return sorted(known) + pending


def _not_a_list(user_uuids: Any, secret: bool, spelling: Spelling) -> str:
    """The message for a ``user_uuids`` that is not a non-empty list."""
    name = spelling[USER_UUIDS]
    if user_uuids is None:
        return (
            f"{name} is required: a non-empty list of Datadog user UUIDs, for example "
            f"{spelling.ids_example()} of {spelling.user_resource} resources"
        )
    if isinstance(user_uuids, (list, tuple)):
        return (
            f"{name} must be a non-empty list of Datadog user UUIDs, got "
            f"{show(list(user_uuids), spelling)}; to give back every seat, delete the resource "
            "instead"
        )
    got = f"a value (not shown: {name} is secret)" if secret else described(user_uuids, spelling)
    if isinstance(user_uuids, str):
        item = spelling.text("...") if secret else show(user_uuids, spelling)
        fix = f"put it in a list: {spelling.one_item_list.format(item)}"
    elif isinstance(user_uuids, dict):
        alice = spelling.user_id.format("alice")
        fix = (
            f"pass the UUIDs themselves, e.g. {spelling.one_item_list.format(alice)} for a "
            f"{spelling.user_resource} alice"
        )
    else:
        fix = f"for example {spelling.one_item_list.format(spelling.text(_EXAMPLE_UUID))}"
    return f"{name} must be a list of Datadog user UUIDs, got {got}; {fix}"


def _not_uuids(invalid: Sequence[tuple[int, Any]], secret: bool, spelling: Spelling) -> str:
    """The message for entries of ``user_uuids`` that are not user UUIDs."""
    name = spelling[USER_UUIDS]
    head = (
        f"{name} must hold Datadog user UUIDs (8-4-4-4-12 hexadecimal digits, like "
        f"{spelling.text(_EXAMPLE_UUID)}); not UUIDs: "
    )
    if secret:
        positions = ", ".join(str(p) for p, _ in invalid[:_SHOWN_ENTRIES])
        more = _more(len(invalid))
        return (
            f"{head}the entr{'y' if len(invalid) == 1 else 'ies'} at position {positions}{more} "
            f"(counting from 1; values not shown because {name} is secret)"
        )
    shown = ", ".join(_entry(value, spelling) for _, value in invalid[:_SHOWN_ENTRIES])
    return f"{head}{shown}{_more(len(invalid))}"


def _more(count: int) -> str:
    return f" and {count - _SHOWN_ENTRIES} more" if count > _SHOWN_ENTRIES else ""


def _entry(value: Any, spelling: Spelling) -> str:
    """One entry of ``user_uuids`` that is no user UUID, and why when the value alone is unclear."""
    if not isinstance(value, str):
        if isinstance(value, dict):
            return (
                f"{show(value, spelling)} (an object: pass the user's id string, e.g. "
                f"{spelling.user_id.format('alice')})"
            )
        return described(value, spelling, kind_after=True)
    text = value.strip()
    if not text:
        return f"{show(value, spelling)} (empty)"
    if looks_like_key(text):
        return (
            f"an entry of {len(text)} hexadecimal digits without hyphens, the shape of a Datadog "
            "API or application key (not shown; a user UUID has hyphens: 8-4-4-4-12)"
        )
    if parse_user_uuid(value) == NIL_UUID:
        return f"{show(value, spelling)} (the nil UUID, which no user has)"
    try:
        canonical = str(uuid.UUID(text))
    except ValueError:
        if _HEX_OR_HYPHENS.fullmatch(text):
            return f"{show(value, spelling)} ({len(text)} characters; a UUID has 36: 8-4-4-4-12)"
        return show(value, spelling)
    return f"{show(value, spelling)} (did you mean {spelling.text(canonical)}?)"


def _check_exclusive(
    exclusive: Any, is_unknown: IsUnknown, failures: list[tuple[str, str]], spelling: Spelling
) -> Any:
    if is_unknown(exclusive):
        return exclusive
    if exclusive is None:
        return False
    if not isinstance(exclusive, bool):
        hint = ""
        if isinstance(exclusive, str):
            hint = (
                f" (a string is not a boolean: pass {spelling.true} or {spelling.false}; from "
                f"stack config, read it with {spelling.bool_from_config})"
            )
        failures.append(
            (
                EXCLUSIVE,
                f"{spelling[EXCLUSIVE]} must be {spelling.true} or {spelling.false}, got "
                f"{described(exclusive, spelling)}{hint}; {spelling.true} makes this "
                f"resource's {spelling[USER_UUIDS]} the complete set of holders of the product",
            )
        )
    return exclusive
