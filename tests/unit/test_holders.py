"""holders.HoldersView: one listing per product per process, kept current by every write.

Run against the in-memory fake (conftest.FakeClient); `fake.count("list")` is the number of
listings that reached the "API".
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_datadog_seats.api.seats import WriteResult
from pulumi_datadog_seats.errors import ServerError, UnprocessableError
from pulumi_datadog_seats.holders import HoldersView
from pulumi_datadog_seats.provider import SeatAssignmentProvider
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, FakeClient, provider_with, uid

PRODUCT = "on_call"
OTHER = "incident_response"
OUTSIDERS = [uid(0x100 + i) for i in range(5)]


class GatedClient(FakeClient):
    """A fake whose listings take their snapshot, then wait until the test lets them answer."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.listed = threading.Event()
        self.answer = threading.Event()

    def list_seat_holders(self, product_code: str) -> set[str]:
        snapshot = super().list_seat_holders(product_code)
        self.listed.set()
        assert self.answer.wait(10)
        return snapshot


class NamesAStranger(FakeClient):
    """An assign answer that also names a user who was not asked for."""

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        result = super().assign_batch(product_code, user_uuids)
        return replace(result, assigned_ids=(*result.assigned_ids, uid(0xFFF)))


def lists_on_next_use(fake: FakeClient, view: HoldersView) -> bool:
    """Whether the view reads the holders again on its next use (it forgot them)."""
    before = fake.count("list")
    view.holders(PRODUCT)
    return fake.count("list") == before + 1


# -- one listing per product ------------------------------------------------------------


def test_first_use_lists_and_later_uses_make_no_call():
    fake = FakeClient(holders=OUTSIDERS)
    view = fake.view()
    assert view.holders(PRODUCT) == set(OUTSIDERS)
    for _ in range(5):
        assert view.holders(PRODUCT) == set(OUTSIDERS)
    assert fake.count("list") == 1


def test_many_threads_on_one_product_share_one_listing():
    fake = FakeClient(holders=OUTSIDERS, list_seconds=0.2)
    view = fake.view()
    threads = 32
    start = threading.Barrier(threads)

    def first_use(_: int) -> frozenset[str]:
        start.wait()
        return view.holders(PRODUCT)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(first_use, range(threads)))
    assert fake.count("list") == 1
    assert all(result == set(OUTSIDERS) for result in results)


def test_each_product_is_listed_once_and_on_its_own():
    fake = FakeClient(holders=OUTSIDERS)
    view = fake.view()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(view.holders, [PRODUCT, OTHER] * 10))
    assert fake.count("list") == 2
    assert fake.products == {PRODUCT, OTHER}


def test_a_slow_listing_of_one_product_does_not_hold_up_another():
    fake = GatedClient(holders=OUTSIDERS)
    view = fake.view()
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(view.holders, PRODUCT)
        assert fake.listed.wait(10)
        # The first listing is still waiting for its answer; this one is not held up by it.
        fake.answer.set()
        assert pool.submit(view.holders, OTHER).result(10) == set(OUTSIDERS)
        assert slow.result(10) == set(OUTSIDERS)


def test_a_failed_listing_leaves_nothing_behind():
    fake = FakeClient(holders=OUTSIDERS, fail_list_after=0)
    view = fake.view()
    with pytest.raises(ServerError):
        view.holders(PRODUCT)
    fake.fail_list_after = None
    assert view.holders(PRODUCT) == set(OUTSIDERS)
    assert fake.count("list") == 2


def test_read_holders_always_asks_the_api_and_updates_the_view():
    fake = FakeClient(holders=OUTSIDERS)
    view = fake.view()
    view.holders(PRODUCT)
    fake.holders.add(uid(1))  # changed outside this process
    assert view.holders(PRODUCT) == set(OUTSIDERS)  # the view does not know yet
    assert view.read_holders(PRODUCT) == {*OUTSIDERS, uid(1)}
    assert view.read_holders(PRODUCT) == {*OUTSIDERS, uid(1)}
    assert fake.count("list") == 3
    assert view.holders(PRODUCT) == {*OUTSIDERS, uid(1)}
    assert fake.count("list") == 3


# -- write-through -------------------------------------------------------------------------


def test_assign_and_unassign_write_through_without_listing_again():
    fake = FakeClient(holders=OUTSIDERS)
    view = fake.view()
    view.holders(PRODUCT)
    view.assign_batch(PRODUCT, [uid(1), uid(2)])
    view.unassign_batch(PRODUCT, [OUTSIDERS[0]])
    assert view.holders(PRODUCT) == {*OUTSIDERS[1:], uid(1), uid(2)} == fake.holders
    assert fake.count("list") == 1


def test_writes_to_a_product_never_listed_make_no_listing():
    fake = FakeClient()
    view = fake.view()
    view.assign_batch(PRODUCT, [uid(1)])
    view.unassign_batch(PRODUCT, [uid(1)])
    assert fake.count("list") == 0
    assert lists_on_next_use(fake, view)


@pytest.mark.parametrize("assigned_ids", ["all", "new"])
def test_concurrent_writes_from_many_threads_all_reach_the_view(assigned_ids):
    fake = FakeClient(holders=OUTSIDERS, assigned_ids=assigned_ids, batch_size=1)
    view = fake.view()
    view.holders(PRODUCT)
    newcomers = [uid(i) for i in range(1, 65)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda u: view.assign_batch(PRODUCT, [u]), newcomers))
        list(pool.map(lambda u: view.unassign_batch(PRODUCT, [u]), newcomers[::2]))
    assert view.holders(PRODUCT) == fake.holders == {*OUTSIDERS, *newcomers[1::2]}
    assert fake.count("list") == 1


@pytest.mark.parametrize("write", ["assign", "unassign"])
def test_a_write_made_while_the_listing_runs_is_kept(write):
    fake = GatedClient(holders=OUTSIDERS)
    view = fake.view()
    with ThreadPoolExecutor(max_workers=1) as pool:
        listing = pool.submit(view.holders, PRODUCT)
        assert fake.listed.wait(10)
        # The listing took its snapshot before this write, and answers after it.
        if write == "assign":
            view.assign_batch(PRODUCT, [uid(1)])
        else:
            view.unassign_batch(PRODUCT, [OUTSIDERS[0]])
        fake.answer.set()
        listed = listing.result(10)
    assert listed == view.holders(PRODUCT) == fake.holders
    assert fake.count("list") == 1


# -- re-read when an answer contradicts the view --------------------------------------------


def test_an_unassign_refused_for_a_supposed_holder_makes_the_view_read_again():
    fake = FakeClient(holders=OUTSIDERS, unassign_nonholder="reject")
    view = fake.view()
    view.holders(PRODUCT)
    fake.holders.discard(OUTSIDERS[0])  # lost the seat outside this process
    with pytest.raises(UnprocessableError):
        view.unassign_batch(PRODUCT, OUTSIDERS[:2])
    assert view.holders(PRODUCT) == set(OUTSIDERS[1:])
    assert fake.count("list") == 2


def test_an_assign_answer_naming_a_stranger_makes_the_view_read_again():
    fake = NamesAStranger(holders=OUTSIDERS)
    view = fake.view()
    view.holders(PRODUCT)
    view.assign_batch(PRODUCT, [uid(1)])
    assert lists_on_next_use(fake, view)


def test_an_assign_answer_leaving_out_a_requested_user_makes_the_view_read_again():
    fake = FakeClient(holders=OUTSIDERS, unknown_users=[uid(2)], unknown="skip")
    view = fake.view()
    view.holders(PRODUCT)
    view.assign_batch(PRODUCT, [uid(1), uid(2)])
    assert view.holders(PRODUCT) == {*OUTSIDERS, uid(1)}
    assert fake.count("list") == 2


def test_a_complete_assign_answer_keeps_the_view():
    fake = FakeClient(holders=OUTSIDERS, assigned_ids="new")
    view = fake.view()
    view.holders(PRODUCT)
    view.assign_batch(PRODUCT, [uid(1), uid(2)])
    assert not lists_on_next_use(fake, view)


@pytest.mark.parametrize("fail_after_apply", [False, True])
def test_a_failed_assign_makes_the_view_read_again(fail_after_apply):
    fake = FakeClient(holders=OUTSIDERS, fail_assign_batch=1, fail_after_apply=fail_after_apply)
    view = fake.view()
    view.holders(PRODUCT)
    with pytest.raises(ServerError):
        view.assign_batch(PRODUCT, [uid(1)])
    assert view.holders(PRODUCT) == fake.holders
    assert fake.count("list") == 2


def test_a_view_forgotten_during_a_listing_is_not_stored_by_it():
    fake = GatedClient(holders=OUTSIDERS)
    view = fake.view()
    with ThreadPoolExecutor(max_workers=1) as pool:
        listing = pool.submit(view.holders, PRODUCT)
        assert fake.listed.wait(10)
        view.forget(PRODUCT)
        fake.answer.set()
        assert listing.result(10) == set(OUTSIDERS)
    assert lists_on_next_use(fake, view)


# -- never in the state ----------------------------------------------------------------------


def test_a_provider_with_a_loaded_view_pickles_to_the_bytes_of_a_new_one(monkeypatch):
    fake = FakeClient(holders=OUTSIDERS)
    provider = provider_with(monkeypatch, fake)
    provider.create({"product_code": PRODUCT, "user_uuids": [uid(1)], "exclusive": True})
    provider.read("id", {"product_code": PRODUCT, "user_uuids": [uid(1)]})
    assert fake.count("list") == 1  # the view of the holders is loaded

    fresh = serialize_provider(SeatAssignmentProvider())
    assert serialize_provider(provider) == fresh
    for raw in (base64.b64decode(fresh), dill.dumps(provider, recurse=True)):
        for absent in (CANARY_API_KEY, CANARY_APP_KEY, OUTSIDERS[0], uid(1)):
            assert absent.encode() not in raw
        for name in (b"HoldersView", b"ExclusiveClaims", b"SeatsClient", b"lock", b"Lock"):
            assert name not in raw
    assert dill.loads(dill.dumps(provider, recurse=True)).__dict__ == {}


def test_the_view_satisfies_the_seat_logic_protocol():
    from pulumi_datadog_seats.seat_api import SeatsApi

    def takes(api: SeatsApi) -> int:
        return api.batch_size

    assert takes(HoldersView(FakeClient(), 7)) == 7
