"""MFA on every human path, judged by @cloud-copilot/iam-simulate, never by logic written here.

IAM users of a member account are judged under the organization root's SCP (FullAWSAccess beside it);
the break-glass users live in the management account, where no SCP applies, so only their own identity
policy and the break-glass role's trust policy stand between them and the role. The context keys are
those AWS fills in: `aws:username` for policy variables, `aws:PrincipalType`, and the MFA keys only when
the request carries them (a request signed with a long-term access key has neither).
"""

import pytest
from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate

from hardened.aws.documents.guardrails import organization_guardrails
from hardened.aws.documents.mfa import break_glass_user_policy, require_mfa, trust_break_glass_users

MANAGEMENT, MEMBER, OUTSIDE = "999988887777", "555910829563", "444455556666"
TRAIL = f"arn:aws:cloudtrail:eu-west-1:{MANAGEMENT}:trail/organization-trail"
ROOT_SCP = [
    {
        "orgIdentifier": "r-a1b2",
        "policies": [
            {"name": "FullAWSAccess", "policy": ALLOW_EVERYTHING},
            {"name": "root", "policy": organization_guardrails(TRAIL)},
        ],
    },
    {"orgIdentifier": MEMBER, "policies": [{"name": "FullAWSAccess", "policy": ALLOW_EVERYTHING}]},
]
NO_MFA = {"aws:MultiFactorAuthPresent": "false"}
LONG_TERM_KEY: dict = {}  # no MFA keys at all
FRESH_MFA = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "120"}
STALE_MFA = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "1800"}


def user_request(
    action: str, resource: str, mfa: dict, *, user: str = "carol", account: str = MEMBER, policies=None, scps=ROOT_SCP
) -> Request:
    arn = f"arn:aws:iam::{account}:user/{user}"
    context = {
        "aws:PrincipalArn": arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "User",
        "aws:username": user,
        **mfa,
    }
    return Request(arn, action, resource, account, context, policies or [ALLOW_EVERYTHING, require_mfa()], None, scps)


# --- the MFA-required group ---------------------------------------------------------------------------

OWN_USER, OTHER_USER = f"arn:aws:iam::{MEMBER}:user/carol", f"arn:aws:iam::{MEMBER}:user/dave"
OWN_DEVICE, OTHER_DEVICE = f"arn:aws:iam::{MEMBER}:mfa/carol", f"arn:aws:iam::{MEMBER}:mfa/dave"
GROUP_CASES = [
    # (what, action, resource, verdict without MFA, verdict with a long-term key, verdict with MFA)
    ("list buckets", "s3:ListAllMyBuckets", "*", EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED),
    ("delete an object", "s3:DeleteObject", "arn:aws:s3:::data/report.csv", EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED),
    ("create own virtual device", "iam:CreateVirtualMFADevice", OWN_DEVICE, ALLOWED, ALLOWED, ALLOWED),
    ("enable own device", "iam:EnableMFADevice", OWN_USER, ALLOWED, ALLOWED, ALLOWED),
    ("change own password", "iam:ChangePassword", OWN_USER, ALLOWED, ALLOWED, ALLOWED),
    ("list virtual devices", "iam:ListVirtualMFADevices", "*", ALLOWED, ALLOWED, ALLOWED),
    ("get a session token", "sts:GetSessionToken", "*", ALLOWED, ALLOWED, ALLOWED),
    ("enable another user's device", "iam:EnableMFADevice", OTHER_USER, EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED),
    # A new virtual device belongs to nobody until enabled on a user, which only the user itself may do.
    ("create a device under another name", "iam:CreateVirtualMFADevice", OTHER_DEVICE, ALLOWED, ALLOWED, ALLOWED),
    ("resync another user's device", "iam:ResyncMFADevice", OTHER_USER, EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED),
    ("deactivate own device", "iam:DeactivateMFADevice", OWN_USER, EXPLICIT_DENY, EXPLICIT_DENY, ALLOWED),
]


@pytest.mark.parametrize("account", [MEMBER, MANAGEMENT], ids=["member-account", "management-account"])
def test_without_mfa_a_user_only_sets_up_its_own_device_and_with_mfa_it_works(account):
    """The user also holds an Allow-everything policy: every deny below is the group policy's (or the SCP's)."""
    scps = ROOT_SCP if account == MEMBER else []
    mfa_states = [NO_MFA, LONG_TERM_KEY, FRESH_MFA]
    cases = [(case, mfa) for case in GROUP_CASES for mfa in mfa_states]
    requests = [
        user_request(case[1], case[2].replace(MEMBER, account), mfa, account=account, scps=scps) for case, mfa in cases
    ]
    verdicts = evaluate(requests)
    expected = [case[3 + mfa_states.index(mfa)] for case, mfa in cases]
    assert dict(zip([(c[0], str(m)) for c, m in cases], verdicts, strict=True)) == dict(
        zip([(c[0], str(m)) for c, m in cases], expected, strict=True)
    )


# --- the root SCP: no access keys, sensitive actions only with MFA, and only for IAM users -------------


def principal_request(principal_type: str, action: str, mfa: dict) -> Request:
    arns = {
        "User": f"arn:aws:iam::{MEMBER}:user/app",
        "AssumedRole": f"arn:aws:iam::{MEMBER}:role/service-role",
        "FederatedUser": f"arn:aws:sts::{MEMBER}:federated-user/ops",
    }
    context = {
        "aws:PrincipalArn": arns[principal_type],
        "aws:PrincipalAccount": MEMBER,
        "aws:PrincipalType": principal_type,
        **mfa,
    }
    if action == "sts:AssumeRole":  # a role of the account that trusts the account
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MEMBER}:root"}, "Action": "sts:AssumeRole"}
            ],
        }
        return Request(
            arns[principal_type],
            action,
            f"arn:aws:iam::{MEMBER}:role/operations",
            MEMBER,
            context,
            [ALLOW_EVERYTHING],
            trust,
            ROOT_SCP,
        )
    return Request(
        arns[principal_type],
        action,
        f"arn:aws:iam::{MEMBER}:user/new",
        MEMBER,
        context,
        [ALLOW_EVERYTHING],
        None,
        ROOT_SCP,
    )


@pytest.mark.parametrize(
    ("principal_type", "mfa", "create_user", "assume_role", "create_access_key"),
    [
        ("User", NO_MFA, EXPLICIT_DENY, EXPLICIT_DENY, EXPLICIT_DENY),
        ("User", LONG_TERM_KEY, EXPLICIT_DENY, EXPLICIT_DENY, EXPLICIT_DENY),
        ("User", FRESH_MFA, ALLOWED, ALLOWED, EXPLICIT_DENY),
        # Roles and federated sessions carry no MFA key; they are not locked out (their MFA is checked where they start).
        ("AssumedRole", LONG_TERM_KEY, ALLOWED, ALLOWED, EXPLICIT_DENY),
        ("FederatedUser", LONG_TERM_KEY, ALLOWED, ALLOWED, EXPLICIT_DENY),
    ],
)
def test_the_root_scp_holds_iam_users_to_mfa_and_nobody_creates_access_keys(
    principal_type, mfa, create_user, assume_role, create_access_key
):
    actions = ["iam:CreateUser", "sts:AssumeRole", "iam:CreateAccessKey"]
    verdicts = evaluate([principal_request(principal_type, action, mfa) for action in actions])
    assert verdicts == [create_user, assume_role, create_access_key]


# --- breaking the glass --------------------------------------------------------------------------------

BREAK_GLASS_USERS = [f"arn:aws:iam::{MANAGEMENT}:user/break-glass-1", f"arn:aws:iam::{MANAGEMENT}:user/break-glass-2"]
ROLES = [f"arn:aws:iam::{account}:role/hardened-break-glass" for account in (MANAGEMENT, MEMBER)]
ORGANIZATION, OTHER_ORGANIZATION = "o-a1b2c3d4e5", "o-zzzz9999yy"
TRUST = trust_break_glass_users(BREAK_GLASS_USERS, 900)


def assume(
    user: str, account: str, mfa: dict, identity: dict, role: str = ROLES[1], role_org: str = ORGANIZATION
) -> Request:
    arn = f"arn:aws:iam::{account}:user/{user}"
    context = {
        "aws:PrincipalArn": arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "User",
        "aws:username": user,
        "aws:ResourceOrgID": role_org,
        **mfa,
    }
    return Request(arn, "sts:AssumeRole", role, role.split(":")[4], context, [identity], TRUST, [])


@pytest.mark.parametrize(
    ("who", "request_", "verdict"),
    [
        (
            "break-glass user, fresh MFA",
            lambda: assume(
                "break-glass-1",
                MANAGEMENT,
                FRESH_MFA,
                break_glass_user_policy("hardened-break-glass", ORGANIZATION, 900),
            ),
            ALLOWED,
        ),
        (
            "break-glass user, into the management account's role",
            lambda: assume(
                "break-glass-2",
                MANAGEMENT,
                FRESH_MFA,
                break_glass_user_policy("hardened-break-glass", ORGANIZATION, 900),
                ROLES[0],
            ),
            ALLOWED,
        ),
        (
            "break-glass user, no MFA",
            lambda: assume(
                "break-glass-1", MANAGEMENT, NO_MFA, break_glass_user_policy("hardened-break-glass", ORGANIZATION, 900)
            ),
            EXPLICIT_DENY,
        ),
        (
            "break-glass user, MFA half an hour old",
            lambda: assume(
                "break-glass-1",
                MANAGEMENT,
                STALE_MFA,
                break_glass_user_policy("hardened-break-glass", ORGANIZATION, 900),
            ),
            IMPLICIT_DENY,
        ),
        (
            "break-glass user, a role of that name outside the organization",
            lambda: assume(
                "break-glass-1",
                MANAGEMENT,
                FRESH_MFA,
                break_glass_user_policy("hardened-break-glass", ORGANIZATION, 900),
                f"arn:aws:iam::{OUTSIDE}:role/hardened-break-glass",
                OTHER_ORGANIZATION,
            ),
            IMPLICIT_DENY,
        ),
        (
            "another management user with full rights and MFA",
            lambda: assume("alice", MANAGEMENT, FRESH_MFA, ALLOW_EVERYTHING),
            IMPLICIT_DENY,
        ),
        (
            "a user of the member account with full rights and MFA",
            lambda: assume("break-glass-1", MEMBER, FRESH_MFA, ALLOW_EVERYTHING),
            IMPLICIT_DENY,
        ),
        (
            "a user of another account, same name",
            lambda: assume("break-glass-1", OUTSIDE, FRESH_MFA, ALLOW_EVERYTHING),
            IMPLICIT_DENY,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_only_a_break_glass_user_with_recent_mfa_assumes_the_role(who, request_, verdict):
    assert evaluate([request_()]) == [verdict]


def test_break_glass_users_do_nothing_else_and_never_create_access_keys():
    policy = break_glass_user_policy("hardened-break-glass", ORGANIZATION, 900)
    user = f"arn:aws:iam::{MANAGEMENT}:user/break-glass-1"

    def call(action: str, resource: str, mfa: dict) -> Request:
        context = {
            "aws:PrincipalArn": user,
            "aws:PrincipalAccount": MANAGEMENT,
            "aws:PrincipalType": "User",
            "aws:username": "break-glass-1",
            **mfa,
        }
        return Request(user, action, resource, MANAGEMENT, context, [policy], None, [])

    verdicts = evaluate(
        [
            call("iam:CreateAccessKey", user, FRESH_MFA),
            call("iam:CreateAccessKey", user, NO_MFA),
            call("s3:ListAllMyBuckets", "*", FRESH_MFA),
            call("iam:CreateUser", f"arn:aws:iam::{MANAGEMENT}:user/new", FRESH_MFA),
            call("iam:EnableMFADevice", user, NO_MFA),
            call("iam:CreateVirtualMFADevice", f"arn:aws:iam::{MANAGEMENT}:mfa/break-glass-1", NO_MFA),
        ]
    )
    assert verdicts == [EXPLICIT_DENY, EXPLICIT_DENY, IMPLICIT_DENY, IMPLICIT_DENY, ALLOWED, ALLOWED]
