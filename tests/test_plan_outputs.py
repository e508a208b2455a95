"""The offline plan's stack outputs (pulumi.export) and the placeholder shapes of the types the library uses."""

import json
import re
from pathlib import Path

import jsonschema
import pulumi
import pulumi_aws as aws
import pytest
from planning import ACCOUNT, PROJECT, REGION, account_provider, by_name, in_account, one, plan_of

from hardened_tools.plan import run_program
from hardened_tools.plan.document import dumps
from hardened_tools.plan.render import render_markdown, render_text
from hardened_tools.plan.runtime import OfflinePlanLimit, PlanViolation

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tools/hardened_tools/plan/plan.schema.json").read_text())
MANAGEMENT = "999988887777"


def _exporting_program():
    provider = account_provider()
    key = aws.kms.Key("key", opts=in_account(provider))
    pulumi.export("keyArn", key.arn)
    pulumi.export("retention", {"days": 30, "mode": "GOVERNANCE", "keyId": key.key_id})
    pulumi.export("token", pulumi.Output.secret("s3cr3t"))
    pulumi.export("nested", {"plain": "visible", "hidden": pulumi.Output.secret("s3cr3t")})
    pulumi.export("policy", '{"Version": "2012-10-17", "Statement": []}')
    pulumi.export("zone", "eu-west-1a")


@pytest.fixture(scope="module")
def exported() -> dict:
    return plan_of(_exporting_program)


def test_exports_are_in_the_plan_as_plain_json(exported):
    key = one(exported, "aws:kms/key:Key")
    assert list(exported["outputs"]) == sorted(exported["outputs"])
    assert exported["outputs"]["keyArn"] == key["outputs"]["arn"]
    assert exported["outputs"]["retention"] == {"days": 30, "keyId": key["id"], "mode": "GOVERNANCE"}
    # JSON text stays text: a stack reference must receive what was exported.
    assert exported["outputs"]["policy"] == '{"Version": "2012-10-17", "Statement": []}'
    assert exported["outputs"]["zone"] == "eu-west-1a"
    jsonschema.Draft202012Validator(SCHEMA).validate(exported)
    assert dumps(exported) == dumps(json.loads(dumps(exported)))


def test_secret_exports_are_masked_and_named(exported):
    assert exported["outputs"]["token"] == "[secret]"
    assert exported["outputs"]["nested"] == {"hidden": "[secret]", "plain": "visible"}
    assert exported["secret_outputs"] == ["nested", "token"]
    assert "s3cr3t" not in dumps(exported)


def test_exports_carrying_placeholders_are_marked_computed(exported):
    assert exported["computed_outputs"] == ["keyArn", "retention"]


def test_text_and_markdown_list_the_exports(exported):
    text = render_text(exported)
    key_arn = exported["outputs"]["keyArn"]
    assert f"\nStack outputs:\n  keyArn: {key_arn}  (computed)\n" in text
    assert "  token (secret): [secret]\n" in text
    assert "    mode: GOVERNANCE\n" in text
    markdown = render_markdown(exported)
    assert f"```text\nStack outputs:\n  keyArn: {key_arn}  (computed)\n" in markdown
    assert "s3cr3t" not in text + markdown


def test_a_program_without_exports_says_so():
    plan = plan_of(lambda: aws.kms.Key("key", opts=in_account(account_provider())))
    assert (plan["outputs"], plan["secret_outputs"], plan["computed_outputs"]) == ({}, [], [])
    assert render_text(plan).endswith("\nStack outputs: none.\n")


def test_exported_resources_become_their_properties():
    def program():
        key = aws.kms.Key("key", opts=in_account(account_provider()))
        pulumi.export("key", key)

    plan = plan_of(program)
    key = one(plan, "aws:kms/key:Key")
    assert plan["outputs"]["key"]["urn"] == key["urn"]
    assert plan["outputs"]["key"]["arn"] == key["outputs"]["arn"]


def test_exports_do_not_hide_what_the_engine_would_refuse():
    def program():
        first = aws.Provider("account", region=REGION)
        aws.Provider("account", region=REGION)
        pulumi.export("provider", first.id)

    with pytest.raises(PlanViolation, match="Duplicate resource URN"):
        plan_of(program)


def test_exports_do_not_hide_a_failed_registration():
    def program():
        vpc = aws.ec2.get_vpc_output(default=True)
        pulumi.export("vpc", vpc.id)
        pulumi.export("plain", "value")

    with pytest.raises(OfflinePlanLimit, match="cannot answer the data source 'aws:ec2/getVpc:getVpc'"):
        plan_of(program)


def test_exports_are_still_seen_when_a_program_fails_after_exporting():
    registrations: dict = {}

    def program():
        pulumi.export("early", "value")
        aws.kms.Key("key", opts=in_account(account_provider()))
        raise ValueError("later failure")

    with pytest.raises(ValueError, match="later failure"):
        run_program(program, project=PROJECT, stack="test", registrations=registrations)
    assert any(r.type == "aws:kms/key:Key" for r in registrations.values())


# --- placeholder shapes ------------------------------------------------------------------------


def _management() -> aws.Provider:
    return aws.Provider("management", region="us-east-1", allowed_account_ids=[MANAGEMENT])


def _organization_program():
    management = _management()
    opts = in_account(management)
    unit = aws.organizations.OrganizationalUnit("workloads", parent_id="r-ab12", opts=opts)
    account = aws.organizations.Account("prod", email="prod@example.com", parent_id=unit.id, opts=opts)
    aws.organizations.Account("backup", name="Backup", email="backup@example.com", opts=opts)
    policy = aws.organizations.Policy("guardrails", content='{"Version": "2012-10-17", "Statement": []}', opts=opts)
    aws.organizations.PolicyAttachment("guardrails-prod", policy_id=policy.id, target_id=account.id, opts=opts)
    # The new account's baseline runs through a provider that assumes a role in it.
    member = aws.Provider(
        "prod-account",
        region=REGION,
        allowed_account_ids=[account.id],
        assume_roles=[
            aws.ProviderAssumeRoleArgs(role_arn=account.id.apply(lambda i: f"arn:aws:iam::{i}:role/deployer"))
        ],
    )
    aws.sns.Topic("alerts", opts=in_account(member))
    only_role = aws.Provider(
        "prod-account-by-role",
        region=REGION,
        assume_roles=[
            aws.ProviderAssumeRoleArgs(role_arn=account.id.apply(lambda i: f"arn:aws:iam::{i}:role/deployer"))
        ],
    )
    aws.sns.Topic("alerts-by-role", opts=in_account(only_role))


@pytest.fixture(scope="module")
def organization() -> dict:
    return plan_of(_organization_program)


def test_organization_shapes(organization):
    account = by_name(organization, "prod")
    unit = by_name(organization, "workloads")
    policy = by_name(organization, "guardrails")
    assert re.fullmatch(r"[0-9]{12}", account["id"])
    org = re.fullmatch(
        rf"arn:aws:organizations::{MANAGEMENT}:account/(o-[0-9a-z]{{10}})/{account['id']}", account["outputs"]["arn"]
    )
    assert org, account["outputs"]["arn"]
    assert (account["outputs"]["state"], account["outputs"]["govcloudId"]) == ("ACTIVE", "")
    assert re.fullmatch(r"prod-[0-9a-f]{7}", account["outputs"]["name"]) and "name" in account["computed_outputs"]
    assert account["inputs"]["parentId"] == unit["id"] and "parentId" in account["computed_inputs"]
    assert re.fullmatch(r"ou-[0-9a-z]{4}-[0-9a-z]{8}", unit["id"])
    assert unit["outputs"]["arn"] == f"arn:aws:organizations::{MANAGEMENT}:ou/{org[1]}/{unit['id']}"
    assert re.fullmatch(r"p-[0-9a-z]{8}", policy["id"])
    assert (
        policy["outputs"]["arn"]
        == f"arn:aws:organizations::{MANAGEMENT}:policy/{org[1]}/service_control_policy/{policy['id']}"
    )
    assert by_name(organization, "guardrails-prod")["id"] == f"{account['id']}:{policy['id']}"


def test_a_given_name_is_used_and_not_marked_computed(organization):
    backup = by_name(organization, "backup")
    assert backup["outputs"]["name"] == "Backup"
    assert "name" not in backup["computed_outputs"] and "arn" in backup["computed_outputs"]
    # Values known in advance are predictions, not placeholders.
    assert "state" not in backup["computed_outputs"]
    assert re.fullmatch(r"r-[0-9a-z]{4}", backup["outputs"]["parentId"])


def test_providers_of_a_new_account_land_in_it(organization):
    account_id = by_name(organization, "prod")["id"]
    for provider, topic in (("prod-account", "alerts"), ("prod-account-by-role", "alerts-by-role")):
        assert by_name(organization, provider)["lands_in"] == {"account": account_id, "cloud": "aws", "region": REGION}
        assert (
            by_name(organization, topic)["id"]
            == f"arn:aws:sns:{REGION}:{account_id}:{topic}-{by_name(organization, topic)['id'][-7:]}"
        )
    assert by_name(organization, "prod-account")["computed_inputs"] == ["allowedAccountIds", "assumeRoles"]


def _backup_and_iam_program():
    opts = in_account(account_provider())
    role = aws.iam.Role("backup-role", assume_role_policy="{}", path="/service-role/", opts=opts)
    named = aws.iam.Role("named", name="hardened-deployer", assume_role_policy="{}", opts=opts)
    aws.iam.RolePolicy("inline", role=named.name, policy="{}", opts=opts)
    policy = aws.iam.Policy("boundary", policy="{}", opts=opts)
    aws.iam.RolePolicyAttachment("attach", role=named.name, policy_arn=policy.arn, opts=opts)
    vault = aws.backup.Vault("vault", name="backups", opts=opts)
    aws.backup.VaultLockConfiguration("lock", backup_vault_name=vault.name, min_retention_days=7, opts=opts)
    aws.backup.LogicallyAirGappedVault("air-gapped", min_retention_days=7, max_retention_days=35, opts=opts)
    plan = aws.backup.Plan(
        "daily", rules=[aws.backup.PlanRuleArgs(rule_name="daily", target_vault_name=vault.name)], opts=opts
    )
    aws.backup.Selection("everything", plan_id=plan.id, iam_role_arn=role.arn, resources=["*"], opts=opts)
    aws.backup.GlobalSettings("settings", global_settings={"isCrossAccountBackupEnabled": "true"}, opts=opts)
    testing = aws.backup.RestoreTestingPlan(
        "restore-test",
        schedule_expression="cron(0 5 ? * SUN *)",
        recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
            algorithm="LATEST_WITHIN_WINDOW", include_vaults=["*"], recovery_point_types=["SNAPSHOT"]
        ),
        opts=opts,
    )
    aws.backup.RestoreTestingSelection(
        "restore-test-s3",
        restore_testing_plan_name=testing.name,
        iam_role_arn=role.arn,
        protected_resource_type="S3",
        opts=opts,
    )
    aws.cloudtrail.Trail("trail", name="organization-trail", s3_bucket_name="logs", opts=opts)
    rule = aws.cloudwatch.EventRule("changes", event_pattern="{}", opts=opts)
    aws.cloudwatch.EventTarget("notify", rule=rule.name, arn="arn:aws:sns:eu-west-1:111122223333:t", opts=opts)
    aws.s3.BucketReplicationConfig("replication", bucket="source-bucket", role=role.arn, rules=[], opts=opts)


@pytest.fixture(scope="module")
def backup() -> dict:
    return plan_of(_backup_and_iam_program)


def test_iam_shapes(backup):
    role = by_name(backup, "backup-role")
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:role/service-role/backup-role-[0-9a-f]{{7}}", role["outputs"]["arn"])
    assert role["id"] == role["outputs"]["name"]
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role["outputs"]["uniqueId"])
    named = by_name(backup, "named")
    assert (named["id"], named["outputs"]["arn"]) == (
        "hardened-deployer",
        f"arn:aws:iam::{ACCOUNT}:role/hardened-deployer",
    )
    assert by_name(backup, "inline")["id"] == f"hardened-deployer:{by_name(backup, 'inline')['outputs']['name']}"
    policy = by_name(backup, "boundary")
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:policy/boundary-[0-9a-f]{{7}}", policy["id"])
    assert policy["outputs"]["arn"] == policy["id"] and re.fullmatch(r"ANPA[A-Z2-7]{17}", policy["outputs"]["policyId"])
    assert re.fullmatch(r"hardened-deployer-[0-9]{26}", by_name(backup, "attach")["id"])


def test_backup_shapes(backup):
    assert by_name(backup, "vault")["outputs"]["arn"] == f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:backups"
    lock = by_name(backup, "lock")
    assert (lock["id"], lock["outputs"]["backupVaultArn"]) == (
        "backups",
        f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:backups",
    )
    air_gapped = by_name(backup, "air-gapped")
    assert air_gapped["outputs"]["arn"] == f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:{air_gapped['id']}"
    plan = by_name(backup, "daily")
    assert plan["outputs"]["arn"] == f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:{plan['id']}"
    assert re.fullmatch(r"[0-9a-f-]{36}", plan["id"]) and re.fullmatch(r"[A-Za-z0-9]{48}", plan["outputs"]["version"])
    assert by_name(backup, "everything")["inputs"]["planId"] == plan["id"]
    assert by_name(backup, "settings")["id"] == ACCOUNT
    testing = by_name(backup, "restore-test")
    assert re.fullmatch(r"restore_test_[0-9a-f]{7}", testing["id"])
    assert re.fullmatch(
        rf"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:{testing['id']}-[0-9a-z]+", testing["outputs"]["arn"]
    )
    selection = by_name(backup, "restore-test-s3")
    assert selection["id"] == f"{selection['outputs']['name']}:{testing['id']}"


def test_audit_and_notification_shapes(backup):
    trail = by_name(backup, "trail")
    assert trail["id"] == trail["outputs"]["arn"] == f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/organization-trail"
    assert trail["outputs"]["homeRegion"] == REGION
    # Name, account and region are all given: the ARN is exact, not a placeholder.
    assert trail["computed_outputs"] == []
    rule = by_name(backup, "changes")
    assert rule["outputs"]["arn"] == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule['id']}"
    target = by_name(backup, "notify")
    assert target["id"] == f"{rule['id']}-{target['outputs']['targetId']}"
    assert by_name(backup, "replication")["id"] == "source-bucket"
