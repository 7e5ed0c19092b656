"""The plugin's package schema: well-formed by Pulumi's rules, and in step with the settings.

The engine's own check (binding the schema with `pulumi package get-schema`) is in
tests/e2e/test_plugin.py; these checks need no engine and say which rule broke.
"""

from __future__ import annotations

import asyncio
import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from pulumi.provider.experimental.provider import GetSchemaRequest

from pulumi_datadog_seats.plugin import schema
from pulumi_datadog_seats.plugin.provider import SeatsProvider
from pulumi_datadog_seats.settings import API_KEY_ENV, APP_KEY_ENV, KNOBS

SPEC = schema.build_schema()
#: Pulumi's metaschema: a token is `pkg:module:Member`; primitive types are these.
TOKEN = re.compile(r"^[a-zA-Z][-a-zA-Z0-9_]*:([^0-9][a-zA-Z0-9._/-]*)?:[^0-9][a-zA-Z0-9._/]*$")
PRIMITIVES = {"boolean", "integer", "number", "string", "array", "object"}
#: The keys Pulumi's metaschema allows at the top level of a package.
TOP_LEVEL = {
    "name", "displayName", "version", "description", "keywords", "homepage", "license",
    "attribution", "repository", "logoUrl", "pluginDownloadURL", "publisher", "namespace",
    "meta", "allowedPackageNames", "language", "config", "types", "provider", "resources",
    "functions", "parameterization", "dependencies",
}  # fmt: skip
PROPERTY_KEYS = {
    "type", "items", "additionalProperties", "$ref", "oneOf", "plain", "description",
    "const", "default", "defaultInfo", "deprecationMessage", "language", "secret",
    "replaceOnChanges", "willReplaceOnChanges",
}  # fmt: skip


def property_maps(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every map of properties in the schema, by where it is."""
    maps = {
        "config.variables": spec["config"]["variables"],
        "provider.inputProperties": spec["provider"]["inputProperties"],
    }
    for token, res in spec["resources"].items():
        maps[f"{token}.properties"] = res["properties"]
        maps[f"{token}.inputProperties"] = res["inputProperties"]
    for token, fn in spec["functions"].items():
        maps[f"{token}.inputs"] = fn["inputs"]["properties"]
        maps[f"{token}.outputs"] = fn["outputs"]["properties"]
    for token, typ in spec["types"].items():
        maps[token] = typ["properties"]
    return maps


def check_type(where: str, prop: dict[str, Any], spec: dict[str, Any]) -> None:
    if "$ref" in prop:
        ref = prop["$ref"]
        assert ref.startswith("#/types/"), f"{where}: only local refs are used here: {ref}"
        assert ref.removeprefix("#/types/") in spec["types"], f"{where}: dangling {ref}"
        return
    assert prop.get("type") in PRIMITIVES, f"{where}: type {prop.get('type')!r}"
    if prop["type"] == "array":
        check_type(f"{where}.items", prop["items"], spec)


def test_it_is_json_and_names_the_package_and_the_installed_version():
    served = asyncio.run(SeatsProvider(environ={}).get_schema(GetSchemaRequest(version=0)))
    assert served.schema is not None
    assert json.loads(served.schema) == SPEC
    assert SPEC["name"] == "datadog-seats"
    assert SPEC["version"] == version("pulumi-datadog-seats")
    assert set(SPEC) <= TOP_LEVEL


def test_tokens_are_pulumi_tokens_of_this_package():
    tokens = [*SPEC["resources"], *SPEC["functions"], *SPEC["types"]]
    assert schema.SEAT_ASSIGNMENT in tokens and schema.GET_SEAT_HOLDERS in tokens
    for token in tokens:
        assert TOKEN.match(token), token
        assert token.startswith("datadog-seats:index:"), token


def test_every_property_is_typed_described_and_uses_only_known_keys():
    for where, props in property_maps(SPEC).items():
        assert props, f"{where} is empty"
        for name, prop in props.items():
            check_type(f"{where}.{name}", prop, SPEC)
            assert set(prop) <= PROPERTY_KEYS, f"{where}.{name}: {set(prop) - PROPERTY_KEYS}"
            assert prop.get("description", "").strip(), f"{where}.{name} has no description"


def test_required_lists_name_declared_properties():
    for token, res in SPEC["resources"].items():
        assert set(res["required"]) <= set(res["properties"]), token
        assert set(res["requiredInputs"]) <= set(res["inputProperties"]), token
        # Every input comes back as an output of the same name (olds in diff are outputs).
        assert set(res["inputProperties"]) <= set(res["properties"]), token
    for token, fn in SPEC["functions"].items():
        assert set(fn["inputs"]["required"]) <= set(fn["inputs"]["properties"]), token
        assert set(fn["outputs"]["required"]) <= set(fn["outputs"]["properties"]), token
    for token, typ in SPEC["types"].items():
        assert typ["type"] == "object"
        assert set(typ["required"]) <= set(typ["properties"]), token


def test_seat_assignment_inputs_and_outputs():
    res = SPEC["resources"][schema.SEAT_ASSIGNMENT]
    inputs = res["inputProperties"]
    assert set(inputs) == {"productCode", "userUuids", "exclusive"}
    assert inputs["productCode"] == {**inputs["productCode"], "type": "string"}
    assert inputs["productCode"]["replaceOnChanges"] is True
    assert inputs["userUuids"]["type"] == "array"
    assert inputs["userUuids"]["items"] == {"type": "string"}
    assert inputs["exclusive"]["type"] == "boolean" and inputs["exclusive"]["default"] is False
    assert res["requiredInputs"] == ["productCode", "userUuids"]
    assert {"assignedIds", "unmanagedIds"} <= set(res["properties"])
    assert "PRODUCT_CODE:UUID,UUID" in res["description"]  # how to import


@pytest.mark.parametrize("where", ["config.variables", "provider.inputProperties"])
def test_config_has_the_keys_and_the_knobs_of_the_dynamic_provider(where):
    props = property_maps(SPEC)[where]
    assert set(props) == {"apiKey", "appKey", "apiUrl", *KNOBS}
    for key, knob in KNOBS.items():
        assert props[key]["type"] == ("integer" if knob.integer else "number"), key
        assert f"default {knob.default:g}" in props[key]["description"], key
    # The environment fallbacks are documented where users read the schema.
    for key, names in (("apiKey", API_KEY_ENV), ("appKey", APP_KEY_ENV)):
        assert all(name in props[key]["description"] for name in names)


@pytest.mark.parametrize("where", ["config.variables", "provider.inputProperties"])
def test_only_the_keys_are_secret(where):
    props = property_maps(SPEC)[where]
    assert {k for k, p in props.items() if p.get("secret")} == {"apiKey", "appKey"}


def test_the_generated_python_sdk_would_not_shadow_this_package():
    assert SPEC["language"]["python"]["packageName"] != "pulumi_datadog_seats"


def test_the_python_sdk_supports_the_pythons_this_package_does():
    declared = re.search(r'^requires-python = "([^"]+)"$', PYPROJECT.read_text(), re.MULTILINE)
    assert declared, "pyproject.toml has no requires-python"
    assert SPEC["language"]["python"]["pythonRequires"] == declared[1]


def test_the_checked_in_schema_is_what_the_plugin_serves():
    # `make schema` writes it; the SDKs and reference docs are generated from this file.
    checked_in = (Path(schema.__file__).parent / "schema.json").read_text()
    assert checked_in == schema.schema_json() + "\n", "schema.json is stale: run `make schema`"


# -- the checked-in schema.json, which the SDKs and reference docs are generated from ------

CHECKED_IN = Path(schema.__file__).parent / "schema.json"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def undescribed(spec: dict[str, Any]) -> list[str]:
    """Where a description is missing or blank: the package, the provider, every resource,
    function and type, and every property of each (inputs, outputs, config keys)."""
    members = {"package": spec, "provider": spec["provider"]}
    members.update(spec["resources"])
    members.update(spec["functions"])
    members.update(spec["types"])
    missing = [where for where, m in members.items() if not m.get("description", "").strip()]
    for where, props in property_maps(spec).items():
        missing += [
            f"{where}.{name}"
            for name, prop in props.items()
            if not prop.get("description", "").strip()
        ]
    return missing


def test_everything_in_schema_json_is_described():
    assert undescribed(json.loads(CHECKED_IN.read_text())) == []


def test_undescribed_names_each_member_without_a_description():
    # The check above proves something: strip descriptions and every one is named.
    spec = json.loads(CHECKED_IN.read_text())
    del spec["functions"][schema.GET_SEAT_HOLDERS]["description"]
    spec["resources"][schema.SEAT_ASSIGNMENT]["inputProperties"]["userUuids"]["description"] = " "
    del spec["types"][schema.SEAT_HOLDER]["properties"]["email"]["description"]
    del spec["config"]["variables"]["batchSize"]["description"]
    assert undescribed(spec) == [
        schema.GET_SEAT_HOLDERS,
        "config.variables.batchSize",
        f"{schema.SEAT_ASSIGNMENT}.inputProperties.userUuids",
        f"{schema.SEAT_HOLDER}.email",
    ]


def test_schema_json_has_the_version_of_the_package():
    declared = re.search(r'^version = "([^"]+)"$', PYPROJECT.read_text(), re.MULTILINE)
    assert declared is not None
    assert (
        json.loads(CHECKED_IN.read_text())["version"]
        == declared[1]
        == version("pulumi-datadog-seats")
    )


def test_the_sdk_names_follow_the_repository():
    spec = json.loads(CHECKED_IN.read_text())
    repository = re.search(r'^Repository = "([^"]+)"$', PYPROJECT.read_text(), re.MULTILINE)
    assert repository is not None and spec["repository"] == repository[1]
    # The Go SDK is the module <repository>/sdk/go (sdk/go/go.mod), one package in it.
    go_import = spec["language"]["go"]["importBasePath"]
    assert go_import == f"{repository[1].removeprefix('https://')}/sdk/go/datadogseats"
    assert spec["language"]["nodejs"]["packageName"] == "@pulumi-datadog-seats/datadog-seats"
    # Generated code carries the schema's version, which the engine asks the plugin for.
    assert spec["meta"]["supportPack"] is True
    for language in ("nodejs", "go", "python"):
        assert spec["language"][language]["respectSchemaVersion"] is True, language
