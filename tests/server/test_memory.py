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


async def test_the_idle_collection_waits_while_the_client_sends_messages() -> None:
    """Requests without a new analysis (hovers, completions) postpone the full collection:
    it runs once no message has come for ``idle_seconds``."""
    last_message = [asyncio.get_running_loop().time()]

    def quiet_for() -> float:
        return asyncio.get_running_loop().time() - last_message[0]

    keeper = HeapKeeper(idle_seconds=0.1, quiet_for=quiet_for)
    try:
        keeper.settle()
        for _ in range(8):  # a message every 50 ms, for 0.4 s
            await asyncio.sleep(0.05)
            last_message[0] = asyncio.get_running_loop().time()
        assert keeper.collections == 0
        await asyncio.sleep(0.3)  # then quiet
        assert keeper.collections == 1
    finally:
        gc.unfreeze()
