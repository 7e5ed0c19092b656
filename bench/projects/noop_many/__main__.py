"""The wall-time baseline: bench-seats with a provider that does nothing.

Same engine, same number of resources, same inputs; create returns its inputs as
outputs and delete returns at once, so what remains is the engine's own cost of a
dynamic resource. With `paddingUuids`, create also returns that many UUIDs in one more
output (as SeatAssignment's `unmanaged_ids` does), so the state grows as large as
SeatAssignments' without any of their work.
"""

import json
import uuid
from typing import Any

import pulumi
import pulumi.dynamic


# Defined in __main__, so dill pickles it by value: the provider process imports nothing.
class NoopProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        padding = [str(uuid.UUID(int=i)) for i in range(int(props["padding"]))]
        return pulumi.dynamic.CreateResult(f"noop-{props['index']}", {**props, "more": padding})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class Noop(pulumi.dynamic.Resource):
    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__(NoopProvider(), name, props)


config = pulumi.Config()
product_code = config.require("productCode")
padding = config.get_int("paddingUuids") or 0
with open(config.require("usersFile")) as fh:
    groups: list[list[str]] = json.load(fh)

for index, user_uuids in enumerate(groups):
    props = {"index": index, "product_code": product_code, "user_uuids": user_uuids}
    Noop(f"noop-{index}", {**props, "padding": padding})
