"""The one Jinja environment of the pages and the HTML reports (``web/templates``):
autoescaped HTML, and a name a template forgot is an error, not an empty string."""

from __future__ import annotations

import jinja2

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("xaso.server.web", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
)
