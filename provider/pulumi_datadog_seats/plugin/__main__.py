"""``python -m pulumi_datadog_seats.plugin ENGINE_ADDRESS``: the plugin without its script."""

from .server import main

main()
