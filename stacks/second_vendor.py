"""The second vendor, GCP: the organization's backup folder and project, and an environment's third copy.

`organization_side` runs in the `org` stack: the folder and project, their guardrails, and break-glass through
Privileged Access Manager, whose grants reach the environments' off-site buckets only. `environment_side` runs in
an environment stack: a locked bucket per replica bucket in that project, in another geography than the AWS region,
and the daily pull of the backup account's replicas into it. No Backup and DR vault: Cloud Storage buckets are not
a Backup and DR data source, so nothing would ever be backed up into one (docs/stacks.md, The 3-2-1 layout).
"""

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
from stack_config import GcpCopySettings, GcpOrganizationSettings

from hardened.gcp import (
    BackupPlaneAlerts,
    BackupProject,
    BreakGlassEntitlement,
    CrossCloudTransfer,
    FolderGuardrails,
    LockedBucket,
)
from hardened.gcp.documents.pam import break_glass_prefix_condition
from hardened.gcp.documents.service_agents import pam_agent, storage_agent, transfer_agent
from hardened.stack_contract import GcpExport, GcpExportInputs


def offsite_component(prefix: str) -> str:
    """The LockedBucket of an environment's replica bucket; keep the name, or live stacks lose their buckets' URNs."""
    return f"{prefix}-offsite"


def offsite_bucket_prefix(prefix: str) -> str:
    """How every bucket of `offsite_component(prefix)` is named: its child `<component>-bucket`, auto-named by Pulumi
    with "-" and seven random characters, so the prefix ends in "-" and reaches no other environment's buckets."""
    return f"{offsite_component(prefix)}-bucket-"


def exception_principal(member: str) -> str:
    """IAM's `user:` / `group:` member as the principal identifier deny policies name."""
    kind, email = member.split(":", 1)
    return f"principal://goog/subject/{email}" if kind == "user" else f"principalSet://goog/group/{email}"


def organization_side(stack: str, settings: GcpOrganizationSettings) -> GcpExportInputs:
    """Declare the GCP side of the organization; return what environment stacks need from it (its `gcp` export)."""
    # Never ambient credentials: every call is made as the configured deployer, which the deny policy exempts by name.
    deployer = settings.deployer_service_account
    organization = gcp.Provider(f"{stack}-gcp", region=settings.region, impersonate_service_account=deployer)
    project = BackupProject(
        f"{stack}-gcp-backup",
        {
            "organization_id": settings.organization_id,
            "billing_account": settings.billing_account,
            "project_id": settings.backup_project_id,
            "folder_display_name": settings.backup_folder_name,
            "project_name": settings.backup_project_name,
            # An existing folder and project (gcp.backupFolderId, gcp.adoptBackupProject) are imported, never created.
            "folder_id": settings.backup_folder_id,
            "adopt_project": settings.adopt_backup_project,
        },
        opts=pulumi.ResourceOptions(provider=organization),
    )
    # The agents granted roles in the backup project (the key, the sink buckets, PAM's own role) are outside the
    # customer's directory: allowed by name, there only, or the domain restriction refuses every one of those grants.
    number = project.project_number
    # Every sink of the folder writes as the folder's Cloud Logging agent: the alerts' folder sink needs it allowed too.
    folder_logging = gcp.logging.get_folder_settings_output(
        folder=project.folder_id.apply(lambda folder: folder.removeprefix("folders/")),
        opts=pulumi.InvokeOutputOptions(provider=organization, depends_on=[project]),
    )
    guardrails = FolderGuardrails(
        f"{stack}-gcp-guardrails",
        {
            "folder_id": project.folder_id,
            "allowed_locations": settings.allowed_locations,
            "allowed_customer_ids": [settings.customer_id],
            "retention_days": settings.bucket_retention_days,
            "break_glass_principals": [exception_principal(m) for m in settings.break_glass.eligible],
            "deployer_principals": [
                f"principal://iam.googleapis.com/projects/-/serviceAccounts/{settings.deployer_service_account}"
            ],
            "service_agents": {
                "project_number": number,
                "organization_id": settings.organization_id,
                "members": [
                    number.apply(storage_agent),
                    number.apply(transfer_agent),
                    pam_agent(settings.organization_id),
                    folder_logging.logging_service_account_id.apply(lambda agent: f"serviceAccount:{agent}"),
                ],
            },
        },
        opts=pulumi.ResourceOptions(provider=organization),
    )
    in_project = gcp.Provider(
        f"{stack}-gcp-backup-project",
        project=settings.backup_project_id,
        region=settings.region,
        impersonate_service_account=deployer,
    )
    entitlement = BreakGlassEntitlement(
        f"{stack}-gcp-break-glass",
        {
            "project_id": project.project_id,
            "organization_id": settings.organization_id,
            "entitlement_id": "break-glass",
            "eligible_principals": settings.break_glass.eligible,
            "approvers": settings.break_glass.approvers,
            "roles": settings.break_glass.roles,
            # The buckets are named in the environment stacks, after this stack ran: narrow by their names' prefix.
            "condition": break_glass_prefix_condition(
                [offsite_bucket_prefix(p) for p in settings.break_glass.offsite_prefixes or []]
            ),
            "notification_emails": settings.break_glass.notification_emails,
        },
        # The APIs, and the guardrails that let PAM's agent be granted its role.
        opts=pulumi.ResourceOptions(provider=in_project, depends_on=[project, guardrails]),
    )
    # Every move against the off-site copy, from the project's and the folder's audit logs, e-mailed.
    alerts = BackupPlaneAlerts(
        f"{stack}-gcp-alerts",
        {
            "project_id": project.project_id,
            "folder_id": project.folder_id,
            "notification_emails": settings.break_glass.notification_emails,
            "log_location": settings.region,
        },
        # The APIs, and the guardrails that let the folder's Logging agent be granted the log bucket.
        opts=pulumi.ResourceOptions(provider=in_project, depends_on=[project, guardrails]),
    )
    # The project's Storage Transfer agent: the one web identity the backup account's roles answer to.
    agent = gcp.storage.get_transfer_project_service_account_output(
        project=settings.backup_project_id, opts=pulumi.InvokeOutputOptions(provider=in_project, depends_on=[project])
    )
    return {
        "projectId": project.project_id,
        "projectNumber": project.project_number,
        "transferAgentSubject": agent.subject_id,
        "folderId": project.folder_id,
        "region": settings.region,
        "breakGlassEntitlement": entitlement.entitlement_name,
        "breakGlassEligible": settings.break_glass.eligible,
        "breakGlassApprovers": settings.break_glass.approvers,
        "backupPlaneAlerts": alerts.alert_policy_names,
        # The environment stacks deploy into the project as this deployer too: the one source of who it is.
        "deployerServiceAccount": deployer,
    }


def environment_side(
    stack: str,
    copy: GcpCopySettings,
    organization_gcp: pulumi.Output[GcpExport],
    aws_region: str,
    replicas: dict,
    backup_provider: aws.Provider,
) -> dict:
    """Declare the third copies in the organization's backup project (from the `org` stack's `gcp` output): one
    locked bucket and daily transfer per replica bucket (`replicas`, by name prefix)."""
    project_id = organization_gcp.apply(lambda g: g["projectId"])
    # Never ambient credentials: the organization's deployer, the one principal the backup folder's deny policy spares
    # for the buckets' retention, IAM and keys, which every locked bucket's `pulumi up` sets.
    provider = gcp.Provider(
        f"{stack}-gcp",
        project=project_id,
        region=organization_gcp.apply(lambda g: g["region"]),
        impersonate_service_account=organization_gcp.apply(lambda g: g["deployerServiceAccount"]),
    )
    in_project = pulumi.ResourceOptions(provider=provider)
    buckets, jobs, roles = {}, {}, {}
    for prefix, replica in replicas.items():
        bucket = LockedBucket(
            offsite_component(prefix),
            {
                "location": copy.location,
                "retention_days": copy.retention_days,
                "lock_retention": copy.locked,
                "primary_aws_region": aws_region,
                "soft_delete_days": copy.soft_delete_days,
                "labels": {"hardened-stack": stack},
            },
            opts=in_project,
        )
        transfer = CrossCloudTransfer(
            f"{prefix}-to-gcp",
            {
                "source_bucket": replica.bucket_name,
                "source_bucket_arn": replica.bucket_arn,
                "source_key_arn": replica.key_arn,
                "aws_provider": backup_provider,
                "sink_bucket": bucket.bucket_name,
                "project_id": project_id,
                "start_date": copy.transfer_start_date,
            },
            opts=in_project,
        )
        buckets[prefix], jobs[prefix], roles[prefix] = bucket.bucket_name, transfer.job_name, transfer.role_arn
    return {
        "project": project_id,
        "location": copy.location,
        "retentionDays": copy.retention_days,
        "locked": copy.locked,
        "buckets": buckets,
        "transferJobs": jobs,
        "transferRoleArns": roles,
    }
