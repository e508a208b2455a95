"""GuardrailPolicy: one service control policy (or the data perimeter's resource control policy) from the library's
guardrails, attached to one target.

The document is chosen by `baseline` and sized before anything is declared: a policy over AWS's
limit stops the program with an error naming it. Exemptions name the exact roles of the target
account, so a member account's policy is attached to that account alone. The same policy keeps those
roles safe: nobody changes the deployment role; it creates the other exempt roles, and only they change themselves. Pulumi never deletes or
detaches a guardrail (`skip_destroy`, `protect`): lifting one is a deliberate act in the console.
"""

import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import NotRequired, TypedDict, TypeGuard, cast

import pulumi
import pulumi_aws as aws

from ..arguments import Arguments, refuse
from ..documented import documented
from .arns import ADMINISTRATOR_ACCESS, MANAGED_POLICY_ARN, ORGANIZATION_ID, ROLE_NAME
from .documents import guardrails, resource_controls
from .documents.guardrails import SCP_MAX_CHARACTERS, SCPS_PER_TARGET, scp_content, scp_size

STAND_IN_ACCOUNT = "000000000000"  # same length as every account id, so sizes are exact
GOOGLE_SUBJECT = re.compile(r"^[0-9]{21}$")
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", re.ASCII)
INHERITED_FULL_ACCESS = 1  # FullAWSAccess stays attached to every target and counts against the quota


class Baseline(str, Enum):
    """Which guardrails a target gets."""

    ORGANIZATION = "organization"
    """The organization root: nobody leaves, no root user, the organization trail stays on."""
    BACKUP = "backup"
    """The backup account: its vaults, buckets and every key."""
    BACKUP_PERIMETER = "backup-perimeter"
    """The backup account, a second SCP: no restore, copy out, shared scratch copy or write outside the organization."""
    LOG_ARCHIVE = "log-archive"
    """The log-archive account: its buckets and every key."""
    WORKLOAD = "workload"
    """A workload account: its backups and its protected keys."""
    SECURITY = "security"
    """The security account: its break-glass users and their group, taken over by nobody below break-glass."""
    ALERT_PATH = "alert-path"
    """A member account, a further SCP: nobody below break-glass silences its alarm forwarding (or, in the security account, the alarm hub)."""
    DATA_PERIMETER = "data-perimeter"
    """The organization root, a resource control policy: member accounts' buckets, keys and roles answer to the organization only."""
    WEB_IDENTITY_CONTROLS = "web-identity-controls"
    """A member account, a resource control policy: its roles answer to no web identity but the named Google subjects'."""


# A baseline's policy type; every other baseline is a service control policy.
POLICY_TYPES = {
    Baseline.DATA_PERIMETER: "RESOURCE_CONTROL_POLICY",
    Baseline.WEB_IDENTITY_CONTROLS: "RESOURCE_CONTROL_POLICY",
}
STAND_IN_SUBJECT = "1" * 21  # a Google subject id has 21 digits, so sizes are exact


class GuardrailPolicyArgs(TypedDict):
    """Arguments of GuardrailPolicy."""

    baseline: Baseline
    """Which guardrails: organization, backup, backup-perimeter, log-archive, workload, security, alert-path, data-perimeter or web-identity-controls."""
    target_id: pulumi.Input[str]
    """Root (r-...), organizational unit (ou-...) or account id the policy is attached to."""
    account_id: NotRequired[pulumi.Input[str] | None]
    """Member baselines: the account whose exempt roles the policy names."""
    deployment_role_name: NotRequired[str | None]
    """Member baselines: the role that deploys into that account; exempt from the setting guardrails, never changeable."""
    exempt_role_names: NotRequired[list[str] | None]
    """Member baselines: further roles allowed to configure (never destroy), e.g. break-glass; the deployment role creates them, only they change them."""
    exempt_role_policy_arns: NotRequired[list[str] | None]
    """Member baselines: managed policies the deployment role may attach to those roles (default AdministratorAccess, as BreakGlassAccess)."""
    trail_arn: NotRequired[str | None]
    """Organization baseline: ARN of the organization trail that nobody may stop or change."""
    minimum_vault_retention_days: NotRequired[int | None]
    """Backup and workload baselines: the weakest vault lock anyone may set, in days (default 7)."""
    organization_id: NotRequired[str | None]
    """Backup-perimeter and data-perimeter baselines: the organization (o-...) the data stays in."""
    break_glass_user_names: NotRequired[list[str] | None]
    """Security baseline: the break-glass users of the account (BreakGlassAccess's user_names)."""
    break_glass_group_name: NotRequired[str | None]
    """Security baseline: their group (`users_group_name` of the BreakGlassAccess component)."""
    allowed_regions: NotRequired[list[str] | None]
    """Organization baseline: the regions the stacks use; every other (us-east-1 aside) is denied but to global services."""
    alarm_prefix: NotRequired[str | None]
    """Alert-path baseline: the alarm hub's name, which prefixes every forwarding rule, the topic and the forwarding role."""
    alarm_hub: NotRequired[bool | None]
    """Alert-path baseline: the account holds the alarm hub (its bus is protected too)."""
    web_identity_subjects: NotRequired[list[pulumi.Input[str]] | None]
    """Web-identity-controls baseline: Google subject ids (accounts.google.com:sub) that may assume the account's roles, such as the transfer agent's."""


@documented
class GuardrailPolicy(pulumi.ComponentResource):
    """A guardrail SCP (or the data perimeter's RCP) and its attachment."""

    policy_id: pulumi.Output[str]
    """Id of the SCP (p-...)."""

    def __init__(self, name: str, args: GuardrailPolicyArgs, opts: pulumi.ResourceOptions | None = None):
        checked = Arguments("GuardrailPolicy", name, args, GuardrailPolicyArgs)
        args = checked.args
        build = _builder(checked)
        subjects = list(args.get("web_identity_subjects") or [])
        size = scp_size(build(STAND_IN_ACCOUNT, [STAND_IN_SUBJECT] * len(subjects)))
        if size > SCP_MAX_CHARACTERS:
            checked.refuse(
                "baseline",
                f"gives a service control policy of {size} characters, over AWS's limit of {SCP_MAX_CHARACTERS}; "
                "exempt fewer roles or split the policy",
            )
        super().__init__("hardened:index:GuardrailPolicy", name, None, opts)

        guarded = pulumi.ResourceOptions(parent=self, protect=True)
        content = pulumi.Output.all(args.get("account_id") or STAND_IN_ACCOUNT, *subjects).apply(
            lambda v: scp_content(build(v[0], v[1:]))
        )
        policy = aws.organizations.Policy(
            f"{name}-policy",
            name=name,
            description=f"hardened-accounts guardrails: {Baseline(args['baseline']).value}",
            type=POLICY_TYPES.get(Baseline(args["baseline"]), "SERVICE_CONTROL_POLICY"),
            content=content,
            skip_destroy=True,
            opts=guarded,
        )
        aws.organizations.PolicyAttachment(
            f"{name}-attachment", policy_id=policy.id, target_id=args["target_id"], skip_destroy=True, opts=guarded
        )
        self.policy_id = policy.id
        self.register_outputs({"policyId": self.policy_id})


def check_attachments_per_target(attachments: Iterable[str]) -> None:
    """Raise if any target would get more SCPs than AWS allows (FullAWSAccess included)."""
    counts: dict[str, int] = {}
    for target in attachments:
        counts[target] = counts.get(target, 0) + 1
    for target, count in counts.items():
        if count + INHERITED_FULL_ACCESS > SCPS_PER_TARGET:
            refuse(
                "GuardrailPolicy",
                target,
                "target_id",
                f"would carry {count} guardrail SCPs plus FullAWSAccess, over AWS's limit of {SCPS_PER_TARGET} per target",
            )


def _builder(checked: Arguments[GuardrailPolicyArgs]) -> Callable[[str, list[str]], dict]:
    """The document as a function of the account id (and web identity subjects), after checking the arguments its baseline needs."""
    args = checked.args
    try:
        baseline = Baseline(args.get("baseline"))
    except ValueError:
        allowed = ", ".join(b.value for b in Baseline)
        checked.refuse("baseline", f"must be one of {allowed} (got {args.get('baseline')!r})")
    if baseline == Baseline.ORGANIZATION:
        trail_arn = args.get("trail_arn")
        if not isinstance(trail_arn, str) or not trail_arn.startswith("arn:aws:cloudtrail:"):
            checked.refuse("trail_arn", f"must be the organization trail's ARN (got {trail_arn!r})")
        regions = args.get("allowed_regions")
        if regions is not None and (
            not isinstance(regions, list)
            or not regions
            or not all(isinstance(r, str) and REGION.fullmatch(r) for r in regions)
        ):
            checked.refuse("allowed_regions", f"must list AWS region names (got {regions!r})")
        return lambda _account, _subjects: guardrails.organization_guardrails(trail_arn, regions)
    if baseline == Baseline.WEB_IDENTITY_CONTROLS:
        subjects = args.get("web_identity_subjects") or []
        if not isinstance(subjects, list) or not all(
            isinstance(v, pulumi.Output) or (isinstance(v, str) and GOOGLE_SUBJECT.fullmatch(v)) for v in subjects
        ):
            checked.refuse("web_identity_subjects", f"must be Google subject ids, 21 digits each (got {subjects!r})")
        return lambda _account, resolved: resource_controls.web_identity_controls(resolved)
    if baseline in (Baseline.BACKUP_PERIMETER, Baseline.DATA_PERIMETER):
        organization_id = args.get("organization_id")
        if not isinstance(organization_id, str) or not ORGANIZATION_ID.fullmatch(organization_id):
            checked.refuse("organization_id", f"must be an organization id, o-... (got {organization_id!r})")
        if baseline == Baseline.DATA_PERIMETER:
            return lambda _account, _subjects: resource_controls.data_perimeter(organization_id)
    deployer = args.get("deployment_role_name")
    if not _is_role_name(deployer):
        checked.refuse("deployment_role_name", f"must name one role, without wildcards (got {deployer!r})")
    roles = list(args.get("exempt_role_names") or [])
    if not all(_is_role_name(r) for r in roles):
        checked.refuse("exempt_role_names", f"must be role names without wildcards (got {roles!r})")
    if args.get("account_id") is None:
        checked.refuse("account_id", "is required for member-account baselines")
    floor = args.get("minimum_vault_retention_days") or 7
    policies = args.get("exempt_role_policy_arns")
    policies = [ADMINISTRATOR_ACCESS] if policies is None else list(policies)
    if not policies or not all(isinstance(p, str) and MANAGED_POLICY_ARN.fullmatch(p) for p in policies):
        checked.refuse(
            "exempt_role_policy_arns", f"must be one or more managed policy ARNs without wildcards (got {policies!r})"
        )

    def role(account: str, role_name: str) -> str:
        return f"arn:aws:iam::{account}:role/{role_name}"

    def exempt(account: str) -> list[str]:
        return [role(account, r) for r in roles]

    if baseline == Baseline.ALERT_PATH:
        prefix = args.get("alarm_prefix")
        if not isinstance(prefix, str) or not re.fullmatch(r"[\w.-]{1,40}", prefix):
            checked.refuse("alarm_prefix", f"must be the alarm hub's name, 1 to 40 characters (got {prefix!r})")
        hub = bool(args.get("alarm_hub"))
        return lambda account, _subjects: guardrails.alert_path_guardrails(
            role(account, deployer), exempt(account), prefix, hub
        )
    if baseline == Baseline.SECURITY:
        users = args.get("break_glass_user_names")
        if not isinstance(users, list) or not users or not all(_is_role_name(u) for u in users):
            checked.refuse("break_glass_user_names", f"must name the break-glass users (got {users!r})")
        group = args.get("break_glass_group_name")
        if not _is_role_name(group):
            checked.refuse("break_glass_group_name", f"must name the break-glass users' group (got {group!r})")
        return lambda account, _subjects: guardrails.security_account_guardrails(
            role(account, deployer),
            exempt(account),
            [f"arn:aws:iam::{account}:user/{u}" for u in users],
            f"arn:aws:iam::{account}:group/{group}",
            policies,
        )
    if baseline == Baseline.BACKUP_PERIMETER:
        perimeter = cast(str, organization_id)  # checked a str above, for this baseline
        return lambda account, _subjects: guardrails.backup_perimeter_guardrails(
            role(account, deployer), exempt(account), perimeter
        )
    if baseline == Baseline.BACKUP:
        return lambda account, _subjects: guardrails.backup_account_guardrails(
            role(account, deployer), exempt(account), floor, policies
        )
    if baseline == Baseline.LOG_ARCHIVE:
        return lambda account, _subjects: guardrails.log_archive_guardrails(
            role(account, deployer), exempt(account), policies
        )
    return lambda account, _subjects: guardrails.workload_guardrails(
        role(account, deployer), exempt(account), floor, policies
    )


def _is_role_name(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(ROLE_NAME.fullmatch(value))
