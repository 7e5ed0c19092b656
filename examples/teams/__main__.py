"""One SeatAssignment per product; people named by email, declared as data in stack config.

    pulumi config set --path 'teams.on_call[0]' alice@example.com
    pulumi config set --path 'teams.incident_response[0]' bob@example.com
    pulumi up

Emails resolve to Datadog user UUIDs through the Users API (case-insensitive, active users
only); an email that matches nobody fails the run before any seat changes, naming it.

`<product>_undeclared` lists who else holds a seat of the product: users no
SeatAssignment of this program declares (given seats in Datadog, or by another stack).
It is read from the Seats API when the program runs: `pulumi preview` shows its current
value, `pulumi up` (or `pulumi refresh --run-program`) records it in the stack outputs.
"""

import pulumi

from pulumi_datadog_seats import SeatAssignment, SeatHolder, get_seat_holders, lookup_user_uuids

teams: dict[str, list[str]] = pulumi.Config().require_object("teams")


def undeclared(holders: list[SeatHolder], declared: list[str]) -> list[str]:
    """The users holding a seat whom ``declared`` does not name, sorted."""
    return sorted({holder.id for holder in holders} - set(declared))


for product_code, emails in sorted(teams.items()):
    seats = SeatAssignment(
        product_code, product_code=product_code, user_uuids=lookup_user_uuids(emails)
    )
    pulumi.export(f"{product_code}_seats", seats.assigned_ids)
    # Listed once the SeatAssignment is up to date (its product_code output), so the
    # listing sees the seats this run assigned.
    holders = get_seat_holders(seats.product_code)
    pulumi.export(
        f"{product_code}_undeclared",
        pulumi.Output.all(holders, seats.user_uuids).apply(lambda v: undeclared(v[0], v[1])),
    )
