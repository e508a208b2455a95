"""The controls this library exists for, each judged from offline plans: pass, warn or fail, with its evidence.

A control reads the plans of one environment and of the organization stack it references (the accounts, SCPs,
MFA and break-glass live there). Each names the benchmark controls it evidences, numbered as in CIS AWS
Foundations Benchmark 5.0, AWS Foundational Security Best Practices (FSBP) and CIS Google Cloud Platform
Foundation Benchmark; a control with no benchmark line is this library's own (guardrails, the 3-2-1 rule).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hardened.aws.documents.alarm_names import alarm_topic_name
from hardened.aws.documents.backup_plane_events import GLOBAL_EVENTS_REGION, threats
from hardened.stack_contract import CopyExport, copies_of

from ..wording import agree, count
from . import survival

PASS, WARN, FAIL = "pass", "warn", "fail"
DESTRUCTION_SIDS = {
    "DenyBackupDestruction": "destroying backups, vaults and their locks",
    "DenyBucketDestruction": "deleting buckets and object versions",
    "DenyKeyDestruction": "disabling or deleting keys",
    "DenyTrailTampering": "stopping or changing the organization trail",
    "DenyLeavingOrganization": "leaving the organization",
}


@dataclass
class Control:
    """One line of the scorecard."""

    id: str
    title: str
    status: str
    evidence: list[str]
    benchmarks: list[str] = field(default_factory=list)


@dataclass
class Estate:
    """The plans a scorecard reads: one environment (or the organization itself) and the organization."""

    stack: str
    tier: str
    environment: dict
    organization: dict | None
    _by_type: dict[int, dict[str, list[dict]]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def resources(self, type_: str) -> list[dict]:
        plans = [self.environment] + (
            [self.organization] if self.organization and self.organization is not self.environment else []
        )
        return [r for plan in plans for r in self.of_type(plan, type_)]

    def of_type(self, plan: dict, type_: str) -> list[dict]:
        """The plan's resources of that type, in plan order: indexed once per plan, since the controls ask for some
        twenty types and an organization's plan holds tens of thousands of resources."""
        index = self._by_type.get(id(plan))
        if index is None:
            index = self._by_type[id(plan)] = {}
            for resource in plan["resources"]:
                index.setdefault(resource["type"], []).append(resource)
        return index.get(type_, [])

    @property
    def production(self) -> bool:
        return self.tier == "production"


def _status(ok: bool, production: bool = True) -> str:
    return PASS if ok else (FAIL if production else WARN)


def copies(estate: Estate) -> Control:
    """3-2-1: three copies, at two vendors, one in another place."""
    layout = copies_of(estate.environment.get("outputs") or {}, estate.stack)
    vendors = sorted({c["vendor"] for c in layout})
    regions = sorted({c["region"] for c in layout})
    evidence = [
        f"{c['copy']}: {c['vendor']} {c['where']} {c['region']} ({c['lock']}{_retention(c)})" for c in layout
    ] or ["no copies exported"]
    if len(layout) >= 3 and len(vendors) >= 2 and len(regions) >= 2:
        status = PASS
    elif len(layout) >= 3 and len(regions) >= 2:
        status = WARN  # three copies in two places, one vendor: the non-production layout
    else:
        status = FAIL
    evidence.append(
        f"{count(len(layout), 'copy', 'copies')}, vendors {', '.join(vendors) or 'none'}, regions {', '.join(regions) or 'none'}"
    )
    return Control(
        "copies", "3-2-1: three copies, two vendors, one elsewhere", status, evidence, ["FSBP S3.7", "FSBP Backup.1"]
    )


def single_credential(estate: Estate) -> Control:
    """No single foothold takes every copy: for each, the copies that survive it for their promised retention, and why."""
    layout = copies_of(estate.environment.get("outputs") or {}, estate.stack)
    evidence, every_foothold_leaves_one = [], bool(layout)
    for foothold in survival.FOOTHOLDS:
        verdicts = survival.survivors(layout, foothold)
        kept = [f"{v.copy} ({v.why})" for v in verdicts if v.survives]
        lost = [f"{v.copy} ({v.why})" for v in verdicts if not v.survives]
        every_foothold_leaves_one = every_foothold_leaves_one and bool(kept)
        evidence.append(
            f"{foothold.name}: survive: {', '.join(kept) or 'NONE'}" + (f"; lost: {', '.join(lost)}" if lost else "")
        )
    if not layout:
        evidence = ["no copies exported"]
    shared = _shared_backup_account(estate) if layout else None
    if shared:
        evidence.append(shared)
    status = _status(every_foothold_leaves_one, estate.production)
    return Control(
        "single-credential",
        "No single credential takes every copy",
        WARN if status == PASS and shared else status,
        evidence,
        [],
    )


def _shared_backup_account(estate: Estate) -> str | None:
    """Why non-production pipelines deploy where production's copies are, if they do."""
    accounts = ((estate.organization or {}).get("outputs") or {}).get("accounts") or {}
    production = (accounts.get("backup") or {}).get("accountId")
    if production is None or estate.organization is estate.environment:
        return None
    if estate.production and "nonProductionBackup" not in accounts:
        return (
            "shared: the organization has no non-production backup account, so every non-production stack deploys where "
            "this stack's copies are (accounts.nonProductionBackup)"
        )
    if not estate.production and estate.environment.get("outputs", {}).get("backupAccount") == production:
        return (
            "shared: this non-production stack deploys into the backup account that holds production's copies "
            "(accounts.nonProductionBackup; backupAccount)"
        )
    return None


def immutability(estate: Estate) -> Control:
    """Every copy under a lock; in production, one nobody can lift."""
    evidence, weak = [], []
    for lock in estate.resources("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"):
        retention = lock["inputs"]["rule"]["defaultRetention"]
        evidence.append(f"S3 {lock['inputs']['bucket']}: {retention['mode']} {retention['days']} days")
        weak += [lock["name"]] if retention["mode"] != "COMPLIANCE" else []
    for lock in estate.resources("aws:backup/vaultLockConfiguration:VaultLockConfiguration"):
        inputs = lock["inputs"]
        mode = (
            "COMPLIANCE after " + f"{inputs['changeableForDays']} days"
            if inputs.get("changeableForDays")
            else "GOVERNANCE"
        )
        evidence.append(
            f"vault {inputs['backupVaultName']}: {mode}, {inputs.get('minRetentionDays')}-{inputs.get('maxRetentionDays')} days"
        )
        weak += [lock["name"]] if not inputs.get("changeableForDays") else []
    for vault in estate.resources("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"):
        # AWS Backup locks a logically air-gapped vault in compliance mode when it creates it: nothing to lift.
        inputs = vault["inputs"]
        evidence.append(
            f"air-gapped vault {inputs.get('name')}: COMPLIANCE from creation, {inputs.get('minRetentionDays')}-{inputs.get('maxRetentionDays')} days"
        )
    for bucket in estate.resources("gcp:storage/bucket:Bucket"):
        policy = bucket["inputs"].get("retentionPolicy") or {}
        days = int(policy.get("retentionPeriod", 0)) // 86400
        evidence.append(
            f"GCS {bucket['inputs'].get('name') or bucket['name']}: retention {days} days, {'locked' if policy.get('isLocked') else 'unlocked'}"
        )
        weak += [bucket["name"]] if not policy.get("isLocked") else []
    for vault in estate.resources("gcp:backupdisasterrecovery/backupVault:BackupVault"):
        evidence.append(
            f"Backup and DR vault {vault['inputs'].get('backupVaultId')}: minimum {vault['inputs'].get('backupMinimumEnforcedRetentionDuration')}"
        )
    if not evidence:
        return Control("immutability", "Every copy is immutable", FAIL, ["no locks found"], ["FSBP S3.15"])
    status = PASS if not weak else _status(False, estate.production)
    if weak:
        evidence.append(f"removable locks: {', '.join(weak)}")
    return Control("immutability", "Every copy is immutable", status, evidence, ["FSBP S3.15", "CIS GCP 2.3"])


def encryption(estate: Estate) -> Control:
    """Customer-managed keys that rotate, encrypting every store."""
    keys = estate.resources("aws:kms/key:Key") + estate.resources("gcp:kms/cryptoKey:CryptoKey")
    stale = [k["name"] for k in keys if k["type"].startswith("aws") and not k["inputs"].get("enableKeyRotation")]
    stale += [k["name"] for k in keys if k["type"].startswith("gcp") and not k["inputs"].get("rotationPeriod")]
    evidence = [f"{count(len(keys), 'customer-managed key')}, {len(keys) - len(stale)} rotating"] + [
        f"not rotating: {name}" for name in stale
    ]
    return Control(
        "encryption",
        "Customer-managed keys rotate",
        _status(bool(keys) and not stale),
        evidence,
        ["FSBP KMS.4", "CIS AWS 3.6", "CIS GCP 1.10"],
    )


def public_access(estate: Estate) -> Control:
    """No bucket can be made public; the bucket policies demand TLS."""
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    blocks = estate.resources("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    open_ = [b["inputs"]["bucket"] for b in blocks if not all(b["inputs"].get(f) for f in flags)]
    gcs = estate.resources("gcp:storage/bucket:Bucket")
    open_ += [
        b["name"]
        for b in gcs
        if b["inputs"].get("publicAccessPrevention") != "enforced" or not b["inputs"].get("uniformBucketLevelAccess")
    ]
    tls = [
        p
        for p in estate.resources("aws:s3/bucketPolicy:BucketPolicy")
        if any(s.get("Sid") == "DenyInsecureTransport" for s in p["inputs"]["policy"]["Statement"])
    ]
    evidence = [
        f"{count(len(blocks), 'S3 bucket')} {agree(len(blocks), 'blocks', 'block')} public access",
        f"{count(len(gcs), 'GCS bucket')} {agree(len(gcs), 'enforces', 'enforce')} public access prevention and uniform access",
        f"{count(len(tls), 'bucket policy', 'bucket policies')} {agree(len(tls), 'denies', 'deny')} plain HTTP",
    ] + [f"open: {name}" for name in open_]
    return Control(
        "public-access",
        "No public buckets, TLS only",
        _status(not open_),
        evidence,
        ["FSBP S3.1", "FSBP S3.8", "FSBP S3.5", "CIS AWS 2.1.1", "CIS AWS 2.1.4", "CIS GCP 5.1", "CIS GCP 5.2"],
    )


def mfa(estate: Estate) -> Control:
    """A CIS password policy and an MFA group in every account; the root SCP holds IAM users to MFA and bans access keys."""
    if estate.organization is None:
        return Control("mfa", "MFA on every human path", WARN, ["no organization stack to read"], [])
    policies = estate.resources("aws:iam/accountPasswordPolicy:AccountPasswordPolicy")
    weak = [
        p["name"]
        for p in policies
        if p["inputs"].get("minimumPasswordLength", 0) < 14 or p["inputs"].get("passwordReusePrevention", 0) < 24
    ]
    accounts = {p["lands_in"]["account"] for p in policies}
    root = _sids(_scps(estate, "organization"))
    # An account counts once a managed policy there denies everything without MFA (MfaEnforcement's group policy).
    enforcing = {
        p["lands_in"]["account"]
        for p in estate.resources("aws:iam/policy:Policy")
        if "DenyEverythingWithoutMfa" in _sids([p["inputs"]["policy"]])
    }
    checks = {
        "password policy in every account": len(accounts)
        >= len(estate.resources("aws:organizations/account:Account")) + 1
        and not weak,
        "MFA-required group in every account": bool(accounts) and accounts <= enforcing,
        "root SCP: IAM users need MFA": "DenySensitiveActionsWithoutMfa" in root,
        "root SCP: no access keys": "DenyAccessKeyCreation" in root,
        "root SCP: no root user outside centralized root sessions": "DenyRootUser" in root,
        "centralized root access": bool(estate.resources("aws:iam/organizationsFeatures:OrganizationsFeatures")),
    }
    evidence = [f"{'ok' if ok else 'MISSING'}: {what}" for what, ok in checks.items()] + [
        f"weak password policy: {n}" for n in weak
    ]
    return Control(
        "mfa",
        "MFA on every human path",
        _status(all(checks.values())),
        evidence,
        [
            "CIS AWS 1.3",
            "CIS AWS 1.7",
            "CIS AWS 1.8",
            "CIS AWS 1.9",
            "FSBP IAM.4",
            "FSBP IAM.5",
            "FSBP IAM.7",
            "FSBP IAM.15",
            "FSBP IAM.16",
        ],
    )


def break_glass(estate: Estate) -> Control:
    """Break-glass roles that only MFA-authenticated break-glass users assume for an hour, and alarms on every use."""
    if estate.organization is None:
        return Control(
            "break-glass", "Break-glass paths are sealed and alarmed", WARN, ["no organization stack to read"], []
        )
    roles = [r for r in estate.resources("aws:iam/role:Role") if "break-glass" in (r["inputs"].get("name") or "")]
    sealed = [
        r
        for r in roles
        if _requires_recent_mfa(r["inputs"]["assumeRolePolicy"])
        and r["inputs"].get("maxSessionDuration", 43200) <= 3600
    ]
    rules = estate.resources("aws:cloudwatch/eventRule:EventRule")
    alarms = estate.resources("aws:cloudwatch/metricAlarm:MetricAlarm")
    subscribers = estate.resources("aws:sns/topicSubscription:TopicSubscription")
    entitlements = estate.resources("gcp:privilegedaccessmanager/entitlement:entitlement")
    # The management account is where the organization's policies are made; no SCP binds anyone there.
    management = {
        p["lands_in"]["account"] for p in estate.resources("aws:organizations/policy:Policy") if p.get("lands_in")
    }
    unbound = [r for r in roles if (r.get("lands_in") or {}).get("account") in management]
    users = [
        u
        for u in estate.resources("aws:iam/user:User")
        if (u["inputs"].get("tags") or {}).get("hardened:break-glass") == "true"
    ]
    exposed = sorted(
        {u["lands_in"]["account"] for u in users if (u.get("lands_in") or {}).get("account") in management}
    )
    evidence = [
        f"{len(sealed)} of {count(len(roles), 'break-glass role')} {agree(len(sealed), 'requires', 'require')} recent MFA and one-hour sessions",
        f"{count(len(rules), 'EventBridge rule')}, {count(len(alarms), 'CloudWatch alarm')}, {count(len(subscribers), 'subscription')}",
    ] + [f"GCP PAM entitlement, at most {e['inputs'].get('maxRequestDuration')}, with approval" for e in entitlements]
    evidence += [
        f"unbound: a break-glass role in the management account {r['lands_in']['account']}, which no SCP binds"
        for r in unbound
    ]
    evidence += [
        f"unbound: break-glass users in the management account {account}, where no SCP stops its deployer re-passwording them "
        "or enrolling its own MFA device (breakGlass.usersAccount: security)"
        for account in exposed
    ]
    ok = roles and len(sealed) == len(roles) and rules and alarms and subscribers and not unbound and not exposed
    return Control(
        "break-glass",
        "Break-glass paths are sealed and alarmed",
        _status(bool(ok)),
        evidence,
        ["CIS AWS 1.9", "FSBP IAM.5"],
    )


def guardrails(estate: Estate) -> Control:
    """Every destructive action denied by an SCP (AWS) or a deny policy (GCP) on the accounts and folder holding copies."""
    if estate.organization is None:
        return Control(
            "guardrails", "Destructive actions are denied by guardrails", WARN, ["no organization stack to read"], []
        )
    covered = _sids([p for p in _scps(estate, None)])
    evidence = [
        f"{'ok' if sid in covered else 'MISSING'}: an SCP denies {what}" for sid, what in DESTRUCTION_SIDS.items()
    ]
    deny = estate.resources("gcp:iam/denyPolicy:DenyPolicy")
    evidence += [f"GCP deny policy {d['inputs'].get('name')}: {len(d['inputs'].get('rules', []))} rules" for d in deny]
    ok = all(sid in covered for sid in DESTRUCTION_SIDS)
    return Control("guardrails", "Destructive actions are denied by guardrails", _status(ok), evidence, [])


def trail(estate: Estate) -> Control:
    """One organization trail for every region, with validated, encrypted log files."""
    trails = estate.resources("aws:cloudtrail/trail:Trail")
    good = [
        t
        for t in trails
        if all(
            t["inputs"].get(k)
            for k in ("isMultiRegionTrail", "isOrganizationTrail", "enableLogFileValidation", "kmsKeyId")
        )
    ]
    evidence = [f"{t['inputs'].get('name')}: multi-region, organization, validated, KMS" for t in good] or [
        "no organization trail"
    ]
    status = _status(bool(good)) if estate.organization is not None else WARN
    return Control(
        "trail",
        "Organization trail",
        status,
        evidence,
        ["FSBP CloudTrail.1", "FSBP CloudTrail.2", "FSBP CloudTrail.4", "CIS AWS 3.1", "CIS AWS 3.2", "CIS AWS 3.5"],
    )


def policy_pack(estate: Estate, evaluate: Callable[[dict, str], Iterable]) -> Control:
    """The policy pack's rules, run over the same plans."""
    plans = [estate.environment] + (
        [estate.organization] if estate.organization and estate.organization is not estate.environment else []
    )
    violations = [v for plan in plans for v in evaluate(plan, estate.tier)]
    mandatory = [v for v in violations if v.enforcement == "mandatory"]
    evidence = [f"{v.enforcement}: {v.policy}: {v.name}: {v.message}" for v in violations] or ["every rule passes"]
    status = FAIL if mandatory else (WARN if violations else PASS)
    return Control("policy-pack", "Policy pack (policies/)", status, evidence, [])


def alarms(estate: Estate) -> Control:
    """Every threat to the backups is forwarded to the alarm hub from every account and region it can arrive in, and the
    hub tells someone, daily at least (the heartbeat)."""
    title = "Every move against the backups is seen"
    organization = estate.organization
    hub = ((organization or {}).get("outputs") or {}).get("alarms")
    if not organization or not hub:  # no hub without an organization stack
        return Control(
            "alarms",
            title,
            FAIL if organization else WARN,
            ["no alarm hub in the organization stack" if organization else "no organization stack to read"],
            [],
        )
    prefix, regions = hub["prefix"], sorted({*hub["regions"], GLOBAL_EVENTS_REGION})
    rules = [r for r in estate.of_type(organization, "aws:cloudwatch/eventRule:EventRule") if r.get("lands_in")]
    forwarded = {
        (r["lands_in"]["account"], r["lands_in"]["region"], r["inputs"].get("name"))
        for r in rules
        if not r["inputs"].get("eventBusName")
    }
    accounts = sorted(
        {a["id"] for a in estate.of_type(organization, "aws:organizations/account:Account")}
        | {
            p["lands_in"]["account"]
            for p in estate.of_type(organization, "aws:organizations/policy:Policy")
            if p.get("lands_in")
        }
    )
    expected = {region: [(threat, f"{prefix}-{threat}") for threat in threats(region)] for region in regions}
    missing = [
        f"not forwarded: {threat} from {account} {region}"
        for account in accounts
        for region in regions
        for threat, rule_name in expected[region]
        if (account, region, rule_name) not in forwarded
    ]
    hub_rules = [r for r in rules if r["inputs"].get("eventBusName") == prefix]
    heartbeat = [
        r for r in rules if r["inputs"].get("name") == f"{prefix}-heartbeat" and r["inputs"].get("scheduleExpression")
    ]
    topic = alarm_topic_name(prefix)
    told = [
        s for s in estate.of_type(organization, "aws:sns/topicSubscription:TopicSubscription") if topic in s["name"]
    ]
    evidence = [
        f"{count(len(threats(GLOBAL_EVENTS_REGION)), 'threat')} forwarded from {count(len(accounts), 'account')} in {', '.join(regions)} to the hub {prefix}",
        f"{'ok' if hub_rules else 'MISSING'}: the hub's rule to its topic; {count(len(told), 'subscription')}",
        f"{'ok' if heartbeat else 'MISSING'}: a heartbeat ({heartbeat[0]['inputs']['scheduleExpression'] if heartbeat else 'none'})",
        *missing,
    ]
    return Control(
        "alarms", title, _status(not missing and bool(hub_rules) and bool(heartbeat) and bool(told)), evidence, []
    )


def restore_drill(estate: Estate) -> Control:
    """Restores are proven: restore tests run, each is validated, has a recovery-time objective, and its alarms reach the hub."""
    title = "Every restore is proven"
    plan = estate.environment
    tests = [r for r in plan["resources"] if r["type"] == "aws:backup/restoreTestingPlan:RestoreTestingPlan"]
    validations = [r for r in plan["resources"] if r["type"] == "hardened:index:RestoreValidation"]
    alarms_ = [r for r in plan["resources"] if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"]
    objective = [a for a in alarms_ if a["inputs"].get("metricName") == "RestoreTime"]
    failed = [a for a in alarms_ if a["inputs"].get("metricName") == "ValidationFailed"]
    prefix = (((estate.organization or {}).get("outputs") or {}).get("alarms") or {}).get("prefix")
    silent = [
        a["inputs"]["name"]
        for a in objective + failed
        if not a["inputs"].get("alarmActions") and not (prefix and a["inputs"]["name"].startswith(f"{prefix}-"))
    ]
    evidence = [f"restore testing plan {t['inputs']['name']}: {t['inputs'].get('scheduleExpression')}" for t in tests]
    evidence += [
        f"recovery-time objective: {int(a['inputs']['threshold']) // 60} minutes ({a['inputs']['name']})"
        for a in objective
    ]
    evidence += [
        f"{'ok' if validations else 'MISSING'}: each restore validated ({count(len(validations), 'validator')}), {count(len(failed), 'alarm')} on a failed one"
    ]
    evidence += [f"silent: {name} publishes to nobody and is not forwarded to the alarm hub" for name in silent]
    ok = bool(tests) and len(validations) >= len(tests) and bool(objective) and bool(failed) and not silent
    return Control("restore-drill", title, _status(ok, estate.production), evidence, [])


def _retention(copy: CopyExport) -> str:
    """What the copy's lock really enforces, as the stack exports it (a replica's is its source's)."""
    return f", {copy['retentionMode']} {copy['retentionDays']} days"


def _scps(estate: Estate, baseline: str | None) -> list[dict]:
    policies = estate.resources("aws:organizations/policy:Policy")
    return [
        p["inputs"]["content"]
        for p in policies
        if baseline is None or p["inputs"].get("description", "").endswith(baseline)
    ]


def _sids(documents: list[dict]) -> set[str]:
    return {s.get("Sid") for d in documents for s in d.get("Statement", [])}


def _requires_recent_mfa(trust: dict) -> bool:
    allows = [s for s in trust.get("Statement", []) if s.get("Effect") == "Allow"]
    return bool(allows) and all(
        (s.get("Condition") or {}).get("Bool", {}).get("aws:MultiFactorAuthPresent") == "true"
        and "aws:MultiFactorAuthAge" in (s.get("Condition") or {}).get("NumericLessThan", {})
        for s in allows
    )
