"""MfaEnforcement: the CIS password policy, the MFA-required group and its policy, exactly, and its bad arguments."""

import pytest
from planning import ACCOUNT, account_provider, in_account, one, plan_of, refusal, resources

from hardened.aws import MfaEnforcement
from hardened.aws.documents.mfa import require_mfa

PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
ROOT_ACCESS = "aws:iam/organizationsFeatures:OrganizationsFeatures"
SELF_SERVICE = [
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
]
OWN = ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:mfa/*"]
NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}


def mfa_plan(args: dict) -> dict:
    return plan_of(lambda: MfaEnforcement("mfa", args, opts=in_account(account_provider())))


@pytest.fixture(scope="module")
def plan() -> dict:
    return mfa_plan({})


def test_the_password_policy_meets_cis_by_default(plan):
    policy = one(plan, PASSWORD_POLICY)
    assert policy["inputs"] == {
        "allowUsersToChangePassword": True,
        "hardExpiry": False,
        "maxPasswordAge": 90,
        "minimumPasswordLength": 14,
        "passwordReusePrevention": 24,
        "requireLowercaseCharacters": True,
        "requireNumbers": True,
        "requireSymbols": True,
        "requireUppercaseCharacters": True,
    }
    assert policy["lands_in"] == {"cloud": "aws", "account": ACCOUNT, "region": "eu-west-1"}


def test_the_group_policy_is_require_mfa_written_out(plan):
    policy = one(plan, "aws:iam/policy:Policy")
    assert policy["inputs"]["policy"] == require_mfa()
    assert policy["inputs"] == {
        "name": "hardened-mfa-required",
        "description": "Denies everything but setting up one's own MFA device until signed in with MFA",
        "policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AllowMfaSelfService", "Effect": "Allow", "Action": SELF_SERVICE, "Resource": OWN},
                {
                    "Sid": "AllowListingMfaDevices",
                    "Effect": "Allow",
                    "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
                    "Resource": "*",
                },
                {
                    "Sid": "DenyEverythingWithoutMfa",
                    "Effect": "Deny",
                    "NotAction": SELF_SERVICE,
                    "Resource": "*",
                    "Condition": NO_MFA,
                },
                {
                    "Sid": "DenyOthersMfaWithoutMfa",
                    "Effect": "Deny",
                    "Action": [
                        "iam:ChangePassword",
                        "iam:EnableMFADevice",
                        "iam:GetUser",
                        "iam:ListMFADevices",
                        "iam:ResyncMFADevice",
                    ],
                    "NotResource": "arn:aws:iam::*:user/${aws:username}",
                    "Condition": NO_MFA,
                },
            ],
        },
    }


def test_the_group_carries_the_policy(plan):
    group = one(plan, "aws:iam/group:Group")
    policy = one(plan, "aws:iam/policy:Policy")
    assert group["inputs"] == {"name": "hardened-mfa-required"}
    assert one(plan, "aws:iam/groupPolicyAttachment:GroupPolicyAttachment")["inputs"] == {
        "group": "hardened-mfa-required",
        "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/hardened-mfa-required",
    }
    assert policy["outputs"]["arn"] == f"arn:aws:iam::{ACCOUNT}:policy/hardened-mfa-required"
    assert one(plan, "hardened:index:MfaEnforcement")["outputs"] == {
        "groupName": "hardened-mfa-required",
        "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/hardened-mfa-required",
    }


def test_nothing_else_is_declared_and_root_access_stays_as_it_is_by_default(plan):
    assert sorted(r["type"] for r in resources(plan) if r["type"].startswith("aws:")) == [
        "aws:iam/accountPasswordPolicy:AccountPasswordPolicy",
        "aws:iam/group:Group",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policy:Policy",
    ]
    assert resources(plan, ROOT_ACCESS) == []


def test_centralized_root_access_enables_both_features():
    features = one(mfa_plan({"centralize_root_access": True}), ROOT_ACCESS)
    assert features["inputs"] == {"enabledFeatures": ["RootCredentialsManagement", "RootSessions"]}
    assert features["lands_in"]["account"] == ACCOUNT


def test_overrides_are_stricter_and_rename_group_and_policy():
    plan = mfa_plan({"minimum_password_length": 20, "max_password_age_days": 30, "group_name": "humans"})
    inputs = one(plan, PASSWORD_POLICY)["inputs"]
    assert (inputs["minimumPasswordLength"], inputs["maxPasswordAge"], inputs["passwordReusePrevention"]) == (
        20,
        30,
        24,
    )
    assert one(plan, "aws:iam/group:Group")["inputs"] == {"name": "humans"}
    assert one(plan, "aws:iam/policy:Policy")["inputs"]["name"] == "humans"
    assert one(plan, "aws:iam/groupPolicyAttachment:GroupPolicyAttachment")["inputs"] == {
        "group": "humans",
        "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/humans",
    }


@pytest.mark.parametrize(
    ("args", "argument", "problem"),
    [
        ({"minimum_password_length": 13}, "minimum_password_length", "from 14 to 128 (got 13)"),
        ({"minimum_password_length": 129}, "minimum_password_length", "from 14 to 128 (got 129)"),
        ({"minimum_password_length": "16"}, "minimum_password_length", "takes a whole number, not str (got '16')"),
        ({"max_password_age_days": 91}, "max_password_age_days", "from 1 to 90 (got 91)"),
        ({"max_password_age_days": -1}, "max_password_age_days", "from 1 to 90 (got -1)"),
        # 0 would mean "never expires" to AWS: it is refused, never read as "not given".
        ({"max_password_age_days": 0}, "max_password_age_days", "from 1 to 90 (got 0)"),
        ({"minimum_password_length": 0}, "minimum_password_length", "from 14 to 128 (got 0)"),
        ({"max_password_age_days": True}, "max_password_age_days", "takes a whole number, not bool (got True)"),
        ({"group_name": "mfa required"}, "group_name", "(got 'mfa required')"),
        ({"group_name": "g" * 65}, "group_name", "1 to 64 letters"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(args, argument, problem):
    message, declared = refusal(lambda: MfaEnforcement("mfa", args))
    assert message.startswith(f"MfaEnforcement 'mfa': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]
