"""`python -m bench.timeline SCENARIO...`: when each process of a command runs, side by side.

Runs the scenarios (names of bench/hotspots.py, e.g. `org-seats org-noop`) alternating,
each round on a new stack as the bench does, unprofiled, and prints the medians of when,
counted from the command's start, the program process and the provider process started
and ended (bench/rss.py records them), when the first API request started and the last
answer came (the emulator's log), and when the command ended. What a comparison's wall
time difference is made of: a later start (the engine's work before it), a longer
provider (API requests, a listing every create waits for), or a longer tail (the engine's
last checkpoint and exit).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence

from .compare import alternate
from .hotspots import SCENARIOS
from .runner import Bench, Measure, reset, user_ids
from .text import progress, table

NAN = float("nan")


def phases(m: Measure) -> list[float]:
    """Seconds from the command's start: program start, end; provider start, end; first
    request, last answer; the command's end (NaN where there is none)."""
    t0 = m.started_at

    def span(times: Sequence[tuple[float, float]]) -> list[float]:
        if not times:
            return [NAN, NAN]
        return [min(a for a, _ in times) - t0, max(b for _, b in times) - t0]

    requests = [(float(r["time"]), float(r["time"]) + float(r["duration"])) for r in m.requests]
    return [*span(m.programs), *span(m.providers), *span(requests), m.ended_at - t0]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.timeline", description=__doc__)
    parser.add_argument("scenarios", nargs="+", choices=sorted(SCENARIOS))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    chosen = list(dict.fromkeys(args.scenarios))
    need = max(SCENARIOS[s][1] * SCENARIOS[s][2] + SCENARIOS[s][3] for s in chosen)
    ids = user_ids(max(2_000, need))
    found: dict[tuple[str, str], list[list[float]]] = {}
    with Bench.create() as bench:
        emulator = bench.emulator(len(ids))
        try:
            for run, name in alternate(chosen, args.rounds):
                project, resources, users, outsiders, commands = SCENARIOS[name]
                declared = ids[: resources * users]
                entries = [declared[i * users : (i + 1) * users] for i in range(resources)]
                reset(emulator, ids[len(ids) - outsiders :] if outsiders else [])
                progress(f"timeline: round {run + 1}/{args.rounds}, {name}")
                with bench.stack(project, emulator, entries, destroy=False) as s:
                    for command in commands:
                        found.setdefault((name, command), []).append(phases(s.run(command)))
        finally:
            emulator.stop()
    rows = []
    for (name, command), runs in found.items():
        med = [statistics.median(r[i] for r in runs) for i in range(7)]
        cells = [f"{a:.2f} -> {b:.2f}" for a, b in (med[0:2], med[2:4], med[4:6])]
        rows.append(
            [name, command, *(c.replace("nan -> nan", "-") for c in cells), f"{med[6]:.2f}"]
        )
    print(f"Medians of {args.rounds} round(s), seconds from the command's start:")
    print("\n".join(table(["scenario", "command", "program", "provider", "API", "end"], rows)))


if __name__ == "__main__":
    main()
