"""Users: upsert by member id, get by id or ``@memberId``, delete."""

from __future__ import annotations

import asyncio

from tests.api.channelio.conftest import Api, error_of


async def test_upsert_creates_a_user_with_the_profile(api: Api) -> None:
    user = await api.upsert_user(
        "member-1",
        profile={"name": "Ann", "email": "ann@example.com", "plan": "pro"},
        tags=["vip", "beta"],
        language="ko",
        unsubscribeEmail=True,
    )
    assert user["memberId"] == "member-1"
    assert user["member"] is True
    assert user["name"] == "Ann"
    assert user["profile"] == {"name": "Ann", "email": "ann@example.com", "plan": "pro"}
    assert user["email"] == "ann@example.com"
    assert user["tags"] == ["beta", "vip"]
    assert user["language"] == "ko"
    assert user["unsubscribeEmail"] is True
    assert user["channelId"] == api.workspace.id
    assert isinstance(user["createdAt"], int)
    assert user["createdAt"] > 1_600_000_000_000  # epoch milliseconds


async def test_upsert_again_updates_the_same_user(api: Api) -> None:
    first = await api.upsert_user("member-2", profile={"name": "Bo", "email": "b@x.io"}, tags=["a"])
    again = await api.upsert_user(
        "member-2",
        profile={"name": "Bob", "email": None, "city": "Seoul"},
        profileOnce={"plan": "free", "city": "Busan"},
        tags=["b"],
    )
    assert again["id"] == first["id"]
    assert again["name"] == "Bob"
    assert again["profile"] == {"name": "Bob", "city": "Seoul", "plan": "free"}
    assert again["tags"] == ["b"]
    # profileOnce never overwrites what is set.
    third = await api.upsert_user("member-2", profileOnce={"plan": "enterprise", "name": "X"})
    assert third["profile"]["plan"] == "free"
    assert third["name"] == "Bob"
    assert third["tags"] == ["b"]  # tags untouched when not given


async def test_concurrent_upserts_make_one_user(api: Api) -> None:
    users = await asyncio.gather(
        *(api.upsert_user("member-race", profile={"n": i}) for i in range(8))
    )
    assert len({user["id"] for user in users}) == 1


async def test_get_by_id_and_by_member_id(api: Api) -> None:
    user = await api.upsert_user("member-3", profile={"name": "Cy"})
    by_id = await api.request("GET", f"/users/{user['id']}")
    by_member = await api.request("GET", "/users/@member-3")
    assert by_id.status_code == by_member.status_code == 200
    assert by_id.json()["user"] == by_member.json()["user"] == user


async def test_get_unknown_user_is_a_404(api: Api) -> None:
    errors = error_of(await api.request("GET", "/users/nope"), 404, "notFound")
    assert errors == [{"message": "User not found"}]
    error_of(await api.request("GET", "/users/@nobody"), 404, "notFound")
    error_of(await api.request("GET", "/users/@"), 404, "notFound")


async def test_delete_user(api: Api) -> None:
    user = await api.upsert_user("member-4")
    deleted = await api.request("DELETE", f"/users/{user['id']}")
    assert deleted.status_code == 200
    assert deleted.content == b""
    error_of(await api.request("GET", f"/users/{user['id']}"), 404, "notFound")
    error_of(await api.request("DELETE", f"/users/{user['id']}"), 404, "notFound")
    # The member id is free again: the next upsert creates a new user.
    again = await api.upsert_user("member-4")
    assert again["id"] != user["id"]


async def test_delete_by_member_id(api: Api) -> None:
    await api.upsert_user("member-5")
    assert (await api.request("DELETE", "/users/@member-5")).status_code == 200
    error_of(await api.request("GET", "/users/@member-5"), 404, "notFound")


async def test_upsert_validation(api: Api) -> None:
    unknown = await api.request("PUT", "/users/@m", json={"profil": {}})
    assert error_of(unknown, 422, "unprocessableEntity")[0]["field"] == "profil"
    bad_tags = await api.request("PUT", "/users/@m", json={"tags": "vip"})
    assert error_of(bad_tags, 422, "unprocessableEntity")[0]["field"] == "tags"
    long_name = await api.request("PUT", "/users/@m", json={"profile": {"name": "x" * 300}})
    error_of(long_name, 422, "unprocessableEntity")
    not_json = await api.request(
        "PUT", "/users/@m", content=b"{nope", headers={"content-type": "application/json"}
    )
    error_of(not_json, 400, "badRequest")
    blank = await api.request("PUT", "/users/@%20", json={})
    error_of(blank, 400, "badRequest")
