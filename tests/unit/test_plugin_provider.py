"""The plugin's create/read/update/delete/import/invoke against the in-memory fake Seats API.

Handlers are awaited as the server awaits them; the fake stands in for the
SeatsClient that Configure builds.
"""

from __future__ import annotations

from typing import Any

import pytest
import responses
from pulumi.provider.experimental.provider import (
    ConfigureRequest,
    CreateRequest,
    DeleteRequest,
    InvokeRequest,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
)

from pulumi_datadog_seats import lifecycle
from pulumi_datadog_seats.plugin.provider import PluginError, SeatsProvider
from pulumi_datadog_seats.plugin.schema import GET_SEAT_HOLDERS, SEAT_ASSIGNMENT
from pulumi_datadog_seats.plugin.values import plain_map, wrap
from tests.aio import run
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, FakeClient, uid

URN = f"urn:pulumi:dev::proj::{SEAT_ASSIGNMENT}::responders"
PRODUCT = "on_call"
A, B, C, D = uid(0xA), uid(0xB), uid(0xC), uid(0xD)


def props(values: dict[str, Any]) -> dict[str, Any]:
    return {k: wrap(v) for k, v in values.items()}


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient(batch_size=2)


def configured(warn: Any = None) -> SeatsProvider:
    """A plugin process, configured (its client: whatever lifecycle.SeatsClient builds)."""
    provider = SeatsProvider(environ={}, warn=warn)
    args = props({"apiKey": CANARY_API_KEY, "appKey": CANARY_APP_KEY, "batchSize": "2"})
    run(provider.configure(ConfigureRequest({}, args, True, True)))
    return provider


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, fake: FakeClient) -> SeatsProvider:
    monkeypatch.setattr(lifecycle, "SeatsClient", lambda settings, **_: fake)
    return configured()


def create(provider: SeatsProvider, users: list[str], exclusive: bool = False):
    inputs = props({"productCode": PRODUCT, "userUuids": sorted(users), "exclusive": exclusive})
    return run(provider.create(CreateRequest(URN, inputs, 60, False)))


def read(provider: SeatsProvider, id_: str, outputs=None, inputs=None) -> ReadResponse:
    request = ReadRequest(URN, id_, props(outputs or {}), props(inputs or {}))
    response: ReadResponse = run(provider.read(request))
    return response


def test_create_assigns_and_records_only_the_declaration(provider, fake):
    fake.holders = {D}
    created = create(provider, [B, A])
    assert created.resource_id == PRODUCT
    assert plain_map(created.properties) == {
        "productCode": PRODUCT,
        "userUuids": [A, B],
        "exclusive": False,
        "assignedIds": [A, B],
        "unmanagedIds": [],  # D is none of this resource's business: not exclusive
    }
    assert fake.holders == {A, B, D}


def test_create_exclusive_unassigns_everyone_else(provider, fake):
    fake.holders = {C, D}
    created = create(provider, [A], exclusive=True)
    assert fake.holders == {A}
    assert plain_map(created.properties)["unmanagedIds"] == []


def test_update_assigns_added_and_unassigns_removed_users_only(provider, fake):
    fake.holders = {A, B, D}
    olds = plain_map(create(provider, [A, B]).properties)
    news = props({"productCode": PRODUCT, "userUuids": [A, C], "exclusive": False})
    updated = run(provider.update(UpdateRequest(URN, PRODUCT, props(olds), news, 60, [], False)))
    assert fake.holders == {A, C, D}
    assert plain_map(updated.properties)["assignedIds"] == [A, C]


def test_outputs_of_a_secret_user_list_are_secret(provider, fake):
    inputs = {
        "productCode": wrap(PRODUCT),
        "userUuids": wrap([A], secret=True),
        "exclusive": wrap(False),
    }
    created = run(provider.create(CreateRequest(URN, inputs, 60, False)))
    assert created.properties["userUuids"].is_secret
    assert created.properties["assignedIds"].is_secret
    assert not created.properties["productCode"].is_secret


def test_delete_gives_back_the_declared_seats_only(provider, fake):
    fake.holders = {A, B, D}
    outputs = plain_map(create(provider, [A, B]).properties)
    run(configured().delete(DeleteRequest(URN, PRODUCT, props(outputs), 60)))  # a later run
    assert fake.holders == {D}


def test_a_failed_delete_assigns_back_what_it_gave_back(provider, fake):
    fake.holders = {A, B, C, D}
    outputs = plain_map(create(provider, [A, B, C]).properties)
    fake.fail_unassign_batch = 2  # [A, B] goes, then [C] fails
    with pytest.raises(PluginError, match="assigned again") as failure:
        run(configured().delete(DeleteRequest(URN, PRODUCT, props(outputs), 60)))
    assert fake.holders == {A, B, C, D}
    assert ("unassign", (A, B)) in fake.calls and ("assign", (A, B)) in fake.calls
    assert "503" in str(failure.value)


def test_errors_about_a_secret_user_list_show_no_uuid(provider, fake):
    secret_inputs = {
        "productCode": wrap(PRODUCT),
        "userUuids": wrap([A, B, C], secret=True),
        "exclusive": wrap(False),
    }
    fake.holders = {D}
    fake.fail_assign_batch = 2  # [A, B] is seated, then [C] fails: A and B are given back
    with pytest.raises(PluginError) as failed_create:
        run(provider.create(CreateRequest(URN, secret_inputs, 60, False)))
    assert fake.holders == {D}
    fake.fail_assign_batch = None
    created = run(provider.create(CreateRequest(URN, secret_inputs, 60, False)))
    assert created.properties["unmanagedIds"].is_secret
    fake.fail_unassign_batch = fake._unassign_batches + 2
    with pytest.raises(PluginError) as failed_delete:
        run(configured().delete(DeleteRequest(URN, PRODUCT, created.properties, 60)))
    assert fake.holders == {A, B, C, D}
    for failure in (failed_create, failed_delete):
        message = str(failure.value)
        assert "[secret]" in message and "userUuids is a secret" in message
        assert all(user not in message for user in (A, B, C, D))


def test_refresh_rewrites_the_inputs_to_the_users_still_seated(provider, fake):
    outputs = plain_map(create(provider, [A, B, C]).properties)
    inputs = {"productCode": PRODUCT, "userUuids": [A, B, C]}
    fake.holders = {A, C, D}  # B lost the seat outside Pulumi, D got one
    fresh = configured()  # a new process: nothing cached
    refreshed = read(fresh, PRODUCT, outputs, inputs)
    assert refreshed.resource_id == PRODUCT
    assert plain_map(refreshed.inputs) == {
        "productCode": PRODUCT,
        "userUuids": [A, C],
        "exclusive": False,  # written back always, as the dynamic resource does
    }
    assert plain_map(refreshed.properties)["unmanagedIds"] == []


def test_refresh_with_no_declared_user_seated_means_the_resource_is_gone(provider, fake):
    outputs = plain_map(create(provider, [A]).properties)
    fake.holders = {D}
    gone = read(configured(), PRODUCT, outputs, {"productCode": PRODUCT, "userUuids": [A]})
    assert gone.resource_id == ""


def refreshed_by_a_new_process(
    provider: SeatsProvider, fake: FakeClient, outputs: dict[str, Any]
) -> tuple[ReadResponse, list[tuple[str, str]]]:
    """A refresh in a new plugin process (nothing cached), with the warnings it sent."""
    warnings: list[tuple[str, str]] = []
    fresh = configured(warn=lambda urn, message: warnings.append((urn, message)))
    return run(fresh.read(ReadRequest(URN, PRODUCT, outputs, {}))), warnings


def test_refresh_warns_about_declared_users_who_lost_their_seat(provider, fake):
    outputs = create(provider, [A, B, C]).properties
    fake.holders = {A, D}
    _, warnings = refreshed_by_a_new_process(provider, fake, outputs)
    assert len(warnings) == 1
    urn, message = warnings[0]
    assert urn == URN
    assert "2 declared user(s) no longer hold a seat of 'on_call'" in message
    assert B in message and C in message and A not in message
    assert "userUuids" in message and "user_uuids" not in message


def test_refresh_with_every_seat_in_place_warns_nothing(provider, fake):
    outputs = create(provider, [A, B]).properties
    assert refreshed_by_a_new_process(provider, fake, outputs)[1] == []


def test_the_refresh_warning_of_a_secret_user_list_shows_no_uuid(provider, fake):
    secret_inputs = {"productCode": wrap(PRODUCT), "userUuids": wrap([A, B], secret=True)}
    created = run(provider.create(CreateRequest(URN, secret_inputs, 60, False)))
    fake.holders = set()
    gone, warnings = refreshed_by_a_new_process(provider, fake, created.properties)
    assert gone.resource_id == ""
    [(_, message)] = warnings
    assert "no longer hold a seat" in message and "[secret]" in message
    assert A not in message and B not in message


def test_import_of_a_product_adopts_every_holder_with_inputs_a_program_can_declare(provider, fake):
    fake.holders = {B, A}
    adopted = read(provider, PRODUCT)
    assert adopted.resource_id == PRODUCT
    assert plain_map(adopted.inputs) == {"productCode": PRODUCT, "userUuids": [A, B]}
    assert plain_map(adopted.properties)["assignedIds"] == [A, B]
    assert plain_map(adopted.properties)["unmanagedIds"] == []


def test_import_of_some_users_adopts_just_them(provider, fake):
    fake.holders = {A, B, C}
    adopted = read(provider, f"{PRODUCT}:{C.upper()},{A}")
    assert adopted.resource_id == PRODUCT  # the ID is the product code, as after a create
    assert plain_map(adopted.inputs) == {"productCode": PRODUCT, "userUuids": [A, C]}
    assert plain_map(adopted.properties)["unmanagedIds"] == []


def test_import_names_every_user_who_holds_no_seat(provider, fake):
    fake.holders = {A}
    with pytest.raises(PluginError) as info:
        read(provider, f"{PRODUCT}:{A},{B},{C}")
    named = str(info.value).split("hold no seat of")[1]
    assert B in named and C in named and A not in named


def test_import_of_a_product_nobody_holds_is_an_error_not_an_empty_resource(provider, fake):
    # The engine treats any outputs from this server as "found": emptiness must be an error.
    with pytest.raises(PluginError, match="nothing to import"):
        read(provider, PRODUCT)


def test_a_malformed_import_id_is_a_plugin_error(provider):
    with pytest.raises(PluginError, match="PRODUCT_CODE:UUID"):
        read(provider, "on_call:bob")


def test_calls_before_configure_fail_clearly():
    with pytest.raises(PluginError, match="before it was configured"):
        read(SeatsProvider(environ={}), PRODUCT)


@responses.activate
def test_get_seat_holders_lists_every_holder_across_pages():
    url = "http://127.0.0.1:9/api/v2/seats/users"

    def page(ids: list[str], next_cursor: str) -> dict[str, Any]:
        data = [
            {"id": i, "type": "seat-users", "attributes": {"email": f"{i[-1]}@x", "name": None}}
            for i in ids
        ]
        return {"data": data, "meta": {"next_cursor": next_cursor}}

    responses.get(url, json=page([C.upper(), A], "c2"))
    responses.get(url, json=page([B], ""))
    provider = SeatsProvider(environ={})
    args = props(
        {"apiKey": CANARY_API_KEY, "appKey": CANARY_APP_KEY, "apiUrl": "http://127.0.0.1:9"}
    )
    run(provider.configure(ConfigureRequest({}, args, True, True)))
    result = run(provider.invoke(InvokeRequest(GET_SEAT_HOLDERS, props({"productCode": PRODUCT}))))
    assert result.failures == [] and result.return_value is not None
    got = plain_map(result.return_value)
    assert got["userUuids"] == [A, B, C]
    assert got["holders"][0] == {"id": A, "email": f"{A[-1]}@x"}  # no None fields


def test_api_errors_reach_the_engine_as_plugin_errors(provider, fake):
    fake.fail_list_after = 0
    with pytest.raises(PluginError) as info:
        read(provider, PRODUCT)
    assert "503" in str(info.value)


def test_get_seat_holders_validates_its_argument_with_the_resources_rule(provider, fake):
    for value in (None, " ", "Incident Response"):
        request = InvokeRequest(
            GET_SEAT_HOLDERS, {} if value is None else {"productCode": wrap(value)}
        )
        result = run(provider.invoke(request))
        assert [f.property for f in result.failures] == ["productCode"]
        # The words of the resource's own check of productCode.
        assert (result.failures or [])[0].reason.startswith("productCode ")
    assert fake.count("list") == 0
    with pytest.raises(PluginError, match="Unknown function"):
        run(provider.invoke(InvokeRequest("datadog-seats:index:nope", {})))


class AbortingContext:
    """The grpc servicer context, as far as the plugin's error path uses it."""

    def __init__(self) -> None:
        self.aborted: tuple[Any, str] | None = None

    async def abort(self, code: Any, details: str) -> None:
        self.aborted = (code, details)
        raise RuntimeError("aborted")  # grpc raises too: the handler must not go on


def test_a_failing_handler_answers_its_message_alone():
    import grpc  # type: ignore[import-untyped]
    from pulumi.runtime import proto

    from pulumi_datadog_seats.plugin.server import _Servicer

    servicer = _Servicer([], "0.0.0", SeatsProvider(environ={}), "")
    context = AbortingContext()
    with pytest.raises(RuntimeError, match="aborted"):
        run(servicer.Read(proto.ReadRequest(id=PRODUCT, urn=URN), context))  # type: ignore[no-untyped-call]
    assert context.aborted == (
        grpc.StatusCode.UNKNOWN,
        "the datadog-seats provider was used before it was configured",
    )


def test_a_handler_failure_wrapped_by_a_newer_stock_server_still_answers_its_message_alone():
    """From pulumi 3.260 on, the stock handlers re-raise each exception as ``Exception`` of
    its message and frames (pulumi/provider/experimental/server.py, _raise_with_traceback),
    as this handler does: the answer is still the message alone."""
    import grpc

    from pulumi_datadog_seats.plugin.server import _reported, _Servicer

    async def stock(_self: Any, _request: Any, _context: Any) -> Any:
        try:
            raise PluginError("Datadog answered 422: unknown user uuids")
        except Exception as exc:
            frames = '  File "server.py", line 77, in wrapper\n'
            raise Exception(f"{exc}:\n{frames}")  # noqa: B904 (as the stock server raises it)

    servicer = _Servicer([], "0.0.0", SeatsProvider(environ={}), "")
    context = AbortingContext()
    handler = _reported(stock)

    async def call() -> Any:
        return await handler(servicer, None, context)

    with pytest.raises(RuntimeError, match="aborted"):
        run(call())
    assert context.aborted == (grpc.StatusCode.UNKNOWN, "Datadog answered 422: unknown user uuids")
