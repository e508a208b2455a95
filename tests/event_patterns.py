"""EventBridge patterns judged by moto's matcher against event fixtures, for every test that needs it."""

import json
from pathlib import Path

from moto.events.models import EventPattern


def load(folder: Path, name: str) -> dict:
    """The fixture `name` of `folder`, an event as EventBridge delivers it."""
    return json.loads((folder / f"{name}.json").read_text())


def matches(pattern: dict | str, event: dict) -> bool:
    """The pattern as EventBridge receives it (JSON text), against the event as delivered."""
    return EventPattern.load(pattern if isinstance(pattern, str) else json.dumps(pattern)).matches_event(event)
