"""The docs must stay true: examples decode, every setting and reason is documented."""

from __future__ import annotations

import json
import re

import pytest

from tests.paths import REPO
from xaso.protocol import (
    ProtocolError,
    decode_broadcast_event,
    decode_heartbeat,
    decode_replay,
    decode_schedule_set,
    decode_snapshot,
    decode_status,
)
from xaso.server.indicators.profile import load_default_profile
from xaso.server.settings import setting_help
from xaso.server.store.schema import DETAIL, stored_fields

PROTOCOL = (REPO / "docs/protocol.md").read_text(encoding="utf-8")
OPERATIONS = (REPO / "docs/operations.md").read_text(encoding="utf-8")


def _json_examples(markdown: str) -> list[str]:
    return re.findall(r"```json\n(.*?)```", markdown, flags=re.S)


def test_every_protocol_example_decodes_with_the_real_contract() -> None:
    examples = [json.loads(text) for text in _json_examples(PROTOCOL)]
    assert len(examples) == 8
    decoders = {
        "jpeg": decode_snapshot,
        "event": decode_broadcast_event,
        "state": decode_status,
        "seq": decode_heartbeat,
        "from_seq": decode_replay,
        "items": decode_schedule_set,
    }
    seen = []
    for example in examples:
        kind = next(key for key in decoders if key in example)
        decoders[kind](json.dumps(example).encode())
        seen.append(kind)
    assert sorted(seen) == [
        "event",
        "from_seq",
        "items",
        "jpeg",
        "seq",
        "state",
        "state",
        "state",
    ]


@pytest.mark.parametrize(
    "reason",
    [
        "unsupported_version",
        "invalid_schema",
        "agent_mismatch",
        "unknown_agent",
        "oversized",
        "foreign_device",
        "foreign_cluster",
        "snapshot_too_big",
        "snapshot_not_jpeg",
        "snapshot_bad_size",
        "unknown_camera",
        "not_a_camera",
        "foreign_camera",
    ],
)
def test_rejection_reasons_are_documented(reason: str) -> None:
    assert f"`{reason}`" in PROTOCOL or f'"{reason}"' in PROTOCOL


def test_every_server_setting_is_documented() -> None:
    for name in setting_help():
        assert f"--{name.replace('_', '-')}" in OPERATIONS, name


def test_a_broken_example_would_be_caught() -> None:
    with pytest.raises(ProtocolError):
        decode_status(b'{"v": 1, "agent": "a", "state": "asleep", "session": 1, "ts_ms": 1}')


STORAGE = (REPO / "docs/storage.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("measurement", sorted(stored_fields()))
def test_every_stored_field_is_in_the_storage_table(measurement: str) -> None:
    row = next(line for line in STORAGE.splitlines() if line.startswith(f"| `{measurement}`"))
    for name in stored_fields()[measurement]:
        assert f"`{name}`" in row or (name == DETAIL and "detail" in row), (measurement, name)


def test_the_domain_catalogue_lists_every_indicator_of_the_default_profile() -> None:
    domain = (REPO / "docs/domain.md").read_text(encoding="utf-8")
    catalogue = domain.split("\n## Indicators\n", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip(): line
        for line in catalogue.splitlines()
        if re.match(r"\| [A-Z]\d+ \|", line)
    }
    profile = load_default_profile()
    assert list(rows) == [indicator.id for indicator in profile.indicators]
    for indicator in profile.indicators:
        assert f"`{indicator.measure}`" in rows[indicator.id], indicator.id
