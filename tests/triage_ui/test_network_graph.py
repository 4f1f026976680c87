"""The network graph stays readable at 200 ads: one-reason groups become hubs, layout stays on the canvas."""

from __future__ import annotations

import random
from pathlib import Path

from tests.triage_ui.conftest import settings_for_tests
from triage_ui.render.geomap import draw_map
from triage_ui.render.network_graph import HEIGHT, WIDTH, build_graph
from triage_ui.store.places import Place


def _network(n: int = 200) -> tuple[list[dict], list[dict]]:
    rng = random.Random(3)
    ads = [
        {
            "id": f"s:{i:04d}",
            "title": f"Listing {i}",
            "priority": rng.random(),
            "triage": {"status": rng.choice(["new", "lead", "escalate_minor"])},
            "entities": {"phones": [f"+3161234{i // 20:04d}"], "emails": [], "handles": []},
            "images": [{"sha256": f"{i // 5:064x}"}],
        }
        for i in range(n)
    ]
    template = [f"s:{i:04d}" for i in range(0, 12)]
    links = [{"kind": "text", "ad_ids": [a, b], "similarity": 0.9} for a in template for b in template if a < b]
    links.append({"kind": "image_phash", "ad_ids": ["s:0100", "s:0150"], "distance": 6})
    return ads, links


def test_cliques_collapse_into_hubs_and_pairs_keep_their_measure():
    ads, links = _network()
    graph = build_graph(ads, links)
    hubs = [node for node in graph.nodes if node.hub]
    assert graph.ads == 200 and len(graph.edges) < 3 * 200  # a clique of 20 would be 190 edges alone
    assert any(node.label.startswith("same phone: +31612340000") for node in hubs)
    assert any("near-identical text (66 of 66 pairs)" in node.label for node in hubs)
    assert any(edge.label == "similar photo (6/64 bits differ)" for edge in graph.edges)
    assert all(0 <= node.x <= WIDTH and 0 <= node.y <= HEIGHT for node in graph.nodes)


def test_layout_is_deterministic_and_colours_follow_risk_and_decision():
    ads, links = _network(40)
    first, second = build_graph(ads, links), build_graph(list(reversed(ads)), links)
    assert [(n.id, round(n.x, 3), round(n.y, 3)) for n in first.nodes] == [
        (n.id, round(n.x, 3), round(n.y, 3)) for n in second.nodes
    ]
    node = next(n for n in first.nodes if n.id == "s:0000")
    assert node.status == ads[0]["triage"]["status"] and node.risk in ("low", "mid", "high")


def test_map_draws_natural_earth_boundaries_and_lists_places_outside_it():
    places = [Place("Utrecht", 52.09, 5.12, 4, 1), Place("Berlin", 52.52, 13.4, 1, 0)]
    geo = draw_map(places, settings_for_tests().basemap)
    assert any(c.name == "Netherlands" and c.home and c.path.startswith("M") for c in geo.countries)
    assert [m.name for m in geo.markers] == ["Utrecht"] and [p.name for p in geo.outside] == ["Berlin"]
    assert 0 < geo.markers[0].x < geo.width and 0 < geo.markers[0].y < geo.height
    missing = draw_map([Place("Utrecht", 52.09, 5.12, 1, 0)], Path("/nonexistent/countries.json"))
    assert missing.countries == () and "setup.sh" in missing.note and missing.markers
