"""The network as a picture: ads as nodes, links as edges labelled by why, laid out on the server.

Edges come from two places. Exact shared values (phone, e-mail, handle, the same photo file) are read
from the ads themselves, so the picture matches the ad pages even before ``signaal link`` ran again.
Similarity links (near-identical photo with its Hamming distance, near-identical text with its
similarity) come from the links index, where linking wrote them pairwise.

Readable at 200 ads: a group of three or more ads joined by one reason is a clique of n(n-1)/2 edges;
it is drawn as one hub node with a spoke to each ad (groups with the same members and several reasons
share one hub, its label listing them). Similarity links of one kind are collapsed the same way when
their component is dense (at least half of its pairs linked); sparse chains stay pairwise edges.

The layout is Fruchterman-Reingold (force-directed) in NumPy, deterministic (seeded from the node ids),
and cached per node and edge set, so reloading a network page costs nothing.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from threading import Lock

import numpy as np

VALUE_REASONS = {"phone": "same phone", "email": "same e-mail", "handle": "same handle", "photo": "same photo"}
SIMILAR_REASONS = {"image_phash": "similar photo", "text": "near-identical text"}
WIDTH, HEIGHT, PAD = 960, 620, 40
ITERATIONS = 80
LAYOUT_CACHE = 64
MAX_EDGE_LABELS = 60  # more pairwise edges than this: labels as tooltips only


@dataclass
class Node:
    id: str
    label: str
    hub: bool = False
    risk: str = "low"  # low | mid | high (priority)
    status: str = "new"
    reasons: list[str] = field(default_factory=list)  # hubs: why its ads are joined
    size: int = 1
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Edge:
    source: int
    target: int
    kind: str
    label: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    width: int = WIDTH
    height: int = HEIGHT
    labelled: bool = True  # edge labels drawn (else tooltips only)

    @property
    def ads(self) -> int:
        return sum(1 for node in self.nodes if not node.hub)


def risk_band(priority: float | None) -> str:
    if priority is not None and priority >= 0.75:
        return "high"
    return "mid" if priority is not None and priority >= 0.5 else "low"


def _values(ad: dict) -> Iterable[tuple[str, str]]:
    ents = ad.get("entities") or {}
    yield from (("phone", v) for v in ents.get("phones") or [])
    yield from (("email", v) for v in ents.get("emails") or [])
    for handle in ents.get("handles") or []:
        if isinstance(handle, dict) and handle.get("handle"):
            yield "handle", f"{handle.get('platform')}:{handle['handle']}"
    for image in ad.get("images") or []:
        if isinstance(image, dict) and image.get("sha256") and not image.get("error"):
            yield "photo", image["sha256"]


def _value_label(kind: str, value: str) -> str:
    return VALUE_REASONS[kind] if kind == "photo" else f"{VALUE_REASONS[kind]}: {value}"


def _similar_label(link: dict) -> str:
    if link.get("kind") == "image_phash" and link.get("distance") is not None:
        return f"similar photo ({link['distance']}/64 bits differ)"
    if link.get("kind") == "text" and link.get("similarity") is not None:
        return f"near-identical text (~{link['similarity']:.0%})"
    return SIMILAR_REASONS.get(link.get("kind", ""), str(link.get("kind")))


def _components(pairs: list[tuple[int, int]]) -> list[set[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[int, set[int]] = defaultdict(set)
    for x in list(parent):
        groups[find(x)].add(x)
    return list(groups.values())


def build_graph(ads: list[dict], links: list[dict]) -> Graph:
    """Nodes and edges (with positions) for the ads of a network and their similarity links."""
    ads = sorted(ads, key=lambda ad: ad["id"])
    index = {ad["id"]: i for i, ad in enumerate(ads)}
    nodes = [
        Node(
            ad["id"],
            ad.get("title") or ad["id"],
            risk=risk_band(ad.get("priority")),
            status=(ad.get("triage") or {}).get("status") or "new",
        )
        for ad in ads
    ]
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, ad in enumerate(ads):
        for key in _values(ad):
            groups[key].add(i)
    hubs: dict[frozenset[int], list[str]] = defaultdict(list)
    pairs: list[tuple[int, int, str, str]] = []  # (a, b, kind, label)
    for (kind, value), members in sorted(groups.items()):
        if len(members) >= 3:
            hubs[frozenset(members)].append(_value_label(kind, value))
        elif len(members) == 2:
            a, b = sorted(members)
            pairs.append((a, b, kind, _value_label(kind, value)))
    by_kind: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for link in links:
        members = sorted({index[i] for i in link.get("ad_ids") or [] if i in index})
        for a, b in itertools.combinations(members, 2):
            by_kind[link.get("kind", "")].append((a, b, _similar_label(link)))
    for kind, edges in sorted(by_kind.items()):
        unique = {(a, b): label for a, b, label in edges}
        for component in _components(list(unique)):
            inside = [(a, b) for a, b in unique if a in component]
            possible = len(component) * (len(component) - 1) / 2
            if len(component) >= 3 and len(inside) >= possible / 2:
                hubs[frozenset(component)].append(
                    f"{SIMILAR_REASONS.get(kind, kind)} ({len(inside)} of {int(possible)} pairs)"
                )
            else:
                pairs += [(a, b, kind, unique[(a, b)]) for a, b in inside]
    spokes: list[tuple[int, int, str]] = []
    for members, reasons in sorted(hubs.items(), key=lambda item: (-len(item[0]), item[1])):
        hub = len(nodes)
        nodes.append(Node(f"hub-{hub}", " · ".join(reasons), hub=True, reasons=reasons, size=len(members)))
        spokes += [(hub, member, "hub") for member in sorted(members)]
    pair_edges = [(a, b, kind) for a, b, kind, _ in pairs]
    positions = _cached_layout([n.id for n in nodes], [(a, b) for a, b, _ in spokes + pair_edges])
    for node, (x, y) in zip(nodes, positions, strict=True):
        node.x, node.y = float(x), float(y)
    edges = [_edge(nodes, a, b, "hub", "") for a, b, _ in spokes]
    edges += [_edge(nodes, a, b, kind, label) for a, b, kind, label in pairs]
    return Graph(nodes, edges, labelled=len(pairs) <= MAX_EDGE_LABELS)


def _edge(nodes: list[Node], a: int, b: int, kind: str, label: str) -> Edge:
    return Edge(a, b, kind, label, nodes[a].x, nodes[a].y, nodes[b].x, nodes[b].y)


_layouts: OrderedDict[str, np.ndarray] = OrderedDict()
_lock = Lock()


def _cached_layout(ids: list[str], edges: list[tuple[int, int]]) -> np.ndarray:
    key = hashlib.sha256(repr((ids, sorted(edges))).encode()).hexdigest()
    with _lock:
        if key in _layouts:
            _layouts.move_to_end(key)
            return _layouts[key]
    positions = layout(len(ids), edges, seed=int(key[:8], 16))
    with _lock:
        _layouts[key] = positions
        while len(_layouts) > LAYOUT_CACHE:
            _layouts.popitem(last=False)
    return positions


def layout(n: int, edges: list[tuple[int, int]], *, seed: int = 0, iterations: int = ITERATIONS) -> np.ndarray:
    """Fruchterman-Reingold positions in the drawing area (n x 2), with a weak pull to the centre so
    separate components stay on the canvas."""
    if n == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n == 1:
        return _fit(pos)
    k = np.sqrt(1.0 / n)
    src = np.array([a for a, _ in edges], dtype=int)
    dst = np.array([b for _, b in edges], dtype=int)
    temperature = 0.1
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        scale = k * k / np.maximum(dx * dx + dy * dy, 1e-4)  # repulsion k^2/d along the unit vector
        fx, fy = (dx * scale).sum(axis=1), (dy * scale).sum(axis=1)
        if len(src):
            ex, ey = x[src] - x[dst], y[src] - y[dst]
            pull = np.sqrt(ex * ex + ey * ey) / k  # attraction d^2/k along the unit vector
            np.add.at(fx, src, -ex * pull)
            np.add.at(fy, src, -ey * pull)
            np.add.at(fx, dst, ex * pull)
            np.add.at(fy, dst, ey * pull)
        fx += (0.5 - x) * k  # gravity
        fy += (0.5 - y) * k
        length = np.maximum(np.sqrt(fx * fx + fy * fy), 1e-9)
        step = np.minimum(length, temperature) / length
        x += fx * step
        y += fy * step
        temperature *= 0.95
    pos = np.column_stack((x, y))
    return _fit(pos)


def _fit(pos: np.ndarray) -> np.ndarray:
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    unit = (pos - lo) / span
    if len(pos) == 1:
        unit[:] = 0.5
    return np.column_stack((PAD + unit[:, 0] * (WIDTH - 2 * PAD), PAD + unit[:, 1] * (HEIGHT - 2 * PAD)))
