"""Retention modes and the argument checks the AWS components share; each caller words its own error."""

import re
from enum import Enum
from typing import Optional

from ..errors import ComponentArgumentError

MAX_RETENTION_DAYS = 36500  # the ceiling of S3 Object Lock and AWS Backup Vault Lock (100 years)


class RetentionMode(str, Enum):
    """S3 Object Lock retention mode."""

    COMPLIANCE = "COMPLIANCE"
    """Nobody, the root user included, can shorten or lift the lock before it ends."""
    GOVERNANCE = "GOVERNANCE"
    """Principals allowed s3:BypassGovernanceRetention can lift the lock; for test environments."""


AWS_CRON = re.compile(r"cron\(.+\)")


def whole_number(value: object, low: int, high: Optional[int] = None) -> bool:
    """Whether `value` is an int (not a bool) from `low` to `high` (no upper bound when None)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value and (high is None or value <= high)


def is_aws_cron(value: object) -> bool:
    """Whether `value` is an AWS cron expression such as cron(0 3 * * ? *)."""
    return isinstance(value, str) and AWS_CRON.fullmatch(value) is not None


def retention_mode(component: str, name: str, given: object) -> str:
    """The retention mode given (COMPLIANCE when absent), or an error listing the modes allowed."""
    given = given or RetentionMode.COMPLIANCE
    try:
        return RetentionMode(given).value
    except ValueError:
        allowed = ", ".join(m.value for m in RetentionMode)
        raise ComponentArgumentError(component, name, "retention_mode", f"must be one of {allowed} (got {given!r})") from None
