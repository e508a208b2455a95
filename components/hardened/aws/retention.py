"""Retention modes and the argument checks the AWS components share.

The predicates (`whole_number`, `is_aws_cron`) and the `*_problem` functions, which the stack schema reads too, know
no component: each caller words its own refusal. `retention_mode` words it for every caller, so it takes the checker.
"""

import re
from enum import Enum
from typing import Any, TypeGuard

from ..arguments import Arguments
from ..constraints import MAX_RETENTION_DAYS  # noqa: F401 - re-exported: the components read it here


class RetentionMode(str, Enum):
    """S3 Object Lock retention mode."""

    COMPLIANCE = "COMPLIANCE"
    """Nobody, the root user included, can shorten or lift the lock before it ends."""
    GOVERNANCE = "GOVERNANCE"
    """Principals allowed s3:BypassGovernanceRetention can lift the lock; for test environments."""


# AWS cron expressions (EventBridge User Guide, "Cron expressions reference", which AWS Backup plans and restore
# testing plans share): six fields, each with its range and the wildcards it allows; day-of-month and day-of-week
# cannot both be given, one of them must be `?`.
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
CRON_FIELDS = (
    ("minutes", 0, 59, None, ""),
    ("hours", 0, 23, None, ""),
    ("day-of-month", 1, 31, None, "?LW"),
    ("month", 1, 12, MONTHS, ""),
    ("day-of-week", 1, 7, WEEKDAYS, "?L#"),
    ("year", 1970, 2199, None, ""),
)
# EventBridge rate expressions: a positive whole number and a unit, singular only for 1.
RATE_EXPRESSION = re.compile(r"rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)")


def whole_number(value: object, low: int, high: int | None = None) -> TypeGuard[int]:
    """Whether `value` is an int (not a bool) from `low` to `high` (no upper bound when None)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value and (high is None or value <= high)


def is_aws_cron(value: object) -> bool:
    """Whether `value` is an AWS cron expression such as cron(0 3 * * ? *)."""
    return aws_cron_problem(value) is None


def aws_cron_problem(value: object) -> str | None:
    """Why `value` is not an AWS cron expression, or None when it is one."""
    if not isinstance(value, str) or not value.startswith("cron(") or not value.endswith(")"):
        return "must be written cron(minutes hours day-of-month month day-of-week year)"
    fields = value[5:-1].split(" ")
    if len(fields) != 6 or not all(fields):
        return f"has {len([f for f in fields if f])} fields, not the six AWS cron takes (minutes hours day-of-month month day-of-week year)"
    for text, (field, low, high, names, extra) in zip(fields, CRON_FIELDS, strict=True):
        problem = _cron_field_problem(text, low, high, names, extra)
        if problem:
            return f"has {field} {text!r}: {problem}"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "must give exactly one of day-of-month and day-of-week as ? (AWS cron takes one of the two, never both)"
    return None


def _cron_field_problem(text: str, low: int, high: int, names: list[str] | None, extra: str) -> str | None:
    if text in ("*", "?") and (text == "*" or "?" in extra):
        return None
    if text == "?":
        return "? is allowed in day-of-month and day-of-week only"
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isascii() and step.isdigit() and 0 < int(step) <= high):
            return f"step {step!r} is not a whole number from 1 to {high}"
        if base == "*":
            continue
        if (
            "L" in extra
            and base in ("L", "LW")
            or (base.endswith("L") and "L" in extra and _value(base[:-1], low, high, names) is not None)
        ):
            continue
        if "W" in extra and base.endswith("W") and _value(base[:-1], low, high, names) is not None:
            continue
        if "#" in extra and "#" in base:
            day, _, nth = base.partition("#")
            if _value(day, low, high, names) is not None and nth in ("1", "2", "3", "4", "5"):
                continue
            return f"{base!r} is not <day-of-week>#<1-5>"
        first, dash, last = base.partition("-")
        start = _value(first, low, high, names)
        if start is None or (dash and _value(last, low, high, names) is None):
            allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
            return f"{base!r} is outside {allowed}"
    return None


def _value(text: str, low: int, high: int, names: list[str] | None) -> int | None:
    if names and text.upper() in names:
        return names.index(text.upper()) + low
    if text.isascii() and text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


def retention_mode(checked: Arguments[Any]) -> str:
    """The `retention_mode` given (COMPLIANCE when absent), or a refusal listing the modes allowed."""
    given = checked.args.get("retention_mode") or RetentionMode.COMPLIANCE
    try:
        return RetentionMode(given).value
    except ValueError:
        allowed = ", ".join(m.value for m in RetentionMode)
        checked.refuse("retention_mode", f"must be one of {allowed} (got {given!r})")


def schedule_problem(value: object, *, rate: bool) -> str | None:
    """Why `value` is not an AWS cron expression (or, where `rate`, an EventBridge rate expression), or None."""
    if rate and isinstance(value, str) and RATE_EXPRESSION.fullmatch(value):
        return None
    problem = aws_cron_problem(value)
    if problem and rate and isinstance(value, str) and value.startswith("rate("):
        return "must be rate(1 minute|hour|day) or rate(<n> minutes|hours|days)"
    return problem
