"""Command templates of agent.yaml's ``playout`` section: argv lists with placeholders.

Each argument is filled on its own with ``str.format``-style fields (``{file}``,
``{cluster}``...), so a value never becomes more arguments and no shell ever reads it
(a TTS text with quotes or ``;`` stays one argument). ``{{`` and ``}}`` are literal
braces. Which placeholders a command may use is fixed per command, and checked when the
config is loaded, so a typo is a config error and not a failed broadcast at 6 a.m.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Final

# What each configured command may name. The player gets everything about the play.
PLAYER_FIELDS: Final = frozenset(
    {
        "file",  # the audio to play: the cached file, or the rendered speech
        "url",  # relay content: the stream
        "text",  # tts content: what is said
        "voice",
        "cluster",
        "volume",  # the cluster's configured volume, "" when none is set
        "duration_s",
        "schedule",
        "occurrence_ms",
    }
)
STEP_FIELDS: Final = frozenset({"cluster", "volume"})  # relay_on, relay_off, set_volume
TTS_FIELDS: Final = frozenset({"text", "voice", "out"})

_formatter = string.Formatter()


def template_problems(argv: Sequence[str], allowed: frozenset[str]) -> list[str]:
    """Every problem of a template: unknown fields, broken braces, format specs."""
    found: list[str] = []
    for arg in argv:
        try:
            fields = [(name, spec, conv) for _, name, spec, conv in _formatter.parse(arg)]
        except ValueError as exc:
            found.append(f"{arg!r}: {exc} (write {{{{ and }}}} for literal braces)")
            continue
        for name, spec, conversion in fields:
            if name is None:
                continue
            if name not in allowed:
                found.append(
                    f"unknown placeholder {{{name}}} in {arg!r}"
                    f" (allowed: {', '.join('{' + f + '}' for f in sorted(allowed))})"
                )
            elif spec or conversion:
                found.append(f"{arg!r}: placeholders take no format or conversion")
    return found


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""  # a field this play has no value for (no volume set, say)


def fill(argv: Sequence[str], values: Mapping[str, object]) -> list[str]:
    """The argv with every placeholder replaced; checked templates only."""
    text = _Values({key: "" if value is None else str(value) for key, value in values.items()})
    return [arg.format_map(text) for arg in argv]


def seconds(value: float) -> str:
    """A duration as players read it: ``900``, ``1.5``."""
    return f"{value:.3f}".rstrip("0").rstrip(".")
