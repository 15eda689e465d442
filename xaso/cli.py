"""The ``xaso`` command line: check, server, agent, demo, token.

Each subcommand imports its side lazily, so an agent-only install runs ``xaso agent``
and ``xaso check`` without the server's dependencies, and a missing extra is named.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from xaso import __version__
from xaso.yamlcheck import ConfigError, Problem

# The modules each extra brings; a missing one means that extra is not installed.
_EXTRA_OF_MODULE = {
    "paho": "agent",
    "aiohttp": "server",
    "influxdb_client": "server",
    "jinja2": "server",
    "prometheus_client": "server",
    "amqtt": "server",
}


def _needs_extra(exc: ModuleNotFoundError) -> int:
    top = (exc.name or "").split(".")[0]
    extra = _EXTRA_OF_MODULE.get(top)
    if extra is None:
        raise exc
    print(
        f"xaso: this command needs the '{extra}' extra ({top} is missing): "
        f"pip install 'xaso[{extra}]'",
        file=sys.stderr,
    )
    return 2


def _kind_of_file(path: Path) -> str:
    """ "agent", "alerts", "profile" (indicators) or "inventory", from the file's
    top-level keys."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "inventory"  # its checker reports the syntax error with its line
    if isinstance(data, dict) and "communes" not in data:
        if "agent" in data:
            return "agent"
        if "rules" in data:
            return "alerts"
        if any(key in data for key in ("indicators", "overrides", "added")):
            return "profile"
    return "inventory"


def cmd_check(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    for name in args.paths:
        path = Path(name)
        if not path.is_file():
            problems.append(Problem(name, 0, "no such file"))
            continue
        kind = _kind_of_file(path)
        if kind == "agent":
            from xaso.agent.config import check_agent_config_file

            found = check_agent_config_file(path)
        elif kind == "alerts":
            # Secrets are looked up in this environment, as the server will.
            from xaso.server.alerts.config import check_alerts_config_file

            found = check_alerts_config_file(path)
        elif kind == "profile":
            from xaso.server.indicators.profile import check_profile_file

            found = check_profile_file(path)
        else:
            from xaso.inventory import check_inventory_file

            found = check_inventory_file(path)
        problems += found
        if not found:
            print(f"{name}: ok")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def _server_settings(args: argparse.Namespace):
    from xaso.server.settings import Settings, setting_help

    given = {name: getattr(args, name) for name in setting_help() if getattr(args, name, None)}
    return Settings(**given)


def cmd_server(args: argparse.Namespace) -> int:
    from xaso.server.main import run_server

    return run_server(_server_settings(args))


def cmd_agent(args: argparse.Namespace) -> int:
    if args.check_config:
        from xaso.agent.config import check_agent_config_file

        problems = check_agent_config_file(args.config)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"{args.config}: ok")
        return 1 if problems else 0
    from xaso.agent.main import run_agent

    return run_agent(args.config)


def cmd_demo(args: argparse.Namespace) -> int:
    from xaso.server.demo.run import run_demo

    return run_demo(listen=args.listen, inventory=args.inventory, data_dir=args.data_dir)


def cmd_token(args: argparse.Namespace) -> int:
    from xaso.server.database import FILE_NAME, ServerDatabase
    from xaso.server.web.tokens import Role, TokenStore

    database = ServerDatabase(Path(args.data_dir) / FILE_NAME)
    store = TokenStore(database.connection)
    try:
        if args.token_command == "create":
            communes = frozenset(args.commune or ())
            try:
                _check_communes_known(communes, args.inventory)
                token = store.create(Role(args.role), communes, args.name)
            except ValueError as exc:
                print(f"xaso token: {exc}", file=sys.stderr)
                return 2
            print(token)
        elif args.token_command == "list":
            for row in store.list():
                state = "revoked" if row["revoked_ms"] else "active"
                scope = ",".join(row["communes"]) or "*"  # type: ignore[arg-type]
                print(f"{row['id']}\t{row['role']}\t{scope}\t{state}\t{row['name']}")
        else:
            if not store.revoke(args.token_id):
                print(f"xaso token: no active token {args.token_id}", file=sys.stderr)
                return 1
            print(f"revoked {args.token_id}")
    finally:
        database.close()
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    """People's accounts: the first admin, and scripts (the admins' page does the rest)."""
    import time

    from xaso.server.database import FILE_NAME, ServerDatabase
    from xaso.server.web.accounts import AccountError, AccountStore
    from xaso.server.web.tokens import Role

    database = ServerDatabase(Path(args.data_dir) / FILE_NAME)
    accounts = AccountStore(database.connection)
    now_ms = int(time.time() * 1000)
    try:
        if args.user_command == "list":
            for each in accounts.all():
                state = "disabled" if each.disabled_ms else "active"
                scope = ",".join(sorted(each.communes)) or "*"
                print(f"{each.login}\t{each.role}\t{scope}\t{state}\t{each.display_name}")
            return 0
        if args.user_command == "create":
            communes = frozenset(args.commune or ())
            _check_communes_known(communes, args.inventory)
            password = _new_password(args.password_stdin)
            accounts.create(args.login, password, Role(args.role), now_ms, args.name, communes)
            print(f"created {args.login.strip().lower()}")
            return 0
        account = accounts.by_login(args.login)
        if account is None:
            print(f"xaso user: no account {args.login!r}", file=sys.stderr)
            return 1
        if args.user_command == "passwd":
            accounts.set_password(account.id, _new_password(args.password_stdin), now_ms)
            print(f"password changed for {account.login}")
        else:
            disabled = args.user_command == "disable"
            accounts.set_disabled(account.id, disabled, now_ms)  # ends its sessions
            print(f"{args.user_command}d {account.login}")
        return 0
    except (AccountError, ValueError) as exc:
        print(f"xaso user: {exc}", file=sys.stderr)
        return 2
    finally:
        database.close()


def _new_password(from_stdin: bool) -> str:
    """The new password: one line of standard input (scripts), or typed twice at a
    prompt that does not echo it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def _check_communes_known(communes: frozenset[str], inventory: str) -> None:
    """A token for a commune the server does not know would see nothing, silently (a
    typo): refuse it, naming it. Raises ``ValueError`` with one line."""
    if not communes:
        return
    from xaso.inventory import load_inventory

    try:
        known = {commune.code for commune in load_inventory(inventory).communes}
    except ConfigError as exc:
        first = exc.problems[0] if exc.problems else inventory
        raise ValueError(f"cannot check the communes against {inventory}: {first}") from None
    unknown = sorted(communes - known)
    if unknown:
        names = ", ".join(repr(code) for code in unknown)
        raise ValueError(f"{names}: no such commune in {inventory}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xaso", description="Monitoring and compliance for commune smart radio and CCTV."
    )
    parser.add_argument("--version", action="version", version=f"xaso {__version__}")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser(
        "check", help="validate devices.yaml, an agent.yaml, alerts.yaml or an indicator profile"
    )
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(func=cmd_check)

    server = sub.add_parser("server", help="run the server")
    for name, (default, help_text) in _server_setting_help().items():
        # Numbers are parsed as numbers: argparse names a bad value instead of the
        # server failing later on a string.
        server.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type={int: int, float: float}.get(type(default), str),
            help=f"{help_text} (default: {default})",
        )
    server.set_defaults(func=cmd_server)

    agent = sub.add_parser("agent", help="run an agent on a gateway")
    agent.add_argument("--config", required=True, metavar="PATH")
    agent.add_argument("--check-config", action="store_true", help="validate and exit")
    agent.set_defaults(func=cmd_agent)

    demo = sub.add_parser("demo", help="run everything embedded with a simulated fleet")
    demo.add_argument("--listen", default="127.0.0.1:8080", help="HTTP address host:port")
    demo.add_argument("--inventory", default=None, help="inventory (default: bundled)")
    demo.add_argument("--data-dir", default=None, help="keep data here (default: temporary)")
    demo.set_defaults(func=cmd_demo)

    token = sub.add_parser("token", help="manage API tokens")
    token.add_argument("--data-dir", default="xaso-data", help="the server's data folder")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token and print it once")
    create.add_argument(
        "--role", required=True, choices=["admin", "operator", "viewer", "verifier", "agent"]
    )
    create.add_argument("--commune", action="append", help="limit to a commune (repeatable)")
    create.add_argument("--name", default="", help="who or what holds the token")
    create.add_argument(
        "--inventory",
        default="devices.yaml",
        help="the server's inventory, which every --commune must be in (default: devices.yaml)",
    )
    token_sub.add_parser("list", help="list tokens (never their secrets)")
    revoke = token_sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id")
    token.set_defaults(func=cmd_token)

    user = sub.add_parser("user", help="manage people's accounts (sign-in to the pages)")
    user.add_argument("--data-dir", default="xaso-data", help="the server's data folder")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    new = user_sub.add_parser("create", help="create an account (asks for its password)")
    new.add_argument("login", help="the login name: letters, digits, '.', '_', '-'")
    new.add_argument("--role", required=True, choices=["admin", "operator", "verifier", "viewer"])
    new.add_argument("--name", default="", help="the name pages and the audit log show")
    new.add_argument("--commune", action="append", help="limit to a commune (repeatable)")
    new.add_argument(
        "--inventory",
        default="devices.yaml",
        help="the server's inventory, which every --commune must be in (default: devices.yaml)",
    )
    for name, help_text in (
        ("passwd", "set an account's password"),
        ("disable", "disable an account and end its sessions"),
        ("enable", "enable a disabled account"),
    ):
        command = user_sub.add_parser(name, help=help_text)
        command.add_argument("login")
        if name == "passwd":
            command.add_argument("--password-stdin", action="store_true")
    new.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_sub.add_parser("list", help="list accounts")
    user.set_defaults(func=cmd_user, password_stdin=False)
    return parser


def _server_setting_help() -> dict[str, tuple[object, str]]:
    try:
        from xaso.server.settings import setting_help
    except ModuleNotFoundError:
        return {}
    return setting_help()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ModuleNotFoundError as exc:
        return _needs_extra(exc)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
