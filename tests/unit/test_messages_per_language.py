"""Every user-facing message, rendered for each front end, speaks that front end's language.

A Python user reads ``user_uuids``, ``exclusive=True``, ``None`` and ``pulumi_datadog.User``;
a YAML user ``userUuids``, ``exclusive: true``, ``null`` and ``${alice.id}``; a Go user
``UserUuids``, ``pulumi.Bool(true)`` and ``alice.ID()``. The table below renders each
message the core words (input checks, exclusive claims, what a preview names, refresh
warnings, configuration errors, API advice, lookups) with every spelling, and fails when
an idiom of another language shows up in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pulumi_datadog_seats.declaration import PRODUCT_CODE, USER_UUIDS
from pulumi_datadog_seats.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ExclusiveClaimError,
    LookupInputError,
    NotFoundError,
    PermissionDeniedError,
    RedirectError,
)
from pulumi_datadog_seats.exclusive import ExclusiveClaims
from pulumi_datadog_seats.forecast import Forecast, unassign_warning
from pulumi_datadog_seats.lifecycle import SeatLifecycle
from pulumi_datadog_seats.queries import Queries
from pulumi_datadog_seats.settings import resolve_settings
from pulumi_datadog_seats.spelling import GO, PYTHON, PYTHON_SDK, TYPESCRIPT, YAML, Spelling
from pulumi_datadog_seats.validation import check_inputs
from tests.unit.conftest import make_settings, uid

KEY = "a" * 20
UUID = uid(1)

#: What only some languages write: each marker belongs to the spellings listed.
MARKERS: dict[str, tuple[Spelling, ...]] = {
    r"\buser_uuids\b": (PYTHON, PYTHON_SDK),
    r"\bproduct_code\b": (PYTHON, PYTHON_SDK),
    r"\bteam_id\b": (PYTHON, PYTHON_SDK),
    r"\buserUuids\b": (YAML, TYPESCRIPT),
    r"\bproductCode\b": (YAML, TYPESCRIPT),
    r"\bteamId\b": (YAML, TYPESCRIPT),
    r"\bUserUuids\b": (GO,),
    r"\bProductCode\b": (GO,),
    r"\bTrue\b|\bFalse\b|\bNone\b": (PYTHON, PYTHON_SDK),
    r"exclusive=": (PYTHON, PYTHON_SDK),
    r"pulumi_datadog\.User|get_bool": (PYTHON, PYTHON_SDK),
    r"\$\{": (YAML,),
    r"\bnull\b": (YAML, TYPESCRIPT),
    r"type: boolean|datadog:index:User": (YAML,),
    r"getBoolean": (TYPESCRIPT,),
    r"pulumi\.Bool\(|StringArray|\.ID\(\)|GetBool|\bnil\b(?! UUID)": (GO,),
    r"\bdatadog:(apiKey|appKey|apiUrl)\b": (PYTHON,),
    r"\bdatadog-seats:(apiKey|appKey|apiUrl)\b": (PYTHON_SDK, YAML, TYPESCRIPT, GO),
}

SPELLINGS = {
    "python (dynamic)": PYTHON,
    "python (sdk)": PYTHON_SDK,
    "yaml": YAML,
    "typescript": TYPESCRIPT,
    "go": GO,
}


def input_failures(spelling: Spelling) -> list[str]:
    cases = [
        (None, None, False),
        (42, "x", "yes"),
        ("", [], 1),
        ("Incident Response", {"id": UUID}, [True]),
        ("b" * 32, [1, None, True, "", "nope", {"id": UUID}], "true"),
        ("on_call", ["00000000-0000-0000-0000-000000000000", UUID.replace("-", "", 1)], None),
        ("on_call", "x" * 40, False),
    ]
    reasons = []
    for product, users, exclusive in cases:
        outcome = check_inputs(product, users, exclusive=exclusive, spelling=spelling)
        reasons += [reason for _, reason in outcome.failures]
    secret = check_inputs("on_call", ["nope"], secret=True, spelling=spelling)
    return reasons + [reason for _, reason in secret.failures]


def claims(spelling: Spelling) -> list[str]:
    claimed = ExclusiveClaims()
    claimed.claim("on_call", claimant="a", spelling=spelling)
    with pytest.raises(ExclusiveClaimError) as info:
        claimed.claim("on_call", claimant="b", spelling=spelling)
    return [str(info.value)]


def forecasts(spelling: Spelling) -> list[str]:
    said = [
        unassign_warning(Forecast("on_call", removed=(UUID,)), spelling),
        unassign_warning(Forecast("on_call", unmanaged=(UUID,)), spelling),
        unassign_warning(Forecast("on_call", unmanaged=(UUID,), users_pending=True), spelling),
        unassign_warning(
            Forecast("on_call", replaced_product="incident_response", replaced=(UUID,)), spelling
        ),
    ]
    return [text for text in said if text]


def refreshes(spelling: Spelling) -> list[str]:
    core = SeatLifecycle(spelling)
    return [core.lost_seats_warning("on_call", [UUID], none_left=flag) for flag in (True, False)]


def configuration(spelling: Spelling) -> list[str]:
    namespace = spelling.api_key.split(":")[0]
    keys = {spelling.api_key: KEY, spelling.app_key: KEY}
    configs = [
        {},
        {**keys, spelling.api_url: "http://api.datadoghq.com"},
        {**keys, spelling.api_url: "https://me:pw@api.datadoghq.com"},
        {**keys, "datadog-seats:batchsize": "5", f"{namespace}:apikey": "x"},
        {**keys, "datadog-seats:timeoutSeconds": "30000"},
    ]
    messages = []
    for config in configs:
        with pytest.raises(ConfigurationError) as info:
            resolve_settings(config, {}, spelling)
        messages.append(str(info.value))
    with pytest.raises(ConfigurationError) as site:
        resolve_settings(keys, {"DD_SITE": "datadoghq.fr"}, spelling)
    return [*messages, str(site.value)]


def advice(spelling: Spelling) -> list[str]:
    path = "/api/v2/seats/users"
    errors = [
        kind(status, "POST", path, ["no"], spelling=spelling)
        for kind, status in (
            (BadRequestError, 400),
            (AuthenticationError, 401),
            (PermissionDeniedError, 403),
            (NotFoundError, 404),
        )
    ]
    redirect = RedirectError(302, "GET", path, [], "https://elsewhere/", spelling=spelling)
    return [str(error) for error in (*errors, redirect)]


def lookups(spelling: Spelling) -> list[str]:
    queries = Queries(make_settings(spelling=spelling))
    calls: list[Callable[[], object]] = [
        lambda: queries.seat_holders("Incident Response"),
        lambda: queries.seat_holders(None),
        lambda: queries.user_uuids("alice@example.com"),
        lambda: queries.user_uuids(["", None]),
        lambda: queries.team_member_uuids(""),
        lambda: queries.team_member_uuids(None),
    ]
    messages = []
    for call in calls:
        with pytest.raises(LookupInputError) as info:
            call()
        messages.append(str(info.value))
    return messages


RENDERERS = [input_failures, claims, forecasts, refreshes, configuration, advice, lookups]


@pytest.mark.parametrize("render", RENDERERS, ids=lambda r: r.__name__)
@pytest.mark.parametrize("language", list(SPELLINGS))
def test_no_message_speaks_another_language(language: str, render: Callable[..., list[str]]):
    spelling = SPELLINGS[language]
    messages = render(spelling)
    assert messages
    for message in messages:
        for marker, owners in MARKERS.items():
            if spelling not in owners:
                found = re.search(marker, message)
                assert found is None, f"{language} message speaks {found[0]!r}: {message}"


@pytest.mark.parametrize("language", list(SPELLINGS))
def test_messages_name_properties_and_write_values_as_the_language_does(language: str):
    spelling = SPELLINGS[language]
    failures = check_inputs(None, None, exclusive="yes", spelling=spelling).failures
    reasons = dict(failures)
    assert reasons[PRODUCT_CODE].startswith(f"{spelling[PRODUCT_CODE]} is required")
    assert reasons[USER_UUIDS].startswith(f"{spelling[USER_UUIDS]} is required")
    assert spelling.ids_example() in reasons[USER_UUIDS]
    assert f"pass {spelling.true} or {spelling.false}" in reasons["exclusive"]
    assert spelling.bool_from_config in reasons["exclusive"]
    (claim,) = claims(spelling)
    assert spelling.exclusive_on in claim and spelling.exclusive_off in claim
