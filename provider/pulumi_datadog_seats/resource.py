"""SeatAssignment: the resource Pulumi programs declare."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import pulumi
import pulumi.dynamic

from .provider import SeatAssignmentProvider


class SeatAssignmentArgs:
    """The inputs of a :class:`SeatAssignment`."""

    def __init__(
        self,
        product_code: pulumi.Input[str],
        user_uuids: pulumi.Input[Sequence[pulumi.Input[str]]],
    ) -> None:
        """
        :param product_code: The product whose seats are assigned, e.g. ``"incident_response"``
               or ``"on_call"``. Changing it replaces the resource: the seats move to the new
               product.
        :param user_uuids: The Datadog user UUIDs that hold a seat (for example
               ``pulumi_datadog.User`` ids). Order, case and duplicates do not matter. Must not
               be empty: delete the resource to give every seat back.
        """
        self.product_code = product_code
        self.user_uuids = user_uuids


class SeatAssignment(pulumi.dynamic.Resource, module="datadog-seats", name="SeatAssignment"):
    """Seats of one Datadog product held by a declared set of users.

    ``pulumi up`` assigns a seat to every declared user who lacks one and gives
    back the seats of users removed from the list; users the resource never
    declared are never touched. ``pulumi refresh`` notices seats removed
    outside Pulumi, and ``pulumi destroy`` gives every declared seat back.

    Credentials come from stack config (``datadog:apiKey``, ``datadog:appKey``,
    ``datadog:apiUrl``) or the environment (``DD_API_KEY``, ``DD_APP_KEY``,
    ``DD_SITE``/``DD_HOST``), never from inputs.

    Example::

        responders = SeatAssignment("responders",
            product_code="incident_response",
            user_uuids=[alice.id, bob.id])
        pulumi.export("seated", responders.assigned_ids)
    """

    product_code: pulumi.Output[str]
    """The product whose seats are assigned."""

    user_uuids: pulumi.Output[list[str]]
    """The declared users: canonical lower-case UUIDs, sorted, without duplicates."""

    assigned_ids: pulumi.Output[list[str]]
    """The declared users that hold a seat, as confirmed by Datadog (sorted)."""

    @overload
    def __init__(
        self,
        resource_name: str,
        args: SeatAssignmentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        *,
        product_code: pulumi.Input[str],
        user_uuids: pulumi.Input[Sequence[pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: SeatAssignmentArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        product_code: pulumi.Input[str] | None = None,
        user_uuids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi name of the resource.
        :param args: The inputs, as a :class:`SeatAssignmentArgs` (or pass them as keywords).
        :param opts: Options such as ``depends_on`` or ``protect``.
        :param product_code: See :class:`SeatAssignmentArgs`.
        :param user_uuids: See :class:`SeatAssignmentArgs`.
        """
        if args is None:
            if product_code is None or user_uuids is None:
                raise TypeError(
                    "SeatAssignment needs product_code and user_uuids "
                    "(as keywords or in a SeatAssignmentArgs)"
                )
            args = SeatAssignmentArgs(product_code=product_code, user_uuids=user_uuids)
        props: dict[str, Any] = {
            "product_code": args.product_code,
            "user_uuids": args.user_uuids,
            "assigned_ids": None,
        }
        # Replacing deletes first, as Terraform does: created first, the new resource would
        # adopt the seats and the old one's delete would then take them away.
        defaults = pulumi.ResourceOptions(delete_before_replace=True)
        opts = pulumi.ResourceOptions.merge(defaults, opts)
        super().__init__(SeatAssignmentProvider(), resource_name, props, opts)
