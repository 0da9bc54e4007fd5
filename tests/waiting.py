"""The one way tests wait: poll a condition until it holds or a deadline passes, with what was
awaited in the failure. Waits never stand in for a result: each ends on the state it awaits."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(cond: Callable[[], T], timeout: float = 30.0, what: str = "the condition", every: float = 0.1,
             alive: Callable[[], bool] | None = None) -> T:
    """``cond()``'s first true value; fails after ``timeout`` seconds, or at once when ``alive()``
    says the process that should bring it about has died."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if alive is not None and not alive():
            raise AssertionError(f"{what}: the process died first")
        if time.monotonic() >= end:
            raise AssertionError(f"{what} not met in {timeout:.0f}s")
        time.sleep(every)


async def wait_until(pilot: Any, cond: Callable[[], object], timeout: float = 60.0, what: str = "the condition") -> None:
    """``wait_for`` inside a Textual app under Pilot: the app runs while it waits. ``cond`` may be
    a coroutine function, for a condition that drives the app itself (types, presses Enter)."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if inspect.isawaitable(v):
            v = await v
        if v:
            return
        if time.monotonic() >= end:
            raise AssertionError(f"{what} not met in {timeout:.0f}s")
        await pilot.pause(0.05)
