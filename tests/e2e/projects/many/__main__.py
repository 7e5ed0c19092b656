"""One SeatAssignment of one user per UUID of the config's `userUuids` (`seats-0`, ...)."""

import pulumi

from pulumi_datadog_seats import SeatAssignment

config = pulumi.Config()
for n, user in enumerate(config.require_object("userUuids")):
    SeatAssignment(f"seats-{n}", product_code=config.require("productCode"), user_uuids=[user])
