"""How a process finds its cluster and credentials (no server needed): files, environment, node lists."""

from __future__ import annotations

import json
import stat

import pytest

from signaal.es.client import client_options, components, get_client
from signaal.es.credentials import Credentials, read_credentials, write_credentials
from signaal.es.errors import EsSetupError
from signaal.settings import get_settings

ENV = (
    "SIGNAAL_ES_URL",
    "SIGNAAL_ES_PORT",
    "SIGNAAL_ES_USER",
    "SIGNAAL_ES_PASSWORD",
    "SIGNAAL_ES_API_KEY",
    "SIGNAAL_ES_CA_CERTS",
    "SIGNAAL_ES_CREDENTIALS_DIR",
    "SIGNAAL_ES_SNIFF",
)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment with var/ in a temporary directory; settings re-read per test."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SIGNAAL_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _set(monkeypatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def test_credential_files_are_owner_only_and_secrets_stay_out_of_repr(tmp_path):
    directory = tmp_path / "credentials"
    path = write_credentials(directory, "ui", Credentials(username="signaal_ui", password="s3cret-value"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert [p.name for p in directory.iterdir()] == ["ui.json"]  # no temporary file left behind
    read = read_credentials(directory, "ui")
    assert read == Credentials(username="signaal_ui", password="s3cret-value")
    assert "s3cret-value" not in repr(read)
    assert read_credentials(directory, "indexer") is None


def test_a_credential_file_others_can_read_is_refused(tmp_path):
    path = write_credentials(tmp_path, "ui", Credentials(username="u", password="p"))
    path.chmod(0o644)
    with pytest.raises(EsSetupError, match="readable by others"):
        read_credentials(tmp_path, "ui")


def test_local_node_uses_recorded_hosts_ca_and_the_components_own_file(env, tmp_path):
    es_dir = tmp_path / "var" / "es"
    write_credentials(es_dir / "credentials", "indexer", Credentials(username="signaal_indexer", password="pw-i"))
    write_credentials(es_dir / "credentials", "ui", Credentials(username="signaal_ui", password="pw-u"))
    hosts = ["https://127.0.0.1:9200", "https://127.0.0.2:9200", "https://127.0.0.3:9200"]
    (es_dir / "connection.json").write_text(json.dumps({"hosts": hosts, "ca_certs": str(es_dir / "certs/ca.crt")}))
    get_settings.cache_clear()
    options = client_options("indexer")
    assert options["hosts"] == hosts
    assert options["basic_auth"] == ("signaal_indexer", "pw-i")
    assert options["ca_certs"] == str(es_dir / "certs/ca.crt")
    assert client_options("ui")["basic_auth"] == ("signaal_ui", "pw-u")
    assert "basic_auth" not in client_options("kibana")  # no file: no credentials, the server decides


def test_without_anything_recorded_the_default_port_is_used(env):
    _set(env, SIGNAAL_ES_PORT="9311")
    assert client_options("admin") == {"hosts": ["http://127.0.0.1:9311"]}


def test_external_cluster_url_list_and_environment_credentials(env, tmp_path):
    # Files of a local node are never sent to a cluster named by SIGNAAL_ES_URL.
    write_credentials(tmp_path / "var" / "es" / "credentials", "ui", Credentials(username="local", password="x"))
    _set(env, SIGNAAL_ES_URL="https://es1.invalid:9200, https://es2.invalid:9200")
    options = client_options("ui")
    assert options == {"hosts": ["https://es1.invalid:9200", "https://es2.invalid:9200"]}
    _set(env, SIGNAAL_ES_USER="ops", SIGNAAL_ES_PASSWORD="pw", SIGNAAL_ES_CA_CERTS="/etc/ca.pem")
    options = client_options("ui")
    assert options["basic_auth"] == ("ops", "pw") and options["ca_certs"] == "/etc/ca.pem"
    _set(env, SIGNAAL_ES_API_KEY="a2V5")  # an API key wins over user and password
    options = client_options("ui")
    assert options["api_key"] == "a2V5" and "basic_auth" not in options


def test_external_cluster_with_a_credentials_directory(env, tmp_path):
    write_credentials(tmp_path / "creds", "linker", Credentials(username="signaal_linker", password="pw-l"))
    _set(env, SIGNAAL_ES_URL="http://127.0.0.1:9200", SIGNAAL_ES_CREDENTIALS_DIR=str(tmp_path / "creds"))
    assert client_options("linker")["basic_auth"] == ("signaal_linker", "pw-l")


def test_user_without_password_and_unknown_component_are_clear_errors(env):
    _set(env, SIGNAAL_ES_URL="http://127.0.0.1:9200", SIGNAAL_ES_USER="ops")
    with pytest.raises(EsSetupError, match="SIGNAAL_ES_PASSWORD is not"):
        client_options("ui")
    with pytest.raises(EsSetupError, match="unknown Elasticsearch component 'crawler'"):
        get_client(component="crawler")
    assert set(components()) == {"admin", "ui", "indexer", "linker", "retention", "ml", "kibana"}


def test_sniffing_is_opt_in(env):
    _set(env, SIGNAAL_ES_URL="http://127.0.0.1:9200")
    assert "sniff_on_start" not in client_options("ui")
    _set(env, SIGNAAL_ES_SNIFF="true")
    options = client_options("ui")
    assert options["sniff_on_start"] is True and options["sniff_on_node_failure"] is True
