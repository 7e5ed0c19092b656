"""bench/calls.png: API calls of `pulumi up` against declared users, and the side-by-side goals.

In the first two panels, lines are the floors and models of bench/floors.py; dots are
what this run measured. The third shows each ratio of the side-by-side comparisons
(sections 2 and 3 of RESULTS.md) beside its goal. matplotlib comes with the `bench`
extra and is imported only here, when drawing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import floors

OUTSIDERS = 900


def _users(top: int) -> list[int]:
    """1 to ``top``, spaced evenly on a log scale."""
    steps = 400
    values = {max(1, round(top ** (i / steps))) for i in range(steps + 1)}
    return sorted(values)


def draw(
    path: Path,
    measured: Mapping[str, Mapping[int, int]],
    big_users: int,
    ratios: Sequence[tuple[str, float, float]] = (),
) -> Path:
    """One resource of U users; U resources of one user (900 outsiders); and, with
    ``ratios`` ((label, measured, goal) each), the side-by-side ratios against their goals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 3 if ratios else 2
    fig, axes = plt.subplots(
        1,
        panels,
        figsize=(6 * panels, 4.8),
        constrained_layout=True,
        gridspec_kw={"width_ratios": [1, 1, 0.8][:panels]},
    )
    one, many = axes[0], axes[1]

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
    if ratios:
        _draw_ratios(axes[2], ratios)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _draw_ratios(ax: Any, ratios: Sequence[tuple[str, float, float]]) -> None:
    """Horizontal bars: each measured ratio, its goal a black tick; red where over it."""
    labels = [label for label, _, _ in ratios]
    ys = list(range(len(ratios)))[::-1]
    values = [value for _, value, _ in ratios]
    colors = ["tab:blue" if value <= goal else "tab:red" for _, value, goal in ratios]
    ax.barh(ys, values, color=colors, height=0.6)
    for y, (_, value, goal) in zip(ys, ratios, strict=True):
        ax.plot([goal, goal], [y - 0.4, y + 0.4], color="black", linewidth=2)
        ax.annotate(
            f"{value:.2f}x",
            (max(value, goal), y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
        )
    ax.axvline(1.0, color="gray", linewidth=0.8, linestyle=":")
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, max([*values, *(g for _, _, g in ratios)]) * 1.25)
    ax.set_xlabel("ratio, medians side by side in one run (black: goal)")
    ax.set_title("against the baseline of each goal")
    ax.grid(True, axis="x", alpha=0.3)
