"""Datadog seats from Python on the plugin: the people named in stack config, plus everyone
who holds a seat of another product today (read from Datadog at every run), hold an
incident_response seat.

The resource is served by the datadog-seats provider plugin (pulumi-resource-datadog-seats,
installed with the pulumi-datadog-seats Python package); README.md says how to run it.
"""

import pulumi
import pulumi_datadog_seats_sdk as seats

config = pulumi.Config()
product_code = config.get("productCode") or "incident_response"
# `pulumi config set --path 'userUuids[0]' <uuid>`, one line per user.
named: list[str] = config.require_object("userUuids")

# Who holds a seat of this other product now, e.g. on_call seats handed out in Datadog.
others = seats.get_seat_holders_output(product_code=config.get("alsoHoldersOf") or "on_call")

responders = seats.SeatAssignment(
    "responders",
    product_code=product_code,
    user_uuids=others.user_uuids.apply(lambda holders: sorted({*named, *holders})),
)

pulumi.export("assigned_ids", responders.assigned_ids)
pulumi.export("also_from", others.user_uuids)
