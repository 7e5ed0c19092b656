"""errors: the exception tree and the mapping from Datadog's HTTP answers."""

from __future__ import annotations

import json

import pytest

from pulumi_datadog_seats import errors
from pulumi_datadog_seats.api.advice import error_from_response
from pulumi_datadog_seats.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RedirectError,
    SeatsApiError,
    SeatsError,
    ServerError,
    UnprocessableError,
)

PATH = "/api/v2/seats/users"


def _body(*messages: object) -> bytes:
    return json.dumps({"errors": list(messages)}).encode()


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_each_status_maps_to_its_class(status, cls):
    error = error_from_response(status, "POST", PATH, _body("nope"))
    assert type(error) is cls
    assert isinstance(error, SeatsApiError)
    assert isinstance(error, SeatsError)
    assert error.status == status


@pytest.mark.parametrize("status", [402, 405, 409, 418])
def test_unmapped_status_gives_the_base_class(status):
    error = error_from_response(status, "GET", PATH, _body("teapot"))
    assert type(error) is SeatsApiError
    assert str(status) in str(error)
    assert "teapot" in str(error)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 418, 422, 429, 500, 503])
def test_message_carries_status_method_path_errors_and_a_hint(status):
    error = error_from_response(
        status, "DELETE", PATH, _body("first problem", "second problem"), "3"
    )
    message = str(error)
    assert str(status) in message
    assert "DELETE" in message
    assert PATH in message
    assert "first problem" in message
    assert "second problem" in message
    assert (error.method, error.path, error.errors) == (
        "DELETE",
        PATH,
        ["first problem", "second problem"],
    )
    # A hint: something beyond the bare facts above.
    bare = f"Datadog answered {status} to DELETE {PATH}: first problem; second problem."
    assert len(message) > len(bare) + 20


def test_each_class_has_its_own_hint():
    hints = {
        str(error_from_response(status, "POST", PATH, b"")).split(": no error details.")[1]
        for status in (400, 401, 403, 404, 418, 422, 429, 500)
    }
    assert len(hints) == 8


def test_403_names_the_write_permissions():
    message = str(error_from_response(403, "POST", PATH, _body("Forbidden")))
    for permission in ("billing_edit", "incident_write", "on_call_write"):
        assert permission in message
    assert "datadog:appKey" in message


def test_401_points_at_the_api_key_and_the_site():
    message = str(error_from_response(401, "GET", PATH, b""))
    assert "datadog:apiKey" in message
    assert "DD_SITE" in message or "datadog:apiUrl" in message


def test_429_names_reset_seconds_and_the_budget_knob():
    error = error_from_response(429, "POST", PATH, _body("Too many requests"), "17")
    assert isinstance(error, RateLimitedError)
    assert error.reset_seconds == "17"
    message = str(error)
    assert "17" in message
    assert "X-RateLimit-Reset" in message
    assert "datadog-seats:retryBudgetSeconds" in message


def test_429_without_reset_header_still_explains():
    message = str(error_from_response(429, "POST", PATH, b""))
    assert "datadog-seats:retryBudgetSeconds" in message
    assert "None" not in message


def test_server_error_says_retrying_is_safe():
    message = str(error_from_response(503, "POST", PATH, b""))
    assert "503" in message
    assert "idempotent" in message


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        b"not json at all",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"errors": "not a list"}',
        b'{"message": "different shape"}',
        b"null",
    ],
)
def test_bodies_without_an_errors_list_give_an_empty_list(body):
    error = error_from_response(500, "GET", PATH, body)
    assert error.errors == []
    assert "no error details" in str(error)


def test_non_string_errors_are_kept_as_json():
    error = error_from_response(400, "POST", PATH, _body({"detail": "bad uuid"}, "plain"))
    assert error.errors[1] == "plain"
    assert json.loads(error.errors[0]) == {"detail": "bad uuid"}


def test_configuration_and_transport_errors_are_seats_errors():
    assert issubclass(errors.ConfigurationError, SeatsError)
    assert issubclass(errors.TransportError, SeatsError)
    assert issubclass(errors.SeatAssignmentError, SeatsError)
    assert not issubclass(errors.TransportError, SeatsApiError)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_map_to_a_redirect_error_naming_the_target(status):
    error = error_from_response(status, "GET", "/api/v2/seats/users", b"", None, "https://x.test/")
    assert isinstance(error, RedirectError)
    assert "https://x.test/" in str(error) and "datadog:apiUrl" in str(error)
