"""Peak RSS and CPU time of the provider process and the program, from outside.

The engine starts the dynamic provider through the `pulumi-resource-pulumi-python` plugin
script, which runs ``"$PULUMI_PYTHON_CMD" -u -m pulumi.dynamic ...`` when the project
names no virtualenv; the language host runs the program as ``"$PULUMI_PYTHON_CMD"
.../pulumi-language-python-exec ...``. The bench points ``PULUMI_PYTHON_CMD`` at a small
shell script (see :func:`write_python_wrapper`) that hands those two commands to this
file, labelled ``provider`` or ``program``, and any other (the language host's own
calls) straight to the real interpreter. The provider plugin of YAML programs
(`pulumi-resource-datadog-seats`) is replaced by a script of the same name that hands
itself to this file the same way, labelled ``provider`` (:func:`write_plugin_wrapper`).

With ``BENCH_PROFILE_DIR`` set in the environment, the child runs under cProfile, every
thread of it (the providers serve calls on worker threads), timed in CPU time of each
thread, and its statistics are written to ``<BENCH_PROFILE_DIR>/<kind>-<pid>.prof`` when
it exits (``python -m bench.hotspots`` reads them). Profiling slows the child down: never
time such a run.

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
import time
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.02
PROVIDER, PROGRAM = "provider", "program"
#: The environment variable that turns profiling on: the directory the statistics go to.
PROFILE_ENV = "BENCH_PROFILE_DIR"
#: The first argument of this script when it runs the profiled child itself.
PROFILED = "--profiled"


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
    profile_dir = os.environ.get(PROFILE_ENV)
    if profile_dir:
        out = Path(profile_dir) / f"{kind}-{os.getpid()}.prof"
        # -u as the engine's own command has it: the port a provider prints must not wait
        # in a buffer.
        command = ["-u", str(Path(__file__).resolve()), PROFILED, str(out), *command]
    started = time.time()
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
                record = {"kind": kind, "pid": child.pid, "peak_kb": peak, "started": started}
                _write(path, {**record, "final": False})

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
        "started": started,
        "ended": time.time(),
        "final": True,
        "exit": code,
    }
    _write(path, record)
    return code


def profiled(out: Path, command: list[str]) -> int:
    """Run a Python command line (``[-u] -m module args`` or ``[-u] script args``) in this
    process under cProfile, each thread with a profile of its own; write the merged
    statistics to ``out`` however it ends."""
    args = list(command)
    while args[0] == "-u":  # this process runs unbuffered already
        args.pop(0)
    # sys.path[0] is this file's directory (bench/); the command's own is the current
    # directory (-m) or its script's.
    sys.path[0] = os.getcwd() if args[0] == "-m" else str(Path(args[0]).resolve().parent)
    import cProfile
    import pstats
    import runpy

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def started() -> cProfile.Profile:
        # CPU time of the thread, not wall time: a thread waiting (for a lock, the network,
        # the GIL) costs nothing here, wherever it waits (a `with lock:` wait would otherwise
        # show as the own time of the function holding the with statement).
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append(profile)
        profile.enable()
        return profile

    thread_run = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profile = started()
        try:
            thread_run(self)
        finally:
            profile.disable()

    if sys.version_info < (3, 12):
        threading.Thread.run = run  # type: ignore[method-assign]
    # From 3.12 cProfile records through sys.monitoring, which sees every thread of the
    # interpreter and admits one profiler at a time: the main one records them all.
    main = started()
    code = 0
    try:
        if args[0] == "-m":
            sys.argv = [args[1], *args[2:]]
            runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = args
            runpy.run_path(args[0], run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except KeyboardInterrupt:
        code = 130
    finally:
        main.disable()
        sys.stdout.flush()
        with lock:
            taken = list(profiles)
        stats = pstats.Stats(taken[0])
        for profile in taken[1:]:
            try:
                stats.add(profile)
            except TypeError:  # a profile that recorded nothing
                continue
        stats.dump_stats(str(out))
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


def write_plugin_wrapper(path: Path, python: str, plugin: Path, rss_dir: Path) -> Path:
    """Write a provider plugin named as ``plugin`` that runs it recorded as the provider."""
    me = Path(__file__).resolve()
    path.write_text(
        "#!/bin/sh\n"
        "# Written by bench/rss.py: the provider plugin runs under a recorder.\n"
        f'exec "{python}" "{me}" "{rss_dir}" {PROVIDER} "{plugin}" "$@"\n'
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


def lifetimes(rss_dir: Path, kind: str = PROVIDER) -> list[tuple[float, float]]:
    """(started, ended) Unix times of the processes of ``kind`` that exited normally."""
    return [
        (float(r["started"]), float(r["ended"]))
        for r in _records(rss_dir, kind)
        if r.get("final") and "ended" in r
    ]


def clear(rss_dir: Path) -> None:
    """Forget what earlier commands recorded."""
    for p in rss_dir.glob("*.json"):
        p.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == [PROFILED]:
        sys.exit(profiled(Path(sys.argv[2]), sys.argv[3:]))
    sys.exit(main(sys.argv[1:]))
