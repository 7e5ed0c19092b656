"""The Python SDK builds into a wheel of its own distribution that names the plugin, installs
beside pulumi-datadog-seats without shadowing it, and types examples/python-sdk."""

from __future__ import annotations

import json
import sys
import zipfile
from email.parser import Parser
from importlib.metadata import version
from pathlib import Path

from pulumi_datadog_seats.plugin.schema import PLUGIN_DOWNLOAD_URL, PYTHON_PACKAGE

from ..toolchains import CACHE, PYTHON_SDK_EXAMPLE, python_sdk_venv, python_sdk_wheel, run

# What the engine reads to find (and, with `server`, download) the plugin for this SDK.
PLUGIN = {
    "resource": True,
    "name": "datadog-seats",
    "version": version("pulumi-datadog-seats"),
    "server": PLUGIN_DOWNLOAD_URL,
}


def test_the_python_sdk_builds_into_a_wheel_of_its_own_distribution() -> None:
    wheel = python_sdk_wheel()  # pip wheel of a copy of sdk/python: scripts/build-python-sdk
    assert wheel.name == f"{PYTHON_PACKAGE}-{PLUGIN['version']}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as packed:
        names = set(packed.namelist())
        info = f"{PYTHON_PACKAGE}-{PLUGIN['version']}.dist-info"
        metadata = Parser().parsestr(packed.read(f"{info}/METADATA").decode())
        plugin = json.loads(packed.read(f"{PYTHON_PACKAGE}/pulumi-plugin.json"))
    # One distribution, one top-level module; pulumi_datadog_seats is the other one's.
    assert {name.split("/")[0] for name in names} == {PYTHON_PACKAGE, info}
    for name in ("__init__.py", "seat_assignment.py", "get_seat_holders.py", "provider.py",
                 "config/vars.py", "py.typed"):  # fmt: skip
        assert f"{PYTHON_PACKAGE}/{name}" in names, name
    assert metadata["Name"].replace("_", "-") == "pulumi-datadog-seats-sdk"
    assert metadata["Version"] == PLUGIN["version"]
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "pulumi-datadog-seats-sdk: the Python SDK" in metadata.get_payload()  # its README
    assert plugin == PLUGIN


SIDE_BY_SIDE = """
import json, sys
import pulumi_datadog_seats, pulumi_datadog_seats_sdk
dynamic, sdk = pulumi_datadog_seats.SeatAssignment, pulumi_datadog_seats_sdk.SeatAssignment
print(json.dumps({
    "dynamic": [dynamic.__module__, [b.__qualname__ for b in dynamic.__mro__]],
    "sdk": [sdk.__module__, [b.__qualname__ for b in sdk.__mro__]],
    "token": sdk.pulumi_type,
    "sdk_file": pulumi_datadog_seats_sdk.__file__,
    "prefix": sys.prefix,
}))
"""


def test_installed_beside_the_product_each_keeps_its_own_seat_assignment() -> None:
    venv = python_sdk_venv()  # examples/python-sdk's `pip install -r requirements.txt`
    python = venv / "bin" / "python"
    found = json.loads(run([python, "-c", SIDE_BY_SIDE], cwd=CACHE).stdout)
    assert found["dynamic"][0] == "pulumi_datadog_seats.resource"
    assert "Resource" in found["dynamic"][1] and "CustomResource" in found["dynamic"][1]
    assert found["sdk"][0] == f"{PYTHON_PACKAGE}.seat_assignment"
    assert found["token"] == "datadog-seats:index:SeatAssignment"
    # A wheel in site-packages, not an editable install of sdk/python: the Python language
    # host (v3.68.0, see CONTRIBUTING.md) reads <location>/<name>/pulumi-plugin.json of each
    # package `pip list -v` names, exactly as done here, and finds nothing for an editable one.
    assert Path(found["sdk_file"]).is_relative_to(Path(found["prefix"]).resolve())
    listed = json.loads(
        run([python, "-m", "pip", "list", "-v", "--format", "json"], cwd=CACHE).stdout
    )
    (sdk,) = [p for p in listed if p["name"].replace("-", "_") == PYTHON_PACKAGE]
    module_dir = Path(sdk["location"]) / sdk["name"].replace("-", "_")
    assert json.loads((module_dir / "pulumi-plugin.json").read_text()) == PLUGIN
    # The plugin Pulumi.yaml names (plugins.providers: venv/bin) is there.
    assert (venv / "bin" / "pulumi-resource-datadog-seats").is_file()


def test_the_example_type_checks_against_the_installed_sdk() -> None:
    """What tsc does for the TypeScript example: mypy --strict, with the example's venv."""
    venv = python_sdk_venv()
    python = venv / "bin" / "python"
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    checked = run(
        [*mypy, "--python-executable", python, PYTHON_SDK_EXAMPLE / "__main__.py"],
        cwd=PYTHON_SDK_EXAMPLE,
    )
    assert "Success: no issues found in 1 source file" in checked.stdout
