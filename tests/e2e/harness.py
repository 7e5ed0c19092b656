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
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from datadog_seats_emulator.process import EmulatorProcess
from tests.waiting import wait_until

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
        return {
            **os.environ,
            # Not the virtualenv's bin: on PATH, its pulumi-resource-datadog-seats would be
            # loaded by every run (see CONTRIBUTING.md, "The engine"); tests that use the plugin
            # from PATH put it there themselves.
            "PATH": os.pathsep.join([str(self.bin_dir), os.environ.get("PATH", "")]),
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
    def warnings(self) -> list[tuple[str, str]]:
        """(URN, message) of each warning: warning diagnostics, and the lines a provider
        wrote to its stderr as "warning: ..." (the dynamic provider's: the engine shows
        them under the stack, and names no resource)."""
        found = []
        for event in self.events:
            diagnostic = event.get("diagnosticEvent") or {}
            message = str(diagnostic.get("message", ""))
            if diagnostic.get("severity") == "warning" or (
                diagnostic.get("severity") == "info#err" and message.startswith("warning:")
            ):
                found.append((str(diagnostic.get("urn", "")), message))
        return found

    def shown_under(self, text: str) -> str:
        """What the "Diagnostics:" section of the output shows ``text`` under: the heading
        `<type> (<name>):` of the block holding it (the stack, or the resource)."""
        section = self.stdout.split("\nDiagnostics:\n", 1)[1]
        heading = ""
        for line in section.splitlines():
            if line.startswith("  ") and not line.startswith("    ") and line.endswith("):"):
                heading = line.strip()
            elif text in line:
                return heading
        raise AssertionError(f"{text!r} is not in the diagnostics: {section}")

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

    def config_with_secrets(self, plain: Mapping[str, str], secret: Mapping[str, str]) -> None:
        """One `pulumi config set-all` of ``plain`` values and ``secret`` ones (each
        config command costs the CLI's start-up, about 0.3 CPU-s)."""
        args = ["config", "set-all", "--stack", self.name]
        for key, value in plain.items():
            args.extend(["--plaintext", f"{key}={value}"])
        for key, value in secret.items():
            args.extend(["--secret", f"{key}={value}"])
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

    def start(self, command: str, *args: str) -> RunningCommand:
        """`pulumi COMMAND` started in the background, with the flags of `up`/`destroy` above
        (add "--yes", "--skip-preview"); kill it half way, or `wait()` for its Result."""
        token = uuid.uuid4().hex
        event_log = self.project_dir / f".events-{token}.jsonl"
        argv = [
            command, "--stack", self.name, "--non-interactive", "--color", "never", *args,
            "--event-log", str(event_log),
        ]  # fmt: skip
        # Output goes to files, not pipes: plugins orphaned by a killed CLI must not keep
        # a pipe of ours open.
        out_path = self.project_dir / f".out-{token}.txt"
        err_path = self.project_dir / f".err-{token}.txt"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(
                [str(self.engine.bin_dir / "pulumi"), *argv],
                cwd=self.project_dir,
                env={**self.engine.env(), **self.extra_env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        return RunningCommand(self, argv, proc, event_log, out_path, err_path)

    def may_hold_resources(self) -> bool:
        """Whether the stack's checkpoint in the local backend lists a resource other than
        the stack and its providers, or an operation left pending (True when the file is
        not where the local backend keeps it). Reads the file: no command."""
        found = list((self.engine.backend_dir / ".pulumi" / "stacks").glob(f"*/{self.name}.json"))
        if len(found) != 1:
            return True
        latest = json.loads(found[0].read_text()).get("checkpoint", {}).get("latest") or {}
        kept = ("pulumi:pulumi:Stack", "pulumi:providers:")
        resources = latest.get("resources") or []
        return bool(latest.get("pending_operations")) or any(
            not r.get("type", "").startswith(kept) for r in resources
        )

    def state(self) -> dict[str, Any]:
        """The `deployment` of `pulumi stack export` (secrets stay encrypted)."""
        deployment: dict[str, Any] = json.loads(self.export())["deployment"]
        return deployment


def _read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def matrix_venv(*args: str) -> subprocess.CompletedProcess[str]:
    """scripts/python_matrix.py ARGS (``--venv X.Y``, ``--pulumi newest``): on success its
    stdout is the path of the virtualenv it made or found."""
    matrix = ROOT / "scripts" / "python_matrix.py"
    return subprocess.run(
        [sys.executable, str(matrix), *args], capture_output=True, text=True, check=False
    )


def clone_env(venv: Path) -> dict[str, str]:
    """What runs a program and its dynamic provider on ``venv``'s Python, with this clone's
    code ahead of the clone that made the virtualenv (as the version matrix runs it)."""
    paths = [ROOT / "provider", ROOT / "emulator", ROOT]
    return {
        "PULUMI_PYTHON_CMD": str(venv / "bin" / "python"),
        "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
    }


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
    """A new stack of ``project_dir``, destroyed and removed afterwards whatever happened
    (the destroy is left out when the state holds no resource: it would change nothing)."""
    stack = Stack(engine, project_dir, extra_env or {}).init()
    try:
        yield stack
    finally:
        try:
            if stack.may_hold_resources():
                stack.destroy()
        finally:
            stack.remove()


# -- commands killed half way -----------------------------------------------------------


def _read_process(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, start time in clock ticks, command line) of a live process; None if it
    is gone or a zombie. The start time tells a process from a later one with its pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # The fields after the command name, which is in parentheses and may hold spaces.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return int(fields[1]), fields[19], cmdline.replace(b"\0", b" ").decode(errors="replace")


def _process_table() -> dict[int, tuple[int, str, str]]:
    """Every live process: pid -> (parent pid, start time, command line)."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (process := _read_process(int(entry))) is not None:
            table[int(entry)] = process
    return table


def descendants(pid: int) -> dict[int, tuple[str, str]]:
    """The live descendants of ``pid``: pid -> (start time, command line)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for child, (parent, _start, _command) in table.items():
        children.setdefault(parent, []).append(child)
    found: dict[int, tuple[str, str]] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = table[child][1:]
            todo.append(child)
    return found


#: How the engine starts the dynamic provider (pulumi-resource-pulumi-python runs it).
DYNAMIC_PROVIDER_COMMAND = "-m pulumi.dynamic"


@dataclass
class RunningCommand:
    """A pulumi command in the background (`Stack.start`), and every process it started.

    The engine starts its plugins (the language host, the dynamic provider) in process
    groups of their own, so they survive a SIGKILL of the CLI, even of its process group:
    `kill()` leaves them running, as it would for a user. Use it as a context manager:
    on exit the CLI and every process it started that is still alive are killed.
    """

    stack: Stack
    argv: list[str]
    proc: subprocess.Popen[bytes]
    event_log: Path
    out_path: Path
    err_path: Path
    #: Every descendant seen while the CLI ran: pid -> (start time, command line).
    seen: dict[int, tuple[str, str]] = field(default_factory=dict)

    def processes(self) -> dict[int, str]:
        """The CLI's live descendants (pid -> command line), remembered for `orphans()`."""
        if self.proc.poll() is None:
            self.seen.update(descendants(self.proc.pid))
        return {pid: command for pid, (_start, command) in self.seen.items() if self._alive(pid)}

    def provider_pid(self, timeout: float = 60) -> int:
        """The dynamic provider's process (`python -u -m pulumi.dynamic`), once it runs."""
        found: list[int] = []

        def started() -> bool:
            found[:] = [p for p, c in self.processes().items() if DYNAMIC_PROVIDER_COMMAND in c]
            return len(found) == 1

        wait_until(started, timeout, "exactly one dynamic provider process runs")
        return found[0]

    def kill(self) -> None:
        """SIGKILL to the CLI alone; its plugins, in process groups of their own, live on."""
        self.processes()
        self.proc.send_signal(signal.SIGKILL)

    def kill_provider(self) -> int:
        """SIGKILL to the dynamic provider process alone; returns its pid."""
        pid = self.provider_pid()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_everything(self) -> None:
        """SIGKILL to the CLI and every process it started, as when the machine goes away."""
        self.processes()
        self.proc.send_signal(signal.SIGKILL)
        self._kill_seen()

    def orphans(self) -> dict[int, str]:
        """Processes the CLI started that still run after the CLI exited: pid -> command."""
        return {pid: command for pid, (_s, command) in self.seen.items() if self._alive(pid)}

    def wait(self, timeout: float = COMMAND_TIMEOUT_SECONDS) -> Result:
        """Wait for the CLI to exit; its Result (events of a killed run may be cut short)."""
        self.proc.wait(timeout=timeout)
        try:
            stdout = self.out_path.read_text(errors="replace")
            stderr = self.err_path.read_text(errors="replace")
            events = _read_events_leniently(self.event_log)
        finally:
            for path in (self.out_path, self.err_path, self.event_log):
                path.unlink(missing_ok=True)
        self.stack.output.extend([stdout, stderr])
        return Result(list(self.argv), self.proc.returncode, stdout, stderr, events)

    def __enter__(self) -> RunningCommand:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.proc.poll() is None:
            self.kill()
            self.proc.wait(timeout=30)
        self._kill_seen()
        for path in (self.out_path, self.err_path, self.event_log):
            path.unlink(missing_ok=True)

    def _alive(self, pid: int) -> bool:
        """Whether ``pid`` is still the process seen (not exited, its pid not reused)."""
        process = _read_process(pid)
        return process is not None and process[1:] == self.seen.get(pid)

    def _kill_seen(self) -> None:
        for pid in list(self.seen):
            if self._alive(pid):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not self.orphans(), 30, "the killed processes are gone")


def _read_events_leniently(path: Path) -> list[dict[str, Any]]:
    """The event log of a run that may have been killed mid-line: whole events only."""
    if not path.exists():
        return []
    events: list[dict[str, Any]] = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


@contextmanager
def stack_removed_after(
    engine: Engine, project_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """A new stack of ``project_dir``, removed (`pulumi stack rm --force`, no destroy)
    afterwards: for tests that end with their own destroy, or whose emulator is reset
    after them anyway. A lock a killed CLI left is removed first (`pulumi cancel`)."""
    stack = Stack(engine, project_dir, extra_env or {}).init()
    try:
        yield stack
    except BaseException:
        stack.pulumi("cancel", "--yes", "--stack", stack.name, "--non-interactive", check=False)
        raise
    finally:
        stack.remove()
