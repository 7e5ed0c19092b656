"""Public names import lazily; the emulator needs neither pulumi nor the provider."""

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
        "import pulumi_datadog_seats.emulator",
        "import pulumi_datadog_seats.emulator.control",
        "from pulumi_datadog_seats.emulator.__main__ import build_parser",
    ],
)
def test_the_emulator_imports_neither_pulumi_nor_the_provider(statement):
    modules = _modules_after(statement)
    assert "pulumi_datadog_seats.emulator" in modules
    assert not [m for m in modules if m == "pulumi" or m.startswith("pulumi.")]
    ours = [m for m in modules if m.startswith("pulumi_datadog_seats.")]
    assert all(m.startswith("pulumi_datadog_seats.emulator") for m in ours), ours


def test_importing_the_package_imports_nothing_else_yet():
    modules = _modules_after("import pulumi_datadog_seats")
    assert "pulumi" not in modules
    assert "pulumi_datadog_seats.provider" not in modules


def test_every_public_name_resolves_from_its_module():
    for name in pulumi_datadog_seats.__all__:
        value = getattr(pulumi_datadog_seats, name)
        assert value.__name__ == name
        assert name in dir(pulumi_datadog_seats)


def test_star_import_gives_every_public_name():
    namespace: dict[str, object] = {}
    exec("from pulumi_datadog_seats import *", namespace)
    assert set(pulumi_datadog_seats.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        pulumi_datadog_seats.Nope  # noqa: B018


def test_the_provider_import_path_is_unchanged():
    # Pinned in every user's state: the lazy import must not move it.
    assert pulumi_datadog_seats.SeatAssignmentProvider.__module__ == "pulumi_datadog_seats.provider"
