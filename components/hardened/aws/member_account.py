"""MemberAccount: a new (or adopted) account of the organization, and an explicit provider that deploys into it.

Organizations creates the account with a role (`role_name`) that the management account may assume;
the provider assumes it and is pinned with `allowed_account_ids` to the new account's id, so the
account's baseline can be declared in the same program before the id is known. Removing the account
from the program never closes it, nor takes it out of the organization (and out of its guardrails).

With `account_id`, an existing member account is adopted with Pulumi's `import` option (the provider
imports an account by its 12-digit id) instead of created. The import fails, changing nothing, unless
`account_name`, `email`, `parent_id` and `tags` match the real account: email, name and parent are read
back by the provider (hashicorp/terraform-provider-aws internal/service/organizations/account.go), and
email is required there, so it is given for an adopted account too. `role_name` and
`iam_user_access_to_billing` have no Organizations API to read them: both are ignored for an adopted account
(role_name for every account), and the role named `role_name` must already exist in it for the provider.
"""

import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from .. import constraints
from ..arguments import Arguments
from ..documented import documented
from .arns import ROLE_NAME

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACCOUNT_ID = re.compile(constraints.ACCOUNT_ID)


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
    account_id: NotRequired[str | None]
    """12-digit id of an existing member account to adopt (Pulumi import) instead of creating one."""


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
        adopted = args.get("account_id")
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
                # Nor iam_user_access_to_billing: an adopted account keeps its own setting (changing it forces a new one).
                ignore_changes=["roleName", *(["iamUserAccessToBilling"] if adopted else [])],
                # An existing account is imported by its id, never created; Pulumi refuses if its inputs differ.
                import_=adopted,
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
    account_id = args.get("account_id")
    if account_id is not None and (not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id)):
        checked.refuse("account_id", f"must be a 12-digit AWS account id as a string (got {account_id!r})")
