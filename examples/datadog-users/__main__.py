"""Users managed by pulumi-datadog, seats managed by pulumi-datadog-seats.

The user ids are unknown until the users exist; Pulumi creates the users
first and then assigns the seats, in one `pulumi up`.

    pulumi config set --secret datadog:apiKey ...
    pulumi config set --secret datadog:appKey ...
    pulumi config set datadog:apiUrl https://api.datadoghq.eu   # if not on datadoghq.com
    pulumi up
"""

import pulumi
import pulumi_datadog as datadog

from pulumi_datadog_seats import SeatAssignment

alice = datadog.User("alice", email="alice@example.com", name="Alice")
bob = datadog.User("bob", email="bob@example.com", name="Bob")

responders = SeatAssignment(
    "responders",
    product_code="incident_response",
    user_uuids=[alice.id, bob.id],
)

pulumi.export("incident_response_seats", responders.assigned_ids)
