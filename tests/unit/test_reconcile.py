"""reconcile: planning and converging against an in-memory fake client.

The fake (conftest.FakeClient) stands in for the Seats API client and can play every
reading of the API that the reference leaves open (what ``assigned_ids`` lists, what
happens to unknown users, whether unassigning a non-holder is an error) plus failures
on a chosen assign batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest

from pulumi_datadog_seats.api.seats import WriteResult
from pulumi_datadog_seats.errors import (
    BadRequestError,
    NotFoundError,
    SeatAssignmentError,
    ServerError,
    TransportError,
    UnprocessableError,
)
from pulumi_datadog_seats.reconcile import Plan, assign_or_roll_back, converge, plan
from pulumi_datadog_seats.redaction import user_uuid_set
from pulumi_datadog_seats.release import release, release_or_restore
from pulumi_datadog_seats.seat_api import batches
from tests.unit.conftest import PATH, FakeClient, uid

PRODUCT = "incident_response"


# -- plan ------------------------------------------------------------------------


def test_plan_assigns_the_missing_and_unassigns_the_removed():
    declared = {uid(1), uid(2), uid(3)}
    previously = {uid(3), uid(4), uid(5)}
    holders = {uid(2), uid(4), uid(9)}
    assert plan(declared, previously, holders) == Plan(
        to_assign=[uid(1), uid(3)], to_unassign=[uid(4)]
    )


def test_plan_never_touches_undeclared_holders():
    steps = plan({uid(1)}, {uid(1)}, {uid(1), uid(7), uid(8)})
    assert steps == Plan([], [])


def test_plan_of_a_create_only_assigns():
    steps = plan({uid(3), uid(1), uid(2)}, set(), {uid(2), uid(5)})
    assert steps == Plan([uid(1), uid(3)], [])


def test_plan_is_sorted():
    declared = {uid(i) for i in (9, 3, 7, 1)}
    previously = {uid(i) for i in (20, 11, 15)}
    steps = plan(declared, previously, previously)
    assert steps.to_assign == sorted(declared)
    assert steps.to_unassign == sorted(previously)


def test_declared_set_drops_non_uuids_and_canonicalises():
    assert user_uuid_set([uid(1).upper(), uid(1), "junk", None]) == {uid(1)}


# -- converge: success ----------------------------------------------------------------

NEW = [uid(i) for i in range(1, 6)]  # five users without a seat
KEPT = [uid(0x10), uid(0x11)]  # declared users who already hold one
OUTSIDERS = [uid(0x20), uid(0x21)]  # seat holders this resource never declared


@pytest.mark.parametrize("assigned_ids", ["all", "new"])
def test_create_assigns_only_the_missing_and_reads_once(assigned_ids):
    fake = FakeClient(holders=KEPT + OUTSIDERS, assigned_ids=assigned_ids)
    declared = set(NEW + KEPT)
    result = converge(fake.view(), PRODUCT, declared)
    assert result == sorted(declared)
    assert fake.holders == set(NEW + KEPT + OUTSIDERS)
    assert fake.touched("assign") == set(NEW)
    assert fake.count("assign") == 3  # batches of two
    assert fake.count("unassign") == 0
    assert fake.count("list") == 1  # the answers settled it: no read-back
    assert fake.products == {PRODUCT}


def test_an_answer_that_names_nobody_is_checked_by_one_read_back():
    fake = FakeClient(holders=OUTSIDERS, assigned_ids="none")
    assert converge(fake.view(), PRODUCT, set(NEW)) == sorted(NEW)
    assert fake.count("list") == 2
    assert fake.holders == set(NEW + OUTSIDERS)


def test_skipped_unknown_user_triggers_exactly_one_read_back():
    fake = FakeClient(unknown_users=[NEW[2]], unknown="skip")
    with pytest.raises(SeatAssignmentError):
        converge(fake.view(), PRODUCT, set(NEW))
    assert fake.count("list") == 2  # before, and once to settle the missing user


def test_adoption_of_seats_already_held_makes_no_change():
    fake = FakeClient(holders=KEPT + OUTSIDERS)
    assert converge(fake.view(), PRODUCT, set(KEPT)) == sorted(KEPT)
    assert [call for call, _ in fake.calls] == ["list"]


def test_update_assigns_added_and_unassigns_removed_only():
    previously = {NEW[0], NEW[1], KEPT[0]}
    declared = {NEW[1], NEW[2], KEPT[0]}
    fake = FakeClient(holders={NEW[0], NEW[1], KEPT[0], *OUTSIDERS})
    result = converge(fake.view(), PRODUCT, declared, previously)
    assert result == sorted(declared)
    assert fake.holders == {NEW[1], NEW[2], KEPT[0], *OUTSIDERS}
    assert fake.touched("assign") == {NEW[2]}
    assert fake.touched("unassign") == {NEW[0]}


def test_update_restores_a_seat_lost_outside_pulumi():
    declared = {NEW[0], NEW[1]}
    fake = FakeClient(holders={NEW[0]})
    converge(fake.view(), PRODUCT, declared, declared)
    assert fake.holders == declared
    assert fake.touched("assign") == {NEW[1]}


def test_update_does_not_unassign_a_removed_user_who_lost_the_seat_already():
    fake = FakeClient(holders={NEW[0]}, unassign_nonholder="reject")
    converge(fake.view(), PRODUCT, {NEW[0]}, {NEW[0], NEW[1]})
    assert fake.count("unassign") == 0
    assert fake.holders == {NEW[0]}


# -- converge: failures leave Datadog exactly as it was ------------------------------

FAILURES: dict[str, dict[str, Any]] = {
    # name: FakeClient keyword arguments that make assigning NEW fail
    "unknown user in first batch": {"unknown_users": [NEW[0]]},
    "unknown user in last batch": {"unknown_users": [NEW[4]]},
    "503 on batch 1": {"fail_assign_batch": 1},
    "503 on batch 2": {"fail_assign_batch": 2},
    "503 on last batch": {"fail_assign_batch": 3},
    "503 after batch 2 took effect": {"fail_assign_batch": 2, "fail_after_apply": True},
    "503 after last batch took effect": {"fail_assign_batch": 3, "fail_after_apply": True},
}

SWITCHES = list(
    itertools.product(["all", "new", "none"], ["skip", "reject"], ["ok", "reject"], FAILURES)
)


@pytest.mark.parametrize(("assigned_ids", "unknown", "unassign_nonholder", "failure"), SWITCHES)
def test_failed_create_leaves_holders_exactly_as_before(
    assigned_ids, unknown, unassign_nonholder, failure
):
    before = set(KEPT + OUTSIDERS)
    fake = FakeClient(
        holders=before,
        assigned_ids=assigned_ids,
        unknown=unknown,
        unassign_nonholder=unassign_nonholder,
        **FAILURES[failure],
    )
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW + KEPT))
    assert fake.holders == before
    # Nobody who held a seat before, declared or not, was ever unassigned...
    assert fake.touched("unassign").isdisjoint(before)
    # ...and nobody outside the declaration was touched at all.
    assert fake.touched("assign") <= set(NEW)
    assert fake.touched("unassign") <= set(NEW)
    assert PRODUCT in str(info.value)
    assert "nothing changed" in str(info.value)


@pytest.mark.parametrize(("assigned_ids", "unknown", "unassign_nonholder", "failure"), SWITCHES)
def test_failed_update_leaves_holders_exactly_as_before(
    assigned_ids, unknown, unassign_nonholder, failure
):
    # Previously NEW[0] was declared and lost its seat outside Pulumi; KEPT[1] is removed.
    previously = {NEW[0], KEPT[0], KEPT[1]}
    before = set(KEPT + OUTSIDERS)
    fake = FakeClient(
        holders=before,
        assigned_ids=assigned_ids,
        unknown=unknown,
        unassign_nonholder=unassign_nonholder,
        **FAILURES[failure],
    )
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, {*NEW, KEPT[0]}, previously)
    assert fake.holders == before
    # Only the removed user was unassigned before the failure (and got the seat back)...
    assert fake.touched("unassign") & before == {KEPT[1]}
    assert "assigned again" in str(info.value)
    # ...and nobody outside the old or new declaration was touched at all.
    assert fake.touched("assign") | fake.touched("unassign") <= {*NEW, *previously}


def test_missing_users_are_named_in_the_error():
    fake = FakeClient(unknown_users=[NEW[3], NEW[1]], unknown="skip")
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    message = str(info.value)
    assert f"{NEW[1]}, {NEW[3]}" in message
    assert NEW[0] not in message
    assert fake.holders == set()


def test_rejected_batch_error_carries_the_datadog_error():
    fake = FakeClient(unknown_users=[NEW[3]], unknown="reject")
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    assert "422" in str(info.value)
    assert isinstance(info.value.__cause__, UnprocessableError)


def test_failure_on_the_first_batch_reports_nothing_changed_without_unassigning():
    fake = FakeClient(fail_assign_batch=1)
    with pytest.raises(SeatAssignmentError, match="503"):
        converge(fake.view(), PRODUCT, set(NEW))
    assert fake.count("unassign") == 0
    assert fake.count("assign") == 1  # no batch after the failing one


def test_roll_back_without_readable_holders_gives_back_everything_attempted():
    # The first listing works, the one after the failure does not: roll back blindly.
    fake = FakeClient(holders=OUTSIDERS, fail_assign_batch=3, fail_list_after=1)
    with pytest.raises(SeatAssignmentError):
        converge(fake.view(), PRODUCT, set(NEW))
    assert fake.holders == set(OUTSIDERS)
    assert fake.touched("unassign") == set(NEW)


def test_a_failed_roll_back_names_the_users_left_behind():
    class CannotUnassign(FakeClient):
        def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
            self.calls.append(("unassign", tuple(user_uuids)))
            raise ServerError(503, "DELETE", PATH, ["unassign is down"])

    fake = CannotUnassign(holders=OUTSIDERS, fail_assign_batch=2)
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    message = str(info.value)
    left_behind = fake.holders - set(OUTSIDERS)
    assert left_behind == {NEW[0], NEW[1]}
    assert "may still hold a seat" in message
    assert "unassign is down" in message
    assert ", ".join(sorted(left_behind)) in message
    assert "nothing changed" not in message


def test_assign_or_roll_back_of_nobody_does_nothing():
    fake = FakeClient()
    assign_or_roll_back(fake.view(), PRODUCT, [])
    assert fake.calls == []


# -- release ---------------------------------------------------------------------


def test_release_unassigns_in_batches():
    fake = FakeClient(holders=NEW + OUTSIDERS)
    release(fake.view(), PRODUCT, NEW)
    assert fake.holders == set(OUTSIDERS)
    assert fake.count("unassign") == 3
    assert fake.count("list") == 0


def test_release_of_nobody_makes_no_call():
    fake = FakeClient(holders=OUTSIDERS)
    release(fake.view(), PRODUCT, [])
    assert fake.calls == []


def test_release_of_non_holders_is_fine_when_datadog_accepts_it():
    fake = FakeClient(holders={NEW[0], *OUTSIDERS})
    release(fake.view(), PRODUCT, NEW)
    assert fake.holders == set(OUTSIDERS)
    assert fake.count("list") == 0


@pytest.mark.parametrize("error", [UnprocessableError, BadRequestError])
def test_release_falls_back_to_the_holders_when_non_holders_are_rejected(error):
    fake = FakeClient(
        holders={NEW[0], NEW[3], *OUTSIDERS}, unassign_nonholder="reject", unassign_error=error
    )
    release(fake.view(), PRODUCT, NEW)
    assert fake.holders == set(OUTSIDERS)
    assert fake.count("list") == 1
    assert fake.touched("unassign") <= set(NEW)


def test_release_fallback_with_nobody_left_makes_no_second_unassign():
    fake = FakeClient(holders=OUTSIDERS, unassign_nonholder="reject")
    release(fake.view(), PRODUCT, NEW[:2])
    assert [call for call, _ in fake.calls] == ["unassign", "list"]
    assert fake.holders == set(OUTSIDERS)


def test_release_does_not_swallow_other_errors():
    fake = FakeClient(holders=NEW, unassign_nonholder="reject", unassign_error=NotFoundError)
    # NotFoundError is not one of the "non-holder" answers: it must surface.
    with pytest.raises(NotFoundError):
        release(fake.view(), PRODUCT, [*NEW, uid(0x99)])


def test_release_propagates_server_errors():
    class Down(FakeClient):
        def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
            raise ServerError(503, "DELETE", PATH, [])

    fake = Down(holders=NEW)
    with pytest.raises(ServerError):
        release(fake.view(), PRODUCT, NEW)
    assert fake.count("list") == 0


# -- the view: what may come from it, what must come from the API ----------------------------


def test_a_second_operation_on_one_view_makes_no_listing():
    fake = FakeClient(holders=OUTSIDERS)
    view = fake.view()
    converge(view, PRODUCT, {NEW[0]})
    converge(view, PRODUCT, {NEW[1], NEW[2]})
    assert fake.count("list") == 1
    assert fake.holders == {*OUTSIDERS, *NEW[:3]}


def test_an_ambiguous_answer_is_settled_by_the_api_even_when_the_view_is_loaded():
    fake = FakeClient(holders=OUTSIDERS, assigned_ids="none")
    view = fake.view()
    view.holders(PRODUCT)
    assert converge(view, PRODUCT, set(NEW[:2])) == sorted(NEW[:2])
    assert fake.count("list") == 2  # the view, then the read-back


class StaleView:
    """A SeatsApi whose view never changes: only read_holders tells the truth."""

    def __init__(self, fake: FakeClient, view: set[str]) -> None:
        self.fake = fake
        self.view = frozenset(view)
        self.batch_size = fake.batch_size

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        return self.fake.assign_batch(product_code, user_uuids)

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        return self.fake.unassign_batch(product_code, user_uuids)

    def holders(self, product_code: str) -> frozenset[str]:
        return self.view

    def read_holders(self, product_code: str) -> set[str]:
        return self.fake.list_seat_holders(product_code)


def test_a_stale_view_never_confirms_a_seat_datadog_did_not_give():
    # The view wrongly says NEW[1] holds a seat; the answer names nobody: only the API knows.
    fake = FakeClient(holders=OUTSIDERS, assigned_ids="none", unknown_users=[NEW[1]])
    stale = StaleView(fake, {*OUTSIDERS, NEW[1]})
    with pytest.raises(SeatAssignmentError, match=NEW[1]):
        assign_or_roll_back(stale, PRODUCT, [NEW[0], NEW[1]])
    assert fake.holders == set(OUTSIDERS)


def test_roll_back_reads_the_holders_from_the_api_not_the_view():
    # The view predates this run's assignments: rolling back by it would give back nothing.
    fake = FakeClient(holders=OUTSIDERS, fail_assign_batch=2)
    with pytest.raises(SeatAssignmentError):
        converge(StaleView(fake, set(OUTSIDERS)), PRODUCT, set(NEW))
    assert fake.holders == set(OUTSIDERS)
    assert fake.count("list") == 1


def test_release_reads_the_api_when_the_view_named_a_non_holder():
    fake = FakeClient(holders={NEW[0], NEW[1], *OUTSIDERS}, unassign_nonholder="reject")
    view = fake.view()
    view.holders(PRODUCT)
    fake.holders.discard(NEW[0])  # lost outside this process: the view does not know
    assert release(view, PRODUCT, NEW[:2]) == [NEW[1]]
    assert fake.holders == set(OUTSIDERS)
    assert view.holders(PRODUCT) == set(OUTSIDERS)
    assert fake.count("list") == 2


def test_release_reports_who_lost_a_seat():
    fake = FakeClient(holders={NEW[0], NEW[3], *OUTSIDERS}, unassign_nonholder="reject")
    assert release(fake.view(), PRODUCT, NEW) == [NEW[0], NEW[3]]


def test_batches_slices_in_order():
    assert list(batches([uid(i) for i in range(5)], 2)) == [
        [uid(0), uid(1)],
        [uid(2), uid(3)],
        [uid(4)],
    ]
    assert list(batches([], 3)) == []


# -- exclusive ---------------------------------------------------------------------------------


def test_plan_exclusive_unassigns_every_holder_not_declared():
    declared = {uid(1), uid(2)}
    holders = {uid(2), uid(7), uid(8)}
    assert plan(declared, {uid(9)}, holders, exclusive=True) == Plan([uid(1)], [uid(7), uid(8)])
    assert plan(declared, {uid(9)}, holders) == Plan([uid(1)], [])


@pytest.mark.parametrize("assigned_ids", ["all", "new"])
def test_exclusive_create_leaves_exactly_the_declared_holders(assigned_ids):
    outsiders = [uid(0x30 + i) for i in range(5)]
    fake = FakeClient(holders=[*KEPT, *outsiders], assigned_ids=assigned_ids)
    declared = set(NEW[:3] + KEPT)
    assert converge(fake.view(), PRODUCT, declared, exclusive=True) == sorted(declared)
    assert fake.holders == declared
    assert fake.touched("unassign") == set(outsiders)
    assert fake.count("unassign") == 3  # five outsiders in batches of two
    assert fake.count("list") == 1


@pytest.mark.parametrize(("assigned_ids", "unknown", "unassign_nonholder", "failure"), SWITCHES)
def test_failed_exclusive_create_leaves_every_seat_as_it_was(
    assigned_ids, unknown, unassign_nonholder, failure
):
    before = set(KEPT + OUTSIDERS)
    fake = FakeClient(
        holders=before,
        assigned_ids=assigned_ids,
        unknown=unknown,
        unassign_nonholder=unassign_nonholder,
        **FAILURES[failure],
    )
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW + KEPT), exclusive=True)
    assert fake.holders == before
    # Only the outsiders were unassigned (and got their seats back)...
    assert fake.touched("unassign") & before == set(OUTSIDERS)
    assert "assigned again" in str(info.value)
    # ...and the declared users who held a seat never lost it.
    assert fake.touched("unassign").isdisjoint(KEPT)


@pytest.mark.parametrize(("assigned_ids", "unknown", "unassign_nonholder", "failure"), SWITCHES)
def test_failed_exclusive_update_leaves_every_seat_as_it_was(
    assigned_ids, unknown, unassign_nonholder, failure
):
    previously = {NEW[0], KEPT[0], KEPT[1]}
    before = set(KEPT + OUTSIDERS)
    fake = FakeClient(
        holders=before,
        assigned_ids=assigned_ids,
        unknown=unknown,
        unassign_nonholder=unassign_nonholder,
        **FAILURES[failure],
    )
    with pytest.raises(SeatAssignmentError):
        converge(fake.view(), PRODUCT, {*NEW, KEPT[0]}, previously, exclusive=True)
    assert fake.holders == before
    assert fake.touched("unassign") & before == {KEPT[1], *OUTSIDERS}


@pytest.mark.parametrize("failing_batch", [1, 2, 3])
@pytest.mark.parametrize("exclusive", [False, True])
def test_a_failed_unassign_gives_back_what_was_unassigned_and_assigns_nothing(
    failing_batch, exclusive
):
    # Five users leave (batches of two: three DELETEs); one of the DELETEs fails.
    leaving = [uid(0x40 + i) for i in range(5)]
    before = {*leaving, NEW[0]}
    fake = FakeClient(holders=before, fail_unassign_batch=failing_batch)
    previously = set(leaving) if not exclusive else set()
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, {NEW[0], NEW[1]}, previously, exclusive=exclusive)
    assert fake.holders == before
    assert fake.touched("assign") <= set(leaving)  # only the seats given back again
    assert "injected unassign failure" in str(info.value)
    assert isinstance(info.value.__cause__, ServerError)


def test_release_or_restore_that_cannot_restore_names_the_users_left_without_a_seat():
    class CannotAssign(FakeClient):
        def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
            self.calls.append(("assign", tuple(user_uuids)))
            raise ServerError(503, "POST", PATH, ["assign is down"])

    leaving = [uid(0x40 + i) for i in range(3)]
    fake = CannotAssign(holders=leaving, fail_unassign_batch=2)
    with pytest.raises(SeatAssignmentError) as info:
        release_or_restore(fake.view(), PRODUCT, leaving)
    message = str(info.value)
    assert "now without a seat" in message
    assert f"{leaving[0]}, {leaving[1]}" in message


def test_exclusive_of_nobody_new_only_unassigns():
    fake = FakeClient(holders=[*KEPT, *OUTSIDERS])
    converge(fake.view(), PRODUCT, set(KEPT), set(KEPT), exclusive=True)
    assert fake.holders == set(KEPT)
    assert fake.touched("assign") == set()


# -- defects the invariant tier (tests/emulator/test_invariants.py) found ----------------


class UnansweredClient(FakeClient):
    """A fake whose n-th assign (or unassign) request is carried out but never answered.

    As after a client timeout or a dropped connection: Datadog made the change, the
    client got a TransportError, whose outcome the seat logic cannot know.
    """

    def __init__(self, *, unanswered_assign: int = 0, unanswered_unassign: int = 0, **kw: Any):
        super().__init__(**kw)
        self.unanswered_assign = unanswered_assign
        self.unanswered_unassign = unanswered_unassign

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        answer = super().assign_batch(product_code, user_uuids)
        if self.count("assign") == self.unanswered_assign:
            raise TransportError(f"POST {PATH} timed out")
        return answer

    def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        answer = super().unassign_batch(product_code, user_uuids)
        if self.count("unassign") == self.unanswered_unassign:
            raise TransportError(f"DELETE {PATH} timed out")
        return answer


class LateClient(FakeClient):
    """A fake whose n-th assign request times out now and takes effect later (``land()``)."""

    def __init__(self, *, late_assign: int, **kw: Any):
        super().__init__(**kw)
        self.late_assign = late_assign
        self.late: list[str] = []

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        if self.count("assign") + 1 == self.late_assign:
            self.calls.append(("assign", tuple(user_uuids)))
            self.late = list(user_uuids)
            raise TransportError(f"POST {PATH} timed out")
        return super().assign_batch(product_code, user_uuids)

    def land(self) -> None:
        self.holders.update(u for u in self.late if u not in self.unknown_users)


def test_an_assign_that_timed_out_is_never_reported_as_nothing_changed():
    """Regression: a timed-out assign was followed by "No seat was assigned, so nothing
    changed", and the seats Datadog gave once the request landed were tracked by nobody."""
    fake = LateClient(late_assign=2, holders=OUTSIDERS)
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    message = str(info.value)
    fake.land()
    late = sorted(fake.holders - set(OUTSIDERS))
    assert late  # the request did land after all...
    assert "nothing changed" not in message  # ...so the message never said otherwise,
    assert "no clear answer" in message  # it warned,
    assert all(user in message for user in late)  # and named whom


def test_a_refused_or_unavailable_assign_still_says_nothing_changed():
    fake = FakeClient(fail_assign_batch=2, holders=OUTSIDERS)  # 503: a refusal
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    assert "nothing changed" in str(info.value) and "no clear answer" not in str(info.value)
    assert fake.holders == set(OUTSIDERS)


def test_an_assign_carried_out_without_an_answer_is_given_back():
    fake = UnansweredClient(unanswered_assign=2, holders=OUTSIDERS)
    with pytest.raises(SeatAssignmentError):
        converge(fake.view(), PRODUCT, set(NEW))
    assert fake.holders == set(OUTSIDERS)


def test_a_failed_read_back_rolls_back_instead_of_leaving_seats_behind():
    """Regression: when an answer left a user out and reading the holders back failed,
    the error escaped without a roll back: the seats given meanwhile stayed, untracked."""
    stranger = uid(0xDEAD)
    # Listing 1 (the plan) succeeds; listing 2 (the read-back) fails.
    fake = FakeClient(unknown_users=[stranger], fail_list_after=1, holders=OUTSIDERS)
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, {*NEW, stranger})
    assert fake.holders == set(OUTSIDERS)
    assert "reading the holders back to check failed" in str(info.value)


class FullClient(FakeClient):
    """A fake with a seat capacity; past it, an assign seats whom it can (partial answer)."""

    def __init__(self, *, capacity: int, **kw: Any):
        super().__init__(**kw)
        self.capacity = capacity

    def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
        free = max(0, self.capacity - len(self.holders))
        fitting = [u for u in user_uuids if u in self.holders] + [
            u for u in user_uuids if u not in self.holders
        ][:free]
        self.calls.append(("assign", tuple(user_uuids)))
        self.holders.update(fitting)
        return WriteResult(tuple(fitting))


def test_a_restore_that_datadog_does_not_carry_out_is_reported():
    """Regression: assigning back the seats an update had given back trusted the call and
    said "were assigned again" while Datadog had seated nobody (more holders than seats)."""
    outsiders = [uid(0x30), uid(0x31), uid(0x32)]
    fake = FullClient(capacity=2, holders=outsiders)  # over-allocated: 3 holders, 2 seats
    with pytest.raises(SeatAssignmentError) as info:
        # Exclusive: unassigns the three outsiders, then cannot seat five new users.
        converge(fake.view(), PRODUCT, set(NEW), exclusive=True)
    message = str(info.value)
    lost = sorted(set(outsiders) - fake.holders)
    assert lost  # some outsider could not get a seat back...
    assert "were assigned again" not in message  # ...and the message no longer says so
    assert "also failed" in message and all(user in message for user in lost)


def test_an_unassign_carried_out_without_an_answer_is_assigned_back():
    """Regression: the users of an unassign request that failed without an answer were
    left out of the restore (only confirmed batches were), and silently lost their seat."""
    fake = UnansweredClient(unanswered_unassign=2, holders=OUTSIDERS + KEPT, batch_size=1)
    with pytest.raises(SeatAssignmentError) as info:
        release_or_restore(fake.view(), PRODUCT, sorted(OUTSIDERS + KEPT))
    assert fake.holders == set(OUTSIDERS + KEPT)
    assert "no clear answer" in str(info.value)


# -- writes that may land again (a retry was answered after an attempt without a clear answer)


def assert_late_writes_were_named(fake: FakeClient, message: str) -> None:
    """Land the earlier attempts that may land again; whoever they change was named."""
    before = set(fake.holders)
    fake.land_late()
    changed = before ^ fake.holders
    if changed:
        assert "no clear answer" in message
        assert "nothing changed" not in message
        assert all(user in message for user in changed), (changed, message)


STRANGER = uid(0xDEAD)
ROLL_BACKS: dict[str, dict[str, Any]] = {
    # name: FakeClient keyword arguments that make assigning NEW + STRANGER roll back
    "a later batch refused": {"fail_assign_batch": 2},
    "a later batch without a clear answer": {"fail_assign_batch": 2, "fail_after_apply": True},
    "a user skipped": {"unknown_users": [STRANGER]},
    "a user skipped, no read-back": {"unknown_users": [STRANGER], "fail_list_after": 1},
}


@pytest.mark.parametrize("roll_back", sorted(ROLL_BACKS))
def test_a_roll_back_names_the_users_whose_assign_may_land_again(roll_back):
    """Regression (the invariant tier): a POST retried after a timeout seated its users,
    the roll back gave the seats back and said "nothing changed", then the first attempt
    landed and the users held seats nobody tracked."""
    fake = FakeClient(holders=OUTSIDERS, relanding_assign_batch=1, **ROLL_BACKS[roll_back])
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, {*NEW, STRANGER})
    message = str(info.value)
    assert fake.holders == set(OUTSIDERS)  # rolled back...
    assert "An earlier attempt of the request that assigned" in message  # ...but said so
    assert "run `pulumi up` again" in message
    assert_late_writes_were_named(fake, message)
    assert fake.holders - set(OUTSIDERS)  # the late POST did land


def test_a_late_assign_of_users_whose_seat_could_not_be_given_back_is_not_mentioned():
    class CannotUnassign(FakeClient):
        def unassign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
            raise ServerError(503, "DELETE", PATH, ["unassign is down"])

    fake = CannotUnassign(holders=OUTSIDERS, relanding_assign_batch=1, fail_assign_batch=2)
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    message = str(info.value)
    assert "may still hold a seat" in message and f"{NEW[0]}, {NEW[1]}" in message
    assert "An earlier attempt" not in message  # a late POST would change nothing
    assert_late_writes_were_named(fake, message)


@pytest.mark.parametrize("exclusive", [False, True])
def test_seats_assigned_back_after_an_unassign_that_may_land_again_are_named(exclusive):
    # Four users leave (batches of two); the first DELETE may land again; assigning fails.
    leaving = [uid(0x40 + i) for i in range(4)]
    before = {*leaving, *KEPT}
    fake = FakeClient(holders=before, relanding_unassign_batch=1, fail_assign_batch=1)
    previously = set(KEPT) if exclusive else {*KEPT, *leaving}
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, {*KEPT, NEW[0]}, previously, exclusive=exclusive)
    message = str(info.value)
    assert fake.holders == before
    assert "were assigned again" in message
    assert f"An earlier attempt of the request that unassigned {leaving[0]}, {leaving[1]}" in (
        message
    )
    assert leaving[2] not in message  # its DELETE was answered at the first attempt
    assert_late_writes_were_named(fake, message)
    assert fake.holders == before - set(leaving[:2])


@pytest.mark.parametrize("failure", ["refused", "no clear answer"])
def test_release_or_restore_names_the_users_whose_unassign_may_land_again(failure):
    leaving = [uid(0x40 + i) for i in range(4)]
    if failure == "refused":
        fake = FakeClient(holders=leaving, relanding_unassign_batch=1, fail_unassign_batch=2)
    else:
        fake = UnansweredClient(holders=leaving, relanding_unassign_batch=1, unanswered_unassign=2)
    with pytest.raises(SeatAssignmentError) as info:
        release_or_restore(fake.view(), PRODUCT, leaving)
    message = str(info.value)
    assert fake.holders == set(leaving)
    assert f"unassigned {leaving[0]}, {leaving[1]} got no clear answer" in message
    assert "take their seat away" in message
    assert_late_writes_were_named(fake, message)


def test_a_user_datadog_gives_no_seat_back_is_not_warned_of_a_late_unassign():
    class NoSeatFor(FakeClient):
        """Assigning back seats nobody: the seats are all taken meanwhile."""

        def assign_batch(self, product_code: str, user_uuids: Sequence[str]) -> WriteResult:
            self.calls.append(("assign", tuple(user_uuids)))
            return WriteResult()

    leaving = [uid(0x40), uid(0x41), uid(0x42)]
    fake = NoSeatFor(holders=leaving, relanding_unassign_batch=1, fail_unassign_batch=2)
    with pytest.raises(SeatAssignmentError) as info:
        release_or_restore(fake.view(), PRODUCT, leaving)
    message = str(info.value)
    assert "gave no seat to" in message and "An earlier attempt" not in message
    assert_late_writes_were_named(fake, message)


def test_late_writes_that_repeat_the_final_state_are_not_mentioned():
    # The roll back's DELETE and the restore's POST may land again: they only repeat them.
    fake = FakeClient(holders=OUTSIDERS, fail_assign_batch=2, relanding_unassign_batch=1)
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    assert "nothing changed" in str(info.value) and "no clear answer" not in str(info.value)
    assert_late_writes_were_named(fake, str(info.value))

    leaving = [uid(0x40), uid(0x41), uid(0x42)]
    fake = FakeClient(holders=leaving, fail_unassign_batch=2, relanding_assign_batch=1)
    with pytest.raises(SeatAssignmentError) as info:
        release_or_restore(fake.view(), PRODUCT, leaving)
    assert "assigned again" in str(info.value) and "no clear answer" not in str(info.value)
    assert_late_writes_were_named(fake, str(info.value))


def test_a_run_that_succeeds_has_nothing_to_say_of_writes_that_may_land_again():
    fake = FakeClient(holders=[*OUTSIDERS, *KEPT], relanding_assign_batch=2)
    fake.relanding_unassign_batch = 1
    assert converge(fake.view(), PRODUCT, set(NEW), set(KEPT)) == sorted(NEW)
    fake.land_late()
    assert fake.holders == {*OUTSIDERS, *NEW}


def test_every_user_of_an_assign_without_a_clear_answer_is_named_even_if_seated():
    """A retried request may have several attempts under way: one that landed (the user
    holds a seat, given back by the roll back) says nothing of the others."""
    fake = UnansweredClient(unanswered_assign=2, holders=OUTSIDERS)
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, set(NEW))
    message = str(info.value)
    assert fake.holders == set(OUTSIDERS)
    assert f"The request for {NEW[2]}, {NEW[3]} got no clear answer" in message
    assert "nothing changed" not in message


@pytest.mark.parametrize(
    ("relanding_assign", "relanding_unassign", "failure"),
    list(itertools.product([None, 1, 2, 3], [None, 1, 2], FAILURES)),
)
def test_whatever_lands_late_after_a_failed_exclusive_update_was_named(
    relanding_assign, relanding_unassign, failure
):
    # Unassigns KEPT[1] and the outsiders (two DELETEs), then assigns five users.
    fake = FakeClient(
        holders=KEPT + OUTSIDERS,
        relanding_assign_batch=relanding_assign,
        relanding_unassign_batch=relanding_unassign,
        **FAILURES[failure],
    )
    with pytest.raises(SeatAssignmentError) as info:
        converge(fake.view(), PRODUCT, {*NEW, KEPT[0]}, set(KEPT), exclusive=True)
    message = str(info.value)
    if "no clear answer" not in message:
        assert fake.holders == set(KEPT + OUTSIDERS)
    assert_late_writes_were_named(fake, message)
