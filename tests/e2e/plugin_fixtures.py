"""Fixtures and helpers of the plugin's e2e tests (tests/e2e/test_plugin.py).

The plugin's stacks are configured the way its users configure them: the
`datadog-seats:` namespace (`apiKey`, `appKey`, `apiUrl` and the knobs), not
the dynamic provider's `datadog:` keys.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..toolchains import CACHE
from .harness import PROJECTS, ROOT, EmulatorProcess, Engine, Stack, copy_project

PLUGIN = "pulumi-resource-datadog-seats"
YAML_EXAMPLE = ROOT / "examples" / "yaml"
#: What the engine prints when it takes a provider plugin from PATH.
FROM_PATH = f"using {PLUGIN} from $PATH"
IR, ON_CALL = "incident_response", "on_call"


def holders(emulator: EmulatorProcess, product: str) -> list[str]:
    """The emulator's holders of a product, sorted."""
    return sorted(emulator.admin.holders(product))


def shown_users(text: str, users: list[str]) -> set[str]:
    """Which of ``users`` a command's output names."""
    return {u for u in users if u in text}


def writes(emulator: EmulatorProcess) -> set[tuple[str, tuple[str, ...]]]:
    """The successful assigns and unassigns in the emulator's log: (method, users)."""
    return {
        (r["method"], tuple(sorted(r["body"]["data"]["attributes"]["user_uuids"])))
        for r in emulator.admin.requests()
        if r["method"] in ("POST", "DELETE") and r["status"] in (201, 204)
    }


def most_in_flight(
    requests: Iterable[Mapping[str, Any]], methods: Collection[str] = ("POST", "DELETE")
) -> int:
    """The most requests of ``methods`` in flight at one moment, from the emulator's log:
    each request from its arrival for its duration (a delay fault's included)."""
    edges = []
    for r in requests:
        if r["method"] in methods:
            start = float(r["time"])
            edges += [(start, 1), (start + float(r.get("duration") or 0.0), -1)]
    most = now = 0
    for _when, step in sorted(edges):  # at one instant, an end (-1) before a start
        now += step
        most = max(most, now)
    return most


def assert_no_key_shown(stack: Stack, emulator: EmulatorProcess) -> None:
    """Neither key in anything the stack's commands printed, nor in its exported state."""
    printed = "".join(stack.output) + stack.export()
    assert emulator.api_key not in printed and emulator.app_key not in printed


def resource_diff(preview: str) -> str:
    """What `pulumi preview --diff` prints of the resources, without the stack's outputs
    (which list holders whose seat does not change)."""
    return preview.split("--outputs:--")[0]


def readme_commands(readme: Path, block: str = "outside-the-repo") -> str:
    """The shell block of a README or guide between its markers `<!-- BLOCK:begin -->` and
    `<!-- BLOCK:end -->` (an SDK README's outside-the-repo block by default)."""
    name = re.escape(block)
    found = re.search(
        rf"<!-- {name}:begin -->\n```sh\n(.*?)```\n<!-- {name}:end -->",
        readme.read_text(),
        re.DOTALL,
    )
    assert found, f"{readme} has no {block} block"
    return found[1]


def readme_env(
    engine: Engine, emulator: EmulatorProcess, home: Path, user_uuid: str
) -> dict[str, str]:
    """The environment of an SDK README's outside-the-repo commands: the engine's, HOME in
    a temporary directory (the caches under ~/.cache stay), the user to seat in USER_UUID,
    and the emulator standing in for the organization (its keys and URL in DD_*)."""
    return {
        **engine.env(),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(CACHE.parent),
        "USER_UUID": user_uuid,
        "DD_API_KEY": emulator.api_key,
        "DD_APP_KEY": emulator.app_key,
        "DD_HOST": emulator.url,
    }


def run_readme_commands(
    readme: Path, cwd: Path, env: Mapping[str, str], block: str = "outside-the-repo"
) -> subprocess.CompletedProcess[str]:
    """A block of a README's commands (see :func:`readme_commands`), run by bash as it is
    written."""
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_commands(readme, block)],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def destroy_readme_stack(engine: Engine, project: Path, env: Mapping[str, str]) -> None:
    """`pulumi destroy` of the stack `dev` the README's commands made in ``project``."""
    destroy = subprocess.run(
        [str(engine.bin_dir / "pulumi"), "destroy", "--yes", "--stack", "dev"],
        cwd=project,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr


def plugin_bin_dir() -> Path:
    """The directory holding the console script: the test run's virtualenv's bin."""
    found = shutil.which(PLUGIN, path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError(
            f"{PLUGIN} is not installed next to {sys.executable}: "
            "run `pip install --no-deps -e .` after adding the console script"
        )
    return Path(found).parent


def connect_plugin(stack: Stack, emulator: EmulatorProcess, **knobs: Any) -> None:
    """Point a stack's datadog-seats provider at the emulator, keys as secrets."""
    stack.config_with_secrets(
        {
            "datadog-seats:apiUrl": emulator.url,
            "datadog-seats:backoffSeconds": "0.05",
            **{f"datadog-seats:{k}": str(v) for k, v in knobs.items()},
        },
        {"datadog-seats:apiKey": emulator.api_key, "datadog-seats:appKey": emulator.app_key},
    )


def seat_the_example_team(stack: Stack, emulator: EmulatorProcess, members: list[str]) -> None:
    """Give examples/yaml its team: ``members``, in a team of the emulator, by id."""
    team = emulator.admin.add_team("sre", members=members)
    set_config(stack, teamId=team["id"])


def project_name(stack: Stack) -> str:
    name: str = yaml.safe_load((stack.project_dir / "Pulumi.yaml").read_text())["name"]
    return name


def set_config(stack: Stack, **values: Any) -> None:
    """Set the program's own config keys with their types (lists stay lists, bools bools).

    `pulumi config set-all --json` in the format of `pulumi config --json`, so a
    typed YAML config (`type: array`) gets a real list, as `--path 'k[0]'` would.
    """
    payload = {
        f"{project_name(stack)}:{key}": {
            "value": value if isinstance(value, str) else json.dumps(value),
            **({} if isinstance(value, str) else {"objectValue": value}),
            "secret": False,
        }
        for key, value in values.items()
    }
    stack.pulumi("config", "set-all", "--stack", stack.name, "--json", json.dumps(payload))


def env_with_plugin_on_path(engine: Engine) -> dict[str, str]:
    """PATH with the engine and the virtualenv's bin, as an activated virtualenv has it."""
    return {
        "PATH": os.pathsep.join([str(engine.bin_dir), str(plugin_bin_dir()), os.environ["PATH"]])
    }


def env_without_plugin_on_path(engine: Engine) -> dict[str, str]:
    """PATH with the engine but not the virtualenv: the plugin can only come from Pulumi.yaml."""
    bin_dir = str(plugin_bin_dir())
    kept = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != bin_dir]
    return {"PATH": os.pathsep.join([str(engine.bin_dir), *kept])}


def with_project_plugin(project_dir: Path, path: Path) -> None:
    """Declare the plugin in Pulumi.yaml: `plugins: providers: [{name, path}]`."""
    pulumi_yaml = project_dir / "Pulumi.yaml"
    project = yaml.safe_load(pulumi_yaml.read_text())
    project["plugins"] = {"providers": [{"name": "datadog-seats", "path": str(path)}]}
    pulumi_yaml.write_text(yaml.safe_dump(project, sort_keys=False))


def merge_generated(project_dir: Path, *generated: Path) -> dict[str, Any]:
    """Add the resources of `pulumi import --out` files to the project's Pulumi.yaml."""
    pulumi_yaml = project_dir / "Pulumi.yaml"
    project: dict[str, Any] = yaml.safe_load(pulumi_yaml.read_text())
    resources = project.setdefault("resources", {})
    for path in generated:
        resources.update(yaml.safe_load(path.read_text())["resources"])
    pulumi_yaml.write_text(yaml.safe_dump(project, sort_keys=False))
    return project


@pytest.fixture
def yaml_example(tmp_path: Path) -> Path:
    """A private copy of examples/yaml (the example users copy)."""
    return copy_project(YAML_EXAMPLE, tmp_path)


@pytest.fixture
def plugin_project(tmp_path: Path) -> Path:
    """A private copy of tests/e2e/projects/plugin-seats (every input from config, an invoke)."""
    return copy_project(PROJECTS / "plugin-seats", tmp_path)


@pytest.fixture
def empty_yaml_project(tmp_path: Path) -> Path:
    """A YAML project with no resources yet: what `pulumi import` adopts into."""
    project = tmp_path / "adopt"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: adopt\nruntime: yaml\n")
    return project
