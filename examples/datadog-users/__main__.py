"""Users and a team managed by pulumi-datadog, seats managed by pulumi-datadog-seats.

The user ids are unknown until the users exist; Pulumi creates the users (and the team
memberships) first and then assigns the seats, in one `pulumi up`.

    pulumi config set --secret datadog:apiKey ...
    pulumi config set --secret datadog:appKey ...
    pulumi config set datadog:apiUrl https://api.datadoghq.eu   # if not on datadoghq.com
    pulumi up

Needs the pulumi-datadog provider plugin, which `pulumi up` downloads on first use.
"""

import pulumi
import pulumi_datadog as datadog

from pulumi_datadog_seats import SeatAssignment

people = {
    "alice": ("alice@example.com", "Alice"),
    "bob": ("bob@example.com", "Bob"),
    "carol": ("carol@example.com", "Carol"),
}
users = {key: datadog.User(key, email=email, name=name) for key, (email, name) in people.items()}

responders = datadog.Team(
    "responders",
    handle="responders",
    name="Responders",
    description="People who respond to incidents",
)
memberships = [
    datadog.TeamMembership(f"responders-{key}", team_id=responders.id, user_id=user.id)
    for key, user in users.items()
    if key != "carol"
]

# Incident response seats for the team's members, an on-call seat for everyone.
incident_seats = SeatAssignment(
    "responders",
    product_code="incident_response",
    user_uuids=[membership.user_id for membership in memberships],
)
on_call_seats = SeatAssignment(
    "on-call",
    product_code="on_call",
    user_uuids=[user.id for user in users.values()],
)

pulumi.export("incident_response_seats", incident_seats.assigned_ids)
pulumi.export("on_call_seats", on_call_seats.assigned_ids)
