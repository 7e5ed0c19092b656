"""Both front ends over the same scenarios against the emulator: the same seats, the same outputs.

The dynamic provider (``SeatAssignmentProvider``) and the plugin (``SeatsProvider``) are
adapters over one lifecycle core. Each scenario runs through one, then, after a reset,
through the other, as the engine drives them: each step (an up, a refresh, a destroy) in
a new provider process, check before create or update. The outputs (plugin names mapped
onto the dynamic resource's), the warnings and the holders the emulator ends with must be
the same.
"""

from __future__ import annotations

import re
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
    InvokeRequest,
    ReadRequest,
    UpdateRequest,
)

from datadog_seats_emulator import SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin
from pulumi_datadog_seats.lookups import (
    fetch_seat_holders,
    fetch_team_member_uuids,
    fetch_user_uuids,
)
from pulumi_datadog_seats.plugin.provider import SeatsProvider
from pulumi_datadog_seats.plugin.schema import (
    GET_SEAT_HOLDERS,
    GET_TEAM_MEMBER_UUIDS,
    LOOKUP_USER_UUIDS,
    SEAT_ASSIGNMENT,
)
from pulumi_datadog_seats.plugin.values import plain_map, wrap
from pulumi_datadog_seats.settings import resolve_settings
from pulumi_datadog_seats.spelling import SCHEMA_NAMES
from tests.aio import run

from .conftest import API_KEY, APP_KEY, provider_for

PRODUCT = "incident_response"
USERS = [u["id"] for u in seed_users(12)]
URN = f"urn:pulumi:dev::proj::{SEAT_ASSIGNMENT}::seats"
TEAM_ID = "7c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
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

    def claim_another(self, users: list[str]) -> list[str]:
        """Check a second exclusive SeatAssignment of the product in the process of the
        first one's up; the reasons it is refused for."""
        provider = provider_for(self.emulator)
        mine = {"product_code": PRODUCT, "user_uuids": USERS[:2], "exclusive": True}
        assert provider.check({}, mine).failures == []
        other = {"product_code": PRODUCT, "user_uuids": users, "exclusive": True}
        return [failure.reason for failure in provider.check({}, other).failures]

    def look_up(self, emails: list[str], team_id: str) -> dict[str, Any]:
        """What the Python lookups find (their script forms, with the program's settings)."""
        settings = resolve_settings(
            {
                "datadog:apiUrl": self.emulator.url,
                "datadog:apiKey": API_KEY,
                "datadog:appKey": APP_KEY,
            },
            {},
        )
        holders = fetch_seat_holders(PRODUCT, settings=settings)
        return {
            "holders": [holder.id for holder in holders],
            "emails": fetch_user_uuids(emails, settings=settings),
            "team": fetch_team_member_uuids(team_id, settings=settings),
        }


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

    def claim_another(self, users: list[str]) -> list[str]:
        """As :meth:`Dynamic.claim_another`: a second resource (another URN) of the product."""
        provider = self.provider
        mine = _props({"productCode": PRODUCT, "userUuids": USERS[:2], "exclusive": True})
        assert run(provider.check(CheckRequest(URN, {}, mine, b""))).failures == []
        other = _props({"productCode": PRODUCT, "userUuids": users, "exclusive": True})
        checked = run(provider.check(CheckRequest(f"{URN}-too", {}, other, b"")))
        return [failure.reason for failure in checked.failures or []]

    def look_up(self, emails: list[str], team_id: str) -> dict[str, Any]:
        """What the plugin's functions answer."""
        provider = self.provider

        def call(function: str, argument: str, value: Any) -> dict[str, Any]:
            answer = run(provider.invoke(InvokeRequest(function, {argument: wrap(value)})))
            assert not answer.failures, answer.failures
            return plain_map(answer.return_value or {})

        return {
            "holders": call(GET_SEAT_HOLDERS, "productCode", PRODUCT)["userUuids"],
            "emails": call(LOOKUP_USER_UUIDS, "emails", emails)["userUuids"],
            "team": call(GET_TEAM_MEMBER_UUIDS, "teamId", team_id)["userUuids"],
        }


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


def claim_another(users: list[str]) -> Step:
    """A second exclusive SeatAssignment of the product, checked: its refusal is recorded."""

    def step(front: Any, _admin: EmulatorAdmin, _mp: pytest.MonkeyPatch) -> Any:
        # The plugin also names each resource (it knows their URNs; the dynamic one is told
        # no name): apart from that, the same words.
        reasons = [python_words(reason) for reason in front.claim_another(users)]
        return {"refused": [re.sub(r"'[\w-]+' declaring", "one declaring", r) for r in reasons]}

    return step


def look_up() -> Step:
    """The lookups: holders of the product, users by email (in mixed case), a team."""

    def step(front: Any, admin: EmulatorAdmin, _mp: pytest.MonkeyPatch) -> Any:
        by_id = {user["id"]: user["email"] for user in admin.users()}
        emails = [by_id[USERS[3]].upper(), by_id[USERS[1]]]
        team = admin.add_team("sre", members=USERS[4:7], team_id=TEAM_ID)
        return front.look_up(emails, team["id"])

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
    "a second exclusive SeatAssignment of the product": (
        [USERS[8]],
        [claim_another(USERS[2:4]), claim_another(USERS[:1])],
    ),
    "the lookups": ([USERS[5], USERS[0]], [look_up()]),
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
    if name == "a second exclusive SeatAssignment of the product":
        assert all(step and step["refused"] for step in dynamic.outputs)
    if name == "the lookups":
        team = admin.teams()[0]["members"]
        assert dynamic.outputs == [
            {"holders": sorted([USERS[0], USERS[5]]), "emails": [USERS[3], USERS[1]], "team": team}
        ]
        assert sorted(team) == sorted(USERS[4:7])
    # The same warnings (of lost seats, and of the seats an up takes), each naming
    # properties as its users write them.
    assert dynamic.warnings == [python_words(w) for w in plugin.warnings]
    for outputs, holders in zip(dynamic.outputs, dynamic.holders, strict=True):
        if outputs is not None and "assigned_ids" in outputs:
            # assigned_ids: the declared users confirmed holding a seat after the step.
            assert outputs["assigned_ids"] == sorted(set(outputs["user_uuids"]) & set(holders))
