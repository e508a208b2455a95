"""Cross-stack rules: an environment stack's config against the organization stack's, before anything is declared.

The organization stack's SCPs and settings bound what an environment may ask for; the mocks accept anything, so a
value the organization refuses would only fail in `pulumi up`. When `organizationStack` names a stack of this
project (`stacks/Pulumi.<name>.yaml`), its file is read and validated here and every rule below runs on the pair.
A fully qualified `<org>/<project>/<stack>` of another project cannot be read offline; the environment program
still checks what the stack reference returns (regions, accounts) when it resolves.

Each rule is named; its failure names the environment stack file, the key and what the organization allows.
"""

import re
from collections.abc import Callable
from pathlib import Path

from stack_config import EnvironmentStackConfig, OrganizationStackConfig

from hardened.config import validate_config
from hardened.errors import StackConfigError
from hardened_tools.plan.project import PlanInputError, find_project, load_stack_file

STACKS = Path(__file__).parent

Rule = Callable[[EnvironmentStackConfig, OrganizationStackConfig], list[tuple[str, str]]]


def vault_lock_above_scp_floor(env: EnvironmentStackConfig, org: OrganizationStackConfig) -> list[tuple[str, str]]:
    """The SCP DenyWeakerVaultLocks refuses every vault lock below the organization's minimumVaultRetentionDays."""
    floor = org.minimum_vault_retention_days
    if env.vault.min_retention_days < floor:
        return [
            (
                "vault.minRetentionDays",
                f"is {env.vault.min_retention_days} days, below the organization's minimumVaultRetentionDays of "
                f"{floor}, which its SCP DenyWeakerVaultLocks enforces on every vault lock: give at least {floor}",
            )
        ]
    return []


def unwatched_regions(env: EnvironmentStackConfig, regions: list[str]) -> list[tuple[str, str]]:
    """The stack's region keys whose region is not among `regions`, with the problem (also run on the stack
    reference's output, for an organization stack of another project)."""
    keys = {"region": env.region, "backups.secondRegion": env.backups.second_region}
    return [
        (
            key,
            f"is {region}, not among the organization's regions ({', '.join(regions)}): its root SCP denies it and no alarm "
            "watches it; add it to regions there",
        )
        for key, region in keys.items()
        if region not in regions
    ]


def regions_watched(env: EnvironmentStackConfig, org: OrganizationStackConfig) -> list[tuple[str, str]]:
    """The root SCP denies every region outside the organization's regions (and us-east-1); no alarm watches them."""
    return unwatched_regions(env, org.used_regions)


def workloads_exist(env: EnvironmentStackConfig, org: OrganizationStackConfig, stack: str) -> list[tuple[str, str]]:
    """Every workload the stack deploys is an account of the organization."""
    known = sorted(org.accounts.workloads)
    key = "workloads" if env.workloads else "environment"
    wanted = env.workloads or [env.environment or stack]
    return [
        (key, f"names {name!r}, which the organization stack has no workload account for (it has: {', '.join(known)})")
        for name in wanted
        if name not in known
    ]


def backup_account_exists(env: EnvironmentStackConfig, org: OrganizationStackConfig) -> list[tuple[str, str]]:
    """backupAccount: nonProductionBackup needs the organization's accounts.nonProductionBackup."""
    if env.backup_account == "nonProductionBackup" and org.accounts.non_production_backup is None:
        return [
            ("backupAccount", "is nonProductionBackup, but the organization stack has no accounts.nonProductionBackup")
        ]
    return []


def gcp_copy_allowed(env: EnvironmentStackConfig, org: OrganizationStackConfig) -> list[tuple[str, str]]:
    """A GCP copy needs the organization's backup project, with a retention and a location its folder's policy allows."""
    if env.gcp is None:
        return []
    if org.gcp is None:
        return [("gcp", "keeps a copy at GCP, but the organization stack has no gcp backup project; add gcp there")]
    problems = []
    allowed = org.gcp.bucket_retention_days
    if env.gcp.retention_days not in allowed:
        problems.append(
            (
                "gcp.retentionDays",
                f"is {env.gcp.retention_days}, but the backup folder's storage.retentionPolicySeconds "
                f"allows only {', '.join(map(str, allowed))} days (the organization's gcp.bucketRetentionDays)",
            )
        )
    if location_allowed(env.gcp.location, org.gcp.allowed_locations) is False:
        problems.append(
            (
                "gcp.location",
                f"is {env.gcp.location}, but the backup folder's gcp.resourceLocations allows only "
                f"{', '.join(org.gcp.allowed_locations)} (the organization's gcp.allowedLocations)",
            )
        )
    return problems


# Value groups of gcp.resourceLocations this rule can expand ("Restricting resource locations": `in:<location>-locations`
# holds that location and what lies within it; `in:us-locations` every location in the United States). Any other group
# (in:eu-locations, in:europe-locations, ...) is left to GCP: the rule then cannot refuse.
US_LOCATIONS = re.compile(r"^(us|nam4|us-[a-z]+[0-9]+(-[a-z])?)$")


def location_allowed(location: str, allowed: list[str]) -> bool | None:
    """True when one of `allowed` admits the Cloud Storage `location`, False when none can, None when a value group
    this rule does not expand might."""
    location = location.lower()
    unknown = False
    for entry in allowed:
        entry = entry.lower()
        if entry == location:
            return True
        group = re.fullmatch(r"in:([a-z0-9-]+)-locations", entry)
        if not group:
            continue
        name = group.group(1)
        if name == "us":
            if US_LOCATIONS.fullmatch(location):
                return True
        elif location == name or location.startswith(name + "-") and re.fullmatch(r"[a-z]+-[a-z]+[0-9]+", name):
            return True
        elif not re.fullmatch(r"[a-z]+-[a-z]+[0-9]+", name):
            unknown = True  # a multi-region, country or continent group this rule does not expand
    return None if unknown else False


RULES: dict[str, Callable] = {
    "vault-lock-above-scp-floor": vault_lock_above_scp_floor,
    "regions-watched": regions_watched,
    "workloads-exist": workloads_exist,
    "backup-account-exists": backup_account_exists,
    "gcp-copy-allowed": gcp_copy_allowed,
}


def organization_config(env: EnvironmentStackConfig, source: str) -> tuple[OrganizationStackConfig, str] | None:
    """The organization stack's validated config and file, when `organizationStack` names a stack of this project."""
    name = env.organization_stack
    if "/" in name:
        return None
    project = find_project(STACKS)
    org_source = project.relative(project.stack_file(name))
    try:
        values, _ = load_stack_file(project, name)
    except PlanInputError as error:
        raise StackConfigError(
            f"{source}: key '{project.name}:organizationStack' names {name!r}, which cannot be read: {error}"
        ) from None
    kind = values.get(f"{project.name}:kind")
    if kind != "organization":
        raise StackConfigError(
            f"{source}: key '{project.name}:organizationStack' names {name!r}, whose kind is {kind!r}: it must name the organization stack"
        )
    return validate_config(OrganizationStackConfig, values, namespace=project.name, source=org_source), org_source


def check_against_organization(stack: str, env: EnvironmentStackConfig, source: str, namespace: str) -> None:
    """Run every rule; one StackConfigError naming the file and each key that breaks one."""
    found = organization_config(env, source)
    if found is None:
        return
    org, org_source = found
    problems = []
    for name, rule in RULES.items():
        results = rule(env, org, stack) if rule is workloads_exist else rule(env, org)
        problems += [f"key '{namespace}:{key}' {text} [{name}, against {org_source}]." for key, text in results]
    if problems:
        raise StackConfigError(f"{source}: config disagrees with the organization stack. " + " ".join(problems))
