"""The baseline: bench-seats with a provider that does nothing.

Same engine, same number of resources, same inputs; create returns its inputs as
outputs (so each resource carries its declared users in its state, as a SeatAssignment
does) and delete returns at once, so what remains is the engine's own cost of a dynamic
resource (see bench/noop.py).
"""

import json

import pulumi

from bench.noop import Noop

config = pulumi.Config()
product_code = config.require("productCode")
with open(config.require("usersFile")) as fh:
    groups: list[list[str]] = json.load(fh)

for index, user_uuids in enumerate(groups):
    Noop(f"noop-{index}", {"index": index, "product_code": product_code, "user_uuids": user_uuids})
