"""The Pulumi package schema of ``datadog-seats``, served by the plugin's GetSchema.

Built from Python data rather than kept as a JSON file so that the knobs and
their defaults come from :data:`pulumi_datadog_seats.settings.KNOBS`, the
same table the dynamic provider reads: the two front ends cannot drift apart.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .. import declaration
from ..declaration import SCHEMA
from ..settings import API_KEY_ENV, API_URL_ENV, APP_KEY_ENV, KNOBS, SITE_ENV

PACKAGE = "datadog-seats"
SEAT_ASSIGNMENT = f"{PACKAGE}:index:SeatAssignment"
GET_SEAT_HOLDERS = f"{PACKAGE}:index:getSeatHolders"
SEAT_HOLDER = f"{PACKAGE}:index:SeatHolder"

# Property names of SeatAssignment (inputs and outputs) and of getSeatHolders, as the
# schema spells the core's names.
PRODUCT_CODE = SCHEMA[declaration.PRODUCT_CODE]
USER_UUIDS = SCHEMA[declaration.USER_UUIDS]
EXCLUSIVE = SCHEMA[declaration.EXCLUSIVE]
ASSIGNED_IDS = SCHEMA[declaration.ASSIGNED_IDS]
UNMANAGED_IDS = SCHEMA[declaration.UNMANAGED_IDS]
HOLDERS = "holders"

# Provider configuration: the credentials and URL, then the knobs of settings.KNOBS.
API_KEY = "apiKey"
APP_KEY = "appKey"
API_URL = "apiUrl"
SECRET_CONFIG = (API_KEY, APP_KEY)

# Where the package lives, and the names of the SDKs generated from this schema
# (sdk/README.md says why each is what it is).
REPOSITORY = "https://github.com/pulumi-datadog-seats/pulumi-datadog-seats"
NODEJS_PACKAGE = "@pulumi-datadog-seats/datadog-seats"
GO_IMPORT_BASE_PATH = "github.com/pulumi-datadog-seats/pulumi-datadog-seats/sdk/go/datadogseats"
#: The import name of the Python SDK in sdk/python (its distribution is
#: `pulumi-datadog-seats-sdk`). Never `pulumi_datadog_seats`: that is the dynamic
#: resource, which the SDK must not shadow.
PYTHON_PACKAGE = "pulumi_datadog_seats_sdk"
#: The Pythons the SDK supports: those of this package (pyproject.toml; a test compares).
PYTHON_REQUIRES = ">=3.10"


def package_version() -> str:
    """The version of the installed distribution, which is the plugin's and the schema's."""
    try:
        return version("pulumi-datadog-seats")
    except PackageNotFoundError:
        return "0.0.0"


def _env(names: tuple[str, ...]) -> str:
    return " or ".join(f"`{n}`" for n in names)


def _config_properties() -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = {
        API_KEY: {
            "type": "string",
            "secret": True,
            "description": (
                "Datadog API key of the organization. Falls back to the environment "
                f"variable {_env(API_KEY_ENV)}. Set it with `pulumi config set --secret "
                f"{PACKAGE}:{API_KEY} <key>`."
            ),
        },
        APP_KEY: {
            "type": "string",
            "secret": True,
            "description": (
                "Datadog application key of a user or service account with one of the "
                "permissions `billing_edit`, `incident_write` or `on_call_write`. Falls back "
                f"to the environment variable {_env(APP_KEY_ENV)}."
            ),
        },
        API_URL: {
            "type": "string",
            "description": (
                "Datadog API URL of the organization's site, e.g. `https://api.datadoghq.eu`. "
                f"Falls back to {_env(API_URL_ENV)}, then to `https://api.<{SITE_ENV}>`, then "
                "to `https://api.datadoghq.com`. Must be https (plain http only to a loopback "
                "address, such as the local Seats API emulator)."
            ),
        },
    }
    for key, knob in KNOBS.items():
        props[key] = {
            "type": "integer" if knob.integer else "number",
            "description": (
                f"{knob.doc[0].upper()}{knob.doc[1:]} (default {knob.default:g}, "
                f"at least {knob.minimum:g})."
            ),
        }
    return props


def _seat_assignment() -> dict[str, Any]:
    product_code = {
        "type": "string",
        "description": (
            "The product whose seats are assigned, e.g. `incident_response` or `on_call`. "
            "Changing it replaces the resource: the seats of the old product are given back "
            "first, then the new product's are assigned."
        ),
    }
    user_uuids = {
        "type": "array",
        "items": {"type": "string"},
        "description": (
            "The Datadog user UUIDs that hold a seat. Order, case and duplicates do not "
            "matter. Must not be empty: delete the resource to give every seat back."
        ),
    }
    exclusive = {
        "type": "boolean",
        "description": (
            "When true, `userUuids` is the complete set of holders of the product: every "
            "other holder loses their seat on `pulumi up`. When false (the default), users "
            "this resource never declared are never touched."
        ),
    }
    return {
        "description": (
            "Seats of one Datadog product held by a declared set of users.\n\n"
            "`pulumi up` assigns a seat to every declared user who lacks one and gives back "
            "the seats of users removed from the list; `pulumi refresh` notices seats "
            "removed outside Pulumi; `pulumi destroy` gives every declared seat back.\n\n"
            "## Import\n\n"
            "The ID is the product code. `pulumi import datadog-seats:index:SeatAssignment "
            "NAME PRODUCT_CODE` adopts every current holder of the product; "
            "`PRODUCT_CODE:UUID,UUID,...` adopts just those users (each must hold a seat)."
        ),
        "properties": {
            PRODUCT_CODE: product_code,
            USER_UUIDS: {
                **user_uuids,
                "description": "The declared users: canonical lower-case UUIDs, sorted.",
            },
            EXCLUSIVE: {**exclusive, "description": "Whether the declaration is exclusive."},
            ASSIGNED_IDS: {
                "type": "array",
                "items": {"type": "string"},
                "description": "The declared users that hold a seat, as confirmed by Datadog.",
            },
            UNMANAGED_IDS: {
                "type": "array",
                "items": {"type": "string"},
                "description": (
                    "Only when `exclusive`: the holders of the product this resource does not "
                    "declare, found by the last refresh, which the next `pulumi up` unassigns "
                    "(sorted; empty after an up). Always empty otherwise: `getSeatHolders` "
                    "lists every holder."
                ),
            },
        },
        "required": [PRODUCT_CODE, USER_UUIDS, EXCLUSIVE, ASSIGNED_IDS, UNMANAGED_IDS],
        "inputProperties": {
            PRODUCT_CODE: {**product_code, "replaceOnChanges": True},
            USER_UUIDS: user_uuids,
            EXCLUSIVE: {**exclusive, "default": False},
        },
        "requiredInputs": [PRODUCT_CODE, USER_UUIDS],
    }


def _get_seat_holders() -> dict[str, Any]:
    return {
        "description": "The users holding a seat of a Datadog product, read from the Seats API.",
        "inputs": {
            "properties": {
                PRODUCT_CODE: {
                    "type": "string",
                    "description": "The product, e.g. `incident_response` or `on_call`.",
                }
            },
            "required": [PRODUCT_CODE],
        },
        "outputs": {
            "properties": {
                PRODUCT_CODE: {"type": "string", "description": "The product asked about."},
                USER_UUIDS: {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The UUIDs of every holder, sorted.",
                },
                HOLDERS: {
                    "type": "array",
                    "items": {"$ref": f"#/types/{SEAT_HOLDER}"},
                    "description": "Every holder with what the API says about them, by UUID.",
                },
            },
            "required": [PRODUCT_CODE, USER_UUIDS, HOLDERS],
        },
    }


def _seat_holder_type() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "One user holding a seat, as `GET /api/v2/seats/users` lists them.",
        "properties": {
            "id": {"type": "string", "description": "The user's UUID (lower case)."},
            "email": {"type": "string", "description": "The user's email, if the API gave it."},
            "name": {"type": "string", "description": "The user's name, if the API gave it."},
            "assignedAt": {
                "type": "string",
                "description": "When the seat was assigned (RFC 3339), if the API gave it.",
            },
        },
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
        "functions": {GET_SEAT_HOLDERS: _get_seat_holders()},
        "language": _languages(),
    }


def schema_json(package_version_: str | None = None) -> str:
    """The schema as GetSchema sends it."""
    return json.dumps(build_schema(package_version_), indent=2, sort_keys=True)
