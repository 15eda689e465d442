"""paho-mqtt's logger, routed to ours without one misleading line.

paho 2.2's network loop logs "Client is not connected" at ERROR on its way out after a
deliberate ``disconnect()``; it is no error, and on a gateway it would be read as one.
"""

from __future__ import annotations

import logging


class _DropDisconnectNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Client is not connected")


def paho_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not any(isinstance(f, _DropDisconnectNoise) for f in logger.filters):
        logger.addFilter(_DropDisconnectNoise())
    return logger
