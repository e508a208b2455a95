"""Values the Pulumi engine passes around as JSON text (structured config, provider settings, policies)."""

import json
from typing import Any


def parse_json_text(value: Any) -> Any:
    """`value` parsed if it is JSON text of an object or list; otherwise `value` itself, unchanged."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):  # not JSON, an integer past Python's 4,300 digits, or nested too deep
            return value
    return value
