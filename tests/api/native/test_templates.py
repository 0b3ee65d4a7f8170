from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import WorkspaceFixture

TEMPLATE: dict[str, Any] = {
    "name": "welcome",
    "language": "en",
    "platform": "whatsapp",
    "components": [{"type": "body", "text": "Welcome {{1}}"}],
}


async def test_crud_over_http(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> None:
    headers = workspace.headers
    created = await client.post("/v1/templates", json=TEMPLATE, headers=headers)
    assert created.status_code == 201, created.text
    template = created.json()
    assert (template["name"], template["status"]) == ("welcome", "approved")
    got = await client.get(f"/v1/templates/{template['id']}", headers=headers)
    assert got.json() == template
    listed = await client.get("/v1/templates", params={"name": "welcome"}, headers=headers)
    assert [t["id"] for t in listed.json()["data"]] == [template["id"]]
    assert listed.json()["next_cursor"] is None
    deleted = await client.delete(f"/v1/templates/{template['id']}", headers=headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/v1/templates/{template['id']}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"


async def test_paging(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> None:
    ids = []
    for index in range(5):
        response = await client.post(
            "/v1/templates", json={**TEMPLATE, "name": f"p{index}"}, headers=workspace.headers
        )
        ids.append(response.json()["id"])
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "order": "asc"}
    while True:
        page = (await client.get("/v1/templates", params=params, headers=workspace.headers)).json()
        seen += [t["id"] for t in page["data"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ids


async def test_validation_and_no_update(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    bad = await client.post(
        "/v1/templates",
        json={**TEMPLATE, "components": [{"type": "body", "text": "Hi {{2}}"}]},
        headers=workspace.headers,
    )
    assert bad.status_code == 422
    assert "without gaps" in bad.json()["error"]["message"]
    created = await client.post("/v1/templates", json=TEMPLATE, headers=workspace.headers)
    patched = await client.patch(
        f"/v1/templates/{created.json()['id']}", json={"name": "x"}, headers=workspace.headers
    )
    assert patched.status_code == 405
    anonymous = await client.get("/v1/templates")
    assert anonymous.status_code == 401
