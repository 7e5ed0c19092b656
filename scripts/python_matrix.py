"""The unit tier on every Python this machine has that the package supports.

    .venv/bin/python scripts/python_matrix.py            # every version found but the venv's
    .venv/bin/python scripts/python_matrix.py --venv 3.10  # print that version's venv (make it)
    .venv/bin/python scripts/python_matrix.py --pulumi newest  # print a venv of that pulumi

`make test` runs it beside the main run (which covers the venv's own Python with every
tier), with one worker. It looks for `python3.X` for each supported minor version on PATH
and under pyenv, says which it found, and runs `pytest tests/unit` with each. The unit
tier holds every rule and message; what needs a real interpreter end to end (HTTP, the
program and the provider under the engine) the e2e tier runs on the oldest and newest
(`test_quickstart[3.10]`, `[3.13]`), with the virtualenvs `--venv` makes. The emulator
tier runs on the venv's Python only: run here too, it doubled this script's time (about
40 s per version).

Each version gets a virtualenv with the test dependencies, kept outside the clone
(``$PULUMI_ENGINE_CACHE``'s parent, default ~/.cache/pulumi-datadog-seats/pythons) and
named by a hash of what it installs, so a warm run installs nothing. It runs this clone's
code through PYTHONPATH (:func:`clone_env`), ahead of the clone that made the virtualenv.
The e2e tier asks `--venv` for the oldest and newest and runs them the same way.

`--pulumi newest|lowest` makes a virtualenv of the Python running this script with the
newest, or the lowest, release of the `pulumi` package that the package's requirement
(pyproject.toml) allows, resolved from the package index now (`pip index versions`), and
constraints.txt for everything else: what a user installing today gets, and the oldest
release a user may have. It prints the virtualenv's path; the e2e tier runs the core
scenarios through the CLI with it (tests/e2e/test_installed_pulumi.py). Each is kept
beside the others, named by the pulumi version and the same hash.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
#: The minor versions the package supports (pyproject.toml's requires-python and classifiers).
SUPPORTED = ((3, 10), (3, 11), (3, 12), (3, 13))
#: What a version's virtualenv depends on: a change to any of these makes a new one.
INPUTS = ("pyproject.toml", "emulator/pyproject.toml", "constraints.txt")
#: The releases of the pulumi requirement that `--pulumi` installs.
PULUMI_CHOICES = ("newest", "lowest")


def cache_dir() -> Path:
    engine_cache = os.environ.get("PULUMI_ENGINE_CACHE")
    if engine_cache:
        return Path(engine_cache).parent / "pythons"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pulumi-datadog-seats" / "pythons"


def find_interpreters() -> dict[tuple[int, int], Path]:
    """The newest interpreter found for each supported minor version."""
    found: dict[tuple[int, int], Path] = {}
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for major, minor in SUPPORTED:
        candidates: list[Path] = []
        on_path = shutil.which(f"python{major}.{minor}")
        if on_path:
            candidates.append(Path(on_path))
        if pyenv.is_dir():
            pattern = re.compile(rf"{major}\.{minor}\.\d+")
            versions = [d for d in pyenv.iterdir() if pattern.fullmatch(d.name)]
            for directory in sorted(versions, key=lambda d: int(d.name.split(".")[2])):
                candidates.append(directory / "bin" / f"python{major}.{minor}")
        usable = [c for c in candidates if c.exists() and _version(c) == (major, minor)]
        if usable:
            found[(major, minor)] = usable[-1]
    return found


def _version(python: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return int(out[0]), int(out[1])


def full_version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _inputs_digest() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


def ensure_venv(python: Path, version: tuple[int, int]) -> Path:
    """The version's virtualenv with the test dependencies (made once, then reused)."""
    venv = cache_dir() / f"{version[0]}.{version[1]}-{_inputs_digest()}"
    # This clone is installed once, for the dependencies, the metadata and the console
    # scripts; every run imports the code of its own clone (clone_env).
    constraints = str(ROOT / "constraints.txt")
    install = ["-c", constraints, "-e", f"{ROOT}[test]", "-e", str(ROOT / "emulator")]
    return _ensure(python, venv, install)


def pulumi_requirement() -> SpecifierSet:
    """The versions of pulumi the package's requirement allows (pyproject.toml)."""
    text = (ROOT / "pyproject.toml").read_text()
    match = re.search(r'^\s*"pulumi\s*([<>=!~][^";]*)"', text, re.M)
    if match is None:
        raise SystemExit("[python-matrix] no pulumi requirement in pyproject.toml")
    return SpecifierSet(match.group(1))


def pulumi_releases() -> tuple[Version, Version]:
    """The lowest and the newest release of pulumi the requirement allows, as the package
    index lists them now (pre-releases and yanked releases are not offered)."""
    index = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "pulumi", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if index.returncode != 0:
        raise SystemExit(f"[python-matrix] pip index versions pulumi failed:\n{index.stderr}")
    listed = [Version(v) for v in json.loads(index.stdout)["versions"]]
    allowed = sorted(pulumi_requirement().filter(listed))
    if not allowed:
        raise SystemExit(f"[python-matrix] no release of pulumi{pulumi_requirement()}")
    return allowed[0], allowed[-1]


def ensure_pulumi_venv(choice: str) -> Path:
    """A virtualenv of this Python with this package and the ``choice`` release of pulumi;
    everything else as constraints.txt pins it (made once per release, then reused).
    Those of releases that are neither the lowest nor the newest any more are removed."""
    lowest, newest = pulumi_releases()
    version = newest if choice == "newest" else lowest
    major, minor = sys.version_info[:2]
    suffix = f"-py{major}.{minor}-{_inputs_digest()}"
    _remove_pulumi_venvs(suffix, keep={f"pulumi-{lowest}{suffix}", f"pulumi-{newest}{suffix}"})
    venv = cache_dir() / f"pulumi-{version}{suffix}"
    pins = (ROOT / "constraints.txt").read_text().splitlines()
    others = "".join(f"{line}\n" for line in pins if not re.match(r"pulumi\s*==", line))
    # The program, the dynamic provider and the plugin need this package alone.
    install = ["-c", str(venv / "constraints.txt"), "-e", str(ROOT), f"pulumi=={version}"]
    return _ensure(Path(sys.executable), venv, install, {"constraints.txt": others})


def _remove_pulumi_venvs(suffix: str, keep: set[str]) -> None:
    """Remove the ``pulumi-*<suffix>`` virtualenvs not in ``keep`` that nobody is making."""
    if not cache_dir().is_dir():
        return
    for venv in cache_dir().glob(f"pulumi-*{suffix}"):
        if venv.name in keep:
            continue
        with open(venv.parent / f".{venv.name}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(venv, ignore_errors=True)


def _ensure(
    python: Path, venv: Path, install: list[str], files: dict[str, str] | None = None
) -> Path:
    """``venv``, made by ``pip install INSTALL`` once ``files`` are written in it."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    # One maker at a time (the e2e tier may ask while the matrix makes it).
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".ready").exists():
            shutil.rmtree(venv, ignore_errors=True)
            _run([str(python), "-m", "venv", str(venv)])
            for name, text in (files or {}).items():
                (venv / name).write_text(text)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            _run([*pip, "--upgrade", "pip", "setuptools>=77"])
            _run([*pip, *install])
            (venv / ".ready").touch()
    return venv


def clone_env(venv: Path) -> dict[str, str]:
    """The environment that runs this clone's code with ``venv``'s dependencies."""
    paths = [ROOT / "provider", ROOT / "emulator", ROOT]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
        "PATH": os.pathsep.join([str(venv / "bin"), os.environ.get("PATH", "")]),
    }


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"[python-matrix] failed: {' '.join(argv)}")


def main() -> int:
    # `make test` starts this in the background, where the shell ignores SIGINT: take
    # Ctrl-C back, so that it stops this run and its pytest with the main one.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", metavar="X.Y", help="print the virtualenv of Python X.Y")
    parser.add_argument(
        "--pulumi",
        choices=PULUMI_CHOICES,
        help="print a virtualenv of this Python with that release of the pulumi requirement",
    )
    parser.add_argument("--workers", default=os.environ.get("PYTEST_WORKERS", "2"))
    args = parser.parse_args()
    if args.pulumi:
        print(ensure_pulumi_venv(args.pulumi))
        return 0
    found = find_interpreters()
    if args.venv:
        major, minor = (int(part) for part in args.venv.split("."))
        if (major, minor) not in found:
            print(f"no Python {args.venv} on this machine", file=sys.stderr)
            return 1
        print(ensure_venv(found[(major, minor)], (major, minor)))
        return 0
    own = sys.version_info[:2]
    listed = ", ".join(
        f"{full_version(p)}{' (the venv: every tier, above)' if v == own else ''}"
        for v, p in sorted(found.items())
    )
    missing = [f"{a}.{b}" for a, b in SUPPORTED if (a, b) not in found]
    print(f"[python-matrix] Pythons found: {listed}", flush=True)
    if missing:
        print(f"[python-matrix] not on this machine: {', '.join(missing)}", flush=True)
    failed: list[str] = []
    for version, python in sorted(found.items()):
        if version == own:
            continue
        name = f"{version[0]}.{version[1]}"
        started = time.monotonic()
        venv = ensure_venv(python, version)
        pytest = subprocess.Popen(
            [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-n", args.workers,
             "-p", "no:cacheprovider", "tests/unit"],
            cwd=ROOT,
            env=clone_env(venv),
        )  # fmt: skip
        try:
            returncode = pytest.wait()
        except KeyboardInterrupt:
            # pytest had the Ctrl-C too: let it stop its workers (subprocess.run would
            # SIGKILL it and leave them running).
            pytest.wait()
            raise
        took = time.monotonic() - started
        verdict = "passed" if returncode == 0 else "FAILED"
        print(f"[python-matrix] Python {name}: unit tier {verdict} ({took:.0f} s)")
        if returncode != 0:
            failed.append(name)
    if failed:
        print(f"[python-matrix] failed on Python {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
