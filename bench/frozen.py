"""`python -m bench.frozen`: the plugin's release archive beside its console script.

`make bench` runs it after `python -m bench`; it prints its figures and writes nothing.

1. Start-up: from starting the plugin as the engine starts it (the engine's address as its
   argument) to the answer of its first request (`GetPluginInfo` over gRPC), for the
   console script of this virtualenv and for the archive's binary (scripts/
   build-plugin-archive, unpacked as `pulumi plugin install` unpacks it), alternating;
   medians.
2. `pulumi up` of the 100 SeatAssignments of one user each of bench/projects/plugin_many
   (Pulumi YAML) with each plugin (`plugins.providers[].path`: the virtualenv's bin, the
   unpacked archive), each against a new emulator, alternating rounds; medians and the
   ratio, whose goal is at most GOAL.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import grpc  # type: ignore[import-untyped]
from google.protobuf import empty_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import provider_pb2_grpc

from .runner import PLUGIN, ROOT, Bench, expect_holders, plugin_script, reset, user_ids
from .text import progress, table

#: The archive's binary against the console script, `pulumi up` wall time.
GOAL = 1.10
RESOURCES = 100


def build_archive() -> Path:
    """The plugin's release archive for this machine (built once per source)."""
    out = subprocess.run(
        [str(Path(ROOT) / "scripts" / "build-plugin-archive")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Path(out.strip().splitlines()[-1])


def unpack(archive: Path, into: Path) -> Path:
    """The archive unpacked (as `pulumi plugin install` does); returns its executable."""
    into.mkdir(parents=True)
    with tarfile.open(archive) as packed:
        packed.extractall(into, filter="tar")
    return into / PLUGIN


def first_answer_seconds(executable: Path) -> float:
    """Seconds from starting the plugin to its answer to GetPluginInfo."""
    started = time.perf_counter()
    # No engine listens there: the plugin reaches the engine only to log.
    proc = subprocess.Popen(
        [str(executable), "127.0.0.1:1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            provider_pb2_grpc.ResourceProviderStub(channel).GetPluginInfo(
                empty_pb2.Empty(), timeout=60
            )
        return time.perf_counter() - started
    finally:
        proc.kill()
        proc.wait()


def run_up(bench: Bench, plugin_dir: Path, ids: list[str]) -> float:
    """`pulumi up` of plugin_many with the plugin in ``plugin_dir``, seconds."""
    emulator = bench.emulator(len(ids))
    try:
        reset(emulator, [])
        with dataclasses.replace(bench, plugin_dir=plugin_dir).stack(
            "plugin_many", emulator, [[u] for u in ids], destroy=False
        ) as stack:
            up = stack.run("up")
            expect_holders(emulator, set(ids), "after up")
        return up.seconds
    finally:
        emulator.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.frozen", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--starts", type=int, default=10, help="start-ups of each (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="ups of each (default 3)")
    args = parser.parse_args(argv)
    archive = build_archive()
    ids = user_ids(RESOURCES)
    with tempfile.TemporaryDirectory(prefix="seats-bench-frozen-") as scratch:
        frozen = unpack(archive, Path(scratch) / "frozen")
        script = plugin_script()
        starts: dict[str, list[float]] = {"console script": [], "archive's binary": []}
        for i in range(args.starts):
            progress(f"start-up {i + 1}/{args.starts}")
            starts["console script"].append(first_answer_seconds(script))
            starts["archive's binary"].append(first_answer_seconds(frozen))

        ups: dict[str, list[float]] = {"console script": [], "archive's binary": []}
        with Bench.create() as bench:
            # Each plugin as the engine finds it: the directory that holds it.
            dirs = {"console script": script.parent, "archive's binary": frozen.parent}
            for i in range(args.rounds):
                for name, directory in dirs.items():
                    progress(f"up of {RESOURCES} SeatAssignments, {name}, round {i + 1}")
                    ups[name].append(run_up(bench, directory, ids))

    print(f"The plugin archive: {archive.name}, {archive.stat().st_size / 2**20:.1f} MiB\n")
    rows = [
        [
            name,
            f"{statistics.median(starts[name]):.3f} s",
            f"{min(starts[name]):.3f} s",
            f"{statistics.median(ups[name]):.2f} s",
        ]
        for name in starts
    ]
    headers = ["plugin", "first answer, median", "first answer, best", "up, median"]
    print("\n".join(table(headers, rows)))
    ratio = statistics.median(ups["archive's binary"]) / statistics.median(ups["console script"])
    verdict = "met" if ratio <= GOAL else "missed"
    print(
        f"\n`pulumi up`: the archive's binary at {ratio:.2f}x the console script (goal at "
        f"most {GOAL:.2f}x: {verdict}); {args.starts} start-ups and {args.rounds} ups of each."
    )


if __name__ == "__main__":
    main()
