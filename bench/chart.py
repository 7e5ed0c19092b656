"""bench/calls.png: API calls of `pulumi up` against declared users, this provider and others.

Lines are the floors and models of bench/floors.py; dots are what this run measured.
matplotlib comes with the `bench` extra and is imported only here, when drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from . import floors

OUTSIDERS = 900


def _users(top: int) -> list[int]:
    """1 to ``top``, spaced evenly on a log scale."""
    steps = 400
    values = {max(1, round(top ** (i / steps))) for i in range(steps + 1)}
    return sorted(values)


def draw(path: Path, measured: Mapping[str, Mapping[int, int]], big_users: int) -> Path:
    """Two panels: one resource of U users, and U resources of one user (900 outsiders)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (one, many) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)

    users = _users(max(big_users, 10_000))
    one.plot(users, users, label="one request per user", color="tab:red")
    one.plot(
        users,
        [sum(floors.up([u], OUTSIDERS).values()) for u in users],
        label=f"this provider, {OUTSIDERS} outsiders (floor)",
        color="tab:blue",
        linestyle="--",
    )
    one.plot(
        users,
        [sum(floors.up([u], 0).values()) for u in users],
        label="this provider, no outsiders (floor)",
        color="tab:blue",
    )
    points = sorted(measured.get("one", {}).items())
    if points:
        one.plot(
            [u for u, _ in points],
            [c for _, c in points],
            "o",
            color="tab:blue",
            label="measured, no outsiders",
        )
    one.set_title("pulumi up of one SeatAssignment of U users")

    resources = _users(1_000)
    many.plot(
        resources,
        [floors.listing_per_resource([1] * n, OUTSIDERS) for n in resources],
        label="one listing per resource (before the holders view)",
        color="tab:orange",
    )
    many.plot(
        resources,
        [sum(floors.up([1] * n, OUTSIDERS).values()) for n in resources],
        label="this provider (floor: one listing + one POST each)",
        color="tab:blue",
    )
    many.plot(resources, resources, label="one request per user", color="tab:red", linestyle=":")
    points = sorted(measured.get("many", {}).items())
    if points:
        many.plot(
            [n for n, _ in points],
            [c for _, c in points],
            "o",
            color="tab:blue",
            label="measured",
        )
    many.plot([100], [998 + 100], "x", color="tab:orange", markersize=9, label="measured before")
    many.set_title(f"pulumi up of U SeatAssignments of one user, {OUTSIDERS} outsiders")

    for ax in (one, many):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("declared users (U)")
        ax.set_ylabel("API calls")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
