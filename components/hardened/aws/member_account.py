"""MemberAccount: a new account of the organization, and an explicit provider that deploys into it.

Organizations creates the account with a role (`role_name`) that the management account may assume;
the provider assumes it and is pinned with `allowed_account_ids` to the new account's id, so the
account's baseline can be declared in the same program before the id is known. Removing the account
from the program never closes it, nor takes it out of the organization (and out of its guardrails).
"""

import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments
from ..documented import documented
from .arns import ROLE_NAME

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MemberAccountArgs(TypedDict):
    """Arguments of MemberAccount."""

    account_name: str
    """The account's friendly name."""
    email: str
    """Email address of the account's root user; unique across AWS."""
    parent_id: pulumi.Input[str]
    """Id of the organizational unit (ou-...) or root (r-...) the account is placed in."""
    role_name: str
    """Role Organizations creates in the account for the management account; the provider assumes it."""
    region: str
    """Region of the account's provider."""
    tags: NotRequired[dict[str, str] | None]
    """Tags for the account, and default tags of everything its provider deploys."""


@documented
class MemberAccount(pulumi.ComponentResource):
    """An organization member account with a pinned provider into it."""

    account_id: pulumi.Output[str]
    """The account's 12-digit id."""
    deployment_role_arn: pulumi.Output[str]
    """ARN of the role the provider assumes in the account."""
    provider: aws.Provider
    """Provider that deploys into the account, pinned to its id."""

    def __init__(self, name: str, args: MemberAccountArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("MemberAccount", name, args, MemberAccountArgs)
        args = checked.args
        _check(checked)
        tags = args.get("tags") or {}
        super().__init__("hardened:index:MemberAccount", name, None, opts)

        account = aws.organizations.Account(
            f"{name}-account",
            name=args["account_name"],
            email=args["email"],
            parent_id=args["parent_id"],
            role_name=args["role_name"],
            close_on_deletion=False,
            iam_user_access_to_billing="DENY",
            tags=tags or None,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=True,
                # Deleting the resource would remove the account from the organization and its guardrails.
                retain_on_delete=True,
                # Organizations does not report role_name back; without this every refresh would replace the account.
                ignore_changes=["roleName"],
            ),
        )
        role_arn = pulumi.Output.concat("arn:aws:iam::", account.id, ":role/", args["role_name"])
        self.provider = aws.Provider(
            f"{name}-provider",
            region=args["region"],
            allowed_account_ids=[account.id],
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=role_arn, session_name=f"hardened-{name}")],
            default_tags=aws.ProviderDefaultTagsArgs(tags=tags) if tags else None,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.account_id = account.id
        self.deployment_role_arn = role_arn
        self.register_outputs({"accountId": self.account_id, "deploymentRoleArn": self.deployment_role_arn})


def _check(checked: Arguments[MemberAccountArgs]) -> None:
    args = checked.args
    if not isinstance(args.get("email"), str) or not EMAIL.match(args["email"]):
        checked.refuse("email", f"must be an email address (got {args.get('email')!r})")
    if not isinstance(args.get("role_name"), str) or not ROLE_NAME.match(args["role_name"]):
        checked.refuse("role_name", f"must be an IAM role name of up to 64 characters (got {args.get('role_name')!r})")
    if not isinstance(args.get("account_name"), str) or not 1 <= len(args["account_name"]) <= 50:
        checked.refuse("account_name", f"must be 1 to 50 characters (got {args.get('account_name')!r})")
