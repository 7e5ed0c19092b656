"""validation: what check accepts, how it normalises, and what each refusal says."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_datadog_seats.validation import CheckOutcome, check_inputs
from tests.unit.conftest import uid

PRODUCT = "incident_response"


def test_an_api_key_in_user_uuids_is_refused_and_never_shown():
    """Regression: 32 hex digits (a Datadog API key's shape) used to pass as a UUID, be sent
    to Datadog as a user and be stored, hyphenated, in plain text in the state."""
    api_key, app_key = (
        "0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef01234567",
    )
    outcome = check_inputs(PRODUCT, [uid(1), api_key, app_key])
    ((prop, reason),) = outcome.failures
    assert prop == "user_uuids"
    assert "shape of a Datadog API or application key" in reason
    assert api_key not in reason and app_key not in reason
    assert api_key[:8] not in reason
    # ...and the engine must not print the value beside the message either.
    assert outcome.unprintable == {"user_uuids"}


def test_a_key_as_product_code_is_refused_and_never_shown():
    key = "abcdef0123456789abcdef0123456789"  # matches the product-code pattern otherwise
    outcome = check_inputs(key, [uid(1)])
    ((prop, reason),) = outcome.failures
    assert prop == "product_code" and key not in reason
    assert outcome.unprintable == {"product_code"}


# -- check_inputs -------------------------------------------------------------------


def test_check_canonicalises_dedupes_and_sorts():
    a, b = uid(0xB), uid(0xA)
    outcome = check_inputs(
        " on_call ", [a.upper(), "{" + b + "}", a, "  " + b.upper() + " ", "urn:uuid:" + b]
    )
    assert outcome.failures == []
    assert outcome.inputs == {"product_code": "on_call", "user_uuids": [b, a], "exclusive": False}


def test_check_keeps_a_valid_declaration_as_is():
    users = [uid(1), uid(2)]
    assert check_inputs(PRODUCT, users) == CheckOutcome(
        {"product_code": PRODUCT, "user_uuids": users, "exclusive": False}, []
    )


@pytest.mark.parametrize(
    ("users", "says"),
    [
        ([], "delete the resource"),
        ((), "delete the resource"),
        (None, "user_uuids is required"),
        (
            "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
            "put it in a list: ['3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c']",
        ),
        (5.0, "got the number 5;"),
        ({"id": "x"}, "got the object {'id': 'x'}; pass the UUIDs themselves"),
    ],
)
def test_check_refuses_empty_or_non_list_user_uuids(users, says):
    outcome = check_inputs(PRODUCT, users)
    assert [prop for prop, _ in outcome.failures] == ["user_uuids"]
    assert says in outcome.failures[0][1]


def test_check_accepts_a_tuple():
    assert check_inputs(PRODUCT, (uid(2), uid(1))).inputs["user_uuids"] == [uid(1), uid(2)]


def test_check_lists_every_invalid_entry_in_one_failure():
    outcome = check_inputs(PRODUCT, [uid(1), "nope", 7, None, "", "also-bad"])
    assert len(outcome.failures) == 1
    prop, reason = outcome.failures[0]
    assert prop == "user_uuids"
    for bad in ("'nope'", "7 (a number)", "None", "''", "'also-bad'"):
        assert bad in reason
    assert uid(1) not in reason.split("not UUIDs:")[1]


@pytest.mark.parametrize(
    ("product_code", "says"),
    [
        ("", "must not be empty (got '')"),
        ("   ", "must not be empty (got '   ')"),
        (None, "product_code is required"),
        (5, "got the number 5"),
        (["on_call"], "got the list ['on_call']"),
        ("Incident Response", "did you mean 'incident_response'?"),
        ("on-call", "did you mean 'on_call'?"),
        ("ON_CALL", "did you mean 'on_call'?"),
        ("incident_réponse", "lower-case letters, digits and underscores"),
        ("1st_product", "starting with a letter"),
    ],
)
def test_check_refuses_bad_product_codes(product_code, says):
    outcome = check_inputs(product_code, [uid(1)])
    assert [prop for prop, _ in outcome.failures] == ["product_code"]
    assert says in outcome.failures[0][1]


@pytest.mark.parametrize("product_code", ["incident_response", "on_call", " on_call ", "p2"])
def test_check_accepts_lower_snake_product_codes(product_code):
    outcome = check_inputs(product_code, [uid(1)])
    assert outcome.failures == []
    assert outcome.inputs["product_code"] == product_code.strip()


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("00000000-0000-0000-0000-000000000000", "the nil UUID, which no user has"),
        ("3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2", "(35 characters; a UUID has 36"),
        (
            "3f2a6b1c0d4e-4f5a-9b8c-7d6e-5f4a3b2c",
            "did you mean '3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c'?",
        ),
        (["3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c"], "(a list)"),
        ({"id": "x"}, "(an object: pass the user's id string"),
        (True, "True (a boolean)"),
        (2.5, "2.5 (a number)"),
        ("   ", "'   ' (empty)"),
    ],
)
def test_each_kind_of_bad_entry_says_what_is_wrong(entry, says):
    outcome = check_inputs(PRODUCT, [uid(1), entry])
    ((prop, reason),) = outcome.failures
    assert prop == "user_uuids" and says in reason
    assert uid(1) not in reason.split("not UUIDs:")[1]


def test_a_long_list_of_bad_entries_is_shortened():
    outcome = check_inputs(PRODUCT, [f"bad-{i}" for i in range(25)])
    ((_, reason),) = outcome.failures
    assert "'bad-9'" in reason and "'bad-10'" not in reason
    assert reason.endswith(" and 15 more")


def test_a_secret_declaration_never_shows_its_values():
    secret_entry = "secret-entry-not-a-uuid"
    outcome = check_inputs(PRODUCT, [uid(1), secret_entry, uid(2)], secret=True)
    ((prop, reason),) = outcome.failures
    assert prop == "user_uuids"
    assert secret_entry not in reason and uid(1) not in reason
    assert "position 2" in reason and "secret" in reason
    assert outcome.unprintable == {"user_uuids"}
    ((_, reason),) = check_inputs(PRODUCT, secret_entry, secret=True).failures
    assert secret_entry not in reason


def test_check_reports_both_properties_at_once():
    outcome = check_inputs("", ["bad"])
    assert sorted(prop for prop, _ in outcome.failures) == ["product_code", "user_uuids"]


class Pending:
    """A stand-in for a value not known yet (each instance is distinct, like pulumi's)."""


def is_pending(value: Any) -> bool:
    return isinstance(value, Pending)


def test_unknown_product_code_passes_through():
    pending = Pending()
    outcome = check_inputs(pending, [uid(1)], is_pending)
    assert outcome.failures == []
    assert outcome.inputs["product_code"] is pending
    assert outcome.inputs["user_uuids"] == [uid(1)]


def test_unknown_user_list_passes_through():
    pending = Pending()
    outcome = check_inputs(" on_call ", pending, is_pending)
    assert outcome.failures == []
    assert outcome.inputs == {"product_code": "on_call", "user_uuids": pending, "exclusive": False}


def test_unknown_everything_passes_through():
    code, users = Pending(), Pending()
    outcome = check_inputs(code, users, is_pending)
    assert outcome.failures == []
    assert outcome.inputs == {"product_code": code, "user_uuids": users, "exclusive": False}


def test_unknown_elements_are_kept_and_known_ones_still_checked():
    first, second = Pending(), Pending()
    outcome = check_inputs(PRODUCT, [uid(2).upper(), first, uid(1), second, uid(1)], is_pending)
    assert outcome.failures == []
    users = outcome.inputs["user_uuids"]
    assert [u for u in users if is_pending(u)] == [first, second]
    assert [u for u in users if not is_pending(u)] == [uid(1), uid(2)]


def test_an_invalid_entry_beside_an_unknown_one_still_fails():
    bad = check_inputs(PRODUCT, [Pending(), "nope"], is_pending)
    assert [prop for prop, _ in bad.failures] == ["user_uuids"]
    assert "'nope'" in bad.failures[0][1]


def test_only_an_unknown_list_is_exempt_from_the_list_checks():
    # A list made only of unknowns is not empty: it passes.
    assert check_inputs(PRODUCT, [Pending()], is_pending).failures == []
    # An unknown product code does not excuse an invalid list.
    outcome = check_inputs(Pending(), [], is_pending)
    assert [prop for prop, _ in outcome.failures] == ["user_uuids"]


def test_without_an_unknown_sentinel_nothing_is_exempt():
    # The default is "no unknowns": every value is checked.
    outcome = check_inputs(None, [None, Pending()])
    assert sorted(prop for prop, _ in outcome.failures) == ["product_code", "user_uuids"]


@pytest.mark.parametrize("value", [True, False])
def test_check_keeps_a_bool_exclusive(value):
    assert check_inputs(PRODUCT, [uid(1)], exclusive=value).inputs["exclusive"] is value


def test_check_refuses_a_non_bool_exclusive_and_lets_an_unknown_one_through():
    refused = check_inputs(PRODUCT, [uid(1)], exclusive="yes")
    assert [prop for prop, _ in refused.failures] == ["exclusive"]
    pending = Pending()
    allowed = check_inputs(PRODUCT, [uid(1)], is_pending, exclusive=pending)
    assert allowed.failures == [] and allowed.inputs["exclusive"] is pending
