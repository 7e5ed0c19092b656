"""resource: wiring of SeatAssignment checked with pulumi.runtime.set_mocks.

Mocks never run the provider: these tests only check what the program sends to
the engine (type token, inputs, the pickled provider), not seat behaviour.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi.runtime
import pytest

from pulumi_datadog_seats import SeatAssignment, SeatAssignmentArgs
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
