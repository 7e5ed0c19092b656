"""Check and Diff of the plugin: what a preview names, with and without unknown values.

The handlers are called as the server calls them (PropertyValue maps in and out),
and the paths of the detailed diff are resolved the way the engine resolves them
for display: DELETE against the old outputs, ADD against the new checked inputs.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    DiffRequest,
    DiffResponse,
    PropertyDiffKind,
)
from pulumi.runtime.rpc import UNKNOWN as WIRE_UNKNOWN

from pulumi_datadog_seats import lifecycle
from pulumi_datadog_seats.plugin.provider import PluginError, SeatsProvider
from pulumi_datadog_seats.plugin.schema import SEAT_ASSIGNMENT
from pulumi_datadog_seats.plugin.values import plain, plain_map, wrap
from tests.unit.conftest import FakeClient, uid

URN = f"urn:pulumi:dev::proj::{SEAT_ASSIGNMENT}::responders"
A, B, C, D = uid(0xA), uid(0xB), uid(0xC), uid(0xD)


@pytest.fixture(autouse=True)
def _holders(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    """The Seats API of every plugin configured here: D holds a seat of each product."""
    fake = FakeClient(holders={D})
    monkeypatch.setattr(lifecycle, "SeatsClient", lambda settings, **_: fake)
    return fake


def offline() -> SeatsProvider:
    """A configured plugin process: check and diff read the holders to name who loses a seat."""
    provider = SeatsProvider(environ={})
    args = {k: wrap(v) for k, v in {"apiKey": "k" * 8, "appKey": "a" * 8}.items()}
    asyncio.run(provider.configure(ConfigureRequest({}, args, True, True)))
    return provider


def check(news: dict[str, Any], urn: str = URN) -> CheckResponse:
    request = CheckRequest(urn, {}, {k: wrap(v) for k, v in news.items()}, b"")
    return asyncio.run(offline().check(request))


def outputs(
    product: str, users: list[str], *, exclusive: bool = False, unmanaged=()
) -> dict[str, Any]:
    return {
        "productCode": product,
        "userUuids": sorted(users),
        "exclusive": exclusive,
        "assignedIds": sorted(users),
        "unmanagedIds": sorted(unmanaged),
    }


def diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResponse:
    """Diff of old outputs against new inputs, the new inputs checked first (as the engine does)."""
    checked = check(news)
    assert not checked.failures, checked.failures
    assert checked.inputs is not None
    request = DiffRequest(URN, "on_call", {k: wrap(v) for k, v in olds.items()}, checked.inputs, [])
    response = asyncio.run(offline().diff(request))
    response.checked = plain_map(checked.inputs)  # type: ignore[attr-defined]
    return response


def shown(response: DiffResponse, olds: dict[str, Any]) -> dict[str, set[str]]:
    """The values the CLI prints for each kind, looked up as engine/detailedDiff.go does."""
    news = response.checked  # type: ignore[attr-defined]
    seen: dict[str, set[str]] = {"added": set(), "removed": set()}
    for path, pdiff in response.detailed_diff.items():
        match = re.fullmatch(r"(\w+)\[(\d+)\]", path)
        if not match:
            continue
        prop, index = match.group(1), int(match.group(2))
        if pdiff.kind in (PropertyDiffKind.DELETE, PropertyDiffKind.UPDATE):
            seen["removed"].add(olds[prop][index])
        if pdiff.kind in (PropertyDiffKind.ADD, PropertyDiffKind.UPDATE):
            seen["added"].add(str(news[prop][index]))
    return seen


# -- check ----------------------------------------------------------------------


def test_check_normalises_like_the_dynamic_provider():
    result = check({"productCode": " on_call ", "userUuids": [B.upper(), A, B]})
    assert result.failures == []
    assert result.inputs is not None
    assert plain_map(result.inputs) == {
        "productCode": "on_call",
        "userUuids": [A, B],
        "exclusive": False,
    }


def test_check_failures_name_the_schema_properties():
    result = check({"productCode": "", "userUuids": ["bob"], "exclusive": "yes"})
    failures = {f.property: f.reason for f in result.failures or []}
    assert set(failures) == {"productCode", "userUuids", "exclusive"}
    assert "userUuids must hold Datadog user UUIDs" in failures["userUuids"]
    assert '"bob"' in failures["userUuids"]  # a YAML, TypeScript or Go string
    assert "user_uuids" not in " ".join(failures.values())


def test_check_rejects_an_empty_user_list():
    result = check({"productCode": "on_call", "userUuids": []})
    assert [f.property for f in result.failures or []] == ["userUuids"]


def test_check_keeps_unknowns_as_the_wire_sentinel_that_can_be_sent_back():
    # The unknown sentinel is a well-formed UUID: it must not be "normalised" into a user.
    request = CheckRequest(
        URN,
        {},
        {
            "productCode": PropertyValue(WIRE_UNKNOWN),
            "userUuids": PropertyValue(
                [wrap(B), PropertyValue(WIRE_UNKNOWN), wrap(A), PropertyValue(Computed())]
            ),
        },
        b"",
    )
    result = asyncio.run(SeatsProvider(environ={}).check(request))
    assert result.failures == []
    assert result.inputs is not None
    assert result.inputs["productCode"].value == WIRE_UNKNOWN
    users = [v.value for v in result.inputs["userUuids"].value]  # type: ignore[union-attr]
    assert users == [A, B, WIRE_UNKNOWN, WIRE_UNKNOWN]
    PropertyValue.marshal_map(result.inputs)  # what the server does with it: must not raise


def test_a_computed_value_cannot_be_marshalled_which_is_why_unknowns_go_back_as_the_sentinel():
    with pytest.raises(ValueError, match="Unsupported value type"):
        PropertyValue(Computed()).marshal()


def test_check_keeps_a_secret_input_secret():
    request = CheckRequest(
        URN, {}, {"productCode": wrap("on_call"), "userUuids": wrap([A], secret=True)}, b""
    )
    result = asyncio.run(SeatsProvider(environ={}).check(request))
    assert result.inputs is not None
    assert result.inputs["userUuids"].is_secret
    assert not result.inputs["productCode"].is_secret


def test_a_failure_about_a_secret_user_list_names_no_property_and_shows_no_value():
    # The engine prints the value of the property a failure names, secret or not.
    bad = "not-a-uuid-but-a-secret-42"
    request = CheckRequest(
        URN, {}, {"productCode": wrap("on_call"), "userUuids": wrap([bad], secret=True)}, b""
    )
    result = asyncio.run(SeatsProvider(environ={}).check(request))
    failures = result.failures or []
    assert [f.property for f in failures] == [""]
    assert "userUuids" in failures[0].reason
    assert "secret-42" not in failures[0].reason


def test_a_second_exclusive_claim_of_a_secret_user_list_shows_no_uuid():
    provider = offline()

    def check_with(users: list[str], urn: str = URN) -> CheckResponse:
        news = {
            "productCode": wrap("on_call"),
            "userUuids": wrap(users, secret=True),
            "exclusive": wrap(True),
        }
        return asyncio.run(provider.check(CheckRequest(urn, {}, news, b"")))

    assert check_with([A]).failures == []
    failures = check_with([B], urn=f"{URN}-other").failures or []
    assert [f.property for f in failures] == ["exclusive"]
    assert A not in failures[0].reason and B not in failures[0].reason
    assert "[secret]" in failures[0].reason


def test_check_refuses_other_resource_types():
    with pytest.raises(PluginError, match="Unknown resource type"):
        check({"productCode": "on_call", "userUuids": [A]}, urn="urn:pulumi:dev::p::x:index:Y::n")


def test_a_second_exclusive_declaration_of_a_product_fails_in_check():
    provider = offline()

    def check_with(users: list[str], urn: str = URN) -> CheckResponse:
        news = {"productCode": wrap("on_call"), "userUuids": wrap(users), "exclusive": wrap(True)}
        return asyncio.run(provider.check(CheckRequest(urn, {}, news, b"")))

    assert check_with([A]).failures == []
    assert check_with([A]).failures == []  # the same resource again (checked, then created)
    assert check_with([A, B]).failures == []  # and with new users
    # Another resource of the product, even with the same users, is refused.
    failures = check_with([A, B], urn=f"{URN}-other").failures or []
    assert [f.property for f in failures] == ["exclusive"]
    assert "exclusive: true" in failures[0].reason and "'responders-other'" in failures[0].reason


# -- diff -----------------------------------------------------------------------


def test_same_users_in_another_order_case_and_with_duplicates_is_no_change():
    olds = outputs("on_call", [A, B, C])
    response = diff(olds, {"productCode": "on_call", "userUuids": [C.upper(), A, B, A]})
    assert response.changes is False
    assert response.detailed_diff == {} and response.replaces == []


def test_each_added_and_removed_user_gets_a_path_that_resolves_to_that_user():
    olds = outputs("on_call", [A, B, C])
    response = diff(olds, {"productCode": "on_call", "userUuids": [A, C, D]})
    assert response.changes is True and response.replaces == []
    assert response.diffs == ["userUuids"]
    assert shown(response, olds) == {"added": {D}, "removed": {B}}


@pytest.mark.parametrize(
    ("old", "new", "added", "removed"),
    [
        ([A, B, C, D], [B, C, D], set(), {A}),
        ([A, B, C, D], [A, B], set(), {C, D}),
        ([B], [A, B, C, D], {A, C, D}, set()),
        ([A, B], [C, D], {C, D}, {A, B}),
        ([A, C, D], [B, D], {B}, {A, C}),
    ],
)
def test_the_paths_resolve_to_exactly_the_users_added_and_removed(old, new, added, removed):
    olds = outputs("on_call", old)
    response = diff(olds, {"productCode": "on_call", "userUuids": list(reversed(new))})
    assert shown(response, olds) == {"added": added, "removed": removed}


def test_only_additions_and_only_removals_use_add_and_delete():
    olds = outputs("on_call", [B])
    added = diff(olds, {"productCode": "on_call", "userUuids": [A, B, C]})
    assert {p: d.kind for p, d in added.detailed_diff.items()} == {
        "userUuids[0]": PropertyDiffKind.ADD,
        "userUuids[2]": PropertyDiffKind.ADD,
    }
    olds = outputs("on_call", [A, B, C])
    removed = diff(olds, {"productCode": "on_call", "userUuids": [B]})
    assert {p: d.kind for p, d in removed.detailed_diff.items()} == {
        "userUuids[0]": PropertyDiffKind.DELETE,
        "userUuids[2]": PropertyDiffKind.DELETE,
    }
    assert shown(removed, olds) == {"added": set(), "removed": {A, C}}


def test_a_new_product_code_replaces_creating_first():
    olds = outputs("incident_response", [A])
    response = diff(olds, {"productCode": "on_call", "userUuids": [A]})
    assert response.replaces == ["productCode"]
    assert response.delete_before_replace is False
    assert response.detailed_diff["productCode"].kind == PropertyDiffKind.UPDATE_REPLACE


def test_unknown_users_are_shown_as_added_and_an_unknown_product_may_replace():
    olds = outputs("on_call", [A])
    request = DiffRequest(
        URN,
        "on_call",
        {k: wrap(v) for k, v in olds.items()},
        {
            "productCode": PropertyValue(WIRE_UNKNOWN),
            "userUuids": wrap([A, WIRE_UNKNOWN]),
            "exclusive": wrap(False),
        },
        [],
    )
    response = asyncio.run(offline().diff(request))
    assert response.changes is True
    assert response.replaces == ["productCode"]
    assert response.detailed_diff["userUuids[1]"].kind == PropertyDiffKind.ADD
    assert "userUuids[0]" not in response.detailed_diff


def test_an_unknown_user_list_is_an_update():
    olds = outputs("on_call", [A])
    news = {"productCode": wrap("on_call"), "userUuids": PropertyValue(WIRE_UNKNOWN)}
    request = DiffRequest(URN, "on_call", {k: wrap(v) for k, v in olds.items()}, news, [])
    response = asyncio.run(offline().diff(request))
    assert response.detailed_diff["userUuids"].kind == PropertyDiffKind.UPDATE
    assert response.replaces == []


def test_exclusive_shows_the_holders_it_will_unassign():
    olds = outputs("on_call", [A], unmanaged=[C, D])
    response = diff(olds, {"productCode": "on_call", "userUuids": [A], "exclusive": True})
    assert response.detailed_diff["exclusive"].kind == PropertyDiffKind.UPDATE
    assert {
        olds["unmanagedIds"][int(p[-2])] for p in response.detailed_diff if "unmanaged" in p
    } == {
        C,
        D,
    }
    # Not exclusive: holders the resource never declared are none of its business.
    quiet = diff(olds, {"productCode": "on_call", "userUuids": [A]})
    assert quiet.changes is False


def test_plain_unwraps_secrets_and_nested_values():
    value = wrap({"a": [wrap("x", secret=True), 1]})
    assert plain(value) == {"a": ["x", 1.0]}


def test_the_detailed_diff_survives_the_stock_servers_marshalling():
    from pulumi.provider.experimental.server import ProviderServicer
    from pulumi.runtime import proto

    olds = outputs("on_call", [A, B])
    checked = check({"productCode": "on_call", "userUuids": [A, C]}).inputs
    assert checked is not None
    servicer = ProviderServicer([], "0.0.0", offline(), engine_address="")
    request = proto.DiffRequest(
        urn=URN,
        id="on_call",
        olds=PropertyValue.marshal_map({k: wrap(v) for k, v in olds.items()}),
        news=PropertyValue.marshal_map(checked),
    )
    answer = asyncio.run(servicer.Diff(request, None))
    assert answer.changes == proto.DiffResponse.DIFF_SOME
    assert answer.hasDetailedDiff
    kinds = {path: d.kind for path, d in answer.detailedDiff.items()}
    assert kinds == {"userUuids[1]": proto.PropertyDiff.UPDATE}  # B out, C in, one slot
    assert list(answer.replaces) == [] and not answer.deleteBeforeReplace
