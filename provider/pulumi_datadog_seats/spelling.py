"""How the users of each front end and language write what a message shows them.

A message that tells a user what to do names properties, config keys and values, and
gives examples: each as that user writes them in their program. The lifecycle core
words every message once, with placeholders a :class:`Spelling` fills in, and never
rewrites a finished message:

======================  ====================  ===============  =====================
front end               properties            config keys      values and examples
======================  ====================  ===============  =====================
dynamic resource        ``user_uuids``        ``datadog:*``    Python
plugin, Python SDK      ``user_uuids``        ``datadog-seats:*``  Python
plugin, YAML            ``userUuids``         ``datadog-seats:*``  YAML
plugin, TypeScript      ``userUuids``         ``datadog-seats:*``  TypeScript
plugin, Go              ``UserUuids``         ``datadog-seats:*``  Go
======================  ====================  ===============  =====================

The plugin learns its program's language from the ``runtime`` of the project's
``Pulumi.yaml`` (:mod:`.plugin.language`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from .declaration import (
    ASSIGNED_IDS,
    EMAILS,
    EXCLUSIVE,
    PRODUCT_CODE,
    TEAM_ID,
    UNMANAGED_IDS,
    USER_UUIDS,
)

#: The names of the properties and function arguments in the plugin's schema (what
#: crosses the wire).
SCHEMA_NAMES: dict[str, str] = {
    PRODUCT_CODE: "productCode",
    USER_UUIDS: "userUuids",
    EXCLUSIVE: "exclusive",
    ASSIGNED_IDS: "assignedIds",
    UNMANAGED_IDS: "unmanagedIds",
    EMAILS: "emails",
    TEAM_ID: "teamId",
}
_PYTHON_NAMES = {name: name for name in SCHEMA_NAMES}
_GO_NAMES = {name: schema[0].upper() + schema[1:] for name, schema in SCHEMA_NAMES.items()}


@dataclass(frozen=True)
class Spelling:
    """How one front end's users write the names, values and examples a message shows."""

    #: The language, as messages name it ("Python", "YAML", ...).
    language: str
    #: Property name -> as written (``user_uuids``, ``userUuids``, ``UserUuids``).
    properties: Mapping[str, str]
    #: The stack-config keys of the credentials and the URL (``datadog:apiKey``, ...).
    api_key: str
    app_key: str
    api_url: str
    #: The literals of true, false and of no value.
    true: str
    false: str
    null: str
    #: The quote around a string.
    quote: str
    #: ``exclusive`` set to a literal, as a program writes it: ``exclusive={}``.
    setting: str
    #: A list holding one string, as a program writes it: ``[{}]``.
    one_item_list: str
    #: A user's id as a program takes it from a user resource (``alice.id``), and the
    #: resource type a user resource comes from (``pulumi_datadog.User``).
    user_id: str
    user_resource: str
    #: How a program reads a boolean from stack config.
    bool_from_config: str

    def __getitem__(self, name: str) -> str:
        return self.properties.get(name, name)

    @property
    def exclusive_on(self) -> str:
        """``exclusive`` set to true, as written (``exclusive=True``, ``exclusive: true``)."""
        return self.setting.format(self[EXCLUSIVE], self.true)

    @property
    def exclusive_off(self) -> str:
        """``exclusive`` set to false, as written."""
        return self.setting.format(self[EXCLUSIVE], self.false)

    def text(self, value: str) -> str:
        """``value`` as a string literal of the language."""
        escaped = value.replace("\\", "\\\\").replace(self.quote, "\\" + self.quote)
        return f"{self.quote}{escaped}{self.quote}"

    def ids_example(self) -> str:
        """A list of two users' ids as a program writes it."""
        alice, bob = (self.user_id.format(n) for n in ("alice", "bob"))
        return self.one_item_list.format(f"{alice}, {bob}")

    def fill(self, template: str) -> str:
        """``template`` with ``{api_key}``, ``{app_key}``, ``{api_url}`` and ``{<property>}``
        replaced by how these users write them (nothing else in it is touched)."""
        names = {"api_key": self.api_key, "app_key": self.app_key, "api_url": self.api_url}
        names.update(self.properties)
        for name, written in names.items():
            template = template.replace("{" + name + "}", written)
        return template


_DYNAMIC_KEYS = {
    "api_key": "datadog:apiKey",
    "app_key": "datadog:appKey",
    "api_url": "datadog:apiUrl",
}
# A provider plugin is handed its own namespace only.
_PLUGIN_KEYS = {
    "api_key": "datadog-seats:apiKey",
    "app_key": "datadog-seats:appKey",
    "api_url": "datadog-seats:apiUrl",
}
_PYTHON_VALUES = {
    "language": "Python",
    "true": "True",
    "false": "False",
    "null": "None",
    "quote": "'",
    "setting": "{}={}",
    "one_item_list": "[{}]",
    "user_id": "{}.id",
    "user_resource": "pulumi_datadog.User",
    "bool_from_config": "pulumi.Config().get_bool",
}

#: Python programs on the dynamic resource (the keys pulumi-datadog users already set).
PYTHON = Spelling(properties=_PYTHON_NAMES, **_DYNAMIC_KEYS, **_PYTHON_VALUES)
#: Python programs on the plugin's SDK (``pulumi_datadog_seats_sdk``).
PYTHON_SDK = Spelling(properties=_PYTHON_NAMES, **_PLUGIN_KEYS, **_PYTHON_VALUES)
#: Pulumi YAML programs.
YAML = Spelling(
    language="YAML",
    properties=SCHEMA_NAMES,
    **_PLUGIN_KEYS,
    true="true",
    false="false",
    null="null",
    quote='"',
    setting="{}: {}",
    one_item_list="[{}]",
    user_id="${{{}.id}}",
    user_resource="datadog:index:User",
    bool_from_config="a config variable of `type: boolean`",
)
#: TypeScript and JavaScript programs: YAML's names and literals, their own idioms.
TYPESCRIPT = replace(
    YAML,
    language="TypeScript",
    user_id="{}.id",
    user_resource="datadog.User",
    bool_from_config="new pulumi.Config().getBoolean",
)
#: Go programs.
GO = replace(
    TYPESCRIPT,
    language="Go",
    properties=_GO_NAMES,
    null="nil",
    setting="{}: pulumi.Bool({})",
    one_item_list="pulumi.StringArray{{{}}}",
    user_id="{}.ID()",
    bool_from_config="config.GetBool",
)

#: The plugin's spelling for each ``runtime`` of ``Pulumi.yaml``.
PLUGIN_SPELLINGS: dict[str, Spelling] = {
    "yaml": YAML,
    "nodejs": TYPESCRIPT,
    "go": GO,
    "python": PYTHON_SDK,
}
