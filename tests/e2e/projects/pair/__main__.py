"""Two SeatAssignments, each declared in stack config as {product, users, exclusive}."""

import pulumi

from pulumi_datadog_seats import SeatAssignment

config = pulumi.Config()
for name in ("first", "second"):
    declared = config.require_object(name)
    seats = SeatAssignment(
        name,
        product_code=declared["product"],
        user_uuids=declared["users"],
        exclusive=declared.get("exclusive", False),
    )
    pulumi.export(f"{name}_assigned_ids", seats.assigned_ids)
