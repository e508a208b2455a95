"""The organization stack, run against the management account: OUs, member accounts, guardrails, the trail,
MFA enforcement in every account, and break-glass access with its alarms.

Each new account gets its baseline in this same program: its provider assumes the role Organizations
creates in it and is pinned to the new account's id, both known only once the account exists.
Environment stacks then read the accounts from this stack's outputs (a stack reference).
"""

from collections.abc import Callable
from typing import cast

import pulumi
import pulumi_aws as aws
from second_vendor import organization_side
from stack_config import OrganizationStackConfig

from hardened.aws import (
    AlarmForwarder,
    AlarmHub,
    Baseline,
    BreakGlassAccess,
    BreakGlassAccessArgs,
    GuardrailPolicy,
    GuardrailPolicyArgs,
    MemberAccount,
    MfaEnforcement,
    OrganizationTrail,
    check_attachments_per_target,
    users_group_name,
)
from hardened.stack_contract import (
    AccountExportInputs,
    AccountsExportInputs,
    OrganizationExportsInputs,
    export_organization,
)

ORGANIZATIONAL_UNITS = ("Security", "Backup", "Workloads")
SIGN_IN_EVENTS_REGION = "us-east-1"  # where IAM and console sign-in events arrive


def _in_region(
    name: str,
    account_id: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    tags: dict,
    session: str | None = None,
    region: str = SIGN_IN_EVENTS_REGION,
) -> aws.Provider:
    """A provider `<name>-<region>` into an account, pinned to it (by default in us-east-1, where IAM and console
    sign-in events arrive)."""
    return aws.Provider(
        f"{name}-{region}",
        region=region,
        allowed_account_ids=[account_id],
        assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=role_arn, session_name=session or f"hardened-{name}")],
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
    )


def organization(stack: str, config: OrganizationStackConfig) -> None:
    management = config.management
    tags = {"hardened:stack": stack}
    provider = aws.Provider(
        f"{stack}-management",
        region=management.region,
        allowed_account_ids=[management.account_id],
        assume_roles=[
            aws.ProviderAssumeRoleArgs(role_arn=management.deployment_role_arn, session_name=f"hardened-{stack}")
        ],
        default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
    )
    in_management = pulumi.ResourceOptions(provider=provider)
    adopted_units = {str(unit): ou for unit, ou in config.organization.organizational_units.items()}
    units = {
        unit: aws.organizations.OrganizationalUnit(
            f"{stack}-{unit.lower()}",
            name=unit,
            parent_id=config.organization.root_id,
            # An existing unit is imported by its id (organization.organizationalUnits), never created.
            opts=pulumi.ResourceOptions(
                provider=provider,
                protect=True,
                retain_on_delete=True,
                import_=adopted_units.get(unit),
            ),
        )
        for unit in ORGANIZATIONAL_UNITS
    }

    def member(key: str, spec, unit: str) -> MemberAccount:
        return MemberAccount(
            f"{stack}-{key}",
            {
                "account_name": spec.name,
                "email": spec.email,
                "parent_id": units[unit].id,
                "role_name": config.member_role_name,
                "region": management.region,
                "tags": {**tags, "hardened:account": key},
                # An existing account (accountId in the config) is imported, never created.
                "account_id": spec.account_id,
            },
            opts=in_management,
        )

    backup = member("backup", config.accounts.backup, "Backup")
    # Non-production stacks' copies in an account of their own: no dev or staging pipeline deploys where prod's copies are.
    non_production_backup = (
        member("non-production-backup", config.accounts.non_production_backup, "Backup")
        if config.accounts.non_production_backup is not None
        else None
    )
    backups = {
        "backup": backup,
        **({"non-production-backup": non_production_backup} if non_production_backup is not None else {}),
    }
    log_archive = member("log-archive", config.accounts.log_archive, "Security")
    # The break-glass users' account, under an SCP that stops its deployer taking them over, and the alarm hub's.
    security = member("security", config.accounts.security, "Security")
    users_in_security = config.break_glass.users_account == "security"
    alarm_prefix = f"{stack}-alarms"
    break_glass_name = f"{stack}-break-glass"
    workloads = {env: member(f"workload-{env}", spec, "Workloads") for env, spec in config.accounts.workloads.items()}

    trail_arn = f"arn:aws:cloudtrail:{management.region}:{management.account_id}:trail/{config.trail.name}"
    guardrails: list[tuple[str, str, GuardrailPolicyArgs]] = [
        (
            f"{stack}-root-guardrails",
            "root",
            {
                "baseline": Baseline.ORGANIZATION,
                "target_id": config.organization.root_id,
                "trail_arn": trail_arn,
                # Only the regions the alarms watch (and us-east-1, where global events arrive) are usable.
                "allowed_regions": config.used_regions,
            },
        )
    ]

    def in_account(baseline: Baseline, account: MemberAccount) -> GuardrailPolicyArgs:
        """An account's guardrail: the SCP on that account alone, its deployer and break-glass named; each caller adds
        its baseline's own settings."""
        return {
            "baseline": baseline,
            "target_id": account.account_id,
            "account_id": account.account_id,
            "deployment_role_name": config.member_role_name,
            "exempt_role_names": [config.break_glass_role_name],
        }

    for key, account, baseline in [
        *((key, account, Baseline.BACKUP) for key, account in backups.items()),
        ("log-archive", log_archive, Baseline.LOG_ARCHIVE),
        *((f"workload-{env}", account, Baseline.WORKLOAD) for env, account in workloads.items()),
    ]:
        guardrails.append(
            (
                f"{stack}-{key}-guardrails",
                f"account {key}",
                {**in_account(baseline, account), "minimum_vault_retention_days": config.minimum_vault_retention_days},
            )
        )
    # Each backup account's second SCP: nothing restored, copied or written out of the organization below break-glass.
    for key, account in backups.items():
        guardrails.append(
            (
                f"{stack}-{key}-perimeter-guardrails",
                f"account {key}",
                {**in_account(Baseline.BACKUP_PERIMETER, account), "organization_id": config.organization.id},
            )
        )
    guardrails.append(
        (
            f"{stack}-security-guardrails",
            "account security",
            {
                **in_account(Baseline.SECURITY, security),
                "break_glass_user_names": config.break_glass.users,
                "break_glass_group_name": users_group_name(break_glass_name),
            },
        )
    )
    # Every member account's alarm forwarding (and the security account's hub) kept out of reach below break-glass.
    for key, account in [
        *((k, a) for k, a in backups.items()),
        ("log-archive", log_archive),
        ("security", security),
        *((f"workload-{env}", a) for env, a in workloads.items()),
    ]:
        guardrails.append(
            (
                f"{stack}-{key}-alert-path-guardrails",
                f"account {key}",
                {
                    **in_account(Baseline.ALERT_PATH, account),
                    "alarm_prefix": alarm_prefix,
                    "alarm_hub": key == "security",
                },
            )
        )
    # Checked before the first one is declared, so an over-quota target leaves nothing half-attached.
    check_attachments_per_target(target for _, target, _ in guardrails)
    for name, _, args in guardrails:
        GuardrailPolicy(name, args, opts=in_management)
    # Resource control policies, with a quota of their own (5 per target, RCPFullAWSAccess included).
    GuardrailPolicy(
        f"{stack}-data-perimeter",
        {
            "baseline": Baseline.DATA_PERIMETER,
            "target_id": config.organization.root_id,
            "organization_id": config.organization.id,
        },
        opts=in_management,
    )
    second_vendor = organization_side(stack, config.gcp) if config.gcp is not None else None
    # The backup accounts' roles answer to no web identity but the GCP backup project's transfer agent (none without GCP).
    for key, account in backups.items():
        GuardrailPolicy(
            f"{stack}-{key}-web-identity-controls",
            {
                "baseline": Baseline.WEB_IDENTITY_CONTROLS,
                "target_id": account.account_id,
                "web_identity_subjects": [second_vendor["transferAgentSubject"]] if second_vendor else [],
            },
            opts=in_management,
        )
    # The log-archive and security accounts' roles answer to no web identity at all.
    for key, account in [("log-archive", log_archive), ("security", security)]:
        GuardrailPolicy(
            f"{stack}-{key}-web-identity-controls",
            {
                "baseline": Baseline.WEB_IDENTITY_CONTROLS,
                "target_id": account.account_id,
                "web_identity_subjects": [],
            },
            opts=in_management,
        )

    def break_glass_role(account: MemberAccount) -> pulumi.Output[str]:
        return pulumi.Output.concat("arn:aws:iam::", account.account_id, ":role/", config.break_glass_role_name)

    members = {
        **backups,
        "log-archive": log_archive,
        "security": security,
        **{f"workload-{env}": account for env, account in workloads.items()},
    }
    # One password policy and MFA group per account; root credentials of member accounts managed centrally.
    MfaEnforcement(f"{stack}-management-mfa", {"centralize_root_access": True}, opts=in_management)
    for key, account in members.items():
        MfaEnforcement(f"{stack}-{key}-mfa", {}, opts=pulumi.ResourceOptions(provider=account.provider))
        # No bucket of the account can be made public, whatever its own settings (FSBP S3.1, CIS 2.1.4).
        aws.s3.AccountPublicAccessBlock(
            f"{stack}-{key}-public-access",
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=pulumi.ResourceOptions(provider=account.provider, protect=True, retain_on_delete=True),
        )
    users_account = security if users_in_security else None

    # IAM, Organizations and console sign-in events arrive in us-east-1: a provider there into every account.
    def account_tags(key: str) -> dict:
        return tags if key == "management" else {**tags, "hardened:account": key}

    in_us_east_1 = {
        "management": _in_region(
            f"{stack}-management",
            management.account_id,
            management.deployment_role_arn,
            tags,
            session=f"hardened-{stack}",
        ),
        **{
            key: _in_region(f"{stack}-{key}", a.account_id, a.deployment_role_arn, account_tags(key))
            for key, a in members.items()
        },
    }
    sign_in_events = in_us_east_1["security"] if users_account else in_us_east_1["management"]
    # The trail's log group, known only once the trail (which waits for the break-glass roles) is declared: the
    # break-glass metric filter reads it, so it must wait for the group (CloudWatch Logs refuses a filter on a
    # group that does not exist yet).
    trail_log_group: pulumi.Output[str]
    resolve_trail_log_group: Callable[[pulumi.Output[str]], None]
    trail_log_group, resolve_trail_log_group = pulumi.deferred_output()
    try:
        break_glass_args: BreakGlassAccessArgs = {
            "account_id": users_account.account_id if users_account else management.account_id,
            "organization_id": config.organization.id,
            "user_names": config.break_glass.users,
            "role_name": config.break_glass_role_name,
            # No role in the management account unless asked for: no SCP binds it, and it could detach every guardrail.
            "accounts": {
                **({"management": provider} if config.break_glass.management_role else {}),
                **{key: account.provider for key, account in members.items()},
            },
            "sign_in_events_provider": sign_in_events,
            "subscribers": [{"protocol": s.protocol, "endpoint": s.endpoint} for s in config.break_glass.subscribers],
            "administrator_arns": [management.deployment_role_arn],
            "trail_log_group_name": trail_log_group if config.trail.events_log_retention_days else None,
            "max_mfa_age_seconds": config.break_glass.max_mfa_age_seconds,
        }
        if users_account:
            break_glass_args["users_provider"] = users_account.provider
            break_glass_args["users_administrator_arns"] = [users_account.deployment_role_arn]
        break_glass = BreakGlassAccess(break_glass_name, break_glass_args, opts=in_management)
        trail = OrganizationTrail(
            f"{stack}-trail",
            {
                "trail_name": config.trail.name,
                "management_account_id": management.account_id,
                "region": management.region,
                "log_archive_provider": log_archive.provider,
                "log_archive_administrator_arns": [log_archive.deployment_role_arn],
                "retention_days": config.trail.retention_days,
                "retention_mode": config.trail.retention_mode,
                # The role's own output, not a name built by hand: KMS and S3 refuse a policy naming a principal that does
                # not exist yet, so the trail's key and bucket wait for the role.
                "break_glass_arns": [break_glass.role_arns.apply(lambda roles: roles["log-archive"])],
                "organization_id": config.organization.id,
                "events_log_retention_days": config.trail.events_log_retention_days,
            },
            opts=in_management,
        )
    except BaseException:
        # A deferred output left unresolved keeps the program waiting for ever: resolve it, so the error surfaces.
        resolve_trail_log_group(pulumi.Output.from_input(""))
        raise
    # A name whenever it is read: the trail has the group exactly when events_log_retention_days is set.
    resolve_trail_log_group(cast(pulumi.Output[str], trail.events_log_group_name))

    # Every move against the backups, from every account and every region used, to the hub in the security account.
    alarms = AlarmHub(
        alarm_prefix,
        {
            "organization_id": config.organization.id,
            "subscribers": [
                {"protocol": s.protocol, "endpoint": s.endpoint}
                for s in (config.alarms.subscribers if config.alarms else config.break_glass.subscribers)
            ],
            "administrator_arns": [security.deployment_role_arn],
            "break_glass_arns": [break_glass.role_arns.apply(lambda roles: roles["security"])],
        },
        opts=pulumi.ResourceOptions(provider=security.provider),
    )

    def regional_providers(key: str, account_provider: aws.Provider, account_id, role_arn) -> dict[str, aws.Provider]:
        providers = {management.region: account_provider, SIGN_IN_EVENTS_REGION: in_us_east_1[key]}
        for region in config.used_regions[1:]:
            if region != SIGN_IN_EVENTS_REGION:
                providers[region] = _in_region(
                    f"{stack}-{key}",
                    account_id,
                    role_arn,
                    account_tags(key),
                    session=f"hardened-{stack}",
                    region=region,
                )
        return providers

    watched: dict[str, tuple[aws.Provider, pulumi.Input[str], pulumi.Input[str]]] = {
        "management": (provider, management.account_id, management.deployment_role_arn),
        **{key: (a.provider, a.account_id, a.deployment_role_arn) for key, a in members.items()},
    }
    for key, (account_provider, account_id, role_arn) in watched.items():
        AlarmForwarder(
            f"{stack}-{key}-alarms",
            {
                "account_id": account_id,
                "providers": regional_providers(key, account_provider, account_id, role_arn),
                "bus_arn": alarms.bus_arn,
                "prefix": alarm_prefix,
                "break_glass_role_name": config.break_glass_role_name,
                "break_glass_user_names": config.break_glass.users,
            },
            opts=in_management,
        )

    # Copies into the backup account need cross-account backup switched on for the whole organization.
    aws.backup.GlobalSettings(
        f"{stack}-cross-account-backup", global_settings={"isCrossAccountBackupEnabled": "true"}, opts=in_management
    )

    def described(account: MemberAccount) -> AccountExportInputs:
        return {
            "accountId": account.account_id,
            "deploymentRoleArn": account.deployment_role_arn,
            "breakGlassRoleArn": break_glass_role(account),
        }

    accounts: AccountsExportInputs = {
        "backup": described(backup),
        "logArchive": described(log_archive),
        "security": described(security),
        "workloads": {env: described(account) for env, account in workloads.items()},
    }
    if non_production_backup is not None:
        accounts["nonProductionBackup"] = described(non_production_backup)
    exports: OrganizationExportsInputs = {
        "organizationId": config.organization.id,
        "region": management.region,
        "accounts": accounts,
        "breakGlass": {
            "usersAccount": users_account.account_id if users_account else management.account_id,
            "userArns": break_glass.user_arns,
            "roleArns": break_glass.role_arns,
            "maxMfaAgeSeconds": config.break_glass.max_mfa_age_seconds,
            "maxSessionSeconds": 3600,
            "alertTopicArns": break_glass.alert_topic_arns,
            "subscribers": [f"{s.protocol}:{s.endpoint}" for s in config.break_glass.subscribers],
        },
        "alarms": {
            "busArn": alarms.bus_arn,
            "topicArn": alarms.topic_arn,
            "prefix": alarm_prefix,
            "regions": config.used_regions,
        },
        "trailArn": trail.trail_arn,
        "logBucket": trail.bucket_name,
    }
    if second_vendor is not None:
        exports["gcp"] = second_vendor
    # What environment stacks read through their stack reference: checked against the contract as it is exported.
    export_organization(exports)
