"""resource: wiring of SeatAssignment checked with pulumi.runtime.set_mocks.

Mocks never run the provider: these tests only check what the program sends to
the engine (type token, inputs, the pickled provider), not seat behaviour.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi.runtime
import pytest

from pulumi_datadog_seats import ExclusiveClaimError, SeatAssignment, SeatAssignmentArgs
from pulumi_datadog_seats.resource import _claim_exclusive
from tests.unit.conftest import uid

TYPE_TOKEN = "pulumi-python:dynamic/datadog-seats:SeatAssignment"
# pulumi.runtime.rpc's wire markers of a secret value.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        outputs["assigned_ids"] = list(args.inputs.get("user_uuids") or [])
        outputs["unmanaged_ids"] = []
        return f"{args.name}-id", outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Iterator[RecordingMocks]:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="seats-test", stack="unit", preview=False)
    yield recording


def _registered(mocks: RecordingMocks, name: str) -> pulumi.runtime.MockResourceArgs:
    (args,) = [r for r in mocks.resources if r.name == name]
    return args


@pulumi.runtime.test
def test_keyword_arguments_register_the_dynamic_type_and_inputs(mocks):
    seats = SeatAssignment("responders", product_code="incident_response", user_uuids=[uid(1)])

    def check(values: list[Any]) -> None:
        urn, product_code, assigned = values
        args = _registered(mocks, "responders")
        assert args.typ == TYPE_TOKEN
        assert args.custom is True
        assert args.inputs["product_code"] == "incident_response"
        assert args.inputs["user_uuids"] == [uid(1)]
        assert TYPE_TOKEN in urn
        assert product_code == "incident_response"
        assert assigned == [uid(1)]

    return pulumi.Output.all(seats.urn, seats.product_code, seats.assigned_ids).apply(check)


@pulumi.runtime.test
def test_args_object_registers_the_same_inputs(mocks):
    seats = SeatAssignment(
        "on-call",
        SeatAssignmentArgs(product_code="on_call", user_uuids=[uid(2), uid(3)]),
    )

    def check(_: Any) -> None:
        args = _registered(mocks, "on-call")
        assert args.typ == TYPE_TOKEN
        assert args.inputs["product_code"] == "on_call"
        assert args.inputs["user_uuids"] == [uid(2), uid(3)]

    return seats.urn.apply(check)


@pulumi.runtime.test
def test_outputs_of_other_resources_are_accepted_as_user_uuids(mocks):
    seats = SeatAssignment(
        "from-outputs",
        product_code=pulumi.Output.from_input("on_call"),
        user_uuids=[pulumi.Output.from_input(uid(4)), uid(5)],
    )

    def check(_: Any) -> None:
        args = _registered(mocks, "from-outputs")
        assert args.inputs["product_code"] == "on_call"
        assert args.inputs["user_uuids"] == [uid(4), uid(5)]

    return seats.urn.apply(check)


@pulumi.runtime.test
def test_the_pickled_provider_is_sent_as_a_secret(mocks):
    seats = SeatAssignment("pickled", product_code="on_call", user_uuids=[uid(1)])

    def check(_: Any) -> None:
        wrapped = _registered(mocks, "pickled").inputs["__provider"]
        # The mock monitor shows secrets in the wire format: a signature plus the value.
        assert isinstance(wrapped, dict)
        assert wrapped[SIG_KEY] == SECRET_SIG
        raw = base64.b64decode(wrapped["value"])
        assert b"pulumi_datadog_seats.provider" in raw
        assert b"SeatAssignmentProvider" in raw

    return seats.urn.apply(check)


@pulumi.runtime.test
def test_options_are_passed_through(mocks):
    first = SeatAssignment("first", product_code="on_call", user_uuids=[uid(1)])
    second = SeatAssignment(
        "second",
        product_code="on_call",
        user_uuids=[uid(2)],
        opts=pulumi.ResourceOptions(parent=first),
    )

    def check(urn: str) -> None:
        assert f"{TYPE_TOKEN}${TYPE_TOKEN}::second" in urn

    return second.urn.apply(check)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"product_code": "on_call"},
        {"user_uuids": [uid(1)]},
        {"product_code": None, "user_uuids": [uid(1)]},
    ],
)
def test_missing_arguments_are_a_type_error(mocks, kwargs):
    with pytest.raises(TypeError) as info:
        SeatAssignment("incomplete", **kwargs)
    assert "product_code" in str(info.value)
    assert "user_uuids" in str(info.value)
    assert not any(r.name == "incomplete" for r in mocks.resources)


def test_args_class_requires_both_arguments():
    with pytest.raises(TypeError):
        SeatAssignmentArgs(product_code="on_call")  # type: ignore[call-arg]


# -- exclusive ---------------------------------------------------------------------------------


@pulumi.runtime.test
def test_exclusive_is_an_input_false_by_default(mocks):
    plain = SeatAssignment("plain", product_code="on_call", user_uuids=[uid(1)])
    only = SeatAssignment(
        "only", product_code="incident_response", user_uuids=[uid(2)], exclusive=True
    )

    def check(values: list[Any]) -> None:
        plain_exclusive, only_exclusive, unmanaged = values
        assert _registered(mocks, "plain").inputs["exclusive"] is False
        assert _registered(mocks, "only").inputs["exclusive"] is True
        assert (plain_exclusive, only_exclusive) == (False, True)
        assert unmanaged == []

    return pulumi.Output.all(plain.exclusive, only.exclusive, only.unmanaged_ids).apply(check)


@pulumi.runtime.test
def test_args_object_carries_exclusive(mocks):
    seats = SeatAssignment(
        "args", SeatAssignmentArgs(product_code="on_call", user_uuids=[uid(1)], exclusive=True)
    )

    def check(_: Any) -> None:
        assert _registered(mocks, "args").inputs["exclusive"] is True

    return seats.urn.apply(check)


def test_two_exclusive_claims_of_a_product_are_both_refused_when_registering(mocks):
    # Checked when the registrations run, after the program has constructed every resource:
    # raising in the second constructor would still let the first be created and unassign
    # seats. (The e2e tier shows the real engine then writes nothing.)
    first = _claim_exclusive("responders", SeatAssignmentArgs("on_call", [uid(1)], True))
    second = _claim_exclusive("everyone-else", SeatAssignmentArgs(" on_call ", [uid(2)], True))
    alone = _claim_exclusive("alone", SeatAssignmentArgs("incident_response", [uid(3)], True))

    async def outcomes() -> list[object]:
        claims = [first, second, alone]
        return await asyncio.gather(*claims, return_exceptions=True)  # type: ignore[arg-type]

    loop = asyncio.new_event_loop()  # not asyncio.run(): set_mocks needs the current loop
    try:
        refused_first, refused_second, accepted = loop.run_until_complete(outcomes())
    finally:
        loop.close()
    assert accepted is True
    for refusal, name, other in (
        (refused_first, "responders", "everyone-else"),
        (refused_second, "everyone-else", "responders"),
    ):
        assert isinstance(refusal, ExclusiveClaimError)
        message = str(refusal)
        assert repr(name) in message and repr(other) in message
        assert "'on_call'" in message and "nothing was written for this one" in message


@pulumi.runtime.test
def test_exclusive_claims_do_not_collide_across_products_or_with_plain_ones(mocks):
    resources = [
        SeatAssignment("a", product_code="on_call", user_uuids=[uid(1)], exclusive=True),
        SeatAssignment("b", product_code="incident_response", user_uuids=[uid(2)], exclusive=True),
        SeatAssignment("c", product_code="on_call", user_uuids=[uid(3)]),
        SeatAssignment("d", product_code="on_call", user_uuids=[uid(4)], exclusive=False),
        # Not plain values: left to the provider, which sees them resolved.
        SeatAssignment(
            "e",
            product_code=pulumi.Output.from_input("on_call"),
            user_uuids=[uid(5)],
            exclusive=True,
        ),
        SeatAssignment(
            "f",
            product_code="on_call",
            user_uuids=[uid(6)],
            exclusive=pulumi.Output.from_input(True),
        ),
    ]
    return pulumi.Output.all(*(r.urn for r in resources)).apply(lambda urns: None)


def test_each_deployment_starts_without_claims():
    # Two deployments in one process (set_mocks twice, like two inline programs run one
    # after the other) may each declare the same exclusive product; within one, a second
    # claim is refused.
    def registered(*names: str) -> list[object]:
        args = SeatAssignmentArgs("on_call", [uid(1)], True)
        claims = [_claim_exclusive(name, args) for name in names]

        async def outcomes() -> list[object]:
            return await asyncio.gather(*claims, return_exceptions=True)  # type: ignore[arg-type]

        loop = asyncio.new_event_loop()  # not asyncio.run(): set_mocks needs the current loop
        try:
            return loop.run_until_complete(outcomes())
        finally:
            loop.close()

    for run in (1, 2):
        pulumi.runtime.set_mocks(RecordingMocks(), project="seats-test", stack="unit")
        assert registered(f"on-call-{run}") == [True]
    pulumi.runtime.set_mocks(RecordingMocks(), project="seats-test", stack="unit")
    first, second = registered("on-call", "other")
    assert isinstance(first, ExclusiveClaimError) and isinstance(second, ExclusiveClaimError)


# -- secrecy markers: assigned_ids / unmanaged_ids inputs follow user_uuids' secretness ------


def test_a_missing_argument_is_named(mocks):
    with pytest.raises(TypeError, match=r"SeatAssignment 'half' .* missing: user_uuids\."):
        SeatAssignment("half", product_code="on_call")  # type: ignore[call-overload]


def _secret_on_the_wire(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


@pulumi.runtime.test
def test_plain_user_uuids_send_no_marker(mocks):
    seats = SeatAssignment("plain-users", product_code="on_call", user_uuids=[uid(1)])

    def check(_: Any) -> None:
        inputs = _registered(mocks, "plain-users").inputs
        assert "assigned_ids" not in inputs and "unmanaged_ids" not in inputs

    return seats.urn.apply(check)


@pytest.mark.parametrize("shape", ["whole", "one element"])
@pulumi.runtime.test
def test_secret_user_uuids_send_secret_markers(mocks, shape):
    users: Any
    if shape == "whole":
        users = pulumi.Output.secret([uid(1), uid(2)])
    else:
        users = [uid(1), pulumi.Output.secret(uid(2))]
    seats = SeatAssignment(f"secret-{shape}", product_code="on_call", user_uuids=users)

    def check(_: Any) -> None:
        inputs = _registered(mocks, f"secret-{shape}").inputs
        for key in ("assigned_ids", "unmanaged_ids"):
            assert _secret_on_the_wire(inputs[key]), inputs[key]
            assert inputs[key]["value"] == "secret"

    return seats.urn.apply(check)


@pulumi.runtime.test
def test_the_marker_is_known_while_user_uuids_are_not(mocks):
    # During preview, UUIDs from resources not created yet are unknown; the marker is not.
    unknown: pulumi.Output[str] = pulumi.Output(set(), _resolved(None), _resolved(False))
    seats = SeatAssignment("pending", product_code="on_call", user_uuids=[unknown])

    def check(_: Any) -> None:
        inputs = _registered(mocks, "pending").inputs
        assert "assigned_ids" not in inputs  # not secret: no marker, not an unknown one

    return seats.urn.apply(check)


async def _resolved(value: Any) -> Any:
    return value


def test_secret_user_uuids_send_the_preview_marker_in_preview():
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(recording, project="seats-test", stack="unit", preview=True)

    @pulumi.runtime.test
    def register():  # untyped, as pulumi.runtime.test is
        seats = SeatAssignment(
            "previewed", product_code="on_call", user_uuids=pulumi.Output.secret([uid(1)])
        )

        def check(_: Any) -> None:
            inputs = _registered(recording, "previewed").inputs
            assert _secret_on_the_wire(inputs["assigned_ids"])
            assert inputs["assigned_ids"]["value"] == "secret (preview)"

        return seats.urn.apply(check)

    register()
