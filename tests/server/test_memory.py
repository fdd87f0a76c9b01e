"""The server's garbage-collector policy: each analysis frozen, a full collection when idle."""

from __future__ import annotations

import asyncio
import gc
import weakref

from lexis_ls.server.memory import HeapKeeper


class Cyclic:
    def __init__(self) -> None:
        self.me = self


async def test_settle_freezes_and_the_idle_collection_frees_frozen_cycles() -> None:
    keeper = HeapKeeper(idle_seconds=0.05)
    try:
        planted = Cyclic()
        alive = weakref.ref(planted)
        del planted  # cyclic garbage, not yet collected
        keeper.settle()
        assert gc.get_freeze_count() > 0
        gc.collect()
        assert alive() is not None  # frozen: invisible to the collector
        keeper.settle()  # a new analysis postpones the idle collection
        await asyncio.sleep(0.2)
        assert keeper.collections == 1
        assert alive() is None
        assert gc.get_freeze_count() > 0  # refrozen after collecting
    finally:
        gc.unfreeze()
