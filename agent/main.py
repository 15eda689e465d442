"""``xaso agent --config PATH``: run the agent until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import threading

from agent.config import load_agent_config
from agent.runner import Agent


def run_agent(config_path: str) -> int:
    config = load_agent_config(config_path)
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        logging.getLogger("xaso.agent").info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    Agent(config).run(stop)
    return 0
