"""lookups: the plain twins against ``responses`` mocks (results, order, one error for every
missing email, where settings come from), and the Output forms' wiring with set_mocks.

set_mocks never runs a real engine: the Output tests only check that the program forms
read the stack config, call through to the API, accept Outputs, run during preview and
return values that are not secret. Real HTTP lives in tests/emulator/test_lookups_live.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pulumi
import pulumi.runtime
import pytest
import responses

from pulumi_datadog_seats import (
    ConfigurationError,
    SeatHolder,
    SeatsError,
    UserLookupError,
    fetch_seat_holders,
    fetch_team_member_uuids,
    fetch_user_uuids,
    get_seat_holders,
    get_team_member_uuids,
    lookup_user_uuids,
)
from pulumi_datadog_seats.errors import LookupInputError
from pulumi_datadog_seats.settings import Settings
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, uid

BASE = "https://api.datadoghq.com"
USERS_URL = BASE + "/api/v2/users"
SEATS_URL = BASE + "/api/v2/seats/users"
TEAM = "e6723c40-edb1-11ed-b816-da7ad0900002"
TEAM_URL = f"{BASE}/api/v2/team/{TEAM}/memberships"
SETTINGS = Settings(api_key=CANARY_API_KEY, app_key=CANARY_APP_KEY, api_url=BASE)

#: The emulated directory: email -> (id, status). Lookups see it through a filter callback.
DIRECTORY: dict[str, tuple[str, str]] = {
    "alice@example.com": (uid(1), "Active"),
    "bob@example.com": (uid(2), "Active"),
    "xbob@example.com": (uid(3), "Active"),
    "carol@example.com": (uid(4), "Disabled"),
    "dave@example.com": (uid(5), "Pending"),
}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def directory(request: Any) -> tuple[int, dict[str, str], str]:
    """GET /api/v2/users over DIRECTORY: free-text filter, one page."""
    text = parse_qs(urlsplit(request.url).query).get("filter", [""])[0].lower()
    data = [
        {
            "type": "users",
            "id": user_id.upper(),
            "attributes": {"email": email, "status": status, "disabled": status == "Disabled"},
        }
        for email, (user_id, status) in DIRECTORY.items()
        if text in email
    ]
    meta = {"page": {"total_count": len(DIRECTORY), "total_filtered_count": len(data)}}
    return 200, {}, json.dumps({"data": data, "meta": meta})


def filters_sent(rsps: responses.RequestsMock) -> list[str]:
    return [parse_qs(urlsplit(str(c.request.url)).query)["filter"][0] for c in rsps.calls]


# -- fetch_user_uuids -------------------------------------------------------------------


def test_mixed_case_emails_resolve_in_input_order(rsps):
    rsps.add_callback(responses.GET, USERS_URL, callback=directory)
    uuids = fetch_user_uuids(["BOB@example.com", " Alice@Example.COM "], settings=SETTINGS)
    assert uuids == [uid(2), uid(1)]


def test_a_partial_filter_match_is_not_taken_for_the_email(rsps):
    rsps.add_callback(responses.GET, USERS_URL, callback=directory)
    assert fetch_user_uuids(["bob@example.com"], settings=SETTINGS) == [uid(2)]


def test_each_distinct_email_is_asked_once_and_repeats_keep_their_place(rsps):
    rsps.add_callback(responses.GET, USERS_URL, callback=directory)
    emails = ["alice@example.com", "bob@example.com", "ALICE@example.com"]
    assert fetch_user_uuids(emails, settings=SETTINGS) == [uid(1), uid(2), uid(1)]
    assert filters_sent(rsps) == ["alice@example.com", "bob@example.com"]


def test_no_emails_make_no_request(rsps):
    assert fetch_user_uuids([], settings=SETTINGS) == []
    assert len(rsps.calls) == 0


def test_every_missing_email_is_named_in_one_error_with_its_reason(rsps):
    rsps.add_callback(responses.GET, USERS_URL, callback=directory)
    emails = [
        "alice@example.com",
        "nobody@example.com",
        "Carol@example.com",
        "dave@example.com",
        "NOBODY@example.com",
    ]
    with pytest.raises(UserLookupError) as info:
        fetch_user_uuids(emails, settings=SETTINGS)
    error = info.value
    assert error.missing == {
        "nobody@example.com": "no Datadog user has this email",
        "Carol@example.com": "the user is Disabled, not Active",
        "dave@example.com": "the user is Pending, not Active",
    }
    message = str(error)
    assert message.startswith("3 of 4 emails do not resolve to one active Datadog user")
    for email in ("nobody@example.com", "Carol@example.com", "dave@example.com"):
        assert email in message
    assert "alice@example.com" not in message
    assert "Only active users can hold a seat" in message
    assert len(rsps.calls) == 4  # every email was asked, none given up on early


def test_two_active_people_with_one_email_is_ambiguous(rsps):
    rsps.add(
        responses.GET,
        USERS_URL,
        json={
            "data": [
                {"id": uid(1), "attributes": {"email": "ops@x.io", "status": "Active"}},
                {"id": uid(2), "attributes": {"email": "OPS@x.io", "status": "Active"}},
            ]
        },
    )
    with pytest.raises(UserLookupError) as info:
        fetch_user_uuids(["ops@x.io"], settings=SETTINGS)
    assert "2 active users have this email" in info.value.missing["ops@x.io"]


def test_a_person_wins_over_a_service_account_with_the_same_email(rsps):
    rsps.add(
        responses.GET,
        USERS_URL,
        json={
            "data": [
                {
                    "id": uid(1),
                    "attributes": {
                        "email": "ops@x.io",
                        "status": "Active",
                        "service_account": True,
                    },
                },
                {"id": uid(2), "attributes": {"email": "ops@x.io", "status": "Active"}},
            ]
        },
    )
    assert fetch_user_uuids(["ops@x.io"], settings=SETTINGS) == [uid(2)]


@pytest.mark.parametrize(
    ("emails", "message"),
    [
        ("alice@example.com", "emails must be a list of email addresses, such as ['alice@"),
        (None, "emails must be a list of email addresses"),
        ([""], "emails[0] must be an email address such as 'alice@example.com', not an empty"),
        (["a@x.io", None], "emails[1] must be an email address such as 'alice@example.com', not"),
        (["a@x.io", 7], "emails[1] must be an email address"),
    ],
)
def test_malformed_email_lists_are_refused_before_any_request(rsps, emails, message):
    # A SeatsError (a program reports it without a traceback), and still a ValueError.
    with pytest.raises(LookupInputError) as info:
        fetch_user_uuids(emails, settings=SETTINGS)
    assert isinstance(info.value, SeatsError) and isinstance(info.value, ValueError)
    assert str(info.value).startswith(message)
    assert len(rsps.calls) == 0


# -- fetch_seat_holders, fetch_team_member_uuids ----------------------------------------


def test_fetch_seat_holders_returns_seat_holders(rsps):
    rsps.add(
        responses.GET,
        SEATS_URL,
        json={
            "data": [
                {
                    "id": uid(1).upper(),
                    "type": "seat-users",
                    "attributes": {
                        "email": "a@x.io",
                        "name": "A",
                        "assigned_at": "2024-01-02T03:04:05Z",
                    },
                }
            ]
        },
    )
    holders = fetch_seat_holders("on_call", settings=SETTINGS)
    assert holders == [SeatHolder(uid(1), "a@x.io", "A", "2024-01-02T03:04:05Z")]
    assert parse_qs(urlsplit(rsps.calls[0].request.url).query)["product_code"] == ["on_call"]


def test_seat_holder_is_a_frozen_dataclass():
    holder = SeatHolder(id=uid(1))
    with pytest.raises(AttributeError):
        holder.id = uid(2)  # type: ignore[misc]
    assert (holder.email, holder.name, holder.assigned_at) == (None, None, None)


def test_fetch_team_member_uuids(rsps):
    rsps.add(
        responses.GET,
        TEAM_URL,
        json={
            "data": [
                {"relationships": {"user": {"data": {"id": uid(i), "type": "users"}}}}
                for i in (1, 2)
            ]
        },
    )
    assert fetch_team_member_uuids(TEAM, settings=SETTINGS) == [uid(1), uid(2)]


@pytest.mark.parametrize("call", [fetch_seat_holders, fetch_team_member_uuids])
@pytest.mark.parametrize("value", [" ", None, 42])
def test_empty_product_or_team_is_refused(rsps, call, value):
    with pytest.raises(LookupInputError) as info:
        call(value, settings=SETTINGS)
    name = "product_code" if call is fetch_seat_holders else "team_id"
    assert str(info.value).startswith(f"{name} ")  # the resource's rule for a product code
    assert len(rsps.calls) == 0


# -- where the plain twins find their settings ------------------------------------------


def test_plain_twins_read_the_environment(rsps, clean_env):
    clean_env.setenv("DD_API_KEY", CANARY_API_KEY)
    clean_env.setenv("DD_APP_KEY", CANARY_APP_KEY)
    clean_env.setenv("DD_SITE", "datadoghq.eu")
    rsps.add(responses.GET, "https://api.datadoghq.eu/api/v2/seats/users", json={"data": []})
    assert fetch_seat_holders("on_call") == []
    headers = rsps.calls[0].request.headers
    assert (headers["DD-API-KEY"], headers["DD-APPLICATION-KEY"]) == (
        CANARY_API_KEY,
        CANARY_APP_KEY,
    )


def test_explicit_config_comes_before_the_environment(rsps, clean_env):
    clean_env.setenv("DD_API_KEY", "env-api-key")
    clean_env.setenv("DD_APP_KEY", CANARY_APP_KEY)
    clean_env.setenv("DD_HOST", "https://api.datadoghq.eu")
    rsps.add(responses.GET, "https://proxy.example/api/v2/seats/users", json={"data": []})
    config = {"datadog:apiKey": CANARY_API_KEY, "datadog:apiUrl": "https://proxy.example"}
    fetch_seat_holders("on_call", config=config)
    assert rsps.calls[0].request.headers["DD-API-KEY"] == CANARY_API_KEY


def test_missing_keys_are_a_configuration_error_naming_what_to_set(rsps, clean_env):
    with pytest.raises(ConfigurationError) as info:
        fetch_user_uuids(["a@x.io"])
    assert "datadog:apiKey" in str(info.value)
    assert "DD_API_KEY" in str(info.value)
    assert len(rsps.calls) == 0


# -- the Output forms (wiring, with set_mocks) ----------------------------------------------


class NoResources(pulumi.runtime.Mocks):
    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


STACK_CONFIG = {
    "datadog:apiKey": CANARY_API_KEY,
    "datadog:appKey": CANARY_APP_KEY,
    "datadog:apiUrl": "https://stack.example",
    "datadog-seats:pageSize": "7",
}


@pytest.fixture(params=[False, True], ids=["up", "preview"])
def program(request, clean_env) -> Iterator[bool]:
    """A mocked program whose stack config holds the keys as secrets (env holds others)."""
    clean_env.setenv("DD_API_KEY", "env-api-key")
    clean_env.setenv("DD_APP_KEY", "env-app-key")
    pulumi.runtime.set_mocks(NoResources(), project="lookups", stack="unit", preview=request.param)
    pulumi.runtime.set_all_config(
        dict(STACK_CONFIG), secret_keys=["datadog:apiKey", "datadog:appKey"]
    )
    yield request.param
    pulumi.runtime.set_all_config({}, secret_keys=[])


def _is_secret(output: pulumi.Output[Any]) -> pulumi.Output[bool]:
    return pulumi.Output.from_input(output.is_secret())


def _not_secret_and_no_keys(output: pulumi.Output[Any]) -> pulumi.Output[Any]:
    def check(values: list[Any]) -> Any:
        value, secret = values
        assert secret is False
        assert CANARY_API_KEY not in repr(value) and CANARY_APP_KEY not in repr(value)
        return value

    return pulumi.Output.all(output, _is_secret(output)).apply(check)


@pulumi.runtime.test
def test_lookup_user_uuids_reads_stack_config_accepts_outputs_and_is_not_secret(program, rsps):
    rsps.add_callback(responses.GET, "https://stack.example/api/v2/users", callback=directory)
    emails: list[pulumi.Input[str]] = [
        "bob@example.com",
        pulumi.Output.from_input("ALICE@example.com"),
    ]

    def check(uuids: list[str]) -> None:
        assert uuids == [uid(2), uid(1)]
        assert filters_sent(rsps) == ["bob@example.com", "alice@example.com"]
        for call in rsps.calls:
            assert call.request.headers["DD-API-KEY"] == CANARY_API_KEY
            assert parse_qs(urlsplit(call.request.url).query)["page[size]"] == ["7"]

    return _not_secret_and_no_keys(lookup_user_uuids(emails)).apply(check)


@pulumi.runtime.test
def test_get_seat_holders_from_an_output_product_code(program, rsps):
    rsps.add(
        responses.GET,
        "https://stack.example/api/v2/seats/users",
        json={"data": [{"id": uid(3), "attributes": {"email": "c@x.io"}}]},
    )

    def check(holders: list[SeatHolder]) -> None:
        assert holders == [SeatHolder(id=uid(3), email="c@x.io")]

    holders = get_seat_holders(pulumi.Output.from_input("on_call"))
    return _not_secret_and_no_keys(holders).apply(check)


@pulumi.runtime.test
def test_get_team_member_uuids(program, rsps):
    rsps.add(
        responses.GET,
        f"https://stack.example/api/v2/team/{TEAM}/memberships",
        json={"data": [{"relationships": {"user": {"data": {"id": uid(9)}}}}]},
    )

    def check(uuids: list[str]) -> None:
        assert uuids == [uid(9)]

    return _not_secret_and_no_keys(get_team_member_uuids(TEAM)).apply(check)


@pulumi.runtime.test
def test_a_secret_input_keeps_the_result_secret(program, rsps):
    rsps.add_callback(responses.GET, "https://stack.example/api/v2/users", callback=directory)
    uuids = lookup_user_uuids([pulumi.Output.secret("bob@example.com")])

    def check(values: list[Any]) -> None:
        value, secret = values
        assert value == [uid(2)]
        assert secret is True

    return pulumi.Output.all(uuids, _is_secret(uuids)).apply(check)


def test_a_lookup_error_fails_the_program_cleanly_with_every_missing_email(rsps, clean_env):
    pulumi.runtime.set_mocks(NoResources(), project="lookups", stack="unit", preview=False)
    pulumi.runtime.set_all_config(dict(STACK_CONFIG))
    rsps.add_callback(responses.GET, "https://stack.example/api/v2/users", callback=directory)

    @pulumi.runtime.test
    def program():
        return lookup_user_uuids(["nobody@example.com", "carol@example.com"])

    try:
        # RunError: the engine prints the message alone, without Pulumi's stack trace.
        with pytest.raises(pulumi.RunError) as info:
            program()
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
    cause = info.value.__cause__
    assert isinstance(cause, UserLookupError)
    assert set(cause.missing) == {"nobody@example.com", "carol@example.com"}
    assert str(info.value) == str(cause)


def test_a_malformed_email_list_fails_the_program_cleanly(rsps, clean_env):
    pulumi.runtime.set_mocks(NoResources(), project="lookups", stack="unit", preview=False)
    pulumi.runtime.set_all_config(dict(STACK_CONFIG))

    @pulumi.runtime.test
    def program():
        return lookup_user_uuids(["a@x.io", None])  # type: ignore[list-item]

    try:
        # RunError: the engine prints the message alone, without Pulumi's stack trace.
        with pytest.raises(pulumi.RunError) as info:
            program()
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
    assert isinstance(info.value.__cause__, LookupInputError)
    assert str(info.value).startswith("emails[1] must be an email address")
    assert len(rsps.calls) == 0


def test_missing_config_fails_at_the_call(clean_env):
    pulumi.runtime.set_mocks(NoResources(), project="lookups", stack="unit", preview=True)
    pulumi.runtime.set_all_config({"datadog:apiKey": CANARY_API_KEY})
    try:
        with pytest.raises(ConfigurationError, match="datadog:appKey") as info:
            get_team_member_uuids(TEAM)
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
    assert CANARY_API_KEY not in str(info.value)
