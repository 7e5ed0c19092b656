"""The wall-time baseline: bench-seats with a provider that does nothing.

Same engine, same number of resources, same inputs; create returns its inputs as
outputs and delete returns at once, so what remains is the engine's own cost of a
dynamic resource (see bench/noop.py). With `paddingUuids`, create also returns that
many UUIDs in one more output (as SeatAssignment's `unmanaged_ids` does), so the state
grows as large as SeatAssignments' without any of their work.
"""

import json

import pulumi

from bench.noop import Noop

config = pulumi.Config()
product_code = config.require("productCode")
padding = config.get_int("paddingUuids") or 0
with open(config.require("usersFile")) as fh:
    groups: list[list[str]] = json.load(fh)

for index, user_uuids in enumerate(groups):
    props = {"index": index, "product_code": product_code, "user_uuids": user_uuids}
    Noop(f"noop-{index}", {**props, "padding": padding})
