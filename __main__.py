"""The quickstart: one SeatAssignment, its users and product taken from stack config.

    pulumi config set --path 'userUuids[0]' 5f0e...   # a Datadog user UUID
    pulumi config set --secret datadog:apiKey ...
    pulumi config set --secret datadog:appKey ...
    pulumi up

`make demo` runs this program against the local Seats API emulator.
"""

import pulumi

from pulumi_datadog_seats import SeatAssignment

config = pulumi.Config()

responders = SeatAssignment(
    "responders",
    product_code=config.get("productCode") or "incident_response",
    user_uuids=config.require_object("userUuids"),
)

pulumi.export("product_code", responders.product_code)
pulumi.export("assigned_ids", responders.assigned_ids)
