"""One SeatAssignment; the tests change its declaration with `pulumi config set`."""

import pulumi

from pulumi_datadog_seats import SeatAssignment

config = pulumi.Config()
seats = SeatAssignment(
    "seats",
    product_code=config.require("productCode"),
    user_uuids=config.require_object("userUuids"),
    exclusive=config.get_bool("exclusive") or False,
)
pulumi.export("product_code", seats.product_code)
pulumi.export("user_uuids", seats.user_uuids)
pulumi.export("assigned_ids", seats.assigned_ids)
pulumi.export("unmanaged_ids", seats.unmanaged_ids)
