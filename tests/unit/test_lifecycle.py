"""lifecycle: the steps of a SeatAssignment, free of Pulumi, against the in-memory fake.

The front ends' own tests (test_provider.py, test_plugin_*.py) check the translation of
wire values; these check the rules, once, where they are written.
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_datadog_seats import lifecycle
from pulumi_datadog_seats.declaration import PYTHON, SCHEMA, Declaration, SeatOutputs
from pulumi_datadog_seats.errors import SeatAssignmentError, SeatsError
from pulumi_datadog_seats.lifecycle import SeatLifecycle, declaration_of
from tests.unit.conftest import FakeClient, make_settings, uid

PRODUCT = "incident_response"
A, B, C, D = uid(0xA), uid(0xB), uid(0xC), uid(0xD)


class Pending:
    """A value not known yet."""


def is_pending(value: Any) -> bool:
    return isinstance(value, Pending)


def configured(monkeypatch: pytest.MonkeyPatch, fake: FakeClient, spelling=PYTHON):
    monkeypatch.setattr(lifecycle, "SeatsClient", lambda settings: fake)
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


def test_diff_compares_users_as_sets_and_names_each_added_and_removed_one():
    core = SeatLifecycle(PYTHON)
    olds = {"product_code": PRODUCT, "user_uuids": [A, B, C], "exclusive": False}
    same = core.diff(olds, {"product_code": PRODUCT, "user_uuids": [C.upper(), A, B, A]})
    assert not same.has_changes
    diff = core.diff(olds, {"product_code": PRODUCT, "user_uuids": [A, D]})
    assert diff.changed == ("user_uuids",) and diff.replaces == ()
    assert diff.removed_users == (1, 2) and diff.added_users == (1,)


def test_diff_counts_unknowns_as_changes_and_a_new_product_as_a_replacement():
    core = SeatLifecycle(PYTHON)
    olds = {"product_code": PRODUCT, "user_uuids": [A], "exclusive": False}
    news = {"product_code": Pending(), "user_uuids": [A, Pending()], "exclusive": Pending()}
    diff = core.diff(olds, news, is_pending)
    assert diff.replaces == ("product_code",)
    assert set(diff.changed) == {"product_code", "user_uuids", "exclusive"}
    assert diff.added_users == (1,) and not diff.users_unknown
    assert core.diff(olds, {**news, "user_uuids": Pending()}, is_pending).users_unknown


def test_the_outsiders_recorded_are_a_change_only_while_exclusive():
    core = SeatLifecycle(PYTHON)
    olds = {"product_code": PRODUCT, "user_uuids": [A], "exclusive": True, "unmanaged_ids": [C]}
    news = {"product_code": PRODUCT, "user_uuids": [A]}
    assert core.diff(olds, {**news, "exclusive": True}).outsiders == (0,)
    off = core.diff(olds, {**news, "exclusive": False})
    assert off.outsiders == () and off.changed == ("exclusive",)


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
