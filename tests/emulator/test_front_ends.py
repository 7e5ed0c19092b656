"""Both front ends over the same scenarios against the emulator: the same seats, the same outputs.

The dynamic provider (``SeatAssignmentProvider``) and the plugin (``SeatsProvider``) are
adapters over one lifecycle core. Each scenario runs through one, then, after a reset,
through the other, as the engine drives them: each step (an up, a refresh, a destroy) in
a new provider process, check before create or update. The outputs (plugin names mapped
onto the dynamic resource's), the warnings and the holders the emulator ends with must be
the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from pulumi.provider.experimental.provider import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    ReadRequest,
    UpdateRequest,
)

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats.plugin.provider import SeatsProvider
from pulumi_datadog_seats.plugin.schema import SEAT_ASSIGNMENT
from pulumi_datadog_seats.plugin.values import plain_map, wrap
from pulumi_datadog_seats.spelling import SCHEMA_NAMES
from tests.aio import run

from .conftest import API_KEY, APP_KEY, provider_for

PRODUCT = "incident_response"
USERS = [u["id"] for u in seed_users(12)]
URN = f"urn:pulumi:dev::proj::{SEAT_ASSIGNMENT}::seats"
_CORE_NAME = {schema: core for core, schema in SCHEMA_NAMES.items()}


@dataclass
class Outcome:
    """What one front end made of a scenario: outputs after each step, warnings, holders."""

    outputs: list[dict[str, Any] | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    holders: list[list[str]] = field(default_factory=list)


class Dynamic:
    """The dynamic provider, driven as the dynamic-provider host drives it."""

    def __init__(self, emulator: SeatsEmulator, warnings: list[str]) -> None:
        self.emulator = emulator
        self.warnings = warnings
        self.state: dict[str, Any] | None = None
        self.inputs: dict[str, Any] = {}

    def up(self, users: list[str], exclusive: bool = False) -> dict[str, Any]:
        provider = provider_for(self.emulator)
        news = {"product_code": PRODUCT, "user_uuids": users, "exclusive": exclusive}
        checked = provider.check(self.inputs, news)
        assert checked.failures == []
        if self.state is None:
            outs = provider.create(checked.inputs).outs
        else:
            assert provider.diff("id", self.state, checked.inputs).changes
            outs = provider.update("id", self.state, checked.inputs).outs
        assert outs is not None
        self.state, self.inputs = dict(outs), dict(checked.inputs)
        return dict(outs)

    def refresh(self, _monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | None:
        assert self.state is not None
        result = provider_for(self.emulator).read("id", self.state)
        self.state = result.outs or None
        return None if self.state is None else dict(self.state)

    def destroy(self) -> None:
        assert self.state is not None
        provider_for(self.emulator).delete("id", self.state)


class Plugin:
    """The provider plugin, driven as the engine drives it (PropertyValue maps)."""

    def __init__(self, emulator: SeatsEmulator, warnings: list[str]) -> None:
        self.emulator = emulator
        self.warnings = warnings
        self.state: dict[str, Any] | None = None
        self.inputs: dict[str, Any] = {}

    @property
    def provider(self) -> SeatsProvider:
        """A new plugin process, configured."""
        provider = SeatsProvider(environ={}, warn=lambda _urn, text: self.warnings.append(text))
        args = {"apiUrl": self.emulator.url, "apiKey": API_KEY, "appKey": APP_KEY}
        run(provider.configure(ConfigureRequest({}, _props(args), True, True)))
        return provider

    def up(self, users: list[str], exclusive: bool = False) -> dict[str, Any]:
        provider = self.provider
        news = _props({"productCode": PRODUCT, "userUuids": users, "exclusive": exclusive})
        checked = run(provider.check(CheckRequest(URN, self.inputs, news, b"")))
        assert checked.failures == [] and checked.inputs is not None
        if self.state is None:
            request: Any = CreateRequest(URN, checked.inputs, 60, False)
            self.state = run(provider.create(request)).properties
        else:
            diff = DiffRequest(URN, PRODUCT, self.state, checked.inputs, [])
            assert run(provider.diff(diff)).changes
            request = UpdateRequest(URN, PRODUCT, self.state, checked.inputs, 60, [], False)
            self.state = run(provider.update(request)).properties
        self.inputs = checked.inputs
        return _core(self.state)

    def refresh(self, _monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | None:
        assert self.state is not None
        response = run(self.provider.read(ReadRequest(URN, PRODUCT, self.state, {})))
        self.state = response.properties or None
        return None if self.state is None else _core(self.state)

    def destroy(self) -> None:
        assert self.state is not None
        run(self.provider.delete(DeleteRequest(URN, PRODUCT, self.state, 60)))


def python_words(text: str) -> str:
    """A plugin message as the dynamic provider words it (its spelling of the same names)."""
    for schema_words, python in (
        ("userUuids", "user_uuids"),
        ("exclusive: true", "exclusive=True"),
        ("exclusive: false", "exclusive=False"),
    ):
        text = text.replace(schema_words, python)
    return text


def _props(values: dict[str, Any]) -> dict[str, Any]:
    return {key: wrap(value) for key, value in values.items()}


def _core(properties: dict[str, Any]) -> dict[str, Any]:
    return {_CORE_NAME[key]: value for key, value in plain_map(properties).items()}


Step = Callable[[Any, EmulatorAdmin, pytest.MonkeyPatch], dict[str, Any] | None]


def up(users: list[str], exclusive: bool = False) -> Step:
    return lambda front, _admin, _mp: front.up(users, exclusive)


def refresh(*, outside: list[str] | None = None) -> Step:
    """A refresh, after the holders were set to ``outside`` in Datadog (if given)."""

    def step(front: Any, admin: EmulatorAdmin, monkeypatch: pytest.MonkeyPatch) -> Any:
        if outside is not None:
            admin.set_holders(PRODUCT, outside)
        return front.refresh(monkeypatch)

    return step


def destroy() -> Step:
    def step(front: Any, _admin: EmulatorAdmin, _mp: pytest.MonkeyPatch) -> None:
        front.destroy()

    return step


SCENARIOS: dict[str, tuple[list[str], list[Step]]] = {
    "add, remove, swap": ([USERS[9]], [up(USERS[:3]), up(USERS[1:5]), up([USERS[6]]), destroy()]),
    "exclusive takes the outsiders' seats": (
        USERS[7:10],
        [up(USERS[:2], exclusive=True), refresh(outside=[*USERS[:2], USERS[11]]), up(USERS[:2])],
    ),
    "refresh after seats were lost outside": (
        [USERS[10]],
        [up(USERS[:4]), refresh(outside=[USERS[0], USERS[2], USERS[10]]), up(USERS[:4])],
    ),
    "refresh of a declaration nobody holds any more": (
        [],
        [up(USERS[:2]), refresh(outside=[USERS[5]])],
    ),
    "exclusive turned on over holders nobody declares": (
        [USERS[8], USERS[9]],
        [up(USERS[:3]), up(USERS[1:3], exclusive=True), destroy()],
    ),
    "exclusive off again": (
        [USERS[8]],
        [up(USERS[:2], exclusive=True), up(USERS[:3], exclusive=False), destroy()],
    ),
}


def play(
    make: Callable[[SeatsEmulator, list[str]], Any],
    emulator: SeatsEmulator,
    admin: EmulatorAdmin,
    monkeypatch: pytest.MonkeyPatch,
    reading: str,
    before: list[str],
    steps: list[Step],
) -> Outcome:
    admin.reset()
    admin.configure(assigned_ids=reading)
    admin.set_holders(PRODUCT, before)
    outcome = Outcome()
    monkeypatch.setattr(pulumi.log, "warn", outcome.warnings.append)  # the dynamic provider's
    front = make(emulator, outcome.warnings)
    for step in steps:
        outcome.outputs.append(step(front, admin, monkeypatch))
        outcome.holders.append(sorted(admin.holders(PRODUCT)))
    return outcome


@pytest.mark.parametrize("reading", ["all", "new"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_both_front_ends_leave_the_same_seats_and_record_the_same_outputs(
    name: str,
    reading: str,
    emulator: SeatsEmulator,
    admin: EmulatorAdmin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before, steps = SCENARIOS[name]
    dynamic, plugin = (
        play(make, emulator, admin, monkeypatch, reading, before, steps)
        for make in (Dynamic, Plugin)
    )
    assert dynamic.holders == plugin.holders
    assert dynamic.outputs == plugin.outputs
    # The same warnings (of lost seats, and of the seats an up takes), each naming
    # properties as its users write them.
    assert dynamic.warnings == [python_words(w) for w in plugin.warnings]
    for outputs, holders in zip(dynamic.outputs, dynamic.holders, strict=True):
        if outputs is not None:
            # assigned_ids: the declared users confirmed holding a seat after the step.
            assert outputs["assigned_ids"] == sorted(set(outputs["user_uuids"]) & set(holders))
