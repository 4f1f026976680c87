"""The SQLite crawl state: runs resume, URLs settle once, versions increase only on new text."""

from __future__ import annotations

from crawler.state import DETAIL, LISTING, StateStore


def test_unfinished_run_is_resumed_and_finished_run_starts_fresh(tmp_path):
    db = tmp_path / "s.sqlite"
    store = StateStore(db)
    run, resumed = store.open_run({"listing": True})
    assert not resumed
    assert store.add_pending(LISTING, [("http://h/ads?page=1", {})]) == 1
    assert store.add_pending(DETAIL, [("http://h/ad/1", {"site_ad_id": "1"}), ("http://h/ad/2", {})]) == 2
    assert store.add_pending(DETAIL, [("http://h/ad/1", {})]) == 0  # known this run: not again
    store.mark("http://h/ad/1", "done")
    store.close()

    store = StateStore(db)  # as after kill -9: a new process opens the same file
    again, resumed = store.open_run({})
    assert (again, resumed) == (run, True)
    assert [u for u, _ in store.pending(DETAIL, 10)] == ["http://h/ad/2"]
    assert [u for u, _ in store.pending(DETAIL, 10, exclude={"http://h/ad/2"})] == []
    store.mark("http://h/ads?page=1", "done")
    store.mark("http://h/ad/2", "failed", "http_500")
    assert store.counts() == {LISTING: {"done": 1}, DETAIL: {"done": 1, "failed": 1}}
    assert store.failures() == [("http://h/ad/2", "http_500")]
    store.finish_run(run)

    new, resumed = store.open_run({})
    assert new == run + 1 and not resumed and store.counts() == {}


def test_versions_increase_on_changed_text_only_and_are_kept(tmp_path):
    store = StateStore(tmp_path / "s.sqlite")
    rec = {"id": "s:1", "body": "een", "crawl": {"content_hash": "h1"}}
    v1 = store.record_ad("s:1", "h1", "2025-01-01T00:00:00Z", rec)
    assert (v1.version, v1.changed) == (1, True)
    same = store.record_ad("s:1", "h1", "2025-01-02T00:00:00Z", rec)  # re-fetch, or a resumed run
    assert (same.version, same.changed, same.first_seen) == (1, False, "2025-01-01T00:00:00Z")
    v2 = store.record_ad("s:1", "h2", "2025-01-03T00:00:00Z", {**rec, "body": "twee"})
    assert (v2.version, v2.changed, v2.first_seen) == (2, True, "2025-01-01T00:00:00Z")
    again = store.record_ad("s:1", "h2", "2025-01-04T00:00:00Z", {**rec, "body": "twee"})
    assert again.version == 2
    versions = store.versions("s:1")
    assert [v["body"] for v in versions] == ["een", "twee"]
    assert [v["crawl"]["version"] for v in versions] == [1, 2]
    assert versions[-1]["crawl"]["last_seen"] == "2025-01-04T00:00:00Z"


def test_found_by_records_each_term_once(tmp_path):
    store = StateStore(tmp_path / "s.sqlite")
    store.add_found_by("http://h/ad/1", "signalen", "jonge")
    store.add_found_by("http://h/ad/1", "signalen", "jonge")
    store.add_found_by("http://h/ad/1", "extra", "24/7")
    assert store.found_by("http://h/ad/1") == [
        {"list": "extra", "term": "24/7"},
        {"list": "signalen", "term": "jonge"},
    ]


def test_writes_are_grouped_and_a_killed_process_keeps_only_whole_groups(tmp_path):
    db = tmp_path / "s.sqlite"
    store = StateStore(db, commit_every=3, commit_s=3600)
    store.open_run({})
    store.add_pending(DETAIL, [("http://h/ad/1", {}), ("http://h/ad/2", {})])  # write 1: committed below
    store.mark("http://h/ad/1", "done")  # 2
    other = StateStore(db)  # what a new process would see if this one were killed now
    assert other.counts() == {}
    store.mark("http://h/ad/2", "done")  # 3: the group is committed
    assert other.counts() == {DETAIL: {"done": 2}}
    store.mark("http://h/ad/2", "failed", "x")  # uncommitted when "killed": ad/2 stays done
    assert other.counts() == {DETAIL: {"done": 2}}
    other.close()


def test_images_are_remembered_within_one_run_only(tmp_path):
    store = StateStore(tmp_path / "s.sqlite")
    run, _ = store.open_run({})
    entry = {"url": "http://h/img/a.png", "sha256": "ab", "phash": "cd", "warc_record_id": "<urn:uuid:1>"}
    store.remember_image(entry["url"], entry)
    assert store.image(entry["url"]) == entry and store.image("http://h/img/b.png") is None
    store.finish_run(run)
    store.open_run({})
    assert store.image(entry["url"]) is None  # a new run fetches (and proves) every image again


def test_a_new_run_is_durable_only_together_with_its_seeds(tmp_path):
    db = tmp_path / "s.sqlite"
    store = StateStore(db, commit_every=1000, commit_s=3600)
    store.open_run({})
    store.add_pending(LISTING, [("http://h/ads?page=1", {})])
    store.db.close()  # killed before the commit (an uncommitted transaction dies with the process)
    again = StateStore(db)
    assert again.open_run({})[1] is False  # no half-made run that would "resume" to nothing
    again.close()
