"""Both front ends refuse each bad input and bad setting with the same words.

docs/errors.md lists the dynamic resource's messages and says the plugin's are the same,
with its names. Every row of tests/bad_inputs.py (which tests/e2e/test_bad_inputs.py runs
through `pulumi preview`) goes through the check of each front end here: the dynamic
provider's ``check`` and settings, the plugin's ``Check`` and ``CheckConfig``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.provider.experimental.provider import CheckRequest

from pulumi_datadog_seats.errors import ConfigurationError
from pulumi_datadog_seats.plugin import config as plugin_config
from pulumi_datadog_seats.plugin.provider import SeatsProvider
from pulumi_datadog_seats.plugin.values import wrap
from pulumi_datadog_seats.provider import SeatAssignmentProvider
from pulumi_datadog_seats.settings import resolve_settings
from tests.aio import run
from tests.bad_inputs import (
    CONFIG_ROWS,
    EXCLUSIVE_ROWS,
    PRODUCT_CODE_ROWS,
    URL,
    USER_UUIDS_ROWS,
    VALID,
    ConfigRow,
    InputRow,
    entry_list_rows,
)

URN = "urn:pulumi:dev::p::datadog-seats:index:SeatAssignment::r"
KEYS = {"apiKey": "k" * 20, "appKey": "a" * 20}
LOOPBACK = "http://127.0.0.1:8080"
#: The dynamic resource's names, and the plugin's.
NAMES = {
    "product_code": "productCode",
    "user_uuids": "userUuids",
    "exclusive=True": "exclusive: true",
    "datadog:apiKey": "datadog-seats:apiKey",
    "datadog:appKey": "datadog-seats:appKey",
    "datadog:apiUrl": "datadog-seats:apiUrl",
    # The plugin's settings include its keys (the dynamic resource's are datadog:*).
    "datadog-seats:timeoutSeconds. Rename": "datadog-seats:timeoutSeconds, "
    "datadog-seats:apiKey, datadog-seats:appKey, datadog-seats:apiUrl. Rename",
}


#: Python's literals and examples, and YAML's (the plugin's program here is YAML's).
IDIOMS = {
    "True": "true",
    "False": "false",
    "None": "null",
    "pulumi.Config().get_bool": "a config variable of `type: boolean`",
    "pulumi_datadog.User": "datadog:index:User",
    "alice.id": "${alice.id}",
    "bob.id": "${bob.id}",
}


def in_plugin_names(message: str) -> str:
    """A message of the dynamic resource with the plugin's names (config values are typed
    on the command line, the same for every language)."""
    for python, plugin in NAMES.items():
        message = message.replace(python, plugin)
    return message


def in_plugin_words(message: str) -> str:
    """A message of the dynamic resource as the plugin words it for a YAML program: its
    names, and the YAML way of writing values and examples."""
    return in_yaml_idioms(in_plugin_names(message))


def in_yaml_idioms(message: str) -> str:
    message = re.sub(r"(?<!\w)'|'(?!\w)", '"', message)  # strings, not "resource's"
    for python, yaml in IDIOMS.items():
        pattern = rf"(?<![\w.$]){re.escape(python)}(?![\w])"
        message = re.sub(pattern, yaml.replace("\\", "\\\\"), message)
    return message


INPUT_ROWS = [*PRODUCT_CODE_ROWS, *USER_UUIDS_ROWS, *EXCLUSIVE_ROWS, *entry_list_rows()]


@pytest.mark.parametrize("row", INPUT_ROWS, ids=lambda row: row.label[:50])
def test_both_front_ends_refuse_each_bad_input_with_the_same_words(row: InputRow) -> None:
    inputs = {**VALID, row.prop: row.value}
    dynamic = SeatAssignmentProvider()
    keys = {f"datadog:{name}": value for name, value in KEYS.items()}
    dynamic.configure(ConfigureRequest(Config(keys, "p")))
    said = [f.reason for f in dynamic.check({}, inputs).failures]
    plugin = SeatsProvider(environ={})
    news = {in_plugin_names(name): wrap(value) for name, value in inputs.items()}
    answer = run(plugin.check(CheckRequest(URN, {}, news, b"")))
    assert len(said) == 1 and row.says in said[0], said
    assert [f.reason for f in answer.failures or []] == [in_plugin_words(said[0])]


def settings_of(row: ConfigRow) -> tuple[dict[str, Any], dict[str, str]]:
    """A usable configuration (the dynamic resource's keys) with ``row`` applied, and the
    environment."""
    config: dict[str, Any] = {
        "datadog:apiKey": KEYS["apiKey"],
        "datadog:appKey": KEYS["appKey"],
        "datadog:apiUrl": LOOPBACK,
    }
    environ: dict[str, str] = {}
    if row.env:
        environ[row.key] = str(row.value)
        if row.slot == URL:
            del config["datadog:apiUrl"]  # so that the environment's site is read
    elif row.value is None:
        del config[row.key]
    else:
        config[row.key] = row.value
    return config, environ


def plugin_config_of(config: dict[str, Any]) -> dict[str, Any]:
    """The same configuration as the plugin's users set it (its namespace, plain keys)."""
    return {key.split(":", 1)[1]: value for key, value in config.items()}


@pytest.mark.parametrize("row", CONFIG_ROWS, ids=lambda row: row.label[:50])
def test_both_front_ends_refuse_each_bad_setting_with_the_same_words(row: ConfigRow) -> None:
    config, environ = settings_of(row)
    with pytest.raises(ConfigurationError) as refused:
        resolve_settings(config, environ)
    said = [message for _, message in refused.value.problems]
    assert any(row.says in message for message in said), said
    failures = plugin_config.check(plugin_config_of(config), environ)
    assert [reason for _, reason in failures] == [in_plugin_names(m) for m in said]
