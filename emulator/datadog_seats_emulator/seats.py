"""Seat holders, and the three Seats API endpoints on `/api/v2/seats/users`.

`GET` lists holders by cursor (`page[limit]`, `page[cursor]`), `POST` assigns and
`DELETE` unassigns. What the public reference leaves open is decided by the switches of
`EmulatorConfig` (see `SeatRules`).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

from .common import UUID_RE, ApiError, describe, format_time
from .users import SeatUser

__all__ = [
    "DEFAULT_PRODUCTS",
    "SEATS_PATH",
    "AssignedIds",
    "OverCapacity",
    "SeatBook",
    "SeatRules",
    "UnassignMissing",
    "UnknownProduct",
    "UnknownUsers",
]

SEATS_PATH = "/api/v2/seats/users"

DEFAULT_PRODUCTS: tuple[str, ...] = ("incident_response", "on_call")
"""Product codes known to the emulator unless configured otherwise."""

AssignedIds = Literal["all", "new"]
UnknownUsers = Literal["skip", "reject"]
UnknownProduct = Literal["reject", "accept"]
OverCapacity = Literal["reject", "partial"]
UnassignMissing = Literal["ok", "reject"]

_CURSOR_PREFIX = "offset:"


class SeatRules(Protocol):
    """The switches the seat endpoints read (`EmulatorConfig` has them all)."""

    known_products: list[str]
    assigned_ids: AssignedIds
    unknown_users: UnknownUsers
    unknown_product: UnknownProduct
    over_capacity: OverCapacity
    unassign_missing: UnassignMissing
    max_batch: int
    default_page_limit: int
    max_page_limit: int

    def capacity_of(self, product_code: str) -> int | None:
        """Seats of a product (None: unlimited)."""


@dataclass
class _Holding:
    assigned_at: datetime


@dataclass(frozen=True)
class _Assignment:
    request_id: str | None
    product_code: str
    user_uuids: list[str]


def _encode_cursor(offset: int) -> str:
    raw = f"{_CURSOR_PREFIX}{offset}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ApiError(400, f"invalid page[cursor]: {cursor}") from exc
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit():
        raise ApiError(400, f"invalid page[cursor]: {cursor}")
    offset = int(digits)
    if _encode_cursor(offset) != cursor:
        raise ApiError(400, f"invalid page[cursor]: {cursor}")
    return offset


def _parse_assignment(body: object, max_batch: int) -> _Assignment:
    """Validate a POST/DELETE body; raise ApiError(400/422) like the real API."""
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object")
    data = body.get("data")
    if not isinstance(data, dict):
        raise ApiError(400, "data is required and must be an object")
    if data.get("type") != "seat-assignments":
        raise ApiError(400, f"data.type must be 'seat-assignments', got {data.get('type')!r}")
    request_id = data.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise ApiError(400, "data.id must be a string")
    attributes = data.get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise ApiError(400, "data.attributes must be an object")
    product_code = attributes.get("product_code")
    if product_code is not None and not isinstance(product_code, str):
        raise ApiError(400, "product_code must be a string")
    if not product_code:
        raise ApiError(422, "product_code is required")
    raw_uuids = attributes.get("user_uuids")
    if raw_uuids is not None and not isinstance(raw_uuids, list):
        raise ApiError(400, "user_uuids must be a list of strings")
    if not raw_uuids:
        raise ApiError(422, "user_uuids is required and must not be empty")
    for value in raw_uuids:
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise ApiError(400, f"invalid user uuid: {describe(value)}")
    if len(raw_uuids) > max_batch:
        raise ApiError(400, f"too many user_uuids: {len(raw_uuids)} (max {max_batch})")
    user_uuids = list(dict.fromkeys(value.lower() for value in raw_uuids))
    return _Assignment(request_id or None, product_code, user_uuids)


class SeatBook:
    """Who holds a seat of which product, since when. Not thread-safe: `SeatsState` locks."""

    def __init__(self) -> None:
        """Start with no holders."""
        self._holders: dict[str, dict[str, _Holding]] = {}
        # Each product's holdings in listing order, kept until they change: a listing of
        # 10,000 holders reads 100 pages, and sorting them all for each page dominated it.
        self._ordered: dict[str, list[tuple[str, _Holding]]] = {}

    def clear(self) -> None:
        """Forget every holder."""
        self._holders = {}
        self._ordered = {}

    def holders(self, product_code: str) -> list[str]:
        """Sorted ids of the users holding a seat of the product."""
        return sorted(self._holders.get(product_code, {}))

    def all_holders(self, known_products: Iterable[str]) -> dict[str, list[str]]:
        """Sorted holder ids of every known product and of every product with holders."""
        products = dict.fromkeys(known_products)
        products.update(dict.fromkeys(p for p, h in self._holders.items() if h))
        return {product: sorted(self._holders.get(product, {})) for product in products}

    def set_holders(self, product_code: str, user_uuids: Iterable[str]) -> list[str]:
        """Make exactly these users hold the product; remaining holders keep assigned_at."""
        ids = list(dict.fromkeys(u.lower() for u in user_uuids))
        current = self._holders.get(product_code, {})
        now = datetime.now(timezone.utc)
        self._holders[product_code] = {u: current.get(u) or _Holding(now) for u in ids}
        self._ordered.pop(product_code, None)
        return sorted(ids)

    def _check_product(self, rules: SeatRules, product_code: str) -> None:
        if rules.unknown_product == "reject" and product_code not in rules.known_products:
            raise ApiError(422, f"unknown product_code: {product_code}")

    def list_seat_users(
        self,
        rules: SeatRules,
        users: Mapping[str, SeatUser],
        product_code: str | None,
        limit: str | None,
        cursor: str | None,
    ) -> dict[str, Any]:
        """GET /api/v2/seats/users: one page of holders ordered by (assigned_at, id)."""
        if not product_code:
            raise ApiError(400, "product_code is required")
        if limit is None or limit == "":
            page_limit = rules.default_page_limit
        else:
            if not (limit.isascii() and limit.isdigit()) or int(limit) < 1:
                raise ApiError(400, f"page[limit] must be a positive integer, got {limit}")
            page_limit = int(limit)
        page_limit = min(page_limit, rules.max_page_limit)
        offset = _decode_cursor(cursor) if cursor else 0
        self._check_product(rules, product_code)
        holdings = self._holders.get(product_code, {})
        if not holdings:
            return {"data": []}
        ordered = self._ordered.get(product_code)
        if ordered is None:
            ordered = sorted(holdings.items(), key=lambda item: (item[1].assigned_at, item[0]))
            self._ordered[product_code] = ordered
        page = ordered[offset : offset + page_limit]
        data = []
        for user_id, holding in page:
            user = users.get(user_id)
            data.append(
                {
                    "id": user_id,
                    "type": "seat-users",
                    "attributes": {
                        "assigned_at": format_time(holding.assigned_at),
                        "email": user["email"] if user else None,
                        "name": user["name"] if user else None,
                    },
                }
            )
        end = offset + page_limit
        return {
            "data": data,
            "meta": {
                "cursor": cursor or "",
                "limit": page_limit,
                "next_cursor": _encode_cursor(end) if end < len(ordered) else "",
            },
        }

    def assign(
        self, rules: SeatRules, users: Mapping[str, SeatUser], body: object
    ) -> dict[str, Any]:
        """POST /api/v2/seats/users: validate, assign, return the 201 body."""
        request = _parse_assignment(body, rules.max_batch)
        product = request.product_code
        self._check_product(rules, product)
        unknown = [u for u in request.user_uuids if u not in users]
        if unknown and rules.unknown_users == "reject":
            raise ApiError(422, f"unknown user uuids: {', '.join(unknown)}")
        candidates = [u for u in request.user_uuids if u in users]
        holdings = self._holders.setdefault(product, {})
        new = [u for u in candidates if u not in holdings]
        capacity = rules.capacity_of(product)
        if capacity is not None:
            available = max(0, capacity - len(holdings))
            if len(new) > available:
                if rules.over_capacity == "reject":
                    if not holdings:
                        del self._holders[product]
                    raise ApiError(
                        422,
                        f"not enough seats for product {product}: "
                        f"{len(new)} requested, {available} available",
                    )
                new = new[:available]
        now = datetime.now(timezone.utc)
        for user_id in new:
            holdings[user_id] = _Holding(now)
        self._ordered.pop(product, None)
        if not holdings:
            del self._holders[product]
        if rules.assigned_ids == "new":
            assigned = list(new)
        else:
            assigned = [u for u in candidates if u in holdings]
        return {
            "data": {
                "type": "seat-assignments",
                "id": request.request_id or str(uuid.uuid4()),
                "attributes": {"product_code": product, "assigned_ids": assigned},
            }
        }

    def unassign(self, rules: SeatRules, users: Mapping[str, SeatUser], body: object) -> None:
        """DELETE /api/v2/seats/users: validate, then unassign every listed holder."""
        request = _parse_assignment(body, rules.max_batch)
        product = request.product_code
        self._check_product(rules, product)
        unknown = [u for u in request.user_uuids if u not in users]
        if unknown and rules.unknown_users == "reject":
            raise ApiError(422, f"unknown user uuids: {', '.join(unknown)}")
        holdings = self._holders.get(product, {})
        missing = [u for u in request.user_uuids if u not in holdings]
        if missing and rules.unassign_missing == "reject":
            raise ApiError(422, f"user uuids do not hold a seat of {product}: {', '.join(missing)}")
        for user_id in request.user_uuids:
            holdings.pop(user_id, None)
        self._ordered.pop(product, None)
        if product in self._holders and not holdings:
            del self._holders[product]
