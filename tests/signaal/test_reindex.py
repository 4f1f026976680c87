"""`signaal es reindex`: a new versioned index, every document copied, the alias swapped in one call."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from indexing.indexer import index_ads
from indexing.synthetic import scored_ad
from signaal.cli import app

pytestmark = pytest.mark.es


def test_reindex_swaps_alias_and_keeps_every_document(es, fresh_index_prefix):
    alias = f"{fresh_index_prefix}-ads"
    index_ads(es, [scored_ad(n, site="re") for n in range(25)], prefix=fresh_index_prefix, refresh=True)
    before = es.indices.get_mapping(index=alias).body
    old_index = next(iter(before))

    result = CliRunner().invoke(app, ["es", "reindex", "ads"])
    assert result.exit_code == 0, result.output
    assert "copied 25 docs" in result.stdout

    behind = es.indices.get_alias(name=alias).body
    assert len(behind) == 1
    new_index = next(iter(behind))
    assert new_index != old_index and new_index.startswith(f"{alias}-v")
    assert behind[new_index]["aliases"][alias]["is_write_index"] is True
    assert es.count(index=alias)["count"] == 25
    assert es.indices.exists(index=old_index)  # kept by default
    assert next(iter(es.indices.get_mapping(index=alias).body.values())) == next(iter(before.values()))

    index_ads(es, [scored_ad(99, site="re")], prefix=fresh_index_prefix, refresh=True)
    assert es.count(index=new_index)["count"] == 26

    again = CliRunner().invoke(app, ["es", "reindex", "ads", "--delete-old"])
    assert again.exit_code == 0, again.output
    assert not es.indices.exists(index=new_index)
    assert es.count(index=alias)["count"] == 26


def test_unknown_kind_is_one_line_error(es, index_prefix):
    result = CliRunner().invoke(app, ["es", "reindex", "nonsense"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown kind 'nonsense'")
