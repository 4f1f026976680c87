"""Provisioning without a running server: config writing, unpacking, and the one-line errors users see."""

from __future__ import annotations

import os
import socket
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devtools.es_node import distribution
from devtools.es_node.cluster import LocalCluster
from devtools.es_node.node import LocalElasticsearch, find_java_home
from signaal.cli import app
from signaal.es.errors import EsSetupError


def _fake_home(tmp_path: Path) -> Path:
    home = tmp_path / "elasticsearch-0.0.0"
    (home / "config").mkdir(parents=True)
    (home / "config" / "jvm.options").write_text("-Xss1m\n")
    (home / "bin").mkdir()
    return home


def test_config_is_single_node_on_loopback_with_own_paths_and_security_on(tmp_path):
    node = LocalElasticsearch(_fake_home(tmp_path), tmp_path / "node", port=9311, heap="1g", cluster_name="c1")
    node.realm_files = {"users": "signaal_ui:{PBKDF2}...\n"}
    conf = node.write_config()
    text = (conf / "elasticsearch.yml").read_text()
    assert "discovery.type: single-node\n" in text
    assert "network.host: 127.0.0.1\n" in text
    assert "http.port: 9311\n" in text
    assert f"path.data: {tmp_path / 'node' / 'data'}\n" in text
    assert "xpack.security.enabled: true\n" in text
    assert "xpack.security.http.ssl.enabled: false\n" in text
    assert "xpack.security.transport.ssl.enabled: false\n" in text
    assert stat.S_IMODE((conf / "users").stat().st_mode) == 0o600
    assert (conf / "jvm.options").read_text() == "-Xss1m\n"
    assert node.url == "http://127.0.0.1:9311"
    node.port = 9312
    assert "http.port: 9312\n" in (node.write_config() / "elasticsearch.yml").read_text()


def test_three_nodes_get_their_own_address_dir_and_certificate_and_talk_tls(tmp_path):
    cluster = LocalCluster(
        _fake_home(tmp_path), tmp_path / "es", nodes=3, port=9201, transport_port=9301, http_tls=True
    )
    cluster.prepare_members(bootstrap=True)
    assert cluster.hosts == ["https://127.0.0.1:9201", "https://127.0.0.2:9201", "https://127.0.0.3:9201"]
    assert [m.base_dir.name for m in cluster.members] == ["node", "node-2", "node-3"]
    second = cluster.members[1]
    text = (second.write_config() / "elasticsearch.yml").read_text()
    assert "network.host: 127.0.0.2\n" in text and "transport.port: 9301\n" in text
    assert 'discovery.seed_hosts: ["127.0.0.1:9301", "127.0.0.2:9301", "127.0.0.3:9301"]\n' in text
    assert 'cluster.initial_master_nodes: ["signaal-1", "signaal-2", "signaal-3"]\n' in text
    assert "discovery.type" not in text
    for layer in ("http", "transport"):
        assert f"xpack.security.{layer}.ssl.enabled: true\n" in text
        assert f"xpack.security.{layer}.ssl.certificate: certs/node.crt\n" in text
    assert "xpack.security.transport.ssl.verification_mode: full\n" in text
    certs = second.config_dir / "certs"
    assert sorted(p.name for p in certs.iterdir()) == ["ca.crt", "node.crt", "node.key"]
    assert stat.S_IMODE((certs / "node.key").stat().st_mode) == 0o600
    assert not (second.config_dir / "certs" / "ca.key").exists()  # the CA key stays in var/es/certs
    assert stat.S_IMODE((cluster.certs_dir / "ca.key").stat().st_mode) == 0o600
    assert {p.name for p in cluster.credentials_dir.iterdir()} >= {"admin.json", "ui.json", "indexer.json"}
    cluster.prepare_members(bootstrap=False)  # a restart: the cluster exists, no bootstrap setting
    assert "initial_master_nodes" not in (second.write_config() / "elasticsearch.yml").read_text()


def test_node_certificate_names_its_address(tmp_path):
    from cryptography import x509

    cluster = LocalCluster(_fake_home(tmp_path), tmp_path / "es", nodes=2)
    cluster.prepare_members(bootstrap=True)
    cert = x509.load_pem_x509_certificate(cluster.members[1].certificate.certificate.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.2"]
    ca = x509.load_pem_x509_certificate((cluster.certs_dir / "ca.crt").read_bytes())
    assert cert.issuer == ca.subject


def test_port_in_use_is_refused(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        node = LocalElasticsearch(_fake_home(tmp_path), tmp_path / "node", port=port)
        with pytest.raises(EsSetupError, match=f"port {port} is already in use"):
            node.start(timeout=5)


def test_no_java_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("ES_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EsSetupError, match="Java not found"):
        find_java_home()


def test_no_maven_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNAAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EsSetupError, match=r"Maven \(mvn\) not found"):
        distribution.fetch_zip("0.0.0")


def test_failed_download_is_a_clear_error(monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_mvn = bin_dir / "mvn"
    fake_mvn.write_text("#!/bin/sh\necho '[ERROR] Could not resolve artifact' >&2\nexit 1\n")
    fake_mvn.chmod(0o755)
    monkeypatch.setenv("SIGNAAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(EsSetupError, match="failed: \\[ERROR\\] Could not resolve artifact"):
        distribution.fetch_zip("0.0.0")


def test_unpack_keeps_executable_bits_and_is_readable_by_others(tmp_path):
    archive = tmp_path / "es.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        run = zipfile.ZipInfo("elasticsearch-0.0.0/bin/elasticsearch")
        run.external_attr = (stat.S_IFREG | 0o750) << 16
        zf.writestr(run, "#!/bin/sh\n")
        conf = zipfile.ZipInfo("elasticsearch-0.0.0/config/elasticsearch.yml")
        conf.external_attr = (stat.S_IFREG | 0o600) << 16
        zf.writestr(conf, "")
    dest = tmp_path / "dist"
    dest.mkdir()
    home = distribution.unpack(archive, dest)
    assert home == dest / "elasticsearch-0.0.0"
    assert os.access(home / "bin" / "elasticsearch", os.X_OK)
    assert (home / "bin" / "elasticsearch").stat().st_mode & 0o005 == 0o005
    assert (home / "config" / "elasticsearch.yml").stat().st_mode & 0o004
    assert distribution.unpack(archive, dest) == home  # second call: already there


def test_cli_errors_are_one_line(monkeypatch):
    monkeypatch.setenv("SIGNAAL_ES_URL", "http://127.0.0.1:9")
    from signaal.settings import get_settings

    get_settings.cache_clear()
    try:
        for command in (["es", "up"], ["es", "status"], ["es", "init"]):
            result = CliRunner().invoke(app, command)
            assert result.exit_code == 1, command
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    finally:
        get_settings.cache_clear()
