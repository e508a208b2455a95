"""The offline plan of the real stacks: schema, determinism, references, placeholders and engine rules."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pulumi
import pulumi_aws as aws
import pytest
from planning import DEPLOYER, by_name, one, plan_of, resources, shipped_plan

from hardened.aws import ImmutableBucket
from hardened_tools.plan import build_plan, find_project, run_stack
from hardened_tools.plan.document import dumps
from hardened_tools.plan.render import render_markdown, render_text, statement_summary
from hardened_tools.plan.runtime import OfflinePlanLimit, PlanViolation

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tools/hardened_tools/plan/plan.schema.json").read_text())


@pytest.fixture(scope="module")
def prod() -> dict:
    return shipped_plan("prod")


@pytest.fixture(scope="module")
def org() -> dict:
    return shipped_plan("org")


@pytest.fixture(scope="module")
def dev() -> dict:
    return shipped_plan("dev")


def test_plan_follows_the_documented_schema(prod, dev):
    jsonschema.Draft202012Validator(SCHEMA).validate(prod)
    jsonschema.Draft202012Validator(SCHEMA).validate(dev)
    assert (prod["schema_version"], prod["project"], prod["stack"]) == (1, "hardened-accounts", "prod")


@pytest.mark.slow
def test_json_is_byte_identical_across_runs():
    outputs = []
    for seed in ("1", "2"):
        completed = subprocess.run(
            [sys.executable, "-m", "hardened_tools", "plan", "--stack", "prod", "--format", "json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.append(completed.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["stack"] == "prod"
    # The command prints, byte for byte, the plan the tests make in-process (planning.shipped_plan), so tests of what
    # reads its output may read the shared plan instead of running the command again.
    assert outputs[0] == dumps(shipped_plan("prod"))


def test_prod_locks_buckets_and_vaults_in_compliance_mode(prod):
    rules = {
        r["name"]: r["inputs"]["rule"]["defaultRetention"]
        for r in resources(prod, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    }
    assert rules == {
        "prod-backups-object-lock": {"days": 35, "mode": "COMPLIANCE"},
        "prod-replicas-object-lock": {"days": 2555, "mode": "COMPLIANCE"},
    }
    locks = {
        r["name"]: r["inputs"] for r in resources(prod, "aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    }
    assert locks == {
        f"prod-{vault}-lock": {
            "backupVaultName": f"prod-{vault}",
            "changeableForDays": 3,
            "maxRetentionDays": 2555,
            "minRetentionDays": 35,
        }
        for vault in ("backup-vault", "local-vault", "eu-central-1-vault")
    }


def test_dev_uses_short_governance_retention(dev):
    rules = [
        r["inputs"]["rule"]["defaultRetention"]
        for r in resources(dev, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    ]
    assert rules == [{"days": 7, "mode": "GOVERNANCE"}, {"days": 7, "mode": "GOVERNANCE"}]
    for lock in resources(dev, "aws:backup/vaultLockConfiguration:VaultLockConfiguration"):
        assert "changeableForDays" not in lock["inputs"] and lock["inputs"]["maxRetentionDays"] == 14


def test_every_resource_lands_in_the_pinned_account_through_an_explicit_provider(prod, org):
    accounts = org["outputs"]["accounts"]
    workload, backup = accounts["workloads"]["prod"], accounts["backup"]
    providers = {p["name"]: p for p in resources(prod, "pulumi:providers:aws")}
    expected = {
        "prod-workload": (workload, "eu-west-1"),
        "prod-workload-eu-central-1": (workload, "eu-central-1"),
        "prod-backup": (backup, "eu-west-1"),
    }
    assert set(providers) == set(expected)
    for name, (account, region) in expected.items():
        assert providers[name]["inputs"]["allowedAccountIds"] == [account["accountId"]]
        assert providers[name]["inputs"]["assumeRoles"] == [
            {"roleArn": account["deploymentRoleArn"], "sessionName": "hardened-prod"}
        ]
        assert providers[name]["inputs"]["region"] == region
    by_provider = {p["urn"]: p for p in providers.values()}
    for resource in resources(prod):
        if resource["type"].startswith("aws:"):
            provider = by_provider[resource["provider"]]
            assert resource["lands_in"] == {
                "account": provider["inputs"]["allowedAccountIds"][0],
                "cloud": "aws",
                "region": provider["inputs"]["region"],
            }
    assert by_name(prod, "prod-replicas-bucket")["lands_in"]["account"] == backup["accountId"]
    assert by_name(prod, "prod-backup-vault-vault")["lands_in"]["account"] == backup["accountId"]
    assert by_name(prod, "prod-backups-bucket")["lands_in"]["account"] == workload["accountId"]


def test_prod_shows_the_copy_and_replication_paths_into_the_backup_account(prod, org):
    backup_vault = by_name(prod, "prod-backup-vault-vault")["outputs"]["arn"]
    second_vault = by_name(prod, "prod-eu-central-1-vault-vault")["outputs"]["arn"]
    air_gapped = by_name(prod, "prod-air-gapped-vault-vault")
    copies = one(prod, "aws:backup/plan:Plan")["inputs"]["rules"][0]["copyActions"]
    assert [(c["destinationVaultArn"], c["lifecycle"]["deleteAfter"]) for c in copies] == [
        (backup_vault, 365),
        (second_vault, 90),
        (air_gapped["outputs"]["arn"], 365),
    ]
    # The air-gapped vault: no customer key, locked by AWS Backup from creation, copies from this workload only.
    assert air_gapped["inputs"] == {
        "maxRetentionDays": 2555,
        "minRetentionDays": 35,
        "name": "prod-air-gapped-vault",
        "tags": {},
    }
    assert air_gapped["lands_in"]["account"] == org["outputs"]["accounts"]["backup"]["accountId"]
    assert air_gapped["protect"] and air_gapped["retain_on_delete"]
    workload = org["outputs"]["accounts"]["workloads"]["prod"]["accountId"]
    vault_policy = by_name(prod, "prod-backup-vault-policy")["inputs"]["policy"]
    assert vault_policy["Statement"][1]["Principal"] == {"AWS": [f"arn:aws:iam::{workload}:root"]}
    destination = one(prod, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")["inputs"]["rules"][0][
        "destination"
    ]
    assert destination["bucket"] == by_name(prod, "prod-replicas-bucket")["outputs"]["arn"]
    assert destination["account"] == org["outputs"]["accounts"]["backup"]["accountId"]
    replication_role = by_name(prod, "prod-backups-replication-role")["outputs"]["arn"]
    assert by_name(prod, "prod-replicas-policy")["inputs"]["policy"]["Statement"][-1]["Principal"] == {
        "AWS": [replication_role]
    }


def test_org_creates_the_accounts_in_their_units_and_attaches_each_accounts_guardrails(org):
    units = {
        u["inputs"]["name"]: u["id"] for u in resources(org, "aws:organizations/organizationalUnit:OrganizationalUnit")
    }
    assert set(units) == {"Security", "Backup", "Workloads"}
    accounts = {a["inputs"]["name"]: a for a in resources(org, "aws:organizations/account:Account")}
    assert {name: a["inputs"]["parentId"] for name, a in accounts.items()} == {
        "acme-backup": units["Backup"],
        "acme-backup-non-production": units["Backup"],
        "acme-log-archive": units["Security"],
        "acme-security": units["Security"],
        "acme-dev": units["Workloads"],
        "acme-staging": units["Workloads"],
        "acme-prod": units["Workloads"],
    }
    assert all(
        a["protect"] and a["retain_on_delete"] and a["inputs"]["closeOnDeletion"] is False for a in accounts.values()
    )
    targets = sorted(
        a["inputs"]["targetId"] for a in resources(org, "aws:organizations/policyAttachment:PolicyAttachment")
    )
    # The root carries its SCP and the data perimeter's RCP; the backup account its guardrails, its perimeter and its
    # RCP, and so does the non-production backup account; the log-archive and security accounts their guardrails and
    # their RCP.
    backup, non_production, log_archive, security = (
        accounts[f"acme-{key}"]["id"] for key in ("backup", "backup-non-production", "log-archive", "security")
    )
    # Every member account carries the alert-path SCP too.
    assert targets == sorted(
        [
            "r-a1b2",
            "r-a1b2",
            backup,
            backup,
            non_production,
            non_production,
            log_archive,
            security,
            *(a["id"] for a in accounts.values()),
            *(a["id"] for a in accounts.values()),
        ]
    )
    for key, account in (("backup", backup), ("non-production-backup", non_production)):
        for scp in ("guardrails", "perimeter-guardrails", "web-identity-controls"):
            assert by_name(org, f"org-{key}-{scp}-attachment")["inputs"]["targetId"] == account, (key, scp)
    assert org["outputs"]["accounts"]["nonProductionBackup"]["accountId"] == non_production
    assert by_name(org, "org-security-guardrails-attachment")["inputs"]["targetId"] == security
    assert org["outputs"]["accounts"]["backup"]["accountId"] == accounts["acme-backup"]["id"]


def test_a_break_glass_role_in_the_management_account_is_only_there_when_asked_for(tmp_path):
    import shutil

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    org_file = tmp_path / "stacks/Pulumi.org.yaml"
    org_file.write_text(
        org_file.read_text().replace(
            "    maxMfaAgeSeconds: 900\n", "    maxMfaAgeSeconds: 900\n    managementRole: true\n"
        )
    )
    plan = build_plan(run_stack(find_project(tmp_path), "org"))
    roles = [r for r in resources(plan, "aws:iam/role:Role") if r["inputs"]["name"] == "hardened-break-glass"]
    assert "999988887777" in {r["lands_in"]["account"] for r in roles}
    assert len(roles) == len(resources(plan, "aws:organizations/account:Account")) + 1


def test_no_non_production_pipeline_deploys_where_productions_copies_are(org, prod, dev):
    """dev (and staging) put their copies in the non-production backup account: the roles their providers assume are
    in their workload account and that account, never in the backup account that holds prod's copies."""
    accounts = org["outputs"]["accounts"]
    workloads = accounts["workloads"]

    def assumed(plan: dict) -> set[str]:
        return {role["roleArn"] for p in resources(plan, "pulumi:providers:aws") for role in p["inputs"]["assumeRoles"]}

    assert assumed(dev) == {workloads["dev"]["deploymentRoleArn"], accounts["nonProductionBackup"]["deploymentRoleArn"]}
    assert assumed(prod) == {workloads["prod"]["deploymentRoleArn"], accounts["backup"]["deploymentRoleArn"]}
    assert accounts["nonProductionBackup"]["accountId"] != accounts["backup"]["accountId"]
    assert dev["outputs"]["backupAccount"] == accounts["nonProductionBackup"]["accountId"]
    assert dev["outputs"]["restoreOperatorRoleArn"] == accounts["nonProductionBackup"]["breakGlassRoleArn"]
    assert by_name(dev, "dev-backup-vault-vault")["lands_in"]["account"] == accounts["nonProductionBackup"]["accountId"]


@pytest.mark.slow
def test_a_stack_that_grows_into_a_fleet_keeps_every_resource_it_had(tmp_path, prod):
    """prod with workloads [prod, payments]: every URN of the one-workload plan is still there (nothing replaced or
    removed); only the payments workload's resources are added, named prod-payments-..."""
    import shutil

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    org_file, prod_file = tmp_path / "stacks/Pulumi.org.yaml", tmp_path / "stacks/Pulumi.prod.yaml"
    org_file.write_text(
        org_file.read_text().replace(
            "      prod: {name: acme-prod, email: aws-prod@acme.example}\n",
            "      prod: {name: acme-prod, email: aws-prod@acme.example}\n      payments: {name: acme-payments, email: aws-payments@acme.example}\n",
        )
    )
    prod_file.write_text(
        prod_file.read_text().replace("config:\n", "config:\n  hardened-accounts:workloads: [prod, payments]\n")
    )
    fleet = build_plan(run_stack(find_project(tmp_path), "prod"))
    before, after = {r["urn"] for r in prod["resources"]}, {r["urn"] for r in fleet["resources"]}
    assert before <= after
    added = {r["name"] for r in fleet["resources"] if r["urn"] not in before}
    assert added and all(name.startswith("prod-payments-") for name in added), sorted(
        n for n in added if not n.startswith("prod-payments-")
    )
    assert "prod-payments-backups-bucket" in added


def test_a_fixed_bucket_name_is_refused_in_a_fleet(capsys, tmp_path):
    import shutil

    from hardened_tools.cli import main

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    prod_file = tmp_path / "stacks/Pulumi.prod.yaml"
    prod_file.write_text(
        prod_file.read_text()
        .replace("config:\n", "config:\n  hardened-accounts:workloads: [prod, staging]\n")
        .replace("      retentionDays: 35\n", "      retentionDays: 35\n      bucketName: acme-prod-backups\n", 1)
    )
    assert main(["plan", "--stack", "prod", "--project-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert (
        out == ""
        and (
            "buckets.backups.bucketName cannot apply to a fleet of 2 workloads, which names each workload's buckets "
            "after it: leave it out"
        )
        in err
    )


def test_a_region_no_alarm_watches_is_refused(tmp_path, capsys):
    """A stack in a region outside the organization's `regions` would run where no alarm watches and the root SCP denies."""
    import shutil

    from hardened_tools.cli import main

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    prod_file = tmp_path / "stacks/Pulumi.prod.yaml"
    prod_file.write_text(prod_file.read_text().replace("secondRegion: eu-central-1", "secondRegion: ap-southeast-2"))
    code = main(["plan", "--stack", "prod", "--project-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        "error: stacks/Pulumi.prod.yaml: config disagrees with the organization stack. key 'hardened-accounts:backups.secondRegion' "
        "is ap-southeast-2, not among the organization's regions (eu-west-1, eu-central-1): its root SCP denies it and no alarm "
        "watches it; add it to regions there [regions-watched, against stacks/Pulumi.org.yaml].\n"
    )


@pytest.mark.slow
def test_a_non_production_stack_stays_in_the_backup_account_only_when_asked_for(tmp_path, org):
    """`backupAccount: backup` keeps an existing non-production stack where its copies already are (docs/deploying.md, Giving non-production stacks their own backup account)."""
    import shutil

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    dev_file = tmp_path / "stacks/Pulumi.dev.yaml"
    dev_file.write_text(
        dev_file.read_text().replace("config:\n", "config:\n  hardened-accounts:backupAccount: backup\n")
    )
    plan = build_plan(run_stack(find_project(tmp_path), "dev"))
    backup = org["outputs"]["accounts"]["backup"]
    assert plan["outputs"]["backupAccount"] == backup["accountId"]
    assert by_name(plan, "dev-backup")["inputs"]["assumeRoles"] == [
        {"roleArn": backup["deploymentRoleArn"], "sessionName": "hardened-dev"}
    ]


def test_break_glass_users_stay_in_the_management_account_only_when_asked_for(tmp_path):
    """`usersAccount: management` (the first step of the migration): users, group and sign-in rules in the management
    account, the trust naming them there; the security account and its SCP are created, holding nobody yet."""
    import shutil

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    org_file = tmp_path / "stacks/Pulumi.org.yaml"
    org_file.write_text(
        org_file.read_text().replace(
            "    maxMfaAgeSeconds: 900\n", "    maxMfaAgeSeconds: 900\n    usersAccount: management\n"
        )
    )
    plan = build_plan(run_stack(find_project(tmp_path), "org"))
    management = "999988887777"
    where = {
        (r["type"], r["lands_in"]["account"])
        for r in plan["resources"]
        if r["type"] in ("aws:iam/user:User", "aws:iam/group:Group", "aws:cloudwatch/eventRule:EventRule")
        and r["name"].startswith("org-break-glass-")
    }
    assert where == {
        ("aws:iam/user:User", management),
        ("aws:iam/group:Group", management),
        ("aws:cloudwatch/eventRule:EventRule", management),
    }
    role = by_name(plan, "org-break-glass-role-backup")["inputs"]["assumeRolePolicy"]["Statement"][0]
    assert role["Principal"] == {
        "AWS": [f"arn:aws:iam::{management}:user/break-glass-1", f"arn:aws:iam::{management}:user/break-glass-2"]
    }
    assert (
        by_name(plan, "org-security-guardrails-attachment")["inputs"]["targetId"]
        == by_name(plan, "org-security-account")["id"]
    )
    assert plan["outputs"]["breakGlass"]["usersAccount"] == management


def test_the_trails_key_and_bucket_wait_for_the_break_glass_role_they_name(org):
    """KMS and S3 refuse a policy naming a principal that does not exist yet: the log-archive account's break-glass
    role is created before the trail key's policy and the log bucket's policy that name it."""
    role = by_name(org, "org-break-glass-role-log-archive")
    for name in ("org-trail-trail-key", "org-trail-logs-key", "org-trail-logs-policy"):
        resource = by_name(org, name)
        assert role["urn"] in resource["depends_on"], name
    assert role["outputs"]["arn"] in json.dumps(by_name(org, "org-trail-trail-key")["inputs"]["policy"])


def test_the_break_glass_metric_filter_waits_for_the_log_group_it_reads(org):
    """CloudWatch Logs refuses a metric filter on a group that does not exist yet: the filter depends on the trail's
    log group, which the trail declares after the break-glass roles it names (a deferred output closes the loop)."""
    log_filter, group = by_name(org, "org-break-glass-uses"), by_name(org, "org-trail-events")
    assert (
        log_filter["inputs"]["logGroupName"]
        == group["inputs"]["name"]
        == "/hardened/cloudtrail/acme-organization-trail"
    )
    assert group["urn"] in log_filter["depends_on"]


def test_the_backup_accounts_roles_answer_to_no_web_identity_but_the_transfer_agent(org, prod):
    """The org stack's RCP on the backup account names the very Google subject prod's transfer role trusts."""
    rcp = by_name(org, "org-backup-web-identity-controls-policy")
    assert rcp["inputs"]["type"] == "RESOURCE_CONTROL_POLICY"
    assert (
        by_name(org, "org-backup-web-identity-controls-attachment")["inputs"]["targetId"]
        == org["outputs"]["accounts"]["backup"]["accountId"]
    )
    [statement] = rcp["inputs"]["content"]["Statement"]
    [subject] = statement["Condition"]["StringNotEqualsIfExists"]["accounts.google.com:sub"]
    trust = by_name(prod, "prod-to-gcp-role")["inputs"]["assumeRolePolicy"]["Statement"][0]
    assert trust["Condition"] == {"StringEquals": {"accounts.google.com:sub": subject}}
    assert org["outputs"]["gcp"]["transferAgentSubject"] == subject
    # The log-archive account admits no web identity at all.
    [none] = by_name(org, "org-log-archive-web-identity-controls-policy")["inputs"]["content"]["Statement"]
    assert "Condition" not in none and none["Action"] == "sts:AssumeRoleWithWebIdentity"


def test_no_bucket_of_any_member_account_can_be_made_public(org):
    blocks = resources(org, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock")
    accounts = {a["id"] for a in resources(org, "aws:organizations/account:Account")}
    assert sorted(b["lands_in"]["account"] for b in blocks) == sorted(accounts)
    flags = {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert all(b["inputs"] == flags and b["protect"] and b["retain_on_delete"] for b in blocks)


def test_org_shows_who_can_break_the_glass_how_and_who_is_told(org):
    management = "999988887777"
    # A break-glass role in every member account, none in the management account, which no SCP binds; the users in the
    # security account, under its SCP.
    accounts = {a["id"] for a in resources(org, "aws:organizations/account:Account")}
    security = by_name(org, "org-security-account")["id"]
    users = [u["inputs"]["name"] for u in resources(org, "aws:iam/user:User")]
    assert users == ["break-glass-1", "break-glass-2"]
    assert all(
        u["lands_in"] == {"cloud": "aws", "account": security, "region": "eu-west-1"}
        for u in resources(org, "aws:iam/user:User")
    )
    assert by_name(org, "org-break-glass-users")["lands_in"]["account"] == security
    assert org["outputs"]["breakGlass"]["usersAccount"] == security
    assert (
        resources(org, "aws:iam/accessKey:AccessKey") == []
        and resources(org, "aws:iam/userLoginProfile:UserLoginProfile") == []
    )
    roles = [r for r in resources(org, "aws:iam/role:Role") if r["inputs"]["name"] == "hardened-break-glass"]
    assert {r["lands_in"]["account"] for r in roles} == accounts and len(roles) == len(accounts)
    for role in roles:
        statement = role["inputs"]["assumeRolePolicy"]["Statement"][0]
        assert statement["Principal"] == {
            "AWS": [f"arn:aws:iam::{security}:user/break-glass-1", f"arn:aws:iam::{security}:user/break-glass-2"]
        }
        # IAM refuses a trust policy naming a user that does not exist yet: every role waits for the users.
        assert {by_name(org, f"org-break-glass-user-break-glass-{n}")["urn"] for n in (1, 2)} <= set(role["depends_on"])
        assert statement["Condition"] == {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": "900"},
        }
        assert role["inputs"]["maxSessionDuration"] == 3600
    # The users' sign-ins and AssumeRole calls are recorded in their account: the rules are there, in us-east-1; the
    # metric filter beside the trail's log group, in the management account.
    rules = [
        r for r in resources(org, "aws:cloudwatch/eventRule:EventRule") if r["name"].startswith("org-break-glass-")
    ]
    assert {(r["inputs"]["name"], r["lands_in"]["account"], r["lands_in"]["region"]) for r in rules} == {
        ("org-break-glass-sign-in", security, "us-east-1"),
        ("org-break-glass-assume-role", security, "us-east-1"),
    }
    sign_in = by_name(org, "org-break-glass-sign-in")["inputs"]["eventPattern"]
    assert json.loads(sign_in)["detail"]["userIdentity"]["accountId"] == [security]
    assert one(org, "aws:cloudwatch/metricAlarm:MetricAlarm")["lands_in"] == {
        "cloud": "aws",
        "account": management,
        "region": "eu-west-1",
    }
    assert (
        f'$.userIdentity.accountId = "{security}"'
        in one(org, "aws:cloudwatch/logMetricFilter:LogMetricFilter")["inputs"]["pattern"]
    )
    subscriptions = {
        (s["inputs"]["protocol"], s["lands_in"]["region"])
        for s in resources(org, "aws:sns/topicSubscription:TopicSubscription")
    }
    assert subscriptions == {(p, r) for p in ("email", "https") for r in ("us-east-1", "eu-west-1")}
    assert org["outputs"]["breakGlass"]["subscribers"] == [
        "email:security-oncall@acme.example",
        "https:https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue",
    ]
    mfa = resources(org, "aws:iam/accountPasswordPolicy:AccountPasswordPolicy")
    assert {p["lands_in"]["account"] for p in mfa} == accounts | {management} and len(mfa) == len(accounts) + 1
    assert one(org, "aws:iam/organizationsFeatures:OrganizationsFeatures")["lands_in"]["account"] == management


def test_a_new_accounts_baseline_is_deployed_through_a_provider_into_it(org, prod):
    log_archive = by_name(org, "org-log-archive-account")["id"]
    provider = by_name(org, "org-log-archive-provider")
    assert provider["inputs"]["allowedAccountIds"] == [log_archive]
    assert provider["inputs"]["assumeRoles"][0]["roleArn"] == f"arn:aws:iam::{log_archive}:role/hardened-deployer"
    assert by_name(org, "org-trail-logs-bucket")["lands_in"]["account"] == log_archive
    # Environment stacks take the same accounts through the stack reference.
    assert by_name(prod, "prod-workload")["inputs"]["allowedAccountIds"] == [
        by_name(org, "org-workload-prod-account")["id"]
    ]


def test_policy_documents_are_objects_never_strings(prod):
    def strings(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    for resource in resources(prod):
        assert not any('"Statement"' in s for s in strings(resource["inputs"])), resource["name"]
    assert isinstance(by_name(prod, "prod-backups-policy")["inputs"]["policy"]["Statement"], list)


def test_references_lead_to_the_resources_they_name(prod):
    urns = {r["urn"] for r in resources(prod)}
    for resource in resources(prod):
        assert {resource["parent"], resource["provider"]} - {None} <= urns
        assert set(resource["depends_on"]) <= urns
    key = by_name(prod, "prod-backups-key")
    bucket = by_name(prod, "prod-backups-bucket")
    encryption = by_name(prod, "prod-backups-encryption")["inputs"]["rules"][0]
    assert encryption["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == key["outputs"]["arn"]
    assert by_name(prod, "prod-backups-policy")["inputs"]["bucket"] == bucket["id"]
    assert by_name(prod, "prod-backups-key-alias")["inputs"]["targetKeyId"] == key["outputs"]["keyId"]
    assert bucket["urn"] in by_name(prod, "prod-backups-policy")["depends_on"]


def test_placeholders_are_realistic_and_marked_computed(prod):
    PROD_ACCOUNT = prod["outputs"]["workloadAccount"]
    key = by_name(prod, "prod-backups-key")
    assert re.fullmatch(
        rf"arn:aws:kms:eu-west-1:{PROD_ACCOUNT}:key/[0-9a-f]{{8}}(-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}",
        key["outputs"]["arn"],
    )
    assert key["computed_outputs"] == ["arn", "keyId"]
    bucket = by_name(prod, "prod-backups-bucket")
    assert re.fullmatch(r"prod-backups-bucket-[0-9a-f]{7}", bucket["outputs"]["bucket"])
    assert bucket["outputs"]["arn"] == f"arn:aws:s3:::{bucket['outputs']['bucket']}"
    assert "arn" in bucket["computed_outputs"] and "bucket" in bucket["computed_outputs"]
    assert by_name(prod, "prod-backups-policy")["computed_inputs"] == ["bucket", "policy"]
    # The key policy names roles in the workload account, whose id exists only once the org stack has run.
    assert by_name(prod, "prod-backups-key")["computed_inputs"] == ["policy"]
    provider = by_name(prod, "prod-workload")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", provider["id"])


def test_text_and_markdown_show_the_security_inputs(prod):
    PROD_ACCOUNT = prod["outputs"]["workloadAccount"]
    text = render_text(prod)
    assert re.match(
        r"Stack 'prod' of project hardened-accounts: `pulumi up` would create \d+ resources in \d+ components", text
    )
    assert (
        f"prod-backups-bucket (aws:s3/bucket:Bucket) -> aws account {PROD_ACCOUNT} eu-west-1 [protect, retain_on_delete]"
        in text
    )
    assert "mode: COMPLIANCE" in text and "days: 2555" in text
    assert "DenyProtectionChanges: Deny [s3:DeleteBucket," in text
    assert f"when ArnNotEquals aws:PrincipalArn [arn:aws:iam::{PROD_ACCOUNT}:role/hardened-break-glass]" in text
    markdown = render_markdown(prod)
    assert markdown.startswith("### Offline plan of `prod` (hardened-accounts)")
    assert (
        f"| `prod-backups-bucket` | `aws:s3/bucket:Bucket` | aws account {PROD_ACCOUNT} eu-west-1 | yes | yes |"
        in markdown
    )
    assert "<details>" in markdown and "DenyRetentionBypass" in markdown


def test_a_statement_summary_says_what_a_negated_element_leaves_out():
    statement = {"Sid": "S", "Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::scratch-*"]}
    assert (
        statement_summary(statement) == "S: Deny everything except iam:* on everything except [arn:aws:s3:::scratch-*]"
    )
    assert (
        statement_summary({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}) == "Allow s3:GetObject on *"
    )
    # A trust policy's statement names no resource: no "on None".
    trust = {
        "Sid": "T",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert statement_summary(trust) == "T: Allow sts:AssumeRole for Service events.amazonaws.com"


def _bucket_with_default_provider():
    ImmutableBucket("logs", {"retention_days": 30, "administrator_arns": [DEPLOYER]})


def test_a_resource_without_provider_gets_the_engines_default_provider():
    plan = plan_of(_bucket_with_default_provider, config={"aws:region": "us-east-2"})
    provider = one(plan, "pulumi:providers:aws")
    assert re.fullmatch(r"urn:pulumi:test::hardened-test::pulumi:providers:aws::default_7_\d+_\d+", provider["urn"])
    assert provider["inputs"]["region"] == "us-east-2"
    assert one(plan, "aws:s3/bucket:Bucket")["provider"] == provider["urn"]


def test_disabled_default_providers_are_refused_like_the_engine_does():
    with pytest.raises(PlanViolation, match=r"Default provider for 'aws' disabled\. 'urn:pulumi:test::hardened-test::"):
        plan_of(_bucket_with_default_provider, config={"pulumi:disable-default-providers": '["*"]'})


def test_a_snake_case_assume_role_dict_is_refused():
    def program():
        aws.Provider("account", region="eu-west-1", assume_roles=[{"role_arn": DEPLOYER}])

    with pytest.raises(PlanViolation, match=r"assumeRoles\.role_arn, which the AWS provider ignores"):
        plan_of(program)


def test_duplicate_names_are_refused():
    def program():
        aws.Provider("account", region="eu-west-1")
        aws.Provider("account", region="eu-west-1")

    with pytest.raises(PlanViolation, match="Duplicate resource URN"):
        plan_of(program)


def test_data_sources_the_plan_cannot_answer_say_so():
    def program():
        aws.ec2.get_vpc_output(default=True).apply(lambda vpc: pulumi.export("vpc", vpc.id))

    with pytest.raises(OfflinePlanLimit, match="cannot answer the data source 'aws:ec2/getVpc:getVpc'"):
        plan_of(program)


def test_dumps_is_canonical(prod):
    assert dumps(prod) == dumps(json.loads(dumps(prod)))


def test_restores_by_hand_go_through_the_backup_accounts_break_glass_role(org, prod):
    assert prod["outputs"]["restoreOperatorRoleArn"] == org["outputs"]["accounts"]["backup"]["breakGlassRoleArn"]


def test_prod_keeps_three_copies_at_two_vendors_one_in_another_geography(org, prod):
    copies = prod["outputs"]["copies"]
    assert {c["vendor"] for c in copies} == {"aws", "gcp"} and len(copies) >= 3
    offsite = [c for c in copies if c["vendor"] == "gcp"]
    assert offsite == [
        {
            "copy": "offsite",
            "vendor": "gcp",
            "where": "backup project",
            "region": "us-east4",
            "lock": "locked retention policy",
            "retentionMode": "COMPLIANCE",
            "retentionDays": 400,
            "key": "customer-managed",
        }
    ]
    # What each lock really enforces: a replica keeps its source's 35 days, whatever the replica bucket's default says.
    assert {c["copy"]: (c["retentionMode"], c["retentionDays"]) for c in copies} == {
        "primary": ("COMPLIANCE", 35),
        "replica": ("COMPLIANCE", 35),
        "vault copy": ("COMPLIANCE", 365),
        "second-region copy": ("COMPLIANCE", 90),
        "air-gapped copy": ("COMPLIANCE", 365),
        "offsite": ("COMPLIANCE", 400),
    }
    assert {c["copy"]: c["key"] for c in copies}["air-gapped copy"] == "AWS-owned"
    assert by_name(prod, "prod-replicas-object-lock")["inputs"]["rule"] == {
        "defaultRetention": {"days": 2555, "mode": "COMPLIANCE"}
    }
    project = org["outputs"]["gcp"]["projectId"]
    bucket = one(prod, "gcp:storage/bucket:Bucket")
    assert bucket["lands_in"] == {"cloud": "gcp", "project": project, "region": "us-east4"}
    assert bucket["inputs"]["retentionPolicy"] == {"isLocked": True, "retentionPeriod": str(400 * 86400)}
    assert bucket["inputs"]["location"] == "US-EAST4" and bucket["protect"] and bucket["retain_on_delete"]
    # The copy is pulled from the backup account's replicas by a role only Google's transfer agent assumes.
    job = one(prod, "gcp:storage/transferJob:TransferJob")
    source = job["inputs"]["transferSpec"]["awsS3DataSource"]
    assert source["bucketName"] == by_name(prod, "prod-replicas-bucket")["outputs"]["bucket"]
    role = [r for r in resources(prod, "aws:iam/role:Role") if r["outputs"]["arn"] == source["roleArn"]][0]
    assert role["lands_in"]["account"] == org["outputs"]["accounts"]["backup"]["accountId"]
    assert role["inputs"]["assumeRolePolicy"]["Statement"][0]["Principal"] == {"Federated": "accounts.google.com"}
    # No Backup and DR vault: nothing in this layout is ever backed up into one.
    assert sorted({r["type"] for r in resources(prod) if r["type"].startswith("gcp:")}) == [
        "gcp:kms/cryptoKey:CryptoKey",
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        "gcp:kms/keyRing:KeyRing",
        "gcp:storage/bucket:Bucket",
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        "gcp:storage/transferJob:TransferJob",
    ]
    assert sorted(prod["outputs"]["gcp"]) == [
        "buckets",
        "location",
        "locked",
        "project",
        "retentionDays",
        "transferJobs",
        "transferRoleArns",
    ]


def test_org_guards_the_gcp_backup_folder_and_breaks_its_glass_only_with_approval(org):
    deny = one(org, "gcp:iam/denyPolicy:DenyPolicy")
    assert [rule["denyRule"]["deniedPermissions"] for rule in deny["inputs"]["rules"]][0] == [
        "storage.googleapis.com/buckets.delete",
        "storage.googleapis.com/objects.delete",
    ]
    break_glass = [
        "principal://goog/subject/break-glass-1@acme.example",
        "principal://goog/subject/break-glass-2@acme.example",
    ]
    deployer = "principal://iam.googleapis.com/projects/-/serviceAccounts/pulumi-deployer@acme-seed-4c1e.iam.gserviceaccount.com"
    assert deny["inputs"]["rules"][0]["denyRule"]["exceptionPrincipals"] == break_glass
    assert [
        (r["denyRule"]["deniedPermissions"], r["denyRule"]["exceptionPrincipals"]) for r in deny["inputs"]["rules"][2:]
    ] == [
        (
            ["cloudkms.googleapis.com/cryptoKeyVersions.destroy", "cloudkms.googleapis.com/cryptoKeyVersions.update"],
            break_glass,
        ),
        (
            ["cloudkms.googleapis.com/cryptoKeys.setIamPolicy", "cloudkms.googleapis.com/keyRings.setIamPolicy"],
            [*break_glass, deployer],
        ),
        (
            [
                "cloudresourcemanager.googleapis.com/projects.delete",
                "cloudresourcemanager.googleapis.com/projects.move",
            ],
            break_glass,
        ),
    ]
    constraints = sorted(p["inputs"]["name"].rsplit("/", 1)[1] for p in resources(org, "gcp:orgpolicy/policy:Policy"))
    assert constraints == sorted(
        [
            "iam.disableServiceAccountKeyCreation",
            "storage.publicAccessPrevention",
            "storage.uniformBucketLevelAccess",
            "storage.retentionPolicySeconds",
            "gcp.resourceLocations",
            "iam.allowedPolicyMemberDomains",
            # The service agents' route: tests/test_gcp_deployability.py.
            "iam.managed.allowedPolicyMembers",
            "iam.allowedPolicyMemberDomains",
        ]
    )
    entitlement = one(org, "gcp:privilegedaccessmanager/entitlement:entitlement")["inputs"]
    assert entitlement["maxRequestDuration"] == "3600s"
    # Read and copy out the environments' off-site buckets, nothing else (tests/test_gcp_conditions.py judges the condition).
    assert entitlement["privilegedAccess"]["gcpIamAccess"]["roleBindings"] == [
        {
            "role": "roles/storage.objectViewer",
            "conditionExpression": " || ".join(
                f'(resource.service == "storage.googleapis.com" && resource.name.startsWith("projects/_/buckets/{env}-offsite-bucket-"))'
                for env in ("dev", "prod", "staging")
            ),
        }
    ]
    steps = entitlement["approvalWorkflow"]["manualApprovals"]["steps"]
    assert [s["approvers"]["principals"] for s in steps] == [["group:security-approvers@acme.example"]]
    policies = resources(org, "gcp:monitoring/alertPolicy:AlertPolicy")
    assert {p["lands_in"]["project"] for p in policies} == {org["outputs"]["gcp"]["projectId"]}
    # The PAM grant alert, and BackupPlaneAlerts' one per threat (tests/test_gcp_backup_plane_alerts.py).
    assert sorted(p["name"] for p in policies) == sorted(
        [
            "org-gcp-break-glass-grant-activated",
            *(
                f"org-gcp-alerts-{t}"
                for t in (
                    "alerting",
                    "bucket-access",
                    "bucket-settings",
                    "deny-policy",
                    "folder-alerting",
                    "folder-deny-policy",
                    "folder-org-policy",
                    "key-access",
                    "key-destruction",
                    "org-policy",
                    "transfer-failures",
                    "transfer-job",
                )
            ),
        ]
    )
