"""Each description is written once (descriptions.py) and every reader shows it as written.

The readers: the plugin's schema (and from it the generated SDKs and reference pages,
which tests/sdk and test_docs.py keep fresh), and the Python docstrings of the dynamic
resource and the lookups.
"""

from __future__ import annotations

from typing import Any

import pytest

import pulumi_datadog_seats as python
from pulumi_datadog_seats import descriptions as text
from pulumi_datadog_seats.plugin import schema as plugin_schema
from pulumi_datadog_seats.spelling import SCHEMA_NAMES

SCHEMA = plugin_schema.build_schema("0.1.0")
RESOURCE = SCHEMA["resources"][plugin_schema.SEAT_ASSIGNMENT]
FUNCTIONS = {
    plugin_schema.GET_SEAT_HOLDERS: (text.GET_SEAT_HOLDERS, python.get_seat_holders),
    plugin_schema.LOOKUP_USER_UUIDS: (text.LOOKUP_USER_UUIDS, python.lookup_user_uuids),
    plugin_schema.GET_TEAM_MEMBER_UUIDS: (text.GET_TEAM_MEMBER_UUIDS, python.get_team_member_uuids),
}


def described(prop: dict[str, Any]) -> str:
    return str(prop["description"])


def test_the_resource_and_its_properties_read_the_one_description():
    assert described(RESOURCE).startswith(text.markdown(text.SEAT_ASSIGNMENT))
    assert text.IMPORT in described(RESOURCE)
    for name, about in text.INPUTS.items():
        assert described(RESOURCE["inputProperties"][SCHEMA_NAMES[name]]) == text.markdown(about)
    for name, about in text.OUTPUTS.items():
        assert described(RESOURCE["properties"][SCHEMA_NAMES[name]]) == text.markdown(about)
    assert set(RESOURCE["properties"]) == {SCHEMA_NAMES[name] for name in text.OUTPUTS}


def test_the_python_docstrings_read_the_same_descriptions():
    init_doc = python.SeatAssignmentArgs.__init__.__doc__ or ""
    for name, about in text.INPUTS.items():
        assert f":param {name}: {text.rst(about)}" in init_doc
    class_doc = python.SeatAssignment.__doc__ or ""
    assert class_doc.startswith(text.rst(text.SEAT_ASSIGNMENT))
    for name, about in text.OUTPUTS.items():
        assert f"``{name}``: {text.rst(about)}" in class_doc


@pytest.mark.parametrize("token", list(FUNCTIONS))
def test_each_function_and_its_python_twins_read_one_description(token: str):
    about, program_form = FUNCTIONS[token]
    function = SCHEMA["functions"][token]
    assert described(function) == text.markdown(about)
    assert (program_form.__doc__ or "").startswith(text.rst(about))
    script_form = getattr(python, program_form.__name__.replace("get_", "fetch_", 1))
    if program_form is python.lookup_user_uuids:
        script_form = python.fetch_user_uuids
    assert (script_form.__doc__ or "").startswith(text.rst(about))
    for name, prop in function["inputs"]["properties"].items():
        core = next(core for core, schema in SCHEMA_NAMES.items() if schema == name)
        assert described(prop) == text.markdown(text.ARGUMENTS[core])


def test_the_seat_holder_type_and_the_config_read_their_descriptions():
    holder = SCHEMA["types"][plugin_schema.SEAT_HOLDER]
    assert described(holder) == text.markdown(text.SEAT_HOLDER)
    for name, about in text.SEAT_HOLDER_FIELDS.items():
        field = holder["properties"][plugin_schema.seat_holder_field(name)]
        assert described(field) == text.markdown(about)
    config = SCHEMA["config"]["variables"]
    for key, about in (
        (plugin_schema.API_KEY, text.API_KEY),
        (plugin_schema.APP_KEY, text.APP_KEY),
        (plugin_schema.API_URL, text.API_URL),
    ):
        assert described(config[key]).startswith(about)


def test_a_description_names_properties_as_each_reader_writes_them():
    about = text.INPUTS["exclusive"]
    assert "`userUuids`" in text.markdown(about) and "`true`" in text.markdown(about)
    assert "``user_uuids``" in text.rst(about) and "``True``" in text.rst(about)
