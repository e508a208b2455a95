"""The estate the stacks really generate, as an IAM evaluator sees it: who acts, under which SCPs and RCPs, on what.

Everything is read from the offline plans of the `org` and `prod` stacks: account ids, the SCPs and RCPs and where
they are attached (a principal's SCPs follow its account, RCPs the account of the resource), vault access policies, key policies and tags, bucket policies, the replication role's
own policy, the roles named by the backup plan and the restore tests. Nothing is written out by hand
except the intruders (roles that hold an Allow-everything identity policy) and the context keys AWS
would fill in for each request.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request
from planning import shipped_plan

ORGANIZATION_STACK = "org"
ENVIRONMENT_STACK = "prod"
FULL_AWS_ACCESS = {"name": "FullAWSAccess", "policy": ALLOW_EVERYTHING}
RECOVERY_POINT_ID = "1EB3B5E7-9EB0-435A-A80B-108B488B0D45"
NOT_ASKED = "-"
SHORT = {ALLOWED: "ALLOWED", EXPLICIT_DENY: "explicit deny", IMPLICIT_DENY: "implicit deny", NOT_ASKED: NOT_ASKED}


def plan_stack(stack: str) -> dict:
    """The offline plan of the shipped stack `stack`: planned once per session, a fresh copy for each caller."""
    return shipped_plan(stack)


def document(value) -> dict:
    """A policy as the plan holds it (a JSON string or an already parsed document)."""
    return json.loads(value) if isinstance(value, str) else value


def resources(plan: dict, type_: str, **inputs) -> list[dict]:
    """Resources of `type_` whose inputs hold every given value."""
    return [
        r
        for r in plan["resources"]
        if r["type"] == type_ and all(r["inputs"].get(key) == value for key, value in inputs.items())
    ]


def one(plan: dict, type_: str, **inputs) -> dict:
    found = resources(plan, type_, **inputs)
    assert len(found) == 1, f"expected one {type_} with {inputs}, found {[r['name'] for r in found]}"
    return found[0]


def lands_in(resource: dict) -> tuple[str, str]:
    target = resource.get("lands_in") or resource.get("target") or {}
    return target.get("account"), target.get("region")


def output(resource: dict, key: str) -> str:
    return resource["outputs"].get(key) or resource["inputs"].get(key)


# --- who acts -----------------------------------------------------------------------------------------


REQUEST_REGION = "eu-west-1"  # the shipped stacks' region


@dataclass(frozen=True)
class Principal:
    """An IAM role in a member account, with its identity policies and the SCPs of its account."""

    label: str
    arn: str
    account: str
    organization_id: str
    service_control_policies: list = field(hash=False)
    identity_policies: list = field(default_factory=lambda: [ALLOW_EVERYTHING], hash=False)
    context_overrides: dict = field(default_factory=dict, hash=False)  # a key set to None is left out
    resource_control_policies: dict = field(
        default_factory=dict, hash=False, repr=False
    )  # RCP levels by resource account

    def context(self) -> dict:
        """What AWS puts in every request of an assumed-role session of this role (no MFA: the worst case)."""
        context = {
            "aws:PrincipalArn": self.arn,
            "aws:PrincipalAccount": self.account,
            "aws:PrincipalOrgID": self.organization_id,
            "aws:PrincipalType": "AssumedRole",
            "aws:PrincipalIsAWSService": "false",
            "aws:SecureTransport": "true",
            "aws:MultiFactorAuthPresent": "false",
        }
        context.update(self.context_overrides)
        return {key: value for key, value in context.items() if value is not None}

    def holding(self, *identity_policies: dict, label: str | None = None) -> "Principal":
        """The same role with other identity policies (a service role's own permissions)."""
        return replace(self, label=label or self.label, identity_policies=list(identity_policies))


# --- what is acted on ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A resource, the account that owns it, its resource policy and the context keys it brings (tags)."""

    resource: str
    account: str | None  # None: the caller's own account (organizations:LeaveOrganization)
    policy: dict | None = field(default=None, hash=False)
    context: dict = field(default_factory=dict, hash=False)
    in_organization: bool = True  # AWS then sets aws:ResourceOrgID to the organization's id

    def object(self, key: str = "backups/2026-01-01.tar") -> "Target":
        return replace(self, resource=f"{self.resource}/{key}")

    def untagged(self) -> "Target":
        return replace(self, context={k: v for k, v in self.context.items() if not k.startswith("aws:ResourceTag/")})

    def under(self, policy: dict) -> "Target":
        return replace(self, policy=policy)


@dataclass(frozen=True)
class Attempt:
    """One API call on one target: a row of the matrix."""

    label: str
    action: str
    target: Target
    context: dict = field(default_factory=dict, hash=False)

    def by(self, principal: Principal) -> Request:
        account = self.target.account or principal.account
        context = {**principal.context(), **self.target.context, **self.context, "aws:ResourceAccount": account}
        # Every request names a region (the ARN's, or the stacks' own for global and S3 ARNs): the root SCP denies the rest.
        parts = self.target.resource.split(":")
        context.setdefault("aws:RequestedRegion", parts[3] if len(parts) > 3 and parts[3] else REQUEST_REGION)
        if self.target.in_organization:
            context.setdefault("aws:ResourceOrgID", principal.organization_id)
        if self.action.startswith("s3:"):
            context.setdefault("s3:TlsVersion", "1.3")
        if self.action.startswith("kms:"):
            context.setdefault("kms:CallerAccount", principal.account)
        return Request(
            principal=principal.arn,
            action=self.action,
            resource=self.target.resource,
            resource_account=account,
            context=context,
            identity_policies=principal.identity_policies,
            resource_policy=self.target.policy,
            service_control_policies=principal.service_control_policies,
            # RCPs bind the resource's account, whoever asks.
            resource_control_policies=principal.resource_control_policies.get(account, []),
        )


# --- the estate ---------------------------------------------------------------------------------------


@dataclass
class Vault:
    arn: str
    name: str
    account: str
    region: str
    policy: dict
    key: Target | None  # None: a logically air-gapped vault, encrypted by a key AWS owns

    @property
    def target(self) -> Target:
        return Target(self.arn, self.account, self.policy)

    @property
    def recovery_point(self) -> Target:
        # Recovery-point actions are judged against the access policy of the vault holding the point.
        return Target(
            f"arn:aws:backup:{self.region}:{self.account}:recovery-point:{RECOVERY_POINT_ID}", self.account, self.policy
        )


@dataclass
class Bucket:
    arn: str
    account: str
    policy: dict
    key: Target

    @property
    def target(self) -> Target:
        return Target(self.arn, self.account, self.policy)


class Estate:
    """The organization and one environment, as planned."""

    def __init__(self, org_plan: dict, env_plan: dict):
        self.org_plan, self.env_plan = org_plan, env_plan
        outputs = org_plan["outputs"]
        self.organization_id = outputs["organizationId"]
        self.region = outputs["region"]
        accounts = outputs["accounts"]
        self.backup_account = accounts["backup"]["accountId"]
        self.log_archive_account = accounts["logArchive"]["accountId"]
        self.workload_account = accounts["workloads"][ENVIRONMENT_STACK]["accountId"]
        self.security_account = accounts["security"]["accountId"]
        self.non_production_backup_account = accounts["nonProductionBackup"]["accountId"]
        members = [
            accounts["backup"],
            accounts["nonProductionBackup"],
            accounts["logArchive"],
            accounts["security"],
            *accounts["workloads"].values(),
        ]
        self.other_workload_accounts = {
            key: a["accountId"] for key, a in accounts["workloads"].items() if key != ENVIRONMENT_STACK
        }
        self.deployer = {a["accountId"]: a["deploymentRoleArn"] for a in members}
        self.break_glass = {a["accountId"]: a["breakGlassRoleArn"] for a in members}
        users = [u for u in resources(org_plan, "aws:iam/user:User")]
        self.break_glass_users = [u["outputs"]["arn"] for u in users]
        self.break_glass_group = one(org_plan, "aws:iam/groupMembership:GroupMembership")["inputs"]["group"]
        self.trail = Target(outputs["trailArn"], outputs["trailArn"].split(":")[4])
        self._scps = self._organization_policies("SERVICE_CONTROL_POLICY", FULL_AWS_ACCESS)
        self._rcps = self._organization_policies("RESOURCE_CONTROL_POLICY", None)

        trail = one(org_plan, "aws:cloudtrail/trail:Trail")
        self.log_bucket = self._bucket(org_plan, trail["inputs"]["s3BucketName"])
        self.trail_key = self._key(org_plan, trail["inputs"]["kmsKeyId"])

        vaults = [self._vault(v) for v in resources(env_plan, "aws:backup/vault:Vault")]
        self.backup_vault = _only(v for v in vaults if v.account == self.backup_account)
        self.local_vault = _only(v for v in vaults if v.account == self.workload_account and v.region == self.region)
        self.second_region_vault = _only(
            v for v in vaults if v.account == self.workload_account and v.region != self.region
        )
        air_gapped = resources(env_plan, "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault")
        self.air_gapped_vault = self._vault(_only(air_gapped), keyed=False)

        replication = one(env_plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
        destination = replication["inputs"]["rules"][0]["destination"]
        self.replica_bucket = self._bucket(env_plan, destination["bucket"].split(":::")[1])
        self.source_bucket = self._bucket(env_plan, replication["inputs"]["bucket"])
        self.replication_role = replication["inputs"]["role"]
        self.replication_policy = document(
            one(env_plan, "aws:iam/rolePolicy:RolePolicy", role=self.replication_role.rsplit("/", 1)[1])["inputs"][
                "policy"
            ]
        )
        self.backup_role = one(env_plan, "aws:backup/selection:Selection")["inputs"]["iamRoleArn"]
        self.backup_plan_arn = one(env_plan, "aws:backup/plan:Plan")["outputs"]["arn"]
        self.restore_role = one(env_plan, "aws:backup/restoreTestingSelection:RestoreTestingSelection")["inputs"][
            "iamRoleArn"
        ]

    # principals

    def role(self, label: str, arn: str) -> Principal:
        account = arn.split(":")[4]
        return Principal(
            label, arn, account, self.organization_id, self._scps[account], resource_control_policies=self._rcps
        )

    def resource_control_policies(self, account: str) -> list:
        """The RCP levels over `account`'s resources."""
        return self._rcps.get(account, [])

    def principal(
        self, label: str, arn: str, account: str, organization_id: str, service_control_policies: list, **options
    ) -> Principal:
        """Any principal, judged against the organization's RCPs wherever its requests land."""
        return Principal(
            label,
            arn,
            account,
            organization_id,
            service_control_policies,
            resource_control_policies=self._rcps,
            **options,
        )

    def admin(self, label: str, account: str) -> Principal:
        return self.role(label, f"arn:aws:iam::{account}:role/AdministratorAccess")

    def service_control_policies(self, account: str) -> list:
        return self._scps[account]

    def _organization_policies(self, policy_type: str, full_access: dict | None) -> dict[str, list]:
        """Per member account, the levels root -> OU -> account of one policy type, each with what the plan attaches
        (and FullAWSAccess for SCPs; iam-simulate adds RCPFullAWSAccess itself)."""
        plan = self.org_plan
        policies = {
            p["id"]: (p["inputs"]["name"], document(p["inputs"]["content"]))
            for p in resources(plan, "aws:organizations/policy:Policy")
            if p["inputs"]["type"] == policy_type
        }
        attached: dict[str, list] = {}
        for attachment in resources(plan, "aws:organizations/policyAttachment:PolicyAttachment"):
            if attachment["inputs"]["policyId"] not in policies:
                continue
            name, content = policies[attachment["inputs"]["policyId"]]
            attached.setdefault(attachment["inputs"]["targetId"], []).append({"name": name, "policy": content})
        units = {
            u["id"]: u["inputs"]["parentId"]
            for u in resources(plan, "aws:organizations/organizationalUnit:OrganizationalUnit")
        }
        chains = {}
        for account in resources(plan, "aws:organizations/account:Account"):
            levels = [account["id"]]
            parent = output(account, "parentId")
            while parent in units:
                levels.append(parent)
                parent = units[parent]
            levels.append(parent)  # the root
            chains[account["id"]] = [
                {
                    "orgIdentifier": level,
                    "policies": [*([full_access] if full_access else []), *attached.get(level, [])],
                }
                for level in reversed(levels)
            ]
        return chains

    # resources

    def _key(self, plan: dict, arn: str) -> Target:
        key = _only(k for k in resources(plan, "aws:kms/key:Key") if k["outputs"]["arn"] == arn)
        tags = {f"aws:ResourceTag/{k}": v for k, v in (key["inputs"].get("tags") or {}).items()}
        return Target(arn, lands_in(key)[0], document(key["inputs"]["policy"]), tags)

    def _bucket(self, plan: dict, name: str) -> Bucket:
        bucket = _only(b for b in resources(plan, "aws:s3/bucket:Bucket") if b["outputs"]["bucket"] == name)
        policy = one(plan, "aws:s3/bucketPolicy:BucketPolicy", bucket=name)
        encryption = one(
            plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket=name
        )
        key_arn = encryption["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
        return Bucket(
            bucket["outputs"]["arn"],
            lands_in(bucket)[0],
            document(policy["inputs"]["policy"]),
            self._key(plan, key_arn),
        )

    def _vault(self, vault: dict, keyed: bool = True) -> Vault:
        account, region = lands_in(vault)
        name = vault["inputs"]["name"]
        policy = _only(
            p
            for p in resources(self.env_plan, "aws:backup/vaultPolicy:VaultPolicy", backupVaultName=name)
            if lands_in(p) == (account, region)
        )
        key = self._key(self.env_plan, vault["inputs"]["kmsKeyArn"]) if keyed else None
        return Vault(vault["outputs"]["arn"], name, account, region, document(policy["inputs"]["policy"]), key)


def _only(items: Iterable):
    found = list(items)
    assert len(found) == 1, f"expected exactly one, found {len(found)}"
    return found[0]


# --- the table ----------------------------------------------------------------------------------------


def table(title: str, rows: list[str], columns: list[str], cells: dict[tuple[str, str], str], note: str = "") -> str:
    """A fixed-width table: one row per attempt, one column per principal, each cell the verdict."""
    first = max(len(title), *(len(r) for r in rows))

    def shown(verdict: str) -> str:
        return SHORT.get(verdict, verdict)

    widths = [max(len(c), *(len(shown(cells.get((r, c), NOT_ASKED))) for r in rows)) for c in columns]
    line = "-" * (first + sum(w + 3 for w in widths))
    out = [line, f"{title:<{first}} | " + " | ".join(f"{c:<{w}}" for c, w in zip(columns, widths, strict=True)), line]
    for row in rows:
        out.append(
            f"{row:<{first}} | "
            + " | ".join(f"{shown(cells.get((row, c), NOT_ASKED)):<{w}}" for c, w in zip(columns, widths, strict=True))
        )
    out.append(line)
    if note:
        out.append(note)
    return "\n".join(out)
