"""What the intake refused and what agents' numbering says, for administrators.

- ``GET /api/v1/intake/dead-letters`` lists the messages kept aside, newest first
  (``?reason=``, ``?before=<id>`` to page, ``?limit=`` up to 500), without their bytes;
- ``GET /api/v1/intake/dead-letters/{id}`` downloads one message's raw bytes as it came;
- ``GET /api/v1/intake/agents`` gives each agent's highest number stored, its open gaps
  and what was given up as lost.

A dead letter may hold anything a gateway (or an attacker with its credentials) sent,
so only admins read them.
"""

from __future__ import annotations

from aiohttp import web

from xaso.server.monitoring.keys import JOURNAL, SEQUENCES
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import bad_request, forbidden, json_response, not_found
from xaso.server.web.tokens import Role

MAX_LIST = 500


def _admin_only(request: web.Request) -> None:
    if request[PRINCIPAL].role is not Role.ADMIN:
        raise forbidden()


def _int_param(request: web.Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None
    if value < 0:
        raise bad_request(f"{name} must not be negative")
    return value


async def list_dead_letters(request: web.Request) -> web.Response:
    _admin_only(request)
    limit = min(_int_param(request, "limit", 100) or 0, MAX_LIST)
    letters = await request.app[JOURNAL].dead_letters(
        limit=limit,
        before_id=_int_param(request, "before", None),
        reason=request.query.get("reason") or None,
    )
    return json_response(
        {
            "kept": request.app[JOURNAL].letters_kept,
            "dead_letters": [
                {
                    "id": letter.id,
                    "received_ms": letter.received_ms,
                    "topic": letter.topic,
                    "reason": letter.reason,
                    "detail": letter.detail,
                    "size": letter.size,
                }
                for letter in letters
            ],
        }
    )


async def get_dead_letter(request: web.Request) -> web.Response:
    _admin_only(request)
    try:
        letter_id = int(request.match_info["letter_id"])
    except ValueError:
        raise not_found("dead letter") from None
    letter = await request.app[JOURNAL].dead_letter(letter_id)
    if letter is None:
        raise not_found("dead letter")
    return web.Response(
        body=letter.payload,
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="dead-letter-{letter.id}.bin"',
            "X-Xaso-Topic": letter.topic.encode("ascii", "backslashreplace").decode(),
            "X-Xaso-Reason": letter.reason,
        },
    )


async def agent_sequences(request: web.Request) -> web.Response:
    _admin_only(request)
    agents = request.app[SEQUENCES].agents()
    return json_response(
        {
            "agents": [
                {
                    "agent": agent_id,
                    "highest_seq": track.highest,
                    "missing": track.missing,
                    "lost": track.lost,
                    "gaps": [
                        {"from_seq": gap.lo, "to_seq": gap.hi, "since_ms": gap.seen_ms}
                        for gap in track.gaps
                    ],
                }
                for agent_id, track in sorted(agents.items())
            ]
        }
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/intake/dead-letters", list_dead_letters)
    app.router.add_get("/api/v1/intake/dead-letters/{letter_id}", get_dead_letter)
    app.router.add_get("/api/v1/intake/agents", agent_sequences)
