"""Building blocks shared by every policy document."""

from collections.abc import Iterable

POLICY_VERSION = "2012-10-17"


def policy_document(*statements: dict) -> dict:
    """A policy document holding `statements` in the order given."""
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def unless_principal_is(principal_arns: Iterable[str]) -> dict:
    """Condition exempting exactly these IAM principals (role or user ARNs, never wildcards).

    `aws:PrincipalArn` is the role's ARN for assumed-role sessions, so naming the role is enough.
    With no principals the condition is empty: the statement applies to everyone.
    """
    arns = sorted(set(principal_arns))
    return {"ArnNotEquals": {"aws:PrincipalArn": arns}} if arns else {}


def with_condition(statement: dict, condition: dict) -> dict:
    """`statement` with `condition` added; unchanged when the condition is empty."""
    return {**statement, "Condition": condition} if condition else statement


def bucket_resources(bucket_arn: str) -> list[str]:
    """The bucket and every object in it."""
    return [bucket_arn, f"{bucket_arn}/*"]
