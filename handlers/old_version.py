"""Run today's measuring code over files as they were at an older commit (for the leave-one-corpus-out
figures of the safety net and the matcher: rules and keywords written while reading a corpus can
only be judged by their version from before it was read)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_at_commit(
    commit: str, files: Sequence[str], extra: Mapping[str, str], code: str, texts: Sequence[Any]
) -> Any | None:
    """In a fresh interpreter whose import path holds `files` as at `commit` plus the `extra` files
    (path → text), with `texts` in texts.json, run `code`; what it prints, read as JSON. None when
    git has no such commit here (a shallow clone) or the run fails (its stderr's end is shown)."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for name in files:
            shown = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{commit}:{name}"], capture_output=True, check=False
            )
            if shown.returncode:
                return None
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(shown.stdout)
        for name, text in extra.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text(text, encoding="utf-8")
        (base / "texts.json").write_text(json.dumps(list(texts)), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp,
            env={**os.environ, "PYTHONPATH": tmp},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)
            return None
        return json.loads(done.stdout)
