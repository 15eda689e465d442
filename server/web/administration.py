"""What admins do to accounts and API tokens, for the API (``api/accounts.py``) and the
pages (``pages/admin_users.py``, ``pages/admin_tokens.py``) alike: the checks, the
change, and what the audit log says of it (``auditing.py``: names, roles, communes,
before and after; never a password, never a token).

The checks beyond an account's own (``accounts.py``): every commune named is one of the
inventory's (one nobody knows would silently see nothing); an admin cannot disable
themselves; the last enabled admin account can be neither disabled nor demoted, so that
someone can always come in to fix things.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from aiohttp import web

from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.accounts import PEOPLE_ROLES, Account, AccountError
from xaso.server.web.auditing import AUDIT_ACTION, AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.keys import ACCOUNTS, TOKENS
from xaso.server.web.tokens import TOKEN_PREFIX, Role

# An API token's roles: a person's, and a gateway's (``agent``).
TOKEN_ROLES: Final = tuple(Role)


class AdminError(ValueError):
    """A change an admin may not make, or made wrong: ``code`` names it (the pages say it
    in words, ``admin.error.<code>``), the message in English (the API's), ``status`` the
    HTTP answer."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    @classmethod
    def of(cls, error: AccountError) -> AdminError:
        status = 404 if error.code == "no_account" else 400
        return cls(str(error), error.code, status)


def require_admin(request: web.Request) -> None:
    if request[PRINCIPAL].role is not Role.ADMIN:
        raise web.HTTPForbidden(text='{"error": "admins only"}', content_type="application/json")


def _role(value: str, allowed: Iterable[Role]) -> Role:
    allowed = tuple(allowed)
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in allowed:
        raise AdminError(f"role: one of {', '.join(allowed)}", "role")
    return role


def _communes(request: web.Request, communes: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(code.strip() for code in communes if code.strip())
    unknown = sorted(wanted - set(request.app[INDEX].communes))
    if unknown:
        raise AdminError(f"no such commune in the inventory: {', '.join(unknown)}", "commune")
    return wanted


def _audit(request: web.Request, action: str, **detail: Any) -> None:
    request[AUDIT_ACTION] = action
    request[AUDIT_DETAIL] = detail


def _unchanged(changed: bool) -> dict[str, bool]:
    """Said only when asked for what already was (disabling a disabled account)."""
    return {} if changed else {"unchanged": True}


def find_account(request: web.Request, login: str) -> Account | None:
    return request.app[ACCOUNTS].by_login(login)


def create_account(
    request: web.Request,
    *,
    login: str,
    password: str,
    role: str,
    name: str = "",
    communes: Iterable[str] = (),
) -> Account:
    accounts = request.app[ACCOUNTS]
    chosen = _role(role, PEOPLE_ROLES)
    scope = _communes(request, communes)
    try:
        account = accounts.create(
            login, password, chosen, request.app[CLOCK_MS](), name, communes=scope
        )
    except AccountError as exc:
        raise AdminError.of(exc) from None
    _audit(
        request,
        "account.create",
        login=account.login,
        name=account.display_name,
        role=str(account.role),
        communes=sorted(account.communes),
    )
    return account


def update_account(
    request: web.Request,
    account: Account,
    *,
    name: str | None = None,
    role: str | None = None,
    communes: Iterable[str] | None = None,
) -> Account:
    """Change what is given; the rest stays."""
    new_role = account.role if role is None else _role(role, PEOPLE_ROLES)
    new_scope = account.communes if communes is None else _communes(request, communes)
    new_name = account.display_name if name is None else (name.strip() or account.login)
    accounts = request.app[ACCOUNTS]
    if (
        account.role is Role.ADMIN
        and new_role is not Role.ADMIN
        and account.disabled_ms is None
        and accounts.enabled_admins() <= 1
    ):
        raise AdminError("the last enabled admin stays an admin", "last_admin", 409)
    try:
        changed = accounts.update(
            account.id, display_name=new_name, role=new_role, communes=new_scope
        )
    except AccountError as exc:
        raise AdminError.of(exc) from None
    before = _facts(account)
    after = _facts(changed)
    _audit(
        request,
        "account.update",
        login=account.login,
        changed={key: [before[key], after[key]] for key in before if before[key] != after[key]},
    )
    return changed


def _facts(account: Account) -> dict[str, Any]:
    return {
        "name": account.display_name,
        "role": str(account.role),
        "communes": sorted(account.communes),
    }


def set_password(request: web.Request, account: Account, password: str) -> None:
    """A new password; the account's sessions end (``AccountStore.set_password``)."""
    try:
        request.app[ACCOUNTS].set_password(account.id, password, request.app[CLOCK_MS]())
    except AccountError as exc:
        raise AdminError.of(exc) from None
    _audit(request, "account.password", login=account.login)


def set_enabled(request: web.Request, account: Account, enabled: bool) -> Account:
    """Enable or disable an account; disabling ends its sessions at once."""
    accounts = request.app[ACCOUNTS]
    if not enabled:
        if request[PRINCIPAL].subject == account.subject:
            raise AdminError("an admin cannot disable themselves", "self_disable", 409)
        if (
            account.role is Role.ADMIN
            and account.disabled_ms is None
            and accounts.enabled_admins() <= 1
        ):
            raise AdminError("the last enabled admin cannot be disabled", "last_admin", 409)
    changed = accounts.set_disabled(account.id, not enabled, request.app[CLOCK_MS]())
    _audit(
        request,
        "account.enable" if enabled else "account.disable",
        login=account.login,
        **_unchanged(changed),
    )
    now = accounts.get(account.id)
    assert now is not None
    return now


def create_token(
    request: web.Request, *, role: str, name: str = "", communes: Iterable[str] = ()
) -> tuple[str, dict[str, object]]:
    """A new API token: the token itself (shown once, kept nowhere) and its listing."""
    chosen = _role(role, TOKEN_ROLES)
    scope = _communes(request, communes)
    tokens = request.app[TOKENS]
    try:
        token = tokens.create(chosen, scope, name.strip())
    except ValueError:
        raise AdminError(
            "an operator token names at least one commune", "operator_communes"
        ) from None
    token_id = token.removeprefix(TOKEN_PREFIX).split("_", 1)[0]
    listed = find_token(request, token_id)
    assert listed is not None
    _audit(
        request,
        "token.create",
        token_id=token_id,
        name=listed["name"],
        role=str(chosen),
        communes=sorted(scope),
    )
    return token, listed


def find_token(request: web.Request, token_id: str) -> dict[str, object] | None:
    return next((t for t in request.app[TOKENS].list() if t["id"] == token_id), None)


def revoke_token(request: web.Request, token_id: str) -> dict[str, object] | None:
    """Revoke a token (already revoked: as it is); None when there is no such token."""
    listed = find_token(request, token_id)
    if listed is None:
        return None
    changed = request.app[TOKENS].revoke(token_id)
    _audit(request, "token.revoke", token_id=token_id, name=listed["name"], **_unchanged(changed))
    return find_token(request, token_id)
