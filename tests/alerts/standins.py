"""Real HTTP servers on loopback that speak providers' APIs as the providers document
them, for the notification channels' tests: what arrives is checked as the provider
would check it, and refused the way the provider refuses it.

- ``JsonReceiver``: Apprise's ``json://`` service (a POST of ``{"version", "title",
  "message", "attachments", "type"}``).
- ``SmsEagle``: an SMSEagle SMS gateway's JSON-RPC API (``POST /jsonrpc/sms``, method
  ``sms.send_sms`` with ``access_token``, ``to``, ``message``), which Apprise's
  ``smseagle://`` service calls.
- ``NtfyServer``: an ntfy server's "publish as JSON" (``POST /`` with ``{"topic",
  "message", "title"}``, an access token as ``Authorization: Bearer tk_…``), which
  Apprise's ``ntfy://`` service calls.
- ``ZaloStandIn``: Zalo's OAuth token endpoint (``/v4/oa/access_token``, rotating the
  refresh token at each exchange), ZNS (``/message/template``) and the OA API
  (``/v3.0/oa/message/cs``), with access tokens that expire.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class JsonReceiver:
    """Apprise ``json://host:port/path``: the JSON body Apprise's custom JSON service
    sends."""

    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._post)
        return app

    async def _post(self, request: web.Request) -> web.Response:
        assert request.content_type == "application/json"
        body = await request.json()
        assert set(body) >= {"version", "title", "message", "type"}, body
        assert body["type"] in ("info", "success", "warning", "failure")
        self.received.append({"path": request.path, **body})
        return web.Response(status=self.status, text="ok")


@dataclass
class SmsEagle:
    """An SMSEagle gateway's JSON-RPC SMS API, as its manual describes it: one method
    call per POST, the API token in the parameters, ``{"result": {"message_id": …,
    "status": "ok"}}`` when taken."""

    token: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/jsonrpc/sms", self._rpc)
        return app

    async def _rpc(self, request: web.Request) -> web.Response:
        assert request.content_type == "application/json"
        call = await request.json()
        params = call.get("params", {})
        if params.get("access_token") != self.token:
            return web.json_response(
                {"result": {"error_text": "Invalid login or password", "status": "error"}}
            )
        if (
            call.get("method") != "sms.send_sms"
            or not params.get("to")
            or not params.get("message")
        ):
            return web.json_response(
                {"result": {"error_text": "Invalid parameters", "status": "error"}}
            )
        for number in str(params["to"]).split(","):
            self.sent.append({"to": number, "message": params["message"]})
        return web.json_response({"result": {"message_id": next(self._ids), "status": "ok"}})


@dataclass
class NtfyServer:
    """ntfy's publish-as-JSON endpoint on a self-hosted server with access control:
    the message object back when published, ntfy's error objects otherwise."""

    token: str
    published: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/", self._publish)
        return app

    async def _publish(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(
                {"code": 40101, "http": 401, "error": "unauthorized"}, status=401
            )
        body = await request.json()
        topic = body.get("topic", "")
        if not isinstance(topic, str) or not topic or len(topic) > 64:
            return web.json_response(
                {"code": 40010, "http": 400, "error": "invalid topic"}, status=400
            )
        self.published.append(body)
        return web.json_response(
            {
                "id": secrets.token_hex(6),
                "time": 1,
                "event": "message",
                "topic": topic,
                "message": body.get("message", ""),
            }
        )


@dataclass
class _Access:
    token: str
    valid: bool = True


@dataclass
class ZaloStandIn:
    """Zalo's token exchange, ZNS and OA message APIs for one app and its OA."""

    app_id: str
    secret_key: str
    refresh_token: str  # the one that works now; each exchange replaces it
    lifetime_s: int = 90_000
    access: dict[str, _Access] = field(default_factory=dict)
    zns: list[dict[str, Any]] = field(default_factory=list)
    oa: list[dict[str, Any]] = field(default_factory=list)
    refreshes: int = 0
    followers: set[str] = field(default_factory=lambda: {"4872340967209417113"})
    # Followers whose next OA message is answered "unknown error, try again" (-100).
    busy_once: set[str] = field(default_factory=set)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_post("/message/template", self._zns)
        app.router.add_post("/v3.0/oa/message/cs", self._oa)
        return app

    def expire_all(self) -> None:
        """Every access token issued so far stops working (Zalo's ~25 h passed)."""
        for access in self.access.values():
            access.valid = False

    async def _token(self, request: web.Request) -> web.Response:
        if request.headers.get("secret_key") != self.secret_key:
            return web.json_response({"error": -14002, "error_name": "Invalid secret key"})
        assert request.content_type == "application/x-www-form-urlencoded"
        form = await request.post()
        if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
            return web.json_response({"error": -14001, "error_name": "Invalid parameter"})
        if form.get("refresh_token") != self.refresh_token:
            # The old refresh token stops working once it has been exchanged.
            return web.json_response(
                {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is invalid",
                }
            )
        self.refreshes += 1
        token = "acc-" + secrets.token_urlsafe(12)
        self.access[token] = _Access(token)
        self.refresh_token = "ref-" + secrets.token_urlsafe(12)
        # Zalo gives the lifetime as a string of seconds.
        return web.json_response(
            {
                "access_token": token,
                "refresh_token": self.refresh_token,
                "expires_in": str(self.lifetime_s),
            }
        )

    def _token_ok(self, request: web.Request) -> bool:
        access = self.access.get(request.headers.get("access_token", ""))
        return access is not None and access.valid

    async def _zns(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return web.json_response({"error": -124, "message": "Access token invalid"})
        body = await request.json()
        phone = str(body.get("phone", ""))
        if not (phone.startswith("84") and phone.isdigit() and len(phone) == 11):
            return web.json_response({"error": -108, "message": "Phone number invalid"})
        if not body.get("template_id"):
            return web.json_response({"error": -109, "message": "Template ID invalid"})
        data = body.get("template_data")
        if not isinstance(data, dict) or not data:
            return web.json_response({"error": -111, "message": "Template data empty"})
        if not all(isinstance(v, str) for v in data.values()):
            return web.json_response({"error": -112, "message": "Template data invalid"})
        self.zns.append(body)
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"msg_id": secrets.token_hex(8), "sent_time": "1"},
            }
        )

    async def _oa(self, request: web.Request) -> web.Response:
        if not self._token_ok(request):
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        body = await request.json()
        user = body.get("recipient", {}).get("user_id")
        if user in self.busy_once:
            self.busy_once.discard(user)
            return web.json_response({"error": -100, "message": "Unknown error"})
        if user not in self.followers:
            return web.json_response({"error": -213, "message": "User has not followed OA"})
        text = body.get("message", {}).get("text")
        if not isinstance(text, str) or not text or len(text) > 2000:
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        self.oa.append(body)
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": secrets.token_hex(8), "user_id": user},
            }
        )


def zalo_and_sms_alerts(zalo_base: str, app_id: str, rule: str, interval_s: float) -> str:
    """An alerts file that reaches each person on Zalo (ZNS, through ``zalo_base``, a
    ``ZaloStandIn``) and by SMS (Apprise, the URL template in ``SMS_URL``), with the
    one ``rule`` given as a YAML flow mapping; secrets from ``ZALO_SECRET`` and
    ``ZALO_REFRESH``."""
    return f"""
interval_s: {interval_s}
channels:
  - name: zalo-oa
    type: zalo
    app_id: "{app_id}"
    secret_key_env: ZALO_SECRET
    refresh_token_env: ZALO_REFRESH
    template_id: "331977"
    template_data: {{xa: commune, su_co: headline, muc_do: severity}}
    oa_api_base: {zalo_base}
    zns_api_base: {zalo_base}
    oauth_base: {zalo_base}
  - {{name: sms, type: apprise, to_url_env: SMS_URL, body: short}}
personal: {{zalo: zalo-oa, sms: sms}}
rules:
  - {rule}
"""
