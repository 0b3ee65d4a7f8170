"""Nothing crosses workspaces. Workspace A gets one of every resource; then every route of the
native API, read from the app so that a new route cannot be forgotten, is called with B's
admin key and A's ids. Routes that name one of A's resources must answer 403 or 404; creates
and lists work on B's own data only; no answer to B carries A's data; and afterwards A's data
is exactly what it was."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from hubbub.kit.ids import new_id
from tests.api.routes import NativeRoute, native_routes
from tests.conftest import WorkspaceFixture

# Every string of A's data carries this, so a leak shows up in any response body.
SECRET = "A-secret"
# Paging and range parameters that filter nothing of A's by themselves.
NEUTRAL_QUERY_PARAMS = {
    "limit",
    "order",
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "direction",
}
TEXT = {"type": "text", "text": "hijack"}
TEMPLATE = {
    "name": "hijack",
    "language": "en",
    "platform": "whatsapp",
    "category": "UTILITY",
    "components": [{"type": "body", "text": "Hi there"}],
}

Outcome = Literal["denied", "rejected", "own"]


@dataclass(frozen=True)
class Attack:
    """One request of B's. ``denied``: 403 or 404. ``rejected``: a client error (the body
    names A's resources). ``own``: it succeeds, on B's data only."""

    outcome: Outcome = "denied"
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    # Path values that replace A's, e.g. B's own workspace id.
    path: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


JSON_PAGE = {"Accept": "application/json"}

# Per route, what B tries. A route missing here fails the test: decide how it is attacked.
ATTACKS: dict[str, list[Attack]] = {
    "POST /v1/workspaces": [Attack(body={"name": "hijack"})],
    "GET /v1/workspaces/{workspace_id}": [Attack()],
    "GET /v1/workspaces/{workspace_id}/keys": [Attack()],
    "POST /v1/workspaces/{workspace_id}/keys": [Attack(body={"scopes": ["admin"]})],
    "DELETE /v1/workspaces/{workspace_id}/keys/{key_id}": [
        Attack(),
        Attack(path={"workspace_id": "{b_workspace}"}),
    ],
    "POST /v1/channels": [Attack("own", body={"platform": "sms", "name": "B line"})],
    "GET /v1/channels": [Attack("own"), Attack("own", params={"platform": "sms"})],
    "GET /v1/channels/{channel_id}": [Attack()],
    "PATCH /v1/channels/{channel_id}": [Attack(body={"name": "hijacked"})],
    "DELETE /v1/channels/{channel_id}": [Attack()],
    "POST /v1/channels/{channel_id}/email/inbound": [Attack(body="From: x@y.test\n\nhijack")],
    "POST /v1/contacts": [
        # Identifiers are unique per workspace: A's phone number is free in B.
        Attack("own", body={"identifiers": [{"key": "phonenumber", "value": "{phone}"}]}),
    ],
    "POST /v1/contacts/get-or-create": [
        Attack("own", body={"key": "phonenumber", "value": "{phone}"}),
        Attack("own", body={"key": "emailaddress", "value": "{email}"}),
    ],
    "GET /v1/contacts": [
        Attack("own"),
        Attack("own", params={"identifier": "{phone}"}),
        Attack("own", params={"tag": "secret=A"}),
        Attack("own", params={"cursor": "{contact_cursor}"}),
        Attack("rejected", params={"cursor": "{contact_cursor}x"}),
    ],
    "GET /v1/contacts/{contact_id}": [Attack()],
    "PATCH /v1/contacts/{contact_id}": [Attack(body={"name": "hijacked"})],
    "DELETE /v1/contacts/{contact_id}": [Attack()],
    "POST /v1/conversations": [
        Attack("rejected", body={"channel_id": "{channel_id}"}),
        Attack("rejected", body={"participant_ids": ["{contact_id}"]}),
    ],
    "POST /v1/conversations/get-or-create": [
        Attack("rejected", body={"channel_id": "{channel_id}", "tags": {"secret": "A"}}),
        Attack("rejected", body={"participant_ids": ["{contact_id}"]}),
        # The same tags as A's conversation: B gets a conversation of its own.
        Attack("own", body={"tags": {"secret": "A"}}),
    ],
    "GET /v1/conversations": [
        Attack("own"),
        Attack("own", params={"channel_id": "{channel_id}"}),
        Attack("own", params={"participant_id": "{contact_id}"}),
        Attack("own", params={"tag": "secret=A"}),
        Attack("own", params={"status": "open"}),
        Attack("own", params={"assignee_id": "{agent_id}"}),
        Attack("own", params={"cursor": "{conversation_cursor}"}),
    ],
    "GET /v1/conversations/{conversation_id}": [Attack()],
    "PATCH /v1/conversations/{conversation_id}": [Attack(body={"status": "closed"})],
    "DELETE /v1/conversations/{conversation_id}": [Attack()],
    "POST /v1/conversations/{conversation_id}/close": [Attack()],
    "POST /v1/conversations/{conversation_id}/reopen": [Attack()],
    "POST /v1/conversations/{conversation_id}/snooze": [Attack(body={"until": "{soon}"})],
    "POST /v1/conversations/{conversation_id}/assign": [
        Attack(body={"agent_id": None}),
        Attack(body={"agent_id": "{agent_id}"}),
    ],
    # E-mails are unique per workspace: A's agent's is free in B.
    "POST /v1/agents": [Attack("own", body={"name": "B agent", "email": "{agent_email}"})],
    "GET /v1/agents": [
        Attack("own"),
        Attack("own", params={"email": "{agent_email}"}),
        Attack("own", params={"status": "active", "role": "agent"}),
        Attack("own", params={"cursor": "{agent_cursor}"}),
    ],
    "GET /v1/agents/{agent_id}": [Attack()],
    "PATCH /v1/agents/{agent_id}": [Attack(body={"name": "hijacked"})],
    "DELETE /v1/agents/{agent_id}": [Attack()],
    "GET /v1/conversations/{conversation_id}/participants": [Attack()],
    "POST /v1/conversations/{conversation_id}/participants": [
        Attack(body={"contact_id": "{contact_id}"}),
    ],
    "DELETE /v1/conversations/{conversation_id}/participants/{contact_id}": [Attack()],
    "POST /v1/messages": [
        Attack("rejected", body={"conversation_id": "{conversation_id}", "payload": TEXT}),
        Attack(
            "rejected",
            body={
                "channel_id": "{channel_id}",
                "recipients": [{"value": "{phone}"}],
                "payload": TEXT,
            },
        ),
    ],
    "POST /v1/messages/get-or-create": [
        Attack(
            "rejected",
            body={"conversation_id": "{conversation_id}", "tags": {"secret": "A"}, "payload": TEXT},
        ),
        Attack("rejected", body={"conversation_id": "{conversation_id}", "tags": {"secret": "A"}}),
    ],
    "GET /v1/messages": [
        Attack("own"),
        Attack("own", params={"conversation_id": "{conversation_id}"}),
        Attack("own", params={"channel_id": "{channel_id}"}),
        Attack("own", params={"platform": "sms"}),
        Attack("own", params={"status": "accepted"}),
        Attack("own", params={"sender": "{contact_id}"}),
        Attack("own", params={"recipient": "{phone}"}),
        Attack("own", params={"recipient": "{contact_id}"}),
        Attack("own", params={"tag": ["secret", "secret=A"]}),
        Attack("own", params={"batch_id": "{batch_id}"}),
        Attack("own", params={"q": SECRET}),
        Attack("own", params={"cursor": "{message_cursor}"}),
    ],
    "GET /v1/messages/{message_id}": [Attack()],
    "PATCH /v1/messages/{message_id}": [Attack(body={"tags": {"secret": "B"}})],
    "DELETE /v1/messages/{message_id}": [Attack()],
    "GET /v1/messages/{message_id}/interactions": [Attack()],
    "POST /v1/messages/{message_id}/interactions": [Attack(body={"type": "clicked"})],
    "POST /v1/messages/{message_id}/status": [Attack(body={"status": "delivered"})],
    "POST /v1/messages/{message_id}/retry": [Attack()],
    "POST /v1/templates": [
        Attack("own", body=TEMPLATE),
        Attack("rejected", body={**TEMPLATE, "channel_id": "{channel_id}"}),
    ],
    "GET /v1/templates": [
        Attack("own"),
        Attack("own", params={"name": f"{SECRET} template"}),
        Attack("own", params={"language": "en", "platform": "whatsapp", "category": "UTILITY"}),
        Attack("own", params={"channel_id": "{channel_id}", "status": "approved"}),
        Attack("own", params={"cursor": "{template_cursor}"}),
    ],
    "GET /v1/templates/{template_id}": [Attack()],
    "DELETE /v1/templates/{template_id}": [Attack()],
    "POST /v1/media/presign": [
        Attack("own", body={"content_type": "image/png"}),
        Attack("rejected", body={"content_type": "image/png", "channel_id": "{channel_id}"}),
    ],
    "GET /v1/media/{media_id}": [Attack()],
    "POST /v1/messages/{message_id}/reschedule": [
        Attack(body={"scheduled_for": "2030-01-01T00:00:00Z"})
    ],
    "POST /v1/messages/{message_id}/cancel": [Attack()],
    "POST /v1/channels/{channel_id}/sandbox/inbound": [
        Attack(body={"from": "{phone}", "text": "hijack"})
    ],
    "GET /v1/jobs": [
        Attack("own"),
        Attack("own", params={"status": ["pending", "dead"]}),
        # Job cursors share the message cursors' format: A's position shows B only B's jobs.
        Attack("own", params={"cursor": "{message_cursor}"}),
    ],
    # A's message ids are the target ids of its delivery jobs.
    "GET /v1/jobs/{job_id}": [Attack(path={"job_id": "{message_id}"})],
    "POST /v1/jobs/{job_id}/retry": [Attack(path={"job_id": "{message_id}"})],
    "GET /v1/events": [
        Attack("own"),
        Attack("own", params={"conversation_id": "{conversation_id}"}),
        Attack("own", params={"type": "message.created"}),
        Attack("own", params={"after": "0"}),
    ],
    # Asked for JSON, the streams answer one JSON page (no hang here); the live streams'
    # isolation is tested in test_stream.py.
    "GET /v1/events/stream": [
        Attack("own", headers=JSON_PAGE),
        Attack("own", params={"type": "message.created"}, headers=JSON_PAGE),
        Attack("own", params={"after": "0"}, headers=JSON_PAGE),
    ],
    "GET /v1/conversations/{conversation_id}/events/stream": [Attack(headers=JSON_PAGE)],
    "POST /v1/webhooks": [
        Attack("own", body={"url": "https://b.test/hook"}),
        Attack(
            "rejected", body={"url": "https://b.test/hook", "conversation_id": "{conversation_id}"}
        ),
    ],
    "GET /v1/webhooks": [
        Attack("own"),
        # A signed cursor of A's (from another list): it positions, it does not select A's rows.
        Attack("own", params={"cursor": "{conversation_cursor}"}),
    ],
    "GET /v1/webhooks/{webhook_id}": [Attack()],
    "PATCH /v1/webhooks/{webhook_id}": [Attack(body={"enabled": False})],
    "DELETE /v1/webhooks/{webhook_id}": [Attack()],
    "POST /v1/webhooks/{webhook_id}/replay": [Attack(body={"from_event_id": "{message_id}"})],
    "GET /v1/webhooks/{webhook_id}/deliveries": [Attack(), Attack(params={"status": "pending"})],
    # A has no delivery yet (no sender runs here): B names A's webhook in both places.
    "GET /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts": [
        Attack(path={"delivery_id": "{webhook_id}"})
    ],
}


@dataclass(frozen=True)
class WorkspaceA:
    workspace: WorkspaceFixture
    values: dict[str, str]  # what "{name}" placeholders stand for

    @property
    def ids(self) -> list[str]:
        return [value for name, value in self.values.items() if name.endswith("_id")]


def filled(template: Any, values: dict[str, str]) -> Any:
    """``template`` with every "{name}" inside its strings replaced by ``values[name]``."""
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda match: values[match[1]], template)
    if isinstance(template, list):
        return [filled(item, values) for item in template]
    if isinstance(template, dict):
        return {key: filled(item, values) for key, item in template.items()}
    return template


async def created(client: httpx.AsyncClient, owner: WorkspaceFixture, path: str, body: Any) -> Any:
    response = await client.post(path, json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def first_page_cursor(client: httpx.AsyncClient, owner: WorkspaceFixture, path: str) -> str:
    response = await client.get(path, params={"limit": 1}, headers=owner.headers)
    cursor: str = response.json()["next_cursor"]
    assert cursor, f"{path} needs two rows in A for a cursor"
    return cursor


@pytest_asyncio.fixture
async def workspace_a(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> WorkspaceA:
    """One of everything in A, made through the API."""
    phone = "+1555" + str(int(new_id().replace("-", "")[-12:], 16))[-7:]
    # Addresses B sends too, so they must not carry SECRET themselves.
    email = f"{new_id()}@a.test"
    channel = await created(
        client, workspace, "/v1/channels", {"platform": "sms", "name": f"{SECRET} line"}
    )
    contact = await created(
        client,
        workspace,
        "/v1/contacts",
        {
            "name": f"{SECRET} contact",
            "identifiers": [
                {"key": "phonenumber", "value": phone},
                {"key": "emailaddress", "value": email},
            ],
            "tags": {"secret": "A"},
        },
    )
    await created(client, workspace, "/v1/contacts", {"name": f"{SECRET} second contact"})
    conversation = await created(
        client,
        workspace,
        "/v1/conversations",
        {
            "channel_id": channel["id"],
            "subject": f"{SECRET} subject",
            "tags": {"secret": "A"},
            "participant_ids": [contact["id"]],
        },
    )
    await created(client, workspace, "/v1/conversations", {"subject": f"{SECRET} second"})
    batch_id = new_id()
    message_body = {
        "conversation_id": conversation["id"],
        "payload": {"type": "text", "text": f"{SECRET} text"},
        "tags": {"secret": "A"},
        "batch_id": batch_id,
    }
    message = await created(client, workspace, "/v1/messages", message_body)
    await created(client, workspace, "/v1/messages", message_body)
    await created(
        client,
        workspace,
        f"/v1/messages/{message['id']}/interactions",
        {"type": "clicked", "details": {"secret": SECRET}},
    )
    key = await created(
        client, workspace, f"/v1/workspaces/{workspace.id}/keys", {"name": f"{SECRET} key"}
    )
    agent_email = f"agent-{new_id()}@a.test"
    agent = await created(
        client, workspace, "/v1/agents", {"name": f"{SECRET} agent", "email": agent_email}
    )
    await created(
        client, workspace, "/v1/agents", {"name": f"{SECRET} second", "email": f"{new_id()}@a.test"}
    )
    assigned = await client.post(
        f"/v1/conversations/{conversation['id']}/assign",
        json={"agent_id": agent["id"]},
        headers=workspace.headers,
    )
    assert assigned.status_code == 200, assigned.text
    a_template = {**TEMPLATE, "name": f"{SECRET} template", "channel_id": channel["id"]}
    a_template["platform"] = "sms"
    template = await created(client, workspace, "/v1/templates", a_template)
    await created(client, workspace, "/v1/templates", a_template)
    values = {
        "template_id": template["id"],
        "template_cursor": await first_page_cursor(client, workspace, "/v1/templates"),
        "workspace_id": workspace.id,
        "key_id": key["key"]["id"],
        "channel_id": channel["id"],
        "contact_id": contact["id"],
        "conversation_id": conversation["id"],
        "message_id": message["id"],
        "batch_id": batch_id,
        "phone": phone,
        "email": email,
        "b_workspace": other_workspace.id,
        "agent_id": agent["id"],
        "agent_email": agent_email,
        "agent_cursor": await first_page_cursor(client, workspace, "/v1/agents"),
        "soon": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "webhook_id": (
            await created(
                client,
                workspace,
                "/v1/webhooks",
                {"url": "https://a.test/hook", "description": f"{SECRET} webhook"},
            )
        )["id"],
        "media_id": (
            await created(
                client,
                workspace,
                "/v1/media/presign",
                {"content_type": "image/png", "filename": f"{SECRET}.png"},
            )
        )["media_id"],
        "contact_cursor": await first_page_cursor(client, workspace, "/v1/contacts"),
        "conversation_cursor": await first_page_cursor(client, workspace, "/v1/conversations"),
        "message_cursor": await first_page_cursor(client, workspace, "/v1/messages"),
    }
    return WorkspaceA(workspace, values)


async def snapshot(client: httpx.AsyncClient, a: WorkspaceA) -> dict[str, Any]:
    """Everything A can read about itself."""
    v = a.values
    paths = [
        f"/v1/workspaces/{v['workspace_id']}",
        f"/v1/workspaces/{v['workspace_id']}/keys",
        "/v1/channels",
        f"/v1/channels/{v['channel_id']}",
        "/v1/contacts",
        f"/v1/contacts/{v['contact_id']}",
        "/v1/conversations",
        f"/v1/conversations/{v['conversation_id']}",
        f"/v1/conversations/{v['conversation_id']}/participants",
        "/v1/messages",
        f"/v1/messages/{v['message_id']}",
        f"/v1/messages/{v['message_id']}/interactions",
        "/v1/events?limit=500",
        "/v1/templates",
        f"/v1/templates/{v['template_id']}",
        "/v1/webhooks",
        f"/v1/webhooks/{v['webhook_id']}",
        "/v1/agents",
        f"/v1/agents/{v['agent_id']}",
    ]
    state: dict[str, Any] = {}
    for path in paths:
        response = await client.get(path, headers=a.workspace.headers)
        assert response.status_code == 200, (path, response.text)
        state[path] = response.json()
    return state


def problems_with(
    attack: Attack, response: httpx.Response, a: WorkspaceA, sent: dict[str, Any]
) -> list[str]:
    status = response.status_code
    found: list[str] = []
    if attack.outcome == "denied" and status not in (403, 404):
        found.append(f"expected 403 or 404, got {status}")
    if attack.outcome == "rejected" and not (400 <= status < 500 and status != 401):
        found.append(f"expected a client error, got {status}")
    if attack.outcome == "own" and not 200 <= status < 300:
        found.append(f"expected success on B's own data, got {status}")
    if SECRET.lower() in response.text.lower():
        found.append("the response carries A's data")
    if attack.outcome == "own":
        echoed = repr(sent)  # B may see what it sent itself, nothing else of A's
        leaked = [i for i in a.ids if i in response.text and i not in echoed]
        if leaked:
            found.append(f"the response carries A's ids {leaked}")
    return found


async def test_nothing_crosses_workspaces(
    client: httpx.AsyncClient,
    app: FastAPI,
    workspace_a: WorkspaceA,
    other_workspace: WorkspaceFixture,
) -> None:
    routes = native_routes(app)
    unplanned = [str(route) for route in routes if str(route) not in ATTACKS]
    assert unplanned == [], f"add these routes to ATTACKS: {unplanned}"
    stale = set(ATTACKS) - {str(route) for route in routes}
    assert stale == set(), f"ATTACKS names routes the app no longer has: {stale}"
    unattacked = [
        f"{route} ?{name}="
        for route in routes
        if not route.path_params  # a route naming A's resource is denied whatever its query
        for name in route.query_params
        if name not in NEUTRAL_QUERY_PARAMS
        and not any(name in attack.params for attack in ATTACKS[str(route)])
    ]
    assert unattacked == [], f"give these filters one of A's values in ATTACKS: {unattacked}"

    before = await snapshot(client, workspace_a)
    failures: list[str] = []
    for route in routes:
        for attack in ATTACKS[str(route)]:
            failures += await attempt(client, route, attack, workspace_a, other_workspace)
    assert failures == [], "\n".join(failures)
    assert await snapshot(client, workspace_a) == before


async def attempt(
    client: httpx.AsyncClient,
    route: NativeRoute,
    attack: Attack,
    a: WorkspaceA,
    b: WorkspaceFixture,
) -> list[str]:
    path_values = {**a.values, **filled(attack.path, a.values)}
    url = route.url(path_values)
    sent = {"url": url, "params": filled(attack.params, a.values)}
    kwargs: dict[str, Any] = {"params": sent["params"]}
    if attack.body is not None:
        sent["body"] = kwargs["json"] = filled(attack.body, a.values)
    headers = {**b.headers, **attack.headers}
    response = await client.request(route.method, url, headers=headers, **kwargs)
    return [
        f"{route} {sent!r:.300}: {problem} — {response.text:.200}"
        for problem in problems_with(attack, response, a, sent)
    ]


@pytest.mark.parametrize("scopes", [["read"], ["read", "write"]])
async def test_lists_with_any_key_of_b_show_none_of_a(
    client: httpx.AsyncClient,
    app: FastAPI,
    workspace_a: WorkspaceA,
    other_workspace: WorkspaceFixture,
    scopes: list[str],
) -> None:
    issued = await client.post(
        f"/v1/workspaces/{other_workspace.id}/keys",
        json={"scopes": scopes},
        headers=other_workspace.headers,
    )
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    lists = [r for r in native_routes(app) if r.method == "GET" and not r.path_params]
    assert len(lists) >= 5
    for route in lists:
        # A stream's JSON page (asked for) shows what its stream would replay.
        response = await client.get(route.path, headers={**headers, **JSON_PAGE})
        assert response.status_code == 200, (route.path, response.text)
        assert response.json()["data"] == [], route.path
