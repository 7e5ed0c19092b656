"""Peak RSS and CPU time of the dynamic-provider process and the program, from outside.

The engine starts the provider through the `pulumi-resource-pulumi-python` plugin script,
which runs ``"$PULUMI_PYTHON_CMD" -u -m pulumi.dynamic ...`` when the project names no
virtualenv; the language host runs the program as ``"$PULUMI_PYTHON_CMD"
.../pulumi-language-python-exec ...``. The bench points ``PULUMI_PYTHON_CMD`` at a small
shell script (see :func:`write_python_wrapper`) that hands those two commands to this
file, labelled ``provider`` or ``program``, and any other (the language host's own
calls) straight to the real interpreter.

Here the command runs as a child. Its peak resident set (``VmHWM``) is polled from
``/proc`` while it runs and written to ``<dir>/<pid>.json`` whenever it grows, so the
figure survives even if the engine kills this process group with SIGKILL; on a normal
exit ``getrusage(RUSAGE_CHILDREN)`` settles it and adds the child's CPU time. The
engine stops plugins with SIGINT to the whole process group (then SIGKILL after 5 s):
the child gets it directly, and this process only waits for the child.

Run as a script (``python bench/rss.py DIR KIND ARGS``): standard library only, nothing
of the bench is imported.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.02
PROVIDER, PROGRAM = "provider", "program"


def _vm_hwm_kb(pid: int) -> int:
    """The peak resident set of ``pid`` in KiB, or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _write(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)


def main(argv: list[str]) -> int:
    out_dir, kind, command = Path(argv[0]), argv[1], argv[2:]
    # The engine interrupts the whole group; the child handles it. This process keeps
    # waiting for the child, so its exit status, final peak and CPU time are known.
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: None)
    child = subprocess.Popen([sys.executable, *command])
    path = out_dir / f"{os.getpid()}.json"
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.wait(POLL_SECONDS):
            now = _vm_hwm_kb(child.pid)
            if now > peak:
                peak = now
                _write(path, {"kind": kind, "pid": child.pid, "peak_kb": peak, "final": False})

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    code = child.wait()
    done.set()
    poller.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    record = {
        "kind": kind,
        "pid": child.pid,
        "peak_kb": max(peak, usage.ru_maxrss),
        "cpu": usage.ru_utime + usage.ru_stime,
        "final": True,
        "exit": code,
    }
    _write(path, record)
    return code


def write_python_wrapper(path: Path, python: str, rss_dir: Path) -> Path:
    """Write the ``PULUMI_PYTHON_CMD`` script: provider and program recorded, the rest direct."""
    me = Path(__file__).resolve()
    path.write_text(
        "#!/bin/sh\n"
        "# Written by bench/rss.py: the dynamic provider and the program run under a recorder.\n"
        'if [ "$1" = "-u" ] && [ "$2" = "-m" ] && [ "$3" = "pulumi.dynamic" ]; then\n'
        f'    exec "{python}" "{me}" "{rss_dir}" {PROVIDER} "$@"\n'
        "fi\n"
        'for arg in "$1" "$2"; do\n'
        '    case "$arg" in */pulumi-language-python-exec)\n'
        f'        exec "{python}" "{me}" "{rss_dir}" {PROGRAM} "$@";;\n'
        "    esac\n"
        "done\n"
        f'exec "{python}" "$@"\n'
    )
    path.chmod(0o755)
    return path


def _records(rss_dir: Path, kind: str) -> list[dict[str, Any]]:
    records = [json.loads(p.read_text()) for p in rss_dir.glob("*.json")]
    return [r for r in records if r.get("kind") == kind]


def peak_mb(rss_dir: Path, kind: str = PROVIDER) -> float | None:
    """The largest peak recorded in ``rss_dir`` (MiB), or None if no such process ran."""
    peaks = [r["peak_kb"] for r in _records(rss_dir, kind)]
    return max(peaks) / 1024 if peaks else None


def cpu_seconds(rss_dir: Path, kind: str = PROVIDER) -> float | None:
    """CPU seconds of the processes of ``kind`` that exited normally, or None if none did."""
    done = [r["cpu"] for r in _records(rss_dir, kind) if r.get("final")]
    return sum(done) if done else None


def clear(rss_dir: Path) -> None:
    """Forget what earlier commands recorded."""
    for p in rss_dir.glob("*.json"):
        p.unlink()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
