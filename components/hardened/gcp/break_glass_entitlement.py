"""BreakGlassEntitlement: just-in-time access to the backup project, approved by someone else, and an alarm on every grant.

A Privileged Access Manager entitlement lets the eligible principals request the given roles on the backup
project for at most an hour, with a written justification. An approver, who is never one of the eligible
principals, approves with a justification of their own; the roles exist only while the grant lasts, and
only within the IAM condition when one is given (documents/pam.py narrows them to the backup buckets).

PAM writes and removes each grant's bindings as the organization's PAM service agent, which must exist and hold
roles/privilegedaccessmanager.serviceAgent on the project before an entitlement can be created there
(documents/service_agents.py); both are declared here, first.

Every activation raises an alarm: a log-based metric counts PAM's `PAMActivateGrant` system events in the
project, and a Cloud Monitoring alert policy e-mails the notification addresses on the first count. PAM
also e-mails those addresses itself, as admin and requester recipients of the entitlement. Children wait for
whatever `opts.depends_on` names (the BackupProject, whose PAM, Logging and Monitoring APIs they need, and the
FolderGuardrails that allow the agent's grant): a component's depends_on is not inherited by its children.
"""

import re
from typing import NotRequired, TypedDict, cast

import pulumi
import pulumi_gcp as gcp

from ..arguments import Arguments
from ..documented import documented
from .documents.log_alerts import first_entry_condition, user_metric_filter
from .documents.pam import GRANT_ACTIVATED_FILTER, GRANT_ACTIVATED_RESOURCE
from .documents.service_agents import ORGANIZATION_ID, PAM_AGENT_ROLE, pam_agent, pam_agent_parent

DEFAULT_MAX_DURATION_SECONDS = 3600  # one hour: long enough to repair, short enough to expire unattended
ENTITLEMENT_ID = re.compile(r"^[a-z][a-z0-9-]{3,62}$")
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
PRINCIPAL = re.compile(rf"^(user|group):{EMAIL}$")
NOTIFICATION_EMAIL = re.compile(rf"^{EMAIL}$")
# Predefined or custom roles; never the basic roles, which IAM conditions cannot narrow and PAM refuses.
ROLE = re.compile(r"^(roles/[A-Za-z0-9_.]+|(projects|organizations)/[a-z0-9-]+/roles/[A-Za-z0-9_.]+)$")
BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}


class BreakGlassEntitlementArgs(TypedDict):
    """Arguments of BreakGlassEntitlement."""

    project_id: pulumi.Input[str]
    """The backup project: the entitlement grants roles on it, and the metric and alarm live in it."""
    organization_id: str
    """Numeric id of the organization, whose PAM service agent is given its role on the project."""
    entitlement_id: str
    """Id of the entitlement: 4 to 63 lowercase letters, digits and hyphens, starting with a letter."""
    eligible_principals: list[str]
    """Who may request a grant: user:EMAIL or group:EMAIL."""
    approvers: list[str]
    """Who approves a grant (one approval is needed): user:EMAIL or group:EMAIL, none of them eligible."""
    roles: list[str]
    """Roles a grant gives on the project, e.g. roles/storage.objectAdmin; never owner, editor or viewer."""
    condition: NotRequired[str | None]
    """CEL condition narrowing every role, e.g. documents.pam.break_glass_condition(["acme-backups"])."""
    max_duration_seconds: NotRequired[int | None]
    """Longest grant a requester may ask for: 60 to 3600 seconds (default 3600)."""
    notification_emails: list[str]
    """Addresses told of every request and grant, and alerted on every activation."""


@documented
class BreakGlassEntitlement(pulumi.ComponentResource):
    """A PAM entitlement with approval by someone else, and an alarm on its activations."""

    entitlement_name: pulumi.Output[str]
    """Name of the entitlement: projects/PROJECT/locations/global/entitlements/ID."""
    alert_policy_name: pulumi.Output[str]
    """Name of the alert policy: projects/PROJECT/alertPolicies/NUMBER."""

    def __init__(self, name: str, args: BreakGlassEntitlementArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("BreakGlassEntitlement", name, args, BreakGlassEntitlementArgs)
        args = checked.args
        if not isinstance(args.get("project_id"), (str, pulumi.Output)) or args.get("project_id") == "":
            checked.refuse("project_id", f"must be a project id (got {args.get('project_id')!r})")
        organization_id = args.get("organization_id")
        if not isinstance(organization_id, str) or not ORGANIZATION_ID.fullmatch(organization_id):
            checked.refuse("organization_id", f"must be the organization's numeric id (got {organization_id!r})")
        entitlement_id = args.get("entitlement_id")
        if (
            not isinstance(entitlement_id, str)
            or not ENTITLEMENT_ID.fullmatch(entitlement_id)
            or entitlement_id.endswith("-")
        ):
            checked.refuse(
                "entitlement_id",
                f"must be 4 to 63 lowercase letters, digits and hyphens, starting with a letter (got {entitlement_id!r})",
            )
        eligible = _principals(checked, "eligible_principals")
        approvers = _principals(checked, "approvers")
        # E-mail addresses are case-insensitive: user:Alice@ and user:alice@ are one person.
        overlap = sorted({p.lower() for p in eligible} & {p.lower() for p in approvers})
        if overlap:
            checked.refuse(
                "approvers",
                f"must not include eligible principals, so that a grant is always approved by someone else (both: {overlap!r})",
            )
        roles = list(args.get("roles") or [])
        if not roles or not all(isinstance(r, str) and ROLE.fullmatch(r) and r not in BASIC_ROLES for r in roles):
            checked.refuse(
                "roles",
                f"must be one or more predefined or custom roles, never roles/owner, roles/editor or roles/viewer (got {roles!r})",
            )
        condition = args.get("condition")
        if condition is not None and (not isinstance(condition, str) or not condition.strip()):
            checked.refuse("condition", f"must be a CEL expression when given (got {condition!r})")
        duration = args.get("max_duration_seconds")
        duration = DEFAULT_MAX_DURATION_SECONDS if duration is None else duration
        if not isinstance(duration, int) or isinstance(duration, bool) or not 60 <= duration <= 3600:
            checked.refuse(
                "max_duration_seconds", f"must be a whole number of seconds from 60 to 3600 (got {duration!r})"
            )
        emails = list(args.get("notification_emails") or [])
        if not emails or not all(isinstance(e, str) and NOTIFICATION_EMAIL.fullmatch(e) for e in emails):
            checked.refuse("notification_emails", f"must be one or more e-mail addresses (got {emails!r})")
        super().__init__("hardened:index:BreakGlassEntitlement", name, None, opts)

        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        project = args["project_id"]
        agent = gcp.iam.WorkloadIdentityServiceAgent(
            f"{name}-pam-agent", parent=pam_agent_parent(organization_id), opts=child
        )
        agent_role = gcp.projects.IAMMember(
            f"{name}-pam-agent-role",
            project=project,
            role=PAM_AGENT_ROLE,
            member=pam_agent(organization_id),
            opts=_after(child, agent),
        )
        bindings: list[gcp.privilegedaccessmanager.EntitlementPrivilegedAccessGcpIamAccessRoleBindingArgsDict] = [
            {"role": role, "condition_expression": condition} if condition else {"role": role} for role in roles
        ]
        entitlement = gcp.privilegedaccessmanager.Entitlement(
            f"{name}-entitlement",
            parent=pulumi.Output.concat("projects/", project),
            location="global",
            entitlement_id=entitlement_id,
            eligible_users=[{"principals": eligible}],
            privileged_access={
                "gcp_iam_access": {
                    "resource": pulumi.Output.concat("//cloudresourcemanager.googleapis.com/projects/", project),
                    "resource_type": "cloudresourcemanager.googleapis.com/Project",
                    "role_bindings": bindings,
                }
            },
            max_request_duration=f"{duration}s",
            requester_justification_config={"unstructured": {}},
            approval_workflow={
                "manual_approvals": {
                    "require_approver_justification": True,
                    "steps": [
                        {
                            "approvals_needed": 1,
                            "approvers": {"principals": approvers},
                            "approver_email_recipients": emails,
                        }
                    ],
                }
            },
            additional_notification_targets={"admin_email_recipients": emails, "requester_email_recipients": emails},
            # PAM refuses an entitlement on a resource whose IAM policy its agent cannot set.
            opts=_after(child, agent_role),
        )
        metric = gcp.logging.Metric(
            f"{name}-grant-activations",
            name=f"{name}-grant-activations",
            project=project,
            description="Privileged Access Manager grants activated in the backup project (break-glass use)",
            filter=GRANT_ACTIVATED_FILTER,
            metric_descriptor={"metric_kind": "DELTA", "value_type": "INT64", "unit": "1"},
            opts=child,
        )
        # A channel's and an alert policy's provider id is its name (projects/PROJECT/notificationChannels/ID).
        channels = [
            gcp.monitoring.NotificationChannel(
                f"{name}-email-{index}",
                project=project,
                type="email",
                display_name=f"{name}: {email}",
                labels={"email_address": email},
                enabled=True,
                opts=child,
            )
            for index, email in enumerate(emails)
        ]
        alert = gcp.monitoring.AlertPolicy(
            f"{name}-grant-activated",
            project=project,
            display_name=f"{name}: break-glass grant activated",
            combiner="OR",
            # The document builds the SDK's condition as a plain dict (the documents import no SDK).
            conditions=[
                cast(
                    gcp.monitoring.AlertPolicyConditionArgsDict,
                    first_entry_condition(
                        "A break-glass grant was activated",
                        metric.name.apply(lambda m: user_metric_filter(m, [GRANT_ACTIVATED_RESOURCE])),
                    ),
                )
            ],
            notification_channels=[channel.id for channel in channels],
            severity="CRITICAL",
            documentation={
                "content": f"A Privileged Access Manager grant was activated in the backup project (entitlement {entitlement_id}). "
                "Confirm the request, its justification and its approver with the people named in them.",
                "mime_type": "text/markdown",
            },
            enabled=True,
            opts=_after(child, metric),
        )

        self.entitlement_name = entitlement.id
        self.alert_policy_name = alert.id
        self.register_outputs({"entitlementName": self.entitlement_name, "alertPolicyName": self.alert_policy_name})


def _after(options: pulumi.ResourceOptions, resource: pulumi.Resource) -> pulumi.ResourceOptions:
    """`options`, waiting for `resource` as well as for what they already wait for."""
    return pulumi.ResourceOptions.merge(options, pulumi.ResourceOptions(depends_on=[resource]))


def _principals(checked: Arguments[BreakGlassEntitlementArgs], argument: str) -> list[str]:
    """Distinct user:EMAIL or group:EMAIL principals, at least one, or a refusal naming the argument."""
    given = checked.args.get(argument)
    if (
        not isinstance(given, list)
        or not given
        or not all(isinstance(p, str) and PRINCIPAL.fullmatch(p) for p in given)
    ):
        checked.refuse(argument, f"must be one or more user:EMAIL or group:EMAIL principals (got {given!r})")
    return sorted(set(given))
