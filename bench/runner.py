"""Drive the bench projects through the real `pulumi` CLI and measure each command.

The CLI part is the e2e harness (`tests/e2e/harness.py`): the same engine, a private
local backend, `pulumi` subprocesses in a copy of a project directory. What the bench
adds: an emulator request log read around each command, the provider's peak RSS and CPU
time, and wall time.

Two front ends: the Python projects bench-seats and bench-noop run the dynamic provider,
configured with the `datadog:` keys; the projects of :data:`PLUGIN_PROJECTS` (bench-plugin
in YAML, bench-sdk on the Python SDK, bench-ts on the TypeScript SDK) run the provider
plugin, configured under `datadog-seats:` as its users configure it, and found through a
`plugins.providers` entry the bench adds to its private copy of the project: a directory
holding a `pulumi-resource-datadog-seats` that runs the real one under bench/rss.py (see
:func:`bench.rss.write_plugin_wrapper`). bench-sdk runs on the Python of the SDK's example
(tests/toolchains.python_sdk_venv); bench-ts on node_modules made from
examples/typescript's package-lock.json, with the SDK package scripts/build-nodejs-sdk
builds.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from datadog_seats_emulator.process import EmulatorProcess
from datadog_seats_emulator.users import seed_users
from tests.e2e.harness import Engine, Result, Stack, copy_project, ensure_engine
from tests.e2e.plugin_fixtures import most_in_flight
from tests.toolchains import install_node_modules, nodejs_sdk_build, python_sdk_venv

from . import rss

ROOT = str(Path(__file__).resolve().parents[1])
PROJECTS = Path(__file__).resolve().parent / "projects"
PRODUCT = "incident_response"
PLUGIN = "pulumi-resource-datadog-seats"
#: The Python SDK's project and the TypeScript SDK's, and where the latter's dependencies
#: come from.
SDK_PROJECT, TS_PROJECT = "sdk_many", "ts_many"
TS_EXAMPLE = Path(ROOT) / "examples" / "typescript"
#: Projects on the provider plugin: configured under datadog-seats:, the plugin found
#: through plugins.providers.
PLUGIN_PROJECTS = frozenset({"plugin_many", SDK_PROJECT, TS_PROJECT})
#: Projects in Pulumi YAML: their users are stack config (`users`, one list per
#: resource), not a file.
CONFIG_DECLARED = frozenset({"plugin_many"})
API_KEY, APP_KEY = "bench-api-key", "bench-app-key"
#: datadog-seats:backoffSeconds for every bench stack: 5xx retries cost little time.
BACKOFF_SECONDS = "0.05"


def user_ids(count: int) -> list[str]:
    """The UUIDs the emulator seeds with ``--users count``, in order."""
    return [str(u["id"]) for u in seed_users(count)]


@dataclass
class Measure:
    """One command: its wall time, the API requests it made, the provider's peak RSS."""

    command: str
    seconds: float
    requests: list[dict[str, Any]]
    peak_mb: float | None
    result: Result
    #: CPU seconds (user + system) of the command's whole process tree: the CLI, the
    #: language host, the program, the provider. Less sensitive than wall time to other
    #: jobs on the machine.
    cpu_seconds: float = 0.0
    #: CPU seconds of the dynamic-provider process alone (None if it did not exit normally).
    provider_cpu_seconds: float | None = None
    #: CPU seconds of the program process (`up` and `preview` only).
    program_cpu_seconds: float | None = None
    #: Unix times: the command's start and end; (start, end) of each provider and program
    #: process that exited normally.
    started_at: float = 0.0
    ended_at: float = 0.0
    providers: list[tuple[float, float]] = field(default_factory=list)
    programs: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the command succeeded."""
        return self.result.returncode == 0

    @property
    def calls(self) -> Counter[str]:
        """Requests per HTTP method, retries included."""
        return Counter(str(r["method"]) for r in self.requests)

    @property
    def total(self) -> int:
        return len(self.requests)

    @property
    def failures(self) -> int:
        """Answers that were not a success (429s and injected faults included)."""
        return sum(1 for r in self.requests if not _ok(r))

    @property
    def span(self) -> float:
        """Seconds from the first request to the last answer."""
        return _span(self.requests)

    def most_at_once(self, methods: Collection[str] = ("POST", "DELETE")) -> int:
        """The most requests of ``methods`` in flight at one moment."""
        return most_in_flight(self.requests, methods)

    @property
    def writes_seconds(self) -> float:
        """Seconds from the first write (POST or DELETE) to the last write's answer."""
        return _span([r for r in self.requests if r["method"] in ("POST", "DELETE")])

    @property
    def listing_seconds(self) -> float:
        """Seconds from the first GET to the last GET's answer: the listings of holders.

        A listing's pages come one after another (each cursor is in the page before), and
        every create or read of the product waits for it.
        """
        return _span([r for r in self.requests if r["method"] == "GET"])


def _span(requests: list[dict[str, Any]]) -> float:
    if not requests:
        return 0.0
    first = min(float(r["time"]) for r in requests)
    last = max(float(r["time"]) + float(r.get("duration") or 0.0) for r in requests)
    return last - first


def _ok(request: dict[str, Any]) -> bool:
    status = request.get("status")
    return isinstance(status, int) and 200 <= status < 300


@dataclass
class Bench:
    """One engine, one backend, one scratch directory for the whole run."""

    workdir: Path
    engine: Engine
    wrapper: Path
    rss_dir: Path
    #: The directory of the plugin's wrapper (`plugins.providers[].path` of YAML projects).
    plugin_dir: Path

    @classmethod
    @contextmanager
    def create(cls) -> Iterator[Bench]:
        """Build (or reuse) the engine; everything the run writes goes to a temporary dir."""
        workdir = Path(tempfile.mkdtemp(prefix="seats-bench-"))
        try:
            for sub in ("backend", "home", "rss", "projects", "plugin"):
                (workdir / sub).mkdir()
            engine = Engine(ensure_engine(), workdir / "backend", workdir / "home")
            wrapper = rss.write_python_wrapper(workdir / "python", sys.executable, workdir / "rss")
            rss.write_plugin_wrapper(
                workdir / "plugin" / PLUGIN, sys.executable, plugin_script(), workdir / "rss"
            )
            yield cls(workdir, engine, wrapper, workdir / "rss", workdir / "plugin")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def python_for(self, project: str) -> Path:
        """The `PULUMI_PYTHON_CMD` of a project: the recorder around the bench's Python, or
        for the Python SDK's project around a Python that has the SDK (made once)."""
        if project != SDK_PROJECT:
            return self.wrapper
        path = self.workdir / "python-sdk"
        if not path.exists():
            python = python_sdk_venv() / "bin" / "python"
            rss.write_python_wrapper(path, str(python), self.rss_dir)
        return path

    def emulator(self, users: int, *extra: str) -> EmulatorProcess:
        """A started emulator process with ``users`` seeded users."""
        return EmulatorProcess(API_KEY, APP_KEY, ["--users", str(users), *extra]).start()

    @contextmanager
    def stack(
        self,
        project: str,
        emulator: EmulatorProcess,
        entries: Sequence[Any],
        destroy: bool = True,
        **knobs: Any,
    ) -> Iterator[BenchStack]:
        """A new stack of a private copy of bench/projects/<project>, removed afterwards.

        ``entries``: one per resource (see the project's program). With ``destroy``
        false the stack is removed without `pulumi destroy` (its seats stay assigned:
        reset the emulator instead, which is much faster).
        """
        into = Path(tempfile.mkdtemp(dir=self.workdir / "projects"))
        project_dir = copy_project(PROJECTS / project, into)
        plugin = project in PLUGIN_PROJECTS
        if plugin:
            _use_plugin_from(project_dir, self.plugin_dir)
        if project == TS_PROJECT:
            sdk = nodejs_sdk_build() / "package"
            install_node_modules(project_dir, TS_EXAMPLE, {"sdk/nodejs/bin": sdk})
        users_file = into / "users.json"
        env = {
            "PULUMI_PYTHON_CMD": str(self.python_for(project)),
            # bench.noop must be importable by the program and the provider process.
            "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), ROOT])),
        }
        stack = Stack(self.engine, project_dir, env).init()
        bench_stack = BenchStack(self, stack, emulator, users_file, project in CONFIG_DECLARED)
        try:
            bench_stack.declare(entries)
            # The plugin reads its settings under datadog-seats:, the dynamic provider its
            # keys and URL under datadog: (as pulumi-datadog's users have them).
            keys = "datadog-seats" if plugin else "datadog"
            stack.config({f"{keys}:apiUrl": emulator.url})
            stack.config(
                {f"{keys}:apiKey": emulator.api_key, f"{keys}:appKey": emulator.app_key},
                secret=True,
            )
            settings = {"backoffSeconds": BACKOFF_SECONDS, **knobs}
            stack.config({f"datadog-seats:{k}": str(v) for k, v in settings.items()})
            yield bench_stack
        finally:
            try:
                if destroy and bench_stack.deployed:
                    stack.destroy()
            finally:
                stack.remove()
                shutil.rmtree(into, ignore_errors=True)


@dataclass
class BenchStack:
    """A stack of a bench project; each command is measured."""

    bench: Bench
    stack: Stack
    emulator: EmulatorProcess
    users_file: Path
    #: A YAML project (users in stack config, not in a file).
    in_config: bool = False
    deployed: bool = False
    measures: list[Measure] = field(default_factory=list)

    def declare(self, entries: Sequence[Any]) -> None:
        """Change what the program declares: the file its stack config names, or (YAML
        programs) the `users` config, one list per resource."""
        plain = [e if isinstance(e, dict) else list(e) for e in entries]
        if not self.in_config:
            self.users_file.write_text(json.dumps(plain))
            self.stack.config({"productCode": PRODUCT, "usersFile": str(self.users_file)})
            return
        if any(isinstance(e, dict) for e in plain):
            raise ValueError("the YAML bench program declares users of productCode only")
        program = self.stack.project_dir / "Pulumi.yaml"
        declared = program_resources(program)
        if declared != len(plain):
            raise ValueError(f"{program.name} declares {declared} resources, not {len(plain)}")
        # Typed config (`users` is an array of arrays), as `pulumi config --json` prints it.
        name = _project_name(program)
        values = {"productCode": PRODUCT, "users": plain}
        payload = {
            f"{name}:{key}": {
                "value": value if isinstance(value, str) else json.dumps(value),
                **({} if isinstance(value, str) else {"objectValue": value}),
                "secret": False,
            }
            for key, value in values.items()
        }
        self.stack.pulumi(
            "config", "set-all", "--stack", self.stack.name, "--json", json.dumps(payload)
        )

    def run(self, command: str, *args: str, check: bool = True) -> Measure:
        """`pulumi up|refresh|destroy`, timed; with ``check``, raises if the command fails."""
        admin = self.emulator.admin
        admin.clear_requests()
        rss.clear(self.bench.rss_dir)
        action = getattr(self.stack, command)
        cpu_before = _children_cpu()
        started_at = time.time()
        started = time.perf_counter()
        result: Result = action(*args, check=check)
        seconds = time.perf_counter() - started
        ended_at = time.time()
        cpu = _children_cpu() - cpu_before
        # Whatever happened, a destroy at the end is safe.
        self.deployed = command != "destroy" or result.returncode != 0
        peak = rss.peak_mb(self.bench.rss_dir)
        provider_cpu = rss.cpu_seconds(self.bench.rss_dir, rss.PROVIDER)
        program_cpu = rss.cpu_seconds(self.bench.rss_dir, rss.PROGRAM)
        measure = Measure(
            command,
            seconds,
            admin.requests(),
            peak,
            result,
            cpu,
            provider_cpu,
            program_cpu,
            started_at,
            ended_at,
            rss.lifetimes(self.bench.rss_dir, rss.PROVIDER),
            rss.lifetimes(self.bench.rss_dir, rss.PROGRAM),
        )
        self.measures.append(measure)
        return measure


class BenchFailure(RuntimeError):
    """The seats are not what the run declared: the figures would mean nothing."""


def reset(emulator: EmulatorProcess, outsiders: Sequence[str]) -> None:
    """The emulator back to its startup state, ``outsiders`` holding seats of PRODUCT."""
    admin = emulator.admin
    admin.reset()
    admin.set_holders(PRODUCT, list(outsiders))


def expect_holders(emulator: EmulatorProcess, expected: set[str], what: str) -> None:
    """Raise :class:`BenchFailure` unless exactly ``expected`` hold seats of PRODUCT."""
    held = set(emulator.admin.holders(PRODUCT))
    if held != expected:
        raise BenchFailure(
            f"{what}: {len(held)} holders, expected {len(expected)} "
            f"({len(held - expected)} extra, {len(expected - held)} missing)"
        )


def plugin_script() -> Path:
    """The plugin's console script, installed beside the interpreter running the bench."""
    found = shutil.which(PLUGIN, path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError(f"{PLUGIN} is not installed next to {sys.executable}")
    return Path(found)


def program_resources(program: Path) -> int:
    """How many resources a YAML program declares."""
    return len(_load_yaml(program).get("resources") or {})


def _project_name(program: Path) -> str:
    return str(_load_yaml(program)["name"])


def _load_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _use_plugin_from(project_dir: Path, plugin_dir: Path) -> None:
    """Make the engine take the plugin from ``plugin_dir`` (`plugins.providers[].path`)."""
    program = project_dir / "Pulumi.yaml"
    text = program.read_text()
    if "\nplugins:" in text:
        raise ValueError(f"{program} already has a plugins section")
    program.write_text(
        f"{text.rstrip()}\nplugins:\n  providers:\n"
        f"    - name: datadog-seats\n      path: {plugin_dir}\n"
    )


def _children_cpu() -> float:
    """CPU seconds of every finished child process (and theirs, once waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
