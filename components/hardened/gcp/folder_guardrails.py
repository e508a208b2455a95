"""FolderGuardrails: the organization policies and the IAM deny policy of the folder that holds the backups.

Every project under the folder inherits them:
- organization policies: no service account keys, no public buckets, uniform bucket-level access only,
  bucket retention periods from an allowed list, resources only in the allowed locations, IAM roles only
  for identities of the allowed Google Workspace / Cloud Identity customers;
- with `service_agents`, IAM roles in the folder only for the organization's principals and the named Google
  service agents (iam.managed.allowedPolicyMembers), and in the one project they are granted roles in, that
  restriction alone: the legacy customer list, which cannot name a service agent, is lifted there after it holds;
- a deny policy: nobody but the break-glass principals deletes a bucket or an object, destroys or disables
  a key version, or deletes or moves a project; nobody but them and the deployment service accounts changes
  a bucket's IAM, ACLs, holds or retention policy, or a key's or key ring's IAM, whatever roles they hold
  (documents/deny_policies.py).

Pulumi never lifts a guardrail (`protect`): that is a deliberate act in the console, and needs the
organization-level roles Organization Policy Administrator and Deny Admin.
"""

import re
from functools import partial
from typing import NotRequired, TypedDict, cast

import pulumi
import pulumi_gcp as gcp

from ..arguments import Arguments
from ..documented import documented
from .documents.deny_policies import folder_deny_policy_parent, folder_deny_rules, is_exception_principal
from .documents.org_policies import (
    MEMBER_DOMAINS,
    POLICY_MEMBERS,
    allowed_policy_members,
    folder_policy_specs,
    member_domains,
    member_domains_lifted,
    resource_locations,
    retention_periods,
)
from .documents.service_agents import ORGANIZATION_ID, PROJECT_NUMBER, SERVICE_AGENT

FOLDER_ID = re.compile(r"^folders/[0-9]+$")
# A deny policy's id: lowercase letters, digits, hyphens and periods, starting with a letter, at most 63 characters.
DENY_POLICY_ID = re.compile(r"^[a-z][a-z0-9.-]{0,61}[a-z0-9]$")


class ServiceAgentGrants(TypedDict):
    """The Google service agents one project under the folder grants roles to, and the organization they serve."""

    project_number: pulumi.Input[str]
    """Number of the project the agents are granted roles in; only there is the legacy customer list lifted."""
    organization_id: str
    """Numeric id of the organization, whose principal set stays allowed beside the agents."""
    members: list[pulumi.Input[str]]
    """The agents, serviceAccount:EMAIL (documents/service_agents.py): exactly those granted roles, nothing wider."""


class FolderGuardrailsArgs(TypedDict):
    """Arguments of FolderGuardrails."""

    folder_id: pulumi.Input[str]
    """The folder the guardrails are attached to, as folders/NUMBER."""
    allowed_locations: list[str]
    """Where resources may be created: value groups like in:eu-locations, or locations like europe-west3."""
    allowed_customer_ids: list[str]
    """Google Workspace / Cloud Identity customer ids (C0...) whose identities may be granted roles."""
    retention_days: list[int]
    """The retention periods, in whole days, that buckets under the folder may have."""
    break_glass_principals: list[str]
    """The only principals the deny policy spares: principal://goog/subject/EMAIL or principalSet://goog/group/EMAIL."""
    deployer_principals: NotRequired[list[str] | None]
    """Service accounts that deploy into the folder, principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL: spared the bucket-settings and key-IAM rules, never a destruction rule."""
    service_agents: NotRequired[ServiceAgentGrants | None]
    """Google service agents a project under the folder grants roles to, which the customer list alone refuses."""


@documented
class FolderGuardrails(pulumi.ComponentResource):
    """Organization policies and a deny policy on one folder."""

    deny_policy_name: pulumi.Output[str]
    """Id of the deny policy on the folder."""
    policy_names: pulumi.Output[list[str]]
    """Names of the organization policies (folders/NUMBER/policies/CONSTRAINT)."""

    def __init__(self, name: str, args: FolderGuardrailsArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("FolderGuardrails", name, args, FolderGuardrailsArgs)
        args = checked.args
        folder_id = args.get("folder_id")
        # An output (a folder created in the same program) is checked when it resolves, by folder_deny_policy_parent.
        if not isinstance(folder_id, pulumi.Output) and not (
            isinstance(folder_id, str) and FOLDER_ID.fullmatch(folder_id)
        ):
            checked.refuse("folder_id", f"must be folders/NUMBER (got {folder_id!r})")
        specs = _specs(checked)
        principals = list(args.get("break_glass_principals") or [])
        if not principals or not all(is_exception_principal(p) for p in principals):
            checked.refuse(
                "break_glass_principals",
                "must give at least one exact principal, principal://goog/subject/EMAIL or principalSet://goog/group/EMAIL, "
                f"never a wildcard, domain or everyone (got {principals!r})",
            )
        deployers = list(args.get("deployer_principals") or [])
        if not all(is_exception_principal(p) for p in deployers):
            checked.refuse(
                "deployer_principals",
                f"must be exact principals such as principal://iam.googleapis.com/projects/-/serviceAccounts/EMAIL (got {deployers!r})",
            )
        agents = _service_agents(checked)
        deny_id = f"{name}-backup-destruction"
        if not DENY_POLICY_ID.fullmatch(deny_id):
            checked.refuse(
                "name",
                f"must give a deny policy id {deny_id!r} of lowercase letters, digits, hyphens and periods, at most 63 characters",
            )
        super().__init__("hardened:index:FolderGuardrails", name, None, opts)

        guarded = pulumi.ResourceOptions(parent=self, protect=True)
        folder = pulumi.Output.from_input(folder_id)
        # The documents build the SDK's nested inputs as plain dicts (they import no SDK): the casts say which.
        policies = [
            gcp.orgpolicy.Policy(
                f"{name}-{constraint}",
                name=folder.apply(partial(_policy_name, constraint)),
                parent=folder,
                spec=spec,
                opts=guarded,
            )
            for constraint, spec in specs.items()
        ]
        if agents is not None:
            project_number, organization_id, members = agents
            allowed = gcp.orgpolicy.Policy(
                f"{name}-{POLICY_MEMBERS}",
                name=folder.apply(lambda f: f"{f}/policies/{POLICY_MEMBERS}"),
                parent=folder,
                spec=pulumi.Output.all(*members).apply(
                    lambda m: cast(gcp.orgpolicy.PolicySpecArgsDict, allowed_policy_members(organization_id, m))
                ),
                opts=guarded,
            )
            policies.append(allowed)
            project = pulumi.Output.from_input(project_number).apply(_project_parent)
            # Lifted only once the managed restriction holds, so the project is never without one.
            gcp.orgpolicy.Policy(
                f"{name}-agents-{MEMBER_DOMAINS}",
                name=project.apply(lambda p: f"{p}/policies/{MEMBER_DOMAINS}"),
                parent=project,
                spec=cast(gcp.orgpolicy.PolicySpecArgsDict, member_domains_lifted()),
                opts=pulumi.ResourceOptions.merge(guarded, pulumi.ResourceOptions(depends_on=[allowed])),
            )
        deny = gcp.iam.DenyPolicy(
            f"{name}-deny-backup-destruction",
            name=deny_id,
            parent=folder.apply(folder_deny_policy_parent),
            display_name="Only break-glass principals destroy backups",
            rules=cast(list[gcp.iam.DenyPolicyRuleArgsDict], folder_deny_rules(principals, deployers)),
            opts=guarded,
        )

        self.deny_policy_name = deny.name
        self.policy_names = pulumi.Output.all(*[p.name for p in policies])
        self.register_outputs({"denyPolicyName": self.deny_policy_name, "policyNames": self.policy_names})


def _service_agents(checked: Arguments[FolderGuardrailsArgs]) -> tuple | None:
    """The project number, organization id and agents of `service_agents`, those known now checked; None when absent."""
    given = checked.args.get("service_agents")
    if given is None:
        return None
    number, organization_id, members = given.get("project_number"), given.get("organization_id"), given.get("members")
    if not isinstance(number, pulumi.Output) and not (isinstance(number, str) and PROJECT_NUMBER.fullmatch(number)):
        checked.refuse("service_agents.project_number", f"must be the project's number, digits only (got {number!r})")
    if not (isinstance(organization_id, str) and ORGANIZATION_ID.fullmatch(organization_id)):
        checked.refuse(
            "service_agents.organization_id", f"must be the organization's numeric id (got {organization_id!r})"
        )
    known = [m for m in members or [] if not isinstance(m, pulumi.Output)]
    if not members or not all(isinstance(m, str) and SERVICE_AGENT.fullmatch(m) for m in known):
        checked.refuse(
            "service_agents.members",
            f"must be one or more Google service agents, serviceAccount:EMAIL, never a user, group or domain (got {members!r})",
        )
    return number, organization_id, list(members)


def _policy_name(constraint: str, parent: str) -> str:
    return f"{parent}/policies/{constraint}"


def _project_parent(number: str) -> str:
    if not (isinstance(number, str) and PROJECT_NUMBER.fullmatch(number)):
        raise ValueError(f"service_agents.project_number must be digits only (got {number!r})")
    return f"projects/{number}"


def _specs(checked: Arguments[FolderGuardrailsArgs]) -> dict[str, gcp.orgpolicy.PolicySpecArgsDict]:
    """The organization policy specs, or an error naming the argument a document refused and what it allows."""
    checks = (
        ("retention_days", retention_periods, "must be one or more whole numbers of days from 1 to 36525"),
        (
            "allowed_locations",
            resource_locations,
            "must be one or more value groups like in:eu-locations or locations like europe-west3",
        ),
        ("allowed_customer_ids", member_domains, "must be one or more customer ids like C0xxxxxxx"),
    )
    args = checked.args
    for argument, document, problem in checks:
        given = args.get(argument)
        try:
            if not isinstance(given, list):
                raise ValueError(argument)
            document(given)
        except ValueError:
            checked.refuse(argument, f"{problem} (got {given!r})")
    specs = folder_policy_specs(args["retention_days"], args["allowed_locations"], args["allowed_customer_ids"])
    return cast(dict[str, gcp.orgpolicy.PolicySpecArgsDict], specs)  # plain dicts of the SDK's shape
