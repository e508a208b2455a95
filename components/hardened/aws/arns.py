"""Shape checks for ARNs given as plain strings (values only known after deployment are not checked)."""

import re
from typing import Any

IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+$")
MAX_ROLE_NAME = 64  # IAM role names are at most 64 characters
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")  # IAM's own pattern for a role name (no path, no wildcard)
# The managed policy of every break-glass role unless told otherwise; the guardrails let the deployer attach only it.
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
MANAGED_POLICY_ARN = re.compile(r"^arn:aws[\w-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")


def malformed_principal_arns(values: list[Any]) -> list[str]:
    """The plain strings in `values` that are not an exact IAM role or user ARN (no wildcards)."""
    return [v for v in values if isinstance(v, str) and not IAM_PRINCIPAL_ARN.match(v)]
