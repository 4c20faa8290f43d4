"""Importing python-telegram-bot without the optional modules it takes only because they are installed.

`import telegram` imports every class of the Bot API, and two optional extras with them when they are
present: `cryptography`, for Telegram Passport's decryption (KaderBot never asks for Passport data),
and httpx's command-line client (`httpx._main`: rich, pygments, click's parsers), which httpx imports
for its `httpx` command. Neither is a dependency of KaderBot; they are installed here by test tools
(moto brings cryptography) and by typer (rich). Measured in `kaderbot run` (issue #19, idle memory):
cryptography's OpenSSL bindings cost about 8 MB of resident memory, httpx's CLI about 2.7 MB.

pywa (WhatsApp) looks for cryptography to decrypt WhatsApp Flows: for it only httpx's CLI is left out.

`optional_modules_absent()` makes those imports fail, as on a machine without them, for as long as it
is open, and only for modules not imported yet; afterwards they import normally again (a later
`import cryptography` gets the real package). PTB then reports Passport as unavailable
(`CRYPTO_INSTALLED` False), as it does wherever cryptography is not installed.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

# Imported by python-telegram-bot and httpx only if installed; unused by KaderBot.
HTTPX_CLI = ("httpx._main",)
TELEGRAM_EXTRAS = ("cryptography", *HTTPX_CLI)


@contextlib.contextmanager
def optional_modules_absent(names: tuple[str, ...] = TELEGRAM_EXTRAS) -> Iterator[None]:
    """Within the block, `import name` (and of its submodules) raises ImportError for each of
    `names` that is not imported yet."""
    blocked = [name for name in names if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not found" marker
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
