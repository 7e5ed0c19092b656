"""The plugin's configuration: its own keys, the dynamic provider's env fallbacks, secrets.

The engine gives a plugin only its namespace, without the prefix (`apiKey`), in
CheckConfig and in Configure's `args`; `variables` (deprecated) carry
`datadog-seats:config:apiKey`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import responses
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DiffRequest,
)
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime import proto

from pulumi_datadog_seats.errors import ConfigurationError, PermissionDeniedError, SeatsError
from pulumi_datadog_seats.plugin import config as plugin_config
from pulumi_datadog_seats.plugin.provider import SeatsProvider
from pulumi_datadog_seats.plugin.schema import SEAT_ASSIGNMENT
from pulumi_datadog_seats.plugin.server import error_message
from pulumi_datadog_seats.plugin.values import wrap
from pulumi_datadog_seats.spelling import YAML as SCHEMA
from tests.unit.conftest import CANARY_API_KEY, CANARY_APP_KEY, uid

PROVIDER_URN = "urn:pulumi:dev::proj::pulumi:providers:datadog-seats::default"
KEYS = {"apiKey": CANARY_API_KEY, "appKey": CANARY_APP_KEY}


def configure(provider: SeatsProvider, args: dict[str, Any], variables=None) -> None:
    request = ConfigureRequest(variables or {}, {k: wrap(v) for k, v in args.items()}, True, True)
    asyncio.run(provider.configure(request))


def settings_of(provider: SeatsProvider) -> Any:
    return provider._settings


def check_config(news: dict[str, Any], environ: dict[str, str] | None = None):
    provider = SeatsProvider(environ=environ or {})
    request = CheckRequest(PROVIDER_URN, {}, {k: wrap(v) for k, v in news.items()}, b"")
    return asyncio.run(provider.check_config(request))


def test_every_plugin_key_is_read_in_the_plugins_namespace():
    lookup = plugin_config.settings_lookup(
        {**KEYS, "apiUrl": "https://api.datadoghq.eu", "batchSize": "7", "version": "0.1.0"}
    )
    assert lookup == {
        "datadog-seats:apiKey": CANARY_API_KEY,
        "datadog-seats:appKey": CANARY_APP_KEY,
        "datadog-seats:apiUrl": "https://api.datadoghq.eu",
        "datadog-seats:batchSize": "7",
        "datadog-seats:version": "0.1.0",  # the engine's own key: read, and not a mistake
    }
    settings = plugin_config.resolve({**KEYS, "batchSize": "7", "version": "0.1.0"}, {})
    assert settings.batch_size == 7 and settings.spelling is SCHEMA


@pytest.mark.parametrize(
    ("key", "meant"), [("batchsize", "batchSize"), ("apikey", "apiKey"), ("pagesize", "pageSize")]
)
def test_check_config_names_a_misspelled_setting_and_the_one_meant(key, meant):
    response = check_config({**KEYS, key: "5"})
    (failure,) = response.failures or []
    assert failure.property == key  # the engine prints it with its value: the key was mistyped
    assert f"datadog-seats:{key} is not a setting" in failure.reason
    assert f"did you mean datadog-seats:{meant}?" in failure.reason
    with pytest.raises(ConfigurationError, match=f"did you mean datadog-seats:{meant}"):
        configure(SeatsProvider(environ={}), {**KEYS, key: "5"})


def test_configure_builds_the_client_from_args_strings_or_numbers():
    provider = SeatsProvider(environ={})
    configure(provider, {**KEYS, "apiUrl": "http://127.0.0.1:9", "batchSize": "7", "pageSize": 3})
    settings = settings_of(provider)
    assert (settings.api_key, settings.app_key) == (CANARY_API_KEY, CANARY_APP_KEY)
    assert settings.api_url == "http://127.0.0.1:9"
    assert (settings.batch_size, settings.page_size) == (7, 3)


def test_configure_falls_back_to_the_deprecated_variables():
    provider = SeatsProvider(environ={})
    variables = {
        "datadog-seats:config:apiKey": CANARY_API_KEY,
        "datadog-seats:config:appKey": CANARY_APP_KEY,
        "datadog-seats:config:maxRetries": "2",
    }
    configure(provider, {}, variables)
    assert settings_of(provider).max_retries == 2


def test_the_environment_fallbacks_are_the_dynamic_providers():
    provider = SeatsProvider(
        environ={"DATADOG_API_KEY": "envapi", "DD_APP_KEY": "envapp", "DD_SITE": "datadoghq.eu"}
    )
    configure(provider, {})
    settings = settings_of(provider)
    assert (settings.api_key, settings.app_key) == ("envapi", "envapp")
    assert settings.api_url == "https://api.datadoghq.eu"


def test_config_wins_over_the_environment():
    provider = SeatsProvider(environ={"DD_API_KEY": "envapi", "DD_HOST": "https://api.us5.x"})
    configure(provider, {**KEYS, "apiUrl": "https://api.datadoghq.eu"})
    assert settings_of(provider).api_key == CANARY_API_KEY
    assert settings_of(provider).api_url == "https://api.datadoghq.eu"


def test_a_missing_key_names_the_plugins_config_key_and_the_env_vars():
    with pytest.raises(ConfigurationError) as info:
        configure(SeatsProvider(environ={}), {"appKey": CANARY_APP_KEY})
    message = str(info.value)
    assert "pulumi config set --secret datadog-seats:apiKey" in message
    assert "DD_API_KEY" in message and "datadog:apiKey" not in message


def test_check_config_accepts_a_usable_config_and_marks_the_keys_secret():
    result = check_config({**KEYS, "apiUrl": "http://127.0.0.1:9", "batchSize": "5"})
    assert result.failures == []
    assert result.inputs is not None
    assert result.inputs["apiKey"].is_secret and result.inputs["appKey"].is_secret
    assert not result.inputs["apiUrl"].is_secret and not result.inputs["batchSize"].is_secret
    assert result.inputs["apiKey"].value == CANARY_API_KEY


def test_check_config_names_a_bad_knob():
    result = check_config({**KEYS, "batchSize": "0"})
    assert [(f.property, "datadog-seats:batchSize" in f.reason) for f in result.failures or []] == [
        ("batchSize", True)
    ]


def test_check_config_refuses_plain_http_to_a_remote_host():
    result = check_config({**KEYS, "apiUrl": "http://api.datadoghq.com"})
    assert [f.property for f in result.failures or []] == ["apiUrl"]


def test_a_malformed_key_is_reported_without_naming_the_property_or_the_value():
    # The engine prints a named property's value next to the reason: a key must never be named.
    bad = "not a key " + CANARY_API_KEY
    result = check_config({"apiKey": bad, "appKey": CANARY_APP_KEY})
    failures = result.failures or []
    assert [f.property for f in failures] == [""]
    assert CANARY_API_KEY not in failures[0].reason and "datadog-seats:apiKey" in failures[0].reason


def test_check_config_uses_the_environment_too():
    assert check_config({}, environ={"DD_API_KEY": "a", "DD_APP_KEY": "b"}).failures == []
    assert check_config({}).failures  # nothing anywhere


def test_check_config_does_not_judge_unknown_values():
    from pulumi.runtime.rpc import UNKNOWN

    assert check_config({"apiKey": UNKNOWN}).failures == []


def test_diff_config_never_replaces_and_survives_the_stock_servers_marshalling():
    provider = SeatsProvider(environ={})
    olds = {k: wrap(v) for k, v in {**KEYS, "batchSize": "5"}.items()}
    news = {k: wrap(v) for k, v in {**KEYS, "batchSize": "6", "apiKey": "other"}.items()}
    result = asyncio.run(provider.diff_config(DiffRequest(PROVIDER_URN, "id", olds, news, [])))
    assert result.replaces == [] and result.diffs == ["apiKey", "batchSize"]
    # Through the servicer the engine talks to: unknown changes (the engine compares), no error.
    servicer = ProviderServicer([], "0.0.0", provider, engine_address="")
    request = proto.DiffRequest(
        urn=PROVIDER_URN,
        olds=PropertyValue.marshal_map(olds),
        news=PropertyValue.marshal_map(news),
    )
    answer = asyncio.run(servicer.DiffConfig(request, None))  # type: ignore[no-untyped-call]
    assert answer.changes == proto.DiffResponse.DIFF_UNKNOWN
    assert list(answer.replaces) == []


@responses.activate
@pytest.mark.parametrize(
    ("status", "named"),
    [
        (401, ["datadog-seats:apiKey", "datadog-seats:apiUrl"]),
        (403, ["datadog-seats:apiKey", "datadog-seats:appKey"]),
        (400, ["productCode", "userUuids"]),
    ],
)
def test_the_plugins_api_errors_name_the_keys_and_properties_its_users_set(status, named):
    # No message is rewritten afterwards: the plugin's settings carry its spelling down to
    # the client, whose errors name the keys and properties as YAML and the SDKs write them.
    url = "http://127.0.0.1:9/api/v2/seats/users"
    responses.post(url, status=status, json={"errors": ["no"]})
    provider = SeatsProvider(environ={})
    configure(provider, {**KEYS, "apiUrl": "http://127.0.0.1:9", "maxRetries": "0"})
    request = CreateRequest(
        PROVIDER_URN.replace("pulumi:providers:datadog-seats", SEAT_ASSIGNMENT),
        {"productCode": wrap("on_call"), "userUuids": wrap([uid(1)])},
        60,
        False,
    )
    responses.get(url, json={"data": [], "meta": {}})
    with pytest.raises(SeatsError) as info:
        asyncio.run(provider.create(request))
    message = error_message(info.value, provider)
    assert all(name in message for name in named), message
    assert "datadog:" not in message and "user_uuids" not in message


def test_an_error_reaching_the_user_never_holds_a_configured_key():
    provider = SeatsProvider(environ={})
    configure(provider, KEYS)
    leaky = PermissionDeniedError(
        403, "POST", "/api/v2/seats/users", [f"bad key {CANARY_APP_KEY}"], spelling=SCHEMA
    )
    message = error_message(leaky, provider)
    assert CANARY_APP_KEY not in message and "***" in message
    assert "datadog-seats:apiKey" in message
    assert error_message(RuntimeError(CANARY_API_KEY), provider) == "RuntimeError: ***"
