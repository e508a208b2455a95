"""MfaEnforcement: one account's password policy and the group that makes IAM users use MFA.

The password policy meets the CIS AWS Foundations Benchmark (at least 14 characters, the four character
classes, the last 24 passwords never reused, expiry within 90 days; FSBP IAM.7, IAM.15, IAM.16). Members of
the group can do nothing but set up their own MFA device until they sign in with it; the `BoolIfExists`
form also catches requests signed with long-term access keys, which carry no MFA key at all.

The organization-wide half lives in the root SCP (`documents/mfa.py`): nobody creates access keys, and an
IAM user changes permissions or assumes a role only with MFA. In the management account,
`centralize_root_access` turns on centralized root access, so member accounts keep no root credentials.
"""

import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import ROLE_NAME
from .documents.mfa import require_mfa
from .retention import whole_number

CIS_MINIMUM_PASSWORD_LENGTH = 14
CIS_PASSWORD_REUSE_PREVENTION = 24  # also the most IAM remembers
CIS_MAX_PASSWORD_AGE_DAYS = 90
ROOT_ACCESS_FEATURES = ["RootCredentialsManagement", "RootSessions"]


class MfaEnforcementArgs(TypedDict):
    """Arguments of MfaEnforcement."""

    minimum_password_length: NotRequired[int | None]
    """Shortest password IAM accepts: 14 (the default) to 128."""
    max_password_age_days: NotRequired[int | None]
    """Days before a password expires: 1 to 90 (the default)."""
    group_name: NotRequired[str | None]
    """Name of the IAM group (and its policy) whose members must use MFA; default hardened-mfa-required."""
    centralize_root_access: NotRequired[bool | None]
    """Management account only: manage member accounts' root credentials and sessions centrally."""


@documented
class MfaEnforcement(pulumi.ComponentResource):
    """A CIS password policy and an MFA-required group for one account."""

    group_name: pulumi.Output[str]
    """Name of the group to add every IAM user to."""
    policy_arn: pulumi.Output[str]
    """ARN of the managed policy that denies everything without MFA."""

    def __init__(self, name: str, args: MfaEnforcementArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("MfaEnforcement", name, args, MfaEnforcementArgs)
        args = checked.args
        length = _given_or(args.get("minimum_password_length"), CIS_MINIMUM_PASSWORD_LENGTH)
        if not whole_number(length, CIS_MINIMUM_PASSWORD_LENGTH, 128):
            checked.refuse("minimum_password_length", f"must be a whole number from 14 to 128 (got {length!r})")
        max_age = _given_or(args.get("max_password_age_days"), CIS_MAX_PASSWORD_AGE_DAYS)
        if not whole_number(max_age, 1, CIS_MAX_PASSWORD_AGE_DAYS):
            checked.refuse("max_password_age_days", f"must be a whole number of days from 1 to 90 (got {max_age!r})")
        group_name = args.get("group_name") or "hardened-mfa-required"
        if not isinstance(group_name, str) or not ROLE_NAME.match(group_name):
            checked.refuse(
                "group_name", f"must be an IAM name of 1 to 64 letters, digits and +=,.@_- (got {group_name!r})"
            )
        super().__init__("hardened:index:MfaEnforcement", name, None, opts)

        child = pulumi.ResourceOptions(parent=self)
        aws.iam.AccountPasswordPolicy(
            f"{name}-password-policy",
            minimum_password_length=length,
            require_lowercase_characters=True,
            require_uppercase_characters=True,
            require_numbers=True,
            require_symbols=True,
            allow_users_to_change_password=True,
            password_reuse_prevention=CIS_PASSWORD_REUSE_PREVENTION,
            max_password_age=max_age,
            # An expired password is changed at the next sign-in rather than locking the user out for good.
            hard_expiry=False,
            opts=child,
        )
        policy = aws.iam.Policy(
            f"{name}-policy",
            name=group_name,
            description="Denies everything but setting up one's own MFA device until signed in with MFA",
            policy=json.dumps(require_mfa()),
            opts=child,
        )
        group = aws.iam.Group(f"{name}-group", name=group_name, opts=child)
        aws.iam.GroupPolicyAttachment(f"{name}-group-policy", group=group.name, policy_arn=policy.arn, opts=child)
        if args.get("centralize_root_access"):
            # Needs trusted access for iam.amazonaws.com in the organization (a one-time prerequisite).
            aws.iam.OrganizationsFeatures(f"{name}-root-access", enabled_features=ROOT_ACCESS_FEATURES, opts=child)

        self.group_name = group.name
        self.policy_arn = policy.arn
        self.register_outputs({"groupName": self.group_name, "policyArn": self.policy_arn})


def _given_or(value, default):
    """The value given, or the default when none is (0 is given, and refused)."""
    return default if value is None else value
