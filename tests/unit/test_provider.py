"""provider.SeatAssignmentProvider called directly, without the Pulumi engine."""

from __future__ import annotations

import base64
import pickle
import traceback
from typing import Any, ClassVar, NoReturn, cast

import pytest
from pulumi.dynamic import CheckFailure, Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN as RPC_UNKNOWN

from pulumi_datadog_seats import lifecycle
from pulumi_datadog_seats import provider as provider_module
from pulumi_datadog_seats.errors import ConfigurationError, SeatAssignmentError
from pulumi_datadog_seats.provider import SeatAssignmentProvider
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, FakeClient, provider_with, uid

PRODUCT = "on_call"
A, B, C = uid(0xA), uid(0xB), uid(0xC)
KEY_CONFIG = {"datadog:apiKey": CANARY_API_KEY, "datadog:appKey": CANARY_APP_KEY}


def configure_request(values: dict[str, Any]) -> ConfigureRequest:
    return ConfigureRequest(Config(values, "seats-test"))


class ExplodingClient:
    """A client whose every write fails the test: check and diff never write. A listing
    (an exclusive declaration's forecast reads the holders) answers nobody, and is counted."""

    listings: ClassVar[list[str]] = []

    def __init__(self, settings: Any, **_: Any) -> None:
        self.settings = settings

    def list_seat_holders(self, product_code: str) -> set[str]:
        self.listings.append(product_code)
        return set()

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"check/diff called the API ({name})")


@pytest.fixture
def offline(clean_env: pytest.MonkeyPatch) -> SeatAssignmentProvider:
    """A configured provider whose client raises on any use."""
    clean_env.setattr(lifecycle, "SeatsClient", ExplodingClient)
    clean_env.setattr(ExplodingClient, "listings", [])
    provider = SeatAssignmentProvider()
    provider.configure(configure_request(KEY_CONFIG))
    return provider


def blob_of(provider: SeatAssignmentProvider) -> bytes:
    return base64.b64decode(serialize_provider(provider))


# -- check -------------------------------------------------------------------------


def test_check_normalises_the_inputs(offline):
    result = offline.check({}, {"product_code": " on_call ", "user_uuids": [B.upper(), A, B]})
    assert result.failures == []
    assert result.inputs == {"product_code": "on_call", "user_uuids": [A, B], "exclusive": False}


def test_check_returns_check_failures_naming_the_property(offline):
    result = offline.check({}, {"product_code": "", "user_uuids": [A, "not-a-uuid"]})
    assert all(isinstance(f, CheckFailure) for f in result.failures)
    by_property = {f.property: f.reason for f in result.failures}
    assert set(by_property) == {"product_code", "user_uuids"}
    assert "'not-a-uuid'" in by_property["user_uuids"]


@pytest.mark.parametrize(
    "news",
    [
        {},
        {"product_code": PRODUCT},
        {"user_uuids": [A]},
        {"product_code": PRODUCT, "user_uuids": []},
        {"product_code": PRODUCT, "user_uuids": A},
    ],
)
def test_check_reports_missing_or_malformed_properties(offline, news):
    result = offline.check({}, news)
    assert result.failures
    for failure in result.failures:
        assert failure.property in ("product_code", "user_uuids")
        assert failure.property not in news or failure.property in failure.reason


def _wire_unknown() -> Any:
    return RPC_UNKNOWN


#: The two shapes an unknown takes: pulumi.output.Unknown instances (what the
#: dynamic-provider host passes with keep_unknowns) and the raw wire sentinel.
UNKNOWN_KINDS = pytest.mark.parametrize(
    "unknown", [Unknown, _wire_unknown], ids=["Unknown()", "rpc.UNKNOWN"]
)


@UNKNOWN_KINDS
def test_check_lets_an_unknown_product_code_through(offline, unknown):
    value = unknown()
    result = offline.check({}, {"product_code": value, "user_uuids": [B, A.upper()]})
    assert result.failures == []
    assert result.inputs["product_code"] is value
    assert result.inputs["user_uuids"] == [A, B]


@UNKNOWN_KINDS
def test_check_lets_an_unknown_user_list_through(offline, unknown):
    value = unknown()
    result = offline.check({}, {"product_code": PRODUCT, "user_uuids": value})
    assert result.failures == []
    assert result.inputs["user_uuids"] is value


@UNKNOWN_KINDS
def test_check_keeps_unknown_elements(offline, unknown):
    value = unknown()
    result = offline.check({}, {"product_code": PRODUCT, "user_uuids": [B, value, A]})
    assert result.failures == []
    assert result.inputs["user_uuids"] == [A, B, value]


@UNKNOWN_KINDS
def test_check_with_everything_unknown(offline, unknown):
    code, users = unknown(), unknown()
    result = offline.check({}, {"product_code": code, "user_uuids": users})
    assert result.failures == []


def test_check_works_before_configure():
    # During preview the engine may check before anything else: no client needed.
    result = SeatAssignmentProvider().check({}, {"product_code": PRODUCT, "user_uuids": [A]})
    assert result.failures == []


# -- diff: the rules are changes.compare's (test_changes.py); here, the wire values --


def olds_of(product_code: str = PRODUCT, users: list[str] | None = None) -> dict[str, Any]:
    users = [A, B] if users is None else users
    return {
        "product_code": product_code,
        "user_uuids": users,
        "assigned_ids": users,
        "__provider": "old-blob",
    }


def test_product_change_replaces_creating_first(offline):
    result = offline.diff(
        "id", olds_of(), {"product_code": "incident_response", "user_uuids": [A, B]}
    )
    assert result.changes is True
    assert result.replaces == ["product_code"]
    assert result.delete_before_replace is False
    # The new product is read before anything else happens: a refusal stops it there.
    assert ExplodingClient.listings == ["incident_response"]


@UNKNOWN_KINDS
@pytest.mark.parametrize("shape", ["whole list", "only element", "extra element", "in place"])
def test_unknown_users_are_a_change_in_place(offline, unknown, shape):
    users = {
        "whole list": unknown(),
        "only element": [unknown()],
        "extra element": [A, B, unknown()],
        "in place": [A, unknown()],
    }[shape]
    result = offline.diff("id", olds_of(), {"product_code": PRODUCT, "user_uuids": users})
    assert result.changes is True
    assert not result.replaces


@UNKNOWN_KINDS
def test_unknown_product_code_is_a_change(offline, unknown):
    result = offline.diff("id", olds_of(), {"product_code": unknown(), "user_uuids": [A, B]})
    assert result.changes is True


def test_a_new_provider_blob_alone_is_no_change(offline):
    news = {"product_code": PRODUCT, "user_uuids": [A, B], "__provider": "new-blob"}
    result = offline.diff("id", olds_of(), news)
    assert result.changes is False
    assert not result.replaces


def test_diff_works_before_configure():
    result = SeatAssignmentProvider().diff(
        "id", olds_of(), {"product_code": PRODUCT, "user_uuids": [C]}
    )
    assert result.changes is True


# -- configure ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({}, "datadog:apiKey"),
        ({"datadog:apiKey": "k"}, "datadog:appKey"),
        ({"datadog:appKey": "k"}, "datadog:apiKey"),
    ],
)
def test_a_configuration_error_is_a_check_failure_of_every_resource(clean_env, config, named):
    provider = SeatAssignmentProvider()
    provider.configure(configure_request(config))  # raises nothing: hosts print tracebacks
    news = {"product_code": PRODUCT, "user_uuids": [A]}
    for olds in ({}, {"product_code": PRODUCT, "user_uuids": [A]}):
        (failure,) = provider.check(olds, news).failures
        # No property: the message is about the stack's config, not an input.
        assert failure.property == "" and named in failure.reason
    # A step that gets past check (a refresh, a destroy) raises it.
    with pytest.raises(ConfigurationError, match=named):
        provider.read("id", news)


def test_configure_with_a_plain_dict_missing_a_key_fails_the_check(clean_env):
    provider = SeatAssignmentProvider()
    provider.configure(ConfigureRequest(cast(Config, {"datadog:appKey": "app"})))
    (failure,) = provider.check({}, {"product_code": PRODUCT, "user_uuids": [A]}).failures
    assert "DD_API_KEY" in failure.reason


def test_configure_falls_back_to_the_environment(clean_env):
    clean_env.setenv("DD_API_KEY", "env-api")
    clean_env.setenv("DD_APP_KEY", "env-app")
    clean_env.setenv("DD_SITE", "datadoghq.eu")
    built: list[Any] = []
    clean_env.setattr(lifecycle, "SeatsClient", lambda settings, **_: built.append(settings))
    SeatAssignmentProvider().configure(configure_request({"datadog-seats:batchSize": "3"}))
    (settings,) = built
    assert (settings.api_key, settings.app_key) == ("env-api", "env-app")
    assert settings.api_url == "https://api.datadoghq.eu"
    assert settings.batch_size == 3


def test_configure_rejects_invalid_knobs(clean_env):
    provider = SeatAssignmentProvider()
    provider.configure(configure_request({**KEY_CONFIG, "datadog-seats:pageSize": "0"}))
    (failure,) = provider.check({}, {"product_code": PRODUCT, "user_uuids": [A]}).failures
    assert "datadog-seats:pageSize" in failure.reason


def test_api_calls_before_configure_are_a_configuration_error():
    with pytest.raises(ConfigurationError, match="configure"):
        SeatAssignmentProvider().create({"product_code": PRODUCT, "user_uuids": [A]})


# -- pickling into the state -------------------------------------------------------------


def test_the_pickled_provider_is_small_and_pinned_to_its_import_path():
    raw = blob_of(SeatAssignmentProvider())
    assert len(raw) < 1024
    # Every user's state names this path: it must never move.
    assert b"pulumi_datadog_seats.provider" in raw
    assert b"SeatAssignmentProvider" in raw
    assert type(pickle.loads(raw)) is SeatAssignmentProvider


def test_the_pickled_provider_is_deterministic():
    assert serialize_provider(SeatAssignmentProvider()) == serialize_provider(
        SeatAssignmentProvider()
    )


def test_configure_leaves_no_key_in_a_new_providers_blob(clean_env):
    before = blob_of(SeatAssignmentProvider())
    configured = SeatAssignmentProvider()
    configured.configure(configure_request(KEY_CONFIG))
    after = blob_of(SeatAssignmentProvider())
    for blob in (before, after):
        assert CANARY_API_KEY.encode() not in blob
        assert CANARY_APP_KEY.encode() not in blob
    assert after == before


def test_configure_from_env_leaves_no_key_in_a_new_providers_blob(clean_env):
    clean_env.setenv("DD_API_KEY", CANARY_API_KEY)
    clean_env.setenv("DATADOG_APP_KEY", CANARY_APP_KEY)
    SeatAssignmentProvider().configure(configure_request({}))
    blob = blob_of(SeatAssignmentProvider())
    assert CANARY_API_KEY.encode() not in blob
    assert CANARY_APP_KEY.encode() not in blob


# -- create / read / update / delete through a fake client ----------------------------------


def test_create_assigns_and_reports_sorted_outputs(monkeypatch):
    fake = FakeClient(holders={C})
    provider = provider_with(monkeypatch, fake)
    result = provider.create({"product_code": PRODUCT, "user_uuids": [B, A.upper(), A]})
    assert result.id
    assert result.outs == {
        "product_code": PRODUCT,
        "user_uuids": [A, B],
        "assigned_ids": [A, B],
        "exclusive": False,
        "unmanaged_ids": [],  # not exclusive: no other holder is recorded
    }
    assert fake.holders == {A, B, C}
    assert fake.products == {PRODUCT}


def test_create_ids_are_unique(monkeypatch):
    provider = provider_with(monkeypatch, FakeClient())
    ids = {provider.create({"product_code": PRODUCT, "user_uuids": [A]}).id for _ in range(3)}
    assert len(ids) == 3


def test_failed_create_raises_and_changes_nothing(monkeypatch):
    fake = FakeClient(holders={C}, unknown_users={B}, unknown="skip")
    provider = provider_with(monkeypatch, fake)
    with pytest.raises(SeatAssignmentError, match=B):
        provider.create({"product_code": PRODUCT, "user_uuids": [A, B]})
    assert fake.holders == {C}


def test_an_error_leaves_with_its_message_as_the_last_line_of_a_short_traceback(monkeypatch):
    """Pulumi's dynamic-provider host prints ``traceback.format_exc()`` of a failed call from
    3.260 on: the message is its last line, one line, below frames of the front end only."""
    provider = provider_with(monkeypatch, FakeClient(unknown_users={B}, unknown="skip"))
    with pytest.raises(SeatAssignmentError) as failure:
        try:
            provider.create({"product_code": PRODUCT, "user_uuids": [A, B]})
        except SeatAssignmentError:
            printed = traceback.format_exc()
            raise
    message = str(failure.value)
    assert "\n" not in message and B in message
    assert printed.splitlines()[-1] == f"pulumi_datadog_seats.errors.SeatAssignmentError: {message}"
    frames = [line for line in printed.splitlines() if line.lstrip().startswith('File "')]
    assert all("/pulumi_datadog_seats/provider.py" in f for f in frames[1:]), frames
    assert "above exception" not in printed and "During handling" not in printed


def test_read_rewrites_inputs_to_the_users_still_seated(monkeypatch):
    fake = FakeClient(holders={A, C})
    provider = provider_with(monkeypatch, fake)
    outs = {"product_code": PRODUCT, "user_uuids": [A, B], "assigned_ids": [A, B]}
    result = provider.read("the-id", outs)
    assert result.id == "the-id"
    assert result.outs == {
        "product_code": PRODUCT,
        "user_uuids": [A],
        "assigned_ids": [A],
        "exclusive": False,
        "unmanaged_ids": [],  # not exclusive: no other holder is recorded
    }
    assert result.inputs == {"product_code": PRODUCT, "user_uuids": [A], "exclusive": False}
    assert fake.touched("assign") == fake.touched("unassign") == set()


def test_read_with_no_seat_left_reports_the_resource_gone(monkeypatch):
    provider = provider_with(monkeypatch, FakeClient(holders={C}))
    result = provider.read("the-id", {"product_code": PRODUCT, "user_uuids": [A, B]})
    assert not result.id


def test_read_warns_naming_the_declared_users_who_lost_their_seat(monkeypatch):
    provider = provider_with(monkeypatch, FakeClient(holders={A, C}))
    warned: list[str] = []
    monkeypatch.setattr(provider_module.pulumi.log, "warn", warned.append)  # type: ignore[attr-defined]
    provider.read("the-id", {"product_code": PRODUCT, "user_uuids": [A, B]})
    (warning,) = warned
    assert B in warning and A not in warning and C not in warning
    assert repr(PRODUCT) in warning and "assigns their seats again" in warning

    warned.clear()
    provider.read("the-id", {"product_code": PRODUCT, "user_uuids": [A]})
    assert warned == []  # nobody lost a seat: nothing to say

    provider.read("the-id", {"product_code": PRODUCT, "user_uuids": [B]})
    (gone,) = warned
    assert B in gone and "leaves the state" in gone


def test_update_assigns_added_and_unassigns_removed_users(monkeypatch):
    fake = FakeClient(holders={A, B, C})
    provider = provider_with(monkeypatch, fake)
    olds = {"product_code": PRODUCT, "user_uuids": [A, B], "assigned_ids": [A, B]}
    d = uid(0xD)
    result = provider.update("the-id", olds, {"product_code": PRODUCT, "user_uuids": [B, d]})
    assert result.outs == {
        "product_code": PRODUCT,
        "user_uuids": [B, d],
        "assigned_ids": [B, d],
        "exclusive": False,
        "unmanaged_ids": [],  # not exclusive: no other holder is recorded
    }
    assert fake.holders == {B, C, d}  # C was never declared: untouched


def test_delete_gives_back_declared_seats_only(monkeypatch):
    fake = FakeClient(holders={A, C}, unassign_nonholder="reject")
    provider = provider_with(monkeypatch, fake)
    provider.delete("the-id", {"product_code": PRODUCT, "user_uuids": [A, B]})
    assert fake.holders == {C}


def test_a_configured_provider_pickles_without_its_client(clean_env):
    import dill

    provider = SeatAssignmentProvider()
    config = {"datadog:apiKey": CANARY_API_KEY, "datadog:appKey": CANARY_APP_KEY}
    provider.configure(ConfigureRequest(Config(config, "test")))
    assert provider._core().api is not None  # configured: the client exists...
    raw = dill.dumps(provider, recurse=True)
    # ...but never travels with the provider.
    assert CANARY_API_KEY.encode() not in raw and CANARY_APP_KEY.encode() not in raw
    assert dill.loads(raw).__dict__ == {}


def test_a_used_provider_pickles_without_client_view_claims_or_lock(monkeypatch):
    import dill

    provider = provider_with(monkeypatch, FakeClient(holders={C}))
    provider.check({}, {"product_code": PRODUCT, "user_uuids": [A], "exclusive": True})
    provider.create({"product_code": PRODUCT, "user_uuids": [A], "exclusive": True})
    raw = dill.dumps(provider, recurse=True)
    for absent in (CANARY_API_KEY, CANARY_APP_KEY, A, C):
        assert absent.encode() not in raw
    for name in (b"_lifecycle", b"HoldersView", b"ExclusiveClaims", b"SeatsClient", b"Lock"):
        assert name not in raw
    assert dill.loads(raw).__dict__ == {}
    assert serialize_provider(provider) == serialize_provider(SeatAssignmentProvider())


# -- exclusive and unmanaged_ids: check --------------------------------------------------------

D, E = uid(0xD), uid(0xE)


def test_check_keeps_exclusive_and_defaults_it_to_false(offline):
    on = offline.check({}, {"product_code": PRODUCT, "user_uuids": [A], "exclusive": True})
    assert on.failures == [] and on.inputs["exclusive"] is True
    for news in ({"product_code": PRODUCT, "user_uuids": [B]}, {"exclusive": None}):
        result = offline.check({}, {"product_code": PRODUCT, "user_uuids": [B], **news})
        assert result.failures == [] and result.inputs["exclusive"] is False


@pytest.mark.parametrize(
    ("value", "shown"),
    [("true", "'true'"), (1, "number 1"), (0.0, "number 0"), ("yes", "'yes'"), ([True], "[True]")],
)
def test_check_refuses_an_exclusive_that_is_not_a_bool(offline, value, shown):
    result = offline.check({}, {"product_code": PRODUCT, "user_uuids": [A], "exclusive": value})
    assert [f.property for f in result.failures] == ["exclusive"]
    assert shown in result.failures[0].reason


@UNKNOWN_KINDS
def test_check_lets_an_unknown_exclusive_through(offline, unknown):
    value = unknown()
    result = offline.check({}, {"product_code": PRODUCT, "user_uuids": [A], "exclusive": value})
    assert result.failures == []
    assert result.inputs["exclusive"] is value


def test_check_refuses_a_second_exclusive_declaration_of_a_product(offline):
    first = offline.check({}, {"product_code": PRODUCT, "user_uuids": [A, B], "exclusive": True})
    second = offline.check({}, {"product_code": PRODUCT, "user_uuids": [C], "exclusive": True})
    assert first.failures == []
    (failure,) = second.failures
    assert failure.property == "exclusive"
    assert PRODUCT in failure.reason and "exclusive=True" in failure.reason
    assert A in failure.reason and C in failure.reason


def test_check_accepts_exclusive_declarations_that_cannot_conflict(offline):
    claims = [
        {"product_code": PRODUCT, "user_uuids": [A, B], "exclusive": True},
        # The same declaration again (one resource checked twice) agrees with itself.
        {"product_code": PRODUCT, "user_uuids": [B.upper(), A], "exclusive": True},
        # Another product, and non-exclusive declarations, claim nothing.
        {"product_code": "incident_response", "user_uuids": [C], "exclusive": True},
        {"product_code": PRODUCT, "user_uuids": [C], "exclusive": False},
        {"product_code": PRODUCT, "user_uuids": [C]},
    ]
    for news in claims:
        assert offline.check({}, news).failures == []


@UNKNOWN_KINDS
def test_check_claims_nothing_while_the_declaration_is_unknown(offline, unknown):
    for news in (
        {"product_code": PRODUCT, "user_uuids": [A, unknown()], "exclusive": True},
        {"product_code": unknown(), "user_uuids": [A], "exclusive": True},
        {"product_code": PRODUCT, "user_uuids": [A], "exclusive": unknown()},
    ):
        assert offline.check({}, news).failures == []
    known = offline.check({}, {"product_code": PRODUCT, "user_uuids": [C], "exclusive": True})
    assert known.failures == []


def test_claims_are_kept_from_the_first_check_as_in_the_plugin():
    # One rule for both front ends, kept from the first check (of an update: a create's
    # check also lists the holders, which needs the configuration).
    provider = SeatAssignmentProvider()
    first = {"product_code": PRODUCT, "user_uuids": [A], "exclusive": True}
    second = {"product_code": PRODUCT, "user_uuids": [B], "exclusive": True}
    assert provider.check(first, first).failures == []
    assert [f.property for f in provider.check(second, second).failures] == ["exclusive"]


# -- secret user_uuids: the secrecy markers (assigned_ids / unmanaged_ids inputs) ---------


def test_check_keeps_the_secrecy_markers_for_an_up(offline):
    news = {
        "product_code": PRODUCT,
        "user_uuids": [B, A],
        "assigned_ids": provider_module.SECRET_MARKER,
        "unmanaged_ids": provider_module.SECRET_MARKER,
    }
    result = offline.check({}, news)
    assert result.failures == []
    # Kept (None would be dropped by the host), so the engine makes the outputs secret.
    assert result.inputs["assigned_ids"] == [] and result.inputs["unmanaged_ids"] == []
    assert result.inputs["user_uuids"] == [A, B]


def test_check_makes_the_secrecy_markers_unknown_in_preview(offline):
    news = {
        "product_code": PRODUCT,
        "user_uuids": [A],
        "assigned_ids": provider_module.SECRET_PREVIEW,
        "unmanaged_ids": provider_module.SECRET_PREVIEW,
    }
    result = offline.check({}, news)
    assert provider_module.is_unknown(result.inputs["assigned_ids"])
    assert provider_module.is_unknown(result.inputs["unmanaged_ids"])


def test_check_without_markers_adds_none(offline):
    # Plain user_uuids: the program sends no marker, and the inputs stay as before.
    result = offline.check({}, {"product_code": PRODUCT, "user_uuids": [A]})
    assert set(result.inputs) == {"product_code", "user_uuids", "exclusive"}


def test_a_failure_about_secret_user_uuids_names_no_property(offline):
    """Regression: the engine prints the value of the property a failure names, secret or
    not ("property user_uuids value {...}"), so a secret declaration's failure names none."""
    news = {
        "product_code": PRODUCT,
        "user_uuids": [A, "not-a-uuid-secret"],
        "assigned_ids": provider_module.SECRET_MARKER,
    }
    (failure,) = offline.check({}, news).failures
    assert failure.property == ""
    assert failure.reason.startswith("user_uuids must hold Datadog user UUIDs")
    assert "not-a-uuid-secret" not in failure.reason and A not in failure.reason


def test_a_failure_about_a_key_shaped_value_names_no_property(offline):
    news = {"product_code": PRODUCT, "user_uuids": [A, "0123456789abcdef" * 2]}
    (failure,) = offline.check({}, news).failures
    assert failure.property == "" and "0123456789abcdef" not in failure.reason


def test_a_failed_create_of_a_secret_declaration_names_no_user(monkeypatch):
    stranger = uid(0xDEAD)
    fake = FakeClient(holders=[C], unknown_users=[stranger], unknown="reject")
    provider = provider_with(monkeypatch, fake)
    props = {
        "product_code": PRODUCT,
        "user_uuids": [A, stranger],
        "assigned_ids": [],
        "unmanaged_ids": [],
    }
    with pytest.raises(SeatAssignmentError) as failure:
        provider.create(props)
    message = str(failure.value)
    assert "[secret]" in message and "because user_uuids is a secret" in message
    for user in (A, stranger, C):
        assert user not in message
    assert fake.holders == {C}  # and nothing changed


def test_a_failed_create_of_a_plain_declaration_still_names_the_users(monkeypatch):
    stranger = uid(0xDEAD)
    fake = FakeClient(unknown_users=[stranger], unknown="reject")
    provider = provider_with(monkeypatch, fake)
    with pytest.raises(SeatAssignmentError) as failure:
        provider.create({"product_code": PRODUCT, "user_uuids": [A, stranger]})
    assert stranger in str(failure.value)


def test_a_failed_update_of_a_secret_declaration_names_no_user(monkeypatch):
    stranger = uid(0xDEAD)
    fake = FakeClient(holders=[A], unknown_users=[stranger], unknown="reject")
    provider = provider_with(monkeypatch, fake)
    olds = {"product_code": PRODUCT, "user_uuids": [A], "assigned_ids": [A]}
    news = {"product_code": PRODUCT, "user_uuids": [B, stranger], "assigned_ids": []}
    with pytest.raises(SeatAssignmentError) as failure:
        provider.update("id", olds, news)
    message = str(failure.value)
    assert all(user not in message for user in (A, B, stranger))
    assert fake.holders == {A}


def test_a_failed_delete_leaves_every_seat_as_it_was(monkeypatch):
    """Regression: delete gave back batch after batch and stopped at the first failure, so
    the state (which keeps the resource after a failed delete) declared users who had
    lost their seat, and no later `pulumi up` without a refresh noticed."""
    users = [uid(i) for i in range(1, 6)]
    fake = FakeClient(holders=users, batch_size=2, fail_unassign_batch=2)
    provider = provider_with(monkeypatch, fake)
    with pytest.raises(SeatAssignmentError) as failure:
        provider.delete("id", {"product_code": PRODUCT, "user_uuids": users})
    assert fake.holders == set(users)
    assert "were assigned again" in str(failure.value)


def test_outputs_record_a_secret_declaration_for_read_and_delete(monkeypatch):
    provider = provider_with(monkeypatch, FakeClient())
    secret = provider.create({"product_code": PRODUCT, "user_uuids": [A], "assigned_ids": []})
    plain = provider.create({"product_code": PRODUCT, "user_uuids": [B]})
    assert secret.outs is not None and secret.outs["secret_user_uuids"] is True
    assert plain.outs is not None and "secret_user_uuids" not in plain.outs


def test_a_refresh_of_a_secret_declaration_warns_without_naming_users(monkeypatch):
    """Regression: the refresh warning about lost seats named the UUIDs of a secret
    user_uuids in plain text (read gets the outputs, which did not say it was secret)."""
    provider = provider_with(monkeypatch, FakeClient(holders={A, C}))
    warned: list[str] = []
    monkeypatch.setattr(provider_module.pulumi.log, "warn", warned.append)  # type: ignore[attr-defined]
    outputs = {"product_code": PRODUCT, "user_uuids": [A, B], "secret_user_uuids": True}
    result = provider.read("the-id", outputs)
    (warning,) = warned
    assert "[secret]" in warning and A not in warning and B not in warning
    assert result.outs is not None and result.outs["secret_user_uuids"] is True


def test_a_failed_delete_of_a_secret_declaration_names_no_user(monkeypatch):
    users = [uid(i) for i in range(1, 6)]
    # The second unassign fails, and so does assigning back the first batch's seats.
    fake = FakeClient(holders=users, batch_size=2, fail_unassign_batch=2, fail_assign_batch=1)
    provider = provider_with(monkeypatch, fake)
    outputs = {"product_code": PRODUCT, "user_uuids": users, "secret_user_uuids": True}
    with pytest.raises(SeatAssignmentError) as failure:
        provider.delete("id", outputs)
    message = str(failure.value)
    assert "now without a seat: [secret]" in message
    assert not any(user in message for user in users)
