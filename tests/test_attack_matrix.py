"""The attack matrix: intruders against every way of destroying backups or logs, judged by an independent evaluator.

The intruders are roles with an identity policy allowing everything: an administrator of the prod workload
account, an administrator of the backup account, the backup account's deployment role (exempt from the
guardrails on *settings*, never from those on destruction), the workload account's deployment role, and an
administrator of the log-archive account. Each is judged under the SCPs the org stack attaches to its
account (root -> OU -> account, FullAWSAccess at every level) and against the resource's own policy (vault
access policy, key policy, bucket policy) as the stacks generate them. Verdicts come from
@cloud-copilot/iam-simulate, never from logic in this project.

Run with `pytest -s` to see the matrices.
"""

from dataclasses import replace

import pytest
from attack_matrix import (
    ENVIRONMENT_STACK,
    NOT_ASKED,
    ORGANIZATION_STACK,
    Attempt,
    Estate,
    Principal,
    Target,
    Vault,
    document,
    one,
    plan_stack,
    table,
)
from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, evaluate

from hardened.aws.tags import PROTECTED_KEY_TAG

W_ADMIN, W_DEPLOYER, B_ADMIN, B_DEPLOYER, L_ADMIN = (
    "workload admin",
    "workload deployer",
    "backup admin",
    "backup deployer",
    "log-archive admin",
)
W_BREAK_GLASS, B_BREAK_GLASS = "workload break-glass", "backup break-glass"
INTRUDERS = [W_ADMIN, W_DEPLOYER, W_BREAK_GLASS, B_ADMIN, B_DEPLOYER, B_BREAK_GLASS, L_ADMIN]
EXEMPT = (W_DEPLOYER, W_BREAK_GLASS, B_DEPLOYER, B_BREAK_GLASS)


@pytest.fixture(scope="module")
def estate() -> Estate:
    """Both stacks planned once, offline; prod reads org's outputs through its stack reference."""
    return Estate(plan_stack(ORGANIZATION_STACK), plan_stack(ENVIRONMENT_STACK))


@pytest.fixture(scope="module")
def intruders(estate) -> dict[str, Principal]:
    w, b, log = estate.workload_account, estate.backup_account, estate.log_archive_account
    return {
        W_ADMIN: estate.admin(W_ADMIN, w),
        W_DEPLOYER: estate.role(W_DEPLOYER, estate.deployer[w]),
        B_ADMIN: estate.admin(B_ADMIN, b),
        B_DEPLOYER: estate.role(B_DEPLOYER, estate.deployer[b]),
        # The break-glass roles hold AdministratorAccess (as the org stack attaches) and are exempt like the deployers.
        W_BREAK_GLASS: estate.role(W_BREAK_GLASS, estate.break_glass[w]),
        B_BREAK_GLASS: estate.role(B_BREAK_GLASS, estate.break_glass[b]),
        L_ADMIN: estate.admin(L_ADMIN, log),
    }


# --- destruction: every intruder, every way --------------------------------------------------------------

WEAKER_LOCK = {"backup:MinRetentionDays": "1", "backup:MaxRetentionDays": "2555"}


def destructive_attempts(estate: Estate) -> list[tuple[Attempt, set[str]]]:
    """Each attempt, with the intruders it is not asked of (the own-account deployer for settings it may change)."""
    backup, local, second = estate.backup_vault, estate.local_vault, estate.second_region_vault
    replica, logs = estate.replica_bucket, estate.log_bucket
    owners_of_replica = {
        B_ADMIN,
        B_DEPLOYER,
        B_BREAK_GLASS,
    }  # writing into one's own bucket destroys nothing: only outsiders are asked
    # Break-glass is exempt from the bucket policy's protection denies (and the SCP's), by design: where a
    # compliance lock applies, changing the lifecycle, policy or default lock cannot shorten a locked version's life.
    replica_settings = {B_BREAK_GLASS}
    everyone: set[str] = set()
    rows = []
    for where, vault, _deployer, break_glass in [
        ("backup-account vault", backup, B_DEPLOYER, B_BREAK_GLASS),
        ("workload local vault", local, W_DEPLOYER, W_BREAK_GLASS),
    ]:
        rows += [
            (Attempt(f"{where}: DeleteRecoveryPoint", "backup:DeleteRecoveryPoint", vault.recovery_point), everyone),
            (
                Attempt(
                    f"{where}: UpdateRecoveryPointLifecycle",
                    "backup:UpdateRecoveryPointLifecycle",
                    vault.recovery_point,
                ),
                everyone,
            ),
            (Attempt(f"{where}: DeleteBackupVault", "backup:DeleteBackupVault", vault.target), everyone),
            (
                Attempt(
                    f"{where}: DeleteBackupVaultLockConfiguration",
                    "backup:DeleteBackupVaultLockConfiguration",
                    vault.target,
                ),
                everyone,
            ),
            (
                Attempt(
                    f"{where}: PutBackupVaultLockConfiguration 1 day",
                    "backup:PutBackupVaultLockConfiguration",
                    vault.target,
                    WEAKER_LOCK,
                ),
                everyone,
            ),
            (
                Attempt(
                    f"{where}: DeleteBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy", vault.target
                ),
                everyone,
            ),
            (Attempt(f"{where} key: kms:ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", vault.key), everyone),
            (Attempt(f"{where} key: kms:DisableKey", "kms:DisableKey", vault.key), everyone),
            (Attempt(f"{where} key: kms:PutKeyPolicy", "kms:PutKeyPolicy", vault.key), {break_glass}),
        ]
    air_gapped = estate.air_gapped_vault
    rows += [
        (
            Attempt("air-gapped vault: DeleteRecoveryPoint", "backup:DeleteRecoveryPoint", air_gapped.recovery_point),
            everyone,
        ),
        (
            Attempt(
                "air-gapped vault: UpdateRecoveryPointLifecycle",
                "backup:UpdateRecoveryPointLifecycle",
                air_gapped.recovery_point,
            ),
            everyone,
        ),
        (Attempt("air-gapped vault: DeleteBackupVault", "backup:DeleteBackupVault", air_gapped.target), everyone),
        (
            Attempt(
                "air-gapped vault: DeleteBackupVaultAccessPolicy",
                "backup:DeleteBackupVaultAccessPolicy",
                air_gapped.target,
            ),
            everyone,
        ),
    ]
    rows += [
        (
            Attempt(f"{second.region} vault: DeleteRecoveryPoint", "backup:DeleteRecoveryPoint", second.recovery_point),
            everyone,
        ),
        (
            Attempt(f"{second.region} vault key: kms:ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", second.key),
            everyone,
        ),
        (Attempt("replica bucket: DeleteObjectVersion", "s3:DeleteObjectVersion", replica.target.object()), everyone),
        (
            Attempt(
                "replica bucket: BypassGovernanceRetention", "s3:BypassGovernanceRetention", replica.target.object()
            ),
            everyone,
        ),
        (Attempt("replica bucket: DeleteBucket", "s3:DeleteBucket", replica.target), everyone),
        (
            Attempt(
                "replica bucket: PutBucketObjectLockConfiguration",
                "s3:PutBucketObjectLockConfiguration",
                replica.target,
            ),
            replica_settings,
        ),
        (
            Attempt("replica bucket: PutLifecycleConfiguration", "s3:PutLifecycleConfiguration", replica.target),
            replica_settings,
        ),
        (Attempt("replica bucket: PutBucketPolicy", "s3:PutBucketPolicy", replica.target), replica_settings),
        (
            Attempt("replica bucket: PutObject, not by replication", "s3:PutObject", replica.target.object()),
            owners_of_replica,
        ),
        (
            Attempt(
                "replica bucket: ReplicateObject, not the replication role",
                "s3:ReplicateObject",
                replica.target.object(),
            ),
            owners_of_replica,
        ),
        (Attempt("replica key: kms:ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", replica.key), everyone),
        (Attempt("replica key: kms:DisableKey", "kms:DisableKey", replica.key), everyone),
        (Attempt("replica key: kms:PutKeyPolicy", "kms:PutKeyPolicy", replica.key), {B_BREAK_GLASS}),
        (Attempt("organization trail: StopLogging", "cloudtrail:StopLogging", estate.trail), everyone),
        (Attempt("organization trail: DeleteTrail", "cloudtrail:DeleteTrail", estate.trail), everyone),
        (Attempt("organization trail: UpdateTrail", "cloudtrail:UpdateTrail", estate.trail), everyone),
        (Attempt("organization trail: PutEventSelectors", "cloudtrail:PutEventSelectors", estate.trail), everyone),
        (
            Attempt(
                "trail log bucket: DeleteObjectVersion",
                "s3:DeleteObjectVersion",
                logs.target.object("AWSLogs/o-a1b2c3d4e5/x.json.gz"),
            ),
            everyone,
        ),
        (Attempt("trail log bucket: PutBucketPolicy", "s3:PutBucketPolicy", logs.target), everyone),
        (Attempt("trail key: kms:ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", estate.trail_key), everyone),
        (Attempt("trail key: kms:PutKeyPolicy", "kms:PutKeyPolicy", estate.trail_key), everyone),
        (Attempt("organization: LeaveOrganization", "organizations:LeaveOrganization", Target("*", None)), everyone),
    ]
    return rows


# Cells where no statement denies and the verdict is an implicit deny: the caller is in another account, its own
# account's SCP does not name the action, and the owner's resource policy grants it nothing. Every other cell of
# the destruction matrix must be an explicit deny.
VAULT_LEVEL = (
    "DeleteBackupVault",
    "DeleteBackupVaultLockConfiguration",
    "PutBackupVaultLockConfiguration 1 day",
    "DeleteBackupVaultAccessPolicy",
)
OUTSIDE_WRITES = (
    "replica bucket: PutObject, not by replication",
    "replica bucket: ReplicateObject, not the replication role",
)
IMPLICITLY_DENIED = {
    # The log-archive SCP does not cover backup vaults, and the vault access policy only names recovery points.
    *(
        (f"{vault}: {action}", L_ADMIN)
        for vault in ("backup-account vault", "workload local vault")
        for action in VAULT_LEVEL
    ),
    *((f"air-gapped vault: {action}", L_ADMIN) for action in ("DeleteBackupVault", "DeleteBackupVaultAccessPolicy")),
    # Break-glass roles are exempt from the repolicy guardrail in their own account; another account's key policy
    # grants them nothing. (Deployment roles are exempt nowhere: their own SCP denies them.)
    ("backup-account vault key: kms:PutKeyPolicy", W_BREAK_GLASS),
    ("workload local vault key: kms:PutKeyPolicy", B_BREAK_GLASS),
    ("replica key: kms:PutKeyPolicy", W_BREAK_GLASS),
    *(("trail key: kms:PutKeyPolicy", who) for who in (W_BREAK_GLASS, B_BREAK_GLASS)),
    # Writes into the replica bucket from outside the backup account, other than by the replication role.
    *((row, who) for row in OUTSIDE_WRITES for who in (W_ADMIN, W_DEPLOYER, W_BREAK_GLASS, L_ADMIN)),
}


def judged(cases: list[tuple[Attempt, str]], intruders: dict[str, Principal]) -> dict[tuple[str, str], str]:
    """(attempt label, intruder) -> the evaluator's verdict on that intruder making that attempt; one run for all."""
    verdicts = evaluate([attempt.by(intruders[who]) for attempt, who in cases])
    return {(attempt.label, who): verdict for (attempt, who), verdict in zip(cases, verdicts, strict=True)}


def test_every_intruder_is_denied_every_destructive_action(estate, intruders):
    attempts = destructive_attempts(estate)
    cases = [(attempt, who) for attempt, skipped in attempts for who in INTRUDERS if who not in skipped]
    matrix = judged(cases, intruders)
    rows = [attempt.label for attempt, _ in attempts]
    print(
        "\n"
        + table(
            "destructive action (intruder holds Allow *)", rows, INTRUDERS, matrix, note=_sources(estate, intruders)
        )
    )

    expected = {cell: IMPLICIT_DENY if cell in IMPLICITLY_DENIED else EXPLICIT_DENY for cell in matrix}
    assert not [cell for cell, verdict in matrix.items() if verdict == ALLOWED], "an intruder is allowed to destroy"
    assert matrix == expected
    assert IMPLICITLY_DENIED <= set(matrix), "an expected implicit deny names a cell that is not in the matrix"


def test_the_intruders_really_hold_full_rights(estate, intruders):
    """Guard for the matrix: outside the guardrails every intruder is allowed, so each deny above is a guardrail's."""
    ordinary = [
        Attempt("s3:ListAllMyBuckets", "s3:ListAllMyBuckets", Target("*", None)),
        # Not iam:CreateRole: the backup and log-archive accounts leave new roles to the deployer (DenyNewRoleTrust).
        Attempt("iam:CreatePolicy", "iam:CreatePolicy", Target("arn:aws:iam::{account}:policy/anything", None)),
        Attempt("kms:CreateKey", "kms:CreateKey", Target("*", None)),
    ]
    requests = []
    for who in INTRUDERS:
        principal = intruders[who]
        for attempt in ordinary:
            target = Target(attempt.target.resource.format(account=principal.account), None)
            requests.append(Attempt(attempt.label, attempt.action, target).by(principal))
    assert evaluate(requests) == [ALLOWED] * len(requests)


# --- settings: only the deployment role of the account ----------------------------------------------------

COMPLIANT_LOCK = {"backup:MinRetentionDays": "35", "backup:MaxRetentionDays": "2555", "backup:ChangeableForDays": "3"}


def setting_changes(estate: Estate) -> list[Attempt]:
    backup, local = estate.backup_vault, estate.local_vault
    return [
        Attempt("backup-account vault: PutBackupVaultAccessPolicy", "backup:PutBackupVaultAccessPolicy", backup.target),
        Attempt(
            "backup-account vault: PutBackupVaultLockConfiguration 35-2555 d",
            "backup:PutBackupVaultLockConfiguration",
            backup.target,
            COMPLIANT_LOCK,
        ),
        Attempt("backup-account vault key: kms:PutKeyPolicy", "kms:PutKeyPolicy", backup.key),
        Attempt("replica key: kms:PutKeyPolicy", "kms:PutKeyPolicy", estate.replica_bucket.key),
        Attempt("workload local vault: PutBackupVaultAccessPolicy", "backup:PutBackupVaultAccessPolicy", local.target),
        Attempt(
            "workload local vault: PutBackupVaultLockConfiguration 35-2555 d",
            "backup:PutBackupVaultLockConfiguration",
            local.target,
            COMPLIANT_LOCK,
        ),
        Attempt("workload local vault key: kms:PutKeyPolicy", "kms:PutKeyPolicy", local.key),
        Attempt(
            "workload backup plan: UpdateBackupPlan",
            "backup:UpdateBackupPlan",
            Target(estate.backup_plan_arn, estate.workload_account),
        ),
    ]


def test_only_the_accounts_deployment_and_break_glass_roles_change_backup_settings(estate, intruders):
    columns = [W_ADMIN, W_DEPLOYER, W_BREAK_GLASS, B_ADMIN, B_DEPLOYER, B_BREAK_GLASS]
    attempts = setting_changes(estate)
    cases = [(attempt, who) for attempt in attempts for who in columns]
    matrix = judged(cases, intruders)
    print("\n" + table("setting change", [a.label for a in attempts], columns, matrix))

    def expected(attempt: Attempt, who: str) -> str:
        owner = attempt.target.account
        exempt = (W_BREAK_GLASS, B_BREAK_GLASS) if attempt.action == "kms:PutKeyPolicy" else EXEMPT
        if intruders[who].account != owner:
            # Another account's admin is stopped by its own SCP (backup and tagged-key guardrails hold in both
            # accounts); another account's exempt roles are exempt there, and the owner grants them nothing.
            return IMPLICIT_DENY if who in exempt else EXPLICIT_DENY
        # Keys are sealed: only break-glass replaces a key policy, the deployment role never.
        return ALLOWED if who in exempt else EXPLICIT_DENY

    assert matrix == {(a.label, who): expected(a, who) for a, who in cases}


# --- legitimate operations: backups, copies, replication, restores ----------------------------------------

# The backup and restore roles hold AWS managed policies, which are not in the plan. Each is approximated by an
# identity policy allowing what the operation needs (as those managed policies do); the guardrails, vault, key
# and bucket policies judged against it are the generated ones.
BACKUP_ROLE_APPROXIMATION = {
    "Version": "2012-10-17",
    "Statement": [
        # AWSBackupServiceRolePolicyForBackup allows copying into any vault; the destination's access policy decides.
        {
            "Effect": "Allow",
            "Action": ["backup:CopyIntoBackupVault", "backup:StartBackupJob"],
            "Resource": "arn:aws:backup:*:*:backup-vault:*",
        },
        # AWSBackupServiceRolePolicyForS3Backup reads every version of the protected bucket, through S3's use of its key.
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucketVersions"],
            "Resource": "arn:aws:s3:::*",
        },
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::*/*"},
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
        },
    ],
}
# AWSBackupServiceRolePolicyForS3Restore (its bucket, object and KMS statements), plus backup:StartRestoreJob on
# recovery points. A restore test is started by AWS Backup for the role its selection names; the one check on the
# vault's side of a restore is StartRestoreJob on the recovery point (judged against the vault access policy and
# the backup account's SCPs), so the role is modelled as its caller. The same call by a human operator is checked too.
RESTORE_ROLE_APPROXIMATION = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "backup:StartRestoreJob", "Resource": "arn:aws:backup:*:*:recovery-point:*"},
        {
            "Effect": "Allow",
            "Action": [
                "s3:CreateBucket",
                "s3:ListBucketVersions",
                "s3:ListBucket",
                "s3:GetBucketVersioning",
                "s3:GetBucketLocation",
                "s3:PutBucketVersioning",
                "s3:PutBucketOwnershipControls",
                "s3:GetBucketOwnershipControls",
            ],
            "Resource": "arn:aws:s3:::*",
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:PutObjectVersionAcl",
            ],
            "Resource": "arn:aws:s3:::*/*",
        },
        {
            "Effect": "Allow",
            "Action": ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
        },
    ],
}


# AWSServiceRolePolicyForBackupRestoreTesting (AWS managed policy reference), the two statements a restore test's
# start needs: restore testing starts each restore job as this service-linked role, passing the selection's role.
RESTORE_TESTING_SERVICE_LINKED_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "backup:StartRestoreJob", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
        },
    ],
}


def restore_testing_service_linked_role(estate: Estate) -> Principal:
    """AWSServiceRoleForBackupRestoreTesting in the backup account. SCPs never apply to service-linked roles, so it
    is judged with none: the backup account's guardrails can deny restores to every person without stopping restore
    tests. The organization's RCPs are kept (whether they bind a service-linked role or not, they admit it)."""
    arn = f"arn:aws:iam::{estate.backup_account}:role/aws-service-role/restore-testing.backup.amazonaws.com/AWSServiceRoleForBackupRestoreTesting"
    return estate.principal(
        "restore testing (service-linked role)",
        arn,
        estate.backup_account,
        estate.organization_id,
        [],
        identity_policies=[RESTORE_TESTING_SERVICE_LINKED_ROLE_POLICY],
    )


def legitimate_operations(estate: Estate) -> list[tuple[Principal, Attempt]]:
    region = estate.region
    backup_role = estate.role("backup role (workload)", estate.backup_role).holding(BACKUP_ROLE_APPROXIMATION)
    # The replication role holds exactly the RolePolicy the stack generates for it, nothing else.
    replication = estate.role("replication role (workload)", estate.replication_role).holding(estate.replication_policy)
    restore = estate.role("restore role (backup account)", estate.restore_role).holding(RESTORE_ROLE_APPROXIMATION)
    restore_tests = restore_testing_service_linked_role(estate)
    # Restores by hand go through the backup account's break-glass role (the env stack's restoreOperatorRoleArn).
    operator = estate.role("break-glass (backup account)", estate.break_glass[estate.backup_account])
    source, replica = estate.source_bucket, estate.replica_bucket
    through_s3 = {
        "kms:ViaService": f"s3.{region}.amazonaws.com",
        "aws:ViaAWSService": "true",
        "aws:CalledVia": ["s3.amazonaws.com"],
    }
    restore_target = Target("arn:aws:s3:::awsbackup-restore-test-7c1d0e", estate.backup_account)
    return [
        (
            backup_role,
            Attempt("workload local vault: StartBackupJob", "backup:StartBackupJob", estate.local_vault.target),
        ),
        (
            backup_role,
            Attempt("source bucket: GetObjectVersion (backup reads)", "s3:GetObjectVersion", source.target.object()),
        ),
        (backup_role, Attempt("source key: kms:Decrypt through S3", "kms:Decrypt", source.key, through_s3)),
        (
            backup_role,
            Attempt(
                "backup-account vault: CopyIntoBackupVault (cross-account)",
                "backup:CopyIntoBackupVault",
                estate.backup_vault.target,
            ),
        ),
        (
            backup_role,
            Attempt(
                f"{estate.second_region_vault.region} vault: CopyIntoBackupVault",
                "backup:CopyIntoBackupVault",
                estate.second_region_vault.target,
            ),
        ),
        (
            backup_role,
            Attempt(
                "air-gapped vault: CopyIntoBackupVault (cross-account)",
                "backup:CopyIntoBackupVault",
                estate.air_gapped_vault.target,
            ),
        ),
        (
            replication,
            Attempt(
                "source bucket: GetObjectVersionForReplication",
                "s3:GetObjectVersionForReplication",
                source.target.object(),
            ),
        ),
        (replication, Attempt("source bucket: GetObjectRetention", "s3:GetObjectRetention", source.target.object())),
        (replication, Attempt("source key: kms:Decrypt through S3", "kms:Decrypt", source.key, through_s3)),
        (replication, Attempt("replica bucket: ReplicateObject", "s3:ReplicateObject", replica.target.object())),
        (
            replication,
            Attempt(
                "replica bucket: ObjectOwnerOverrideToBucketOwner",
                "s3:ObjectOwnerOverrideToBucketOwner",
                replica.target.object(),
            ),
        ),
        (replication, Attempt("replica bucket: ReplicateTags", "s3:ReplicateTags", replica.target.object())),
        (
            replication,
            Attempt("replica key: kms:GenerateDataKey through S3", "kms:GenerateDataKey", replica.key, through_s3),
        ),
        (replication, Attempt("replica key: kms:Encrypt through S3", "kms:Encrypt", replica.key, through_s3)),
        (
            restore_tests,
            Attempt(
                "backup-account vault: StartRestoreJob (restore test)",
                "backup:StartRestoreJob",
                estate.backup_vault.recovery_point,
            ),
        ),
        (
            restore_tests,
            Attempt(
                "restore role: iam:PassRole (restore test)",
                "iam:PassRole",
                Target(estate.restore_role, estate.backup_account),
                {"iam:PassedToService": "backup.amazonaws.com"},
            ),
        ),
        (restore, Attempt("restore target: CreateBucket", "s3:CreateBucket", restore_target)),
        (restore, Attempt("restore target: PutObject", "s3:PutObject", restore_target.object())),
        # AWSBackupServiceRolePolicyForS3Restore restores the objects' ACLs too.
        (restore, Attempt("restore target: PutObjectAcl", "s3:PutObjectAcl", restore_target.object())),
        (restore, Attempt("restore target: PutObjectVersionAcl", "s3:PutObjectVersionAcl", restore_target.object())),
        (restore, Attempt("restore target: PutBucketVersioning", "s3:PutBucketVersioning", restore_target)),
        (
            restore,
            Attempt("restore target: PutBucketOwnershipControls", "s3:PutBucketOwnershipControls", restore_target),
        ),
        (
            operator,
            Attempt(
                "backup-account vault: StartRestoreJob (by hand, through break-glass)",
                "backup:StartRestoreJob",
                estate.backup_vault.recovery_point,
            ),
        ),
        (
            operator,
            Attempt(
                "restore role: iam:PassRole",
                "iam:PassRole",
                Target(estate.restore_role, estate.backup_account),
                {"iam:PassedToService": "backup.amazonaws.com"},
            ),
        ),
    ]


def test_backups_copies_replication_and_restores_are_allowed(estate):
    operations = legitimate_operations(estate)
    verdicts = evaluate([attempt.by(principal) for principal, attempt in operations])
    matrix = {
        (attempt.label, principal.label): verdict
        for (principal, attempt), verdict in zip(operations, verdicts, strict=True)
    }
    print("\n" + _list_table("legitimate operation", matrix))
    assert matrix == {cell: ALLOWED for cell in matrix}


def test_replication_is_the_only_way_in_for_the_replication_role(estate):
    """The replication role, holding its real policy, writes replicas and nothing else: no deletes, no plain puts."""
    replication = estate.role("replication role", estate.replication_role).holding(estate.replication_policy)
    replica = estate.replica_bucket
    attempts = [
        Attempt("PutObject", "s3:PutObject", replica.target.object()),
        Attempt("DeleteObjectVersion", "s3:DeleteObjectVersion", replica.target.object()),
        Attempt("ReplicateDelete", "s3:ReplicateDelete", replica.target.object()),
        Attempt("PutObjectRetention", "s3:PutObjectRetention", replica.target.object()),
        Attempt(
            "kms:Decrypt on the replica key",
            "kms:Decrypt",
            replica.key,
            {"kms:ViaService": f"s3.{estate.region}.amazonaws.com"},
        ),
    ]
    verdicts = evaluate([attempt.by(replication) for attempt in attempts])
    assert dict(zip([a.label for a in attempts], verdicts, strict=True)) == {
        "PutObject": IMPLICIT_DENY,
        "DeleteObjectVersion": EXPLICIT_DENY,  # the bucket policy's DenyRetentionBypass
        "ReplicateDelete": IMPLICIT_DENY,
        "PutObjectRetention": IMPLICIT_DENY,
        "kms:Decrypt on the replica key": IMPLICIT_DENY,
    }


# --- exfiltration: nothing restored, copied, shared or written out of the backup account below break-glass ---

OUTSIDE_ACCOUNT = "999900001111"


def exfiltration_attempts(estate: Estate) -> list[Attempt]:
    backup = estate.backup_account
    scratch = Target("arn:aws:s3:::awsbackup-restore-test-7c1d0e", backup)
    outside = Target(
        "arn:aws:s3:::outsider-drop/copy.tar",
        OUTSIDE_ACCOUNT,
        context={"aws:ResourceOrgID": "o-outsider000"},
        in_organization=False,
    )
    no_organization = Target("arn:aws:s3:::standalone-drop/copy.tar", OUTSIDE_ACCOUNT, in_organization=False)
    return [
        Attempt(
            "StartRestoreJob from the backup-account vault",
            "backup:StartRestoreJob",
            estate.backup_vault.recovery_point,
        ),
        Attempt(
            "StartCopyJob out of the backup-account vault", "backup:StartCopyJob", estate.backup_vault.recovery_point
        ),
        Attempt("CopyFromBackupVault", "backup:CopyFromBackupVault", estate.backup_vault.target),
        Attempt(
            "iam:PassRole the restore role to AWS Backup",
            "iam:PassRole",
            Target(estate.restore_role, backup),
            {"iam:PassedToService": "backup.amazonaws.com"},
        ),
        Attempt("share: CreateResourceShare", "ram:CreateResourceShare", Target("*", backup)),
        Attempt(
            "share: AssociateResourceShare (another account joins)",
            "ram:AssociateResourceShare",
            Target(f"arn:aws:ram:{estate.region}:{backup}:resource-share/7f1c2b7e-1b5a-4c37-9d7f-0c1f4f3f9a11", backup),
        ),
        Attempt(
            "air-gapped vault: PutBackupVaultSharingPolicy",
            "backup:PutBackupVaultSharingPolicy",
            estate.air_gapped_vault.target,
        ),
        Attempt("scratch bucket: PutBucketPolicy", "s3:PutBucketPolicy", scratch),
        Attempt("scratch bucket: PutBucketAcl", "s3:PutBucketAcl", scratch),
        Attempt("scratch bucket: PutReplicationConfiguration", "s3:PutReplicationConfiguration", scratch),
        Attempt("PutObject into another organization's bucket", "s3:PutObject", outside),
        Attempt("PutObject into a bucket in no organization", "s3:PutObject", no_organization),
        Attempt("ReplicateObject into another organization's bucket", "s3:ReplicateObject", outside),
    ]


def test_nobody_below_break_glass_takes_a_copy_out_of_the_backup_account(estate, intruders):
    """A restore lands where its caller can read it; a copy job goes where its caller says; a share lets another
    account restore. In the backup account all three are break-glass's alone (restore tests run as AWS Backup's service-linked role, which SCPs never bind), and
    nobody, break-glass included, writes into a bucket outside the organization."""
    columns = [B_ADMIN, B_DEPLOYER, B_BREAK_GLASS]
    attempts = exfiltration_attempts(estate)
    cases = [(attempt, who) for attempt in attempts for who in columns]
    matrix = judged(cases, intruders)
    print("\n" + table("taking a copy out of the backup account", [a.label for a in attempts], columns, matrix))

    def expected(attempt: Attempt, who: str) -> str:
        if attempt.action in ("s3:PutObject", "s3:ReplicateObject"):
            return EXPLICIT_DENY
        if who == B_BREAK_GLASS:
            return ALLOWED
        # The deployment role passes the restore role when it creates a restore testing selection.
        return ALLOWED if (who, attempt.action) == (B_DEPLOYER, "iam:PassRole") else EXPLICIT_DENY

    assert matrix == {(a.label, who): expected(a, who) for a, who in cases}
    # Control: writing within the organization stays allowed, so the deny above is the perimeter's.
    inside = Target(f"arn:aws:s3:::{estate.backup_account}-scratch/copy.tar", estate.backup_account)
    assert evaluate([Attempt("PutObject inside", "s3:PutObject", inside).by(intruders[B_ADMIN])]) == [ALLOWED]


# --- the data perimeter: the organization's resources answer to the organization -------------------------------

CARELESS_GRANT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Careless",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE_ACCOUNT}:root"},
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "*",
        }
    ],
}


def test_a_bucket_policy_that_grants_an_outsider_grants_nothing(estate):
    """The root's resource control policy denies principals outside the organization whatever a bucket policy says,
    and denies SSE-C writes to everyone; without the RCP the same careless grant would let the outsider in."""
    outsider = estate.principal(
        "outsider", f"arn:aws:iam::{OUTSIDE_ACCOUNT}:role/intruder", OUTSIDE_ACCOUNT, "o-outsider000", []
    )
    careless = Target(f"arn:aws:s3:::{estate.backup_account}-careless/copy.tar", estate.backup_account, CARELESS_GRANT)
    attempts = [Attempt("GetObject", "s3:GetObject", careless), Attempt("PutObject", "s3:PutObject", careless)]
    assert evaluate([a.by(outsider) for a in attempts]) == [EXPLICIT_DENY, EXPLICIT_DENY]
    without_perimeter = Principal("outsider", outsider.arn, OUTSIDE_ACCOUNT, "o-outsider000", [])
    assert evaluate([a.by(without_perimeter) for a in attempts]) == [ALLOWED, ALLOWED]
    admin = estate.admin("backup admin", estate.backup_account)
    sse_c = {"s3:x-amz-server-side-encryption-customer-algorithm": "AES256"}
    own = Target(f"arn:aws:s3:::{estate.backup_account}-own/copy.tar", estate.backup_account)
    assert evaluate(
        [Attempt("SSE-C", "s3:PutObject", own, sse_c).by(admin), Attempt("SSE-KMS", "s3:PutObject", own).by(admin)]
    ) == [EXPLICIT_DENY, ALLOWED]


def test_aws_services_acting_for_the_organization_pass_the_perimeter(estate):
    """CloudTrail delivering the organization trail's logs (for the management account) passes; a service acting
    for an account outside the organization does not (the confused-deputy statement)."""
    logs = estate.log_bucket.target.object("AWSLogs/o-a1b2c3d4e5/x.json.gz")
    management = estate.trail.account

    def cloudtrail(source_account: str, source_org: str | None) -> Principal:
        context = {
            "aws:PrincipalType": "Service",
            "aws:PrincipalIsAWSService": "true",
            "aws:PrincipalOrgID": None,
            "aws:PrincipalAccount": None,
            "aws:MultiFactorAuthPresent": None,
            "aws:SourceAccount": source_account,
            "aws:SourceArn": estate.trail.resource,
            "aws:SourceOrgID": source_org,
        }
        return estate.principal(
            "cloudtrail",
            "cloudtrail.amazonaws.com",
            source_account,
            estate.organization_id,
            [],
            context_overrides=context,
        )

    acl = {"s3:x-amz-acl": "bucket-owner-full-control"}
    verdicts = evaluate(
        [
            Attempt("delivery", "s3:PutObject", logs, acl).by(cloudtrail(management, estate.organization_id)),
            Attempt("delivery for an outsider", "s3:PutObject", logs, acl).by(
                cloudtrail(OUTSIDE_ACCOUNT, "o-outsider000")
            ),
        ]
    )
    assert verdicts == [ALLOWED, EXPLICIT_DENY]
    # The deny is the perimeter's: the bucket policy alone would let that delivery through.
    unbounded = replace(cloudtrail(OUTSIDE_ACCOUNT, "o-outsider000"), resource_control_policies={})
    assert evaluate([Attempt("delivery for an outsider", "s3:PutObject", logs, acl).by(unbounded)]) == [ALLOWED]


# --- persistence: no identity outlasts an intrusion in the backup and log-archive accounts ---------------------


def test_nobody_below_break_glass_leaves_a_lasting_identity_behind(estate, intruders):
    """Users, passwords and identity providers are break-glass's alone in the backup and log-archive accounts; new
    roles and new trust the deployer's (it deploys roles), never an admin's; access keys nobody's (root SCP)."""
    columns = [B_ADMIN, B_DEPLOYER, B_BREAK_GLASS, L_ADMIN]
    persistence = [
        ("CreateUser", "iam:CreateUser", "user/persistent"),
        ("CreateLoginProfile", "iam:CreateLoginProfile", "user/persistent"),
        ("CreateAccessKey", "iam:CreateAccessKey", "user/persistent"),
        ("CreateOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "oidc-provider/issuer.example"),
        ("CreateRole (trusting anyone)", "iam:CreateRole", "role/persistent"),
        ("UpdateAssumeRolePolicy of a role", "iam:UpdateAssumeRolePolicy", "role/prod-restore-tests-restore"),
    ]
    cases = []
    for who in columns:
        account = intruders[who].account
        cases += [
            (who, action, Attempt(label, action, Target(f"arn:aws:iam::{account}:{resource}", account)))
            for label, action, resource in persistence
        ]
    matrix = judged([(attempt, who) for who, _, attempt in cases], intruders)
    print("\n" + table("lasting identities", [label for label, _, _ in persistence], columns, matrix))

    def expected(who: str, action: str) -> str:
        if action == "iam:CreateAccessKey":
            return EXPLICIT_DENY  # the root SCP: nobody
        if who == B_BREAK_GLASS:
            return ALLOWED
        return (
            ALLOWED
            if who == B_DEPLOYER and action in ("iam:CreateRole", "iam:UpdateAssumeRolePolicy")
            else EXPLICIT_DENY
        )

    assert matrix == {(attempt.label, who): expected(who, action) for who, action, attempt in cases}


def test_only_the_transfer_agent_walks_into_the_backup_account_by_web_identity(estate):
    """The data perimeter leaves web identity open; the backup account's own RCP admits only the subject prod's
    transfer role trusts. Another Google account, or another issuer, is refused even by a role trusting it."""
    transfer = one(estate.env_plan, "aws:iam/role:Role", name="prod-to-gcp-google-transfer")
    trust = document(transfer["inputs"]["assumeRolePolicy"])
    agent = trust["Statement"][0]["Condition"]["StringEquals"]["accounts.google.com:sub"]
    careless = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": ["accounts.google.com", "token.actions.githubusercontent.com"]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Resource": "*",
            }
        ],
    }
    rcps = estate.resource_control_policies(estate.backup_account)

    def web(provider: str, claims: dict, role_trust: dict) -> Request:
        return Request(
            principal=provider,
            action="sts:AssumeRoleWithWebIdentity",
            resource=transfer["outputs"]["arn"],
            resource_account=estate.backup_account,
            context={"aws:SecureTransport": "true", **claims},
            identity_policies=[ALLOW_EVERYTHING],
            resource_policy=role_trust,
            resource_control_policies=rcps,
        )

    verdicts = evaluate(
        [
            web("accounts.google.com", {"accounts.google.com:sub": agent}, trust),
            web("accounts.google.com", {"accounts.google.com:sub": "100000000000000000001"}, careless),
            web(
                "token.actions.githubusercontent.com",
                {"token.actions.githubusercontent.com:sub": "repo:intruder/x:ref:refs/heads/main"},
                careless,
            ),
        ]
    )
    assert verdicts == [ALLOWED, EXPLICIT_DENY, EXPLICIT_DENY]


# --- the exempt roles stay in the hands they were given to ------------------------------------------------

TAKEOVER = [
    ("trust itself in the deployment role", "iam:UpdateAssumeRolePolicy", "deployer"),
    ("grant the deployment role more", "iam:PutRolePolicy", "deployer"),
    ("create a role under the break-glass name", "iam:CreateRole", "break_glass"),
    ("trust itself in the break-glass role", "iam:UpdateAssumeRolePolicy", "break_glass"),
    ("delete the break-glass role, to re-create it", "iam:DeleteRole", "break_glass"),
]


def test_no_administrator_can_take_over_an_exempt_role(estate, intruders):
    """Exemptions name roles by ARN; whoever could re-trust or re-create those roles would inherit them.

    Nobody changes the deployment role, itself included. The deployment role may create the break-glass role
    (which only works while none exists) but never re-trust or delete it: only break-glass changes break-glass.
    """
    columns = INTRUDERS
    cases = []
    for who in columns:
        account = intruders[who].account
        roles = {"deployer": estate.deployer[account], "break_glass": estate.break_glass[account]}
        cases += [
            (who, role, Attempt(f"{how}: {action}", action, Target(roles[role], account)))
            for how, action, role in TAKEOVER
        ]
    matrix = judged([(attempt, who) for who, _, attempt in cases], intruders)
    print("\n" + table("taking over an exempt role", list(dict.fromkeys(r for r, _ in matrix)), columns, matrix))

    def expected(who: str, role: str, action: str) -> str:
        if role != "break_glass":
            return EXPLICIT_DENY
        if who in (W_BREAK_GLASS, B_BREAK_GLASS):
            return ALLOWED  # break-glass may change itself, loudly
        return ALLOWED if who in (W_DEPLOYER, B_DEPLOYER) and action == "iam:CreateRole" else EXPLICIT_DENY

    assert matrix == {(attempt.label, who): expected(who, role, attempt.action) for who, role, attempt in cases}


def test_no_non_production_pipeline_reaches_productions_copies(estate, intruders):
    """dev and staging deploy their copies into the non-production backup account: their deployers (the workload's and
    that account's) reach nothing of prod's in the backup account, where the backup account's own deployer may."""
    dev, non_production = estate.other_workload_accounts["dev"], estate.non_production_backup_account
    columns = {
        "dev deployer": estate.role("dev deployer", estate.deployer[dev]),
        "non-production backup deployer": estate.role(
            "non-production backup deployer", estate.deployer[non_production]
        ),
        B_DEPLOYER: intruders[B_DEPLOYER],
    }
    vault, replica, restore_role = (
        estate.backup_vault,
        estate.replica_bucket,
        Target(estate.restore_role, estate.backup_account),
    )
    attempts = [
        Attempt("replace the vault's access policy", "backup:PutBackupVaultAccessPolicy", vault.target),
        Attempt(
            "change the vault's lock",
            "backup:PutBackupVaultLockConfiguration",
            vault.target,
            {"backup:MinRetentionDays": "35"},
        ),
        Attempt("redirect the vault's notifications", "backup:PutBackupVaultNotifications", vault.target),
        Attempt("read a replica", "s3:GetObject", replica.target.object()),
        Attempt(
            "decrypt with the replica key",
            "kms:Decrypt",
            replica.key,
            {"kms:ViaService": f"s3.{estate.region}.amazonaws.com"},
        ),
        Attempt("re-trust prod's restore role", "iam:UpdateAssumeRolePolicy", restore_role),
    ]
    cases = [(attempt, who) for attempt in attempts for who in columns]
    matrix = judged(cases, columns)
    print(
        "\n"
        + table(
            "non-production pipelines against prod's backup-account copies",
            [a.label for a in attempts],
            list(columns),
            matrix,
        )
    )
    # Another account's principals get nothing that no resource policy grants them (cross-account), whatever they hold.
    assert {cell: v for cell, v in matrix.items() if cell[1] != B_DEPLOYER} == {
        (a.label, who): IMPLICIT_DENY for a, who in cases if who != B_DEPLOYER
    }
    # Control: the backup account's own deployer reaches the same resources, so the denials are the account boundary's.
    assert {a.label for a, who in cases if who == B_DEPLOYER and matrix[(a.label, who)] == ALLOWED} == {
        "change the vault's lock",
        "redirect the vault's notifications",
        "replace the vault's access policy",
        "read a replica",
        "decrypt with the replica key",
        "re-trust prod's restore role",
    }


S_ADMIN, S_DEPLOYER, S_BREAK_GLASS, PEER = (
    "security admin",
    "security deployer",
    "security break-glass",
    "the other break-glass user",
)

USER_TAKEOVER = [
    ("set a new password", "iam:UpdateLoginProfile", "user"),
    ("remove its password", "iam:DeleteLoginProfile", "user"),
    ("remove its MFA device", "iam:DeactivateMFADevice", "user"),
    ("enrol another MFA device", "iam:EnableMFADevice", "user"),
    ("give it an access key", "iam:CreateAccessKey", "user"),
    ("give it a service credential", "iam:CreateServiceSpecificCredential", "user"),
    ("grant it more", "iam:PutUserPolicy", "user"),
    ("cap it with a boundary", "iam:PutUserPermissionsBoundary", "user"),
    ("rename it", "iam:UpdateUser", "user"),
    ("delete it", "iam:DeleteUser", "user"),
    ("take it out of the group", "iam:RemoveUserFromGroup", "group"),
    ("attach a policy to the group", "iam:AttachGroupPolicy", "group"),
    ("delete the group", "iam:DeleteGroup", "group"),
    ("create a user of its own", "iam:CreateUser", "stranger"),
    ("set a first password", "iam:CreateLoginProfile", "user"),
    ("rewrite the group's own policy", "iam:PutGroupPolicy", "group"),
]


def test_nobody_below_break_glass_takes_over_a_break_glass_user(estate):
    """The users live in the security account, under its SCP: a new password plus an MFA device of one's own would
    own every break-glass role of the organization. Only break-glass changes a user; the deployer creates users, the
    group and its policy, and each user's first password (only while it has none: CreateLoginProfile fails once one
    exists); a user enrols MFA devices (its own policy limits it to its own)."""
    security = estate.security_account
    user, other = estate.break_glass_users
    targets = {
        "user": Target(user, security),
        "group": Target(f"arn:aws:iam::{security}:group/{estate.break_glass_group}", security),
        "stranger": Target(f"arn:aws:iam::{security}:user/persistent", security),
    }
    # The other user, signed in with MFA, and its group policy rewritten to allow everything (the worst case).
    peer = estate.principal(
        PEER,
        other,
        security,
        estate.organization_id,
        estate.service_control_policies(security),
        context_overrides={
            "aws:PrincipalType": "User",
            "aws:MultiFactorAuthPresent": "true",
            "aws:MultiFactorAuthAge": "60",
        },
    )
    principals = {
        S_ADMIN: estate.admin(S_ADMIN, security),
        S_DEPLOYER: estate.role(S_DEPLOYER, estate.deployer[security]),
        S_BREAK_GLASS: estate.role(S_BREAK_GLASS, estate.break_glass[security]),
        PEER: peer,
    }
    cases = [(Attempt(label, action, targets[on]), who) for label, action, on in USER_TAKEOVER for who in principals]
    matrix = judged(cases, principals)
    print(
        "\n"
        + table("taking over a break-glass user", [label for label, _, _ in USER_TAKEOVER], list(principals), matrix)
    )

    def expected(who: str, action: str) -> str:
        if action == "iam:CreateAccessKey":
            return EXPLICIT_DENY  # nobody's, break-glass included (the root SCP)
        if who == S_BREAK_GLASS:
            return ALLOWED
        if who == S_DEPLOYER and action in ("iam:CreateLoginProfile", "iam:PutGroupPolicy"):
            return ALLOWED
        return ALLOWED if who == PEER and action == "iam:EnableMFADevice" else EXPLICIT_DENY

    assert matrix == {(a.label, who): expected(who, a.action) for a, who in cases}
    # Without the security account's SCP (the users in the management account), the deployer could do all of it.
    unbound = replace(principals[S_DEPLOYER], service_control_policies=[])
    assert judged([(a, S_DEPLOYER) for a, who in cases if who == S_DEPLOYER], {S_DEPLOYER: unbound}) == {
        (a.label, S_DEPLOYER): ALLOWED for a, who in cases if who == S_DEPLOYER
    }


def test_a_stolen_deployer_cannot_re_trust_break_glass_and_walk_in(estate, intruders):
    """The chain of issue 12: rewrite the break-glass trust (to a web identity without MFA), or replace the role,
    then assume it. Each first step is denied to the deployment role of every member account."""
    chosen_policy = {"iam:PolicyARN": f"arn:aws:iam::{estate.backup_account}:policy/anything"}
    steps = [
        ("re-trust break-glass", "iam:UpdateAssumeRolePolicy", {}),
        ("delete break-glass to re-create it", "iam:DeleteRole", {}),
        ("cap break-glass with a boundary", "iam:PutRolePermissionsBoundary", {}),
        ("attach a policy of its choosing", "iam:AttachRolePolicy", chosen_policy),
        ("add an inline deny", "iam:PutRolePolicy", {}),
    ]
    requests, labels = [], []
    for who in (W_DEPLOYER, B_DEPLOYER):
        account = intruders[who].account
        for label, action, context in steps:
            labels.append((label, who))
            requests.append(
                Attempt(label, action, Target(estate.break_glass[account], account), context).by(intruders[who])
            )
    verdicts = evaluate(requests)
    matrix = dict(zip(labels, verdicts, strict=True))
    print(
        "\n" + table("deployer against break-glass", [label for label, _, _ in steps], [W_DEPLOYER, B_DEPLOYER], matrix)
    )
    assert matrix == {cell: EXPLICIT_DENY for cell in matrix}


def _key_without_its_guard(key: Target, deployer: str) -> dict:
    """The key policy an exempt deployer could put in place: its own, minus the deny, plus key deletion."""
    statements = [s for s in key.policy["Statement"] if s["Effect"] != "Deny"]
    statements.append(
        {
            "Sid": "Takeover",
            "Effect": "Allow",
            "Principal": {"AWS": deployer},
            "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
            "Resource": "*",
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}


def _unprotect_and_delete(estate: Estate, vault: Vault) -> list[Attempt]:
    deployer = estate.deployer[vault.account]
    protection = {"aws:TagKeys": [PROTECTED_KEY_TAG]}
    return [
        Attempt("1 untag the key's protection tag", "kms:UntagResource", vault.key, protection),
        Attempt("2 replace the key policy (as if untagged)", "kms:PutKeyPolicy", vault.key.untagged()),
        Attempt(
            "3 schedule the key's deletion (as if untagged)",
            "kms:ScheduleKeyDeletion",
            vault.key.untagged().under(_key_without_its_guard(vault.key, deployer)),
        ),
    ]


def test_the_backup_accounts_keys_survive_their_deployer_untagging_and_repolicying_them(estate, intruders):
    """In the backup account the key guardrails cover every key, tagged or not: re-policying and deleting are denied."""
    steps = _unprotect_and_delete(estate, estate.backup_vault)
    verdicts = evaluate([step.by(intruders[B_DEPLOYER]) for step in steps])
    assert verdicts == [ALLOWED, EXPLICIT_DENY, EXPLICIT_DENY]


def test_a_workload_deployer_cannot_unprotect_a_vault_key(estate, intruders):
    """In a workload account the key guardrails cover tagged keys, so the tag itself is what nobody may remove.

    Step 1 is denied to everyone, the deployer included. Were the tag gone anyway, step 2 is still refused by the
    key itself, which grants the deployer no kms:PutKeyPolicy: only a policy already changed (step 3) would let
    it schedule the deletion.
    """
    steps = [
        (vault, step)
        for vault in (estate.local_vault, estate.second_region_vault)
        for step in _unprotect_and_delete(estate, vault)
    ]
    verdicts = evaluate([step.by(intruders[W_DEPLOYER]) for _, step in steps])
    matrix = {
        (f"{vault.region} vault key, {step.label}", W_DEPLOYER): verdict
        for (vault, step), verdict in zip(steps, verdicts, strict=True)
    }
    print("\n" + table("workload deployer unprotecting a vault key", [row for row, _ in matrix], [W_DEPLOYER], matrix))
    assert verdicts == [EXPLICIT_DENY, IMPLICIT_DENY, ALLOWED] * 2


def test_a_restore_test_can_prepare_and_clear_its_new_bucket(estate):
    """Restore tests restore S3 into a new `awsbackup-restore-test-*` bucket in the backup account, and AWS Backup
    deletes it after validation; the backup account's bucket guardrails leave those scratch buckets out, and only them."""
    restore = estate.role("restore role", estate.restore_role).holding(
        RESTORE_ROLE_APPROXIMATION, CLEAN_UP_APPROXIMATION
    )
    scratch = Target("arn:aws:s3:::awsbackup-restore-test-7c1d0e", estate.backup_account)
    setup = ["s3:PutBucketVersioning", "s3:PutBucketOwnershipControls"]
    attempts = [Attempt(a, a, scratch) for a in setup]
    attempts += [
        Attempt("s3:DeleteObjectVersion", "s3:DeleteObjectVersion", scratch.object()),
        Attempt("s3:DeleteBucket", "s3:DeleteBucket", scratch),
    ]
    attempts += [Attempt(f"replica bucket: {a}", a, estate.replica_bucket.target) for a in setup]
    verdicts = evaluate([attempt.by(restore) for attempt in attempts])
    assert verdicts == [ALLOWED] * 4 + [EXPLICIT_DENY] * 2


# Cleaning up after validation deletes what the restore wrote (not part of the approximated restore policy).
CLEAN_UP_APPROXIMATION = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:DeleteObjectVersion", "s3:DeleteBucket"],
            "Resource": ["arn:aws:s3:::awsbackup-restore-test-*", "arn:aws:s3:::awsbackup-restore-test-*/*"],
        }
    ],
}


# --- printing -----------------------------------------------------------------------------------------------


def _sources(estate: Estate, intruders: dict) -> str:
    lines = [f"documents from the offline plans of stacks '{ORGANIZATION_STACK}' and '{ENVIRONMENT_STACK}'"]
    lines += [
        f"  {who:<18} {p.arn}  (SCPs: {' -> '.join(level['orgIdentifier'] for level in p.service_control_policies)})"
        for who, p in intruders.items()
    ]
    lines.append(
        f"  {NOT_ASKED} = not asked (the account's own deployer or break-glass may change that setting; owners may write their own bucket)"
    )
    return "\n".join(lines)


def _list_table(title: str, matrix: dict) -> str:
    first = max(len(title), *(len(row) for row, _ in matrix))
    second = max(len(who) for _, who in matrix)
    line = "-" * (first + second + 20)
    out = [line, f"{title:<{first}} | {'principal':<{second}} | verdict", line]
    out += [f"{row:<{first}} | {who:<{second}} | {verdict}" for (row, who), verdict in matrix.items()]
    return "\n".join([*out, line])
