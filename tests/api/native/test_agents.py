"""``/v1/agents`` and the conversation commands over the native API: agents CRUD (admin to
change), close/reopen/snooze/assign answering the conversation, the assignee filter, 404 across
workspaces, 422 for a bad snooze end, and message authors checked against agents and contacts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import WorkspaceFixture


async def post(
    client: httpx.AsyncClient, owner: WorkspaceFixture, path: str, body: Any, status: int = 201
) -> Any:
    response = await client.post(path, json=body, headers=owner.headers)
    assert response.status_code == status, response.text
    return response.json()


async def agent(client: httpx.AsyncClient, owner: WorkspaceFixture, name: str = "Mia") -> Any:
    return await post(client, owner, "/v1/agents", {"name": name, "email": f"{name}@x.io"})


def soon(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta or {"hours": 1})).isoformat()


async def test_agents_crud_takes_an_admin_key_to_change(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    mia = await agent(client, workspace)
    assert (mia["email"], mia["role"], mia["status"]) == ("mia@x.io", "agent", "active")
    taken = await client.post(
        "/v1/agents", json={"name": "M", "email": "MIA@x.io"}, headers=workspace.headers
    )
    assert taken.status_code == 409
    bad = await client.post(
        "/v1/agents", json={"name": "M", "email": "not-an-email"}, headers=workspace.headers
    )
    assert bad.status_code == 422
    url = f"/v1/agents/{mia['id']}"
    patched = await client.patch(url, json={"role": "admin"}, headers=workspace.headers)
    assert patched.json()["role"] == "admin"
    assert (await client.get(url, headers=workspace.headers)).json() == patched.json()
    issued = await post(
        client, workspace, f"/v1/workspaces/{workspace.id}/keys", {"scopes": ["read", "write"]}
    )
    writer = {"Authorization": f"Bearer {issued['token']}"}
    assert (await client.patch(url, json={"name": "x"}, headers=writer)).status_code == 403
    assert (await client.get("/v1/agents", headers=writer)).status_code == 200
    assert (await client.delete(url, headers=workspace.headers)).status_code == 204
    assert (await client.get(url, headers=workspace.headers)).status_code == 404


async def test_agents_page_and_stay_in_their_workspace(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    made = [await agent(client, workspace, f"a{n}") for n in range(3)]
    theirs = await agent(client, other_workspace, "a0")
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "order": "asc"}
    while True:
        page = (await client.get("/v1/agents", params=params, headers=workspace.headers)).json()
        seen += [found["id"] for found in page["data"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [found["id"] for found in made]
    url = f"/v1/agents/{theirs['id']}"
    assert (await client.get(url, headers=workspace.headers)).status_code == 404


async def test_commands_answer_the_conversation(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    made = await post(client, workspace, "/v1/conversations", {})
    base = f"/v1/conversations/{made['id']}"
    mia = await agent(client, workspace)
    closed = await post(client, workspace, f"{base}/close", None, 200)
    assert closed["status"] == "closed"
    assert (await post(client, workspace, f"{base}/reopen", None, 200))["status"] == "open"
    until = soon(hours=3)
    snoozed = await post(client, workspace, f"{base}/snooze", {"until": until}, 200)
    assert snoozed["status"] == "snoozed"
    assert datetime.fromisoformat(snoozed["snoozed_until"]) == datetime.fromisoformat(until)
    assigned = await post(client, workspace, f"{base}/assign", {"agent_id": mia["id"]}, 200)
    assert assigned["assignee_id"] == mia["id"]
    listed = await client.get(
        "/v1/conversations", params={"assignee_id": mia["id"]}, headers=workspace.headers
    )
    assert [c["id"] for c in listed.json()["data"]] == [made["id"]]
    nobody = await client.get(
        "/v1/conversations", params={"assignee_id": "none"}, headers=workspace.headers
    )
    assert made["id"] not in [c["id"] for c in nobody.json()["data"]]
    assert (await post(client, workspace, f"{base}/assign", {"agent_id": None}, 200))[
        "assignee_id"
    ] is None
    patched = await client.patch(base, json={"status": "closed"}, headers=workspace.headers)
    assert (patched.json()["status"], patched.json()["snoozed_until"]) == ("closed", None)
    events = await client.get(
        "/v1/events", params={"conversation_id": made["id"]}, headers=workspace.headers
    )
    assert [e["type"] for e in events.json()["data"]] == [
        "conversation.created",
        "conversation.closed",
        "conversation.reopened",
        "conversation.snoozed",
        "conversation.assigned",
        "conversation.assigned",
        "conversation.closed",
    ]


async def test_bad_snooze_ends_are_422_and_other_workspaces_404(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    made = await post(client, workspace, "/v1/conversations", {})
    base = f"/v1/conversations/{made['id']}"
    for until in (soon(hours=-1), soon(days=400), "9999-12-31T23:59:59Z", "2030-01-01T00:00:00"):
        response = await client.post(
            f"{base}/snooze", json={"until": until}, headers=workspace.headers
        )
        assert response.status_code == 422, (until, response.text)
        assert response.json()["error"]["details"]["field"] == "until"
    overflow = await client.post(
        f"{base}/snooze", json={"until": "99999-01-01T00:00:00Z"}, headers=workspace.headers
    )
    assert overflow.status_code == 422
    theirs = await agent(client, other_workspace)
    refused = await client.post(
        f"{base}/assign", json={"agent_id": theirs["id"]}, headers=workspace.headers
    )
    assert refused.status_code == 404
    for action, body in (("close", None), ("reopen", None), ("snooze", {"until": soon()})):
        response = await client.post(f"{base}/{action}", json=body, headers=other_workspace.headers)
        assert response.status_code == 404, action


async def test_a_message_author_must_be_a_contact_or_agent_of_the_workspace(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    contact = await post(client, workspace, "/v1/contacts", {"name": "Ann"})
    made = await post(client, workspace, "/v1/conversations", {"participant_ids": [contact["id"]]})
    mia = await agent(client, workspace)
    theirs = await agent(client, other_workspace)
    text = {"type": "text", "text": "hi"}

    def body(author: dict[str, Any]) -> dict[str, Any]:
        return {"conversation_id": made["id"], "author": author, "payload": text}

    for author in (
        {"type": "agent", "id": mia["id"]},
        {"type": "contact", "id": contact["id"]},
        {"type": "agent"},
        {"type": "bot", "id": "any bot name"},
    ):
        await post(client, workspace, "/v1/messages", body(author))
    for author in (
        {"type": "agent", "id": theirs["id"]},
        {"type": "agent", "id": contact["id"]},
        {"type": "contact", "id": mia["id"]},
    ):
        for path in ("/v1/messages", "/v1/messages/get-or-create"):
            response = await client.post(path, json=body(author), headers=workspace.headers)
            assert response.status_code == 422, (path, author, response.text)
            assert response.json()["error"]["details"]["field"] == "author.id"
