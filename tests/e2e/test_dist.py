"""`make dist`, and the plugin archive installed as Pulumi YAML users install it.

The artifacts come from scripts/build-dist (what `make dist` runs) into a directory of the
test session's; the release server serves them from 127.0.0.1 in GitHub's release layout.
Each YAML program runs in a fresh directory, with a fresh PULUMI_HOME and a PATH that holds
the engine, its hosts and the system's tools but no Python (tests/e2e/releases.py), after
`pulumi plugin install resource datadog-seats <version>` from the archive (`--file`) or from
the release server (`--server`). The TypeScript and Go programs whose plugin the engine
downloads by itself are in test_typescript.py and test_go.py. Assertions read the
emulator's holders, PULUMI_HOME and the release server's log.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from .harness import ROOT, EmulatorProcess, Engine, stack_in
from .plugin_fixtures import FROM_PATH, connect_plugin, holders, set_config, shown_users
from .releases import (
    ARCHIVE,
    NPM_TARBALL,
    PLUGIN,
    VERSION,
    ReleaseServer,
    plugin_install,
    user_engine,
    yaml_program,
)

pytestmark = pytest.mark.e2e

IR = "incident_response"


def test_make_dist_writes_each_artifact_and_its_checksum(dist: Path) -> None:
    # The version is the one pyproject.toml says, in every name.
    written = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert written and written[1] == VERSION
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        [
            ARCHIVE,
            f"pulumi_datadog_seats-{VERSION}-py3-none-any.whl",
            f"pulumi_datadog_seats-{VERSION}.tar.gz",
            NPM_TARBALL,
            f"pulumi_datadog_seats_sdk-{VERSION}-py3-none-any.whl",
            "SHA256SUMS",
        ]
    )
    checked = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"],
        cwd=dist,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 5

    # The executable at the archive's root, as the engine expects it.
    with tarfile.open(dist / ARCHIVE) as archive:
        members = {m.name.removeprefix("./"): m for m in archive.getmembers()}
    executable = members[PLUGIN]
    assert executable.isfile() and executable.mode & stat.S_IXUSR
    assert {name.split("/")[0] for name in members if name not in ("", ".")} == {
        PLUGIN,
        "_internal",
    }

    # The npm package names the plugin, its version and where the engine downloads it.
    with tarfile.open(dist / NPM_TARBALL) as package:
        manifest = package.extractfile("package/package.json")
        assert manifest is not None
        pulumi = json.load(manifest)["pulumi"]
    assert pulumi["version"] == VERSION

    # The Python SDK's wheel names the plugin, and where the engine downloads it, too.
    sdk_wheel = dist / f"pulumi_datadog_seats_sdk-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(sdk_wheel) as wheel:
        plugin = json.loads(wheel.read("pulumi_datadog_seats_sdk/pulumi-plugin.json"))
    assert plugin["name"] == "datadog-seats" and plugin["version"] == VERSION
    assert plugin["server"].startswith("github://")
    assert pulumi["server"] == "github://api.github.com/pulumi-datadog-seats/pulumi-datadog-seats"


@pytest.mark.parametrize("source", ["--file", "--server"])
def test_a_yaml_program_on_the_installed_archive(
    source: str,
    engine: Engine,
    emulator: EmulatorProcess,
    users: list[str],
    dist: Path,
    release_server: ReleaseServer,
    tmp_path: Path,
) -> None:
    user = user_engine(engine, tmp_path / "user")
    served_before = release_server.downloads().count(ARCHIVE)
    where = str(dist / ARCHIVE) if source == "--file" else release_server.url
    plugin_install(user, source, where)
    assert user.installed() == [f"resource-datadog-seats-v{VERSION}"]
    served = release_server.downloads().count(ARCHIVE) - served_before
    assert served == (1 if source == "--server" else 0)

    project = yaml_program(tmp_path / "seats-yaml")
    outsider = users[20]
    emulator.admin.set_holders(IR, [outsider])
    with stack_in(user, project) as stack:
        connect_plugin(stack, emulator)
        set_config(stack, userUuids=users[0:2])
        up = stack.up()
        assert FROM_PATH not in up.text
        assert holders(emulator, IR) == sorted([*users[0:2], outsider])
        assert stack.outputs()["assignedIds"] == sorted(users[0:2])

        # One user swapped: the preview names exactly the two whose seat changes.
        set_config(stack, userUuids=[users[0], users[2]])
        preview = stack.preview("--diff")
        assert preview.changes.get("update") == 1
        assert shown_users(preview.stdout, users[0:3]) == {users[1], users[2]}
        stack.up()
        assert holders(emulator, IR) == sorted([users[0], users[2], outsider])

        stack.destroy()
        assert holders(emulator, IR) == [outsider]
    # The engine used the installed plugin and downloaded nothing more.
    assert release_server.downloads().count(ARCHIVE) - served_before == served
