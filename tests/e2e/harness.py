"""End-to-end harness: the real `pulumi` CLI, run in project directories, against the emulator.

Every command is a `pulumi` subprocess started in a project directory (a `Pulumi.yaml`
beside a program), exactly as a user types it: the CLI starts the Python language host,
which runs the program, and the dynamic-provider plugin, which runs the provider. The
engine is the one `scripts/ensure-pulumi` builds. State lives in a local file backend;
secrets use a passphrase.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_datadog_seats.emulator.process import EmulatorProcess

__all__ = ["EmulatorProcess"]

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = Path(__file__).resolve().parent / "projects"
PASSPHRASE = "e2e-passphrase"
#: No pulumi command of a test may take longer than this (a hung run fails the test).
COMMAND_TIMEOUT_SECONDS = 600


def ensure_engine() -> Path:
    """Run scripts/ensure-pulumi and return the directory that holds the engine."""
    proc = subprocess.run(
        [str(ROOT / "scripts" / "ensure-pulumi")],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/ensure-pulumi failed:\n{proc.stderr}")
    return Path(proc.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Engine:
    """Where the engine is and where stacks live for one test session."""

    bin_dir: Path
    backend_dir: Path
    home_dir: Path

    def env(self) -> dict[str, str]:
        """The environment of every pulumi command, as `eval "$(scripts/ensure-pulumi --env)"`
        sets it, plus a private local backend, passphrase and home."""
        python_bin = str(Path(sys.executable).parent)
        return {
            **os.environ,
            "PATH": os.pathsep.join([str(self.bin_dir), python_bin, os.environ.get("PATH", "")]),
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_BACKEND_URL": self.backend_dir.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_HOME": str(self.home_dir),
            # Nothing may be downloaded: every plugin is local.
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # Enables `--event-log`, where tests read the engine's summary (as the
            # Automation API does); it changes nothing else about a run.
            "PULUMI_DEBUG_COMMANDS": "true",
        }


@dataclass
class Result:
    """What one pulumi command did: exit code, output, and the engine's events."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything the command printed."""
        return self.stdout + self.stderr

    @property
    def changes(self) -> dict[str, int]:
        """The engine's count of resource operations (`{"create": 2}`), from its last summary."""
        summaries = [e["summaryEvent"] for e in self.events if "summaryEvent" in e]
        if not summaries:
            return {}
        counts = summaries[-1].get("resourceChanges") or {}
        return {op: n for op, n in counts.items() if n}

    @property
    def diagnostics(self) -> list[str]:
        """Messages of the engine's error diagnostics (what `pulumi` prints under `error:`)."""
        return [
            e["diagnosticEvent"]["message"]
            for e in self.events
            if e.get("diagnosticEvent", {}).get("severity") == "error"
        ]


class PulumiCommandError(AssertionError):
    """A pulumi command that was expected to succeed failed."""

    def __init__(self, result: Result) -> None:
        super().__init__(
            f"pulumi {' '.join(result.args)} exited {result.returncode}:\n{result.text}"
        )
        self.result = result


@dataclass
class Stack:
    """One stack of one project directory, driven through the `pulumi` CLI.

    Every command runs in ``project_dir`` with ``--stack``; everything printed is
    kept in ``output`` so tests can check that no key was ever shown.
    """

    engine: Engine
    project_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    name: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    output: list[str] = field(default_factory=list)

    def pulumi(
        self, *args: str, check: bool = True, env: Mapping[str, str] | None = None
    ) -> Result:
        """`pulumi ARGS` in the project directory; raises PulumiCommandError if ``check``."""
        event_log = self.project_dir / f".events-{uuid.uuid4().hex}.jsonl"
        with_events = args[0] in ("up", "preview", "refresh", "destroy", "import")
        argv = [*args, "--event-log", str(event_log)] if with_events else list(args)
        try:
            proc = subprocess.run(
                [str(self.engine.bin_dir / "pulumi"), *argv],
                cwd=self.project_dir,
                env={**self.engine.env(), **self.extra_env, **(env or {})},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_SECONDS,
                check=False,
            )
            events = _read_events(event_log)
        finally:
            event_log.unlink(missing_ok=True)
        result = Result(list(argv), proc.returncode, proc.stdout, proc.stderr, events)
        self.output.extend([proc.stdout, proc.stderr])
        if check and proc.returncode != 0:
            raise PulumiCommandError(result)
        return result

    def _run(self, command: str, *args: str, check: bool = True) -> Result:
        return self.pulumi(
            command, "--stack", self.name, "--non-interactive", "--color", "never", *args,
            check=check,
        )  # fmt: skip

    def init(self) -> Stack:
        """`pulumi stack init`."""
        self.pulumi("stack", "init", self.name, "--non-interactive")
        return self

    def config(self, values: Mapping[str, Any], secret: bool = False, path: bool = False) -> None:
        """`pulumi config set-all` of ``values``; non-strings are written as JSON."""
        flag = "--secret" if secret else "--plaintext"
        pairs = [
            f"{key}={value if isinstance(value, str) else json.dumps(value)}"
            for key, value in values.items()
        ]
        args = ["config", "set-all", "--stack", self.name]
        if path:
            args.append("--path")
        for pair in pairs:
            args.extend([flag, pair])
        self.pulumi(*args)

    def up(self, *args: str, check: bool = True) -> Result:
        """`pulumi up --yes --skip-preview`, as CI runs it."""
        return self._run("up", "--yes", "--skip-preview", *args, check=check)

    def preview(self, *args: str, check: bool = True) -> Result:
        """`pulumi preview` (add "--expect-no-changes", "--diff", "--refresh", ...)."""
        return self._run("preview", *args, check=check)

    def refresh(self, *args: str, check: bool = True) -> Result:
        """`pulumi refresh --yes --skip-preview`."""
        return self._run("refresh", "--yes", "--skip-preview", *args, check=check)

    def destroy(self, *args: str, check: bool = True) -> Result:
        """`pulumi destroy --yes --skip-preview`."""
        return self._run("destroy", "--yes", "--skip-preview", *args, check=check)

    def outputs(self) -> dict[str, Any]:
        """`pulumi stack output --json --show-secrets`."""
        result = self.pulumi("stack", "output", "--json", "--show-secrets", "--stack", self.name)
        outputs: dict[str, Any] = json.loads(result.stdout)
        return outputs

    def export(self, show_secrets: bool = False) -> str:
        """`pulumi stack export` (decrypted with ``show_secrets``), as printed."""
        args = ["stack", "export", "--stack", self.name]
        if show_secrets:
            args.append("--show-secrets")
        return self.pulumi(*args).stdout

    def resource_outputs(self, resource_name: str) -> dict[str, Any]:
        """The outputs the state records for the resource called ``resource_name``.

        Unlike `pulumi stack output` (the program's exports as of the last `up`), this
        is what `pulumi refresh` updates.
        """
        resources = json.loads(self.export(show_secrets=True))["deployment"]["resources"]
        (match,) = [r for r in resources if r["urn"].endswith(f"::{resource_name}")]
        outputs: dict[str, Any] = match.get("outputs") or {}
        return outputs

    def remove(self) -> None:
        """`pulumi stack rm --force`: the stack and its config file are gone."""
        self.pulumi("stack", "rm", self.name, "--yes", "--force", "--non-interactive")


def _read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def copy_project(source: Path, into: Path, venv: str | None = None) -> Path:
    """A private copy of a Pulumi project directory (so stack config files land in tmp).

    ``venv``: the name of the project's `runtime.options.virtualenv`, made a link to the
    test run's own virtualenv, which has this package installed.
    """
    target = into / source.name
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__", "venv", ".venv"),
    )
    if venv:
        (target / venv).symlink_to(Path(sys.prefix), target_is_directory=True)
    return target


@contextmanager
def stack_in(
    engine: Engine, project_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """A new stack of ``project_dir``, destroyed and removed afterwards whatever happened."""
    stack = Stack(engine, project_dir, extra_env or {}).init()
    try:
        yield stack
    finally:
        try:
            stack.destroy()
        finally:
            stack.remove()
