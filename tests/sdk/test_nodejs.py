"""The TypeScript SDK builds with tsc into an npm package that names the plugin."""

from __future__ import annotations

import json
import tarfile
from importlib.metadata import version

from ..toolchains import nodejs_sdk_build, nodejs_sdk_tarball


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
    assert "typescript" not in package.get("dependencies", {})
