"""bench-seats on the Python SDK: N SeatAssignments of the provider plugin, one per entry of
the JSON list in `usersFile` (each entry the user UUIDs of one SeatAssignment).

The bench runs it with a Python that has the SDK (tests/toolchains.python_sdk_venv) and
the plugin through a `plugins.providers` entry it adds to its copy of Pulumi.yaml.
"""

import json

import pulumi
from pulumi_datadog_seats_sdk import SeatAssignment

config = pulumi.Config()
product_code = config.require("productCode")
with open(config.require("usersFile")) as fh:
    groups: list[list[str]] = json.load(fh)

for index, user_uuids in enumerate(groups):
    SeatAssignment(f"seats-{index}", product_code=product_code, user_uuids=user_uuids)
