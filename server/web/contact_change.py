"""A person's alert contact (``server/alerts/contacts.py``) as the pages show and change
it: their own page ("Tài khoản của tôi", ``pages/my_account.py``) and an admin's page of
their account (``pages/admin_users.py``) share the form, the checks and the audit.

The audit log says which addresses changed and the severities and kinds before and
after; the addresses themselves (phone numbers, e-mail) are personal and stay on the
person's page.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from xaso.server.alerts.contacts import (
    ADDRESSES,
    KINDS,
    SEVERITIES,
    Contact,
    ContactStore,
    checked_contact,
)
from xaso.server.alerts.phones import local_phone
from xaso.server.alerts.wiring import ALERTS
from xaso.server.keys import CLOCK_MS, DATABASE
from xaso.server.web.accounts import Account
from xaso.server.web.auditing import AUDIT_ACTION, AUDIT_DETAIL
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

# Which address fields each kind of personal channel reads.
_FIELDS_OF_KIND = {
    "zalo": ("zalo_phone", "zalo_user_id"),
    "sms": ("sms_phone",),
    "email": ("email",),
    "telegram": ("telegram_chat",),
}


def contacts(request: web.Request) -> ContactStore:
    """The contacts in the server's database (the table is made on first use, so the
    pages work with alerting off)."""
    return ContactStore(request.app[DATABASE].connection)


def shown(contact: Contact) -> dict[str, Any]:
    """The form's values: phone numbers as people write them (0912345678)."""
    values: dict[str, Any] = {name: getattr(contact, name) for name in ADDRESSES}
    for name in ("zalo_phone", "sms_phone"):
        if values[name]:
            values[name] = local_phone(values[name])
    values["severities"] = sorted(contact.severities)
    values["kinds"] = sorted(contact.kinds)
    return values


def typed(form: Any) -> dict[str, Any]:
    """What the form sent, to show again when it is refused."""
    values: dict[str, Any] = {name: str(form.get(name, "")) for name in ADDRESSES}
    values["severities"] = [str(s) for s in form.getall("severities", [])]
    values["kinds"] = [str(k) for k in form.getall("kinds", [])]
    return values


def contact_context(
    request: web.Request, values: dict[str, Any], error_field: str = ""
) -> dict[str, Any]:
    """What the contact form's template needs besides the values: the choices in words,
    and which addresses alerting can use now (a kind with no channel in ``personal:``
    is kept but said to be off)."""
    words = translator(request_language(request))
    runtime = request.app.get(ALERTS)
    personal = runtime.config.personal if runtime is not None else None
    kinds_on = set(personal.channels()) if personal is not None else set()
    fields_on = {field for kind in kinds_on for field in _FIELDS_OF_KIND[kind]}
    return {
        "contact": values,
        "contact_error_field": error_field,
        "fields_off": [name for name in ADDRESSES if name not in fields_on],
        "severity_choices": [{"value": s, "name": words[f"severity.{s}"]} for s in SEVERITIES],
        "kind_choices": [{"value": k, "name": words.get(f"rule.{k}", k)} for k in KINDS],
    }


def save_contact(request: web.Request, account: Account, form: Any) -> Contact:
    """Check and keep what ``form`` sent as ``account``'s contact, noting the change for
    the audit log; ``ContactError`` when a field is wrong (nothing is kept then)."""
    store = contacts(request)
    before = store.get(account.id)
    contact = checked_contact(
        account.id,
        {name: str(form.get(name, "")) for name in ADDRESSES},
        [str(s) for s in form.getall("severities", [])],
        [str(k) for k in form.getall("kinds", [])],
        request.app[CLOCK_MS](),
    )
    store.save(contact)
    detail: dict[str, Any] = {
        "login": account.login,
        "addresses_changed": [
            name for name in ADDRESSES if getattr(before, name) != getattr(contact, name)
        ],
    }
    for choice in ("severities", "kinds"):
        old, new = before.facts()[choice], contact.facts()[choice]
        if old != new:
            detail[choice] = [old, new]
    request[AUDIT_ACTION] = "account.contact"
    request[AUDIT_DETAIL] = detail
    return contact
