"""settings: where credentials, the API URL and the knobs come from."""

from __future__ import annotations

import dataclasses

import pytest

from pulumi_datadog_seats.errors import ConfigurationError
from pulumi_datadog_seats.settings import (
    DEFAULT_API_URL,
    KNOBS,
    SITE_API_URLS,
    Settings,
    resolve_api_url,
    resolve_settings,
)
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY

KEYS = {"datadog:apiKey": "cfg-api", "datadog:appKey": "cfg-app"}

#: The table of the API reference (shared/reference/seats-api.md), written out independently.
REFERENCE_SITES = {
    "datadoghq.com": "https://api.datadoghq.com",
    "us3.datadoghq.com": "https://api.us3.datadoghq.com",
    "us5.datadoghq.com": "https://api.us5.datadoghq.com",
    "datadoghq.eu": "https://api.datadoghq.eu",
    "ap1.datadoghq.com": "https://api.ap1.datadoghq.com",
    "ap2.datadoghq.com": "https://api.ap2.datadoghq.com",
    "ddog-gov.com": "https://api.ddog-gov.com",
    "us2.ddog-gov.com": "https://api.us2.ddog-gov.com",
}

#: knob key -> Settings field
KNOB_FIELDS = {
    "batchSize": "batch_size",
    "pageSize": "page_size",
    "maxRetries": "max_retries",
    "retryBudgetSeconds": "retry_budget_seconds",
    "backoffSeconds": "backoff_seconds",
    "timeoutSeconds": "timeout_seconds",
}


def _error_of(config, environ) -> str:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(config, environ)
    return str(info.value)


# -- credentials -------------------------------------------------------------


def test_config_keys_beat_every_environment_variable():
    environ = {
        "DD_API_KEY": "env-api",
        "DATADOG_API_KEY": "env-api-2",
        "DD_APP_KEY": "env-app",
        "DATADOG_APP_KEY": "env-app-2",
    }
    settings = resolve_settings(KEYS, environ)
    assert (settings.api_key, settings.app_key) == ("cfg-api", "cfg-app")


def test_dd_variables_come_before_datadog_variables():
    environ = {
        "DD_API_KEY": "dd-api",
        "DATADOG_API_KEY": "datadog-api",
        "DD_APP_KEY": "dd-app",
        "DATADOG_APP_KEY": "datadog-app",
    }
    settings = resolve_settings({}, environ)
    assert (settings.api_key, settings.app_key) == ("dd-api", "dd-app")


def test_datadog_variables_are_the_last_fallback():
    settings = resolve_settings({}, {"DATADOG_API_KEY": "api-2", "DATADOG_APP_KEY": "app-2"})
    assert (settings.api_key, settings.app_key) == ("api-2", "app-2")


def test_blank_config_and_blank_env_values_fall_through():
    config = {"datadog:apiKey": "   ", "datadog:appKey": ""}
    environ = {"DD_API_KEY": "", "DATADOG_API_KEY": "api-2", "DD_APP_KEY": " app "}
    settings = resolve_settings(config, environ)
    assert (settings.api_key, settings.app_key) == ("api-2", "app")


def test_config_and_env_can_be_mixed_per_key():
    settings = resolve_settings({"datadog:appKey": "cfg-app"}, {"DD_API_KEY": "env-api"})
    assert (settings.api_key, settings.app_key) == ("env-api", "cfg-app")


def test_missing_api_key_names_config_key_and_both_variables():
    message = _error_of({"datadog:appKey": "app"}, {"DD_APP_KEY": "app"})
    assert "datadog:apiKey" in message
    assert "DD_API_KEY" in message
    assert "DATADOG_API_KEY" in message
    assert "appKey" not in message


def test_missing_app_key_names_config_key_and_both_variables():
    message = _error_of({"datadog:apiKey": "api"}, {})
    assert "datadog:appKey" in message
    assert "DD_APP_KEY" in message
    assert "DATADOG_APP_KEY" in message


def test_nothing_configured_is_a_configuration_error():
    message = _error_of({}, {})
    assert "datadog:apiKey" in message


def test_non_string_credential_is_treated_as_missing():
    message = _error_of({"datadog:apiKey": 12345, "datadog:appKey": "app"}, {})
    assert "datadog:apiKey" in message


def test_works_with_the_pulumi_dynamic_config_object():
    from pulumi.dynamic import Config

    config = Config(
        {
            "datadog:apiKey": "a",
            "datadog:appKey": "b",
            "datadog:apiUrl": "https://api.datadoghq.eu",
            "datadog-seats:batchSize": "7",
        },
        "some-project",
    )
    settings = resolve_settings(config, {})
    assert (settings.api_key, settings.app_key, settings.api_url, settings.batch_size) == (
        "a",
        "b",
        "https://api.datadoghq.eu",
        7,
    )


# -- API URL -----------------------------------------------------------------


def test_api_url_config_beats_host_and_site():
    environ = {"DD_HOST": "https://dd-host.example", "DD_SITE": "datadoghq.eu"}
    url = resolve_api_url({"datadog:apiUrl": "https://api.us5.datadoghq.com"}, environ)
    assert url == "https://api.us5.datadoghq.com"


def test_dd_host_beats_datadog_host_and_site():
    environ = {
        "DD_HOST": "https://one.example",
        "DATADOG_HOST": "https://two.example",
        "DD_SITE": "datadoghq.eu",
    }
    assert resolve_api_url({}, environ) == "https://one.example"


def test_datadog_host_beats_site():
    environ = {"DATADOG_HOST": "https://two.example", "DD_SITE": "datadoghq.eu"}
    assert resolve_api_url({}, environ) == "https://two.example"


def test_default_url_without_any_setting():
    assert resolve_api_url({}, {}) == "https://api.datadoghq.com"
    assert resolve_settings(KEYS, {}).api_url == "https://api.datadoghq.com"


def test_site_table_is_the_reference_table():
    assert SITE_API_URLS == REFERENCE_SITES
    assert REFERENCE_SITES["datadoghq.com"] == DEFAULT_API_URL


@pytest.mark.parametrize("site", sorted(REFERENCE_SITES))
def test_every_site_maps_to_its_api_host(site):
    expected = REFERENCE_SITES[site]
    assert resolve_api_url({}, {"DD_SITE": site}) == expected
    # The app URL users copy from the browser, and odd case/whitespace.
    assert resolve_api_url({}, {"DD_SITE": f"app.{site}"}) == expected
    assert resolve_api_url({}, {"DD_SITE": f"  {site.upper()} "}) == expected


def test_app_prefix_of_eu_site():
    assert resolve_api_url({}, {"DD_SITE": "app.datadoghq.eu"}) == "https://api.datadoghq.eu"


@pytest.mark.parametrize("site", ["datadoghq.io", "example.com", "api.datadoghq.com"])
def test_unknown_site_is_an_error_that_names_dd_site_and_the_way_out(site):
    with pytest.raises(ConfigurationError) as info:
        resolve_api_url({}, {"DD_SITE": site})
    message = str(info.value)
    assert "DD_SITE" in message
    assert site in message
    assert "datadoghq.eu" in message  # lists the valid sites
    assert "datadog:apiUrl" in message


def test_unknown_site_fails_resolve_settings_too():
    with pytest.raises(ConfigurationError, match="DD_SITE"):
        resolve_settings(KEYS, {"DD_SITE": "nowhere.example"})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
        "http://127.5.5.5",
    ],
)
def test_plain_http_is_allowed_for_loopback(url):
    assert resolve_api_url({"datadog:apiUrl": url}, {}) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.1:8080",
        "http://0.0.0.0",
        "HTTP://example.com",
        "http://127.0.0.1@example.com",  # user info, not the host
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
    ],
)
def test_plain_http_is_refused_elsewhere(url):
    with pytest.raises(ConfigurationError) as info:
        resolve_api_url({"datadog:apiUrl": url}, {})
    message = str(info.value)
    assert "datadog:apiUrl" in message
    assert "https" in message


def test_plain_http_from_env_names_the_variable():
    with pytest.raises(ConfigurationError, match="DD_HOST"):
        resolve_api_url({}, {"DD_HOST": "http://example.com"})


@pytest.mark.parametrize("url", ["ftp://api.datadoghq.com", "https://", "https:///path"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(ConfigurationError, match="datadog:apiUrl"):
        resolve_api_url({"datadog:apiUrl": url}, {})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.datadoghq.eu/", "https://api.datadoghq.eu"),
        ("https://api.datadoghq.eu//", "https://api.datadoghq.eu"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
        ("https://proxy.example/datadog/", "https://proxy.example/datadog"),
        ("api.datadoghq.eu", "https://api.datadoghq.eu"),
    ],
)
def test_url_is_normalised(url, expected):
    assert resolve_api_url({"datadog:apiUrl": url}, {}) == expected
    assert resolve_api_url({}, {"DD_HOST": url}) == expected


# -- knobs -------------------------------------------------------------------


def test_every_knob_maps_to_a_settings_field():
    assert set(KNOBS) == set(KNOB_FIELDS)
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert set(KNOB_FIELDS.values()) <= fields


def test_knob_defaults():
    settings = resolve_settings(KEYS, {})
    assert settings.batch_size == 100
    assert settings.page_size == 100
    assert settings.max_retries == 5
    assert settings.retry_budget_seconds == 60.0
    assert settings.backoff_seconds == 0.5
    assert settings.timeout_seconds == 30.0


def test_resolved_defaults_agree_with_the_settings_dataclass_defaults():
    resolved = resolve_settings(KEYS, {})
    constructed = Settings(api_key="cfg-api", app_key="cfg-app")
    assert resolved == constructed


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("batchSize", "50", 50),
        ("pageSize", "7", 7),
        ("maxRetries", "0", 0),
        ("maxRetries", "12", 12),
        ("retryBudgetSeconds", "0", 0.0),
        ("retryBudgetSeconds", "2.5", 2.5),
        ("backoffSeconds", "0", 0.0),
        ("backoffSeconds", "0.25", 0.25),
        ("timeoutSeconds", "0.1", 0.1),
        ("timeoutSeconds", "45", 45.0),
        ("batchSize", 25, 25),
        ("batchSize", "50.0", 50),
    ],
)
def test_knob_values_are_parsed(key, raw, expected):
    settings = resolve_settings({**KEYS, f"datadog-seats:{key}": raw}, {})
    value = getattr(settings, KNOB_FIELDS[key])
    assert value == expected
    if KNOBS[key].integer:
        assert type(value) is int


@pytest.mark.parametrize("key", ["batchSize", "pageSize"])
def test_integer_knobs_give_ints(key):
    settings = resolve_settings({**KEYS, f"datadog-seats:{key}": "3"}, {})
    assert type(getattr(settings, KNOB_FIELDS[key])) is int


def test_knobs_are_read_from_their_own_namespace_only():
    settings = resolve_settings({**KEYS, "datadog:batchSize": "3", "batchSize": "3"}, {})
    assert settings.batch_size == 100


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("batchSize", "0"),
        ("batchSize", "-1"),
        ("batchSize", "abc"),
        ("batchSize", "1.5"),
        ("pageSize", "0"),
        ("pageSize", "2.5"),
        ("maxRetries", "-1"),
        ("maxRetries", "1.5"),
        ("maxRetries", "many"),
        ("retryBudgetSeconds", "-1"),
        ("retryBudgetSeconds", "abc"),
        ("retryBudgetSeconds", "nan"),
        ("backoffSeconds", "-0.5"),
        ("timeoutSeconds", "0"),
        ("timeoutSeconds", "0.05"),
        ("timeoutSeconds", "soon"),
        ("batchSize", [1]),
    ],
)
def test_invalid_knob_values_name_the_key(key, raw):
    message = _error_of({**KEYS, f"datadog-seats:{key}": raw}, {})
    assert f"datadog-seats:{key}" in message
    assert repr(raw) in message


def test_invalid_integer_knob_says_integer():
    message = _error_of({**KEYS, "datadog-seats:batchSize": "1.5"}, {})
    assert "integer" in message


# -- secrets -----------------------------------------------------------------


def test_repr_of_settings_contains_no_key():
    config = {"datadog:apiKey": CANARY_API_KEY, "datadog:appKey": CANARY_APP_KEY}
    settings = resolve_settings(config, {})
    assert settings.api_key == CANARY_API_KEY  # the keys are there...
    for text in (repr(settings), str(settings), f"{settings}"):
        assert CANARY_API_KEY not in text  # ...but never printed
        assert CANARY_APP_KEY not in text


def test_configuration_errors_contain_no_key():
    config = {
        "datadog:apiKey": CANARY_API_KEY,
        "datadog:appKey": CANARY_APP_KEY,
        "datadog-seats:batchSize": "zero",
    }
    message = _error_of(config, {"DD_SITE": "nowhere.example"})
    assert CANARY_API_KEY not in message
    assert CANARY_APP_KEY not in message
    message = _error_of({"datadog:apiKey": CANARY_API_KEY}, {})
    assert CANARY_API_KEY not in message


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_non_finite_knobs_are_refused(value):
    config = {"datadog:apiKey": "a" * 32, "datadog:appKey": "b" * 40}
    with pytest.raises(ConfigurationError, match="datadog-seats:retryBudgetSeconds"):
        resolve_settings({**config, "datadog-seats:retryBudgetSeconds": value}, {})


@pytest.mark.parametrize("bad", ["key\nwith-newline", "key with space", "clé-non-ascii"])
def test_malformed_keys_are_refused_without_echoing_them(bad):
    with pytest.raises(ConfigurationError) as info:
        resolve_settings({"datadog:apiKey": bad, "datadog:appKey": "b" * 40}, {})
    assert "datadog:apiKey" in str(info.value)
    assert bad not in str(info.value)


# -- the reliability rows: every problem at once, what to do, nothing echoed -------------


def test_every_problem_is_reported_at_once():
    config = {
        "datadog:apiUrl": "http://api.datadoghq.com",
        "datadog-seats:batchSize": "ten",
        "datadog-seats:timeoutSeconds": "0",
    }
    message = _error_of(config, {})
    assert message.startswith("The Datadog configuration has 5 problems:")
    for part in (
        "No Datadog API key",
        "No Datadog application key",
        "datadog:apiUrl='http://api.datadoghq.com' uses plain http",
        "datadog-seats:batchSize='ten' must be an integer from 1 to 1000",
        "datadog-seats:timeoutSeconds='0' must be a number from 0.1 to 600",
    ):
        assert part in message
    assert len(message.splitlines()) == 6


def test_a_single_problem_is_reported_alone():
    message = _error_of({**KEYS, "datadog-seats:pageSize": "0"}, {})
    assert message.startswith("datadog-seats:pageSize='0' must be an integer from 1 to 1000")


def test_knob_errors_say_how_to_fix_them():
    message = _error_of({**KEYS, "datadog-seats:maxRetries": "-1"}, {})
    assert "`pulumi config set datadog-seats:maxRetries <value>`" in message
    assert "`pulumi config rm datadog-seats:maxRetries` for the default, 5" in message


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("batchSize", "1001"),
        ("pageSize", "5000"),
        ("maxRetries", "101"),
        ("retryBudgetSeconds", "3601"),
        ("backoffSeconds", "61"),
        ("timeoutSeconds", "30000"),
    ],
)
def test_knobs_past_their_sanity_bound_are_refused(key, raw):
    message = _error_of({**KEYS, f"datadog-seats:{key}": raw}, {})
    assert f"datadog-seats:{key}={raw!r}" in message
    assert ("not milliseconds" in message) == key.endswith("Seconds")


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("datadog-seats:batchsize", "did you mean datadog-seats:batchSize?"),
        ("datadog-seats:page_size", "did you mean datadog-seats:pageSize?"),
        ("datadog-seats:retries", "did you mean datadog-seats:maxRetries?"),
        ("datadog-seats:colour", "is not a setting of pulumi-datadog-seats."),
    ],
)
def test_unknown_knob_keys_are_refused_with_a_suggestion(key, suggestion):
    message = _error_of({**KEYS, key: "secret-looking-value-7"}, {})
    assert f"{key} is not a setting of pulumi-datadog-seats" in message
    assert suggestion in message
    assert f"`pulumi config rm {key}`" in message
    assert "secret-looking-value-7" not in message  # a value is never echoed


def test_unknown_knob_keys_are_found_in_the_pulumi_dynamic_config_too():
    from pulumi.dynamic import Config

    config = Config({**KEYS, "datadog-seats:batchsize": "5"}, "project")
    with pytest.raises(ConfigurationError, match="did you mean datadog-seats:batchSize"):
        resolve_settings(config, {})


def test_the_plugins_own_keys_and_other_namespaces_are_not_mistakes():
    config = {
        **KEYS,
        "datadog-seats:apiKey": "x",
        "datadog-seats:apiUrl": "https://api.datadoghq.eu",
        "datadog:site": "datadoghq.eu",
        "project:batchsize": "3",
    }
    assert resolve_settings(config, {}).batch_size == 100


def test_a_url_with_credentials_is_refused_without_echoing_them():
    url = "https://me:hunter2-password@api.datadoghq.com"
    message = _error_of({**KEYS, "datadog:apiUrl": url}, {})
    assert "datadog:apiUrl holds a user name or password" in message
    assert "hunter2-password" not in message and "me:" not in message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "'not a url' is not a valid host name or IP address"),
        ("https://api datadoghq.com", "is not a valid host name"),
        ("https://api.datadoghq.com:http", "has an invalid port"),
        ("https://api.datadoghq.com:99999", "has an invalid port"),
        ("https://api.datadoghq.com/?site=eu", "has a query or fragment"),
        ("https://api.datadoghq.com/api/v2", "includes the /api path"),
        ("https://api.datadoghq.com/api", "includes the /api path"),
    ],
)
def test_malformed_urls_say_what_is_wrong(url, says):
    message = _error_of({**KEYS, "datadog:apiUrl": url}, {})
    assert "datadog:apiUrl" in message and says in message


def test_a_site_written_as_a_url_is_understood():
    assert resolve_api_url({}, {"DD_SITE": "https://app.datadoghq.eu/"}) == (
        "https://api.datadoghq.eu"
    )
