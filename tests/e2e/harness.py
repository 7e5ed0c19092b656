"""End-to-end harness: the real `pulumi` CLI and engine against the Seats API emulator.

The engine is the one `scripts/ensure-pulumi` builds. The Python language host
(`pulumi-language-python`) is not served by the module proxy this project can
reach, so programs run through Pulumi's Automation API with inline programs:
the test process serves the program, while `pulumi up/preview/refresh/destroy`
are the real CLI and engine, and the dynamic provider runs in its own
`pulumi-resource-pulumi-python` process exactly as for users.
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from pulumi_datadog_seats.emulator.process import EmulatorProcess

__all__ = ["EmulatorProcess"]

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "e2e-passphrase"


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


@dataclass
class Engine:
    """Where the engine is and where stacks live for one test session."""

    bin_dir: Path
    backend_dir: Path
    home_dir: Path

    def env(self) -> dict[str, str]:
        """Environment for every pulumi command: local backend, passphrase, no update check."""
        return {
            "PULUMI_BACKEND_URL": self.backend_dir.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "PULUMI_HOME": str(self.home_dir),
            # The dynamic-provider plugin runs `$PULUMI_PYTHON_CMD -m pulumi.dynamic`.
            "PULUMI_PYTHON_CMD": sys.executable,
        }


@dataclass
class StackRun:
    """One stack of one project, driven through the real CLI; keeps every line it printed."""

    engine: Engine
    work_dir: Path
    program: Callable[[], None]
    extra_env: dict[str, str] = field(default_factory=dict)
    stack_name: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    output: list[str] = field(default_factory=list)
    stack: auto.Stack | None = None

    def open(self) -> StackRun:
        opts = auto.LocalWorkspaceOptions(
            work_dir=str(self.work_dir),
            env_vars={**self.engine.env(), **self.extra_env},
            pulumi_home=str(self.engine.home_dir),
            pulumi_command=auto.PulumiCommand(root=str(self.engine.bin_dir.parent)),
        )
        project = yaml.safe_load((self.work_dir / "Pulumi.yaml").read_text())["name"]
        self.stack = auto.create_stack(
            self.stack_name, project_name=project, program=self.program, opts=opts
        )
        return self

    @property
    def s(self) -> auto.Stack:
        assert self.stack is not None, "call open() first"
        return self.stack

    def _log(self, text: str) -> None:
        self.output.append(text)

    def config(self, values: dict[str, str], secret: bool = False, path: bool = False) -> None:
        """`pulumi config set [--secret] [--path]` for each of ``values``."""
        self.s.set_all_config(
            {k: auto.ConfigValue(v, secret=secret) for k, v in values.items()}, path=path
        )

    def up(self, **kwargs: Any) -> auto.UpResult:
        return self.s.up(on_output=self._log, on_error=self._log, color="never", **kwargs)

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        return self.s.preview(on_output=self._log, on_error=self._log, color="never", **kwargs)

    def refresh(self, **kwargs: Any) -> auto.RefreshResult:
        return self.s.refresh(on_output=self._log, on_error=self._log, color="never", **kwargs)

    def destroy(self, **kwargs: Any) -> auto.DestroyResult:
        return self.s.destroy(on_output=self._log, on_error=self._log, color="never", **kwargs)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the `pulumi` binary itself in this stack's project directory (add --stack)."""
        proc = subprocess.run(
            [str(self.engine.bin_dir / "pulumi"), *args],
            cwd=self.work_dir,
            env={**os.environ, **self.engine.env(), **self.extra_env},
            capture_output=True,
            text=True,
            check=False,
        )
        self.output.extend([proc.stdout, proc.stderr])
        if check and proc.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def close(self) -> None:
        """Destroy what the stack holds and remove it, whatever state the test left it in."""
        if self.stack is None:
            return
        try:
            self.destroy()
        finally:
            self.s.workspace.remove_stack(self.stack_name, force=True)


def copy_project(source: Path, into: Path) -> Path:
    """A private copy of a Pulumi project directory (so stack config files land in tmp)."""
    target = into / source.name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__"))
    return target


def program_of(project_dir: Path) -> Callable[[], None]:
    """The project's `__main__.py` as an inline program, as the language host would run it."""

    def run() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    return run


@contextmanager
def stack_run(
    engine: Engine,
    work_dir: Path,
    program: Callable[[], None],
    extra_env: dict[str, str] | None = None,
) -> Iterator[StackRun]:
    """A fresh stack that is always destroyed and removed afterwards."""
    run = StackRun(engine, work_dir, program, extra_env or {}).open()
    try:
        yield run
    finally:
        run.close()
