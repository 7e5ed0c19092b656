"""Go, Node.js and Python for the tests of the generated SDKs and their examples.

Every command runs as a user runs it, in a directory of its own; what the tests build or
download is cached outside the clone, keyed by what it is made from:

- the TypeScript SDK package: `scripts/build-nodejs-sdk --cached` (one build per source);
- a project's node_modules: `npm ci` of its package-lock.json once per hash of its
  package files and of the SDK build it installs, under ~/.cache/pulumi-datadog-seats/
  node_modules, linked into each copy of the project (npm's downloads stay in npm's cache);
- the Python SDK's wheel: `scripts/build-python-sdk --cached` (one build per source);
- the virtualenv of examples/python-sdk: its README's `pip install -r requirements.txt`
  once per hash of what it installs, under ~/.cache/pulumi-datadog-seats/python-sdk-venv,
  linked into each copy of the project (pip's downloads stay in pip's cache);
- Go's module and build caches, where Go keeps them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDK = ROOT / "sdk"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-datadog-seats"
#: A cached node_modules not used for this long is removed when another one is made.
NODE_MODULES_KEPT_DAYS = 7
COMMAND_TIMEOUT_SECONDS = 900


def run(
    args: Sequence[str | Path], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; fail with everything it printed if it fails."""
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    if proc.returncode != 0:
        command = " ".join(str(a) for a in args)
        raise AssertionError(
            f"`{command}` in {cwd} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc


def go_env() -> dict[str, str]:
    """Go as CI runs it: the local toolchain, and go.mod/go.sum read, never rewritten."""
    return {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly -buildvcs=false"}


def nodejs_sdk_build() -> Path:
    """The directory of the built TypeScript SDK: package/ (what npm installs) and its .tgz."""
    out = run([ROOT / "scripts" / "build-nodejs-sdk", "--cached"], cwd=ROOT).stdout
    return Path(out.strip().splitlines()[-1])


def nodejs_sdk_tarball(build: Path) -> Path:
    (tarball,) = build.glob("*.tgz")
    return tarball


def python_sdk_wheel() -> Path:
    """The Python SDK's wheel, as scripts/build-python-sdk builds it (once per source)."""
    script = ROOT / "scripts" / "build-python-sdk"
    out = run([script, "--cached"], cwd=ROOT, env={"PYTHON": sys.executable}).stdout
    return Path(out.strip().splitlines()[-1])


PYTHON_SDK_EXAMPLE = ROOT / "examples" / "python-sdk"


def python_sdk_venv() -> Path:
    """The virtualenv examples/python-sdk/README.md makes: `python -m venv`, then
    `pip install -r requirements.txt` in the example's directory (the SDK from sdk/python,
    this clone's pulumi-datadog-seats editable), with pulumi pinned by constraints.txt.

    Made once per hash of this clone's path, the Python, the requirements and the SDK's
    sources, under CACHE/python-sdk-venv; a virtualenv cannot move, so projects link to it.
    """
    requirements = PYTHON_SDK_EXAMPLE / "requirements.txt"
    digest = hashlib.sha256(f"{ROOT}\0{sys.version}\0{sys.base_prefix}".encode())
    for path in (requirements, ROOT / "constraints.txt"):
        digest.update(path.read_bytes())
    # The wheel's directory is named after the hash of the SDK's sources.
    digest.update(python_sdk_wheel().parent.name.encode())
    cache = CACHE / "python-sdk-venv"
    target = cache / digest.hexdigest()[:16] / "venv"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target.parent / ".complete").exists():
            shutil.rmtree(target.parent, ignore_errors=True)
            target.parent.mkdir(parents=True)
            run([sys.executable, "-m", "venv", target], cwd=PYTHON_SDK_EXAMPLE)
            pip: list[str | Path] = [target / "bin" / "python", "-m", "pip", "install", "--quiet"]
            run([*pip, "-c", ROOT / "constraints.txt", "-r", requirements], cwd=requirements.parent)
            (target.parent / ".complete").touch()
            _prune(cache, keep=target.parent)
        os.utime(target.parent)
    return target


def _node_major() -> str:
    return run(["node", "-p", "process.versions.node.split('.')[0]"], cwd=ROOT).stdout.strip()


def install_node_modules(
    project: Path, source: Path, local_packages: Mapping[str, Path] | None = None
) -> Path:
    """Give ``project`` (a copy of the repository's project ``source``) the node_modules
    that `npm ci` makes of ``source``'s package.json, package-lock.json and .npmrc.

    ``local_packages`` maps the repository paths of the project's `file:` dependencies
    (relative to the repository root, e.g. "sdk/nodejs/bin") to the directories that hold
    them: npm installs them from the same relative place as in the repository.
    Returns the node_modules directory, shared by every copy of the same inputs.
    """
    local_packages = dict(local_packages or {})
    files = ["package.json", "package-lock.json", ".npmrc"]
    digest = hashlib.sha256(f"node {_node_major()}".encode())
    for name in files:
        path = source / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    for where, package in sorted(local_packages.items()):
        # The SDK build's directory is named after the hash of its sources.
        digest.update(f"{where}={package.resolve()}".encode())
    cache = CACHE / "node_modules"
    target = cache / digest.hexdigest()[:16] / "node_modules"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_dir():
            _npm_ci(source, target, local_packages, files)
            _prune(cache, keep=target.parent)
        os.utime(target.parent)
    link = project / "node_modules"
    if link.is_symlink() or link.exists():
        raise AssertionError(f"{project} already has node_modules")
    link.symlink_to(target, target_is_directory=True)
    return target


def _npm_ci(
    source: Path, target: Path, local_packages: Mapping[str, Path], files: Sequence[str]
) -> None:
    """`npm ci` in a scratch copy laid out as the repository is, then keep its node_modules."""
    with tempfile.TemporaryDirectory(dir=target.parent.parent) as scratch:
        layout = Path(scratch)
        project = layout / source.relative_to(ROOT)
        project.mkdir(parents=True)
        for name in files:
            if (source / name).exists():
                shutil.copy2(source / name, project / name)
        for where, package in local_packages.items():
            shutil.copytree(package, layout / where)
        # npm runs no install scripts (nothing here needs one), and asks the registry only
        # for what its own cache lacks.
        run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
            cwd=project,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        (project / "node_modules").rename(target)


def _prune(cache: Path, keep: Path) -> None:
    """Remove cached node_modules unused for NODE_MODULES_KEPT_DAYS (one is 150+ MB)."""
    too_old = time.time() - NODE_MODULES_KEPT_DAYS * 86400
    for entry in cache.iterdir():
        if entry.is_dir() and entry != keep and entry.stat().st_mtime < too_old:
            shutil.rmtree(entry, ignore_errors=True)


def read_json(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text())
    return data
