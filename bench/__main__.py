"""`make bench` (python -m bench): API calls per operation, and ratios against a baseline.

Each lifecycle operation of SeatAssignmentProvider runs against an in-process Seats
API emulator over real HTTP; the figures are the requests in the emulator's log.

- "default" is the provider as shipped (batchSize 100, pageSize 100).
- "baseline" is the same provider with batchSize 1: one request per user, what a
  straightforward per-user loop over the API would send.
- "5xx" is the default provider while the emulator fails every 5th request with a
  503 (the extra calls are retries).

The organization also holds seats for users outside the declaration ("outsiders"),
which only cost listing pages.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_datadog_seats.emulator import EmulatorConfig, FaultRule, SeatsEmulator, seed_users
from pulumi_datadog_seats.provider import SeatAssignmentProvider

PRODUCT = "incident_response"
API_KEY, APP_KEY = "bench-api-key", "bench-app-key"


@dataclass
class Figure:
    operation: str
    calls: Counter[str]
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def provider_for(url: str, **knobs: str) -> SeatAssignmentProvider:
    config = {
        "datadog:apiUrl": url,
        "datadog:apiKey": API_KEY,
        "datadog:appKey": APP_KEY,
        "datadog-seats:backoffSeconds": "0",
        **{f"datadog-seats:{k}": v for k, v in knobs.items()},
    }
    provider = SeatAssignmentProvider()
    provider.configure(ConfigureRequest(Config(config, "bench")))
    return provider


def measure(emulator: SeatsEmulator, operation: str, action: Callable[[], object]) -> Figure:
    emulator.state.clear_requests()
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    calls = Counter(str(r["method"]) for r in emulator.state.requests())
    return Figure(operation, calls, seconds)


def lifecycle(users: int, outsiders: int, faults: bool, **knobs: str) -> list[Figure]:
    people = [u["id"] for u in seed_users(users + outsiders + 1)]
    declared, extra, others = people[:users], people[users], people[users + 1 :]
    rules = [FaultRule(kind="status", status=503, every=5)] if faults else []
    config = EmulatorConfig(api_key=API_KEY, app_key=APP_KEY, users=seed_users(len(people)))
    with SeatsEmulator(config) as emulator:
        emulator.state.set_holders(PRODUCT, others)
        for rule in rules:
            emulator.state.add_fault(rule)
        provider = provider_for(emulator.url, **knobs)
        props = {"product_code": PRODUCT, "user_uuids": declared}
        grown = {"product_code": PRODUCT, "user_uuids": [*declared, extra]}
        outs: dict[str, Any] = {}

        def create() -> None:
            outs.update(provider.create(props).outs or {})

        # In lifecycle order: the preview diffs against the outputs of the create.
        return [
            measure(emulator, "create", create),
            measure(emulator, "preview (check+diff)", lambda: provider.diff("x", outs, props)),
            measure(emulator, "update: add 1", lambda: provider.update("x", props, grown)),
            measure(emulator, "update: remove 1", lambda: provider.update("x", grown, props)),
            measure(emulator, "refresh (read)", lambda: provider.read("x", props)),
            measure(emulator, "delete", lambda: provider.delete("x", props)),
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[10, 250, 1000])
    parser.add_argument("--outsiders", type=int, default=300)
    args = parser.parse_args()

    print(f"API calls per operation ({args.outsiders} seat holders outside the declaration)")
    header = f"{'users':>6}  {'operation':<22}{'default':>22}{'baseline':>10}{'ratio':>8}{'5xx':>6}"
    print(header)
    print("-" * len(header))
    for users in args.users:
        default = lifecycle(users, args.outsiders, faults=False)
        baseline = lifecycle(users, args.outsiders, faults=False, batchSize="1")
        flaky = lifecycle(users, args.outsiders, faults=True)
        for ours, base, bad in zip(default, baseline, flaky, strict=True):
            detail = " ".join(f"{m}={n}" for m, n in sorted(ours.calls.items())) or "none"
            ratio = f"{base.total / ours.total:.1f}x" if ours.total else "-"
            print(
                f"{users:>6}  {ours.operation:<22}{ours.total:>4} ({detail:<15}){base.total:>10}"
                f"{ratio:>8}{bad.total:>6}"
            )
    print(
        "\nratio = baseline calls / default calls (higher is better); 5xx = calls of the "
        "default provider with every 5th request failing with 503."
    )


if __name__ == "__main__":
    main()
