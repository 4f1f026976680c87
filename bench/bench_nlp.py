"""Benchmark ``nlp.analyze`` against a spaCy-tokenizer-only baseline, in one process, one core.

Usage: python bench/bench_nlp.py [--n-ads 3000] [--chars 500] [--seed 7] [--no-phone-memo]
       python bench/bench_nlp.py --before main [--rounds 5] [--n-ads 3000]
       valgrind --tool=callgrind --instr-atstart=no python bench/bench_nlp.py --instructions 150
       valgrind --tool=callgrind --instr-atstart=no python bench/bench_nlp.py --stage-instructions 150

Ads come from the fixture generator, with bodies joined or cut to about
``--chars`` characters so the measurement matches the issue's "500-character
ads". Prints throughput (CPU-time based, the honest per-core rate on a shared
machine, and wall clock), per-ad latency percentiles, peak RSS and the CPU
cost of each pipeline stage; the target is >= 1,500 ads/s per core and < 500 MB. Phone parses
are memoised (the generator repeats numbers more than real ads do): ``--no-phone-memo`` gives
the rate without that help, and the memo's hit rate is printed.

``--before REF`` is the same-run baseline for a change to ``nlp/``: it extracts ``nlp/`` as it is at
the git revision REF (lexicons, data and code) and measures ``analyze`` on the same ads with it and
with the working tree's ``nlp/``, alternating (before, after) in fresh processes for ``--rounds``
rounds, so both see the same machine load; it prints each round's ads per CPU-second and the medians.

CPU time on a shared machine moves by 20-30 % between runs of the same code. ``--instructions N``
(under callgrind, as above) counts only the instructions of ``analyze`` on N ads after a warm-up
(memo off), which repeats exactly: the ``totals`` line of the callgrind output divided by N.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from nlp.tokenizer import ChunkCachedTokenizer


def make_ads(n: int, chars: int, seed: int) -> list[dict]:
    from devtools.fixture_sites import generate

    corpus = generate(seed=seed, n_ads=max(50, n // 3), epoch=1)
    bodies = [a["body"] for a in corpus.ads]
    ads, i = [], 0
    while len(ads) < n:
        body = ""
        while len(body) < chars:
            body += bodies[i % len(bodies)] + "\n"
            i += 1
        src = corpus.ads[len(ads) % len(corpus.ads)]
        ads.append({"id": f"bench:{len(ads)}", "title": src["title"], "body": body[:chars]})
    return ads


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def pipeline_tokenizer(lang: str) -> ChunkCachedTokenizer:
    """A new tokenizer built from the ``[nlp.tokenizer]`` section of ``lang``'s pipeline config."""
    import spacy
    from spacy import util

    import nlp.tokenizer  # noqa: F401  (registers signaal.Tokenizer.v1)
    from nlp.pipeline import CONFIG_DIR

    section = util.load_config(CONFIG_DIR / f"{lang}.cfg")["nlp"]["tokenizer"]
    return util.registry.resolve({"tokenizer": section})["tokenizer"](spacy.blank(lang))


def stage_costs(ads: list[dict]) -> dict[str, float]:
    """CPU milliseconds per ad of each stage of ``nlp.analyze``, run stage by stage (best of 3 rounds).

    Same work as ``analyze`` (language, tokenizer, every component, output dicts), timed around each
    step; the sum is a little above the batch rate because of the timer calls.
    """
    from nlp import analyzer
    from nlp.components import make_doc
    from nlp.langid import identify
    from nlp.pipeline import get_pipeline, languages

    known = set(languages())
    best: dict[str, float] = {}
    clock = time.process_time
    for _ in range(3):
        spent: dict[str, float] = {}
        for ad in ads:
            title, body = analyzer.field_text(ad.get("title")), analyzer.field_text(ad.get("body"))
            t = clock()
            lang = identify(f"{title}\n{body}")
            spent["language"] = spent.get("language", 0.0) + clock() - t
            pipeline = get_pipeline(lang if lang in known else "nl")
            t = clock()
            doc = make_doc(pipeline, title + analyzer.SEPARATOR + body)
            spent["tokenizer"] = spent.get("tokenizer", 0.0) + clock() - t
            for name, component in pipeline.pipeline:
                t = clock()
                doc = component(doc)
                spent[name] = spent.get(name, 0.0) + clock() - t
            t = clock()
            state = doc._.signaal
            analyzer._entities(state), analyzer._indicators(state, title, body)
            spent["output dicts"] = spent.get("output dicts", 0.0) + clock() - t
        for stage, seconds in spent.items():
            best[stage] = min(best.get(stage, float("inf")), seconds * 1000 / len(ads))
    return best


def warmed_up_under_callgrind(n: int, chars: int, seed: int, option: str) -> tuple[list[dict], str, str]:
    """The bench ads after a warm-up with the phone memo off, callgrind_control's path and this process' id:
    what both instruction counts need before they switch collection on."""
    import shutil

    import nlp
    from nlp.extract import phones

    ads = make_ads(max(3000, n + 1000), chars, seed)
    list(nlp.analyze(ads[:300]))
    phones.use_parse_memo(False)
    control = shutil.which("callgrind_control")
    if control is None:
        raise SystemExit(f"{option} needs valgrind's callgrind_control on PATH")
    return ads, control, str(os.getpid())


def count_instructions(n: int, chars: int, seed: int) -> None:
    """Switch callgrind's collection on around ``analyze`` of ``n`` ads (after a warm-up of 300)."""
    import subprocess

    import nlp

    ads, control, pid = warmed_up_under_callgrind(n, chars, seed, "--instructions")
    subprocess.run([control, "-i", "on", pid], check=True, capture_output=True)
    for _ in nlp.analyze(ads[1000 : 1000 + n]):
        pass
    subprocess.run([control, "-i", "off", pid], check=True, capture_output=True)
    print(f"{n} ads analyzed with collection on: instructions per ad = callgrind totals / {n}")


def count_stage_instructions(n: int, chars: int, seed: int) -> None:
    """Under callgrind: switch collection on around one stage at a time, over ``n`` ads (after a warm-up).

    Stage k runs on docs brought to it by the earlier stages with collection off, so each stage's
    instructions are counted alone; callgrind_control's dump after each stage writes its count (the
    ``totals`` line of ``<out>.<k>``, divided by ``n``). The same work as ``analyze`` (language,
    tokenizer, every component, output dicts), ad by ad instead of in a batch.
    """

    from nlp import analyzer
    from nlp.components import make_doc
    from nlp.langid import identify
    from nlp.pipeline import get_pipeline, languages

    ads, control, pid = warmed_up_under_callgrind(n, chars, seed, "--stage-instructions")
    known = set(languages())
    chosen = ads[1000 : 1000 + n]
    texts = [(analyzer.field_text(a.get("title")), analyzer.field_text(a.get("body"))) for a in chosen]
    langs = [identify(f"{title}\n{body}") for title, body in texts]
    pipelines = [get_pipeline(lang if lang in known else "nl") for lang in langs]
    names = [name for name, _ in pipelines[0].pipeline]

    def counted(stage: str, work: Callable[[], object]) -> None:
        subprocess.run([control, "-i", "on", pid], check=True, capture_output=True)
        work()
        subprocess.run([control, "-i", "off", pid], check=True, capture_output=True)
        subprocess.run([control, "-d", stage, pid], check=True, capture_output=True)

    counted("language", lambda: [identify(f"{title}\n{body}") for title, body in texts])
    joined = [title + analyzer.SEPARATOR + body for title, body in texts]
    counted("tokenizer", lambda: [make_doc(p, text) for p, text in zip(pipelines, joined, strict=True)])
    for k, name in enumerate(names):
        docs = [make_doc(p, text) for p, text in zip(pipelines, joined, strict=True)]
        for doc, p in zip(docs, pipelines, strict=True):
            for _, component in p.pipeline[:k]:
                component(doc)
        components = [p.pipeline[k][1] for p in pipelines]
        counted(name, lambda docs=docs, components=components: [c(d) for c, d in zip(components, docs, strict=True)])
    states = [doc._.signaal for doc in docs]  # the last loop ran every stage on these docs
    counted(
        "output dicts",
        lambda: [
            (analyzer._entities(s), analyzer._indicators(s, t, b)) for s, (t, b) in zip(states, texts, strict=True)
        ],
    )
    print(f"{n} ads, stage by stage: instructions per ad of a stage = totals of its dump / {n}")


REPO = Path(__file__).resolve().parents[1]
REPO = Path(__file__).resolve().parents[1]


def analyze_rate(n: int, chars: int, seed: int, memo: bool) -> float:
    """Ads per CPU-second of ``nlp.analyze`` (whichever ``nlp`` is on the path), after a warm-up."""
    import nlp
    from nlp.extract import phones
    from nlp.pipeline import get_pipeline

    ads = make_ads(n, chars, seed)
    get_pipeline("nl"), get_pipeline("en")
    list(nlp.analyze(ads[:200]))
    phones.use_parse_memo(memo)
    c0 = time.process_time()
    for _ in nlp.analyze(ads, batch_size=256):
        pass
    return rate(len(ads), time.process_time() - c0)


def compare(args: argparse.Namespace) -> None:
    """``--before REF``: the analyze rate of REF's ``nlp/`` and of the working tree's, alternating."""
    archive = subprocess.run(["git", "archive", args.before, "nlp"], cwd=REPO, capture_output=True, check=False)
    if archive.returncode:
        raise SystemExit(f"cannot read nlp/ at {args.before!r}: {archive.stderr.decode().strip()}")
    with tempfile.TemporaryDirectory(prefix="bench-nlp-before-") as before_root:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(before_root, filter="data")
        paths = {"before": f"{before_root}{os.pathsep}{REPO}", "after": str(REPO)}
        rates: dict[str, list[float]] = {"before": [], "after": []}
        command = [sys.executable, __file__, "--rate-only", "--n-ads", str(args.n_ads), "--chars", str(args.chars)]
        command += ["--seed", str(args.seed)] + (["--no-phone-memo"] if args.no_phone_memo else [])
        print(f"nlp.analyze, {args.n_ads} ads of ~{args.chars} chars, 1 core, fresh process per run")
        print(f"{'round':<8}{'before ' + args.before:>22}{'after (working tree)':>24}{'after/before':>14}")
        for round_no in range(1, args.rounds + 1):
            for label in ("before", "after"):
                env = {**os.environ, "PYTHONPATH": paths[label]}
                out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                rates[label].append(float(out.split()[-1]))
            b, a = rates["before"][-1], rates["after"][-1]
            print(f"{round_no:<8}{b:>22.0f}{a:>24.0f}{a / b:>14.2f}")
        b, a = statistics.median(rates["before"]), statistics.median(rates["after"])
        print(f"{'median':<8}{b:>22.0f}{a:>24.0f}{a / b:>14.2f}   (ads per CPU-second)")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-ads", type=int, default=3000)
    parser.add_argument("--chars", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-phone-memo",
        action="store_true",
        help="parse every phone candidate with phonenumbers (no memo of repeated numbers)",
    )
    parser.add_argument(
        "--instructions",
        type=int,
        metavar="N",
        help="under callgrind (--instr-atstart=no): count only analyze on N ads, memo off, then stop",
    )
    parser.add_argument(
        "--stage-instructions",
        type=int,
        metavar="N",
        help="under callgrind (--instr-atstart=no): count each stage alone on N ads (one dump per stage)",
    )
    parser.add_argument("--before", metavar="REF", help="also measure nlp/ as of git REF, alternating (baseline)")
    parser.add_argument("--rounds", type=int, default=3, help="with --before: before/after pairs to run")
    parser.add_argument("--rate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rate_only:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        print(f"RATE {analyze_rate(args.n_ads, args.chars, args.seed, not args.no_phone_memo):.1f}")
        return
    if args.before:
        compare(args)
        return
    if args.instructions:
        count_instructions(args.instructions, args.chars, args.seed)
        return
    if args.stage_instructions:
        count_stage_instructions(args.stage_instructions, args.chars, args.seed)
        return
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # "per core": pin to one CPU
    proc = psutil.Process()

    import spacy

    import nlp
    from nlp.extract import phones
    from nlp.pipeline import get_pipeline

    ads = make_ads(args.n_ads, args.chars, args.seed)
    texts = [a["title"] + "\n\n\n\n" + a["body"] for a in ads]
    mean_chars = statistics.mean(len(t) for t in texts)

    blank = spacy.blank("nl")
    list(blank.pipe(texts[:200]))
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in blank.pipe(texts, batch_size=256):
        pass
    baseline, baseline_cpu = time.perf_counter() - t0, time.process_time() - c0

    # Timed before analyze, which would warm the pipeline's own tokenizer cache on these very texts: a
    # fresh one as the nl config builds it, on a fresh vocabulary, warmed like the baseline above.
    tokenizer = pipeline_tokenizer("nl")
    list(tokenizer.pipe(texts[:200]))
    t0, c0 = time.perf_counter(), time.process_time()
    for text in texts:
        tokenizer(text)
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0

    get_pipeline("nl"), get_pipeline("en")  # load outside the timing, like a long-running worker
    list(nlp.analyze(ads[:200]))
    phones.use_parse_memo(not args.no_phone_memo)  # the timed run starts with an empty memo
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in nlp.analyze(ads, batch_size=256):
        pass
    full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    memo = phones.parse_memo_info()

    latencies = []
    for a in ads[:500]:
        t = time.perf_counter()
        list(nlp.analyze([a], batch_size=1))
        latencies.append((time.perf_counter() - t) * 1000)
    q = statistics.quantiles(latencies, n=100)

    peak_mb = max(proc.memory_info().rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) / 2**20
    print(f"{len(ads)} ads, mean {mean_chars:.0f} chars (title + body), 1 core")
    # ads per CPU-second is the per-core rate even on a shared machine; wall-clock rate is shown too.
    print(f"{'run':<34}{'ads/s wall':>12}{'ads/CPU-s':>12}{'x baseline':>12}")
    print(
        f"{'spaCy tokenizer only (blank nl)':<34}{rate(len(ads), baseline):>12.0f}"
        f"{rate(len(ads), baseline_cpu):>12.0f}{1.0:>12.2f}"
    )
    print(
        f"{'pipeline tokenizer (signaal_v1)':<34}{rate(len(ads), ours):>12.0f}"
        f"{rate(len(ads), ours_cpu):>12.0f}{baseline_cpu / ours_cpu:>12.2f}"
    )
    print(
        f"{'nlp.analyze (batch 256)':<34}{rate(len(ads), full):>12.0f}"
        f"{rate(len(ads), full_cpu):>12.0f}{baseline_cpu / full_cpu:>12.2f}"
    )
    if memo is None:
        print("phone parse memo: off (every candidate parsed by phonenumbers)")
    else:
        calls = memo.hits + memo.misses
        print(f"phone parse memo: {memo.hits}/{calls} hits ({memo.hits / max(calls, 1):.0%}) in the timed run")
    print(f"single-ad latency ms: p50 {q[49]:.2f}  p95 {q[94]:.2f}  p99 {q[98]:.2f}  max {max(latencies):.2f}")
    verdict = "ok" if rate(len(ads), full_cpu) >= 1500 else "BELOW TARGET"
    print(f"peak RSS {peak_mb:.0f} MB (target < 500)   target >= 1500 ads per CPU-second: {verdict}")
    costs = stage_costs(ads[: min(len(ads), 1000)])
    print("CPU ms per ad by stage: " + "  ".join(f"{k} {v:.3f}" for k, v in costs.items()))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
