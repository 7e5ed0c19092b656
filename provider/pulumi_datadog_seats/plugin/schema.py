"""The Pulumi package schema of ``datadog-seats``, served by the plugin's GetSchema.

Built from Python data rather than kept as a JSON file: the knobs and their defaults
come from :data:`pulumi_datadog_seats.settings.KNOBS`, the same table the dynamic
provider reads, and every description from :mod:`pulumi_datadog_seats.descriptions`,
which the Python docstrings read too.
"""

from __future__ import annotations

import json
from typing import Any

from .. import descriptions as text
from ..declaration import (
    ASSIGNED_IDS,
    EMAILS,
    EXCLUSIVE,
    PRODUCT_CODE,
    TEAM_ID,
    UNMANAGED_IDS,
    USER_UUIDS,
)
from ..descriptions import HOLDERS, markdown
from ..settings import API_KEY_ENV, API_URL_ENV, APP_KEY_ENV, KNOBS, SITE_ENV
from ..spelling import SCHEMA_NAMES
from ..version import package_version

PACKAGE = "datadog-seats"
SEAT_ASSIGNMENT = f"{PACKAGE}:index:SeatAssignment"
GET_SEAT_HOLDERS = f"{PACKAGE}:index:getSeatHolders"
LOOKUP_USER_UUIDS = f"{PACKAGE}:index:lookupUserUuids"
GET_TEAM_MEMBER_UUIDS = f"{PACKAGE}:index:getTeamMemberUuids"
SEAT_HOLDER = f"{PACKAGE}:index:SeatHolder"

# Provider configuration: the credentials and URL, then the knobs of settings.KNOBS.
API_KEY = "apiKey"
APP_KEY = "appKey"
API_URL = "apiUrl"
SECRET_CONFIG = (API_KEY, APP_KEY)

# Where the package lives, and the names of the SDKs generated from this schema
# (sdk/README.md says why each is what it is).
REPOSITORY = "https://github.com/pulumi-datadog-seats/pulumi-datadog-seats"
#: Where the engine downloads the plugin when a program needs it and it is not installed:
#: the GitHub releases of REPOSITORY, whose assets are the archives `make dist` writes,
#: pulumi-resource-datadog-seats-v<version>-<os>-<arch>.tar.gz (docs/release.md). Every
#: generated SDK carries it.
PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumi-datadog-seats/pulumi-datadog-seats"
NODEJS_PACKAGE = "@pulumi-datadog-seats/datadog-seats"
GO_IMPORT_BASE_PATH = "github.com/pulumi-datadog-seats/pulumi-datadog-seats/sdk/go/datadogseats"
#: The import name of the Python SDK in sdk/python (its distribution is
#: `pulumi-datadog-seats-sdk`). Never `pulumi_datadog_seats`: that is the dynamic
#: resource, which the SDK must not shadow.
PYTHON_PACKAGE = "pulumi_datadog_seats_sdk"
#: The Pythons the SDK supports: those of this package (pyproject.toml; a test compares).
PYTHON_REQUIRES = ">=3.10"

_STRING: dict[str, Any] = {"type": "string"}
_STRINGS: dict[str, Any] = {"type": "array", "items": _STRING}


def _described(kind: dict[str, Any], description: str, **more: Any) -> dict[str, Any]:
    return {**kind, "description": markdown(description), **more}


def _env(names: tuple[str, ...]) -> str:
    return " or ".join(f"`{n}`" for n in names)


def _config_properties() -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = {
        API_KEY: _described(
            _STRING,
            f"{text.API_KEY} Falls back to the environment variable {_env(API_KEY_ENV)}. "
            f"Set it with `pulumi config set --secret {PACKAGE}:{API_KEY} <key>`.",
            secret=True,
        ),
        APP_KEY: _described(
            _STRING,
            f"{text.APP_KEY} Falls back to the environment variable {_env(APP_KEY_ENV)}.",
            secret=True,
        ),
        API_URL: _described(
            _STRING,
            f"{text.API_URL} Falls back to {_env(API_URL_ENV)}, then to "
            f"`https://api.<{SITE_ENV}>`, then to `https://api.datadoghq.com`.",
        ),
    }
    for key, knob in KNOBS.items():
        props[key] = _described(
            {"type": "integer" if knob.integer else "number"},
            f"{knob.doc[0].upper()}{knob.doc[1:]} (default {knob.default:g}, "
            f"at least {knob.minimum:g}).",
        )
    return props


def _seat_assignment() -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        PRODUCT_CODE: _STRING,
        USER_UUIDS: _STRINGS,
        EXCLUSIVE: {"type": "boolean"},
        ASSIGNED_IDS: _STRINGS,
        UNMANAGED_IDS: _STRINGS,
    }
    outputs = {
        SCHEMA_NAMES[name]: _described(kinds[name], about) for name, about in text.OUTPUTS.items()
    }
    inputs = {
        SCHEMA_NAMES[name]: _described(kinds[name], about) for name, about in text.INPUTS.items()
    }
    inputs[SCHEMA_NAMES[PRODUCT_CODE]]["replaceOnChanges"] = True
    inputs[SCHEMA_NAMES[EXCLUSIVE]]["default"] = False
    return {
        "description": f"{markdown(text.SEAT_ASSIGNMENT)}\n\n## Import\n\n{text.IMPORT}",
        "properties": outputs,
        "required": list(outputs),
        "inputProperties": inputs,
        "requiredInputs": [SCHEMA_NAMES[PRODUCT_CODE], SCHEMA_NAMES[USER_UUIDS]],
    }


def _function(
    about: str, argument: str, kind: dict[str, Any], results: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A function of one required argument (by the core's name), and its results."""
    name = SCHEMA_NAMES[argument]
    outputs = {key: _described(result, text.RESULTS[key]) for key, result in results.items()}
    return {
        "description": markdown(about),
        "inputs": {
            "properties": {name: _described(kind, text.ARGUMENTS[argument])},
            "required": [name],
        },
        "outputs": {
            "properties": {SCHEMA_NAMES.get(k, k): v for k, v in outputs.items()},
            "required": [SCHEMA_NAMES.get(k, k) for k in outputs],
        },
    }


def _functions() -> dict[str, Any]:
    holders = {"type": "array", "items": {"$ref": f"#/types/{SEAT_HOLDER}"}}
    return {
        GET_SEAT_HOLDERS: _function(
            text.GET_SEAT_HOLDERS,
            PRODUCT_CODE,
            _STRING,
            {PRODUCT_CODE: _STRING, USER_UUIDS: _STRINGS, HOLDERS: holders},
        ),
        LOOKUP_USER_UUIDS: _function(
            text.LOOKUP_USER_UUIDS, EMAILS, _STRINGS, {USER_UUIDS: _STRINGS}
        ),
        GET_TEAM_MEMBER_UUIDS: _function(
            text.GET_TEAM_MEMBER_UUIDS, TEAM_ID, _STRING, {USER_UUIDS: _STRINGS}
        ),
    }


def seat_holder_field(name: str) -> str:
    """The schema's name of a field of SeatHolder (``assigned_at`` -> ``assignedAt``)."""
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _seat_holder_type() -> dict[str, Any]:
    fields = {
        seat_holder_field(name): _described(_STRING, about)
        for name, about in text.SEAT_HOLDER_FIELDS.items()
    }
    return {
        "type": "object",
        "description": markdown(text.SEAT_HOLDER),
        "properties": fields,
        "required": ["id"],
    }


def _languages() -> dict[str, Any]:
    """What the SDK generators need (provider/cmd/pulumi-sdkgen-datadog-seats)."""
    return {
        "nodejs": {
            "packageName": NODEJS_PACKAGE,
            "packageDescription": (
                "Datadog seat assignments as code: the TypeScript/JavaScript SDK of the "
                "datadog-seats Pulumi provider."
            ),
            "respectSchemaVersion": True,
        },
        "go": {
            "importBasePath": GO_IMPORT_BASE_PATH,
            "generateResourceContainerTypes": True,
            "respectSchemaVersion": True,
        },
        "python": {
            "packageName": PYTHON_PACKAGE,
            # A pyproject.toml rather than a setup.py: `pip install sdk/python` and
            # `python -m build` need nothing else; its readme is sdk/python/README.md.
            "pyproject": {"enabled": True},
            "pythonRequires": PYTHON_REQUIRES,
            "respectSchemaVersion": True,
        },
    }


def build_schema(package_version_: str | None = None) -> dict[str, Any]:
    """The package schema as a dict (``json.dumps`` it for GetSchema)."""
    config = _config_properties()
    return {
        "name": PACKAGE,
        "displayName": "Datadog Seats",
        "version": package_version_ or package_version(),
        "description": (
            "Manage which Datadog users hold a seat of a product (incident_response, "
            "on_call, ...) as code, through Datadog's Seats API."
        ),
        "keywords": ["pulumi", "datadog", "seats", "category/monitoring", "kind/native"],
        "license": "Apache-2.0",
        "homepage": REPOSITORY,
        "repository": REPOSITORY,
        "publisher": "pulumi-datadog-seats",
        "pluginDownloadURL": PLUGIN_DOWNLOAD_URL,
        # supportPack: the generators take the version from this schema (the plugin's),
        # and the Go SDK is a module of its own (sdk/go/go.mod).
        "meta": {"moduleFormat": "(.*)", "supportPack": True},
        "config": {"variables": config},
        "provider": {
            "description": (
                "The provider type for the datadog-seats package. Every setting falls back "
                "to the environment as its description says."
            ),
            "inputProperties": config,
        },
        "types": {SEAT_HOLDER: _seat_holder_type()},
        "resources": {SEAT_ASSIGNMENT: _seat_assignment()},
        "functions": _functions(),
        "language": _languages(),
    }


def schema_json(package_version_: str | None = None) -> str:
    """The schema as GetSchema sends it."""
    return json.dumps(build_schema(package_version_), indent=2, sort_keys=True)
