"""Shape checks for ARNs given as plain strings (values only known after deployment are not checked)."""

import re
from collections.abc import Callable
from typing import Any

from .. import constraints

IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$", re.ASCII)
ROLE_ARN = re.compile(constraints.ROLE_ARN, re.ASCII)
MAX_ROLE_NAME = 64  # IAM role names are at most 64 characters
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)  # IAM's own pattern for a role name (no path, no wildcard)
# The managed policy of every break-glass role unless told otherwise; the guardrails let the deployer attach only it.
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
MANAGED_POLICY_ARN = re.compile(r"^arn:aws[\w-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$", re.ASCII)
ACCOUNT_ID = re.compile(constraints.ACCOUNT_ID, re.ASCII)
ORGANIZATION_ID = re.compile(constraints.ORGANIZATION_ID, re.ASCII)


def malformed_principal_arns(values: list[Any]) -> list[str]:
    """The plain strings in `values` that are not an exact IAM role or user ARN (no wildcards)."""
    return [v for v in values if isinstance(v, str) and not IAM_PRINCIPAL_ARN.match(v)]


# What an identifier must be, by the argument name's ending, once an Output resolves (plain values are each
# component's own check). Role- and principal-named ARNs must name exact IAM principals; policy ARNs managed
# policies; any other ARN must be a whole ARN without wildcards.
ARN = re.compile(r"^arn:aws(-[a-z]+)*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:[^*?\s]+$", re.ASCII)
PRINCIPAL_ARGUMENTS = ("administrator_arns", "break_glass_arns", "deployer_arns")


def resolved_value_problem(argument: str) -> "Callable[[object], str | None] | None":
    """The check for an argument named `argument` once its Output resolves, or None when its name is no identifier."""
    if argument.endswith(("policy_arn", "policy_arns")):
        return _matching(MANAGED_POLICY_ARN, "is not a managed policy ARN such as arn:aws:iam::aws:policy/Name")
    if argument.endswith(("role_arn", "role_arns")):
        return _matching(ROLE_ARN, "is not an exact IAM role ARN such as arn:aws:iam::111122223333:role/name")
    if argument.endswith(PRINCIPAL_ARGUMENTS):
        return _matching(
            IAM_PRINCIPAL_ARN, "is not an exact IAM role or user ARN such as arn:aws:iam::111122223333:role/name"
        )
    if argument.endswith(("_arn", "_arns")) and argument != "resource_arns":
        return _matching(ARN, "is not a whole ARN without wildcards")
    if argument.endswith(("account_id", "account_ids")):
        return _matching(ACCOUNT_ID, "is not a 12-digit AWS account id")
    if argument == "organization_id":
        return _matching(ORGANIZATION_ID, "is not an AWS organization id such as o-abcd123456")
    return None


def _matching(pattern: "re.Pattern[str]", problem: str) -> "Callable[[object], str | None]":
    def check(value: object) -> "str | None":
        return (
            None
            if isinstance(value, str) and pattern.fullmatch(value) and "*" not in value and "?" not in value
            else problem
        )

    return check
