"""Keeping the cyclic garbage collector out of the way of requests.

An analysis of a large document is hundreds of thousands of long-lived objects. Left to the
collector, they are scanned again by the first collections after the analysis: a request
arriving then (a completion right after an edit) waits 100 ms or more for a collection that
finds nothing, since an analysis holds no reference cycles and is freed by reference counting
when its version is replaced. So each new analysis is frozen (`gc.freeze`: moved out of the
collector's sight) and a full collection of everything runs once the server has been idle for
a while, for the rare cycles frozen along with it."""

from __future__ import annotations

import asyncio
import gc

IDLE_SECONDS = 5.0


class HeapKeeper:
    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._timer: asyncio.TimerHandle | None = None
        self.collections = 0

    def settle(self) -> None:
        """Call after building long-lived data (a new analysis)."""
        gc.freeze()
        if self._timer is not None:
            self._timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(self.idle_seconds, self.collect)

    def collect(self) -> None:
        self._timer = None
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.collections += 1
