"""One SeatAssignment whose user UUIDs are secret stack config, as a whole or one by one.

`secrecy` (stack config) says how `userUuids` (secret config, except for `plain`) reaches
the resource: `whole` (the default) is `require_secret_object`, the list a secret;
`elements` makes each UUID a secret of its own in a plain list; `plain` is
`require_object`, no secret; `legacy` registers the list as a secret the way
pulumi-datadog-seats 0.1 did, without the inputs that keep the outputs secret, to write
the states that version wrote.
"""

from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_datadog_seats import SeatAssignment
from pulumi_datadog_seats.provider import SeatAssignmentProvider


class LegacySeatAssignment(pulumi.dynamic.Resource, module="datadog-seats", name="SeatAssignment"):
    """SeatAssignment as 0.1 registered it (same type, same provider, no secrecy inputs)."""

    assigned_ids: pulumi.Output[list[str]]
    unmanaged_ids: pulumi.Output[list[str]]
    user_uuids: pulumi.Output[list[str]]

    def __init__(self, name: str, product_code: str, user_uuids: Any) -> None:
        props = {
            "product_code": product_code,
            "user_uuids": user_uuids,
            "exclusive": False,
            "assigned_ids": None,
            "unmanaged_ids": None,
        }
        opts = pulumi.ResourceOptions(delete_before_replace=True)
        super().__init__(SeatAssignmentProvider(), name, props, opts)


config = pulumi.Config()
secrecy = config.get("secrecy") or "whole"
product_code = config.require("productCode")
seats: SeatAssignment | LegacySeatAssignment
if secrecy == "elements":
    users: Any = [pulumi.Output.secret(u) for u in config.require_object("userUuids")]
elif secrecy == "plain":
    users = config.require_object("userUuids")
else:
    users = config.require_secret_object("userUuids")
if secrecy == "legacy":
    seats = LegacySeatAssignment("seats", product_code, users)
else:
    seats = SeatAssignment("seats", product_code=product_code, user_uuids=users)

pulumi.export("user_uuids", seats.user_uuids)
pulumi.export("assigned_ids", seats.assigned_ids)
pulumi.export("unmanaged_ids", seats.unmanaged_ids)
