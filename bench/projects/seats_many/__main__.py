"""N SeatAssignments; `python -m bench` (or a test) writes their users to `usersFile`.

Each entry of the file is one SeatAssignment: a list of user UUIDs (of the product in
`productCode`), or `{"product_code": ..., "user_uuids": [...]}`. The declaration is a
file named in stack config rather than the config itself: 10,000 UUIDs are more than
one `pulumi config set` argument may carry.
"""

import json
from typing import Any

import pulumi

from pulumi_datadog_seats import SeatAssignment

config = pulumi.Config()
default_product = config.require("productCode")
with open(config.require("usersFile")) as fh:
    entries: list[Any] = json.load(fh)

for index, entry in enumerate(entries):
    if isinstance(entry, dict):
        product_code, user_uuids = entry["product_code"], entry["user_uuids"]
    else:
        product_code, user_uuids = default_product, entry
    SeatAssignment(f"seats-{index}", product_code=product_code, user_uuids=user_uuids)
