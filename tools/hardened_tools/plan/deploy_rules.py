"""What AWS and the providers would refuse at `pulumi up`, checked on the offline plan: the deploy-readiness rules.

The mock runtime accepts any input, so a plan can show resources that a real deploy would fail to create, or create
in an order that races. Each rule here reads the plan document (`hardened_tools.plan.build_plan`) and returns what a real
deploy would refuse, naming the resource; `hardened plan` refuses to print a plan that breaks one (exit 2), and the
deploy-readiness test runs every rule on every shipped stack. The config-level rules that need the organization
stack's file live in `stacks/cross_stack.py`; the stack schema (`stacks/stack_config.py`) refuses bad values earlier
still. Sources are cited per rule; where the provider validates, its schema is the source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hardened import constraints
from hardened.aws.air_gapped_vault import VAULT_NAME
from hardened.aws.member_account import EMAIL as ACCOUNT_EMAIL
from hardened.aws.retention import schedule_problem
from hardened.errors import HardenedError
from hardened.gcp.documents.service_agents import SERVICE_AGENT, storage_agent, transfer_agent

Resource = Mapping[str, Any]

AWS_REGIONS = frozenset(constraints.AWS_REGIONS)

BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
RESTORE_TESTING_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
ACCOUNT = "aws:organizations/account:Account"
AWS_PROVIDER = "pulumi:providers:aws"

# AWS Backup, Lifecycle: "Backups transitioned to cold storage must be stored in cold storage for a minimum of 90 days."
COLD_STORAGE_MINIMUM_DAYS = 90
# terraform-provider-aws internal/service/backup/vault.go: 2 to 50 of [a-zA-Z0-9-_], as AirGappedVault checks it.
BACKUP_VAULT_NAME = VAULT_NAME
# AWS Backup API, CreateBackupPlan: BackupPlanName up to 50 alphanumeric characters, hyphens, underscores and dots.
BACKUP_PLAN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
# AWS Backup API, CreateRestoreTestingPlan: RestoreTestingPlanName up to 50 alphanumeric characters and underscores.
RESTORE_TESTING_PLAN_NAME = re.compile(r"^[A-Za-z0-9_]{1,50}$")
# IAM quotas and terraform-provider-aws internal/service/iam (roleNameMaxLen 64, validResourceName): role and user
# names 1-64, managed and inline policy names 1-128, of letters, digits and + = , . @ _ -; paths /a/b/, at most 512.
IAM_NAME_CHARACTERS = re.compile(r"^[\w+=,.@-]+$", re.ASCII)
IAM_NAME_LIMITS = {
    "aws:iam/role:Role": 64,
    "aws:iam/user:User": 64,
    "aws:iam/group:Group": 128,
    "aws:iam/policy:Policy": 128,
    "aws:iam/rolePolicy:RolePolicy": 128,
    "aws:iam/userPolicy:UserPolicy": 128,
    "aws:iam/groupPolicy:GroupPolicy": 128,
}
IAM_PATH = re.compile(r"^/(?:[\x21-\x7e]+/)*$")
IAM_PATH_LIMIT = 512
# pulumi-aws autonames a bucket `lower(<resource name>)-<7 hex>` within 63 characters (AutoNameTransform("bucket", 63)).
AUTONAME_SUFFIX = 8
# Organizations API, CreateAccount: Email 6 to 64 characters, of the shape MemberAccount checks.
ACCOUNT_EMAIL_LENGTH = (6, 64)


@dataclass(frozen=True)
class DeployProblem:
    """One thing a real deploy would refuse."""

    rule: str
    urn: str
    name: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.name}: {self.message}"


@dataclass(frozen=True)
class DeployRule:
    """A named rule over the whole plan: `check` yields (resource, problem) pairs."""

    name: str
    description: str
    source: str
    check: Callable[[list[Resource]], Iterable[tuple[Resource, str]]]


# --- names the APIs refuse ------------------------------------------------------------------------------------------


def s3_bucket_name_problem(name: str) -> str | None:
    """Why `name` is not a valid S3 general purpose bucket name, or None."""
    if not 3 <= len(name) <= 63:
        return f"is {len(name)} characters; bucket names are 3 to 63"
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name):
        return (
            "may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit"
        )
    if ".." in name:
        return "has two adjacent dots"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return "is formatted as an IP address"
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"begins with the reserved prefix {prefix}"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"ends with the reserved suffix {suffix}"
    return None


def _s3_bucket_names(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    for r in _of(resources, *S3_BUCKETS):
        given = r["inputs"].get("bucket")
        if isinstance(given, str) and not _computed(r, "bucket"):
            problem = s3_bucket_name_problem(given)
            if problem:
                yield r, f"bucket {given!r} {problem}"
        elif given is None and not r["inputs"].get("bucketPrefix"):
            # Autonamed: the resource name, lowercased, plus '-' and 7 random hex digits.
            generated = r["name"].lower() + "-" + "0" * (AUTONAME_SUFFIX - 1)
            problem = s3_bucket_name_problem(generated)
            if problem:
                yield (
                    r,
                    f"the generated bucket name {r['name'].lower()}-<7 hex> {problem}; shorten the resource name or give bucketName",
                )


def _iam_names(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    for r in _of(resources, *IAM_NAME_LIMITS):
        limit, inputs = IAM_NAME_LIMITS[r["type"]], r["inputs"]
        name = inputs.get("name")
        if isinstance(name, str) and not _computed(r, "name"):
            if not 1 <= len(name) <= limit:
                yield r, f"name {name!r} is {len(name)} characters; IAM allows 1 to {limit}"
            elif not IAM_NAME_CHARACTERS.fullmatch(name):
                yield r, f"name {name!r} may hold only letters, digits and + = , . @ _ -"
        path = inputs.get("path")
        if isinstance(path, str) and not (IAM_PATH.fullmatch(path) and len(path) <= IAM_PATH_LIMIT):
            yield r, f"path {path!r} must begin and end with / and be at most {IAM_PATH_LIMIT} characters"
        duration = inputs.get("maxSessionDuration")
        if isinstance(duration, int) and not 3600 <= duration <= 43200:
            yield r, f"maxSessionDuration {duration} is outside IAM's 3600 to 43200 seconds"


def _backup_names(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    patterns = {
        BACKUP_VAULT: (BACKUP_VAULT_NAME, "2 to 50 letters, digits, hyphens and underscores"),
        AIR_GAPPED_VAULT: (BACKUP_VAULT_NAME, "2 to 50 letters, digits, hyphens and underscores"),
        BACKUP_PLAN: (BACKUP_PLAN_NAME, "1 to 50 letters, digits, hyphens, underscores and dots"),
        RESTORE_TESTING_PLAN: (RESTORE_TESTING_PLAN_NAME, "1 to 50 letters, digits and underscores"),
    }
    for r in _of(resources, *patterns):
        pattern, allowed = patterns[r["type"]]
        name = r["inputs"].get("name")
        if isinstance(name, str) and not _computed(r, "name") and not pattern.fullmatch(name):
            yield r, f"name {name!r} must be {allowed}"


def _account_emails(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    seen: dict[str, str] = {}
    for r in _of(resources, ACCOUNT):
        email = r["inputs"].get("email")
        if not isinstance(email, str) or _computed(r, "email"):
            continue
        low, high = ACCOUNT_EMAIL_LENGTH
        if not (low <= len(email) <= high and ACCOUNT_EMAIL.fullmatch(email)):
            yield r, f"email {email!r} is not an address of 6 to 64 characters"
        key = email.lower()
        if key in seen:
            yield r, f"email {email} is already the email of {seen[key]}: every AWS account needs its own"
        seen.setdefault(key, r["name"])


def _regions(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    for r in _of(resources, AWS_PROVIDER):
        region = r["inputs"].get("region")
        if isinstance(region, str) and region not in AWS_REGIONS:
            yield r, f"region {region!r} is not an AWS region the provider knows"


# --- schedules ------------------------------------------------------------------------------------------------------


def _schedules(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    for r in _of(resources, BACKUP_PLAN):
        for index, rule in enumerate(_list(r["inputs"].get("rules"))):
            schedule = rule.get("schedule") if isinstance(rule, Mapping) else None
            if isinstance(schedule, str) and (problem := schedule_problem(schedule, rate=False)):
                yield r, f"rules[{index}].schedule {schedule!r} {problem}"
    for r in _of(resources, EVENT_RULE, RESTORE_TESTING_PLAN):
        expression = r["inputs"].get("scheduleExpression")
        if isinstance(expression, str) and (problem := schedule_problem(expression, rate=r["type"] == EVENT_RULE)):
            yield r, f"scheduleExpression {expression!r} {problem}"


# --- retention ------------------------------------------------------------------------------------------------------


def lifecycle_problem(lifecycle: object) -> str | None:
    """Why an AWS Backup lifecycle would be refused, or None: cold storage needs 90 days before deletion."""
    if not isinstance(lifecycle, Mapping):
        return None
    cold, delete = lifecycle.get("coldStorageAfter"), lifecycle.get("deleteAfter")
    if isinstance(cold, int) and isinstance(delete, int) and delete < cold + COLD_STORAGE_MINIMUM_DAYS:
        return (
            f"deleteAfter {delete} is less than coldStorageAfter {cold} plus the {COLD_STORAGE_MINIMUM_DAYS} days "
            f"a recovery point must stay in cold storage: give at least {cold + COLD_STORAGE_MINIMUM_DAYS}"
        )
    return None


def _cold_storage(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    for r, where, lifecycle, _ in _lifecycles(resources):
        if problem := lifecycle_problem(lifecycle):
            yield r, f"{where}: {problem}"


def _within_vault_locks(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    bounds = _vault_bounds(resources)
    for r, where, lifecycle, vault in _lifecycles(resources):
        found = bounds.get(vault) if vault else None
        if found is None:
            continue
        low, high, what = found
        delete = lifecycle.get("deleteAfter") if isinstance(lifecycle, Mapping) else None
        if not isinstance(delete, int):
            if high is not None:
                yield (
                    r,
                    f"{where} keeps recovery points forever, but {what} allows at most {high} days: the job would fail",
                )
            continue
        if low is not None and delete < low:
            yield r, f"{where} deletes after {delete} days, below the {low} days {what} requires: the job would fail"
        if high is not None and delete > high:
            yield r, f"{where} deletes after {delete} days, above the {high} days {what} allows: the job would fail"


def _lifecycles(resources: list[Resource]) -> Iterable[tuple[Resource, str, object, tuple | None]]:
    """Every (plan, where, lifecycle, destination vault key) of the backup plans: the rule's own and its copies'."""
    for r in _of(resources, BACKUP_PLAN):
        lands = r.get("lands_in") or {}
        for index, rule in enumerate(_list(r["inputs"].get("rules"))):
            if not isinstance(rule, Mapping):
                continue
            target = rule.get("targetVaultName")
            own = (lands.get("account"), lands.get("region"), target) if isinstance(target, str) else None
            yield r, f"rules[{index}] ({rule.get('ruleName')}) into {target}", rule.get("lifecycle"), own
            for copy_index, copy in enumerate(_list(rule.get("copyActions"))):
                if not isinstance(copy, Mapping):
                    continue
                destination = _vault_key(copy.get("destinationVaultArn"))
                name = destination[2] if destination else copy.get("destinationVaultArn")
                yield r, f"rules[{index}].copyActions[{copy_index}] to {name}", copy.get("lifecycle"), destination


def _vault_key(arn: object) -> tuple[str, str, str] | None:
    match = (
        re.fullmatch(r"arn:aws[\w-]*:backup:([a-z0-9-]+):(\d{12}):backup-vault:(.+)", arn)
        if isinstance(arn, str)
        else None
    )
    return (match.group(2), match.group(1), match.group(3)) if match else None


def _vault_bounds(resources: list[Resource]) -> dict[tuple, tuple[int | None, int | None, str]]:
    """(account, region, vault name) -> (min days, max days, what sets them), for the locks and air-gapped vaults."""
    bounds = {}
    for r in _of(resources, VAULT_LOCK, AIR_GAPPED_VAULT):
        lands, inputs = r.get("lands_in") or {}, r["inputs"]
        name = inputs.get("backupVaultName") if r["type"] == VAULT_LOCK else inputs.get("name")
        low, high = inputs.get("minRetentionDays"), inputs.get("maxRetentionDays")
        what = f"the vault lock {r['name']}" if r["type"] == VAULT_LOCK else f"the air-gapped vault {r['name']}"
        if isinstance(name, str):
            bounds[(lands.get("account"), lands.get("region"), name)] = (
                low if isinstance(low, int) else None,
                high if isinstance(high, int) else None,
                what,
            )
    return bounds


# --- ordering -------------------------------------------------------------------------------------------------------


def _filters_wait_for_log_groups(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    by_urn = {r["urn"]: r for r in resources}
    groups = {(_where(r), r["inputs"].get("name")): r for r in _of(resources, LOG_GROUP)}
    for r in _of(resources, METRIC_FILTER):
        group = groups.get((_where(r), r["inputs"].get("logGroupName")))
        if group is not None and group["urn"] not in _waits_for(r, by_urn):
            yield (
                r,
                (
                    f"names log group {group['inputs'].get('name')} ({group['name']}) but does not wait for it: "
                    "on the first deploy PutMetricFilter races CreateLogGroup and fails with ResourceNotFoundException"
                ),
            )


def _waits_for(resource: Resource, by_urn: Mapping[str, Resource]) -> set[str]:
    """Every URN `resource` waits for, directly or through what it waits for (its parents' waits are not inherited)."""
    seen: set[str] = set()
    todo = list(resource.get("depends_on") or [])
    while todo:
        urn = todo.pop()
        if urn in seen:
            continue
        seen.add(urn)
        todo += list((by_urn.get(urn) or {}).get("depends_on") or [])
    return seen


# --- GCP -----------------------------------------------------------------------------------------------------------

GCP_SERVICE = "gcp:projects/service:Service"
GCP_PROJECT = "gcp:organizations/project:Project"
GCP_ORG_POLICY = "gcp:orgpolicy/policy:Policy"
GCP_ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
GCP_LOG_METRIC = "gcp:logging/metric:Metric"
# The API each resource module needs enabled in its project ("Enabling an API in your Google Cloud project": a call to
# a disabled API fails with SERVICE_DISABLED). The transfer job alone needs storagetransfer.
GCP_APIS = {
    "gcp:kms/": "cloudkms.googleapis.com",
    "gcp:storage/transferJob:": "storagetransfer.googleapis.com",
    "gcp:storage/": "storage.googleapis.com",
    "gcp:logging/": "logging.googleapis.com",
    "gcp:monitoring/": "monitoring.googleapis.com",
    "gcp:privilegedaccessmanager/": "privilegedaccessmanager.googleapis.com",
    "gcp:backupdisasterrecovery/": "backupdr.googleapis.com",
}
# The agents the environment stacks grant to in the backup project, by the API that brings them (their formats and
# the pattern of a Google service agent are documents/service_agents.py's).
AGENTS_OF_APIS = {"storage.googleapis.com": storage_agent, "storagetransfer.googleapis.com": transfer_agent}
LEGACY_DOMAINS = "iam.allowedPolicyMemberDomains"
MANAGED_MEMBERS = "iam.managed.allowedPolicyMembers"


def _gcp_project_of(resource: Resource) -> str | None:
    project = resource["inputs"].get("project") or (resource.get("lands_in") or {}).get("project")
    return project if isinstance(project, str) else None


def _api_of(resource_type: str) -> str | None:
    return next((api for prefix, api in GCP_APIS.items() if resource_type.startswith(prefix)), None)


def _apis_enabled_first(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    by_urn = {r["urn"]: r for r in resources}
    services = {(r["inputs"].get("project"), r["inputs"].get("service")): r for r in _of(resources, GCP_SERVICE)}
    for r in resources:
        api = _api_of(r.get("type", ""))
        service = services.get((_gcp_project_of(r), api)) if api else None
        if service is not None and not r.get("read") and service["urn"] not in _waits_for(r, by_urn):
            yield (
                r,
                (
                    f"needs {api}, which {service['name']} enables in {_gcp_project_of(r)}, but does not wait for it: "
                    "on a new project the call fails with SERVICE_DISABLED"
                ),
            )


def _alert_filters_typed(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    by_urn = {r["urn"]: r for r in resources}
    metrics = {(r["inputs"].get("project"), r["inputs"].get("name")): r for r in _of(resources, GCP_LOG_METRIC)}
    for r in _of(resources, GCP_ALERT_POLICY):
        for index, condition in enumerate(_list(r["inputs"].get("conditions"))):
            threshold = condition.get("conditionThreshold") if isinstance(condition, Mapping) else None
            query = threshold.get("filter") if isinstance(threshold, Mapping) else None
            if not isinstance(query, str):
                continue
            found = re.search(r'metric\.type="logging\.googleapis\.com/user/([^"]+)"', query)
            if not found:
                continue
            if "resource.type" not in query:
                yield (
                    r,
                    (
                        f"conditions[{index}] filters on the log-based metric {found.group(1)} without a resource.type: "
                        "Cloud Monitoring refuses such a filter"
                    ),
                )
            metric = metrics.get((r["inputs"].get("project"), found.group(1)))
            if metric is not None and metric["urn"] not in _waits_for(r, by_urn):
                yield (
                    r,
                    f"conditions[{index}] reads the log-based metric {found.group(1)} but does not wait for {metric['name']}",
                )


def _effective_policy(
    policies: Mapping[str, Resource], constraint: str, project_number: str, folder: str
) -> Resource | None:
    """The organization policy in force for `constraint` in the project: its own, unless it inherits, else its folder's."""
    own = policies.get(f"projects/{project_number}/policies/{constraint}")
    if own is not None and not (own["inputs"].get("spec") or {}).get("inheritFromParent"):
        return own
    return policies.get(f"folders/{folder}/policies/{constraint}")


def _service_agents_allowed(resources: list[Resource]) -> Iterable[tuple[Resource, str]]:
    policies = {
        r["inputs"].get("name"): r for r in _of(resources, GCP_ORG_POLICY) if isinstance(r["inputs"].get("name"), str)
    }
    if not policies:
        return
    enabled = {(r["inputs"].get("project"), r["inputs"].get("service")) for r in _of(resources, GCP_SERVICE)}
    grants = [
        r
        for r in resources
        if r.get("type", "").startswith("gcp:") and r.get("type", "").endswith(("IAMMember:IAMMember", "IAMMember"))
    ]
    for project in _of(resources, GCP_PROJECT):
        project_id, number = project["inputs"].get("projectId"), (project.get("outputs") or {}).get("number")
        folder = str(project["inputs"].get("folderId") or "").removeprefix("folders/")
        if not isinstance(project_id, str) or not isinstance(number, str):
            continue
        members = [(g["inputs"].get("member"), g) for g in grants if _gcp_project_of(g) == project_id]
        members += [(agent(number), project) for api, agent in AGENTS_OF_APIS.items() if (project_id, api) in enabled]
        legacy = _effective_policy(policies, LEGACY_DOMAINS, number, folder)
        managed = _effective_policy(policies, MANAGED_MEMBERS, number, folder)
        agents = sorted(
            ((m, w) for m, w in members if isinstance(m, str) and SERVICE_AGENT.fullmatch(m)), key=lambda p: p[0]
        )
        for member, where in agents:
            granted = "granted here" if where is not project else "granted by the environment stacks"
            if legacy is not None and not _allows_all(legacy):
                yield (
                    where,
                    (
                        f"{member} ({granted}) is refused in {project_id}: {legacy['name']} allows only its customers, "
                        "and no service agent belongs to one; lift it in the project for the managed constraint"
                    ),
                )
            if managed is not None and member.lower() not in _allowed_subjects(managed):
                yield (
                    where,
                    f"{member} ({granted}) is not among the allowedMemberSubjects of {managed['name']}: its grant is refused",
                )


def _allows_all(policy: Resource) -> bool:
    rules = (policy["inputs"].get("spec") or {}).get("rules") or []
    return any(isinstance(rule, Mapping) and str(rule.get("allowAll")).upper() == "TRUE" for rule in rules)


def _allowed_subjects(policy: Resource) -> set[str]:
    subjects: set[str] = set()
    for rule in (policy["inputs"].get("spec") or {}).get("rules") or []:
        parameters = rule.get("parameters") if isinstance(rule, Mapping) else None
        try:
            parsed = json.loads(parameters) if isinstance(parameters, str) else parameters
        except ValueError:
            continue
        if isinstance(parsed, Mapping):
            subjects |= {s.lower() for s in _list(parsed.get("allowedMemberSubjects")) if isinstance(s, str)}
    return subjects


# --- helpers --------------------------------------------------------------------------------------------------------


def _of(resources: list[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.get("type") in types and not r.get("read")]


def _computed(resource: Resource, key: str) -> bool:
    return key in (resource.get("computed_inputs") or [])


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _where(resource: Resource) -> tuple:
    lands = resource.get("lands_in") or {}
    return lands.get("account"), lands.get("region")


DEPLOY_RULES: tuple[DeployRule, ...] = (
    DeployRule(
        "aws-regions-exist", "Every AWS provider names a region the AWS provider knows.", "pulumi_aws.Region", _regions
    ),
    DeployRule(
        "schedule-expressions",
        "Backup plan, restore-testing and EventBridge schedules are cron (or rate) expressions as AWS accepts them.",
        "AWS Backup ScheduleExpression; EventBridge 'Schedule expressions for rules'",
        _schedules,
    ),
    DeployRule(
        "backup-lifecycle-cold-storage",
        "A lifecycle that moves recovery points to cold storage keeps them "
        f"there at least {COLD_STORAGE_MINIMUM_DAYS} days before deleting them.",
        "AWS Backup API, Lifecycle",
        _cold_storage,
    ),
    DeployRule(
        "retention-within-vault-lock",
        "Every backup and copy rule keeps recovery points within the minimum and "
        "maximum retention of the destination vault's lock (or air-gapped vault), or its jobs fail.",
        "AWS Backup Developer Guide, Vault Lock",
        _within_vault_locks,
    ),
    DeployRule(
        "s3-bucket-names",
        "S3 bucket names, given or generated, follow the general purpose bucket naming rules.",
        "Amazon S3 User Guide, General purpose bucket naming rules; pulumi-aws AutoNameTransform",
        _s3_bucket_names,
    ),
    DeployRule(
        "iam-names",
        "IAM role, user and policy names, paths and session durations are within IAM's limits.",
        "IAM User Guide, IAM and AWS STS quotas; terraform-provider-aws internal/service/iam",
        _iam_names,
    ),
    DeployRule(
        "backup-names",
        "Backup vault, plan and restore-testing plan names match AWS Backup's patterns.",
        "AWS Backup API; terraform-provider-aws internal/service/backup",
        _backup_names,
    ),
    DeployRule(
        "account-emails-unique",
        "Every new AWS account has its own email address of 6 to 64 characters.",
        "AWS Organizations API, CreateAccount",
        _account_emails,
    ),
    DeployRule(
        "gcp-apis-enabled-first",
        "A GCP resource waits for the gcp.projects.Service that enables its API in its "
        "project, when the stack declares one.",
        "Service Usage, Enabling an API (SERVICE_DISABLED)",
        _apis_enabled_first,
    ),
    DeployRule(
        "gcp-alert-filters-typed",
        "An alert on a log-based metric restricts resource.type and waits for the metric.",
        "Cloud Monitoring, alerting on log-based metrics; terraform-provider-google issues",
        _alert_filters_typed,
    ),
    DeployRule(
        "gcp-service-agents-allowed",
        "Under domain-restricted sharing, every Google service agent granted a role in a "
        "project (here or by the environment stacks) is allowed by the policies in force there.",
        "Resource Manager, Restricting identities by domain",
        _service_agents_allowed,
    ),
    DeployRule(
        "metric-filters-wait-for-log-groups",
        "A metric filter on a log group the stack creates waits for it.",
        "CloudWatch Logs API, PutMetricFilter (ResourceNotFoundException)",
        _filters_wait_for_log_groups,
    ),
)

DEPLOY_RULE_NAMES = tuple(rule.name for rule in DEPLOY_RULES)


def deploy_problems(plan: Mapping[str, Any], rules: Iterable[DeployRule] = DEPLOY_RULES) -> list[DeployProblem]:
    """What a real `pulumi up` of `plan` would refuse, rule by rule."""
    resources = [r for r in plan.get("resources", []) if isinstance(r, Mapping)]
    return [
        DeployProblem(rule.name, r["urn"], r["name"], message) for rule in rules for r, message in rule.check(resources)
    ]


class PlanNotDeployable(HardenedError):
    """The plan holds something a real deploy would refuse; the message lists each problem with its rule."""


def check_deployable(plan: Mapping[str, Any]) -> None:
    """Raise PlanNotDeployable naming every deploy-readiness problem of `plan`."""
    problems = deploy_problems(plan)
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise PlanNotDeployable(
            f"stack '{plan.get('stack')}' would not deploy: {len(problems)} problem{'s' * (len(problems) != 1)} "
            f"a real `pulumi up` would refuse (rules: docs/offline-plan.md, Deploy-readiness rules):\n{listed}"
        )
