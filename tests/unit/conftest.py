"""Shared constants, fixtures and the in-memory fake client of the unit tier.

Nothing here touches the network or the Pulumi engine.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_datadog_seats import lifecycle
from pulumi_datadog_seats.api.seats import WriteResult
from pulumi_datadog_seats.errors import (
    BadRequestError,
    NotFoundError,
    SeatsApiError,
    ServerError,
    UnprocessableError,
)
from pulumi_datadog_seats.holders import HoldersView
from pulumi_datadog_seats.provider import SeatAssignmentProvider
from pulumi_datadog_seats.settings import Settings

#: Distinctive key values: a test fails if either ever shows up where it must not.
CANARY_API_KEY = "canaryAPIkey-5f0d2c8e91b7"
CANARY_APP_KEY = "canaryAPPkey-a93e44b6c1d2"

#: Every environment variable the settings module may read.
DATADOG_ENV_VARS = (
    "DD_API_KEY",
    "DATADOG_API_KEY",
    "DD_APP_KEY",
    "DATADOG_APP_KEY",
    "DD_HOST",
    "DATADOG_HOST",
    "DD_SITE",
)

PATH = "/api/v2/seats/users"
STATUS_OF: dict[type[SeatsApiError], int] = {
    BadRequestError: 400,
    NotFoundError: 404,
    UnprocessableError: 422,
}


def uid(i: int) -> str:
    """A distinct, canonical (lower-case) user UUID."""
    return f"3f2a6b1c-0d4e-4f5a-9b8c-{i:012x}"


def provider_with(monkeypatch: pytest.MonkeyPatch, fake: FakeClient) -> SeatAssignmentProvider:
    """A provider configured through configure() (keys: the canaries), talking to ``fake``."""
    monkeypatch.setattr(lifecycle, "SeatsClient", lambda settings, **_: fake)
    provider = SeatAssignmentProvider()
    config = {
        "datadog:apiKey": CANARY_API_KEY,
        "datadog:appKey": CANARY_APP_KEY,
        "datadog-seats:batchSize": str(fake.batch_size),
    }
    provider.configure(ConfigureRequest(Config(config, "seats-test")))
    return provider


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No Datadog variable from the developer's shell leaks into a test."""
    for name in DATADOG_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


class FakeClient:
    """An in-memory Seats API for one product, with switches for the open questions.

    It offers what :class:`~pulumi_datadog_seats.holders.HoldersView` needs of the real
    client (assign_batch, unassign_batch, list_seat_holders); :meth:`view` wraps it the way
    the provider wraps the real one.

    assigned_ids: "all" (every requested user now holding a seat), "new" (only the
        users this call seated) or "none" (an answer that lists nobody).
    unknown: "skip" (unknown users are left out) or "reject" (422 for the batch).
    unassign_nonholder: "ok" or "reject" (the batch is refused with ``unassign_error``).
    fail_assign_batch: the 1-based assign batch that fails with a 503, before
        (or, with ``fail_after_apply``, after) it took effect.
    fail_unassign_batch: the 1-based unassign batch that fails with a 503 (before it
        took effect).
    relanding_assign_batch, relanding_unassign_batch: the 1-based batch whose answer says
        ``may_land_again`` (an earlier attempt got no clear answer before a retry was
        answered); :meth:`land_late` then carries that earlier attempt out, as Datadog
        would, late.
    fail_list_after: list_seat_holders raises a 503 after this many successful calls.
    list_seconds: how long each listing takes (to make concurrent callers overlap).
    """

    def __init__(
        self,
        *,
        holders: Iterable[str] = (),
        unknown_users: Iterable[str] = (),
        batch_size: int = 2,
        assigned_ids: str = "all",
        unknown: str = "skip",
        unassign_nonholder: str = "ok",
        unassign_error: type[SeatsApiError] = UnprocessableError,
        fail_assign_batch: int | None = None,
        fail_after_apply: bool = False,
        fail_unassign_batch: int | None = None,
        relanding_assign_batch: int | None = None,
        relanding_unassign_batch: int | None = None,
        fail_list_after: int | None = None,
        list_seconds: float = 0.0,
    ) -> None:
        self.batch_size = batch_size
        self.holders: set[str] = set(holders)
        self.unknown_users = set(unknown_users)
        self.assigned_ids = assigned_ids
        self.unknown = unknown
        self.unassign_nonholder = unassign_nonholder
        self.unassign_error = unassign_error
        self.fail_assign_batch = fail_assign_batch
        self.fail_after_apply = fail_after_apply
        self.fail_unassign_batch = fail_unassign_batch
        self.relanding_assign_batch = relanding_assign_batch
        self.relanding_unassign_batch = relanding_unassign_batch
        #: The earlier attempts that may still land: ("assign" or "unassign", users).
        self.late_writes: list[tuple[str, tuple[str, ...]]] = []
        self.fail_list_after = fail_list_after
        self.list_seconds = list_seconds
        self._lock = threading.Lock()
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.products: set[str] = set()
        self._assign_batches = 0
        self._unassign_batches = 0

    def view(self) -> HoldersView:
        """A fresh per-process view over this fake, as configure() builds over the client."""
        return HoldersView(self, self.batch_size)

    def count(self, name: str) -> int:
        return sum(1 for call, _ in self.calls if call == name)

    def touched(self, name: str) -> set[str]:
        return {u for call, users in self.calls if call == name for u in users}

    def land_late(self) -> None:
        """Carry out the earlier attempts that may land again, now that the run is over."""
        with self._lock:
            for call, users in self.late_writes:
                if call == "assign":
                    self.holders.update(u for u in users if u not in self.unknown_users)
                else:
                    self.holders.difference_update(users)
            self.late_writes.clear()

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        with self._lock:
            return self._assign_batch(product_code, user_uuids)

    def _assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        assert len(user_uuids) <= self.batch_size
        self.products.add(product_code)
        self.calls.append(("assign", tuple(user_uuids)))
        self._assign_batches += 1
        failing = self._assign_batches == self.fail_assign_batch
        if failing and not self.fail_after_apply:
            raise ServerError(503, "POST", PATH, ["injected failure"])
        strangers = [u for u in user_uuids if u in self.unknown_users]
        if strangers and self.unknown == "reject":
            raise UnprocessableError(422, "POST", PATH, [f"unknown users {strangers}"])
        seated = [u for u in user_uuids if u not in self.unknown_users]
        new = [u for u in seated if u not in self.holders]
        self.holders.update(seated)
        if failing:
            raise ServerError(503, "POST", PATH, ["injected failure after the change"])
        relands = self._assign_batches == self.relanding_assign_batch
        if relands:
            self.late_writes.append(("assign", tuple(user_uuids)))
        named = {"new": new, "none": []}.get(self.assigned_ids, seated)
        return WriteResult(tuple(named), relands)

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        with self._lock:
            return self._unassign_batch(product_code, user_uuids)

    def _unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        assert len(user_uuids) <= self.batch_size
        self.products.add(product_code)
        self.calls.append(("unassign", tuple(user_uuids)))
        self._unassign_batches += 1
        if self._unassign_batches == self.fail_unassign_batch:
            raise ServerError(503, "DELETE", PATH, ["injected unassign failure"])
        if self.unassign_nonholder == "reject" and not set(user_uuids) <= self.holders:
            status = STATUS_OF[self.unassign_error]
            raise self.unassign_error(status, "DELETE", PATH, ["user holds no seat"])
        self.holders.difference_update(user_uuids)
        relands = self._unassign_batches == self.relanding_unassign_batch
        if relands:
            self.late_writes.append(("unassign", tuple(user_uuids)))
        return WriteResult(may_land_again=relands)

    def list_seat_holders(self, product_code: str) -> set[str]:
        with self._lock:
            self.products.add(product_code)
            self.calls.append(("list", ()))
            if self.fail_list_after is not None and self.count("list") > self.fail_list_after:
                raise ServerError(503, "GET", PATH, ["listing is down"])
            listed = set(self.holders)
        time.sleep(self.list_seconds)
        return listed


@pytest.fixture(autouse=True)
def _current_event_loop() -> None:
    """Every test starts with a current event loop in the main thread.

    asyncio.run() (used by the plugin tests) leaves the thread without one, and
    pulumi.runtime.set_mocks needs it: under xdist, any test may follow any other.
    """
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def make_settings(**overrides: Any) -> Settings:
    """Client settings with the canary keys, the US1 API URL and no backoff."""
    values: dict[str, Any] = {
        "api_key": CANARY_API_KEY,
        "app_key": CANARY_APP_KEY,
        "api_url": "https://api.datadoghq.com",
        "backoff_seconds": 0,
    }
    values.update(overrides)
    return Settings(**values)
