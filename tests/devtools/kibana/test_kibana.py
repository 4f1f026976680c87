"""Kibana saved objects offline (structure, ids, references) and the push against a local fake Kibana."""

from __future__ import annotations

import base64
import json
import threading
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from devtools.kibana.objects import saved_objects, to_ndjson
from devtools.kibana.push import KibanaPushError, push_ndjson
from signaal.cli import app

ADS_FIELDS = json.load(open("es_mappings/ads.json"))["mappings"]["properties"]  # noqa: SIM115, PTH123


def field_exists(path: str) -> bool:
    node: dict = {"properties": ADS_FIELDS}
    for part in path.split("."):
        node = (node.get("properties") or {}).get(part)
        if node is None:
            return False
    return True


def test_ndjson_structure_and_references(tmp_path):
    out = tmp_path / "objects.ndjson"
    result = CliRunner().invoke(app, ["kibana", "export", "--out", str(out)], env={"SIGNAAL_INDEX_PREFIX": "kbtest"})
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    objects = [json.loads(line) for line in lines]
    assert to_ndjson(saved_objects("kbtest")).splitlines() == lines  # deterministic
    by_id = {o["id"]: o for o in objects}
    assert len(by_id) == len(objects)
    data_views = [o for o in objects if o["type"] == "index-pattern"]
    assert len(data_views) == 1
    dv = data_views[0]
    assert dv["attributes"]["title"] == "kbtest-ads" and field_exists(dv["attributes"]["timeFieldName"])
    visualisations = [o for o in objects if o["type"] == "visualization"]
    assert len(visualisations) == 5
    for vis in visualisations:
        (ref,) = vis["references"]
        assert ref == {"name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern", "id": dv["id"]}
        source = json.loads(vis["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        assert source["indexRefName"] == ref["name"]
        state = json.loads(vis["attributes"]["visState"])
        fields = [agg["params"]["field"] for agg in state["aggs"] if "field" in agg["params"]]
        assert fields and all(field_exists(f) for f in fields)
    board = next(o for o in objects if o["type"] == "dashboard")
    panels = json.loads(board["attributes"]["panelsJSON"])
    refs = {r["name"]: r for r in board["references"]}
    assert len(panels) == 5
    for panel in panels:
        ref = refs[panel["panelRefName"]]
        assert ref["type"] == "visualization" and by_id[ref["id"]]["type"] == "visualization"
    charted = {json.loads(v["attributes"]["visState"])["aggs"][1]["params"]["field"] for v in visualisations}
    assert charted == {"crawl.first_seen", "entities.locations.name", "site", "indicator_codes", "priority"}
    assert objects[-1]["type"] == "dashboard"  # referenced objects come first


class FakeKibana(BaseHTTPRequestHandler):
    """Answers the import API like Kibana does, after checking what a real Kibana would reject."""

    seen: ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        problems = []
        if self.headers.get("kbn-xsrf") != "true":
            problems.append("missing kbn-xsrf")
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            problems.append("not multipart")
        message = BytesParser(policy=default_policy).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        file_part = parts.get("file")
        if file_part is None or not (file_part.get_filename() or "").endswith(".ndjson"):
            problems.append("no .ndjson file part")
        text = file_part.get_payload(decode=True).decode() if file_part is not None else ""
        objects = [json.loads(line) for line in text.splitlines()]
        FakeKibana.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "objects": objects})
        if problems:
            self.send_response(400)
            payload = {"statusCode": 400, "message": "; ".join(problems)}
        else:
            self.send_response(200)
            payload = {"success": True, "successCount": len(objects), "successResults": []}
        data = json.dumps(payload).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_kibana():
    FakeKibana.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKibana)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_push_sends_multipart_import_with_xsrf(fake_kibana):
    ndjson = to_ndjson(saved_objects("kbtest"))
    result = push_ndjson(fake_kibana, ndjson, space="analysts", api_key="c2VjcmV0")
    assert result["successCount"] == 7
    (request,) = FakeKibana.seen
    assert request["path"] == "/s/analysts/api/saved_objects/_import?overwrite=true"
    assert request["auth"] == "ApiKey c2VjcmV0"
    assert [o["id"] for o in request["objects"]] == [json.loads(x)["id"] for x in ndjson.splitlines()]


def test_push_cli_reports_success_and_failures(fake_kibana):
    runner = CliRunner()
    ok = runner.invoke(app, ["kibana", "push", "--url", fake_kibana])
    assert ok.exit_code == 0 and "imported 7 saved objects" in ok.output
    assert FakeKibana.seen[-1]["path"] == "/api/saved_objects/_import?overwrite=true"
    bad = runner.invoke(app, ["kibana", "push", "--url", "127.0.0.1:1"])
    assert bad.exit_code == 2 and "must start with http" in bad.output
    down = runner.invoke(app, ["kibana", "push", "--url", "http://127.0.0.1:9"])
    assert down.exit_code == 1 and "cannot reach Kibana" in down.output and "Traceback" not in down.output


def test_push_raises_on_kibana_errors():
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "success": False,
                "successCount": 0,
                "errors": [{"id": "x", "type": "dashboard", "error": {"type": "conflict"}}],
            },
        )

    with pytest.raises(KibanaPushError, match="0 objects with 1 errors"):
        push_ndjson("http://kibana.invalid", "{}\n", transport=httpx.MockTransport(refuse))


def test_push_cli_authenticates_as_the_admin_component(fake_kibana, tmp_path, monkeypatch):
    from signaal.es.credentials import Credentials, write_credentials
    from signaal.settings import get_settings

    write_credentials(tmp_path, "admin", Credentials(username="signaal_admin", password="pw-admin"))
    for name in ("SIGNAAL_KIBANA_API_KEY", "SIGNAAL_ES_API_KEY", "SIGNAAL_ES_USER", "SIGNAAL_ES_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SIGNAAL_ES_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SIGNAAL_ES_CREDENTIALS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["kibana", "push", "--url", fake_kibana])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert FakeKibana.seen[-1]["auth"] == "Basic " + base64.b64encode(b"signaal_admin:pw-admin").decode()
