"""MemberAccount, GuardrailPolicy and OrganizationTrail: accounts, SCP attachments and the trail, exactly."""

import pytest
from planning import ACCOUNT, PROJECT, REGION, account_provider, by_name, in_account, one, plan_of

from hardened.aws import Baseline, GuardrailPolicy, MemberAccount, OrganizationTrail, check_attachments_per_target
from hardened.aws.documents.guardrails import (
    backup_account_guardrails,
    backup_perimeter_guardrails,
    organization_guardrails,
)
from hardened.aws.documents.resource_controls import data_perimeter
from hardened.errors import ComponentArgumentError
from hardened_tools.plan import run_program

TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-trail"
ORGANIZATION_ID = "o-a1b2c3d4e5"


def new_account(**overrides):
    args = {
        "account_name": "acme-backup",
        "email": "backup@acme.example",
        "parent_id": "ou-ab12-cd34ef56",
        "role_name": "hardened-deployer",
        "region": REGION,
    } | overrides
    return MemberAccount("backup", args, opts=in_account(account_provider()))


@pytest.fixture(scope="module")
def account_plan() -> dict:
    def program():
        account = new_account()
        GuardrailPolicy(
            "backup-guardrails",
            {
                "baseline": Baseline.BACKUP,
                "target_id": account.account_id,
                "account_id": account.account_id,
                "deployment_role_name": "hardened-deployer",
                "exempt_role_names": ["hardened-break-glass"],
                "minimum_vault_retention_days": 7,
            },
            opts=in_account(account_provider("management")),
        )
        GuardrailPolicy(
            "root-guardrails",
            {"baseline": "organization", "target_id": "r-a1b2", "trail_arn": TRAIL},
            opts=in_account(account_provider("management-2")),
        )
        GuardrailPolicy(
            "data-perimeter",
            {"baseline": Baseline.DATA_PERIMETER, "target_id": "r-a1b2", "organization_id": ORGANIZATION_ID},
            opts=in_account(account_provider("management-4")),
        )
        GuardrailPolicy(
            "backup-perimeter",
            {
                "baseline": Baseline.BACKUP_PERIMETER,
                "target_id": account.account_id,
                "account_id": account.account_id,
                "deployment_role_name": "hardened-deployer",
                "exempt_role_names": ["hardened-break-glass"],
                "organization_id": ORGANIZATION_ID,
            },
            opts=in_account(account_provider("management-3")),
        )

    return plan_of(program)


def test_the_account_is_never_closed_nor_removed_by_pulumi(account_plan):
    account = one(account_plan, "aws:organizations/account:Account")
    assert account["inputs"] == {
        "closeOnDeletion": False,
        "email": "backup@acme.example",
        "iamUserAccessToBilling": "DENY",
        "name": "acme-backup",
        "parentId": "ou-ab12-cd34ef56",
        "roleName": "hardened-deployer",
    }
    assert account["protect"] and account["retain_on_delete"]


def test_a_new_account_is_not_imported(account_plan):
    assert "import" not in one(account_plan, "aws:organizations/account:Account")


def test_an_existing_account_is_adopted_by_its_id_and_the_provider_pinned_to_it():
    plan = plan_of(lambda: new_account(account_id="444455556666"))
    account = one(plan, "aws:organizations/account:Account")
    assert account["import"] == account["id"] == "444455556666"
    # The same inputs as a new account: Pulumi imports only if they match the real account.
    assert account["inputs"]["email"] == "backup@acme.example" and account["inputs"]["closeOnDeletion"] is False
    assert account["protect"] and account["retain_on_delete"]
    provider = by_name(plan, "backup-provider")
    assert provider["inputs"]["allowedAccountIds"] == ["444455556666"]
    assert provider["inputs"]["assumeRoles"][0]["roleArn"] == "arn:aws:iam::444455556666:role/hardened-deployer"
    assert one(plan, "hardened:index:MemberAccount")["outputs"]["accountId"] == "444455556666"


def test_the_provider_assumes_the_new_accounts_role_and_is_pinned_to_its_id(account_plan):
    account_id = one(account_plan, "aws:organizations/account:Account")["id"]
    provider = by_name(account_plan, "backup-provider")
    assert provider["inputs"]["allowedAccountIds"] == [account_id]
    assert provider["inputs"]["assumeRoles"] == [
        {"roleArn": f"arn:aws:iam::{account_id}:role/hardened-deployer", "sessionName": "hardened-backup"}
    ]
    assert (
        one(account_plan, "hardened:index:MemberAccount")["outputs"]["deploymentRoleArn"]
        == f"arn:aws:iam::{account_id}:role/hardened-deployer"
    )


def test_member_guardrails_name_that_accounts_roles_and_attach_to_it_alone(account_plan):
    account_id = one(account_plan, "aws:organizations/account:Account")["id"]
    policy = by_name(account_plan, "backup-guardrails-policy")
    deployer, break_glass = (
        f"arn:aws:iam::{account_id}:role/{name}" for name in ("hardened-deployer", "hardened-break-glass")
    )
    assert policy["inputs"]["content"] == backup_account_guardrails(deployer, [break_glass], 7)
    assert policy["inputs"]["type"] == "SERVICE_CONTROL_POLICY"
    assert policy["inputs"]["skipDestroy"] is True and policy["protect"]
    attachment = by_name(account_plan, "backup-guardrails-attachment")
    assert attachment["inputs"] == {"policyId": policy["id"], "skipDestroy": True, "targetId": account_id}
    assert attachment["protect"]


def test_the_backup_perimeter_names_that_accounts_roles_and_the_organization(account_plan):
    account_id = one(account_plan, "aws:organizations/account:Account")["id"]
    deployer, break_glass = (
        f"arn:aws:iam::{account_id}:role/{name}" for name in ("hardened-deployer", "hardened-break-glass")
    )
    policy = by_name(account_plan, "backup-perimeter-policy")
    assert policy["inputs"]["content"] == backup_perimeter_guardrails(deployer, [break_glass], ORGANIZATION_ID)
    assert by_name(account_plan, "backup-perimeter-attachment")["inputs"]["targetId"] == account_id


def test_the_data_perimeter_is_a_resource_control_policy_on_the_root(account_plan):
    policy = by_name(account_plan, "data-perimeter-policy")
    assert policy["inputs"]["type"] == "RESOURCE_CONTROL_POLICY" and policy["inputs"]["content"] == data_perimeter(
        ORGANIZATION_ID
    )
    assert policy["inputs"]["skipDestroy"] is True and policy["protect"]
    assert by_name(account_plan, "data-perimeter-attachment")["inputs"]["targetId"] == "r-a1b2"
    assert by_name(account_plan, "root-guardrails-policy")["inputs"]["type"] == "SERVICE_CONTROL_POLICY"


def test_root_guardrails_have_no_exemptions(account_plan):
    assert by_name(account_plan, "root-guardrails-policy")["inputs"]["content"] == organization_guardrails(TRAIL)
    assert by_name(account_plan, "root-guardrails-attachment")["inputs"]["targetId"] == "r-a1b2"


def test_an_oversized_policy_is_refused_before_anything_is_declared():
    registered = {}
    roles = [f"deployment-role-{i:02d}-with-a-long-descriptive-name" for i in range(60)]
    with pytest.raises(
        ComponentArgumentError,
        match=r"GuardrailPolicy 'big': argument 'baseline' gives a service control policy of \d+ characters, over AWS's limit of 5120",
    ):
        run_program(
            lambda: GuardrailPolicy(
                "big",
                {
                    "baseline": "backup",
                    "target_id": ACCOUNT,
                    "account_id": ACCOUNT,
                    "deployment_role_name": "deployer",
                    "exempt_role_names": roles,
                },
            ),
            project=PROJECT,
            stack="test",
            registrations=registered,
        )
    assert [r.type for r in registered.values()] == ["pulumi:pulumi:Stack"]


def test_more_scps_than_a_target_may_carry_are_refused():
    check_attachments_per_target(["r-a1b2", "r-a1b2", "r-a1b2", "r-a1b2", "account backup"])
    with pytest.raises(
        ComponentArgumentError, match="would carry 5 guardrail SCPs plus FullAWSAccess, over AWS's limit of 5"
    ):
        check_attachments_per_target(["r-a1b2"] * 5)


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        ({"baseline": "everything", "target_id": "r-a1b2"}, "baseline"),
        ({"baseline": "organization", "target_id": "r-a1b2"}, "trail_arn"),
        (
            {
                "baseline": "backup",
                "target_id": ACCOUNT,
                "account_id": ACCOUNT,
                "deployment_role_name": "deployer",
                "exempt_role_names": ["*"],
            },
            "exempt_role_names",
        ),
        (
            {"baseline": "backup", "target_id": ACCOUNT, "account_id": ACCOUNT, "exempt_role_names": ["break-glass"]},
            "deployment_role_name",
        ),
        (
            {
                "baseline": "log-archive",
                "target_id": ACCOUNT,
                "account_id": ACCOUNT,
                "deployment_role_name": "team/deployer",
            },
            "deployment_role_name",
        ),
        ({"baseline": "workload", "target_id": ACCOUNT, "deployment_role_name": "deployer"}, "account_id"),
        (
            {
                "baseline": "backup-perimeter",
                "target_id": ACCOUNT,
                "account_id": ACCOUNT,
                "deployment_role_name": "deployer",
            },
            "organization_id",
        ),
        ({"baseline": "data-perimeter", "target_id": "r-a1b2"}, "organization_id"),
        (
            {
                "baseline": "web-identity-controls",
                "target_id": ACCOUNT,
                "web_identity_subjects": ["intruder@example.com"],
            },
            "web_identity_subjects",
        ),
        (
            {
                "baseline": "backup-perimeter",
                "target_id": ACCOUNT,
                "account_id": ACCOUNT,
                "deployment_role_name": "deployer",
                "organization_id": "o-*",
            },
            "organization_id",
        ),
        (
            {
                "baseline": "backup",
                "target_id": ACCOUNT,
                "account_id": ACCOUNT,
                "deployment_role_name": "deployer",
                "exempt_role_policy_arns": ["arn:aws:iam::aws:policy/*"],
            },
            "exempt_role_policy_arns",
        ),
    ],
)
def test_bad_guardrail_arguments_are_refused(args, argument):
    with pytest.raises(ComponentArgumentError, match=f"GuardrailPolicy 'g': argument '{argument}' "):
        run_program(lambda: GuardrailPolicy("g", args), project=PROJECT, stack="test")


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"email": "nobody"}, "email"),
        ({"role_name": "a b"}, "role_name"),
        ({"account_name": ""}, "account_name"),
        ({"account_id": "1234"}, "account_id"),
        ({"account_id": 123456789012}, "account_id"),
        ({"account_id": "12345678901a"}, "account_id"),
    ],
)
def test_bad_account_arguments_are_refused(overrides, argument):
    with pytest.raises(ComponentArgumentError, match=f"MemberAccount 'backup': argument '{argument}' "):
        run_program(lambda: new_account(**overrides), project=PROJECT, stack="test")


@pytest.fixture(scope="module")
def trail_plan() -> dict:
    def program():
        log_archive = account_provider("log-archive")
        OrganizationTrail(
            "org-trail",
            {
                "trail_name": "org-trail",
                "management_account_id": ACCOUNT,
                "region": REGION,
                "log_archive_provider": log_archive,
                "log_archive_administrator_arns": [f"arn:aws:iam::{ACCOUNT}:role/hardened-deployer"],
                "retention_days": 400,
                "organization_id": "o-a1b2c3d4e5",
            },
            opts=in_account(account_provider("management")),
        )

    return plan_of(program)


def test_the_trail_covers_the_organization_in_every_region_with_validated_encrypted_logs(trail_plan):
    trail = one(trail_plan, "aws:cloudtrail/trail:Trail")
    key = by_name(trail_plan, "org-trail-trail-key")
    assert trail["inputs"] == {
        "enableLogFileValidation": True,
        "enableLogging": True,
        "includeGlobalServiceEvents": True,
        "isMultiRegionTrail": True,
        "isOrganizationTrail": True,
        "kmsKeyId": key["outputs"]["arn"],
        "name": "org-trail",
        "s3BucketName": by_name(trail_plan, "org-trail-logs-bucket")["outputs"]["bucket"],
    }
    assert trail["outputs"]["arn"] == TRAIL
    assert trail["protect"] and trail["retain_on_delete"]


def test_only_this_trail_may_write_logs_and_use_the_key(trail_plan):
    bucket_arn = by_name(trail_plan, "org-trail-logs-bucket")["outputs"]["arn"]
    statements = by_name(trail_plan, "org-trail-logs-policy")["inputs"]["policy"]["Statement"]
    assert statements[-2:] == [
        {
            "Sid": "AllowCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}},
        },
        {
            "Sid": "AllowCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/*",
            "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}},
        },
    ]
    key_statements = by_name(trail_plan, "org-trail-trail-key")["inputs"]["policy"]["Statement"]
    assert {
        "Sid": "AllowCloudTrailEncryption",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": ["kms:DescribeKey", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}},
    } in key_statements
    assert key_statements[-1]["Sid"] == "DenyKeyDestruction"


def test_bucket_and_key_land_in_the_log_archive_account(trail_plan):
    log_archive_provider = by_name(trail_plan, "log-archive")["urn"]
    for name in ("org-trail-logs-bucket", "org-trail-trail-key"):
        assert by_name(trail_plan, name)["provider"].startswith(log_archive_provider), name
    assert by_name(trail_plan, "org-trail-trail")["provider"].startswith(by_name(trail_plan, "management")["urn"])
