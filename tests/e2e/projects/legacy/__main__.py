"""Four SeatAssignments, as the state in state.json declares them (see README.md here).

Two plain ones and a secret one share incident_response; an exclusive one owns on_call.
The program uses only the public API that did not change, so the same program runs
against the state the old code wrote and against the code of today.
"""

import pulumi

from pulumi_datadog_seats import SeatAssignment

config = pulumi.Config()
team_a = SeatAssignment(
    "team-a", product_code="incident_response", user_uuids=config.require_object("teamA")
)
team_b = SeatAssignment(
    "team-b", product_code="incident_response", user_uuids=config.require_object("teamB")
)
hidden = SeatAssignment(
    "hidden", product_code="incident_response", user_uuids=config.require_secret_object("hidden")
)
on_call = SeatAssignment(
    "on-call", product_code="on_call", user_uuids=config.require_object("onCall"), exclusive=True
)
pulumi.export("team_a", team_a.assigned_ids)
pulumi.export("on_call", on_call.assigned_ids)
