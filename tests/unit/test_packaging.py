"""The built wheel carries what a published package should: its license, URLs, typing."""

from __future__ import annotations

import email
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("pulumi_datadog_seats-*.whl")
    return zipfile.ZipFile(built)


def metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(wheel.read(name))


def test_the_wheel_ships_the_license_it_declares(wheel: zipfile.ZipFile) -> None:
    meta = metadata(wheel)
    assert meta["License-Expression"] == "Apache-2.0"
    (license_file,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    text = wheel.read(license_file).decode()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert text == (ROOT / "LICENSE").read_text()


def test_the_wheel_names_its_project_urls_and_is_typed(wheel: zipfile.ZipFile) -> None:
    urls = dict(u.split(", ", 1) for u in metadata(wheel).get_all("Project-URL") or [])
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    assert "pulumi_datadog_seats/py.typed" in wheel.namelist()


def test_the_wheel_tells_pulumi_python_programs_need_no_plugin(wheel: zipfile.ZipFile) -> None:
    # Pulumi's Python host reads it; without it, it guesses a `datadog-seats` resource
    # plugin from the package name and the engine loads the plugin on every run.
    plugin = json.loads(wheel.read("pulumi_datadog_seats/pulumi-plugin.json"))
    assert plugin == {"resource": False}


def test_the_changelog_starts_at_the_first_release() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [0.1.0]" in changelog
    version_line = next(
        line
        for line in (ROOT / "pyproject.toml").read_text().splitlines()
        if line.startswith("version")
    )
    assert version_line.split('"')[1] in changelog


def test_the_wheel_ships_no_test_server(wheel: zipfile.ZipFile) -> None:
    # The emulator is a distribution of its own (emulator/pyproject.toml), as moto's server is.
    assert not [n for n in wheel.namelist() if "emulator" in n]
