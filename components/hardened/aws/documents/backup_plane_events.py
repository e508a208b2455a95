"""EventBridge patterns for every move against the backups: one pattern per threat, named for what it watches.

Each pattern is forwarded from the account and region where AWS delivers the event to the alarm hub's bus in the
security account (`AlarmForwarder`, `AlarmHub`). Two kinds of events:
- API calls recorded by CloudTrail: `detail-type` "AWS API Call via CloudTrail", `source` "aws.<service>",
  `detail.eventSource` "<service>.amazonaws.com", `detail.eventName` the API operation (EventBridge User Guide,
  "Events from AWS services via AWS CloudTrail"; only calls that change something are delivered). They arrive in
  the account of the caller and, for a call on another account's resource, also in the resource's account; in the
  region of the endpoint called. IAM, Organizations and the global STS endpoint record in us-east-1.
- Events AWS Backup sends itself ("Backup Job State Change", "Copy Job State Change": `detail.state`; "Restore Job
  State Change": `detail.status`, as the AWS Backup Developer Guide, "Monitoring AWS Backup events using Amazon
  EventBridge", says: some events report state, others status, as the API does).

The action lists come from the guardrails where they exist (documents/guardrails.py), so what the SCPs deny and
what the alarms watch are one list; an API's CloudTrail event name is its operation name (for AWS Backup, KMS,
CloudTrail and Organizations the same as the IAM action). S3 records some operations under older names
(PutBucketLifecycle for PutBucketLifecycleConfiguration, PutBucketEncryption, PutBucketReplication,
PutObjectLockConfiguration; Amazon S3 User Guide, "Amazon S3 CloudTrail events"): both spellings are matched where
the two sources differ, which can only add matches.
"""

from collections.abc import Iterable

from .alarm_names import alarm_topic_name
from .guardrails import (
    BACKUP_DESTRUCTION,
    BACKUP_SETTING_CHANGES,
    BREAK_GLASS_ROLE_CHANGES,
    BREAK_GLASS_USER_CHANGES,
    TRAIL_TAMPERING,
)
from .malware_scans import infected_recovery_point_pattern, unproven_scan_pattern

API_CALL = "AWS API Call via CloudTrail"
SIGN_IN = "AWS Console Sign In via CloudTrail"
GLOBAL_EVENTS_REGION = "us-east-1"  # IAM, Organizations and the global STS endpoint record their events here

# AWS Backup calls that destroy a backup, or weaken or silence what keeps them; StopBackupJob stops one being made.
BACKUP_TAMPERING = tuple(
    sorted({a.split(":", 1)[1] for a in (*BACKUP_DESTRUCTION, *BACKUP_SETTING_CHANGES)} | {"StopBackupJob"})
)
# Job states that mean a copy was not made (backup and copy jobs report `state`, restore jobs `status`).
FAILED_JOB_STATES = ("ABORTED", "EXPIRED", "FAILED")
FAILED_RESTORE_STATUSES = ("ABORTED", "FAILED")

# KMS calls that lock the owner out of a key or destroy it; CreateGrant is watched only when a principal makes it
# directly rather than through an AWS service (the keys allow grants for AWS resources only).
KEY_TAMPERING = ("DeleteImportedKeyMaterial", "DisableKey", "DisableKeyRotation", "PutKeyPolicy", "ScheduleKeyDeletion")

# S3 bucket calls that weaken a bucket's protections, by their CloudTrail event names.
BUCKET_TAMPERING = (
    "DeleteBucket",
    "DeleteBucketEncryption",
    "DeleteBucketLifecycle",
    "DeleteBucketOwnershipControls",
    "DeleteBucketPolicy",
    "DeleteBucketPublicAccessBlock",
    "DeleteBucketReplication",
    "DeletePublicAccessBlock",
    "PutBucketAcl",
    "PutBucketEncryption",
    "PutBucketLifecycle",
    "PutBucketLifecycleConfiguration",
    "PutBucketObjectLockConfiguration",
    "PutBucketOwnershipControls",
    "PutBucketPolicy",
    "PutBucketPublicAccessBlock",
    "PutBucketReplication",
    "PutBucketVersioning",
    "PutObjectLockConfiguration",
)

# Organizations calls that lift guardrails or take an account out of them.
ORGANIZATION_TAMPERING = (
    "CloseAccount",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
)

# Every STS way into a role.
ASSUME_ROLE_CALLS = ("AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity")

# What changes a break-glass user, by IAM event name: the SCP's list (documents/guardrails.py) and MFA enrolment.
BREAK_GLASS_USER_EVENTS = tuple(
    sorted({a.split(":", 1)[1] for a in BREAK_GLASS_USER_CHANGES} | {"CreateLoginProfile", "EnableMFADevice"})
)
BREAK_GLASS_ROLE_EVENTS = tuple(sorted({a.split(":", 1)[1] for a in BREAK_GLASS_ROLE_CHANGES} | {"AttachRolePolicy"}))

# EventBridge and SNS calls that silence the alarm path.
ALERT_RULE_TAMPERING = ("DeleteRule", "DisableRule", "PutRule", "PutTargets", "RemoveTargets")
ALERT_BUS_TAMPERING = ("DeleteEventBus", "PutPermission", "RemovePermission")
# Lambda calls on the restore validator. CloudTrail names Lambda's events after the API version
# (UpdateFunctionCode20150331v2, DeleteFunction20150331, ...; AWS Lambda Developer Guide, "Logging AWS Lambda API calls
# using AWS CloudTrail"), so they are matched by prefix.
VALIDATOR_TAMPERING = (
    "AddPermission",
    "DeleteFunction",
    "PutFunctionConcurrency",
    "RemovePermission",
    "UpdateFunctionCode",
    "UpdateFunctionConfiguration",
)
ALERT_TOPIC_TAMPERING = (
    "DeleteTopic",
    "RemovePermission",
    "SetSubscriptionAttributes",
    "SetTopicAttributes",
    "Unsubscribe",
)


def api_calls(service: str, event_names: Iterable[str], **detail) -> dict:
    """Calls to `service`'s API named `event_names`, as CloudTrail delivers them, with further `detail` fields."""
    return {
        "source": [f"aws.{service}"],
        "detail-type": [API_CALL],
        "detail": {"eventSource": [f"{service}.amazonaws.com"], "eventName": sorted(set(event_names)), **detail},
    }


def backup_tampering_pattern() -> dict:
    """Deleting or shortening a recovery point, deleting a vault, changing a vault's policy, lock or notifications,
    a plan, a selection, restore tests or account settings, or stopping a backup job."""
    return api_calls("backup", BACKUP_TAMPERING)


def backup_job_failure_pattern() -> dict:
    """A backup or copy job that failed, was aborted or expired before it ran: a copy that was not made."""
    return {
        "source": ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change"],
        "detail": {"state": list(FAILED_JOB_STATES)},
    }


def restore_job_failure_pattern() -> dict:
    """A restore job that failed or was aborted: a restore, or a restore test, that did not work."""
    return {
        "source": ["aws.backup"],
        "detail-type": ["Restore Job State Change"],
        "detail": {"status": list(FAILED_RESTORE_STATUSES)},
    }


def key_tampering_pattern() -> dict:
    """Re-policying, disabling or scheduling the deletion of a key, or deleting its imported material."""
    return api_calls("kms", KEY_TAMPERING)


def direct_grant_pattern() -> dict:
    """A grant on a key made by a principal itself, not by an AWS service on its behalf (`userIdentity.invokedBy`)."""
    return api_calls("kms", ["CreateGrant"], userIdentity={"invokedBy": [{"exists": False}]})


def bucket_tampering_pattern() -> dict:
    """A bucket's policy, lifecycle, versioning, replication, encryption, lock, ownership or public access changed."""
    return api_calls("s3", BUCKET_TAMPERING)


def trail_tampering_pattern() -> dict:
    """A trail stopped, deleted, redirected or told to record less."""
    return api_calls("cloudtrail", [a.split(":", 1)[1] for a in TRAIL_TAMPERING])


def organization_tampering_pattern() -> dict:
    """A guardrail detached, deleted, changed or switched off, or an account moved, closed or taken out."""
    return api_calls("organizations", ORGANIZATION_TAMPERING)


def break_glass_assume_role_pattern(role_name: str) -> dict:
    """Any STS way into a role of that name in any account (AssumeRole, with SAML or with a web identity)."""
    return api_calls(
        "sts", ASSUME_ROLE_CALLS, requestParameters={"roleArn": [{"wildcard": f"arn:aws:iam::*:role/{role_name}"}]}
    )


def break_glass_console_pattern(role_name: str) -> dict:
    """A console sign-in or a console role switch into a session of the break-glass role."""
    return {
        "source": ["aws.signin"],
        "detail-type": [SIGN_IN],
        "detail": {
            "eventName": ["ConsoleLogin", "SwitchRole"],
            "userIdentity": {"arn": [{"wildcard": f"arn:aws:sts::*:assumed-role/{role_name}/*"}]},
        },
    }


def break_glass_sign_in_pattern(user_names: Iterable[str]) -> dict:
    """Any console sign-in of a break-glass user, in any account, successful or not (matched on user name: a failed
    sign-in may carry no `userIdentity.arn`; CloudTrail User Guide, "AWS Management Console sign-in events")."""
    return {
        "source": ["aws.signin"],
        "detail-type": [SIGN_IN],
        "detail": {
            "eventName": ["ConsoleLogin"],
            "userIdentity": {"type": ["IAMUser"], "userName": sorted(set(user_names))},
        },
    }


def break_glass_role_changes_pattern(role_name: str) -> dict:
    """Any change to a break-glass role: trust, policies, boundary, session length, deletion."""
    return api_calls("iam", BREAK_GLASS_ROLE_EVENTS, requestParameters={"roleName": [role_name]})


def break_glass_user_changes_pattern(user_names: Iterable[str]) -> dict:
    """Any change to a break-glass user: password, MFA devices, keys and credentials, policies, group, name."""
    return api_calls("iam", BREAK_GLASS_USER_EVENTS, requestParameters={"userName": sorted(set(user_names))})


def alert_rule_tampering_pattern(prefix: str) -> dict:
    """A forwarding or alarm rule of the alarm path deleted, disabled, rewritten or stripped of its targets."""
    return api_calls("events", ALERT_RULE_TAMPERING, requestParameters={"name": [{"prefix": f"{prefix}-"}]})


def alert_bus_tampering_pattern(prefix: str) -> dict:
    """The alarm hub's bus deleted, or its permissions changed."""
    return api_calls("events", ALERT_BUS_TAMPERING, requestParameters={"eventBusName": [prefix]})


def alert_topic_tampering_pattern(topic_name: str) -> dict:
    """The alarm topic deleted, re-permissioned, re-keyed, or a subscription to it removed or redirected (subscription
    calls name the subscription, `<topic ARN>:<id>`, not the topic)."""
    return api_calls(
        "sns",
        ALERT_TOPIC_TAMPERING,
        **{
            "$or": [
                {"requestParameters": {"topicArn": [{"wildcard": f"arn:aws:sns:*:*:{topic_name}"}]}},
                {"requestParameters": {"subscriptionArn": [{"wildcard": f"arn:aws:sns:*:*:{topic_name}:*"}]}},
            ]
        },
    )


def validator_tampering_pattern(prefix: str) -> dict:
    """The restore validator (`<prefix>-...`) deleted, stopped, re-permissioned or given other code or configuration."""
    return {
        "source": ["aws.lambda"],
        "detail-type": [API_CALL],
        "detail": {
            "eventSource": ["lambda.amazonaws.com"],
            "eventName": [{"prefix": name} for name in VALIDATOR_TAMPERING],
            "requestParameters": {
                "functionName": [{"prefix": f"{prefix}-"}, {"wildcard": f"arn:aws:lambda:*:*:function:{prefix}-*"}]
            },
        },
    }


def alarm_state_pattern(prefix: str) -> dict:
    """A CloudWatch alarm of the library (named `<prefix>-...`, such as RestoreValidation's) going into ALARM
    (CloudWatch User Guide, "Alarm events and EventBridge": every state change is sent, whatever the alarm's actions)."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": [{"prefix": f"{prefix}-"}], "state": {"value": ["ALARM"]}},
    }


def heartbeat_input(prefix: str) -> dict:
    """What the daily heartbeat publishes: a message whose absence means the alarm path is broken."""
    return {
        "heartbeat": prefix,
        "meaning": "the alarm path works: if this message stops arriving daily, nothing else arrives either",
    }


# Threats whose events arrive only in us-east-1 (IAM, Organizations): forwarded from there alone.
GLOBAL_THREATS = ("break-glass-role-changes", "break-glass-user-changes", "organization-tampering")


def forwarded_patterns(
    region: str, prefix: str, break_glass_role_name: str, break_glass_user_names: Iterable[str]
) -> dict[str, dict]:
    """Every threat's pattern that can arrive in `region`, by the name of its forwarding rule (`<prefix>-<threat>`)."""
    patterns = {
        "backup-tampering": backup_tampering_pattern(),
        "backup-job-failures": backup_job_failure_pattern(),
        "restore-job-failures": restore_job_failure_pattern(),
        "key-tampering": key_tampering_pattern(),
        "direct-grants": direct_grant_pattern(),
        "bucket-tampering": bucket_tampering_pattern(),
        "trail-tampering": trail_tampering_pattern(),
        "break-glass-assume-role": break_glass_assume_role_pattern(break_glass_role_name),
        "break-glass-console": break_glass_console_pattern(break_glass_role_name),
        "break-glass-sign-in": break_glass_sign_in_pattern(break_glass_user_names),
        "alert-rule-tampering": alert_rule_tampering_pattern(prefix),
        "alert-bus-tampering": alert_bus_tampering_pattern(prefix),
        "alert-topic-tampering": alert_topic_tampering_pattern(alarm_topic_name(prefix)),
        "alarms": alarm_state_pattern(prefix),
        "validator-tampering": validator_tampering_pattern(prefix),
        "infected-recovery-points": infected_recovery_point_pattern(),
        "unproven-scans": unproven_scan_pattern(),
        "organization-tampering": organization_tampering_pattern(),
        "break-glass-role-changes": break_glass_role_changes_pattern(break_glass_role_name),
        "break-glass-user-changes": break_glass_user_changes_pattern(break_glass_user_names),
    }
    return {
        threat: p for threat, p in patterns.items() if region == GLOBAL_EVENTS_REGION or threat not in GLOBAL_THREATS
    }


def threats(region: str) -> list[str]:
    """The names of the threats forwarded from `region` (the rules are `<prefix>-<threat>`)."""
    return list(forwarded_patterns(region, "prefix", "role", ["user"]))
