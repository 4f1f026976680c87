"""Kibana saved objects (data view, visualisations, dashboard) for the ads alias, as NDJSON.

Ids are UUIDs derived from the index prefix and panel key, so exporting twice
gives identical files and re-importing overwrites instead of duplicating. Each
visualisation references the data view through ``references`` (the form Kibana
8 exports), never by embedding the index name.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import yaml

from signaal.settings import alias

DEFAULT_LAYOUT = Path(__file__).with_name("dashboard.yaml")
NAMESPACE = uuid.UUID("5e6a1a2c-6b8f-4c39-9f47-2f4d1c0a9e11")
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


def object_id(prefix: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{prefix}:{key}"))


def _search_source(with_index: bool) -> str:
    source: dict[str, Any] = {"query": {"query": "", "language": "kuery"}, "filter": []}
    if with_index:
        source["indexRefName"] = INDEX_REF
    return json.dumps(source)


def _bucket_agg(agg: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"field": agg["field"]}
    if agg["type"] == "terms":
        params.update(size=int(agg.get("size", 10)), order="desc", orderBy="1")
    elif agg["type"] == "date_histogram":
        params.update(interval="auto", min_doc_count=1, extended_bounds={})
    elif agg["type"] == "histogram":
        params.update(interval=float(agg["interval"]), min_doc_count=False, extended_bounds={"min": 0, "max": 1})
    return {"id": "2", "enabled": True, "type": agg["type"], "schema": "segment", "params": params}


def _visualization(panel: dict[str, Any], data_view_id: str, prefix: str) -> dict[str, Any]:
    vis_state = {
        "title": panel["title"],
        "type": panel["type"],
        "params": {"addTooltip": True, "addLegend": panel["type"] == "pie", "isDonut": False}
        if panel["type"] == "pie"
        else {"addTooltip": True, "addLegend": False, "type": panel["type"]},
        "aggs": [
            {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}},
            _bucket_agg(panel["agg"]),
        ],
    }
    return {
        "id": object_id(prefix, panel["key"]),
        "type": "visualization",
        "attributes": {
            "title": panel["title"],
            "description": "",
            "version": 1,
            "visState": json.dumps(vis_state),
            "uiStateJSON": "{}",
            "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(with_index=True)},
        },
        "references": [{"name": INDEX_REF, "type": "index-pattern", "id": data_view_id}],
    }


def saved_objects(prefix: str, layout_path: Path | None = None) -> list[dict[str, Any]]:
    """Data view, one visualisation per panel, then the dashboard (import order: referenced first)."""
    layout = yaml.safe_load((layout_path or DEFAULT_LAYOUT).read_text(encoding="utf-8"))
    dv = layout["data_view"]
    data_view_id = object_id(prefix, "data_view")
    objects: list[dict[str, Any]] = [
        {
            "id": data_view_id,
            "type": "index-pattern",
            "attributes": {
                "title": alias(dv["title_suffix"], prefix),
                "timeFieldName": dv["time_field"],
                "name": f"Signaal ads ({prefix})",
            },
            "references": [],
        }
    ]
    panels, refs = [], []
    for i, panel in enumerate(layout["panels"]):
        vis = _visualization(panel, data_view_id, prefix)
        objects.append(vis)
        grid = panel["grid"]
        panels.append(
            {
                "version": "8.19.0",
                "type": "visualization",
                "panelIndex": str(i + 1),
                "gridData": {"x": grid["x"], "y": grid["y"], "w": grid["w"], "h": grid["h"], "i": str(i + 1)},
                "embeddableConfig": {},
                "panelRefName": f"panel_{i}",
            }
        )
        refs.append({"name": f"panel_{i}", "type": "visualization", "id": vis["id"]})
    board = layout["dashboard"]
    objects.append(
        {
            "id": object_id(prefix, "dashboard"),
            "type": "dashboard",
            "attributes": {
                "title": f"{board['title']} ({prefix})",
                "description": board.get("description", ""),
                "panelsJSON": json.dumps(panels),
                "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
                "timeRestore": False,
                "version": 1,
                "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(with_index=False)},
            },
            "references": refs,
        }
    )
    return objects


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    """One JSON object per line, keys sorted: byte-identical output for the same input."""
    return "".join(json.dumps(obj, sort_keys=True, ensure_ascii=False) + "\n" for obj in objects)
