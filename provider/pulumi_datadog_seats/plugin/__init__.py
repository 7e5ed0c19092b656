"""``pulumi-resource-datadog-seats``: the provider plugin of package ``datadog-seats``.

A real Pulumi resource provider (gRPC, ``pulumi.provider.experimental``) that
serves Pulumi YAML, the other languages and ``pulumi import``, with the same
seat logic, client and settings as the dynamic provider (Python programs keep
using :class:`pulumi_datadog_seats.SeatAssignment`, which needs no plugin).

- :mod:`.schema`   the package schema: resource, function, provider config
- :mod:`.provider` the protocol handlers (check, diff, create, read, update, delete, invoke)
- :mod:`.diffing`  the detailed diff a preview shows
- :mod:`.ids`      resource IDs and import IDs
- :mod:`.config`   the plugin's config keys, mapped onto the shared settings
- :mod:`.values`   PropertyValue <-> plain values, unknowns and secrets
- :mod:`.server`   the console-script entry point

The engine finds the plugin as ``pulumi-resource-datadog-seats`` on PATH (the
virtualenv's ``bin`` where this package is installed), or through
``plugins: providers: [{name: datadog-seats, path: <dir holding it>}]`` in
Pulumi.yaml. See ``examples/yaml/``.
"""

from .server import main

__all__ = ["main"]
