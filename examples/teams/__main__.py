"""One SeatAssignment per product, declared as data in stack config.

pulumi config set --path 'teams.on_call[0]' 5f0e...
pulumi config set --path 'teams.incident_response[0]' 5f0e...
pulumi up
"""

import pulumi

from pulumi_datadog_seats import SeatAssignment

teams: dict[str, list[str]] = pulumi.Config().require_object("teams")

for product_code, user_uuids in sorted(teams.items()):
    seats = SeatAssignment(product_code, product_code=product_code, user_uuids=user_uuids)
    pulumi.export(f"{product_code}_seats", seats.assigned_ids)
