"""Shape checks for ARNs given as plain strings (values only known after deployment are not checked)."""

import re
from typing import Any

IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$", re.ASCII)
ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+$", re.ASCII)
MAX_ROLE_NAME = 64  # IAM role names are at most 64 characters
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)  # IAM's own pattern for a role name (no path, no wildcard)
# The managed policy of every break-glass role unless told otherwise; the guardrails let the deployer attach only it.
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
MANAGED_POLICY_ARN = re.compile(r"^arn:aws[\w-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$", re.ASCII)
ACCOUNT_ID = re.compile(r"^\d{12}$", re.ASCII)
ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$", re.ASCII)


def malformed_principal_arns(values: list[Any]) -> list[str]:
    """The plain strings in `values` that are not an exact IAM role or user ARN (no wildcards)."""
    return [v for v in values if isinstance(v, str) and not IAM_PRINCIPAL_ARN.match(v)]
