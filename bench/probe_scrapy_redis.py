"""Measure whether scrapy-redis's shared frontier works with the pinned Scrapy, and whether it survives kill -9.

Not a dependency of Signaal (docs/deployment.md, "One site over several processes"
says why): install it apart and point PYTHONPATH at it, then run this probe.

    apt-get install -y redis-server
    .venv/bin/pip install --target /tmp/scrapy-redis --no-deps scrapy-redis==0.9.1 redis==8.2.0
    PYTHONPATH=$PWD:/tmp/scrapy-redis .venv/bin/python bench/probe_scrapy_redis.py

It starts Debian's redis-server on a free loopback port and the prikbord fixture
site, and crawls the site with two Scrapy processes sharing scrapy-redis's
scheduler and dupefilter, three ways: both run to the end; one is killed with
SIGKILL mid-crawl and a new process resumes from the persisted queue; and the
RedisSpider start (start URLs read from a Redis list). Prints one table.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from devtools.es_node.node import free_port
from devtools.fixture_sites import start_sites

SPIDER = r"""
import json, os, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy_redis.spiders import RedisSpider

BASE, OUT = os.environ["PROBE_BASE"], os.environ["PROBE_OUT"]

def links(response):
    return response.css("a.ad-link::attr(href)").getall() + response.css("a[rel=next]::attr(href)").getall()

def parse(spider, response):
    with open(OUT, "a") as fh:
        fh.write(response.url + "\n")
    for href in links(response):
        yield response.follow(href, spider.parse)

class Plain(scrapy.Spider):
    name = "probe"
    parse = parse
    async def start(self):
        yield scrapy.Request(BASE + "/ads?page=1")

class FromRedis(RedisSpider):  # start requests come from the Redis list (RedisSpider's own start)
    name = "probe"
    redis_key = "probe:start_urls"
    parse = parse

process = CrawlerProcess({
    "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_PERSIST": True,
    "SCHEDULER_IDLE_BEFORE_CLOSE": 2,
    "MAX_IDLE_TIME_BEFORE_CLOSE": int(os.environ.get("PROBE_IDLE_CLOSE", "0")),
    "REDIS_URL": os.environ["PROBE_REDIS"],
    "ROBOTSTXT_OBEY": False,
    "CONCURRENT_REQUESTS": 4,
    "DOWNLOAD_DELAY": float(os.environ.get("PROBE_DELAY", "0")),
    "TELNETCONSOLE_ENABLED": False,
})
crawler = process.create_crawler(FromRedis if os.environ["PROBE_MODE"] == "redis_spider" else Plain)
process.crawl(crawler)
process.start()
print("FINISH", crawler.stats.get_value("finish_reason"), flush=True)
"""


def _spawn(tmp: Path, env: dict[str, str], name: str) -> tuple[subprocess.Popen[bytes], Path]:
    out = tmp / f"{name}.urls"
    out.touch()
    log = (tmp / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(tmp / "spider.py")], env={**env, "PROBE_OUT": str(out)}, stdout=log, stderr=log
    )
    return proc, out


def _urls(paths: list[Path]) -> list[str]:
    return [u for p in paths for u in p.read_text().split()]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="probe-scrapy-redis-"))
    (tmp / "spider.py").write_text(SPIDER)
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp)],
        stdout=subprocess.PIPE,
        text=True,
    )
    rows = []
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "Ready to accept connections" in line:
                break
        with start_sites(seed=3, n_ads=200) as sites:
            expected = {f"{sites.prikbord_url}/ad/{ad['site_ad_id']}" for ad in sites.corpus.site_ads("prikbord")}
            for db, mode in enumerate(("together", "kill -9 and resume", "redis_spider"), start=1):
                env = {
                    **os.environ,
                    "PROBE_BASE": sites.prikbord_url,
                    "PROBE_REDIS": f"redis://127.0.0.1:{port}/{db}",
                    "PROBE_MODE": "redis_spider" if mode == "redis_spider" else "plain",
                    "PROBE_DELAY": "0.25" if mode.startswith("kill") else "0",
                    "PROBE_IDLE_CLOSE": "5" if mode == "redis_spider" else "0",
                }
                if mode == "redis_spider":
                    redis.Redis(port=port, db=db).lpush("probe:start_urls", f"{sites.prikbord_url}/ads?page=1")
                procs = [_spawn(tmp, env, f"{db}-a"), _spawn(tmp, env, f"{db}-b")]
                note = ""
                if mode.startswith("kill"):
                    victim, victim_out = procs[0]
                    deadline = time.monotonic() + 120
                    while len(victim_out.read_text().split()) < 8 and time.monotonic() < deadline:
                        time.sleep(0.05)
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    procs[1][0].wait(timeout=300)
                    procs.append(_spawn(tmp, env, f"{db}-c"))  # a new process resumes the persisted queue
                    pages = len(victim_out.read_text().split())
                    note = f"a killed (SIGKILL) after {pages} pages; c started after b finished"
                for proc, _ in procs:
                    proc.wait(timeout=300)
                fetched = _urls([out for _, out in procs])
                details = [u for u in fetched if "/ad/" in u]
                rows.append((mode, len(fetched), len(set(fetched)), len(expected - set(details)), len(expected), note))
    finally:
        server.terminate()
        server.wait()
    print(f"{'mode':22} {'pages':>6} {'unique':>6} {'ads never fetched':>17} {'ads':>5}  note")
    for mode, pages, unique, missing, total, note in rows:
        print(f"{mode:22} {pages:>6} {unique:>6} {missing:>17} {total:>5}  {note}")
    print(json.dumps({"log_dir": str(tmp)}))


if __name__ == "__main__":
    main()
