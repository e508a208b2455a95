"""No single foothold takes every copy: each stolen credential against each copy of prod, judged step by step.

A copy held under a COMPLIANCE lock (S3 Object Lock, Vault Lock past its grace, a locked GCS retention policy) is
deleted by nobody before its time: that is the services' own rule, modelled in hardened_tools.posture.survival, not IAM.
What the locks do not cover is the key: a copy is lost to whoever can make its customer-managed key unusable for
good. Every way to do that is tried here, each step judged by @cloud-copilot/iam-simulate against the generated
SCPs and key policies:
- disable or delete the key outright;
- replace its policy with the lockout safety check bypassed (a policy granting only an outsider: a ransom);
- replace its policy, then delete the key under the policy just written;
- rewrite the trust of the account's break-glass role, then do all of the above as break-glass.
The management account's admin is modelled after the one step nobody can stop it from taking: every SCP detached,
then acting in each member account through the role Organizations created there (the deployment role).
The air-gapped copy has no customer key, so no row here: nothing of ours can shred its key, and its lock is AWS
Backup's (its access policy and vault are judged in test_attack_matrix.py).
"""

from dataclasses import replace

import pytest
from attack_matrix import ENVIRONMENT_STACK, ORGANIZATION_STACK, Attempt, Estate, Principal, Target, plan_stack, table
from iam_evaluator import ALLOWED, evaluate

from hardened_tools.posture import survival

OUTSIDER_ACCOUNT = "999900001111"
LOST, KEPT = "LOST", "survives"


@pytest.fixture(scope="module")
def estate() -> Estate:
    return Estate(plan_stack(ORGANIZATION_STACK), plan_stack(ENVIRONMENT_STACK))


def footholds(estate: Estate) -> dict[str, tuple[Principal, survival.Foothold | None]]:
    """Every foothold of the threat model that acts on AWS, with the posture model's foothold it belongs to."""
    w, b, log = estate.workload_account, estate.backup_account, estate.log_archive_account
    workload, backup, management, break_glass_user = (survival.FOOTHOLDS[i] for i in range(4))

    def root(account: str) -> Principal:
        return estate.principal(
            f"root user ({account})",
            f"arn:aws:iam::{account}:root",
            account,
            estate.organization_id,
            estate.service_control_policies(account),
            context_overrides={"aws:PrincipalType": "Account", "aws:MultiFactorAuthPresent": "true"},
        )

    def user_without_mfa(account: str) -> Principal:
        # Long-term access keys carry no aws:MultiFactorAuthPresent at all.
        return estate.principal(
            f"IAM user without MFA ({account})",
            f"arn:aws:iam::{account}:user/ci-bot",
            account,
            estate.organization_id,
            estate.service_control_policies(account),
            context_overrides={"aws:PrincipalType": "User", "aws:MultiFactorAuthPresent": None},
        )

    def unbound(account: str) -> Principal:
        # With every SCP detached; the RCPs go too (the same admin detaches them), so none are passed.
        return Principal(
            f"management admin in {account}", estate.deployer[account], account, estate.organization_id, []
        )

    return {
        "workload admin": (estate.admin("workload admin", w), workload),
        "workload deployer": (estate.role("workload deployer", estate.deployer[w]), workload),
        "workload break-glass": (estate.role("workload break-glass", estate.break_glass[w]), workload),
        "workload root user": (root(w), workload),
        "workload IAM user, no MFA": (user_without_mfa(w), workload),
        "backup admin": (estate.admin("backup admin", b), backup),
        "backup deployer": (estate.role("backup deployer", estate.deployer[b]), backup),
        "backup break-glass": (estate.role("backup break-glass", estate.break_glass[b]), backup),
        "backup root user": (root(b), backup),
        "backup IAM user, no MFA": (user_without_mfa(b), backup),
        "log-archive admin": (estate.admin("log-archive admin", log), None),
        "log-archive deployer": (estate.role("log-archive deployer", estate.deployer[log]), None),
        "outsider": (
            estate.principal(
                "outsider", f"arn:aws:iam::{OUTSIDER_ACCOUNT}:role/intruder", OUTSIDER_ACCOUNT, "o-outsider000", []
            ),
            None,
        ),
        # Two columns, one credential: the management account's admin in each member account, SCPs detached.
        "management admin (workload)": (unbound(w), management),
        "management admin (backup)": (unbound(b), management),
        # Two columns, one credential: a break-glass user, in the break-glass role of each account it reaches.
        "break-glass user (workload)": (
            estate.role("break-glass user (workload)", estate.break_glass[w]),
            break_glass_user,
        ),
        "break-glass user (backup)": (
            estate.role("break-glass user (backup)", estate.break_glass[b]),
            break_glass_user,
        ),
    }


def copy_keys(estate: Estate) -> dict[str, Target]:
    """The customer-managed key of every AWS copy in the `copies` export."""
    return {
        "primary": estate.source_bucket.key,
        "replica": estate.replica_bucket.key,
        "vault copy": estate.backup_vault.key,
        "second-region copy": estate.second_region_vault.key,
    }


def _takeover_policy(key: Target, principal: str) -> dict:
    """The key policy an intruder allowed to re-policy would write: its own allows, no deny, deletion for itself."""
    statements = [s for s in key.policy["Statement"] if s["Effect"] != "Deny"]
    statements.append(
        {"Sid": "Takeover", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}
    )
    return {"Version": "2012-10-17", "Statement": statements}


def _shred_steps(principal: Principal, key: Target) -> list:
    """Each way `principal` might make `key` unusable for good, as (name, requests that must all be allowed)."""
    bypass, checked = {"kms:BypassPolicyLockoutSafetyCheck": "true"}, {"kms:BypassPolicyLockoutSafetyCheck": "false"}
    return [
        ("ScheduleKeyDeletion", [Attempt("delete", "kms:ScheduleKeyDeletion", key).by(principal)]),
        ("DisableKey", [Attempt("disable", "kms:DisableKey", key).by(principal)]),
        ("PutKeyPolicy past the lockout check", [Attempt("ransom", "kms:PutKeyPolicy", key, bypass).by(principal)]),
        (
            "PutKeyPolicy, then ScheduleKeyDeletion",
            [
                Attempt("re-policy", "kms:PutKeyPolicy", key, checked).by(principal),
                Attempt("then delete", "kms:ScheduleKeyDeletion", key.under(_takeover_policy(key, principal.arn))).by(
                    principal
                ),
            ],
        ),
    ]


def _ways_in(estate: Estate, principal: Principal, key: Target) -> list:
    """The shred steps as `principal`, and as the key account's break-glass role after re-trusting it."""
    account = key.account
    break_glass = replace(
        principal,
        label=f"{principal.label} as break-glass",
        arn=estate.break_glass[account],
        account=account,
        service_control_policies=principal.service_control_policies
        if principal.account == account
        else estate.service_control_policies(account),
        context_overrides={},
    )
    retrust = Attempt(
        "re-trust break-glass", "iam:UpdateAssumeRolePolicy", Target(estate.break_glass[account], account)
    ).by(principal)
    ways = _shred_steps(principal, key)
    if break_glass.arn != principal.arn:
        ways += [
            (f"re-trust break-glass, then {name}", [retrust, *steps]) for name, steps in _shred_steps(break_glass, key)
        ]
    return ways


def judged(estate: Estate) -> dict[tuple[str, str], str]:
    """(copy, foothold) -> LOST with the way, or survives; every request judged in one run of the evaluator."""
    keys, holds = copy_keys(estate), footholds(estate)
    plan = [
        (copy, who, name, steps)
        for copy, key in keys.items()
        for who, (principal, _) in holds.items()
        for name, steps in _ways_in(estate, principal, key)
    ]
    verdicts = iter(evaluate([request for *_, steps in plan for request in steps]))
    cells: dict[tuple[str, str], str] = {(copy, who): KEPT for copy in keys for who in holds}
    for copy, who, name, steps in plan:
        results = [next(verdicts) for _ in steps]  # every step's verdict taken, so the next way starts at its own
        if all(result == ALLOWED for result in results) and cells[(copy, who)] == KEPT:
            cells[(copy, who)] = f"{LOST}: {name}"
    return cells


@pytest.fixture(scope="module")
def cells(estate) -> dict[tuple[str, str], str]:
    result = judged(estate)
    columns = list(footholds(estate))
    short = {cell: (LOST if verdict.startswith(LOST) else KEPT) for cell, verdict in result.items()}
    print("\n" + _table(list(copy_keys(estate)), columns, short))
    for cell, verdict in result.items():
        if verdict.startswith(LOST):
            print(f"  {cell[0]} / {cell[1]}: {verdict}")
    return result


def test_below_the_management_account_no_foothold_shreds_any_copys_key(estate, cells):
    """Invariants 1 and 3: every member-account foothold, break-glass included, leaves every AWS copy readable."""
    below = [who for who, (_, model) in footholds(estate).items() if model is not survival.FOOTHOLDS[2]]
    assert {cell: verdict for cell, verdict in cells.items() if cell[1] in below} == {
        (c, who): KEPT for c in copy_keys(estate) for who in below
    }


def test_the_management_account_can_shred_every_aws_copy_so_the_gcp_copy_is_the_one_that_survives(estate, cells):
    """Invariant 2 for the one foothold no SCP binds: it takes every customer-managed key (re-trust break-glass,
    then re-policy and delete), which is why a copy with no AWS credential on it (GCP) must exist."""
    management = ["management admin (workload)", "management admin (backup)"]
    reached = {"primary": "workload", "second-region copy": "workload", "replica": "backup", "vault copy": "backup"}
    for copy, where in reached.items():
        assert cells[(copy, f"management admin ({where})")].startswith(LOST), copy
    prod = plan_stack(ENVIRONMENT_STACK)["outputs"]["copies"]
    kept = [v.copy for v in survival.survivors(prod, survival.FOOTHOLDS[2]) if v.survives]
    assert kept == ["offsite"]
    assert all(
        cells[(copy, who)] == KEPT for copy in reached for who in management if not who.endswith(f"({reached[copy]})")
    )


def test_the_posture_model_agrees_with_the_evaluator_on_every_aws_copy(estate, cells):
    """hardened posture's single-credential control reads hardened_tools.posture.survival; here each of its verdicts on an
    AWS copy is the one the evaluator reaches for the footholds it stands for."""
    prod = {c["copy"]: c for c in plan_stack(ENVIRONMENT_STACK)["outputs"]["copies"]}
    for who, (principal, model) in footholds(estate).items():
        if model is None:
            continue
        for copy in copy_keys(estate):
            in_reach = prod[copy]["where"] in model.reaches and principal.account == copy_keys(estate)[copy].account
            if model in survival.FOOTHOLDS[2:4] and not in_reach:
                continue  # the other column of the same credential
            expected = KEPT if survival.verdict(prod[copy], model).survives else LOST
            assert (cells[(copy, who)].split(":")[0]) == expected, (copy, who, cells[(copy, who)])


def test_every_foothold_leaves_at_least_one_copy(estate, cells):
    prod = plan_stack(ENVIRONMENT_STACK)["outputs"]["copies"]
    for foothold in survival.FOOTHOLDS:
        assert [v for v in survival.survivors(prod, foothold) if v.survives], foothold.name
    for who in footholds(estate):
        assert any(cells[(copy, who)] == KEPT for copy in copy_keys(estate)) or who.startswith("management admin"), who


def _table(rows: list[str], columns: list[str], cells: dict) -> str:
    return table("copy / foothold (survives its promised retention?)", rows, columns, cells)
