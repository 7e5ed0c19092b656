"""The TypeScript SDK builds with tsc into an npm package that names the plugin."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from importlib.metadata import version
from pathlib import Path

from ..toolchains import SDK, nodejs_sdk_build, nodejs_sdk_tarball


def test_the_typescript_sdk_builds_into_an_npm_package() -> None:
    build = nodejs_sdk_build()  # npm ci, tsc (strict), npm pack: scripts/build-nodejs-sdk
    tarball = nodejs_sdk_tarball(build)
    expected = f"pulumi-datadog-seats-datadog-seats-{version('pulumi-datadog-seats')}.tgz"
    assert tarball.name == expected
    with tarfile.open(tarball) as packed:
        names = set(packed.getnames())
        member = packed.extractfile("package/package.json")
        assert member is not None
        package = json.load(member)
    for name in ("index.js", "index.d.ts", "seatAssignment.js", "getSeatHolders.d.ts",
                 "config/vars.js", "package.json", "README.md", "LICENSE"):  # fmt: skip
        assert f"package/{name}" in names, name
    assert not any(name.endswith(".ts") and not name.endswith(".d.ts") for name in names)
    assert package["name"] == "@pulumi-datadog-seats/datadog-seats"
    assert package["pulumi"]["name"] == "datadog-seats"
    assert package["pulumi"]["server"].startswith("github://")
    # The package packs and installs as it is: the refusal below is for sdk/nodejs only.
    assert "prepack" not in package["scripts"]
    assert "typescript" not in package.get("dependencies", {})


def test_npm_pack_of_the_sources_refuses_and_names_the_build_script(tmp_path: Path) -> None:
    """`npm pack` in sdk/nodejs would ship TypeScript sources that fail only at run time."""
    sources = tmp_path / "nodejs"
    shutil.copytree(SDK / "nodejs", sources, ignore=shutil.ignore_patterns("node_modules", "bin"))
    packed = subprocess.run(
        ["npm", "pack", "--pack-destination", str(tmp_path)],
        cwd=sources,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert packed.returncode != 0
    assert "build the package with scripts/build-nodejs-sdk" in packed.stderr
    assert not list(tmp_path.glob("*.tgz"))
