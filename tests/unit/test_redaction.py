"""redaction: the one UUID parser, key shapes, key scrubbing and hidden user UUIDs."""

from __future__ import annotations

import logging

import pytest

from pulumi_datadog_seats.redaction import (
    hide_user_uuids,
    holds_key_shaped,
    looks_like_key,
    parse_user_uuid,
    scrub_keys,
    scrub_logs_of,
)

API_KEY = "0123456789abcdef0123456789abcdef"
APP_KEY = "0123456789abcdef0123456789abcdef01234567"
USER = "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c"


# -- parse_user_uuid: the one reading of a user UUID --------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        "3F2A6B1C-0D4E-4F5A-9B8C-7D6E5F4A3B2C",
        "{3F2A6B1C-0D4E-4F5A-9B8C-7D6E5F4A3B2C}",
        "  3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c\n",
        "urn:uuid:3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        "URN:UUID:3F2A6B1C-0D4E-4F5A-9B8C-7D6E5F4A3B2C",
    ],
)
def test_parse_user_uuid_canonical_form(value):
    assert parse_user_uuid(value) == "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "not-a-uuid",
        "3f2a6b1c-0d4e-4f5a-9b8c",
        "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2z",
        # uuid.UUID takes all of these; the provider does not (see the next test).
        "3f2a6b1c0d4e4f5a9b8c7d6e5f4a3b2c",
        "3f2a-6b1c0d4e-4f5a9b8c7d6e5f4a3b2c",
        "urn:3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        "uuid:3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        "urn:uuid:{3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c}",
        "{{3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c}}",
        "3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c}",
    ],
)
def test_parse_user_uuid_rejects_non_uuids(value):
    assert parse_user_uuid(value) is None


@pytest.mark.parametrize("value", [None, 42, 3.5, b"3f2a6b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c", ["x"]])
def test_parse_user_uuid_rejects_non_strings(value):
    assert parse_user_uuid(value) is None


def test_key_shapes_are_recognised_inside_lists_and_objects():
    assert looks_like_key(API_KEY) and looks_like_key(f" {APP_KEY} ")
    assert not looks_like_key(USER) and not looks_like_key(API_KEY[:-1])
    assert holds_key_shaped(["x", {"k": [API_KEY]}])
    assert not holds_key_shaped(["x", {"k": [USER]}])


def test_scrub_keys_masks_every_key_and_ignores_empty_ones():
    text = f"sent {API_KEY} and {APP_KEY}, then {API_KEY} again"
    assert scrub_keys(text, (API_KEY, APP_KEY, "")) == "sent *** and ***, then *** again"


def test_hide_user_uuids_hides_them_only_for_a_secret_declaration():
    message = f"Datadog gave no seat to {USER.upper()} and {USER}."
    assert hide_user_uuids(message, False) == message
    hidden = hide_user_uuids(message, True)
    assert USER not in hidden.lower()
    assert hidden.startswith("Datadog gave no seat to [secret] and [secret].")


def test_log_records_of_the_http_libraries_and_the_package_are_scrubbed(caplog):
    scrub_logs_of(API_KEY)
    with caplog.at_level(logging.DEBUG):
        for name in ("urllib3.connectionpool", "requests", "pulumi_datadog_seats.api.transport"):
            logging.getLogger(name).warning("retrying after %s", f"echo of {API_KEY}")
    assert len(caplog.records) == 3
    assert all(API_KEY not in r.getMessage() and "***" in r.getMessage() for r in caplog.records)
