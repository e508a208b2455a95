"""Values the Pulumi engine passes around as JSON text (structured config, provider settings, policies), and the one
reader of numbers that arrive as numbers or as text."""

import json
import math
import re
from typing import Any

# A number as the providers write one: an integer or decimal, optionally signed, or a GCP duration ("2592000s").
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*s?\s*$", re.ASCII)


def parse_number(value: Any) -> float | None:
    """The number in `value` (an int, a float or such text), or None for a bool, NaN, infinity or anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    match = _NUMBER.match(value) if isinstance(value, str) else None
    return float(match.group(1)) if match else None


def parse_json_text(value: Any) -> Any:
    """`value` parsed if it is JSON text of an object or list; otherwise `value` itself, unchanged."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):  # not JSON, an integer past Python's 4,300 digits, or nested too deep
            return value
    return value
