"""Keeping the cyclic garbage collector out of the way of requests.

An analysis of a large document is hundreds of thousands of long-lived objects. Left to the
collector, they are scanned again by the first collections after the analysis: a request
arriving then (a completion right after an edit) waits 100 ms or more for a collection that
finds nothing, since an analysis holds no reference cycles and is freed by reference counting
when its version is replaced. So each new analysis is frozen (`gc.freeze`: moved out of the
collector's sight) and a full collection of everything runs once the server has been idle for
a while, for the rare cycles frozen along with it: no new analysis and no message from the
client for `IDLE_SECONDS` (a full collection of a 50k-node program's analysis takes 100-150
ms, which a request arriving then would wait for; hovers and completions without an edit
postpone it too)."""

from __future__ import annotations

import asyncio
import gc
import math
from collections.abc import Callable

IDLE_SECONDS = 5.0


class HeapKeeper:
    def __init__(
        self, idle_seconds: float = IDLE_SECONDS, quiet_for: Callable[[], float] | None = None
    ) -> None:
        """``quiet_for``: seconds since the client's last message (none: always quiet)."""
        self.idle_seconds = idle_seconds
        self.quiet_for = quiet_for or (lambda: math.inf)
        self._timer: asyncio.TimerHandle | None = None
        self.collections = 0

    def settle(self) -> None:
        """Call after building long-lived data (a new analysis)."""
        gc.freeze()
        self._schedule(self.idle_seconds)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(delay, self.collect)

    def collect(self) -> None:
        """The full collection, once the client has been quiet for ``idle_seconds``; else
        again when it will have been, if no message comes meanwhile."""
        self._timer = None
        quiet = self.quiet_for()
        if quiet < self.idle_seconds:
            self._schedule(self.idle_seconds - quiet)
            return
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.collections += 1
