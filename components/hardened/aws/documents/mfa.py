"""Policies that put MFA on every human path: IAM users, the break-glass users and the break-glass role.

`aws:MultiFactorAuthPresent` is absent from requests signed with long-term access keys, so a Deny tests it
with `BoolIfExists ... false` (absent counts as no MFA), while an Allow or a trust tests `Bool ... true`.
"""

from collections.abc import Iterable

from .statements import policy_document

# What a user without MFA may still do: look at itself and set up its own MFA device (AWS's own list, plus the
# password change a first console sign-in demands).
MFA_SELF_SERVICE = (
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
)
OWN_USER = "arn:aws:iam::*:user/${aws:username}"
# A virtual device is named freely when created (users may hold several); it becomes the user's only when
# enabled on the user, which `OWN_USER` restricts. AWS's own example policy does the same.
ANY_MFA_DEVICE = "arn:aws:iam::*:mfa/*"

# Changes to who may do what, and to the credentials that prove it: an IAM user makes them only with MFA.
SENSITIVE_ACTIONS = (
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:DeactivateMFADevice",
    "iam:DeleteVirtualMFADevice",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:UpdateAccessKey",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateLoginProfile",
    "sts:AssumeRole",
)


def allow_mfa_self_service() -> dict:
    """A user may look at itself, change its password, create a virtual MFA device and enable it on itself."""
    return {
        "Sid": "AllowMfaSelfService",
        "Effect": "Allow",
        "Action": list(MFA_SELF_SERVICE),
        "Resource": [OWN_USER, ANY_MFA_DEVICE],
    }


def allow_listing_mfa_devices() -> dict:
    """Listing virtual MFA devices and reading the password policy take Resource `*`."""
    return {
        "Sid": "AllowListingMfaDevices",
        "Effect": "Allow",
        "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
        "Resource": "*",
    }


def deny_everything_without_mfa() -> dict:
    """Without MFA, a user does nothing but the self-service above, whatever else its policies allow."""
    return {
        "Sid": "DenyEverythingWithoutMfa",
        "Effect": "Deny",
        "NotAction": list(MFA_SELF_SERVICE),
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }


# The self-service actions that act on a user.
ON_A_USER = ("iam:ChangePassword", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ResyncMFADevice")


def deny_others_mfa_without_mfa() -> dict:
    """Without MFA, the self-service acts on the user itself, never on another user (whatever else it is allowed)."""
    return {
        "Sid": "DenyOthersMfaWithoutMfa",
        "Effect": "Deny",
        "Action": list(ON_A_USER),
        "NotResource": OWN_USER,
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }


def require_mfa() -> dict:
    """The managed policy of the MFA-required group: nothing but MFA self-service until MFA is used."""
    return policy_document(
        allow_mfa_self_service(),
        allow_listing_mfa_devices(),
        deny_everything_without_mfa(),
        deny_others_mfa_without_mfa(),
    )


def deny_access_key_creation() -> dict:
    """Nobody creates long-term access keys: keys carry no MFA and outlive the people who hold them."""
    return {
        "Sid": "DenyAccessKeyCreation",
        "Effect": "Deny",
        "Action": "iam:CreateAccessKey",
        "Resource": "*",
    }


def deny_sensitive_actions_without_mfa() -> dict:
    """SCP statement: an IAM user changes permissions or credentials, or assumes a role, only with MFA.

    Scoped to IAM users (`aws:PrincipalType` User): roles, service roles and federated or Identity Center
    sessions carry no MFA key, and their MFA is enforced where they are assumed.
    """
    return {
        "Sid": "DenySensitiveActionsWithoutMfa",
        "Effect": "Deny",
        "Action": list(SENSITIVE_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:PrincipalType": "User"},
            "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
        },
    }


def allow_assuming_break_glass(role_name: str, organization_id: str, max_mfa_age_seconds: int) -> dict:
    """A break-glass user may assume the break-glass role of any account of the organization, only with MFA used
    within `max_mfa_age_seconds`. Named by role name and organization, not by a list of ARNs: the policy keeps one
    size for 6 accounts or 600 (an inline group policy holds at most 5,120 characters)."""
    return {
        "Sid": "AllowAssumingBreakGlass",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": f"arn:aws:iam::*:role/{role_name}",
        "Condition": {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": str(max_mfa_age_seconds)},
            "StringEquals": {"aws:ResourceOrgID": organization_id},
        },
    }


def break_glass_user_policy(role_name: str, organization_id: str, max_mfa_age_seconds: int) -> dict:
    """All a break-glass user may do: set up its MFA, then assume the break-glass roles with it; never create keys."""
    return policy_document(
        allow_mfa_self_service(),
        allow_listing_mfa_devices(),
        allow_assuming_break_glass(role_name, organization_id, max_mfa_age_seconds),
        deny_everything_without_mfa(),
        deny_others_mfa_without_mfa(),
        deny_access_key_creation(),
    )


def trust_break_glass_users(user_arns: Iterable[str], max_mfa_age_seconds: int) -> dict:
    """Trust policy of a break-glass role: only the named users, only with MFA used within `max_mfa_age_seconds`."""
    return policy_document(
        {
            "Sid": "TrustBreakGlassUsersWithRecentMfa",
            "Effect": "Allow",
            "Principal": {"AWS": sorted(set(user_arns))},
            "Action": "sts:AssumeRole",
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": str(max_mfa_age_seconds)},
            },
        }
    )
