"""The public names, the pinned provider path, and an emulator that is a package of its own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import pulumi_datadog_seats


def _modules_after(statement: str) -> list[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    modules: list[str] = json.loads(result.stdout.splitlines()[-1])
    return modules


@pytest.mark.parametrize(
    "statement",
    [
        "import datadog_seats_emulator",
        "import datadog_seats_emulator.control",
        "from datadog_seats_emulator.__main__ import build_parser",
    ],
)
def test_the_emulator_imports_neither_pulumi_nor_the_provider(statement):
    modules = _modules_after(statement)
    assert "datadog_seats_emulator" in modules
    assert not [m for m in modules if m == "pulumi" or m.startswith("pulumi.")]
    assert not [m for m in modules if m.split(".")[0] == "pulumi_datadog_seats"]


def test_the_product_does_not_import_the_emulator():
    modules = _modules_after("import pulumi_datadog_seats, pulumi_datadog_seats.plugin")
    assert not [m for m in modules if m.startswith("datadog_seats_emulator")]


def test_every_public_name_is_defined_where_the_package_says():
    for name in pulumi_datadog_seats.__all__:
        value = getattr(pulumi_datadog_seats, name)
        assert value.__name__ == name


def test_star_import_gives_every_public_name():
    namespace: dict[str, object] = {}
    exec("from pulumi_datadog_seats import *", namespace)
    assert set(pulumi_datadog_seats.__all__) <= set(namespace)


def test_the_provider_import_path_is_unchanged():
    # Pinned in every user's state (the provider is pickled by reference): never move it.
    assert pulumi_datadog_seats.SeatAssignmentProvider.__module__ == "pulumi_datadog_seats.provider"
    assert pulumi_datadog_seats.SeatAssignmentProvider.__qualname__ == "SeatAssignmentProvider"
