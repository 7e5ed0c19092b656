"""An authoritative product: the declared people hold its seats, and nobody else does.

    pulumi config set --path 'emails[0]' alice@example.com
    pulumi config set --path 'emails[1]' carol@example.com
    pulumi preview --refresh     # who would lose a seat, by UUID, before anything changes
    pulumi up --refresh

`exclusive=True` makes `pulumi up` unassign every holder of the product who is not
declared, including seats given in Datadog since the last run (found by the refresh).
At most one exclusive SeatAssignment per product.
"""

import pulumi

from pulumi_datadog_seats import SeatAssignment, lookup_user_uuids

config = pulumi.Config()
product_code = config.get("productCode") or "on_call"

seats = SeatAssignment(
    "authoritative",
    product_code=product_code,
    user_uuids=lookup_user_uuids(config.require_object("emails")),
    exclusive=True,
)

pulumi.export("seated", seats.assigned_ids)
pulumi.export("removed_outsiders_last_seen", seats.unmanaged_ids)
