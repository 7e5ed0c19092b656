"""changes.compare: what a preview calls a change, once, for both front ends.

The front ends' tests check how each words the result for its engine protocol
(test_provider.py, test_plugin_diff.py); the rules are tested here.
"""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_datadog_seats.changes import compare
from tests.unit.conftest import uid

PRODUCT = "on_call"
A, B, C, D = uid(0xA), uid(0xB), uid(0xC), uid(0xD)


class Pending:
    """A value not known yet (preview)."""


def pending(value: Any) -> bool:
    return isinstance(value, Pending)


def olds_of(users: list[str] | None = None, **more: Any) -> dict[str, Any]:
    """Outputs as a state records them (0.1.0 had neither exclusive nor unmanaged_ids)."""
    users = [A, B] if users is None else users
    return {"product_code": PRODUCT, "user_uuids": users, "assigned_ids": users, **more}


@pytest.mark.parametrize(
    "users", [[A, B], [B, A], [A.upper(), B], [A, B, A, B.upper()], ["{" + B + "}", A]]
)
def test_users_compare_as_sets_of_canonical_uuids(users):
    assert not compare(olds_of(), {"product_code": PRODUCT, "user_uuids": users}).has_changes
    olds = olds_of([B.upper(), A, A])
    assert not compare(olds, {"product_code": PRODUCT, "user_uuids": [A, B]}).has_changes


@pytest.mark.parametrize("users", [[A], [A, B, C], [C], [A, C]])
def test_other_users_update_in_place(users):
    diff = compare(olds_of(), {"product_code": PRODUCT, "user_uuids": users})
    assert diff.changed == ("user_uuids",) and diff.replaces == ()


@pytest.mark.parametrize("users", [[A, B], [C]])
def test_a_new_product_replaces_whatever_the_users(users):
    diff = compare(olds_of(), {"product_code": "incident_response", "user_uuids": users})
    assert diff.replaces == ("product_code",)


@pytest.mark.parametrize(
    "users",
    [Pending(), [Pending()], [A, B, Pending()], [A, Pending()]],
    ids=["whole list", "only element", "extra element", "in place"],
)
def test_users_not_known_yet_are_a_change_in_place(users):
    diff = compare(olds_of(), {"product_code": PRODUCT, "user_uuids": users}, pending)
    assert diff.has_changes and diff.replaces == ()


def test_a_product_not_known_yet_may_replace():
    diff = compare(olds_of(), {"product_code": Pending(), "user_uuids": [A, B]}, pending)
    assert diff.replaces == ("product_code",)


@pytest.mark.parametrize(("before", "after"), [(False, True), (True, False), (None, True)])
def test_turning_exclusive_on_or_off_updates_in_place(before, after):
    olds = olds_of() if before is None else olds_of(exclusive=before, unmanaged_ids=[])
    diff = compare(olds, {"product_code": PRODUCT, "user_uuids": [A, B], "exclusive": after})
    assert diff.changed == ("exclusive",)


@pytest.mark.parametrize("exclusive", [False, None])
def test_a_state_of_0_1_0_is_no_change(exclusive):
    news: dict[str, Any] = {"product_code": PRODUCT, "user_uuids": [A, B]}
    if exclusive is not None:
        news["exclusive"] = exclusive
    assert not compare(olds_of(), news).has_changes


def test_unmanaged_holders_are_a_change_only_while_exclusive():
    news = {"product_code": PRODUCT, "user_uuids": [A, B], "exclusive": True}
    assert compare(olds_of(exclusive=True, unmanaged_ids=[C]), news).unmanaged == (0,)
    assert not compare(olds_of(exclusive=True, unmanaged_ids=[]), news).has_changes
    assert not compare(olds_of(exclusive=True), news).has_changes
    plain = {**news, "exclusive": False}
    assert not compare(olds_of(exclusive=False, unmanaged_ids=[C, D]), plain).has_changes


def test_exclusive_not_known_yet_is_a_change_in_place():
    news = {"product_code": PRODUCT, "user_uuids": [A, B], "exclusive": Pending()}
    diff = compare(olds_of(exclusive=False), news, pending)
    assert diff.changed == ("exclusive",) and diff.replaces == ()


def test_each_user_added_and_removed_is_named_by_position():
    diff = compare(olds_of([A, B, C]), {"product_code": PRODUCT, "user_uuids": [A, D]})
    assert diff.removed_users == (1, 2) and diff.added_users == (1,)
