"""Per-person routing: each officer gets the alerts of their communes on the channels
they chose, besides the shared channels of the rules.

The alerts file says which channel carries each kind of address (``personal:``); each
person's addresses and choices are theirs to set (``contacts.py``); which communes reach
them is their account's scope (an operator's communes; no communes: the whole province).
A message goes to a person when its commune is in their scope, its severity and its rule's
type are among those they want, and they have an address for a channel set here. A
firing's reminders and its recovery follow the same choice (the same severity and type),
so nobody gets a "resolved" without its alert.

```yaml
personal:
  zalo: zalo-oa        # a zalo channel: ZNS to their Zalo phone, or OA to their user id
  sms: sms-gateway     # an apprise channel with to_url_env (an SMS gateway's URL template)
  email: tinh-email    # an email channel: its server and sender, their address
  telegram: bot-xaso   # a telegram channel: its bot, their chat
```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Final, NamedTuple

import msgspec

from xaso.server.alerts.message import AlertMessage

if TYPE_CHECKING:  # contacts.py reads the rule types of config.py, which reads this
    from xaso.server.alerts.contacts import Contact

# Which channel type carries each kind of address.
CHANNEL_TYPE_OF: Final = {
    "zalo": "zalo",
    "sms": "apprise",
    "email": "email",
    "telegram": "telegram",
}


class PersonalRouting(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The ``personal:`` section: a channel name per kind of address, each optional."""

    zalo: str | None = None
    sms: str | None = None
    email: str | None = None
    telegram: str | None = None

    def channels(self) -> dict[str, str]:
        """kind of address -> channel name, for those set."""
        return {kind: name for kind in CHANNEL_TYPE_OF if (name := getattr(self, kind))}


class Person(NamedTuple):
    """An enabled account, as routing sees it: ``may_see`` is its scope today."""

    account_id: str
    login: str
    may_see: Callable[[str], bool]


class Delivery(NamedTuple):
    channel: str
    address: str  # as the channel's ``send_to`` takes it
    login: str  # whom it is for: named in the history, never the address


def addresses(contact: Contact) -> dict[str, str]:
    """kind of address -> the address as its channel takes it; Zalo by phone (ZNS
    reaches any Zalo user) before the OA's user id (only followers)."""
    found: dict[str, str] = {}
    if contact.zalo_phone:
        found["zalo"] = f"phone:{contact.zalo_phone}"
    elif contact.zalo_user_id:
        found["zalo"] = f"user:{contact.zalo_user_id}"
    if contact.sms_phone:
        found["sms"] = contact.sms_phone
    if contact.email:
        found["email"] = contact.email
    if contact.telegram_chat:
        found["telegram"] = contact.telegram_chat
    return found


def deliveries(
    message: AlertMessage,
    routing: PersonalRouting,
    people: Iterable[Person],
    contacts: Mapping[str, Contact],
) -> list[Delivery]:
    """Whom ``message`` goes to, on which channel, at which address."""
    commune = message.commune
    if commune is None:
        return []
    channels = routing.channels()
    found: list[Delivery] = []
    for person in people:
        contact = contacts.get(person.account_id)
        if contact is None or not person.may_see(commune):
            continue
        if not contact.wants(message.severity, message.rule):
            continue
        for kind, address in addresses(contact).items():
            if kind in channels:
                found.append(Delivery(channels[kind], address, person.login))
    return found
