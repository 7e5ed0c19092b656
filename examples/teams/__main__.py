"""One SeatAssignment per product; people named by email, declared as data in stack config.

    pulumi config set --path 'teams.on_call[0]' alice@example.com
    pulumi config set --path 'teams.incident_response[0]' bob@example.com
    pulumi up

Emails resolve to Datadog user UUIDs through the Users API (case-insensitive, active users
only); an email that matches nobody fails the run before any seat changes, naming it.
"""

import pulumi

from pulumi_datadog_seats import SeatAssignment, lookup_user_uuids

teams: dict[str, list[str]] = pulumi.Config().require_object("teams")

for product_code, emails in sorted(teams.items()):
    seats = SeatAssignment(
        product_code, product_code=product_code, user_uuids=lookup_user_uuids(emails)
    )
    pulumi.export(f"{product_code}_seats", seats.assigned_ids)
