"""BackupPlaneAlerts: the exact Cloud Logging filter of every threat, the log-match alerts on the backup project, the folder
sink, its log bucket, bucket-scoped metrics and threshold alerts, the e-mail channels, where it all lands, that it waits
for the project's APIs, and bad arguments refused before anything is declared.

No evaluator of the Logging query language installs from the registries here (cel-python evaluates CEL, which Cloud
Logging filters are not), so the filters are asserted as the exact strings Cloud Logging receives; which entries they
match is argued from Google's audit logging pages in documents/log_alerts.py.
"""

import pulumi
import pulumi_gcp as gcp
import pytest
from planning import by_name, one, plan_of, refusal, resources

from hardened.gcp import BackupPlaneAlerts, BackupProject
from hardened.gcp.documents import log_alerts
from hardened_tools.plan import placeholders

ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
METRIC = "gcp:logging/metric:Metric"
SINK = "gcp:logging/folderSink:FolderSink"
LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
IAM_MEMBER = "gcp:projects/iAMMember:IAMMember"
SERVICE = "gcp:projects/service:Service"
WHERE = {"cloud": "gcp", "project": "acme-backups", "region": "europe-west3"}
EMAILS = ["security@acme.example", "backup-owners@acme.example"]
LABELS = {"team": "security"}
BUCKET = "projects/acme-backups/locations/europe-west3/buckets/alerts-folder-logs"

AUDIT = 'log_id("cloudaudit.googleapis.com/activity")'
BUCKET_SETTINGS = (
    f'({AUDIT} AND protoPayload.serviceName="storage.googleapis.com"'
    ' AND (protoPayload.methodName="storage.buckets.update" OR protoPayload.methodName="storage.buckets.delete")'
    ' AND resource.type="gcs_bucket")'
)
BUCKET_ACCESS = (
    f'({AUDIT} AND protoPayload.serviceName="storage.googleapis.com"'
    ' AND (protoPayload.methodName="storage.setIamPermissions") AND resource.type="gcs_bucket")'
)
KEY_DESTRUCTION = (
    f'({AUDIT} AND protoPayload.serviceName="cloudkms.googleapis.com"'
    ' AND (protoPayload.methodName="DestroyCryptoKeyVersion" OR protoPayload.methodName="UpdateCryptoKeyVersion"))'
)
KEY_ACCESS = (
    f'({AUDIT} AND protoPayload.serviceName="cloudkms.googleapis.com" AND (protoPayload.methodName="SetIamPolicy"))'
)
TRANSFER_JOB = (
    f'({AUDIT} AND protoPayload.serviceName="storagetransfer.googleapis.com"'
    ' AND (protoPayload.methodName="google.storagetransfer.v1.StorageTransferService.UpdateTransferJob"'
    ' OR protoPayload.methodName="google.storagetransfer.v1.StorageTransferService.DeleteTransferJob"'
    ' OR protoPayload.methodName="google.storagetransfer.v1.StorageTransferService.PauseTransferOperation"'
    ' OR protoPayload.methodName="google.longrunning.Operations.CancelOperation"))'
)
TRANSFER_FAILURES = '(log_id("storagetransfer.googleapis.com/transfer_activity") AND resource.type="storage_transfer_job" AND severity>=ERROR)'
DENY_POLICY = (
    f'({AUDIT} AND protoPayload.serviceName="iam.googleapis.com" AND ('
    'protoPayload.methodName="google.iam.v2.Policies.CreatePolicy" OR protoPayload.methodName="google.iam.v2.Policies.UpdatePolicy"'
    ' OR protoPayload.methodName="google.iam.v2.Policies.DeletePolicy"'
    ' OR protoPayload.methodName="google.iam.v2beta.Policies.CreatePolicy" OR protoPayload.methodName="google.iam.v2beta.Policies.UpdatePolicy"'
    ' OR protoPayload.methodName="google.iam.v2beta.Policies.DeletePolicy"'
    ' OR protoPayload.methodName="google.iam.v2alpha.Policies.CreatePolicy" OR protoPayload.methodName="google.iam.v2alpha.Policies.UpdatePolicy"'
    ' OR protoPayload.methodName="google.iam.v2alpha.Policies.DeletePolicy"))'
)
ORG_POLICY = (
    f'(({AUDIT} AND protoPayload.serviceName="orgpolicy.googleapis.com"'
    ' AND (protoPayload.methodName="google.cloud.orgpolicy.v2.OrgPolicy.CreatePolicy"'
    ' OR protoPayload.methodName="google.cloud.orgpolicy.v2.OrgPolicy.UpdatePolicy"'
    ' OR protoPayload.methodName="google.cloud.orgpolicy.v2.OrgPolicy.DeletePolicy"))'
    f' OR ({AUDIT} AND protoPayload.serviceName="cloudresourcemanager.googleapis.com"'
    ' AND (protoPayload.methodName="SetOrgPolicy" OR protoPayload.methodName="ClearOrgPolicy")))'
)
ALERTING = (
    f'(({AUDIT} AND protoPayload.serviceName="logging.googleapis.com" AND ('
    'protoPayload.methodName="google.logging.v2.ConfigServiceV2.UpdateSink" OR protoPayload.methodName="google.logging.v2.ConfigServiceV2.DeleteSink"'
    ' OR protoPayload.methodName="google.logging.v2.ConfigServiceV2.UpdateBucket" OR protoPayload.methodName="google.logging.v2.ConfigServiceV2.DeleteBucket"'
    ' OR protoPayload.methodName="google.logging.v2.ConfigServiceV2.CreateExclusion"'
    ' OR protoPayload.methodName="google.logging.v2.ConfigServiceV2.UpdateExclusion"'
    ' OR protoPayload.methodName="google.logging.v2.MetricsServiceV2.UpdateLogMetric"'
    ' OR protoPayload.methodName="google.logging.v2.MetricsServiceV2.DeleteLogMetric"))'
    f' OR ({AUDIT} AND protoPayload.serviceName="monitoring.googleapis.com" AND ('
    'protoPayload.methodName="google.monitoring.v3.AlertPolicyService.UpdateAlertPolicy"'
    ' OR protoPayload.methodName="google.monitoring.v3.AlertPolicyService.DeleteAlertPolicy"'
    ' OR protoPayload.methodName="google.monitoring.v3.NotificationChannelService.UpdateNotificationChannel"'
    ' OR protoPayload.methodName="google.monitoring.v3.NotificationChannelService.DeleteNotificationChannel"'
    ' OR protoPayload.methodName="google.monitoring.v3.SnoozeService.CreateSnooze")))'
)

WHO_DID_WHAT = {
    "principal": "EXTRACT(protoPayload.authenticationInfo.principalEmail)",
    "method": "EXTRACT(protoPayload.methodName)",
    "resource": "EXTRACT(protoPayload.resourceName)",
}
# role: (filter, summary, advice) of each log-match policy on the project.
PROJECT_ALERTS = {
    "bucket-settings": (
        BUCKET_SETTINGS,
        "A backup bucket's retention policy or settings changed, or a bucket was deleted",
        "Check that the retention policy, soft delete and default key of the bucket are as the stacks declare them.",
    ),
    "bucket-access": (
        BUCKET_ACCESS,
        "Who may use a backup bucket changed",
        "Compare the bucket's IAM policy with the grants the stacks declare; a deploy adds the transfer agent's roles.",
    ),
    "key-destruction": (
        KEY_DESTRUCTION,
        "An off-site key version was scheduled for destruction, disabled or re-enabled",
        "A destroyed or disabled version leaves every object it encrypted unreadable: restore or re-enable it within "
        "its scheduled-destruction period, then find out who asked.",
    ),
    "key-access": (
        KEY_ACCESS,
        "Who may use an off-site key or key ring changed",
        "Cloud Storage's service agent must keep roles/cloudkms.cryptoKeyEncrypterDecrypter; nobody else needs a role.",
    ),
    "transfer-job": (
        TRANSFER_JOB,
        "The daily copy into GCP was changed, disabled, paused, cancelled or deleted",
        "Compare the transfer job with the one the environment stack declares; a stopped job stops the off-site copy.",
    ),
    "transfer-failures": (
        TRANSFER_FAILURES,
        "The daily copy into GCP failed",
        "Read the transfer job's operation and its failed entries: a copy that keeps failing leaves the off-site copy behind.",
    ),
    "deny-policy": (
        DENY_POLICY,
        "A deny policy on the backup project was created, changed or deleted",
        "The backups' deny policy sits on the folder; a deny policy on the project can stop the transfer agent or the deployers.",
    ),
    "org-policy": (
        ORG_POLICY,
        "An organization policy on the backup project was created, changed or deleted",
        "A project's policy can replace the folder's: compare it with the folder's guardrails.",
    ),
    "alerting": (
        ALERTING,
        "An alert, notification channel, log sink, log bucket, exclusion or log-based metric of the backup project changed",
        "Whoever silences the alarms comes next for the backups: confirm the change with the people who made it.",
    ),
}
FOLDER_ALERTS = {
    "folder-deny-policy": (
        DENY_POLICY,
        "A deny policy on the backup folder was created, changed or deleted",
        "The folder's deny policy is what keeps everyone but break-glass from destroying the backups: compare it with FolderGuardrails.",
    ),
    "folder-org-policy": (
        ORG_POLICY,
        "An organization policy on the backup folder was created, changed or deleted",
        "Compare the folder's organization policies with FolderGuardrails.",
    ),
    "folder-alerting": (
        ALERTING,
        "A log sink or exclusion of the backup folder changed",
        "The folder's sink feeds the folder alerts: a change to it can silence them.",
    ),
}
WRITER = "serviceAccount:service-folder-{number}@gcp-sa-logging.iam.gserviceaccount.com"


def folder_sink(r):
    """Stand-in for what Cloud Logging reports of a new folder sink: the offline plan knows no writer identity of its own."""
    number = r.input("folder").removeprefix("folders/")
    return f"folders/{number}/sinks/{r.input('name')}", {"writerIdentity": WRITER.format(number=number)}


@pytest.fixture(autouse=True)
def sinks_report_a_writer(monkeypatch):
    monkeypatch.setitem(placeholders.SHAPES, SINK, folder_sink)


ARGS = {"notification_emails": EMAILS, "log_location": "europe-west3", "labels": LABELS}


def organization(overrides: dict | None = None):
    """The org stack's wiring: the alerts in the backup project, after the BackupProject that enables its APIs."""
    provider = gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
    project = BackupProject(
        "org-gcp-backup",
        {
            "organization_id": "123456789012",
            "billing_account": "01AB23-45CD67-89EF01",
            "project_id": "acme-backups",
            "folder_display_name": "Backups",
        },
        opts=pulumi.ResourceOptions(provider=provider),
    )
    BackupPlaneAlerts(
        "alerts",
        {"project_id": project.project_id, "folder_id": project.folder_id, **ARGS, **(overrides or {})},
        opts=pulumi.ResourceOptions(provider=provider, depends_on=[project]),
    )


@pytest.fixture(scope="module")
def plan() -> dict:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(placeholders.SHAPES, SINK, folder_sink)
        return plan_of(organization)


def children(plan: dict) -> list[dict]:
    component = one(plan, "hardened:index:BackupPlaneAlerts")
    return [r for r in resources(plan) if r["parent"] == component["urn"]]


def channel_names(plan: dict) -> list[str]:
    return [by_name(plan, f"alerts-email-{i}")["id"] for i in range(len(EMAILS))]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (log_alerts.backup_bucket_settings, BUCKET_SETTINGS),
        (log_alerts.backup_bucket_access, BUCKET_ACCESS),
        (log_alerts.offsite_key_destruction, KEY_DESTRUCTION),
        (log_alerts.offsite_key_access, KEY_ACCESS),
        (log_alerts.transfer_job_changes, TRANSFER_JOB),
        (log_alerts.transfer_failures, TRANSFER_FAILURES),
        (log_alerts.deny_policy_changes, DENY_POLICY),
        (log_alerts.org_policy_changes, ORG_POLICY),
        (log_alerts.alerting_changes, ALERTING),
    ],
)
def test_each_threat_has_its_exact_filter(document, expected):
    assert document() == expected


def test_either_joins_whole_filters_and_refuses_fragments():
    assert log_alerts.either(KEY_ACCESS) == KEY_ACCESS
    assert log_alerts.either(KEY_ACCESS, BUCKET_ACCESS) == f"({KEY_ACCESS} OR {BUCKET_ACCESS})"
    for fragments in [(), ('protoPayload.methodName="SetIamPolicy"',), (KEY_ACCESS, None)]:
        with pytest.raises(ValueError, match="parenthesized"):
            log_alerts.either(*fragments)


def test_every_address_gets_an_email_channel_in_the_project(plan):
    for index, email in enumerate(EMAILS):
        channel = by_name(plan, f"alerts-email-{index}")
        assert channel["type"] == CHANNEL
        assert channel["inputs"] == {
            "project": "acme-backups",
            "type": "email",
            "displayName": f"alerts: {email}",
            "labels": {"email_address": email},
            "userLabels": LABELS,
            "enabled": True,
        }
    assert len(resources(plan, CHANNEL)) == len(EMAILS)


@pytest.mark.parametrize("role", list(PROJECT_ALERTS))
def test_each_project_threat_is_a_log_match_alert_that_emails_every_channel(plan, role):
    filter_, summary, advice = PROJECT_ALERTS[role]
    policy = by_name(plan, f"alerts-{role}")
    assert policy["type"] == ALERT
    assert policy["inputs"] == {
        "project": "acme-backups",
        "displayName": f"alerts: {summary}",
        "combiner": "OR",
        "conditions": [
            {
                "displayName": summary,
                "conditionMatchedLog": {
                    "filter": filter_,
                    "labelExtractors": (
                        {
                            "operation": "EXTRACT(jsonPayload.operation)",
                            "status": "EXTRACT(jsonPayload.status.statusCode)",
                        }
                        if role == "transfer-failures"
                        else WHO_DID_WHAT
                    ),
                },
            }
        ],
        "alertStrategy": {"notificationRateLimit": {"period": "300s"}, "autoClose": "1800s"},
        "notificationChannels": channel_names(plan),
        "severity": "CRITICAL",
        "documentation": {"content": f"{summary} in the backup project. {advice}", "mimeType": "text/markdown"},
        "userLabels": LABELS,
        "enabled": True,
    }
    assert policy["computed_inputs"] == ["notificationChannels"]


def test_the_folder_sink_routes_only_the_folders_own_guardrail_and_sink_changes_to_the_project_log_bucket(plan):
    folder = by_name(plan, "org-gcp-backup-folder")["id"]
    sink = one(plan, SINK)
    assert sink["name"] == "alerts-folder-sink"
    assert sink["inputs"] == {
        "name": "alerts-folder",
        "folder": folder,
        "destination": f"logging.googleapis.com/{BUCKET}",
        "filter": f"({DENY_POLICY} OR {ORG_POLICY} OR {ALERTING})",
        "includeChildren": False,
        "description": "The backup folder's deny-policy, organization-policy and sink changes, for the folder alerts",
    }
    assert one(plan, LOG_BUCKET)["inputs"] == {
        "project": "acme-backups",
        "location": "europe-west3",
        "bucketId": "alerts-folder-logs",
        "retentionDays": 30,
        "description": "The backup folder's own audit entries that the folder alerts count",
    }


def test_only_the_sinks_own_identity_may_write_to_the_project_log_buckets(plan):
    grant = one(plan, IAM_MEMBER)
    writer = WRITER.format(number=by_name(plan, "org-gcp-backup-folder")["id"].removeprefix("folders/"))
    assert grant["name"] == "alerts-folder-sink-writer"
    assert grant["inputs"] == {"project": "acme-backups", "role": "roles/logging.bucketWriter", "member": writer}
    assert one(plan, SINK)["urn"] in grant["depends_on"]


@pytest.mark.parametrize("role", list(FOLDER_ALERTS))
def test_each_folder_threat_is_counted_in_the_log_bucket_and_alerts_on_the_first_entry(plan, role):
    filter_, summary, advice = FOLDER_ALERTS[role]
    metric = by_name(plan, f"alerts-{role}-entries")
    assert metric["type"] == METRIC
    assert metric["inputs"] == {
        "name": f"alerts-{role}-entries",
        "project": "acme-backups",
        "bucketName": BUCKET,
        "description": f"{summary} (entries routed from the folder)",
        "filter": filter_,
        "metricDescriptor": {"metricKind": "DELTA", "valueType": "INT64", "unit": "1"},
    }
    policy = by_name(plan, f"alerts-{role}")
    assert policy["inputs"] == {
        "project": "acme-backups",
        "displayName": f"alerts: {summary}",
        "combiner": "OR",
        "conditions": [
            {
                "displayName": summary,
                "conditionThreshold": {
                    "filter": f'metric.type="logging.googleapis.com/user/alerts-{role}-entries"'
                    ' AND (resource.type="audited_resource" OR resource.type="folder" OR resource.type="logging_sink")',
                    "comparison": "COMPARISON_GT",
                    "thresholdValue": 0,
                    "duration": "0s",
                    "aggregations": [
                        {"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_SUM", "crossSeriesReducer": "REDUCE_SUM"}
                    ],
                    "trigger": {"count": 1},
                },
            }
        ],
        "notificationChannels": channel_names(plan),
        "severity": "CRITICAL",
        "documentation": {
            "content": f"{summary}. {advice} The folder's audit logs say who.",
            "mimeType": "text/markdown",
        },
        "userLabels": LABELS,
        "enabled": True,
    }
    # Built from the metric's name: the policy is created after the metric it reads.
    assert metric["urn"] in policy["depends_on"]


def test_nothing_else_is_declared_everything_is_protected_and_lands_in_the_backup_project(plan):
    declared = sorted(r["type"] for r in children(plan))
    assert declared == sorted([ALERT] * 12 + [CHANNEL] * 2 + [METRIC] * 3 + [SINK, LOG_BUCKET, IAM_MEMBER])
    assert all(r["protect"] for r in children(plan))
    assert all(r["lands_in"] == WHERE for r in children(plan))


def test_every_child_waits_for_the_logging_and_monitoring_apis(plan):
    apis = {by_name(plan, f"org-gcp-backup-{api}")["urn"] for api in ("logging", "monitoring")}
    assert all(by_name(plan, f"org-gcp-backup-{api}")["type"] == SERVICE for api in ("logging", "monitoring"))
    waiting = {r["name"]: apis <= set(r["depends_on"]) for r in children(plan)}
    assert waiting == dict.fromkeys(waiting, True)


def test_without_depends_on_the_children_wait_for_nothing_but_each_other():
    def program():
        provider = gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
        BackupPlaneAlerts(
            "alerts",
            {"project_id": "acme-backups", "folder_id": "folders/123456789012", "notification_emails": EMAILS},
            opts=pulumi.ResourceOptions(provider=provider),
        )

    plan = plan_of(program)
    urns = {r["urn"] for r in children(plan)}
    assert all(set(r["depends_on"]) <= urns for r in children(plan))
    assert one(plan, LOG_BUCKET)["inputs"]["location"] == "global"
    assert by_name(plan, "alerts-email-0")["inputs"]["userLabels"] == {}


def test_the_outputs_name_every_policy_by_threat(plan):
    component = one(plan, "hardened:index:BackupPlaneAlerts")
    names = component["outputs"]["alertPolicyNames"]
    assert names == {role: by_name(plan, f"alerts-{role}")["id"] for role in [*PROJECT_ALERTS, *FOLDER_ALERTS]}
    assert all(name.startswith("projects/acme-backups/alertPolicies/") for name in names.values())
    assert component["outputs"]["folderSinkWriter"] == one(plan, IAM_MEMBER)["inputs"]["member"]


GOOD = {"project_id": "acme-backups", "folder_id": "folders/123456789012", "notification_emails": EMAILS}


@pytest.mark.parametrize(
    ("name", "overrides", "argument", "problem"),
    [
        ("alerts", {"project_id": ""}, "project_id", "must be a project id"),
        ("alerts", {"project_id": "Acme-Backups"}, "project_id", "(got 'Acme-Backups')"),
        ("alerts", {"project_id": None}, "project_id", "(got None)"),
        ("alerts", {"folder_id": "123456789012"}, "folder_id", "must be folders/NUMBER (got '123456789012')"),
        ("alerts", {"folder_id": "folders/acme"}, "folder_id", "(got 'folders/acme')"),
        ("alerts", {"notification_emails": []}, "notification_emails", "one or more e-mail addresses"),
        (
            "alerts",
            {"notification_emails": "security@acme.example"},
            "notification_emails",
            "(got 'security@acme.example')",
        ),
        ("alerts", {"notification_emails": ["security"]}, "notification_emails", "(got ['security'])"),
        (
            "alerts",
            {"notification_emails": ["a@acme.example", "A@acme.example"]},
            "notification_emails",
            "each address once",
        ),
        ("alerts", {"log_location": "Europe-West3"}, "log_location", "(got 'Europe-West3')"),
        ("alerts", {"log_location": ""}, "log_location", "a Cloud Logging location"),
        ("alerts", {"labels": {"Team": "security"}}, "labels", "lower-case letters"),
        ("a" * 90, {}, "name", "at most 100 letters"),
        ("alerts/x", {}, "name", "'alerts/x-folder-logs'"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(name, overrides, argument, problem):
    def program():
        provider = gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
        BackupPlaneAlerts(name, GOOD | overrides, opts=pulumi.ResourceOptions(provider=provider))

    message, declared = refusal(program)
    assert message.startswith(f"BackupPlaneAlerts '{name}': argument '{argument}' ")
    assert problem in message
    assert [t for t in declared if not t.startswith("pulumi:")] == []
