"""Structured JSON logs on stdout (one object a line), which awslogs ships to CloudWatch.

Powertools' Logger formats them (outside Lambda it needs no context); uvicorn's error logger
is given the same handler so start-up and crash lines are JSON too. Uvicorn's access log is
replaced by the app's own request line (`access` in `app.py`), which carries fields
(method, path, status, ms) rather than a sentence.
"""

from __future__ import annotations

import logging
import os

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

SERVICE = "shop-inventory"
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or SERVICE)


def configure() -> None:
    """Route uvicorn's and psycopg pool's own loggers through the JSON handler."""
    for name in ("uvicorn", "uvicorn.error", "psycopg.pool"):
        logging.getLogger(name)
    copy_config_to_registered_loggers(
        source_logger=logger, include={"uvicorn", "uvicorn.error", "psycopg.pool"}
    )
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
