"""``xaso agent --config PATH``: run the agent until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from xaso.agent.config import load_agent_config
from xaso.agent.runner import Agent


def run_agent(config_path: str) -> int:
    config = load_agent_config(config_path)
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        logging.getLogger("xaso.agent").info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        agent = Agent(config)
    except (ValueError, OSError) as exc:
        # A secret that cannot be read, a state folder that cannot be written: say
        # which, plainly, and refuse to start (systemd shows it in the journal).
        print(f"xaso agent: {exc}", file=sys.stderr)
        return 2
    agent.run(stop)
    return 0
