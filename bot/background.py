"""How a background loop that tries again (the outbox, kept replies, scheduled jobs) reports the
failure it is handling.

Another process may hold SQLite's write lock for longer than the limit: a backup, a second
`kaderbot` command, a migration. Nothing is lost (the loop tries again and the data waits in the
database), so that is one WARNING line saying so, not an ERROR with a traceback that reads like a
bug. Every other failure keeps its traceback.
"""

from __future__ import annotations

import logging
import sys

from storage.inline_sqlite import locked_out


def report_failure(log: logging.Logger, message: str, *args: object) -> None:
    """Log the exception being handled, under `message` (with %-style `args`)."""
    error = sys.exc_info()[1]
    if error is not None and locked_out(error):
        log.warning(message + " (the database stayed locked by another process)", *args)
    else:
        log.exception(message, *args)
