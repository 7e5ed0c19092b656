"""Two SeatAssignments of the dynamic resource, one of them exclusive: what
docs/migrating-to-the-plugin.md moves to the plugin. The test changes the import below,
as the guide says, and nothing else."""

import pulumi

from pulumi_datadog_seats import SeatAssignment

config = pulumi.Config()
responders = SeatAssignment(
    "responders",
    product_code="incident_response",
    user_uuids=config.require_object("responders"),
)
on_call = SeatAssignment(
    "on-call",
    product_code="on_call",
    user_uuids=config.require_object("onCall"),
    exclusive=True,
)
pulumi.export("responders", responders.assigned_ids)
pulumi.export("on_call", on_call.assigned_ids)
