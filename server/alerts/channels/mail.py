"""E-mail channel: a multipart (text + HTML) message over SMTP with aiosmtplib.

Mail clients thread the messages of one alert: the first message of an alert group
gets a Message-ID made from its key and start, and reminders and the recovery refer to
it (RFC 5322 In-Reply-To / References), so "Đã khôi phục" lands under the alert it ends.
"""

from __future__ import annotations

import hashlib
import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Annotated

import aiosmtplib
import msgspec

from xaso.server.alerts.channels.base import (
    BuildContext,
    ChannelConfigError,
    DeliveryError,
    read_secret,
)
from xaso.server.alerts.message import AlertMessage
from xaso.server.alerts.templates import Renderer

log = logging.getLogger("xaso.alerts.email")

_Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


class EmailConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    host: str
    sender: str
    recipients: Annotated[list[str], msgspec.Meta(min_length=1)]
    port: _Port | None = None  # 465 with ssl, else 587
    ssl: bool = False  # implicit TLS from the first byte (port 465)
    # Upgrade a plain connection (port 587, submission). Unset means "yes unless ssl";
    # a server that does not offer STARTTLS is then an error, never a silent downgrade.
    starttls: bool | None = None
    username: str | None = None
    password_env: str | None = None
    timeout_s: Annotated[float, msgspec.Meta(gt=0, le=300)] = 30


def thread_id(message: AlertMessage) -> str:
    """The Message-ID of the alert group's first mail, the same for all its retries."""
    digest = hashlib.sha256(f"{message.key}\0{message.started_ms}".encode()).hexdigest()[:32]
    return f"<{digest}@alerts.xaso>"


def compose(
    message: AlertMessage, renderer: Renderer, sender: str, recipients: list[str]
) -> EmailMessage:
    rendered = renderer.render(message)
    mail = EmailMessage()  # the default policy encodes a UTF-8 subject (RFC 2047)
    mail["Subject"] = rendered.subject
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(message.ts_ms / 1000, localtime=False)
    root = thread_id(message)
    if message.state == "firing":
        mail["Message-ID"] = root
    else:
        mail["Message-ID"] = make_msgid(domain="alerts.xaso")
        mail["In-Reply-To"] = root
        mail["References"] = root
    mail["Content-Language"] = message.lang
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    return mail


class EmailChannel:
    def __init__(
        self, name: str, config: EmailConfig, ctx: BuildContext, password: str | None
    ) -> None:
        self.name = name
        self.shared = True
        self._config = config
        self._renderer = ctx.renderer
        self._password = password

    def __repr__(self) -> str:
        return f"EmailChannel({self.name!r})"

    async def send(self, message: AlertMessage) -> None:
        await self._send(message, self._config.recipients)

    async def send_to(self, message: AlertMessage, address: str) -> None:
        """To one person's address (``server/alerts/personal.py``), through the same
        server and sender."""
        await self._send(message, [address])

    async def _send(self, message: AlertMessage, recipients: list[str]) -> None:
        config = self._config
        mail = compose(message, self._renderer, config.sender, recipients)
        try:
            refused, _ = await aiosmtplib.send(
                mail,
                hostname=config.host,
                port=config.port or (465 if config.ssl else 587),
                username=config.username,
                password=self._password,
                use_tls=config.ssl,
                start_tls=_starttls(config),
                timeout=config.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            retryable = any(400 <= code < 500 for code in codes)
            raise DeliveryError(f"all recipients refused: {codes}", retryable=retryable) from None
        except aiosmtplib.SMTPResponseException as exc:
            # RFC 5321 §4.2.1: 4yz is a transient failure, 5yz a permanent one (bad
            # address, wrong password, message refused).
            raise DeliveryError(
                f"SMTP {exc.code}: {exc.message}", retryable=400 <= exc.code < 500
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection refused or lost, timeouts, TLS handshake: the server may come back.
            raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from None
        if refused:
            # Some took it: sending again would mail the others twice.
            log.warning("e-mail %s: refused by %s", self.name, ", ".join(sorted(refused)))

    async def close(self) -> None:
        """Nothing to close: one SMTP connection per message (alerts are rare)."""


def _starttls(config: EmailConfig) -> bool:
    return not config.ssl if config.starttls is None else config.starttls


def build(config: EmailConfig, ctx: BuildContext) -> EmailChannel:
    if config.ssl and config.starttls:
        raise ChannelConfigError(
            f"{ctx.path}.starttls", "ssl (port 465) and starttls (port 587) exclude each other"
        )
    if config.password_env is not None and config.username is None:
        raise ChannelConfigError(f"{ctx.path}.username", "password_env is set but username is not")
    password = (
        read_secret(ctx, "password_env", config.password_env) if config.password_env else None
    )
    if config.username is not None and password is None:
        raise ChannelConfigError(f"{ctx.path}.password_env", "username is set without a password")
    return EmailChannel(ctx.name, config, ctx, password)
