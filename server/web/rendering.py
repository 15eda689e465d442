"""A page from its template, in the user's language, with what every page shows: the
menu, who is signed in, the CSRF token its forms send back, the language switch.

Vietnamese by default; ``?lang=en`` switches, and is remembered in a cookie.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from xaso.server.web.auth import PRINCIPAL, SESSION
from xaso.server.web.navigation import current_entry, menu_for
from xaso.server.web.templating import ENVIRONMENT
from xaso.server.words import LANGUAGES, pick_language, role_name, translator

LANG_COOKIE = "xaso_lang"


def request_language(request: web.Request) -> str:
    """The language asked for (``?lang=``), else the one the page remembered, else
    Vietnamese."""
    return pick_language(request.query.get("lang"), request.cookies.get(LANG_COOKIE))


def language_links(request: web.Request) -> dict[str, str]:
    """The language switch's links: the page as it is (its query kept: the commune, the
    period, the filters), in each language."""
    kept = [(name, value) for name, value in request.query.items() if name != "lang"]
    return {lang: "?" + urlencode([*kept, ("lang", lang)]) for lang in LANGUAGES}


def render(request: web.Request, template: str, **context: object) -> web.Response:
    lang = request_language(request)
    words = translator(lang)
    principal = request.get(PRINCIPAL)
    session = request.get(SESSION)
    html = ENVIRONMENT.get_template(template).render(
        t=words,
        lang=lang,
        user=principal,
        user_role=role_name(principal.role, words) if principal is not None else "",
        csrf_token=session.csrf_token if session is not None else "",
        menu=menu_for(principal),
        current=current_entry(request.path),
        path_qs=request.path_qs,
        language_links=language_links(request),
        **context,
    )
    response = web.Response(text=html, content_type="text/html")
    if request.query.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response
