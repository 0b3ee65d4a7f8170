"""The provider simulators over real loopback HTTP: they answer like the providers (auth,
success and error shapes), obey injected failures, and can be driven over HTTP from another
process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from hubbub.simulators.common import serve
from hubbub.simulators.twilio import TwilioSimulator
from hubbub.simulators.whatsapp_cloud import WhatsAppCloudSimulator

SID = "AC" + "2" * 32
TOKEN = "tok"


@pytest_asyncio.fixture
async def twilio() -> AsyncIterator[tuple[TwilioSimulator, httpx.AsyncClient]]:
    simulator = TwilioSimulator({SID: TOKEN})
    async with serve(simulator.app) as url, httpx.AsyncClient(base_url=url) as http:
        yield simulator, http


@pytest_asyncio.fixture
async def whatsapp() -> AsyncIterator[tuple[WhatsAppCloudSimulator, httpx.AsyncClient]]:
    simulator = WhatsAppCloudSimulator(access_token="wa", app_secret="s")
    async with serve(simulator.app) as url, httpx.AsyncClient(base_url=url) as http:
        yield simulator, http


MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"


async def test_twilio_create_and_fetch(twilio: tuple[TwilioSimulator, httpx.AsyncClient]) -> None:
    simulator, http = twilio
    created = await http.post(
        MESSAGES,
        data={"To": "+15551230000", "From": "+15550000000", "Body": "hi"},
        auth=(SID, TOKEN),
    )
    assert created.status_code == 201
    resource = created.json()
    assert resource["status"] == "queued"
    assert resource["account_sid"] == SID
    assert resource["uri"] == f"/2010-04-01/Accounts/{SID}/Messages/{resource['sid']}.json"
    fetched = await http.get(resource["uri"], auth=(SID, TOKEN))
    assert fetched.json()["sid"] == resource["sid"]
    assert simulator.received("hi") == 1


async def test_twilio_errors_have_twilios_shape(
    twilio: tuple[TwilioSimulator, httpx.AsyncClient],
) -> None:
    _, http = twilio
    unauthorized = await http.post(MESSAGES, data={"To": "+1555"}, auth=(SID, "wrong"))
    assert unauthorized.status_code == 401
    assert unauthorized.json()["code"] == 20003
    other_account = await http.post(
        f"/2010-04-01/Accounts/AC{'9' * 32}/Messages.json", data={}, auth=(SID, TOKEN)
    )
    assert other_account.status_code == 401
    cases = [
        ({}, 21604),
        ({"To": "12"}, 21211),
        ({"To": "+15551230000"}, 21603),
        ({"To": "+15551230000", "From": "+15550000000"}, 21602),
        ({"To": "+15551230000", "From": "+15550000000", "Body": "x" * 1601}, 21617),
    ]
    for form, code in cases:
        response = await http.post(MESSAGES, data=form, auth=(SID, TOKEN))
        assert response.status_code == 400
        body = response.json()
        assert (body["code"], body["status"]) == (code, 400)
        assert body["more_info"].endswith(str(code))


async def test_failures_injected_over_http(
    twilio: tuple[TwilioSimulator, httpx.AsyncClient],
) -> None:
    simulator, http = twilio
    assert (
        await http.post("/_simulator/fail", json={"count": 2, "status": 503})
    ).status_code == 200
    form = {"To": "+15551230000", "From": "+15550000000", "Body": "retry me"}
    statuses = [
        (await http.post(MESSAGES, data=form, auth=(SID, TOKEN))).status_code for _ in range(3)
    ]
    assert statuses == [503, 503, 201]
    listed = (await http.get("/_simulator/messages")).json()
    assert [m["body"] for m in listed] == ["retry me"]
    assert simulator.received("retry me") == 1


async def test_whatsapp_answers_like_the_cloud_api(
    whatsapp: tuple[WhatsAppCloudSimulator, httpx.AsyncClient],
) -> None:
    simulator, http = whatsapp
    headers = {"Authorization": "Bearer wa"}
    body = {
        "messaging_product": "whatsapp",
        "to": "491511234567",
        "type": "text",
        "text": {"body": "hi"},
    }
    sent = await http.post("/v21.0/555/messages", json=body, headers=headers)
    assert sent.status_code == 200
    answer = sent.json()
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": "491511234567", "wa_id": "491511234567"}]
    assert answer["messages"][0]["id"].startswith("wamid.")
    assert simulator.messages[0].phone_number_id == "555"

    bad_token = await http.post(
        "/v21.0/555/messages", json=body, headers={"Authorization": "Bearer x"}
    )
    assert bad_token.status_code == 401
    assert bad_token.json()["error"]["code"] == 190
    for broken, code in [
        ({**body, "messaging_product": "sms"}, 100),
        ({**body, "to": "not-a-number"}, 131009),
        ({**body, "text": {}}, 100),
        ({**body, "type": "template", "template": {"name": "x"}}, 132000),
    ]:
        response = await http.post("/v21.0/555/messages", json=broken, headers=headers)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == code
        assert error["type"] == "OAuthException"
        assert error["fbtrace_id"]
    simulator.fail_next(1, 429)
    limited = await http.post("/v21.0/555/messages", json=body, headers=headers)
    assert (limited.status_code, limited.json()["error"]["code"]) == (429, 130429)
    assert len(simulator.messages) == 1
