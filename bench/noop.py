"""The baseline's resource: a dynamic resource whose provider does nothing.

It lives in an importable module, as SeatAssignmentProvider does, so dill pickles it
by reference (module path and class name) into each resource's state, and the provider
process imports it once: the baseline differs from a SeatAssignment only in the work
the provider does. The bench puts the repository root on the PYTHONPATH of the
processes the engine starts, so that `bench.noop` is importable there.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic


class NoopProvider(pulumi.dynamic.ResourceProvider):
    """create returns the inputs as outputs; read (the default) returns what the state
    holds; delete does nothing."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(f"noop-{props['index']}", dict(props))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class Noop(pulumi.dynamic.Resource, module="bench", name="Noop"):
    """One no-op resource with the given inputs."""

    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__(NoopProvider(), name, props)
