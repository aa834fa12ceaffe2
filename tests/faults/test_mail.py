"""Mail under faults: concurrent senders, a sender that died, the server down then up, TLS
and logins as operators' servers speak them (aiosmtpd with a trustme certificate authority),
and the exit status a cron user sees. Each test says the outcome it expects."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select, update

from config import Config, load_config
from crawlers.runner import ChildResult
from db.models import OutboxMessage, utcnow
from db.session import session_scope, upgrade
from monitor.cli import main
from monitor.notify.outbox import Delivery, deliver, lease
from monitor.notify.send import notify
from monitor.rules import AlertDraft
from monitor.runner import store, visibility_of_day
from tests.support import config_dict, site_block, write_config
from tests.support.smtp import Inbox, free_port

# implicit TLS (ssl mode) is TLS from the first byte; aiosmtpd cannot tell and warns
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
DAY = dt.date(2026, 11, 25)
ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "watch", "s3cret-pw"


def _login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # (handled=False: the server says 535)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server(ca: trustme.CA) -> Iterator[Callable[..., tuple[Inbox, int]]]:
    """Start an SMTP server: ``security`` none (no login), starttls or ssl (login required,
    certificate for 127.0.0.1 from ``ca``)."""
    started: list[Controller] = []

    def start(security: str = "none", delay: float = 0.0, port: int | None = None
              ) -> tuple[Inbox, int]:
        inbox, port = Inbox(delay), port or free_port()
        tls: dict[str, Any] = {}
        if security != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1").configure_cert(context)
            tls = {"authenticator": _login, "auth_required": True}
            tls.update({"tls_context": context, "require_starttls": True}
                       if security == "starttls" else
                       {"ssl_context": context, "auth_require_tls": False})
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **tls)
        controller.start()
        started.append(controller)
        return inbox, port

    yield start
    for controller in started:
        controller.stop()


def _config(tmp_path: Path, db_url: str, port: int, recipients: int = 2,
            security: str = "none", ca_file: Path | None = None) -> Path:
    login = {"user": USER} if security != "none" else {}
    ca = {"ca_file": str(ca_file)} if ca_file else {}
    return write_config(tmp_path / "c.toml", config_dict(
        db_url, site_block(), export_dir=str(tmp_path / "out"),
        email={"host": "127.0.0.1", "port": port, "security": security, **login, **ca,
               "sender": "watch@example.com",
               "recipients": [f"r{i}@example.com" for i in range(recipients)],
               "retries": 0, "retry_backoff_s": 0, "timeout_s": 10}))


def _seed(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        store(session, [AlertDraft(DAY, "price_move", "warning", "demo", "vacuum price cut",
                                   "100 CNY", "80 CNY", "1")])


def _outbox(db_url: str) -> list[tuple[str, str]]:
    with session_scope(db_url) as session:
        return [(m.recipient, m.status)
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _queue_while_down(config: Config) -> None:
    """Queue the day's digests with the server down (nothing sent, all queued)."""
    result = notify(config, DAY, visibility_of_day(config, DAY))
    assert result.error and result.delivery and result.delivery.sent == []


def _at_once(work: Callable[[int], Any], n: int = 3) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; their results in order."""
    gate = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            gate.wait(10)
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


# -- point 2: the outbox is exactly-once under concurrency --------------------------------

def test_three_senders_at_once_deliver_each_queued_message_once(
        db_url: str, tmp_path: Path, server: Callable[..., tuple[Inbox, int]]) -> None:
    """Expected: 8 queued messages, three ``deliver`` at once (a slow server keeps them in each
    other's way) -> exactly 8 deliveries, each recipient once; every message sent, each
    counted by exactly one sender; nothing left claimed."""
    _seed(db_url)
    port = free_port()
    config = load_config(_config(tmp_path, db_url, port, recipients=8))
    _queue_while_down(config)
    inbox, _ = server(delay=0.05, port=port)
    results: list[Delivery] = _at_once(lambda _i: deliver(config, paced=False))
    wanted = [f"r{i}@example.com" for i in range(8)]
    assert inbox.recipients() == sorted(wanted)
    assert sorted(r for d in results for r in d.sent) == sorted(wanted)
    assert [d.error for d in results] == [None] * 3  # three senders at once
    assert _outbox(db_url) == [(r, "sent") for r in wanted]


def test_three_notify_at_once_queue_and_send_each_digest_once(
        db_url: str, tmp_path: Path, server: Callable[..., tuple[Inbox, int]]) -> None:
    """Expected: three ``notify`` of one day at once, nothing queued before (two as the
    run's digest step does it, paced, one by hand) -> one digest per recipient queued and
    delivered once: 4 recipients, 4 messages; a fourth notify afterwards sends nothing."""
    _seed(db_url)
    inbox, port = server(delay=0.05)
    config = load_config(_config(tmp_path, db_url, port, recipients=4))
    results = _at_once(lambda i: notify(config, DAY, visibility_of_day(config, DAY), paced=i != 2))
    assert sum(r.queued for r in results) == 4
    assert inbox.recipients() == [f"r{i}@example.com" for i in range(4)]
    again = notify(config, DAY, visibility_of_day(config, DAY), paced=False)
    assert again.queued == 0 and again.delivery and again.delivery.sent == []
    assert len(inbox.messages) == 4


def test_three_notify_processes_at_once_send_each_message_once(
        db_url: str, tmp_path: Path, server: Callable[..., tuple[Inbox, int]]) -> None:
    """Expected: three ``shopwatch notify`` processes of one day at once -> each of the 3
    digests delivered once, every process exits 0."""
    _seed(db_url)
    inbox, port = server(delay=0.05)
    path = _config(tmp_path, db_url, port, recipients=3)
    upgrade(db_url)  # (each process would migrate too: three migrations at once are not the test)
    children = [subprocess.Popen([sys.executable, "-m", "monitor.cli", "notify", "--config",
                                  str(path), "--date", str(DAY)], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
    outcomes = [(child.wait(60), child.stderr.read() if child.stderr else "")
                for child in children]
    assert [code for code, _err in outcomes] == [0, 0, 0], outcomes
    assert inbox.recipients() == ["r0@example.com", "r1@example.com", "r2@example.com"]


def test_a_claim_of_a_dead_sender_is_taken_over_after_its_lease_and_sent_once(
        tmp_path: Path, server: Callable[..., tuple[Inbox, int]]) -> None:
    """Expected: a message claimed by a live sender on another machine is left alone (busy,
    not sent); once the claim is older than the lease (the sender died there), the next
    notify sends it, once. A claim by a process of this machine that is gone (killed) is
    taken over at once."""
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    port = free_port()
    config = load_config(_config(tmp_path, db_url, port, recipients=2))
    _queue_while_down(config)
    inbox, _ = server(port=port)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with session_scope(db_url) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.recipient == "r0@example.com")
                        .values(claimed_by="elsewhere:4242:ab", claimed_at=utcnow()))
        session.execute(update(OutboxMessage).where(OutboxMessage.recipient == "r1@example.com")
                        .values(claimed_by=f"{socket.gethostname()}:{gone}:cd",
                                claimed_at=utcnow()))
    first = deliver(config, paced=False)
    assert first.sent == ["r1@example.com"] and first.busy == 1
    assert _outbox(db_url) == [("r0@example.com", "queued"), ("r1@example.com", "sent")]
    with session_scope(db_url) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.recipient == "r0@example.com")
                        .values(claimed_at=utcnow() - lease(config.email)
                                - dt.timedelta(seconds=1)))
    assert deliver(config, paced=False).sent == ["r0@example.com"]
    assert deliver(config, paced=False).sent == []
    assert inbox.recipients() == ["r0@example.com", "r1@example.com"]


# -- point 12: a person's notify means now ------------------------------------------------

def test_after_the_server_comes_back_a_persons_notify_sends_now(
        tmp_path: Path, server: Callable[..., tuple[Inbox, int]],
        capsys: pytest.CaptureFixture[str]) -> None:
    """Expected: the server down, a run's digest step leaves both digests queued with a
    back-off (r0 tried and failed, r1 behind it); the server back, the automatic sender
    (paced, as ``run``/``schedule``) sends only r1, whose back-off is not running, and r0
    waits; ``shopwatch notify`` by hand sends r0 now, exit 0; nothing goes twice."""
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    port = free_port()
    path = _config(tmp_path, db_url, port, recipients=2)
    config = load_config(path)
    _queue_while_down(config)
    with session_scope(db_url) as session:
        assert all(m.next_attempt_at for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "r0@example.com")))
    inbox, _ = server(port=port)
    paced = notify(config, DAY, visibility_of_day(config, DAY))
    assert paced.delivery and paced.delivery.sent == ["r1@example.com"]
    assert paced.delivery.waiting == 1
    assert main(["notify", "--config", str(path), "--date", str(DAY)]) == 0
    assert "sent: r0@example.com" in capsys.readouterr().out
    assert main(["notify", "--config", str(path), "--date", str(DAY)]) == 0
    assert inbox.recipients() == ["r0@example.com", "r1@example.com"]


# -- point 13: TLS and login --------------------------------------------------------------

@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login_delivers(security: str, tmp_path: Path, ca_file: Path,
                                 server: Callable[..., tuple[Inbox, int]],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Expected: with the company CA as ``email.ca_file``, STARTTLS (port 587 style) and
    implicit TLS (465 style) with login deliver every digest once, over TLS, logged in."""
    monkeypatch.setenv("SHOPWATCH_SMTP_PASSWORD", PASSWORD)
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    inbox, port = server(security)
    config = load_config(_config(tmp_path, db_url, port, security=security, ca_file=ca_file))
    result = notify(config, DAY, visibility_of_day(config, DAY))
    assert result.error is None
    assert inbox.recipients() == ["r0@example.com", "r1@example.com"]
    assert [(m.logged_in, m.tls) for m in inbox.messages] == [(True, True)] * len(inbox.messages)
    subject = email.message_from_bytes(inbox.messages[0].content)["Subject"]
    assert subject == "ShopWatch 2026-11-25: 1 price move"


def _notify_cli(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["notify", "--config", str(path), "--date", str(DAY)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("trust", ["another CA", "the system CAs"])
def test_a_certificate_that_does_not_verify_is_one_line_then_fixed_goes_once(
        security: str, trust: str, tmp_path: Path, ca_file: Path,
        server: Callable[..., tuple[Inbox, int]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Expected: a server certificate that does not verify (``email.ca_file`` another CA, or
    unset: the system CAs) -> ``notify`` exits 1 with one line that names the server and
    ``email.ca_file``, no traceback; nothing reaches the server, both digests stay queued.
    With the right CA: each delivered once."""
    monkeypatch.setenv("SHOPWATCH_SMTP_PASSWORD", PASSWORD)
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    inbox, port = server(security)
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    wrong = _config(tmp_path, db_url, port, security=security,
                    ca_file=other if trust == "another CA" else None)
    code, err = _notify_cli(wrong, capsys)
    assert code == 1 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert f"the certificate of 127.0.0.1:{port} does not verify" in err
    assert "email.ca_file" in err
    assert inbox.messages == []
    assert _outbox(db_url) == [("r0@example.com", "queued"), ("r1@example.com", "queued")]
    fixed = _config(tmp_path, db_url, port, security=security, ca_file=ca_file)
    assert _notify_cli(fixed, capsys)[0] == 0
    assert _notify_cli(fixed, capsys)[0] == 0
    assert inbox.recipients() == ["r0@example.com", "r1@example.com"]


@pytest.mark.parametrize("password", ["wrong-pw", None])
def test_a_refused_login_is_one_line_then_fixed_goes_once(
        password: str | None, tmp_path: Path, ca_file: Path,
        server: Callable[..., tuple[Inbox, int]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Expected: a wrong password (or none in the environment) -> ``notify`` exits 1 with one
    line naming the user and the password variable, never the password, no traceback; both
    digests stay queued. With the right password: each delivered once."""
    if password:
        monkeypatch.setenv("SHOPWATCH_SMTP_PASSWORD", password)
    else:
        monkeypatch.delenv("SHOPWATCH_SMTP_PASSWORD", raising=False)
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    _seed(db_url)
    inbox, port = server("starttls")
    path = _config(tmp_path, db_url, port, security="starttls", ca_file=ca_file)
    code, err = _notify_cli(path, capsys)
    assert code == 1 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert f"'{USER}'" in err and "SHOPWATCH_SMTP_PASSWORD" in err
    assert "wrong-pw" not in err
    assert inbox.messages == []
    assert _outbox(db_url) == [("r0@example.com", "queued"), ("r1@example.com", "queued")]
    monkeypatch.setenv("SHOPWATCH_SMTP_PASSWORD", PASSWORD)
    assert _notify_cli(path, capsys)[0] == 0
    assert _notify_cli(path, capsys)[0] == 0
    assert inbox.recipients() == ["r0@example.com", "r1@example.com"]


# -- point 11: run's exit status ----------------------------------------------------------

@pytest.mark.parametrize(("crawl_ok", "mail_up", "status"),
                         [(True, True, 0), (True, False, 3), (False, True, 4),
                          (False, False, 3)])
def test_run_exits_non_zero_when_mail_is_not_sent_or_a_step_failed(
        crawl_ok: bool, mail_up: bool, status: int, tmp_path: Path,
        server: Callable[..., tuple[Inbox, int]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Expected: ``shopwatch run`` exits 0 when every step ran and the digest was sent; 3 when
    the digest could not be sent (it stays queued; also when the crawl failed too); 4 when
    the crawl step failed but the digest went out. One line says which, no traceback."""
    monkeypatch.setattr("monitor.service.job.crawl_in_child", lambda *_a, **_k: ChildResult(
        0 if crawl_ok else 1, False, "" if crawl_ok else "RuntimeError: the crawl blew up"))
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    port = free_port()
    if mail_up:
        server(port=port)
    path = _config(tmp_path, db_url, port)
    assert main(["run", "--config", str(path), "--date", str(DAY)]) == status
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert ("e-mail not sent" in err) == (not mail_up)
    assert ("crawl step failed: RuntimeError: the crawl blew up" in err) == (not crawl_ok)
    if not mail_up:
        assert {s for _r, s in _outbox(db_url)} == {"queued"}
