"""The SDKs in sdk/ are what the generator makes of schema.json, and name the plugin.

`make sdk` regenerates them (after `make schema`); these tests fail when it was not run.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

from pulumi_datadog_seats.plugin import schema

from ..toolchains import ROOT, SDK, read_json, run

SCHEMA = json.loads((Path(schema.__file__).parent / "schema.json").read_text())
#: Files of sdk/<language> that the generator does not write (see its main.go), and the
#: build output and dependencies that never reach git (top-level directories; and what
#: building or importing the Python SDK leaves anywhere).
NOT_GENERATED = {"README.md", "package-lock.json"}
NEVER_COMPARED = {"bin", "node_modules", "build", "dist"}


def never_compared(rel: Path) -> bool:
    return rel.parts[0] in NEVER_COMPARED or any(
        part == "__pycache__" or part.endswith(".egg-info") for part in rel.parts
    )


def generated_files(directory: Path) -> dict[str, bytes]:
    """Every file the generator owns in a language directory, by relative path."""
    found = {}
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if never_compared(rel) or not path.is_file() or str(rel) in NOT_GENERATED:
            continue
        found[str(rel)] = path.read_bytes()
    return found


def stale_files(checked_in: Path, fresh: Path) -> dict[str, str]:
    """What differs between the checked-in and the freshly generated SDK: path -> how."""
    old, new = generated_files(checked_in), generated_files(fresh)
    differences = {name: "missing from sdk/" for name in new.keys() - old.keys()}
    differences.update({name: "no longer generated" for name in old.keys() - new.keys()})
    differences.update({n: "differs" for n in old.keys() & new.keys() if old[n] != new[n]})
    return differences


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SDKs as scripts/gen-sdk writes them today, into a temporary directory."""
    out = tmp_path_factory.mktemp("sdk")
    run([ROOT / "scripts" / "gen-sdk", out], cwd=ROOT)
    return out


@pytest.mark.parametrize("language", ["nodejs", "go", "python"])
def test_the_checked_in_sdk_is_what_the_generator_makes(fresh: Path, language: str) -> None:
    assert generated_files(fresh / language), "the generator wrote nothing"
    assert stale_files(SDK / language, fresh / language) == {}, "sdk/ is stale: run `make sdk`"


def test_stale_files_names_each_difference(fresh: Path, tmp_path: Path) -> None:
    # The check above can fail: an edited, a removed and an extra file are each named.
    (tmp_path / "sdk").mkdir()
    copy = tmp_path / "sdk" / "nodejs"
    run(["cp", "-r", fresh / "nodejs", copy], cwd=tmp_path)
    (copy / "index.ts").write_text((copy / "index.ts").read_text() + "// edited\n")
    (copy / "provider.ts").unlink()
    (copy / "old.ts").write_text("")
    (copy / "README.md").write_text("hand-written, never compared")
    (copy / "build").mkdir()
    (copy / "build" / "index.js").write_text("build output, never compared")
    assert stale_files(copy, fresh / "nodejs") == {
        "index.ts": "differs",
        "provider.ts": "missing from sdk/",
        "old.ts": "no longer generated",
    }


def test_the_nodejs_lockfile_is_in_step_with_package_json() -> None:
    """`npm ci` accepts it; it names no registry (npm uses the one it is configured with)."""
    package = read_json(SDK / "nodejs" / "package.json")
    lock = read_json(SDK / "nodejs" / "package-lock.json")
    root = lock["packages"][""]  # type: ignore[index]
    assert (lock["name"], lock["version"]) == (package["name"], package["version"])
    for key in ("dependencies", "devDependencies"):
        assert root.get(key) == package.get(key), key
    text = (SDK / "nodejs" / "package-lock.json").read_text()
    assert '"resolved": "http' not in text


def test_each_sdk_names_the_plugin_at_the_packages_version_and_where_to_get_it() -> None:
    """The engine starts pulumi-resource-<name> at the version the SDK says, and downloads
    it from the project's releases when it is not installed."""
    plugin = {
        "resource": True,
        "name": "datadog-seats",
        "version": version("pulumi-datadog-seats"),
        "server": "github://api.github.com/pulumi-datadog-seats/pulumi-datadog-seats",
    }
    assert SCHEMA["pluginDownloadURL"] == plugin["server"] == schema.PLUGIN_DOWNLOAD_URL
    package = read_json(SDK / "nodejs" / "package.json")
    assert package["pulumi"] == plugin
    assert package["version"] == plugin["version"] == SCHEMA["version"]
    assert package["name"] == SCHEMA["language"]["nodejs"]["packageName"]
    go_package = SDK / "go" / "datadogseats"
    assert read_json(go_package / "pulumi-plugin.json") == plugin
    # Every resource and invoke of each SDK names it too (the engine reads it from there).
    option = f'pulumi.PluginDownloadURL("{plugin["server"]}")'
    assert (go_package / "internal" / "pulumiUtilities.go").read_text().count(option) == 2
    utilities = (SDK / "nodejs" / "utilities.ts").read_text()
    assert f'pluginDownloadURL: "{plugin["server"]}"' in utilities
    python_package = SDK / "python" / SCHEMA["language"]["python"]["packageName"]
    assert read_json(python_package / "pulumi-plugin.json") == plugin
    # The Go module is sdk/go; its one package is the schema's importBasePath.
    import_path = SCHEMA["language"]["go"]["importBasePath"]
    module = (SDK / "go" / "go.mod").read_text().splitlines()[0]
    assert module == f"module {import_path.removesuffix('/datadogseats')}"
