"""The ``playout:`` section of agent.yaml: strict, every problem with its line and path;
command templates that keep every value one argument."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import REPO
from xaso.agent.config import check_agent_config_file, load_agent_config
from xaso.agent.playout.config import DEFAULT_PLAYER, DEFAULT_RELAY_PLAYER, DEFAULT_TTS
from xaso.agent.playout.templates import PLAYER_FIELDS, fill, seconds, template_problems


def test_the_shipped_radio_example_plays_and_the_cctv_one_does_not() -> None:
    radio = load_agent_config(REPO / "deploy/agent-radio.yaml")
    assert radio.playout is not None
    market = radio.playout.for_cluster("xuan-hong-rc-01")
    assert market.volume == 80 and market.relay_on == radio.playout.for_cluster("x").relay_on
    remote = radio.playout.for_cluster("xuan-hong-rc-13")
    assert remote.relay_on == ("gpioset", "gpiochip0", "17=1") and remote.volume == 70
    assert load_agent_config(REPO / "deploy/agent-cctv.yaml").playout is None


def test_defaults_resolve_per_cluster(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(
        "agent: {id: gw}\nplayout:\n  clusters:\n    rc-02: {player: [aplay, -q, '{file}']}\n",
        encoding="utf-8",
    )
    playout = load_agent_config(path).playout
    assert playout is not None
    assert playout.for_cluster("rc-01").player == DEFAULT_PLAYER
    assert playout.for_cluster("rc-02").player == ("aplay", "-q", "{file}")
    assert playout.for_cluster("rc-02").relay_player == DEFAULT_RELAY_PLAYER
    assert playout.for_cluster("rc-01").relay_on is None
    assert playout.tts_argv == DEFAULT_TTS
    assert playout.late_start_s == 600


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(
        """agent: {id: gw}
playout:
  player: [aplay, "{fille}"]
  tts: [espeak-ng, "{text}"]
  volume: 120
  relay_on: [relay, "{cluster}", "on"]
  late_start_s: 0
  clusters:
    Bad_Id: {volume: 5}
    rc-01:
      relay_player: []
      set_volume: [vol, "{volume:>3}"]
      loudness: 3
  simulated: {fail_clusters: [rc-01]}
""",
        encoding="utf-8",
    )
    problems = [str(p) for p in check_agent_config_file(path)]
    expected = [
        (3, "playout.player: unknown placeholder {fille}"),
        (4, "playout.tts: tts must write the speech to {out}"),
        (5, "playout.volume: volume must be between 0 and 100"),
        (6, "playout.relay_on: give relay_on and relay_off together"),
        (7, "playout.late_start_s: late_start_s must be positive"),
        (9, "playout.clusters.Bad_Id: cluster id 'Bad_Id' must match"),
        (11, "playout.clusters.rc-01.relay_player: relay_player must name a program"),
        (12, "playout.clusters.rc-01.set_volume: '{volume:>3}': placeholders take no format"),
        (13, "unknown key 'loudness'"),
        (14, "playout.simulated: simulated runs no program: remove player, relay_on,"),
    ]
    for line, text in expected:
        assert any(p.startswith(f"{path}:{line}:") and text in p for p in problems), (
            line,
            text,
            problems,
        )
    assert len(problems) == len(expected), problems


def test_without_a_playout_section_nothing_is_checked_or_played(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("agent: {id: gw}\n", encoding="utf-8")
    assert load_agent_config(path).playout is None


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["play", "{file"], "expected '}' before end of string"),
        (["play", "{0}"], "unknown placeholder {0}"),
        (["play", "{file.name}"], "unknown placeholder {file.name}"),
        (["play", "{file!r}"], "placeholders take no format or conversion"),
    ],
)
def test_broken_templates_are_named(argv: list[str], problem: str) -> None:
    [found] = template_problems(argv, PLAYER_FIELDS)
    assert problem in found


def test_a_value_stays_one_argument_whatever_it_holds() -> None:
    text = 'Bà con "chú ý"; rm -rf / {file} $(reboot)'
    argv = fill(["espeak-ng", "--text={text}", "{{literal}}", "-v", "{voice}"], {"text": text})
    assert argv == ["espeak-ng", f"--text={text}", "{literal}", "-v", ""]
    assert [seconds(900.0), seconds(1.5), seconds(0.25)] == ["900", "1.5", "0.25"]
