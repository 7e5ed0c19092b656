"""Awaiting a provider handler from a plain test, as the plugin's server awaits it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a private loop.

    Not asyncio.run(): it would leave this thread without a current event loop, which
    pulumi.runtime.set_mocks in later tests of the same process needs.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()
