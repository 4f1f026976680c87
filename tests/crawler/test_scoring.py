"""The scoring worker rebuilds its spaCy pipelines every N ads and is replaced when it dies, without
losing or reordering an ad; no worker process is left behind."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import psutil

from crawler.pipelines.scoring import ScoringPipeline


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def record(i: int) -> dict[str, Any]:
    return {"id": f"test:{i}", "site": "test", "title": f"Fiets te koop {i}", "body": f"Nette fiets, ophalen {i}."}


def worker_pids() -> set[int]:
    return {
        p.pid
        for p in psutil.Process().children()
        if "resource_tracker" not in " ".join(p.cmdline())  # multiprocessing's helper lives on by design
    }


def test_pipelines_rebuilt_every_n_ads_and_a_killed_worker_replaced_without_losing_an_ad() -> None:
    stats = Stats()
    before = worker_pids()

    async def crawl(pipe: ScoringPipeline, ids: range) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i in range(ids.start, ids.stop, 4):  # batches of 4, one after the other, as items arrive
            out += await asyncio.gather(*(pipe.process_item(record(j)) for j in range(i, min(i + 4, ids.stop))))
        return out

    async def run() -> list[dict[str, Any]]:
        pipe = ScoringPipeline(stats, batch_size=4, reload_ads=8)
        pipe.open_spider()
        scored = await crawl(pipe, range(0, 24))  # 6 batches: rebuilt before the 3rd and the 5th
        assert pipe._pool is not None
        (pid,) = pipe._pool._processes
        os.kill(pid, signal.SIGKILL)  # the OS kills the worker
        scored += await crawl(pipe, range(24, 32))
        await pipe.close_spider()
        return scored

    scored = asyncio.run(run())
    assert stats.values == {
        "signaal/score/ads": 32,
        "signaal/score/nlp_reloaded": 2,
        "signaal/score/worker_restarted": 1,
    }
    assert [r["id"] for r in scored] == [f"test:{i}" for i in range(32)]
    assert all("risk" in r and "language" in r for r in scored)
    assert worker_pids() == before, "every worker, the dead one and the current one, has exited"
