"""``shopwatch users add|list|remove``: who may log in to the board (``shopwatch serve``).

Passwords are asked twice without echo, or read from stdin (``--password-stdin``, one line),
and stored as argon2 hashes. Roles: editor (acknowledge, mute) or viewer (look only).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from monitor.cliutil import UserError, _config, inert
from monitor.commands.base import Cli

MIN_PASSWORD = 8


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise UserError("the two passwords differ")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def _name(text: str) -> str:
    name = text.strip()
    if not name or len(name) > 64 or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise argparse.ArgumentTypeError(f"a user name is 1-64 printable characters without "
                                         f"spaces: {text!r}")
    return name


def add(args: argparse.Namespace) -> int:
    from board.auth import hash_password
    from db import repo
    from db.session import session_scope

    config = _config(args)
    password_hash = hash_password(_password(args))
    with session_scope(config.database_url) as session:
        new = repo.set_board_user(session, args.name, password_hash, args.role)
    print(inert(f"{'added' if new else 'updated'} board user {args.name} ({args.role})"))
    return 0


def list_users(args: argparse.Namespace) -> int:
    from db import repo
    from db.session import session_scope

    with session_scope(_config(args).database_url) as session:
        users = [(u.name, u.role, u.created_at) for u in repo.board_users(session)]
    for name, role, created in users:
        print(inert(f"{name}\t{role}\tadded {created:%Y-%m-%d %H:%M} UTC"))
    if not users:
        print("no board users: `shopwatch serve` serves 127.0.0.1 only, everyone an editor")
    return 0


def remove(args: argparse.Namespace) -> int:
    from db import repo
    from db.session import session_scope

    with session_scope(_config(args).database_url) as session:
        removed = repo.remove_board_user(session, args.name)
    if not removed:
        raise UserError(f"no board user named {args.name!r}")
    print(inert(f"removed board user {args.name}"))
    return 0


ROLES = ("editor", "viewer")  # as board.auth.ROLES (not imported: --help stays fast)


def register(cli: Cli) -> None:
    group = cli.group("users", "manage who may log in to the board", "users_command")
    p = group.add("add", add, "add a board user (or give one a new password and role)",
                  db=True)
    p.add_argument("name", type=_name, metavar="NAME")
    p.add_argument("--role", choices=ROLES, default="editor",
                   help="editor: may acknowledge and mute; viewer: looks only "
                        "(default editor)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of stdin")
    group.add("list", list_users, "list the board users", db=True)
    p = group.add("remove", remove, "remove a board user", db=True)
    p.add_argument("name", type=_name, metavar="NAME")
