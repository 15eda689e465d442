"""Playback of the broadcast schedule on a radio gateway (docs/playout.md).

- ``plan``: the pure planner, Thông tư 39/2020 classes, pre-emption, silences;
- ``players``: one thread per play, running the configured commands (or simulated);
- ``speech``: text-to-speech rendered ahead of time;
- ``ledger``: what was played, on disk, so a restart neither repeats nor forgets;
- ``scheduler``: the ``playout`` thread that ties them and logs broadcast events;
- ``config``, ``templates``: the ``playout:`` section of agent.yaml.
"""

from xaso.agent.playout.config import PlayoutConfig
from xaso.agent.playout.scheduler import Playout

__all__ = ["Playout", "PlayoutConfig"]
