"""Which language the plugin's program is written in, so that its messages speak it.

The engine starts a provider plugin in the program's project directory. The ``runtime``
of that project's ``Pulumi.yaml`` names the language (``yaml``, ``nodejs``, ``go``,
``python``); its :data:`~pulumi_datadog_seats.spelling.PLUGIN_SPELLINGS` entry is how those
users write names and values. A project without one (``pulumi import`` into an empty
directory, say) gets YAML's, the schema's own names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml  # a dependency of pulumi

from ..spelling import PLUGIN_SPELLINGS, YAML, Spelling


def spelling_of_program(project_dir: Path) -> Spelling:
    """The spelling of the program in ``project_dir`` (or the nearest directory above it
    with a ``Pulumi.yaml``)."""
    for directory in (project_dir, *project_dir.parents):
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            try:
                project = yaml.safe_load((directory / name).read_text())
            except (OSError, yaml.YAMLError):
                continue
            return PLUGIN_SPELLINGS.get(runtime_of(project), YAML)
    return YAML


def runtime_of(project: Any) -> str:
    """The ``runtime`` of a parsed ``Pulumi.yaml`` (a name, or a mapping with one)."""
    runtime = project.get("runtime") if isinstance(project, dict) else None
    if isinstance(runtime, dict):
        runtime = runtime.get("name")
    return runtime if isinstance(runtime, str) else ""
