"""The review's probes, kept as tests: role x route x object, and CSRF on every state-changing route.

The route table is the app's own (``triage_ui.routers.ROUTERS``); ``route_matrix.yaml`` says who
may use each route. A route without an entry fails ``test_every_route_has_an_entry``, so a new
page is never served before someone decided who may see it. Every role (and an anonymous
browser) is sent to every route; a role without the permission must get 403, one with it must
not; object checks send a role to another user's object. Then every POST is forged (no token,
a wrong token, another session's token) and must be refused before it does anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.triage_ui.figures import record
from tests.triage_ui.helpers import BASE_URL, PASSWORD, SEEDS, csrf_from, fresh_code, login, post_password
from triage_ui import data
from triage_ui.launch import add_enrolled_user
from triage_ui.routers import ROUTERS
from triage_ui.routers.common import AdToken
from triage_ui.store import ads as ads_store
from triage_ui.store import audit
from triage_ui.store.search import EntityQuery, save

pytestmark = pytest.mark.es
MATRIX = yaml.safe_load((Path(__file__).parent / "route_matrix.yaml").read_text())["routes"]
ROLE_USERS = {"analyst": "analyst1", "investigator": "investigator1", "ml": "mlstaff", "admin": "admin1"}
ANONYMOUS = "anonymous"


def _served_routes() -> set[str]:
    return {f"{method} {route.path}" for router in ROUTERS for route in router.routes for method in route.methods}


def test_every_route_has_an_entry():
    served = _served_routes()
    assert served - set(MATRIX) == set(), "routes without an entry in route_matrix.yaml"
    assert set(MATRIX) - served == set(), "entries for routes the app no longer serves"


@pytest.fixture(scope="module", autouse=True)
def own_proposals_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The matrix's (refused) proposals touch only this module's proposals file, never another test's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIGNAAL_ACCEPTED_LEXICON", str(tmp_path_factory.mktemp("proposals") / "accepted.yaml"))
        yield


@pytest.fixture(scope="module")
def objects(ui_ctx) -> dict[str, dict[str, str]]:
    """Per role: a saved search and an alert of its own, and an ad it may export."""
    ctx = ui_ctx
    out: dict[str, dict[str, str]] = {}
    for role, user in ROLE_USERS.items():
        saved = save(ctx, user, f"matrix {role}", EntityQuery("text", "hotel"))
        alert_id = f"matrix:{user}"
        ctx.es.index(
            index=ctx.alias("alerts"),
            id=alert_id,
            refresh=True,
            document={
                "user": user,
                "search_id": saved,
                "search_name": "m",
                "ad_id": "prikbord:1001",
                "created_at": "2026-11-20T12:00:00Z",
                "dismissed": False,
            },
        )
        out[role] = {
            "saved_of_each": saved,
            "alert_of_each": alert_id,
            "exportable_of_each": "prikbord:1029",
            "role": role,
        }
    for role in out:
        out[role] |= {
            "saved_of_investigator": out["investigator"]["saved_of_each"],
            "alert_of_investigator": out["investigator"]["alert_of_each"],
        }
    for ad_id in ("prikbord:1027", "prikbord:1028", "prikbord:1029"):  # cluster c9: assigned to analyst1
        ctx.es.update(
            index=ctx.alias("ads"), id=ad_id, doc={"triage": {"status": "new", "assigned_to": "analyst1"}}, refresh=True
        )
    SEEDS["matrix-victim"] = add_enrolled_user(ctx, "matrix-victim", "analyst", PASSWORD)
    return out


def _fill(text: str, ctx, values: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        key = match.group(1)
        if key == "code":
            return fresh_code(ctx, ROLE_USERS[values["role"]]) if values["role"] in ROLE_USERS else "000000"
        if key == "password":
            return PASSWORD
        if key.startswith("token:"):
            return AdToken.from_hit(ads_store.get_ad(ctx, key.removeprefix("token:"))).encode()
        return values[key]

    return re.sub(r"\{([^{}]+)\}", one, text)


def _send(client: TestClient, method: str, path: str, form: dict | None, csrf: str | None, ctx, values):
    path = _fill(path, ctx, values)
    if method == "GET":
        return client.get(path, follow_redirects=False)
    body = {key: _fill(str(value), ctx, values) for key, value in (form or {}).items()}
    if csrf is not None:
        body["csrf_token"] = csrf
    return client.post(path, data=body, follow_redirects=False)


def _allowed(access, role: str) -> bool:
    if role == ANONYMOUS:
        return access == "public"
    if access in ("public", "login"):
        return True
    if access == "pending":
        return False
    return any(permission in data.permissions(role) for permission in access)


def _signed_in(app, role: str) -> tuple[TestClient, str | None]:
    client = TestClient(app, base_url=BASE_URL)
    if role == ANONYMOUS:
        return client, csrf_from(client.get("/login").text)
    return client, login(client, ROLE_USERS[role])


def test_role_route_object_matrix(ui_app, ui_ctx, objects):
    """Every route x every role (and anonymous): allowed roles get their page, others are refused."""
    roles = [*ROLE_USERS, ANONYMOUS]
    clients = {role: _signed_in(ui_app, role) for role in roles}
    wrong: list[str] = []
    requests = refused = 0
    for key, entry in MATRIX.items():
        method = key.split(" ", 1)[0]
        for role in entry.get("roles", roles):
            client, csrf = _signed_in(ui_app, role) if entry.get("fresh") else clients[role]
            values = objects.get(role, objects["investigator"] | {"role": role})
            resp = _send(client, method, entry["path"], entry.get("form"), csrf, ui_ctx, values)
            requests += 1
            if _allowed(entry["access"], role):
                if resp.status_code in (401, 403) or resp.status_code >= 500:
                    wrong.append(f"{key} as {role}: {resp.status_code}, expected access")
            else:
                refused += 1
                expected = {403} if role != ANONYMOUS and entry["access"] != "pending" else {303, 401}
                if resp.status_code not in expected:
                    wrong.append(f"{key} as {role}: {resp.status_code}, expected {sorted(expected)}")
        for check in entry.get("objects", []):
            client, csrf = clients[check["role"]]
            values = objects[check["role"]]
            resp = _send(client, method, check["path"], check.get("form", entry.get("form")), csrf, ui_ctx, values)
            requests += 1
            refused += 1
            if resp.status_code != check["status"]:
                wrong.append(f"{key} object {check['path']} as {check['role']}: {resp.status_code}")
    for client, _ in clients.values():
        client.close()
    record(
        "role_matrix",
        routes=len(MATRIX),
        roles=len(roles),
        requests=requests,
        refused=refused,
        unauthorised_answers=len(wrong),
    )
    assert wrong == [], "\n".join(wrong)


def test_pending_login_reaches_its_own_step(ui_app):
    with TestClient(ui_app, base_url=BASE_URL) as client:
        post_password(client, "analyst2")
        assert client.get("/login/second-factor").status_code == 200
        for path in ("/login/enrol", "/login/password"):  # another step: sent back to its own
            resp = client.get(path, follow_redirects=False)
            assert resp.status_code == 303 and resp.headers["location"] == "/login/second-factor"


def _state_changing() -> list[str]:
    return [key for key in MATRIX if key.startswith(("POST", "PUT", "PATCH", "DELETE"))]


def test_csrf_on_every_state_changing_route(ui_app, ui_ctx, objects):
    """No token, a forged token, another user's token: each refused with 403 and audited as CSRF."""
    forged = 0
    wrong: list[str] = []
    other, other_csrf = _signed_in(ui_app, "analyst")
    for key in _state_changing():
        entry = MATRIX[key]
        role = "admin" if entry["access"] not in ("public", "pending") else None
        for variant, token in (("missing", None), ("forged", "forged-token"), ("other session", other_csrf)):
            if role is None:  # login steps: an anonymous browser with its pre-session / pending cookie
                client = TestClient(ui_app, base_url=BASE_URL)
                if entry["access"] == "pending":
                    post_password(client, "analyst2")
                else:
                    client.get("/login")
            else:
                client, _ = _signed_in(ui_app, role)
            resp = _send(client, "POST", entry["path"], entry.get("form"), token, ui_ctx, objects["admin"])
            forged += 1
            if resp.status_code != 403:
                wrong.append(f"{key} ({variant}): {resp.status_code}")
            else:
                [entry_log] = [e for e in _audit_of(ui_ctx, resp) if e["action"] == "denied"]
                if not entry_log["details"]["reason"].startswith("CSRF"):
                    wrong.append(f"{key} ({variant}): refused, but not by the CSRF check")
            client.close()
    other.close()
    record("csrf", state_changing_routes=len(_state_changing()), forged_requests=forged, accepted=len(wrong))
    assert wrong == [], "\n".join(wrong)


def _audit_of(ctx, resp) -> list[dict]:
    ctx.es.indices.refresh(index=ctx.alias("audit"))
    hits = audit.browse(ctx, size=50)["hits"]["hits"]
    return [h["_source"] for h in hits if h["_source"]["request_id"] == resp.headers["x-request-id"]]
