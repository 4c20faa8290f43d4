"""JSON for the database's JSON columns (the engine's `json_serializer` / `json_deserializer`).

Every conversation turn writes and reads its state as JSON (storage/turns.py); orjson does either in
a fraction of the json module's time. What comes back is the value the json module would give:
keys that are not strings are written as strings (as json.dumps does), and NaN or Infinity that
json.dumps wrote into older rows is read by the json module. Two differences, for values KaderBot
never stores in a JSON column: orjson writes NaN as null, and an integer beyond 64 bits (written
by json.dumps here) comes back as a float.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:  # an integer beyond 64 bits: as json.dumps writes it
        return json.dumps(value)


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN or Infinity, which json.dumps writes
        return json.loads(text)
