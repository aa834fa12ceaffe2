"""The board's defences: login, CSRF, roles, rate limit, escaping, headers, the bind rule."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from board.app import CSP, app_for, secret_path
from board.auth import load_secret
from config import Config
from db.models import AlertAck, Mute
from db.session import session_scope
from monitor.cli import main
from tests.board.conftest import add_user, client, csrf_of, log_in
from tests.board.history import DAY, EVIL, KEPT_BODY

PAGES = ["/", "/ranks", "/ranks/扫地机器人", "/products", "/products/shop/X", "/alerts",
         "/alerts/1", "/keywords", "/runs", "/runs/{kept}/page"]


def _pages(config: Config) -> list[str]:
    from db.models import BlockedPage

    with session_scope(config.database_url) as s:
        kept = s.query(BlockedPage.run_id).scalar()
    return [path.format(kept=kept) for path in PAGES]


def _alert_id(config: Config, kind: str) -> int:
    from db import repo

    with session_scope(config.database_url) as s:
        return next(a.id for a in repo.alerts_of_day(s, DAY) if a.kind == kind)


def test_every_page_sends_the_csp_and_escapes_scraped_text(small: Config) -> None:
    web = client(small)
    for path in _pages(small):
        response = web.get(path + f"?date={DAY}")
        assert response.status_code == 200, (path, response.text[:500])
        assert response.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert EVIL not in response.text  # never as markup, wherever it is shown
        assert "<script>" not in response.text.replace("<script src=", "")  # no inline code
    listing = web.get(f"/products?date={DAY}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in listing
    kept = web.get(_pages(small)[-1]).text
    assert "&lt;script&gt;alert(&#39;kept&#39;)&lt;/script&gt;" in kept
    assert KEPT_BODY not in kept


def test_chart_data_cannot_close_its_script_element(small: Config) -> None:
    page = client(small).get(f"/ranks/扫地机器人?date={DAY}&days=7").text
    data = page.split('id="chart-rank-data">', 1)[1].split("</script>", 1)[0]
    assert "\\u003cimg src=x onerror" in data and "<img" not in data  # a name is cut short


def test_without_users_a_local_board_is_open_and_says_so(small: Config) -> None:
    web = client(small)
    page = web.get("/").text
    assert "everyone who can reach this local address is an editor" in page
    alert = _alert_id(small, "rank_drop")
    token = csrf_of(web.get(f"/alerts/{alert}").text)
    assert web.post(f"/alerts/{alert}/ack", data={"csrf": token}).status_code == 303
    with session_scope(small.database_url) as s:
        assert s.get(AlertAck, alert) is not None


def test_without_users_a_public_address_is_refused(small: Config) -> None:
    response = client(small, host="0.0.0.0").get("/")
    assert response.status_code == 403 and "shopwatch users add" in response.text


def test_a_post_without_the_csrf_token_is_refused(small: Config) -> None:
    web = client(small)
    alert = _alert_id(small, "rank_drop")
    web.get("/")  # a session exists, with its token
    assert web.post(f"/alerts/{alert}/ack").status_code == 403
    assert web.post(f"/alerts/{alert}/ack", data={"csrf": "forged"}).status_code == 403
    assert web.post("/mutes", data={"target": "keyword", "key": "x", "days": "3"}
                    ).status_code == 403
    with session_scope(small.database_url) as s:
        assert s.get(AlertAck, alert) is None and s.query(Mute).count() == 0


def test_with_users_every_page_asks_for_a_login(small: Config) -> None:
    add_user(small, "li", "correct horse")
    web = client(small)
    for path in _pages(small):
        response = web.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/login?next=")
    assert log_in(web, "li", "wrong horse").status_code == 401
    done = log_in(web, "li", "correct horse")
    assert done.status_code == 303
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = web.get("/")
    assert page.status_code == 200 and 'id="user-name">li' in page.text
    assert "is an editor" not in page.text
    token = csrf_of(page.text)
    assert web.post("/logout", data={"csrf": token}).status_code == 303
    assert web.get("/").status_code == 303


def test_a_viewer_cannot_acknowledge_or_mute(small: Config) -> None:
    add_user(small, "zhao", "viewer password", role="viewer")
    web = client(small)
    assert log_in(web, "zhao", "viewer password").status_code == 303
    alert = _alert_id(small, "stock_out")
    page = web.get(f"/alerts/{alert}").text
    assert 'id="ack-button"' not in page and 'id="mute-product"' not in page
    token = csrf_of(page)
    assert web.post(f"/alerts/{alert}/ack", data={"csrf": token}).status_code == 403
    assert web.post("/mutes", data={"csrf": token, "target": "product", "site": "shop",
                                    "key": "X", "days": "7"}).status_code == 403
    with session_scope(small.database_url) as s:
        assert s.get(AlertAck, alert) is None and s.query(Mute).count() == 0


def test_login_attempts_are_limited_per_user_and_address(small: Config) -> None:
    add_user(small, "li", "correct horse")
    web = client(small)
    for _ in range(5):
        assert log_in(web, "li", "guess").status_code == 401
    refused = log_in(web, "li", "correct horse")  # even the right password, for a minute
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    other = client(small)
    other.app.state.board.limiter = web.app.state.board.limiter  # type: ignore[attr-defined]
    assert log_in(other, "wang", "guess").status_code == 401  # another name is not held up


def test_redirects_stay_on_the_board(small: Config) -> None:
    web = client(small)
    assert web.get("/lang/zh-CN?next=https://evil.example/").headers["location"] == "/"
    assert web.get("/lang/zh-CN?next=//evil.example/").headers["location"] == "/"
    assert web.get("/lang/en?next=/ranks").headers["location"] == "/ranks"


def test_the_session_secret_is_made_once_with_mode_600(small: Config, tmp_path: Path) -> None:
    config_path = tmp_path / "shopwatch.toml"
    config_path.write_text("", "utf-8")
    path = secret_path(config_path, small.database_url)
    assert path == tmp_path / "board-secret"
    app_for(small, config_path)
    first = load_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(path) == first and len(first) >= 32


def test_serve_refuses_a_public_address_without_users(
        small: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_path = tmp_path / "c.toml"
    config_path.write_text(f'database_url = "{small.database_url}"\n[[sites]]\nname = "shop"\n'
                           'base_url = "http://127.0.0.1:9"\n', "utf-8")
    assert main(["--config", str(config_path), "serve", "--host", "0.0.0.0"]) == 2
    error = " ".join(capsys.readouterr().err.split())
    assert "0.0.0.0 with no users" in error and "shopwatch users add" in error


def test_only_http_addresses_are_links(small: Config) -> None:
    web = client(small)
    own = web.get("/products/shop/A").text
    assert 'href="https://shop.example/item/A" rel="noopener noreferrer nofollow"' in own
    scraped = web.get("/products/shop/X").text
    assert "javascript:alert(1)" in scraped and 'href="javascript:' not in scraped
