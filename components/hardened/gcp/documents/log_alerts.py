"""The Cloud Logging filters of the backup plane's alerts: one pure function per threat, named for what it protects.

Every filter but `transfer_failures` matches Admin Activity audit logs only (`log_id("cloudaudit.googleapis.com/activity")`):
they are written for every call that changes a configuration, cannot be turned off or excluded, and nobody can write
an entry into them ("Cloud Audit Logs overview", https://cloud.google.com/logging/docs/audit). A project holds the audit
logs of the resources in it; a folder holds those of the folder itself (its IAM, its deny and organization policies,
its sinks), so the folder's entries reach the backup project only through a folder sink (backup_plane_alerts.py).

Method names are those the services' audit logging pages list. Where a page could not be read for a name, the comment
beside it says so: such a name matches nothing if it is wrong, and is kept because the call it names is worth seeing.
Each filter is fully parenthesized, because in the Logging query language OR binds tighter than AND
("Logging query language", https://cloud.google.com/logging/docs/view/logging-query-language).
"""

import re
from collections.abc import Iterable

ADMIN_ACTIVITY = 'log_id("cloudaudit.googleapis.com/activity")'
RESOURCE_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")

# Cloud Storage ("Cloud Audit Logs with Cloud Storage", https://cloud.google.com/storage/docs/audit-logging): updating
# bucket metadata (retention policy, soft delete, lifecycle, default key, versioning, labels), deleting a bucket and
# setting its IAM policy are Admin Activity. That page names operations, not method names: `storage.setIamPermissions`
# with resource.type "gcs_bucket" is the filter of the CIS Google Cloud Foundation Benchmark (2.10); `storage.buckets.update`
# and `storage.buckets.delete` are the JSON API's names as audit entries in public detection code carry them, not read on
# a Google page. How locking a retention policy (LockRetentionPolicy) is logged is not confirmed: locking only
# strengthens the bucket, so nothing here depends on it.
STORAGE = "storage.googleapis.com"
BUCKET_SETTINGS_METHODS = ("storage.buckets.update", "storage.buckets.delete")
BUCKET_ACCESS_METHODS = ("storage.setIamPermissions",)

# Cloud KMS ("Cloud Key Management Service audit logging", https://cloud.google.com/kms/docs/audit-logging), each an
# Admin Activity method with the filter `protoPayload.methodName="<name>"` the page gives: DestroyCryptoKeyVersion
# (cloudkms.cryptoKeyVersions.destroy) schedules a version's destruction; UpdateCryptoKeyVersion
# (cloudkms.cryptoKeyVersions.update) is how a version is disabled, by setting its state to DISABLED. Every version
# update is matched, not only those whose request says DISABLED: the state is the one thing such an update changes,
# and re-enabling after a disable is worth a look too. SetIamPolicy (cloudkms.cryptoKeys.setIamPolicy and
# cloudkms.keyRings.setIamPolicy) changes who may use a key or a whole key ring.
KMS = "cloudkms.googleapis.com"
KEY_DESTRUCTION_METHODS = ("DestroyCryptoKeyVersion", "UpdateCryptoKeyVersion")
KEY_ACCESS_METHODS = ("SetIamPolicy",)

# Storage Transfer Service ("Storage Transfer Service audit logging", https://cloud.google.com/storage-transfer/docs/audit-logging),
# Admin Activity: UpdateTransferJob (a change of source, sink, schedule or options, disabling the job, or marking it
# DELETED through transferJobs.patch), DeleteTransferJob, PauseTransferOperation and CancelOperation (stopping a copy
# that is running).
STORAGE_TRANSFER = "storagetransfer.googleapis.com"
TRANSFER_JOB_METHODS = (
    "google.storagetransfer.v1.StorageTransferService.UpdateTransferJob",
    "google.storagetransfer.v1.StorageTransferService.DeleteTransferJob",
    "google.storagetransfer.v1.StorageTransferService.PauseTransferOperation",
    "google.longrunning.Operations.CancelOperation",
)
# Transfer logs are platform logs, not audit logs ("Google Cloud platform logs",
# https://cloud.google.com/logging/docs/api/platform-logs: log storagetransfer.googleapis.com/transfer_activity on the
# monitored resource storage_transfer_job, payload TransferActivityLog). A job writes them only when its
# loggingConfig names actions and states; FAILED actions are logged at ERROR ("LoggingConfig",
# https://cloud.google.com/storage-transfer/docs/reference/rest/v1/LoggingConfig).
TRANSFER_ACTIVITY = 'log_id("storagetransfer.googleapis.com/transfer_activity")'
TRANSFER_JOB_RESOURCE = "storage_transfer_job"

# IAM deny policies ("Identity and Access Management audit logging", https://cloud.google.com/iam/docs/audit-logging):
# Create, Update and DeletePolicy of the v2 API and of its v2beta and v2alpha versions, all Admin Activity and
# long-running (two entries each, when the operation starts and when it ends).
IAM = "iam.googleapis.com"
DENY_POLICY_METHODS = tuple(
    f"google.iam.{version}.Policies.{verb}Policy"
    for version in ("v2", "v2beta", "v2alpha")
    for verb in ("Create", "Update", "Delete")
)

# Organization policies ("Organization Policy audit logging",
# https://cloud.google.com/resource-manager/docs/organization-policy/audit-logging): CreatePolicy, UpdatePolicy and
# DeletePolicy of the v2 API. The v1 API (folders.setOrgPolicy, clearOrgPolicy) is served by cloudresourcemanager.googleapis.com,
# which the page defers to Resource Manager's audit logging page; its names SetOrgPolicy and ClearOrgPolicy are those
# public detection code matches, not read on that page.
ORG_POLICY = "orgpolicy.googleapis.com"
ORG_POLICY_METHODS = tuple(
    f"google.cloud.orgpolicy.v2.OrgPolicy.{verb}Policy" for verb in ("Create", "Update", "Delete")
)
RESOURCE_MANAGER = "cloudresourcemanager.googleapis.com"
ORG_POLICY_V1_METHODS = ("SetOrgPolicy", "ClearOrgPolicy")

# What silences these alerts. Cloud Logging ("Cloud Logging audit logging", https://cloud.google.com/logging/docs/audit-logging)
# names its methods google.logging.v2.ConfigServiceV2.* and google.logging.v2.MetricsServiceV2.*: changing or deleting a
# sink (the folder's sink feeds the folder alerts), a log bucket, an exclusion, or a log-based metric. Cloud Monitoring's
# google.monitoring.v3.AlertPolicyService, NotificationChannelService and SnoozeService names are those public detection
# code matches; Monitoring's audit logging page was not read.
LOGGING = "logging.googleapis.com"
LOGGING_METHODS = tuple(
    f"google.logging.v2.{service}.{method}"
    for service, method in (
        ("ConfigServiceV2", "UpdateSink"),
        ("ConfigServiceV2", "DeleteSink"),
        ("ConfigServiceV2", "UpdateBucket"),
        ("ConfigServiceV2", "DeleteBucket"),
        ("ConfigServiceV2", "CreateExclusion"),
        ("ConfigServiceV2", "UpdateExclusion"),
        ("MetricsServiceV2", "UpdateLogMetric"),
        ("MetricsServiceV2", "DeleteLogMetric"),
    )
)
MONITORING = "monitoring.googleapis.com"
MONITORING_METHODS = tuple(
    f"google.monitoring.v3.{service}.{method}"
    for service, method in (
        ("AlertPolicyService", "UpdateAlertPolicy"),
        ("AlertPolicyService", "DeleteAlertPolicy"),
        ("NotificationChannelService", "UpdateNotificationChannel"),
        ("NotificationChannelService", "DeleteNotificationChannel"),
        ("SnoozeService", "CreateSnooze"),
    )
)


def backup_bucket_settings() -> str:
    """A backup bucket's retention policy or other settings changed, or the bucket was deleted (Cloud Storage)."""
    return _audited(STORAGE, BUCKET_SETTINGS_METHODS, resource_type="gcs_bucket")


def backup_bucket_access() -> str:
    """Who may read, write or administer a backup bucket changed: its IAM policy was set (Cloud Storage)."""
    return _audited(STORAGE, BUCKET_ACCESS_METHODS, resource_type="gcs_bucket")


def offsite_key_destruction() -> str:
    """A version of an off-site key was scheduled for destruction, disabled or re-enabled (Cloud KMS)."""
    return _audited(KMS, KEY_DESTRUCTION_METHODS)


def offsite_key_access() -> str:
    """Who may use an off-site key or key ring changed: its IAM policy was set (Cloud KMS)."""
    return _audited(KMS, KEY_ACCESS_METHODS)


def transfer_job_changes() -> str:
    """The daily copy into GCP was changed, disabled, deleted, paused or cancelled (Storage Transfer Service)."""
    return _audited(STORAGE_TRANSFER, TRANSFER_JOB_METHODS)


def transfer_failures() -> str:
    """A transfer job failed to find, copy or delete an object: the quiet way to stop making the off-site copy."""
    return f'({TRANSFER_ACTIVITY} AND resource.type="{TRANSFER_JOB_RESOURCE}" AND severity>=ERROR)'


def deny_policy_changes() -> str:
    """An IAM deny policy was created, changed or deleted where the entries are written (the folder, or the project)."""
    return _audited(IAM, DENY_POLICY_METHODS)


def org_policy_changes() -> str:
    """An organization policy was created, changed or deleted, through the v2 API or the v1 one."""
    return either(_audited(ORG_POLICY, ORG_POLICY_METHODS), _audited(RESOURCE_MANAGER, ORG_POLICY_V1_METHODS))


def alerting_changes() -> str:
    """Something that feeds or sends these alerts was changed, deleted or snoozed (Cloud Logging, Cloud Monitoring)."""
    return either(_audited(LOGGING, LOGGING_METHODS), _audited(MONITORING, MONITORING_METHODS))


def either(*filters: str) -> str:
    """Entries any of the filters matches."""
    if not filters or not all(isinstance(f, str) and f.startswith("(") and f.endswith(")") for f in filters):
        raise ValueError(f"filters must be one or more parenthesized Logging filters (got {filters!r})")
    return filters[0] if len(filters) == 1 else "(" + " OR ".join(filters) + ")"


def _audited(service: str, methods: Iterable[str], resource_type: str | None = None) -> str:
    """Admin Activity entries of `service` for any of `methods` (on `resource_type` when given)."""
    methods = list(methods)
    if not methods:
        raise ValueError("at least one method must be given")
    terms = [ADMIN_ACTIVITY, f'protoPayload.serviceName="{service}"']
    terms.append("(" + " OR ".join(f'protoPayload.methodName="{m}"' for m in methods) + ")")
    if resource_type is not None:
        terms.append(f'resource.type="{resource_type}"')
    return "(" + " AND ".join(terms) + ")"


# The folder's own audit entries (counted in backup_plane_alerts.py) are on the monitored resource of what changed:
# `folder` for the folder itself (public folder sinks filter resource.type="folder"), `audited_resource` for services
# with no resource type of their own (as PAM's are), `logging_sink` for its sinks. Which of them each deny- and
# organization-policy method uses was not confirmed on a Google page: points on a type left out would escape the
# alert, so every folder metric's alert takes all three.
FOLDER_ENTRY_RESOURCES = ("audited_resource", "folder", "logging_sink")


def user_metric_filter(metric_name: str, resource_types: Iterable[str]) -> str:
    """The Cloud Monitoring filter of a user-defined log-based metric's points on any of `resource_types`.

    A log-based metric's points are on the monitored resource of the entry they count, and Cloud Monitoring refuses a
    threshold condition whose filter names no resource.type (every threshold filter in terraform-provider-google's
    alert policy tests names one). Several types are joined with OR ("Monitoring filters",
    https://cloud.google.com/monitoring/api/v3/filters).
    """
    types = list(resource_types)
    if not types or not all(isinstance(t, str) and RESOURCE_TYPE.fullmatch(t) for t in types):
        raise ValueError(
            f"resource types must be one or more monitored resource types such as audited_resource (got {types!r})"
        )
    names = sorted(set(types))
    restriction = " OR ".join(f'resource.type="{t}"' for t in names)
    restriction = restriction if len(names) == 1 else f"({restriction})"
    return f'metric.type="logging.googleapis.com/user/{metric_name}" AND {restriction}'


def first_entry_condition(display_name: str, metric_filter: object) -> dict:
    """An alert-policy condition that fires on the first entry a log-based metric counts (`metric_filter`, usually
    `user_metric_filter` of the metric's name output, so the policy waits for the metric)."""
    return {
        "display_name": display_name,
        "condition_threshold": {
            "filter": metric_filter,
            "comparison": "COMPARISON_GT",
            "threshold_value": 0,
            "duration": "0s",
            "aggregations": [
                {"alignment_period": "60s", "per_series_aligner": "ALIGN_SUM", "cross_series_reducer": "REDUCE_SUM"}
            ],
            "trigger": {"count": 1},
        },
    }
