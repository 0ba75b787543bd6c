"""The ``bland_async`` logger, and ``BLAND_LOG`` to switch it on without code.

The package logs to ``logging.getLogger("bland_async")``: DEBUG, one line per request
and response; INFO, retries (with the wait, and whether the whole client pauses for a
429) and promote's reconciliations; WARNING, a call that fails after retrying. The API
key and bodies are never logged. Like any library logger it has a ``NullHandler``, so
nothing is printed unless the application configures logging, or sets ``BLAND_LOG``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Final

from bland_async._errors import ConfigurationError

__all__ = ["LOGGER_NAME", "configure_from_env", "logger"]

LOGGER_NAME: Final = "bland_async"
logger: Final = logging.getLogger(LOGGER_NAME)
logger.addHandler(logging.NullHandler())

_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler ``BLAND_LOG`` adds (at most one)."""


def configure_from_env() -> None:
    """Apply ``BLAND_LOG`` (``debug``, ``info``, ``warning``; empty or unset: nothing).

    Sets the ``bland_async`` logger's level and gives it one stderr handler, once;
    a client built later with the variable changed applies the new level.

    Raises:
        ConfigurationError: ``BLAND_LOG`` holds another value.
    """
    value = os.environ.get("BLAND_LOG", "").strip().lower()
    if not value:
        return
    level = _LEVELS.get(value)
    if level is None:
        raise ConfigurationError(
            f"BLAND_LOG={value!r} is not one of {', '.join(_LEVELS)} (or empty for off)"
        )
    logger.setLevel(level)
    if not any(isinstance(handler, _EnvHandler) for handler in logger.handlers):
        handler = _EnvHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
