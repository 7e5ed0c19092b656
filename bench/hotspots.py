"""`python -m bench.hotspots SCENARIO`: where the CPU time of one bench scenario goes.

Runs one variant of bench/compare.py once, as the bench does (a new stack, the emulator
reset), with its Python processes under cProfile (``BENCH_PROFILE_DIR``, see
bench/rss.py) and, with ``--engine``, the `pulumi` CLI under its own Go profiler
(`pulumi --profiling`), and prints for each command the functions with the most time of
their own in each process: the program, the provider (dynamic provider or plugin), and
the engine (`go tool pprof -top`). The Python profiles count each thread's CPU time, so a
thread waiting (for a lock, the network, another process) costs nothing; the functions
that only wait are left out of the lists all the same.

Profiling slows the profiled processes down several times: compare the shares of the
same process between scenarios, never these seconds with the bench's.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .compare import NOOP, PLUGIN, SEATS
from .runner import Bench, Measure, reset, user_ids
from .text import progress

#: name -> (project, resources, users each, outsiders, commands)
SCENARIOS = {
    "up-noop": (NOOP, 100, 1, 0, ("up",)),
    "up-dynamic": (SEATS, 100, 1, 0, ("up",)),
    "up-dynamic-900": (SEATS, 100, 1, 900, ("up",)),
    "up-plugin": (PLUGIN, 100, 1, 0, ("up",)),
    "org-seats": (SEATS, 50, 100, 5_000, ("up", "refresh", "destroy")),
    "org-noop": (NOOP, 50, 100, 5_000, ("up", "refresh", "destroy")),
}
#: Functions that only wait (for another thread, process or the network).
WAITS = (
    "acquire",
    "_blocking",
    "poll",
    "select",
    "'get' of '_queue",
    "wait",
    "sleep",
    "recv",
    "_run_once",
    "run_forever",
    "run_until_complete",
    "(_serve)",  # grpc's server loop, waiting on its completion queue
)


def python_top(profiles: Sequence[Path], top: int) -> str:
    """The ``top`` functions by own CPU time over ``profiles``, waits left out."""
    stats = pstats.Stats(str(profiles[0]), stream=io.StringIO())
    for path in profiles[1:]:
        stats.add(str(path))
    rows = []
    for (filename, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{_short(filename)}:{line}({name})"
        if any(w in where for w in WAITS):
            continue
        rows.append((own, cumulative, calls, where))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    lines = [
        f"  own CPU time of the functions not left out: {total:.2f} s",
        "  own s  cumul s    calls  function",
    ]
    lines += [f"  {o:6.3f} {c:8.3f} {n:8d}  {w}" for o, c, n, w in rows[:top]]
    return "\n".join(lines)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "provider/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def engine_top(pulumi: Path, profiles: Sequence[Path], top: int) -> str:
    go = shutil.which("go")
    if go is None:
        return "  (no `go` on PATH: read the engine's profile with `go tool pprof`)"
    out = subprocess.run(
        [go, "tool", "pprof", "-top", f"-nodecount={top}", str(pulumi), *map(str, profiles)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "\n".join("  " + line for line in (out.stdout or out.stderr).splitlines())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--top", type=int, default=25, help="functions per process (25)")
    parser.add_argument("--engine", action="store_true", help="profile the pulumi CLI too")
    parser.add_argument("--keep", metavar="DIR", help="keep the profiles in DIR")
    args = parser.parse_args(argv)
    project, resources, users, outsiders, commands = SCENARIOS[args.scenario]
    ids = user_ids(max(10_000, resources * users + outsiders))
    declared = ids[: resources * users]
    others = ids[len(ids) - outsiders :] if outsiders else []
    entries = [declared[i * users : (i + 1) * users] for i in range(resources)]
    keep = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="seats-hotspots-"))
    keep.mkdir(parents=True, exist_ok=True)
    with Bench.create() as bench:
        emulator = bench.emulator(len(ids))
        try:
            reset(emulator, others)
            with bench.stack(project, emulator, entries, destroy=False) as s:
                for command in commands:
                    where = keep / command
                    where.mkdir(exist_ok=True)
                    os.environ["BENCH_PROFILE_DIR"] = str(where)
                    extra = ["--profiling", str(where / "engine")] if args.engine else []
                    progress(f"{args.scenario}: {command}, profiled")
                    measure: Measure = s.run(command, *extra)
                    os.environ.pop("BENCH_PROFILE_DIR")
                    print(
                        f"== {args.scenario} {command}: {measure.seconds:.1f} s wall, "
                        f"CPU {measure.cpu_seconds:.1f} s (profiled: slower than the bench)"
                    )
                    for kind in ("program", "provider"):
                        found = sorted(where.glob(f"{kind}-*.prof"))
                        if found:
                            print(f"-- {kind} ({len(found)} process(es))")
                            print(python_top(found, args.top))
                    cpu = sorted(where.glob("engine.*.cpu"))
                    if cpu:
                        print("-- engine (pulumi CLI)")
                        print(engine_top(bench.engine.bin_dir / "pulumi", cpu, args.top))
        finally:
            emulator.stop()
    print(f"profiles in {keep}")


if __name__ == "__main__":
    main()
