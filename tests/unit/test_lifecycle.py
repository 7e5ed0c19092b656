"""lifecycle: the steps of a SeatAssignment, free of Pulumi, against the in-memory fake.

The front ends' own tests (test_provider.py, test_plugin_*.py) check the translation of
wire values; these check the rules, once, where they are written.
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_datadog_seats import lifecycle
from pulumi_datadog_seats.declaration import Declaration, SeatOutputs, declaration_of
from pulumi_datadog_seats.errors import (
    ConfigurationError,
    ExclusiveClaimError,
    SeatAssignmentError,
    SeatsError,
)
from pulumi_datadog_seats.lifecycle import SeatLifecycle
from pulumi_datadog_seats.spelling import PYTHON
from pulumi_datadog_seats.spelling import YAML as SCHEMA
from tests.unit.conftest import FakeClient, make_settings, uid

PRODUCT = "incident_response"
A, B, C, D = uid(0xA), uid(0xB), uid(0xC), uid(0xD)


class Pending:
    """A value not known yet."""


def is_pending(value: Any) -> bool:
    return isinstance(value, Pending)


def configured(monkeypatch: pytest.MonkeyPatch, fake: FakeClient, spelling=PYTHON):
    monkeypatch.setattr(lifecycle, "SeatsClient", lambda settings, **_: fake)
    core = SeatLifecycle(spelling)
    core.configure(make_settings(batch_size=fake.batch_size))
    return core


def test_only_an_exclusive_declaration_records_the_holders_it_does_not_name():
    holders = {uid(3), uid(1), uid(2)}
    exclusive = Declaration(PRODUCT, frozenset({uid(2), uid(5)}), exclusive=True)
    assert SeatOutputs.of(exclusive, holders).unmanaged_ids == (uid(1), uid(3))
    plain = Declaration(PRODUCT, frozenset({uid(2), uid(5)}))
    outputs = SeatOutputs.of(plain, holders)
    assert outputs.unmanaged_ids == ()
    assert outputs.assigned_ids == (uid(2),) and outputs.user_uuids == (uid(2), uid(5))


def test_refresh_keeps_the_users_still_seated_and_warns_about_the_others(monkeypatch):
    core = configured(monkeypatch, FakeClient(holders={A, D}))
    refreshed = core.refresh(Declaration(PRODUCT, frozenset({A, B})))
    assert refreshed.outputs == SeatOutputs(PRODUCT, (A,), False, (A,), ())
    assert refreshed.warning is not None
    assert B in refreshed.warning and "remove them from user_uuids" in refreshed.warning
    gone = core.refresh(Declaration(PRODUCT, frozenset({B})))
    assert gone.outputs is None and gone.warning is not None and "creates it again" in gone.warning


def test_messages_name_properties_as_the_front_end_spells_them(monkeypatch):
    core = configured(monkeypatch, FakeClient(holders={A}), SCHEMA)
    refreshed = core.refresh(Declaration(PRODUCT, frozenset({A, B})))
    assert refreshed.warning is not None and "remove them from userUuids" in refreshed.warning
    checked = core.check({"product_code": PRODUCT, "user_uuids": "nope"})
    assert [reason.split(" ", 1)[0] for _, reason in checked.failures] == ["userUuids"]


def test_no_message_about_a_secret_declaration_names_a_user(monkeypatch):
    fake = FakeClient(holders={A}, unknown="reject", unknown_users={B})
    core = configured(monkeypatch, fake)
    with pytest.raises(SeatAssignmentError) as info:
        core.create(Declaration(PRODUCT, frozenset({B, C}), secret=True))
    assert B not in str(info.value) and C not in str(info.value)
    assert "[secret]" in str(info.value)
    warning = core.refresh(Declaration(PRODUCT, frozenset({A, D}), secret=True)).warning
    assert warning is not None and D not in warning and A not in warning


def test_create_records_the_declared_users_confirmed_holding_a_seat(monkeypatch):
    fake = FakeClient(holders={D}, assigned_ids="new")
    core = configured(monkeypatch, fake)
    outputs = core.create(Declaration(PRODUCT, frozenset({A, B})))
    assert outputs.assigned_ids == (A, B) and fake.holders == {A, B, D}


def test_adopt_takes_current_holders_only_and_writes_nothing(monkeypatch):
    fake = FakeClient(holders={A, B})
    core = configured(monkeypatch, fake)
    assert core.adopt(PRODUCT, None).user_uuids == (A, B)
    assert core.adopt(PRODUCT, {B}).user_uuids == (B,)
    with pytest.raises(SeatsError, match="hold no seat") as info:
        core.adopt(PRODUCT, {A, C})
    assert C in str(info.value)
    assert fake.touched("assign") == fake.touched("unassign") == set()


def test_declaration_of_a_state_written_by_0_1_0_is_not_exclusive():
    declaration = declaration_of({"product_code": PRODUCT, "user_uuids": [A.upper(), "junk"]})
    assert declaration == Declaration(PRODUCT, frozenset({A}), exclusive=False, secret=False)


# -- what a preview names: everyone the next up unassigns (forecast) ----------------------

OLD = {"product_code": PRODUCT, "user_uuids": [A, B], "exclusive": False}


def test_a_plain_update_names_the_users_it_removes_and_reads_nothing(monkeypatch):
    fake = FakeClient(holders={A, B, C})
    core = configured(monkeypatch, fake)
    diff = core.diff(OLD, {"product_code": PRODUCT, "user_uuids": [A, D]})
    assert (
        diff.warning is not None and B in diff.warning and "removed from user_uuids" in diff.warning
    )
    assert A not in diff.warning and C not in diff.warning and D not in diff.warning
    assert fake.calls == []  # a plain declaration never lists for its preview
    assert core.diff(OLD, {"product_code": PRODUCT, "user_uuids": [A, B, D]}).warning is None


def test_turning_exclusive_on_names_every_holder_it_does_not_declare(monkeypatch):
    core = configured(monkeypatch, FakeClient(holders={A, B, C, D}))
    diff = core.diff(OLD, {**OLD, "user_uuids": [A], "exclusive": True})
    assert diff.changed == ("user_uuids", "exclusive")
    assert diff.warning is not None and "exclusive=True" in diff.warning
    # B is removed and holds a seat, C and D hold one no declaration names: all three go.
    assert {u for u in (A, B, C, D) if u in diff.warning} == {B, C, D}
    # The update then unassigns exactly them.
    core.update(Declaration(PRODUCT, frozenset({A}), exclusive=True), frozenset({A, B}))
    assert core.api.holders(PRODUCT) == {A}


def test_an_exclusive_create_names_the_holders_in_its_check(monkeypatch):
    core = configured(monkeypatch, FakeClient(holders={C, D}))
    news = {"product_code": PRODUCT, "user_uuids": [A, C], "exclusive": True}
    created = core.check(news, creating=True)
    assert created.warning is not None and D in created.warning and C not in created.warning
    assert core.check(news).warning is None  # an update's check: its diff names them
    assert core.check({**news, "exclusive": False}, creating=True).warning is None


def test_while_the_users_are_unknown_an_exclusive_preview_names_every_holder(monkeypatch):
    core = configured(monkeypatch, FakeClient(holders={A, C}))
    news = {"product_code": PRODUCT, "user_uuids": [A, Pending()], "exclusive": True}
    checked = core.check(news, is_unknown=is_pending, creating=True)
    assert checked.warning is not None and "not known yet" in checked.warning
    assert C in checked.warning and A not in checked.warning
    diff = core.diff(OLD, {**news, "user_uuids": Pending()}, is_pending)
    assert diff.warning is not None and A in diff.warning and C in diff.warning


def test_a_replacement_reads_the_new_product_first_and_names_the_old_seats(monkeypatch):
    fake = FakeClient(holders={A})
    core = configured(monkeypatch, fake)
    diff = core.diff(OLD, {"product_code": "on_call", "user_uuids": [A]})
    assert diff.replaces == ("product_code",)
    assert fake.calls == [("list", ())]  # the create's listing, read before any delete
    assert diff.warning is not None and "'incident_response' => 'on_call'" in diff.warning
    assert A in diff.warning and B in diff.warning


def test_a_replacement_to_a_product_datadog_refuses_fails_in_the_diff(monkeypatch):
    fake = FakeClient(holders={A})
    core = configured(monkeypatch, fake)
    fake.fail_list_after = 0
    with pytest.raises(SeatsError):
        core.diff(OLD, {"product_code": "billing_seats", "user_uuids": [A]})
    assert fake.touched("unassign") == set()


def test_a_delete_leaves_the_seats_a_create_of_the_same_run_declared(monkeypatch):
    fake = FakeClient(holders={A, B, C})
    core = configured(monkeypatch, fake)
    # A replacement of the same product (pulumi up --replace) creates first...
    core.create(Declaration(PRODUCT, frozenset({A, B})))
    # ...then deletes the old resource: A and B keep the seats the new one declares.
    core.delete(Declaration(PRODUCT, frozenset({A, B, C})))
    assert fake.holders == {A, B}
    assert fake.touched("unassign") == {C}
    # A later run (a new provider process) gives them back.
    later = configured(monkeypatch, fake)
    later.delete(Declaration(PRODUCT, frozenset({A, B})))
    assert fake.holders == set()


def test_a_configuration_error_fails_every_check_and_every_api_step(monkeypatch):
    core = SeatLifecycle(PYTHON)
    core.configure(ConfigurationError("No Datadog API key is configured."))
    checked = core.check({"product_code": PRODUCT, "user_uuids": [A]})
    assert checked.failures == [("", "No Datadog API key is configured.")]
    with pytest.raises(ConfigurationError, match="No Datadog API key"):
        core.refresh(Declaration(PRODUCT, frozenset({A})))


# -- exclusive: these people and nobody else --------------------------------------------------

E = uid(0xE)


def exclusive(*users: str) -> Declaration:
    return Declaration(PRODUCT, frozenset(users), exclusive=True)


def test_an_exclusive_create_unassigns_every_holder_it_does_not_declare(monkeypatch):
    fake = FakeClient(holders={A, C, D, E})
    outputs = configured(monkeypatch, fake).create(exclusive(A, B))
    assert fake.holders == {A, B} and fake.touched("unassign") == {C, D, E}
    assert outputs.exclusive and outputs.unmanaged_ids == () and outputs.assigned_ids == (A, B)


def test_a_plain_create_records_no_other_holder_and_touches_none(monkeypatch):
    # The state grows with the declaration, not with the product's other holders.
    fake = FakeClient(holders={C, D, E})
    outputs = configured(monkeypatch, fake).create(Declaration(PRODUCT, frozenset({A})))
    assert outputs.unmanaged_ids == () and fake.touched("unassign") == set()


@pytest.mark.parametrize("step", ["create", "update"])
def test_a_second_exclusive_claim_fails_before_any_write(monkeypatch, step):
    fake = FakeClient(holders={C, D})
    core = configured(monkeypatch, fake)
    core.create(exclusive(A), claimant="first")
    writes = list(fake.calls)
    with pytest.raises(ExclusiveClaimError, match=PRODUCT):
        if step == "create":
            core.create(exclusive(B), claimant="second")
        else:
            core.update(exclusive(B), frozenset({B}), claimant="second")
    assert fake.calls == writes and fake.holders == {A}


def test_two_exclusive_claims_stop_both_creates(monkeypatch):
    fake = FakeClient(holders={C})
    core = configured(monkeypatch, fake)
    news = {"product_code": PRODUCT, "user_uuids": [A], "exclusive": True}
    assert core.check(news).failures == []
    with pytest.raises(ExclusiveClaimError):
        core.create(exclusive(B))
    # Neither goes ahead now: the engine may have checked both before creating either.
    with pytest.raises(ExclusiveClaimError):
        core.create(exclusive(A))
    assert fake.calls == [] and fake.holders == {C}


def test_a_failed_exclusive_create_gives_the_unmanaged_holders_their_seats_back(monkeypatch):
    before = {C, D, E}
    fake = FakeClient(holders=before, unknown_users={B}, unknown="reject")
    with pytest.raises(SeatAssignmentError, match="assigned again"):
        configured(monkeypatch, fake).create(exclusive(A, B))
    assert fake.holders == before and fake.touched("unassign") >= before


def test_a_refresh_of_an_exclusive_declaration_records_the_unmanaged_holders(monkeypatch):
    core = configured(monkeypatch, FakeClient(holders={A, C, D}))
    refreshed = core.refresh(exclusive(A, B))
    assert refreshed.outputs is not None and refreshed.outputs.unmanaged_ids == (C, D)
    assert refreshed.inputs == {"product_code": PRODUCT, "user_uuids": [A], "exclusive": True}


def test_an_exclusive_update_unassigns_the_unmanaged_and_the_removed(monkeypatch):
    fake = FakeClient(holders={A, B, C, D})
    outputs = configured(monkeypatch, fake).update(exclusive(A, E), frozenset({A, B}))
    assert fake.holders == {A, E} and outputs.unmanaged_ids == ()


def test_turning_exclusive_off_touches_nobody(monkeypatch):
    fake = FakeClient(holders={A, C})
    outputs = configured(monkeypatch, fake).update(Declaration(PRODUCT, frozenset({A})), {A})
    assert fake.holders == {A, C} and fake.touched("assign") == fake.touched("unassign") == set()
    assert outputs.unmanaged_ids == ()


@pytest.mark.parametrize("failure", [{"unknown_users": {E}}, {"fail_unassign_batch": 2}])
def test_a_failed_exclusive_update_leaves_every_seat_as_it_was(monkeypatch, failure):
    before = {A, B, C, D, uid(0x21), uid(0x22)}
    fake = FakeClient(holders=before, unknown="reject", **failure)
    with pytest.raises(SeatAssignmentError):
        configured(monkeypatch, fake).update(exclusive(A, E), frozenset({A, B}))
    assert fake.holders == before


# -- one listing of a product per provider process -----------------------------------------------


def test_many_steps_share_one_listing_per_product(monkeypatch):
    fake = FakeClient(holders={uid(0x100 + i) for i in range(10)})
    core = configured(monkeypatch, fake)
    declared = [Declaration(PRODUCT, frozenset({uid(i)})) for i in range(1, 21)]
    for declaration in declared:
        core.create(declaration)
    for declaration in declared:
        core.refresh(declaration)
    earlier = [Declaration(PRODUCT, frozenset({uid(0x100 + i)})) for i in range(5)]
    for declaration in earlier:
        core.delete(declaration)  # resources of earlier runs
    core.create(Declaration("on_call", frozenset({uid(0x99)})))
    assert fake.count("list") == 2  # one per product
    assert fake.count("assign") == 21 and fake.count("unassign") == 5
    # The view kept up with every write: a refresh after the deletes sees them.
    assert core.refresh(earlier[0]).outputs is None
    assert fake.count("list") == 2


def test_refreshes_see_seats_given_back_by_deletes_of_this_process(monkeypatch):
    fake = FakeClient(holders={A, B, C})
    core = configured(monkeypatch, fake)
    core.refresh(Declaration(PRODUCT, frozenset({A})))
    core.delete(Declaration(PRODUCT, frozenset({B})))
    refreshed = core.refresh(exclusive(A))
    assert refreshed.outputs is not None and refreshed.outputs.unmanaged_ids == (C,)
    assert fake.count("list") == 1
