"""One SeatAssignment per entry of the stack config object `rows`, inputs passed as they are.

`rows` maps a resource name to an object whose `product_code`, `user_uuids` and
`exclusive` (each optional) go straight into SeatAssignment, whatever their JSON shape:
the tests of bad inputs write any value there with `pulumi config set`.
"""

from typing import Any

import pulumi

from pulumi_datadog_seats import SeatAssignment

rows: dict[str, dict[str, Any]] = pulumi.Config().require_object("rows")
for name, row in rows.items():
    inputs = {k: row[k] for k in ("product_code", "user_uuids", "exclusive") if k in row}
    SeatAssignment(name, **inputs)
