"""What a ``pulumi up`` will take away, said by the preview before it happens.

Every user an up unassigns is named first, in ``pulumi preview`` (with or without
``--diff``) and again in the up's own output: the front ends print :func:`unassign_warning` as a
warning of the resource. An up unassigns seats in four ways, each a field of
:class:`Forecast`:

- users removed from a declaration give their seat back;
- an exclusive declaration takes the seat of every holder it does not declare (when it
  is created, turned on, or updated);
- while the declared users are not known yet (they come from resources not created
  yet), an exclusive declaration may take the seat of any current holder;
- a replacement (a new product code) gives back the old product's seats of its declared
  users, once the new product's are assigned.

Deleting a resource (removing it from the program, ``pulumi destroy``) gives back its
declared users' seats too, but the engine asks no provider about a delete before it
happens; the preview lists those resources as deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from .declaration import EXCLUSIVE, PRODUCT_CODE, USER_UUIDS, declaration_of
from .reconcile import plan
from .redaction import user_uuid_set
from .spelling import Spelling
from .validation import IsUnknown, known_users

#: The holders of a product (the provider process's view of them).
Holders = Callable[[str], AbstractSet[str]]


@dataclass(frozen=True)
class Forecast:
    """Who the next ``pulumi up`` of one SeatAssignment unassigns, and why."""

    product_code: str
    #: Users no longer declared: the up gives back the seat of those who hold one.
    removed: tuple[str, ...] = ()
    #: Holders of the product an exclusive declaration does not declare.
    unmanaged: tuple[str, ...] = ()
    #: The declared users are not known yet: ``unmanaged`` are every current holder
    #: not among the users known so far, any of whom the up may unassign.
    users_pending: bool = False
    #: A replacement: the old product, and its declared users, whose seats of it the
    #: replacement gives back once the new product's seats are assigned.
    replaced_product: str = ""
    replaced: tuple[str, ...] = ()

    @property
    def unassigns_anyone(self) -> bool:
        """Whether the up may take anyone's seat."""
        return bool(self.removed or self.unmanaged or self.replaced)


def forecast_create(news: Mapping[str, Any], is_unknown: IsUnknown, holders: Holders) -> Forecast:
    """Who creating a SeatAssignment of the checked inputs ``news`` unassigns: nobody,
    unless it is exclusive (then its product's holders are read)."""
    product = news.get(PRODUCT_CODE)
    if news.get(EXCLUSIVE) is not True or is_unknown(product) or not isinstance(product, str):
        return Forecast(str(product))
    return _unmanaged(product, news.get(USER_UUIDS), is_unknown, holders)


def forecast_update(
    olds: Mapping[str, Any], news: Mapping[str, Any], is_unknown: IsUnknown, holders: Holders
) -> Forecast | None:
    """Who changing a SeatAssignment from the outputs ``olds`` to the checked inputs
    ``news`` unassigns (None while the product is not known yet). A replacement names
    the old product's users; its create (:func:`forecast_create`) names the rest."""
    product = news.get(PRODUCT_CODE)
    if is_unknown(product) or not isinstance(product, str):
        return None
    old = declaration_of(olds)
    if product != old.product_code:
        return Forecast(product, replaced_product=old.product_code, replaced=tuple(old.users))
    users = news.get(USER_UUIDS)
    if news.get(EXCLUSIVE) is True:
        return _unmanaged(product, users, is_unknown, holders)
    known = known_users(users, is_unknown)
    if known is None:
        return None
    # Every user no longer declared (those of them who hold a seat lose it).
    return Forecast(product, removed=tuple(plan(known, old.users, old.users).to_unassign))


def _unmanaged(product_code: str, users: Any, is_unknown: IsUnknown, holders: Holders) -> Forecast:
    """What an exclusive declaration of ``users`` does to the holders of ``product_code``:
    unassigns every one it does not declare (any of them while ``users`` is unknown)."""
    known = known_users(users, is_unknown)
    declared = known if known is not None else user_uuid_set(_known_items(users, is_unknown))
    steps = plan(declared, frozenset(), holders(product_code), exclusive=True)
    return Forecast(product_code, unmanaged=tuple(steps.to_unassign), users_pending=known is None)


def _known_items(users: Any, is_unknown: IsUnknown) -> list[Any]:
    if is_unknown(users) or not isinstance(users, list):
        return []
    return [u for u in users if not is_unknown(u)]


def unassign_warning(forecast: Forecast, spelling: Spelling) -> str | None:
    """The preview's words for ``forecast`` (None when nobody loses a seat), naming every
    user, with properties as ``spelling`` writes them."""
    if not forecast.unassigns_anyone:
        return None
    code = forecast.product_code
    users = spelling[USER_UUIDS]
    parts: list[str] = []
    if forecast.replaced:
        parts.append(
            f"`pulumi up` replaces this SeatAssignment ({spelling[PRODUCT_CODE]} "
            f"{forecast.replaced_product!r} => {code!r}): it assigns the {code!r} seats "
            f"first, then unassigns the {forecast.replaced_product!r} seat of "
            f"{_named(forecast.replaced)}."
        )
    if forecast.removed:
        parts.append(
            f"`pulumi up` unassigns the {code!r} seat of {_named(forecast.removed)}, "
            f"removed from {users}."
        )
    if forecast.unmanaged and forecast.users_pending:
        parts.append(
            f"{users} is not known yet, and this SeatAssignment is exclusive "
            f"({spelling.exclusive_on}): `pulumi up` unassigns the {code!r} seat of every "
            f"current holder it does not declare, among {_named(forecast.unmanaged)}."
        )
    elif forecast.unmanaged:
        parts.append(
            f"`pulumi up` unassigns the {code!r} seat of {_named(forecast.unmanaged)}, who "
            f"hold one but are not in {users} of this exclusive SeatAssignment "
            f"({spelling.exclusive_on}). To keep their seats, add them to {users} or set "
            f"{spelling.exclusive_off}."
        )
    return " ".join(parts)


def _named(users: Iterable[str]) -> str:
    listed = sorted(users)
    return f"{len(listed)} user(s): {', '.join(listed)}"
