"""Log-in, log-out, lock-out and CSRF of the console."""

from __future__ import annotations

import re

import sqlalchemy as sa

from collector.api.schema import console_users
from collector.console.auth import FAILED
from collector.console.sessions import COOKIE
from collector.console.users import LOCK_S, MAX_FAILURES
from tests.collector.console.conftest import Console


def test_a_user_logs_in_and_lands_on_its_first_page(console: Console) -> None:
    response = console.login("alice")
    assert (response.status_code, response.headers["location"]) == (303, "/")
    page = console.client.get("/")
    assert page.status_code == 200
    assert "alice (ops)" in page.text


def test_a_logged_in_user_opening_the_login_form_goes_to_its_page(console: Console) -> None:
    console.login("carol")
    response = console.client.get("/login", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/stock")


def test_the_session_cookie_is_httponly_and_samesite_strict(console: Console) -> None:
    cookie = console.login("alice").headers["set-cookie"]
    assert f"{COOKIE}=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()


def test_a_wrong_password_is_refused_with_the_one_message(console: Console) -> None:
    response = console.login("alice", "wrong password!")
    assert response.status_code == 401
    assert FAILED.split(":")[0] in response.text
    assert console.client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_an_unknown_name_gets_the_same_page_as_a_wrong_password(console: Console) -> None:
    unknown = console.login("nobody", "wrong password!")
    wrong = console.login("alice", "wrong password!")
    assert unknown.status_code == wrong.status_code == 401

    def strip(text: str) -> str:
        text = re.sub(r'name="csrf" value="[^"]+"', "", text.split("<main")[1])
        return text.replace("nobody", "X").replace("alice", "X")

    assert strip(unknown.text) == strip(wrong.text)


def test_five_failures_lock_the_user_even_with_the_right_password(console: Console) -> None:
    for _ in range(MAX_FAILURES):
        assert console.login("alice", "wrong password!").status_code == 401
    assert console.login("alice").status_code == 401
    with console.engine.connect() as conn:
        until = conn.execute(
            sa.select(console_users.c.locked_until).where(console_users.c.name == "alice")
        ).scalar_one()
    assert until is not None
    assert (until - console.clock.now()).total_seconds() == LOCK_S


def test_the_lock_ends_after_its_time(console: Console) -> None:
    for _ in range(MAX_FAILURES):
        console.login("alice", "wrong password!")
    console.clock.advance(LOCK_S + 1)
    assert console.login("alice").status_code == 303


def test_a_post_without_the_csrf_token_is_refused_with_403(console: Console) -> None:
    console.client.get("/login")
    response = console.client.post(
        "/login", data={"username": "alice", "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert "refused" in response.text


def test_a_post_with_another_sessions_token_is_refused(console: Console) -> None:
    console.login("alice")
    stale = console.csrf("/")
    console.client.cookies.clear()
    console.login("root")
    response = console.client.post("/logout", data={"csrf": stale}, follow_redirects=False)
    assert response.status_code == 403
    assert console.client.get("/", follow_redirects=False).status_code == 200


def test_log_out_ends_the_session(console: Console) -> None:
    console.login("alice")
    response = console.client.post(
        "/logout", data={"csrf": console.csrf("/")}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert console.client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_forged_cookie_is_no_session(console: Console) -> None:
    console.client.cookies.set(COOKIE, "eyJ1IjoiYWxpY2UifQ.forged.sig")
    assert console.client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_disabled_users_session_ends(console: Console) -> None:
    from collector.console.users import disable_user  # noqa: PLC0415

    console.login("alice")
    with console.engine.begin() as conn:
        disable_user(conn, "alice", now=console.clock.now())
    assert console.client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_the_cookie_is_secure_when_served_over_https(console: Console) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415

    secure = TestClient(console.client.app, base_url="https://testserver")
    assert "Secure" in secure.get("/login").headers["set-cookie"]
    assert "Secure" not in console.client.get("/login").headers["set-cookie"]
