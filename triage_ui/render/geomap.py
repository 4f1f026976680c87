"""Server-side SVG map: Natural Earth country boundaries (npm ``world-atlas`` TopoJSON) and ads per place.

Why server-side: no tile server, no map library in the browser, nothing for the CSP to allow, and the
picture prints. The base map is decoded once per process (TopoJSON arcs are delta-encoded integers on a
grid, ``transform`` maps them to degrees), projected into the frame of ``data/map.yaml`` and simplified to
sub-pixel detail; only the place markers change per request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import orjson

from triage_ui import data


class BasemapMissingError(RuntimeError):
    """The boundary file is not installed (run scripts/setup.sh); the map is drawn without it."""


@dataclass(frozen=True)
class Frame:
    west: float
    east: float
    south: float
    north: float
    width: float

    @cached_property
    def _cos_mid(self) -> float:
        return math.cos(math.radians((self.north + self.south) / 2))

    @cached_property
    def x_scale(self) -> float:
        return self.width / ((self.east - self.west) * self._cos_mid)

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.x_scale

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self._cos_mid * self.x_scale, (self.north - lat) * self.x_scale

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


@dataclass(frozen=True)
class CountryShape:
    name: str
    path: str  # SVG path data
    home: bool


def frame() -> Frame:
    cfg = data.load("map")
    return Frame(**cfg["frame"], width=float(cfg["width"]))


def _decode_arcs(topology: dict, wanted: set[int]) -> dict[int, list[tuple[float, float]]]:
    """Arcs ``wanted`` in degrees (the rest of the world is never decoded)."""
    scale_x, scale_y = topology["transform"]["scale"]
    move_x, move_y = topology["transform"]["translate"]
    arcs = {}
    for i in wanted:
        x = y = 0
        points = []
        for dx, dy in topology["arcs"][i]:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        arcs[i] = points
    return arcs


def _ring(arcs: dict[int, list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    """A closed ring from arc indexes (``~i`` = arc ``i`` reversed); shared end points appear once."""
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def _clip(points: list[tuple[float, float]], width: float, height: float) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the part of a projected ring inside the drawing (plus a 2-unit border)."""
    edges = (
        (lambda p: p[0] >= -2, lambda a, b: _cross_x(a, b, -2)),
        (lambda p: p[0] <= width + 2, lambda a, b: _cross_x(a, b, width + 2)),
        (lambda p: p[1] >= -2, lambda a, b: _cross_y(a, b, -2)),
        (lambda p: p[1] <= height + 2, lambda a, b: _cross_y(a, b, height + 2)),
    )
    for inside, cross in edges:
        if not points:
            break
        clipped = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    clipped.append(cross(previous, point))
                clipped.append(point)
            elif inside(previous):
                clipped.append(cross(previous, point))
            previous = point
        points = clipped
    return points


def _cross_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    return x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])


def _cross_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    return a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y


def _path(ring: list[tuple[float, float]], view: Frame, tolerance: float) -> str:
    projected = _clip([view.project(lon, lat) for lon, lat in ring], view.width, view.height)
    kept: list[tuple[float, float]] = []
    for x, y in projected:
        if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= tolerance:
            kept.append((x, y))
    if len(kept) < 3:
        return ""
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z"


@cache
def country_shapes(path: Path) -> tuple[CountryShape, ...]:
    """The countries of ``data/map.yaml`` as SVG paths in the map frame (decoded once per process).

    Reading the 3.6 MB TopoJSON costs ~0.4-0.8 s (orjson builds every arc of the world); ``signaal ui``
    warms this in a background thread at start so the first map page does not pay it."""
    if not path.is_file():
        raise BasemapMissingError(f"map boundaries not installed: {path} (run scripts/setup.sh)")
    cfg = data.load("map")
    view = frame()
    topology = orjson.loads(path.read_bytes())
    wanted = {str(c["id"]): c for c in cfg["countries"]}
    chosen = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        country = wanted.get(str(geometry.get("id")))
        if country is not None:
            polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
            chosen.append((country, polygons))
    needed = {i if i >= 0 else ~i for _, polygons in chosen for polygon in polygons for ring in polygon for i in ring}
    arcs = _decode_arcs(topology, needed)
    shapes = []
    for country, polygons in chosen:
        parts = (_path(_ring(arcs, ring), view, float(cfg["simplify_px"])) for polygon in polygons for ring in polygon)
        shapes.append(CountryShape(country["name"], "".join(parts), bool(country.get("home"))))
    return tuple(sorted(shapes, key=lambda shape: shape.home))  # home country drawn last, on top


@dataclass(frozen=True)
class Marker:
    name: str
    x: float
    y: float
    r: float
    ads: int
    minor: int


@dataclass(frozen=True)
class MapView:
    width: float
    height: float
    countries: tuple[CountryShape, ...]
    markers: list[Marker]
    outside: list  # places with coordinates outside the frame (listed under the map)
    note: str | None  # why the base map is missing, if it is


def draw_map(places: list, basemap: Path) -> MapView:
    """The map for ``places`` (objects with name, lat, lon, ads, minor): markers sized by ad count,
    biggest first so small ones stay clickable on top."""
    view = frame()
    sizes = data.load("map")["markers"]
    try:
        countries, note = country_shapes(basemap), None
    except BasemapMissingError as exc:
        countries, note = (), str(exc)
    markers, outside = [], []
    for place in sorted(places, key=lambda p: -p.ads):
        if not view.contains(place.lon, place.lat):
            outside.append(place)
            continue
        x, y = view.project(place.lon, place.lat)
        radius = min(sizes["max_radius"], sizes["min_radius"] + sizes["scale"] * math.sqrt(place.ads))
        markers.append(Marker(place.name, round(x, 1), round(y, 1), round(radius, 1), place.ads, place.minor))
    return MapView(view.width, round(view.height, 1), countries, markers, outside, note)
