"""Deploy-readiness: every shipped stack passes every rule, and each rule fails on its bad case.

The bad cases are the shipped plans with one value changed, so each test shows the rule catching exactly the
mistake a real `pulumi up` would refuse, in the shape the planner really produces.
"""

import json
import textwrap
from pathlib import Path

import pytest
from planning import shipped_plan

from hardened_tools.cli import main
from hardened_tools.plan.deploy_rules import (
    DEPLOY_RULE_NAMES,
    DEPLOY_RULES,
    deploy_problems,
    lifecycle_problem,
    s3_bucket_name_problem,
    schedule_problem,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("org", "prod", "staging", "dev")


def named(plan: dict, name: str, type_: str | None = None) -> dict:
    (found,) = [r for r in plan["resources"] if r["name"] == name and (type_ is None or r["type"] == type_)]
    return found


def problems(plan: dict, rule: str) -> list[str]:
    return [p.message for p in deploy_problems(plan) if p.rule == rule]


@pytest.mark.parametrize("stack", SHIPPED)
def test_every_shipped_stack_passes_every_rule(stack):
    assert [str(p) for p in deploy_problems(shipped_plan(stack))] == []


def test_rules_are_named_once_and_documented():
    assert len(set(DEPLOY_RULE_NAMES)) == len(DEPLOY_RULES)
    guide = (ROOT / "docs" / "offline-plan.md").read_text()
    section = guide.split("## Deploy-readiness rules", 1)[1].split("\n## ", 1)[0]
    for rule in DEPLOY_RULES:
        assert f"`{rule.name}`" in section, f"docs/offline-plan.md's Deploy-readiness rules do not list {rule.name}"


def test_aws_regions_exist():
    plan = shipped_plan("prod")
    named(plan, "prod-workload")["inputs"]["region"] = "us-wset-2"
    assert problems(plan, "aws-regions-exist") == ["region 'us-wset-2' is not an AWS region the provider knows"]


def test_schedule_expressions():
    plan = shipped_plan("prod")
    named(plan, "prod-backup-plan-plan")["inputs"]["rules"][0]["schedule"] = "cron(x x x x x x)"
    (message,) = problems(plan, "schedule-expressions")
    assert message.startswith("rules[0].schedule 'cron(x x x x x x)' ")
    assert (
        schedule_problem("rate(1 days)", rate=True) == "must be rate(1 minute|hour|day) or rate(<n> minutes|hours|days)"
    )
    assert schedule_problem("rate(5 minutes)", rate=True) is None
    assert schedule_problem("rate(1 minutes)", rate=True) is not None  # EventBridge: singular for 1, plural above
    assert schedule_problem("rate(5 minutes)", rate=False) is not None  # backup plans take cron only


def test_backup_lifecycle_cold_storage():
    plan = shipped_plan("prod")
    rule = named(plan, "prod-backup-plan-plan")["inputs"]["rules"][0]
    rule["copyActions"][0]["lifecycle"] = {"coldStorageAfter": 300, "deleteAfter": 365}
    assert problems(plan, "backup-lifecycle-cold-storage") == [
        "rules[0].copyActions[0] to prod-backup-vault: deleteAfter 365 is less than coldStorageAfter 300 plus the 90 days "
        "a recovery point must stay in cold storage: give at least 390"
    ]
    assert lifecycle_problem({"coldStorageAfter": 300, "deleteAfter": 390}) is None
    assert lifecycle_problem({"deleteAfter": 1}) is None


def test_copy_retention_within_destination_vault_lock():
    plan = shipped_plan("prod")
    named(plan, "prod-backup-vault-lock")["inputs"]["maxRetentionDays"] = 300  # the plan's copies keep 365 days
    found = problems(plan, "retention-within-vault-lock")
    assert found == [
        f"rules[{i}].copyActions[0] to prod-backup-vault deletes after 365 days, above the 300 days the vault lock "
        "prod-backup-vault-lock allows: the job would fail"
        for i in (0, 1)
    ]


def test_backup_retention_below_air_gapped_minimum():
    plan = shipped_plan("prod")
    named(plan, "prod-air-gapped-vault-vault")["inputs"]["minRetentionDays"] = 400
    found = problems(plan, "retention-within-vault-lock")
    assert len(found) == 2 and all(
        "below the 400 days the air-gapped vault prod-air-gapped-vault-vault requires" in m for m in found
    )


def test_retention_forever_above_a_maximum():
    plan = shipped_plan("dev")
    del named(plan, "dev-backup-plan-plan")["inputs"]["rules"][0]["lifecycle"]
    (message,) = problems(plan, "retention-within-vault-lock")
    assert message.startswith("rules[0] (daily-with-copies) into dev-local-vault keeps recovery points forever")


def test_s3_bucket_names():
    plan = shipped_plan("prod")
    named(plan, "prod-backups-bucket")["inputs"]["bucket"] = "Prod_Backups"
    assert problems(plan, "s3-bucket-names") == [
        "bucket 'Prod_Backups' may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit"
    ]
    assert s3_bucket_name_problem("a" * 64) == "is 64 characters; bucket names are 3 to 63"
    assert s3_bucket_name_problem("my..bucket") == "has two adjacent dots"
    assert s3_bucket_name_problem("192.168.5.4") == "is formatted as an IP address"
    assert s3_bucket_name_problem("xn--bucket") == "begins with the reserved prefix xn--"
    assert s3_bucket_name_problem("bucket-s3alias") == "ends with the reserved suffix -s3alias"
    assert s3_bucket_name_problem("prod-backups-bucket-1a2b3c4") is None


def test_generated_bucket_name_too_long():
    plan = shipped_plan("prod")
    named(plan, "prod-backups-bucket")["name"] = "p" * 56  # 56 + '-' + 7 hex = 64
    (message,) = problems(plan, "s3-bucket-names")
    assert message.startswith("the generated bucket name ") and "is 64 characters" in message


def test_iam_names():
    plan = shipped_plan("prod")
    role = named(plan, "prod-backup-plan-role")["inputs"]
    role["name"] = "r" * 65
    role["maxSessionDuration"] = 60
    assert problems(plan, "iam-names") == [
        f"name {'r' * 65!r} is 65 characters; IAM allows 1 to 64",
        "maxSessionDuration 60 is outside IAM's 3600 to 43200 seconds",
    ]
    role["name"] = "backup role"
    assert problems(plan, "iam-names")[0] == "name 'backup role' may hold only letters, digits and + = , . @ _ -"


def test_backup_names():
    plan = shipped_plan("prod")
    named(plan, "prod-restore-tests-plan")["inputs"]["name"] = "prod-restore-tests"
    assert problems(plan, "backup-names") == [
        "name 'prod-restore-tests' must be 1 to 50 letters, digits and underscores"
    ]


def test_account_emails_unique():
    plan = shipped_plan("org")
    named(plan, "org-workload-dev-account")["inputs"]["email"] = "AWS-prod@acme.example"
    # The second of the two in plan order is the one named.
    assert problems(plan, "account-emails-unique") == [
        "email aws-prod@acme.example is already the email of org-workload-dev-account: every AWS account needs its own"
    ]


def test_metric_filter_waits_for_its_log_group():
    plan = shipped_plan("org")
    metric_filter = named(plan, "org-break-glass-uses")
    metric_filter["depends_on"] = [u for u in metric_filter["depends_on"] if "logGroup:LogGroup" not in u]
    (message,) = problems(plan, "metric-filters-wait-for-log-groups")
    assert message.startswith(
        "names log group /hardened/cloudtrail/acme-organization-trail (org-trail-events) but does not wait for it"
    )


def test_plan_refuses_an_undeployable_stack(capsys, tmp_path):
    """`hardened plan` names the rule and the resource, exits 2 and prints nothing on stdout."""
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\nmain: program/\n")
    (tmp_path / "program").mkdir()
    (tmp_path / "program" / "__main__.py").write_text(
        textwrap.dedent("""
        import pulumi_aws as aws
        aws.backup.Vault("vault", name="my vault")
    """)
    )
    (tmp_path / "program" / "Pulumi.test.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config: {}\n")
    code = main(["plan", "--stack", "test", "--project-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error: stack 'test' would not deploy: 1 problem a real `pulumi up` would refuse")
    assert "[backup-names] vault: name 'my vault' must be 2 to 50 letters, digits, hyphens and underscores" in err
    assert "Traceback" not in err
    json.dumps(err)  # one printable paragraph


def test_gcp_resources_wait_for_their_api():
    plan = shipped_plan("org")
    entitlement = named(plan, "org-gcp-break-glass-entitlement")
    entitlement["depends_on"] = [named(plan, "org-gcp-backup-project", "gcp:organizations/project:Project")["urn"]]
    assert problems(plan, "gcp-apis-enabled-first") == [
        "needs privilegedaccessmanager.googleapis.com, which org-gcp-backup-privilegedaccessmanager enables in acme-backups-7d3f, "
        "but does not wait for it: on a new project the call fails with SERVICE_DISABLED"
    ]


def test_gcp_alert_filters_name_a_resource_type_and_wait_for_their_metric():
    plan = shipped_plan("org")
    alert = named(plan, "org-gcp-alerts-folder-alerting")
    condition = alert["inputs"]["conditions"][0]["conditionThreshold"]
    condition["filter"] = condition["filter"].split(" AND ")[0]
    alert["depends_on"] = [u for u in alert["depends_on"] if not u.endswith("::org-gcp-alerts-folder-alerting-entries")]
    assert problems(plan, "gcp-alert-filters-typed") == [
        "conditions[0] filters on the log-based metric org-gcp-alerts-folder-alerting-entries without a resource.type: "
        "Cloud Monitoring refuses such a filter",
        "conditions[0] reads the log-based metric org-gcp-alerts-folder-alerting-entries but does not wait for "
        "org-gcp-alerts-folder-alerting-entries",
    ]


def test_gcp_service_agents_allowed_under_domain_restricted_sharing():
    plan = shipped_plan("org")
    # Without the backup project's exception, the folder's customer list refuses every agent.
    plan["resources"] = [
        r for r in plan["resources"] if r["name"] != "org-gcp-guardrails-agents-iam.allowedPolicyMemberDomains"
    ]
    found = problems(plan, "gcp-service-agents-allowed")
    assert len(found) == 4 and all("allows only its customers" in m for m in found)  # storage, transfer, PAM, logging
    assert any(m.startswith("serviceAccount:service-org-") and "(granted here)" in m for m in found)
    assert any("@gs-project-accounts.iam.gserviceaccount.com (granted by the environment stacks)" in m for m in found)


def test_gcp_service_agent_missing_from_the_managed_constraint():
    plan = shipped_plan("org")
    policy = named(plan, "org-gcp-guardrails-iam.managed.allowedPolicyMembers")["inputs"]["spec"]["rules"][0]
    parameters = json.loads(policy["parameters"])
    parameters["allowedMemberSubjects"] = [
        s for s in parameters["allowedMemberSubjects"] if "storage-transfer" not in s
    ]
    policy["parameters"] = json.dumps(parameters)
    (message,) = problems(plan, "gcp-service-agents-allowed")
    assert message.endswith(
        "@storage-transfer-service.iam.gserviceaccount.com (granted by the environment stacks) is not among the "
        "allowedMemberSubjects of org-gcp-guardrails-iam.managed.allowedPolicyMembers: its grant is refused"
    )


@pytest.mark.parametrize("stack", ["prod"])
def test_environment_grants_to_service_agents_are_allowed_by_the_organization(stack):
    """The environment's grants (the off-site key to Cloud Storage's agent, the sink bucket to Storage Transfer's)
    land in the organization's backup project: judged together with the organization plan's policies."""
    organization, environment = shipped_plan("org"), shipped_plan(stack)
    both = {"resources": organization["resources"] + environment["resources"]}
    assert problems(both, "gcp-service-agents-allowed") == []
    other = "serviceAccount:service-111111111111@gs-project-accounts.iam.gserviceaccount.com"
    named(environment, f"{stack}-offsite-key-user")["inputs"]["member"] = other
    both = {"resources": organization["resources"] + environment["resources"]}
    assert problems(both, "gcp-service-agents-allowed") == [
        f"{other} (granted here) is not among the allowedMemberSubjects of org-gcp-guardrails-iam.managed.allowedPolicyMembers: "
        "its grant is refused"
    ]


def test_the_folder_sinks_logging_agent_is_allowed():
    plan = shipped_plan("org")
    writer = named(plan, "org-gcp-alerts-folder-sink-writer")["inputs"]["member"]
    assert writer.startswith("serviceAccount:service-folder-") and writer.endswith(
        "@gcp-sa-logging.iam.gserviceaccount.com"
    )
    policy = named(plan, "org-gcp-guardrails-iam.managed.allowedPolicyMembers")["inputs"]["spec"]["rules"][0]
    parameters = json.loads(policy["parameters"])
    parameters["allowedMemberSubjects"].remove(writer)
    policy["parameters"] = json.dumps(parameters)
    assert problems(plan, "gcp-service-agents-allowed") == [
        f"{writer} (granted here) is not among the allowedMemberSubjects of org-gcp-guardrails-iam.managed.allowedPolicyMembers: "
        "its grant is refused"
    ]
