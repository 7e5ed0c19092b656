"""Every member of a Datadog team holds an on_call seat.

    pulumi config set teamId 00000000-0000-0000-0000-000000000000
    pulumi up

The members are read from the team's memberships (all pages) at every run, so people
who join the team get a seat at the next `pulumi up` and people who leave it give
theirs back. Holders outside the team are not touched.
"""

import pulumi

from pulumi_datadog_seats import SeatAssignment, get_team_member_uuids

config = pulumi.Config()

seats = SeatAssignment(
    "team-on-call",
    product_code=config.get("productCode") or "on_call",
    user_uuids=get_team_member_uuids(config.require("teamId")),
)

pulumi.export("seated", seats.assigned_ids)
