"""Least privilege enforced by Elasticsearch itself: each component's user can do its job and nothing else.

Through the session's real node (security on, users in its file realm). The audit and
decision logs are append-only because the server refuses the UI's updates and deletes,
not because our code happens not to send them.
"""

from __future__ import annotations

import base64
import stat

import pytest
from elasticsearch import AuthenticationException, AuthorizationException

from devtools.es_node.security import ALL_KINDS, hash_password, load_model, role_descriptors
from signaal.es.append_only import append
from signaal.es.client import get_client
from signaal.es.credentials import Credentials, read_credentials
from signaal.es.mappings import load_specs
from signaal.settings import get_settings

# Written by Elasticsearch 8.19's own `elasticsearch-users useradd probe -p probepassword1` (pbkdf2).
ES_TOOL_HASH = "{PBKDF2}10000$mQSIyMPg/PG1ZG2ZzAIx+F0Z4CPoSH3G8+kgAyKd93w=$X3IwZIa00rvw+2k/SSn9ELCoQJeHrOhN7ma5vGAaPbQ="


def test_password_hashes_are_what_the_file_realm_expects():
    cost, salt, _ = ES_TOOL_HASH.removeprefix("{PBKDF2}").split("$")
    assert hash_password("probepassword1", salt=base64.b64decode(salt), cost=int(cost)) == ES_TOOL_HASH
    assert hash_password("probepassword1") != hash_password("probepassword1")  # fresh salt every time


def test_every_kind_is_granted_to_a_component_that_is_not_the_admin():
    """A new kind in es_mappings/ must say in roles.json who may use it (else only the admin can)."""
    model = load_model()
    granted = {kind for c in model.components.values() if c.name != "admin" for kind in c.kinds}
    assert {spec.kind for spec in load_specs()} - granted == set()
    assert model.components["admin"].kinds == {ALL_KINDS: "all"}


def test_only_the_admin_may_change_mappings_and_no_one_may_delete_the_logs():
    roles = role_descriptors()
    for role, descriptor in roles.items():
        cluster = set(descriptor["cluster"])
        assert not cluster & {"all", "manage", "manage_security"}, role
        for entry in descriptor["indices"]:
            logs = [n for n in entry["names"] if "-audit(" in n or "-decisions(" in n]
            if logs and role != "signaal_admin":
                assert set(entry["privileges"]) <= {"read", "view_index_metadata", "create_doc", "maintenance"}, role


@pytest.fixture(scope="module")
def secured(es_security):
    if not es_security:
        pytest.skip("this cluster has security off (a shared dev node); the session's own node has it on")


@pytest.mark.es
def test_ui_appends_to_audit_and_decisions_but_cannot_change_or_remove_an_entry(
    secured, component_client, index_prefix
):
    ui = component_client("ui")
    entries = {
        "audit": {"user": "analyst1", "action": "view", "target_id": "sec:1"},
        "decisions": {"ad_id": "sec:1", "decision": "lead", "user": "analyst1", "role": "analyst"},
    }
    for kind, entry in entries.items():
        entry_id = append(ui, kind, entry, refresh=True)
        alias = f"{index_prefix}-{kind}"
        concrete = next(iter(ui.indices.get_alias(name=alias).body))
        for index in (alias, concrete):
            with pytest.raises(AuthorizationException):
                ui.update(index=index, id=entry_id, doc={"user": "analyst2"})
            with pytest.raises(AuthorizationException):
                ui.delete(index=index, id=entry_id)
            with pytest.raises(AuthorizationException):
                ui.index(index=index, id=entry_id, document={**entry, "user": "analyst2"})  # overwrite
        bulk = ui.bulk(operations=[{"delete": {"_index": alias, "_id": entry_id}}])
        assert bulk["items"][0]["delete"]["status"] == 403
        assert ui.get(index=alias, id=entry_id)["_source"]["user"] == "analyst1"


@pytest.mark.es
def test_ui_triages_ads_and_keeps_its_own_kinds_but_deletes_no_ad(secured, component_client, es, index_prefix):
    es.index(index=f"{index_prefix}-ads", id="sec:1", document={"id": "sec:1", "title": "Anna"}, refresh=True)
    ui = component_client("ui")
    ui.update(index=f"{index_prefix}-ads", id="sec:1", doc={"triage": {"status": "lead"}}, refresh=True)
    session = ui.index(index=f"{index_prefix}-sessions", document={"user": "analyst1"}, refresh=True)["_id"]
    ui.delete(index=f"{index_prefix}-sessions", id=session)
    with pytest.raises(AuthorizationException):
        ui.delete(index=f"{index_prefix}-ads", id="sec:1")
    with pytest.raises(AuthorizationException):
        ui.indices.delete(index=f"{index_prefix}-sessions")
    with pytest.raises(AuthorizationException):
        ui.indices.put_index_template(name=f"{index_prefix}-x", index_patterns=[f"{index_prefix}-x-*"])


@pytest.mark.es
def test_indexer_writes_ads_and_versions_but_not_users_or_sessions(secured, component_client, index_prefix):
    indexer = component_client("indexer")
    indexer.index(index=f"{index_prefix}-ads", id="sec:2", document={"id": "sec:2"}, op_type="create")
    indexer.index(index=f"{index_prefix}-ad-versions", id="sec:2:v1", document={"ad_id": "sec:2"})
    for kind in ("users", "sessions"):
        with pytest.raises(AuthorizationException):
            indexer.index(index=f"{index_prefix}-{kind}", document={"name": "intruder", "role": "admin"})
        with pytest.raises(AuthorizationException):
            indexer.search(index=f"{index_prefix}-{kind}")
    with pytest.raises(AuthorizationException):
        indexer.delete(index=f"{index_prefix}-ads", id="sec:2")


@pytest.mark.es
def test_kibana_and_ml_only_read_and_the_admin_cannot_manage_users(secured, component_client, index_prefix):
    for component in ("kibana", "ml"):
        client = component_client(component)
        client.search(index=f"{index_prefix}-ads")
        with pytest.raises(AuthorizationException):
            client.index(index=f"{index_prefix}-ads", id="sec:3", document={"id": "sec:3"})
    with pytest.raises(AuthorizationException):
        component_client("kibana").search(index=f"{index_prefix}-users")
    with pytest.raises(AuthorizationException):
        component_client("admin").security.put_user(username="intruder", password="intruder-pass", roles=["superuser"])


@pytest.mark.es
def test_credentials_are_owner_only_files_and_a_wrong_password_is_refused(secured, es_url):
    directory = get_settings().credentials_dir
    assert directory is not None and stat.S_IMODE(directory.stat().st_mode) == 0o700
    for component in load_model().components:
        assert stat.S_IMODE((directory / f"{component}.json").stat().st_mode) == 0o600
    ui = read_credentials(directory, "ui")
    wrong = get_client(es_url, component="ui", credentials=Credentials(username=ui.username, password="wrong"))
    with pytest.raises(AuthenticationException):
        wrong.cluster.health()


@pytest.mark.es
def test_status_reports_nodes_security_and_text_analysis(secured, index_prefix):
    from typer.testing import CliRunner

    from signaal.cli import app

    result = CliRunner().invoke(app, ["es", "status"])
    assert result.exit_code == 0, result.output
    assert "nodes: 1 (" in result.stdout
    assert "security: on, connected as signaal_admin (roles signaal_admin)" in result.stdout
    assert "text analysis: hunspell available" in result.stdout
    assert f"{index_prefix}-ads uses hunspell" in result.stdout
    assert f"{index_prefix}-ads" in result.stdout


def test_security_commands_show_files_and_roles_but_never_a_password(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from signaal.cli import app
    from signaal.es.credentials import write_credentials

    write_credentials(tmp_path, "ui", Credentials(username="signaal_ui", password="never-printed-1"))
    monkeypatch.setenv("SIGNAAL_ES_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SIGNAAL_ES_CREDENTIALS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        show = runner.invoke(app, ["es", "security", "show"])
        roles = runner.invoke(app, ["es", "security", "roles"])
        rotate = runner.invoke(app, ["es", "security", "rotate", "ui"])
    finally:
        get_settings.cache_clear()
    assert show.exit_code == 0 and "never-printed-1" not in show.output
    lines = {line.split()[0]: line for line in show.stdout.splitlines()[1:]}
    assert " file " in lines["ui"] and " no file " in lines["indexer"]
    ui_role = json.loads(roles.stdout)["signaal_ui"]
    audit = next(entry for entry in ui_role["indices"] if any("-audit(" in name for name in entry["names"]))
    assert "create_doc" in audit["privileges"] and "write" not in audit["privileges"]
    assert rotate.exit_code == 1 and rotate.stderr.startswith("error: rotate manages the local cluster")
