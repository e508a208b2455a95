"""BackupPlaneAlerts: every move against the off-site copy in GCP is e-mailed to the notification addresses.

Two paths, because Cloud Logging offers no single one that reaches both the project's and the folder's audit logs:

- In the backup project, one log-based alerting policy per threat (documents/log_alerts.py): a bucket's retention,
  settings or IAM; an off-site key version destroyed or disabled, a key's or key ring's IAM; the transfer job
  changed, paused or deleted, and transfer failures; deny and organization policies set on the project itself; and
  changes to what feeds or sends these alerts. A log-based alert notifies on each matching entry and carries who
  did what to which resource ("Configure log-based alerting policies",
  https://cloud.google.com/logging/docs/alerting/log-based-alerts), with no metric to create first and no
  monitored-resource type to name.
- The folder writes its own audit logs (its deny policy, its organization policies, its sinks), and log-based alerts
  scan the entries that originate in their project and that its own sinks route. A folder sink routes those entries to a log bucket in the
  project; a bucket-scoped log-based metric counts them there, the documented way to count "logs that are routed
  into a bucket through an aggregated sink" ("Bucket-scoped log-based metrics",
  https://cloud.google.com/logging/docs/logs-based-metrics/bucket-lbm); and a metric-threshold alerting policy,
  built like BreakGlassEntitlement's, fires on the first entry.

Transfer failures are logged only by a transfer job whose loggingConfig names the FIND and COPY actions in the FAILED
state; without it the `transfer-failures` alert has nothing to match. The Privileged Access Manager grant alert stays
with BreakGlassEntitlement. Children wait for whatever
`opts.depends_on` names (the BackupProject, whose Logging and Monitoring APIs they need): a component's depends_on
is not inherited by its children, so each child is given it.
"""

import re
from typing import NotRequired, TypedDict, cast

import pulumi
import pulumi_gcp as gcp

from ..arguments import Arguments
from ..documented import documented
from .documents import log_alerts
from .identifiers import PROJECT_ID
from .locked_bucket import checked_labels

FOLDER_ID = re.compile(r"^folders/[0-9]+$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
# Cloud Logging locations: global, a multi-region (eu, us) or a region (europe-west3).
LOG_LOCATION = re.compile(r"^[a-z]+(-[a-z]+[0-9]+)?$")
# Log bucket and sink ids: letters, digits, '_', '-' and '.', starting with a letter or digit, at most 100 characters.
LOGGING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
DEFAULT_LOG_LOCATION = "global"
# The folder log bucket only relays entries to the metrics; the folder's own _Required bucket keeps them 400 days.
FOLDER_LOG_RETENTION_DAYS = 30
NOTIFICATION_PERIOD = "300s"  # at most one e-mail every five minutes per policy, however many entries match
AUTO_CLOSE = "1800s"  # an incident closes after 30 minutes, so a later move opens a new one and is e-mailed again

# Who did what, to what: shown in every log-based alert's incident and e-mail.
AUDIT_LABELS = {
    "principal": "EXTRACT(protoPayload.authenticationInfo.principalEmail)",
    "method": "EXTRACT(protoPayload.methodName)",
    "resource": "EXTRACT(protoPayload.resourceName)",
}
TRANSFER_LABELS = {"operation": "EXTRACT(jsonPayload.operation)", "status": "EXTRACT(jsonPayload.status.statusCode)"}

# The project's threats: (role, filter, what happened, what to do). Each role names the policy's child.
PROJECT_THREATS = (
    (
        "bucket-settings",
        log_alerts.backup_bucket_settings(),
        "A backup bucket's retention policy or settings changed, or a bucket was deleted",
        "Check that the retention policy, soft delete and default key of the bucket are as the stacks declare them.",
    ),
    (
        "bucket-access",
        log_alerts.backup_bucket_access(),
        "Who may use a backup bucket changed",
        "Compare the bucket's IAM policy with the grants the stacks declare; a deploy adds the transfer agent's roles.",
    ),
    (
        "key-destruction",
        log_alerts.offsite_key_destruction(),
        "An off-site key version was scheduled for destruction, disabled or re-enabled",
        "A destroyed or disabled version leaves every object it encrypted unreadable: restore or re-enable it within "
        "its scheduled-destruction period, then find out who asked.",
    ),
    (
        "key-access",
        log_alerts.offsite_key_access(),
        "Who may use an off-site key or key ring changed",
        "Cloud Storage's service agent must keep roles/cloudkms.cryptoKeyEncrypterDecrypter; nobody else needs a role.",
    ),
    (
        "transfer-job",
        log_alerts.transfer_job_changes(),
        "The daily copy into GCP was changed, disabled, paused, cancelled or deleted",
        "Compare the transfer job with the one the environment stack declares; a stopped job stops the off-site copy.",
    ),
    (
        "transfer-failures",
        log_alerts.transfer_failures(),
        "The daily copy into GCP failed",
        "Read the transfer job's operation and its failed entries: a copy that keeps failing leaves the off-site copy behind.",
    ),
    (
        "deny-policy",
        log_alerts.deny_policy_changes(),
        "A deny policy on the backup project was created, changed or deleted",
        "The backups' deny policy sits on the folder; a deny policy on the project can stop the transfer agent or the deployers.",
    ),
    (
        "org-policy",
        log_alerts.org_policy_changes(),
        "An organization policy on the backup project was created, changed or deleted",
        "A project's policy can replace the folder's: compare it with the folder's guardrails.",
    ),
    (
        "alerting",
        log_alerts.alerting_changes(),
        "An alert, notification channel, log sink, log bucket, exclusion or log-based metric of the backup project changed",
        "Whoever silences the alarms comes next for the backups: confirm the change with the people who made it.",
    ),
)
# The folder's threats, counted from the entries its sink routes into the project.
FOLDER_THREATS = (
    (
        "folder-deny-policy",
        log_alerts.deny_policy_changes(),
        "A deny policy on the backup folder was created, changed or deleted",
        "The folder's deny policy is what keeps everyone but break-glass from destroying the backups: compare it with FolderGuardrails.",
    ),
    (
        "folder-org-policy",
        log_alerts.org_policy_changes(),
        "An organization policy on the backup folder was created, changed or deleted",
        "Compare the folder's organization policies with FolderGuardrails.",
    ),
    (
        "folder-alerting",
        log_alerts.alerting_changes(),
        "A log sink or exclusion of the backup folder changed",
        "The folder's sink feeds the folder alerts: a change to it can silence them.",
    ),
)


class BackupPlaneAlertsArgs(TypedDict):
    """Arguments of BackupPlaneAlerts."""

    project_id: pulumi.Input[str]
    """The backup project: its audit and transfer logs are watched, and the alerts, e-mail channels and folder log bucket live in it."""
    folder_id: pulumi.Input[str]
    """The backup folder, folders/NUMBER: a sink routes its own audit logs (deny and organization policies, sinks) into the project."""
    notification_emails: list[str]
    """Addresses e-mailed on every alert."""
    log_location: NotRequired[str | None]
    """Cloud Logging location of the folder log bucket, such as europe-west3 (default global); the folder's gcp.resourceLocations must allow it."""
    labels: NotRequired[dict[str, str] | None]
    """User labels for the alert policies and notification channels."""


@documented
class BackupPlaneAlerts(pulumi.ComponentResource):
    """Log-based alerts on the backup project and folder: buckets, keys, transfer, guardrails and the alerts themselves."""

    alert_policy_names: pulumi.Output[dict[str, str]]
    """Names of the alert policies by threat: projects/PROJECT/alertPolicies/NUMBER."""
    folder_sink_writer: pulumi.Output[str]
    """Identity the folder sink writes as; it holds roles/logging.bucketWriter on the project."""

    def __init__(self, name: str, args: BackupPlaneAlertsArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("BackupPlaneAlerts", name, args, BackupPlaneAlertsArgs)
        args = checked.args
        # Validate everything before registering anything, so bad input leaves nothing half-declared.
        project, folder, emails, location, labels, ids = _validated(checked)
        super().__init__("hardened:index:BackupPlaneAlerts", name, None, opts)

        # Protected: a program change or `pulumi destroy` must not silence the alarm, and removing an address is a
        # deliberate `pulumi state unprotect`. Protection binds Pulumi only; deletion through the API is what the
        # `alerting` alerts catch (the last policy standing cannot report its own deletion).
        child = pulumi.ResourceOptions(parent=self, protect=True, depends_on=opts.depends_on if opts else None)
        channels = [
            gcp.monitoring.NotificationChannel(
                f"{name}-email-{index}",
                project=project,
                type="email",
                display_name=f"{name}: {email}",
                labels={"email_address": email},
                user_labels=labels,
                enabled=True,
                opts=child,
            )
            for index, email in enumerate(emails)
        ]
        channel_names = [channel.id for channel in channels]  # a channel's provider id is its name
        policies = {}
        for role, filter_, summary, advice in PROJECT_THREATS:
            policies[role] = gcp.monitoring.AlertPolicy(
                f"{name}-{role}",
                project=project,
                display_name=f"{name}: {summary}",
                combiner="OR",
                conditions=[
                    {
                        "display_name": summary,
                        "condition_matched_log": {
                            "filter": filter_,
                            "label_extractors": TRANSFER_LABELS if role == "transfer-failures" else AUDIT_LABELS,
                        },
                    }
                ],
                alert_strategy={"notification_rate_limit": {"period": NOTIFICATION_PERIOD}, "auto_close": AUTO_CLOSE},
                notification_channels=channel_names,
                severity="CRITICAL",
                documentation={"content": f"{summary} in the backup project. {advice}", "mime_type": "text/markdown"},
                user_labels=labels,
                enabled=True,
                opts=child,
            )

        bucket = gcp.logging.ProjectBucketConfig(
            f"{name}-folder-logs",
            project=project,
            location=location,
            bucket_id=ids["bucket"],
            retention_days=FOLDER_LOG_RETENTION_DAYS,
            description="The backup folder's own audit entries that the folder alerts count",
            opts=child,
        )
        bucket_name = pulumi.Output.all(bucket.project, bucket.location, bucket.bucket_id).apply(
            lambda parts: "projects/{}/locations/{}/buckets/{}".format(*parts)
        )
        # The folder's own entries only: the project's are alerted on where they originate.
        sink = gcp.logging.FolderSink(
            f"{name}-folder-sink",
            name=ids["sink"],
            folder=folder,
            destination=pulumi.Output.concat("logging.googleapis.com/", bucket_name),
            filter=log_alerts.either(*(filter_ for _, filter_, _, _ in FOLDER_THREATS)),
            include_children=False,
            description="The backup folder's deny-policy, organization-policy and sink changes, for the folder alerts",
            opts=child,
        )
        # A sink writing into another resource's log bucket needs Logs Bucket Writer there, granted to its writer identity.
        gcp.projects.IAMMember(
            f"{name}-folder-sink-writer",
            project=project,
            role="roles/logging.bucketWriter",
            member=sink.writer_identity,
            opts=child,
        )
        for role, filter_, summary, advice in FOLDER_THREATS:
            metric = gcp.logging.Metric(
                f"{name}-{role}-entries",
                name=ids[role],
                project=project,
                bucket_name=bucket_name,
                description=f"{summary} (entries routed from the folder)",
                filter=filter_,
                metric_descriptor={"metric_kind": "DELTA", "value_type": "INT64", "unit": "1"},
                opts=child,
            )
            policies[role] = gcp.monitoring.AlertPolicy(
                f"{name}-{role}",
                project=project,
                display_name=f"{name}: {summary}",
                combiner="OR",
                # The document builds the SDK's condition as a plain dict (the documents import no SDK).
                conditions=[
                    cast(
                        gcp.monitoring.AlertPolicyConditionArgsDict,
                        log_alerts.first_entry_condition(
                            summary,
                            metric.name.apply(
                                lambda m: log_alerts.user_metric_filter(m, log_alerts.FOLDER_ENTRY_RESOURCES)
                            ),
                        ),
                    )
                ],
                notification_channels=channel_names,
                severity="CRITICAL",
                documentation={
                    "content": f"{summary}. {advice} The folder's audit logs say who.",
                    "mime_type": "text/markdown",
                },
                user_labels=labels,
                enabled=True,
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[metric])),
            )

        self.alert_policy_names = pulumi.Output.all(**{role: policy.id for role, policy in policies.items()})
        self.folder_sink_writer = sink.writer_identity
        self.register_outputs(
            {"alertPolicyNames": self.alert_policy_names, "folderSinkWriter": self.folder_sink_writer}
        )


def _validated(checked: Arguments[BackupPlaneAlertsArgs]) -> tuple:
    name, args = checked.name, checked.args
    project = args.get("project_id")
    # An output (a project created in the same program) is taken as it comes.
    if not isinstance(project, pulumi.Output) and not (isinstance(project, str) and PROJECT_ID.fullmatch(project)):
        checked.refuse(
            "project_id",
            f"must be a project id: 6 to 30 lower-case letters, digits or '-', starting with a letter (got {project!r})",
        )
    folder = args.get("folder_id")
    if not isinstance(folder, pulumi.Output) and not (isinstance(folder, str) and FOLDER_ID.fullmatch(folder)):
        checked.refuse("folder_id", f"must be folders/NUMBER (got {folder!r})")
    emails = args.get("notification_emails")
    if not isinstance(emails, list) or not emails or not all(isinstance(e, str) and EMAIL.fullmatch(e) for e in emails):
        checked.refuse("notification_emails", f"must be one or more e-mail addresses (got {emails!r})")
    if len({e.lower() for e in emails}) != len(emails):
        checked.refuse("notification_emails", f"must name each address once (got {emails!r})")
    location = args.get("log_location")
    location = DEFAULT_LOG_LOCATION if location is None else location
    if not isinstance(location, str) or not LOG_LOCATION.fullmatch(location):
        checked.refuse(
            "log_location", f"must be a Cloud Logging location such as global, eu or europe-west3 (got {location!r})"
        )
    labels = checked_labels(checked)
    ids = {"bucket": f"{name}-folder-logs", "sink": f"{name}-folder"} | {
        role: f"{name}-{role}-entries" for role, *_ in FOLDER_THREATS
    }
    for id_ in ids.values():
        if not LOGGING_ID.fullmatch(id_):
            checked.refuse(
                "name",
                f"must give log bucket, sink and metric ids such as {id_!r} of at most 100 letters, digits, '_', '-' or '.'",
            )
    return project, folder, emails, location, labels, ids
