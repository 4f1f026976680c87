"""Apply ``es_mappings/*.json`` idempotently: one index template and one aliased index per kind.

Writes always go through the alias ``<prefix>-<kind>``; the physical index is
``<prefix>-<kind>-v<version>``, so ``signaal es reindex`` can build a new one and
swap the alias without anyone noticing (see es_mappings/README.md).

The files hold what does not depend on the cluster. What does is decided when the
template is published, from a :class:`ClusterProfile` read from the cluster: the
number of replicas (one as soon as there is a second data node), the number of
shards of the large kinds (``shards_per_data_node``), and for kinds with
``text_analysis`` the Dutch and English analysers the cluster can run
(:mod:`signaal.es.analysis`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from signaal.es.analysis import AnalysisVariant, detect_variant, get_variant
from signaal.es.errors import EsSetupError
from signaal.paths import ES_MAPPINGS_DIR
from signaal.settings import alias, get_settings

REQUIRED_KEYS = ("description", "version", "settings", "mappings")
# One copy of every shard on a second node is what lets a cluster lose a node and keep answering.
REPLICAS_WHEN_CLUSTERED = 1
TEXT_ANALYSIS_META = "text_analysis"


@dataclass(frozen=True)
class ClusterProfile:
    """What the templates are sized and analysed for: data nodes and the text-analysis variant."""

    data_nodes: int
    text_analysis: AnalysisVariant

    @property
    def replicas(self) -> int:
        return min(REPLICAS_WHEN_CLUSTERED, self.data_nodes - 1)


def cluster_profile(es: Elasticsearch, text_analysis: str | None = None) -> ClusterProfile:
    """Read the number of data nodes; text analysis as named (else ``SIGNAAL_ES_TEXT_ANALYSIS``, else the best)."""
    data_nodes = int(es.cluster.health()["number_of_data_nodes"])
    chosen = text_analysis or get_settings().es_text_analysis
    variant = get_variant(chosen) if chosen else detect_variant(es)
    return ClusterProfile(data_nodes=max(data_nodes, 1), text_analysis=variant)


@dataclass(frozen=True)
class MappingSpec:
    """One ``es_mappings/<kind>.json`` file."""

    kind: str
    description: str
    version: int
    settings: dict[str, Any]
    mappings: dict[str, Any]
    append_only: bool = False
    text_analysis: bool = False
    shards_per_data_node: int | None = None

    def template_name(self, prefix: str) -> str:
        return alias(self.kind, prefix)

    def alias(self, prefix: str) -> str:
        return alias(self.kind, prefix)

    def index_pattern(self, prefix: str) -> str:
        return f"{alias(self.kind, prefix)}-v*"

    def index_name(self, prefix: str, suffix: str = "") -> str:
        return f"{alias(self.kind, prefix)}-v{self.version}{suffix}"

    def sized_settings(self, profile: ClusterProfile) -> dict[str, Any]:
        """The file's settings with replicas, shards and (if used) text analysers for this cluster."""
        settings = {**self.settings, "number_of_replicas": profile.replicas}
        if self.shards_per_data_node:
            settings["number_of_shards"] = self.shards_per_data_node * profile.data_nodes
        if self.text_analysis:
            analysis = settings.get("analysis", {})
            extra = profile.text_analysis.analysis
            settings["analysis"] = {
                part: {**analysis.get(part, {}), **extra.get(part, {})} for part in sorted({*analysis, *extra})
            }
        return settings

    def sized_mappings(self, profile: ClusterProfile) -> dict[str, Any]:
        """The file's mappings; kinds with text analysis record its variant in ``_meta``."""
        if not self.text_analysis:
            return self.mappings
        meta = {**self.mappings.get("_meta", {}), TEXT_ANALYSIS_META: profile.text_analysis.name}
        return {**self.mappings, "_meta": meta}

    def template_body(self, prefix: str, profile: ClusterProfile) -> dict[str, Any]:
        return {
            "index_patterns": [self.index_pattern(prefix)],
            "priority": 200,
            "template": {"settings": self.sized_settings(profile), "mappings": self.sized_mappings(profile)},
            "_meta": {"kind": self.kind, "version": self.version, "description": self.description},
        }


def load_spec(path: Path) -> MappingSpec:
    """Parse and check one file; a broken file is a one-line error naming it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EsSetupError(f"{path}: not readable JSON ({exc})") from None
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise EsSetupError(f"{path}: missing keys {', '.join(missing)} (see es_mappings/README.md)")
    if not isinstance(raw["version"], int) or raw["version"] < 1:
        raise EsSetupError(f"{path}: version must be an integer >= 1")
    return MappingSpec(
        kind=path.stem,
        description=str(raw["description"]),
        version=raw["version"],
        settings=raw["settings"],
        mappings=raw["mappings"],
        append_only=bool(raw.get("append_only", False)),
        text_analysis=bool(raw.get("text_analysis", False)),
        shards_per_data_node=raw.get("shards_per_data_node"),
    )


def load_specs(directory: Path | None = None) -> list[MappingSpec]:
    """All kinds, sorted by name."""
    directory = directory or ES_MAPPINGS_DIR
    return [load_spec(path) for path in sorted(directory.glob("*.json"))]


def get_spec(kind: str, directory: Path | None = None) -> MappingSpec:
    path = (directory or ES_MAPPINGS_DIR) / f"{kind}.json"
    if not path.is_file():
        known = ", ".join(spec.kind for spec in load_specs(directory))
        raise EsSetupError(f"unknown kind {kind!r}; known kinds: {known}")
    return load_spec(path)


def _error_reason(exc: ApiError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    return str(info.get("error", {}).get("reason", exc.message))[:300]


def apply_spec(es: Elasticsearch, spec: MappingSpec, prefix: str, profile: ClusterProfile | None = None) -> str:
    """Template, then index+alias if missing, else additive mapping update; returns what happened."""
    profile = profile or cluster_profile(es)
    try:
        es.indices.put_index_template(name=spec.template_name(prefix), **spec.template_body(prefix, profile))
    except ApiError as exc:
        raise EsSetupError(f"{spec.kind}: template rejected: {_error_reason(exc)}") from None
    alias = spec.alias(prefix)
    if not es.indices.exists_alias(name=alias):
        index = spec.index_name(prefix)
        try:
            # Don't wait for the shard here: apply_mappings waits once for all new indices together.
            es.indices.create(index=index, aliases={alias: {"is_write_index": True}}, wait_for_active_shards="0")
        except ApiError as exc:
            if "resource_already_exists" not in str(exc):
                raise EsSetupError(f"{spec.kind}: cannot create {index}: {_error_reason(exc)}") from None
            es.indices.put_alias(index=index, name=alias, is_write_index=True)
        return f"created {index} as {alias}"
    index, current = _write_index_state(es, alias)
    body = {key: value for key, value in spec.mappings.items() if key in ("properties", "dynamic", "_meta")}
    if spec.text_analysis:
        # The analysers an index was created with cannot change: keep recording the ones it has.
        body["_meta"] = {**body.get("_meta", {})}
        if current["text_analysis"]:
            body["_meta"][TEXT_ANALYSIS_META] = current["text_analysis"]
    try:
        es.indices.put_mapping(index=alias, **body)
    except ApiError as exc:
        raise EsSetupError(
            f"{spec.kind}: mapping change refused ({_error_reason(exc)}); bump its version and run "
            f"`signaal es reindex {spec.kind}`"
        ) from None
    notes = []
    if current["replicas"] != profile.replicas:
        es.indices.put_settings(index=alias, settings={"index": {"number_of_replicas": profile.replicas}})
        notes.append(f"replicas {current['replicas']} -> {profile.replicas}")
    if current["version"] < spec.version:
        notes.append(f"{index} is older than es_mappings (v{spec.version}): run `signaal es reindex {spec.kind}`")
    elif spec.text_analysis and current["text_analysis"] != profile.text_analysis.name:
        notes.append(
            f"{index} analyses text with {current['text_analysis'] or 'plain'}, the cluster offers "
            f"{profile.text_analysis.name}: run `signaal es reindex {spec.kind}`"
        )
    return f"{alias} up to date" + "".join(f"; {note}" for note in notes)


def _write_index_state(es: Elasticsearch, alias: str) -> tuple[str, dict[str, Any]]:
    """The alias's write index with its version number, replica count and recorded text analysis."""
    found = es.indices.get_alias(name=alias).body
    index = next((name for name, info in found.items() if info["aliases"][alias].get("is_write_index")), None)
    index = index or sorted(found)[-1]
    settings = es.indices.get_settings(index=index, name="index.number_of_replicas").body[index]["settings"]
    mapping = es.indices.get_mapping(index=index).body[index]["mappings"]
    version = re.search(r"-v(\d+)", index[len(alias) :])
    return index, {
        "version": int(version.group(1)) if version else 0,
        "replicas": int(settings["index"]["number_of_replicas"]),
        "text_analysis": mapping.get("_meta", {}).get(TEXT_ANALYSIS_META),
    }


def apply_mappings(
    es: Elasticsearch,
    prefix: str,
    directory: Path | None = None,
    kinds: list[str] | None = None,
    text_analysis: str | None = None,
) -> dict[str, str]:
    """Apply every kind (or only ``kinds``), sized for this cluster; safe to run any number of times."""
    specs = load_specs(directory)
    if kinds is not None:
        specs = [spec for spec in specs if spec.kind in kinds]
    profile = cluster_profile(es, text_analysis)
    outcomes = {spec.kind: apply_spec(es, spec, prefix, profile) for spec in specs}
    created = [spec.index_name(prefix) for spec in specs if outcomes[spec.kind].startswith("created")]
    if created:
        health = es.cluster.health(index=",".join(created), wait_for_status="yellow", timeout="60s")
        if health.get("timed_out"):
            raise EsSetupError(f"new indices did not become available within 60s: {', '.join(created)}")
    return outcomes


def delete_prefix(es: Elasticsearch, prefix: str) -> None:
    """Remove every index and template of one prefix in two calls (tests clean up with this).

    Names are resolved first because clusters refuse wildcard deletes (``action.destructive_requires_name``).
    """
    specs = load_specs()
    patterns = ",".join(spec.index_pattern(prefix) for spec in specs)
    indices = list(es.indices.get(index=patterns, allow_no_indices=True, expand_wildcards="all"))
    if indices:
        es.indices.delete(index=",".join(indices))
    ours = {spec.template_name(prefix) for spec in specs}
    found = es.options(ignore_status=404).indices.get_index_template(name=f"{prefix}-*").body
    templates = [t["name"] for t in found.get("index_templates", []) if t["name"] in ours]
    if templates:
        es.indices.delete_index_template(name=",".join(templates))
