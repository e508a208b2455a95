"""The stacks' exports as a typed contract (hardened.stack_contract): what the organization stack exports is what
environment stacks read, through one definition; the environment stack's copies are what the posture tool reads.

Refusals are driven through the real environment program: the planner's stack-reference support serves it the
shipped organization stack's outputs, changed by each case.
"""

import ast
import gc
import warnings
from pathlib import Path
from typing import get_args

import pulumi
import pytest
from planning import shipped_plan
from pydantic import TypeAdapter

from hardened.errors import StackConfigError
from hardened.stack_contract import (
    AWS_OWNED,
    CUSTOMER_MANAGED,
    AccountExport,
    AccountsExport,
    AlarmsExport,
    BreakGlassExport,
    CopyExport,
    GcpExport,
    OrganizationExports,
    copies_of,
    export_copies,
    export_organization,
    organization_exports,
)
from hardened_tools.cli import main
from hardened_tools.plan import build_plan, find_project, run_program, run_stack
from hardened_tools.plan.references import ReferencedStack, StackReferences

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = (AccountExport, AccountsExport, BreakGlassExport, AlarmsExport, GcpExport, OrganizationExports, CopyExport)
TOP_LEVEL = ["organizationId", "region", "accounts", "breakGlass", "alarms", "gcp", "trailArn", "logBucket"]
REFUSED = "the organization stack 'org' does not export what environment stacks read (hardened.stack_contract.OrganizationExports): "
REMEDY = " organizationStack must name an organization stack that exports them (hardened.stack_contract.export_organization)."


@pytest.fixture(autouse=True)
def collect_abandoned_coroutines():
    """A failed read leaves coroutines of the SDK's outputs unawaited (as cli.py says); collect them quietly."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gc.collect()


def keys(typed_dict) -> list[str]:
    return list(typed_dict.__annotations__)


# --- the shipped stacks keep the contract ----------------------------------------------------------------------


def test_the_shipped_organization_exports_are_the_contract_exactly():
    outputs = shipped_plan("org")["outputs"]
    assert sorted(outputs) == sorted(TOP_LEVEL)  # the shipped organization has a GCP backup project
    assert TypeAdapter(OrganizationExports).validate_python(outputs) == outputs
    accounts = outputs["accounts"]
    assert sorted(accounts) == sorted(keys(AccountsExport))  # and a non-production backup account
    assert all(sorted(a) == sorted(keys(AccountExport)) for a in [accounts["backup"], *accounts["workloads"].values()])
    assert sorted(outputs["breakGlass"]) == sorted(keys(BreakGlassExport))
    assert sorted(outputs["alarms"]) == sorted(keys(AlarmsExport))
    assert sorted(outputs["gcp"]) == sorted(keys(GcpExport))


@pytest.mark.parametrize("stack", ["prod", "staging", "dev"])
def test_the_shipped_environment_copies_are_the_contract(stack):
    copies = shipped_plan(stack)["outputs"]["copies"]
    assert copies_of({"copies": copies}, stack) == copies
    assert [sorted(c) for c in copies] == [sorted(keys(CopyExport))] * len(copies)
    assert {c["key"] for c in copies} <= {CUSTOMER_MANAGED, AWS_OWNED}


def test_every_field_of_the_contract_says_in_one_line_what_it_holds():
    for typed_dict in CONTRACT:
        schema = TypeAdapter(typed_dict).json_schema()
        for definition in [schema, *schema.get("$defs", {}).values()]:
            for name, field in definition["properties"].items():
                assert field.get("description"), f"{definition['title']}.{name}"
                assert "\n" not in field["description"], f"{definition['title']}.{name}"
            assert definition["additionalProperties"] is False, definition["title"]


def test_the_footholds_of_the_posture_tool_reach_the_places_the_copies_export_names():
    from hardened_tools.posture.survival import FOOTHOLDS

    assert set().union(*(f.reaches for f in FOOTHOLDS)) == set(get_args(CopyExport.__annotations__["where"]))


# --- the environment program refuses an organization stack that breaks the contract ----------------------------


@pytest.fixture
def served(monkeypatch):
    """The shipped organization stack's outputs, as every stack reference of the planned program receives them:
    change them to build a bad case."""
    org = shipped_plan("org")
    outputs = org["outputs"]

    def resolve(self, reference: str) -> ReferencedStack:
        assert reference == "org"
        return ReferencedStack(
            stack="org", outputs=outputs, secret_outputs=[], computed_outputs=org["computed_outputs"]
        )

    monkeypatch.setattr(StackReferences, "__call__", resolve)
    return outputs


def environment(stack: str) -> dict:
    return build_plan(run_stack(find_project(ROOT), stack))


def refusal(stack: str) -> str:
    with pytest.raises(StackConfigError) as raised:
        run_stack(find_project(ROOT), stack)
    return str(raised.value)


def test_the_served_shipped_exports_plan_as_the_reference_does(served):
    # Numbers cross the stack reference as floats (maxMfaAgeSeconds arrives as 900.0) and are accepted as the
    # whole numbers they are.
    assert environment("dev")["outputs"] == shipped_plan("dev")["outputs"]


BROKEN = {
    "a missing export": (
        lambda o: o.pop("alarms"),
        "export 'alarms' is missing (expected: the alarm hub).",
    ),
    "a missing account": (
        lambda o: o["accounts"].pop("security"),
        "export 'accounts.security' is missing (expected: the security account: the alarm hub and, by default, the "
        "break-glass users).",
    ),
    "a number for a string": (
        lambda o: o["accounts"]["workloads"]["dev"].update(accountId=414294754289),
        "export 'accounts.workloads.dev.accountId' is 414294754289: Input should be a valid string (expected: the "
        "account's 12-digit id, which every provider into it is pinned to).",
    ),
    "a string for a number": (
        lambda o: o["breakGlass"].update(maxMfaAgeSeconds="900"),
        "export 'breakGlass.maxMfaAgeSeconds' is \"900\": Input should be a valid integer (expected: how old the MFA "
        "of a break-glass session may be, in seconds).",
    ),
    "a fraction for a whole number": (
        lambda o: o["breakGlass"].update(maxSessionSeconds=3600.5),
        "export 'breakGlass.maxSessionSeconds' is 3600.5: Input should be a valid integer (expected: how long a "
        "break-glass session lasts, in seconds).",
    ),
    "a role ARN that is none": (
        lambda o: o["accounts"]["backup"].update(deploymentRoleArn="hardened-deployer"),
        "export 'accounts.backup.deploymentRoleArn' is \"hardened-deployer\": String should match pattern "
        "'^arn:aws(-[a-z]+)*:iam::\\d{12}:role/[\\w+=,.@/-]+$' (expected: the role the pipelines deploy into the "
        "account with (memberRoleName)).",
    ),
    "a list for an object": (
        lambda o: o.update(alarms=["org-alarms"]),
        "export 'alarms' is a list: Input should be a valid dictionary (expected: the alarm hub).",
    ),
    "a key the contract lacks": (
        lambda o: o["alarms"].update(prefixes=["org-alarms"]),
        "export 'alarms.prefixes' is not in the contract (declared there: busArn, topicArn, prefix, regions).",
    ),
    # An organization stack deployed before the environments impersonated its deployer: `pulumi up --stack org` first.
    "an organization without its GCP deployer": (
        lambda o: o["gcp"].pop("deployerServiceAccount"),
        "export 'gcp.deployerServiceAccount' is missing (expected: the service account every stack deploys to GCP as "
        "(gcp.deployerServiceAccount), the deployer the folder's deny policy spares).",
    ),
    "a GCP deployer that is no service account": (
        lambda o: o["gcp"].update(deployerServiceAccount="user:deployer@acme.example"),
        "export 'gcp.deployerServiceAccount' is \"user:deployer@acme.example\": String should match pattern "
        "'^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\\.iam\\.gserviceaccount\\.com$' (expected: the "
        "service account every stack deploys to GCP as (gcp.deployerServiceAccount), the deployer the folder's deny "
        "policy spares).",
    ),
    "two problems at once": (
        lambda o: (o.pop("logBucket"), o["gcp"]["backupPlaneAlerts"].update(transfer=7)),
        "export 'gcp.backupPlaneAlerts.transfer' is 7: Input should be a valid string (expected: the alert policies "
        "on every move against the off-site copies, by alert). export 'logBucket' is missing (expected: the trail's "
        "log bucket in the log-archive account).",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_organization_stack_that_breaks_the_contract_is_refused_by_name(served, case):
    breaks, problems = BROKEN[case]
    breaks(served)
    assert refusal("prod") == REFUSED + problems + REMEDY


def test_the_plan_command_says_so_in_one_line(served, capsys):
    served.pop("trailArn")
    code = main(["plan", "--stack", "staging", "--format", "json", "--project-dir", str(ROOT)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"error: {REFUSED}export 'trailArn' is missing (expected: the organization trail).{REMEDY}\n"


def test_exports_beyond_the_contract_are_not_read(served):
    served["ownExport"] = {"anything": 1}
    assert environment("dev")["outputs"] == shipped_plan("dev")["outputs"]


# What the environment program checked on the reference before the contract, with the same messages.
CHECKED = {
    "alarm hub of another stack": (
        "dev",
        lambda o: o["alarms"].update(prefix="other-alarms"),
        "the organization stack 'org' names its alarm hub 'other-alarms', not 'org-alarms': organizationStack must "
        "name the stack that deployed it",
    ),
    "no workload account": (
        "dev",
        lambda o: o["accounts"]["workloads"].pop("dev"),
        "the organization stack 'org' has no workload account 'dev' (it has: prod, staging); add it there under "
        "accounts.workloads, or set environment",
    ),
    "an unwatched region": (
        "dev",
        lambda o: o["alarms"].update(regions=["eu-west-1"]),
        "key 'backups.secondRegion' is eu-central-1, not among the organization's regions (eu-west-1): its root SCP "
        "denies it and no alarm watches it; add it to regions there (organization stack 'org').",
    ),
    "no GCP backup project": (
        "prod",
        lambda o: o.pop("gcp"),
        "this stack keeps a copy at GCP, but the organization stack 'org' has no gcp backup project; add gcp there, "
        "or leave gcp out of this stack",
    ),
}


@pytest.mark.parametrize("case", sorted(CHECKED))
def test_the_checks_on_what_the_contract_allows_keep_their_messages(served, case):
    stack, breaks, message = CHECKED[case]
    breaks(served)
    assert refusal(stack) == message


def test_without_a_non_production_backup_account_dev_copies_into_the_backup_account(served):
    served["accounts"].pop("nonProductionBackup")
    assert environment("dev")["outputs"]["backupAccount"] == served["accounts"]["backup"]["accountId"]
    assert (
        shipped_plan("dev")["outputs"]["backupAccount"]
        == shipped_plan("org")["outputs"]["accounts"]["nonProductionBackup"]["accountId"]
    )


# --- the reading function and the organization's side ---------------------------------------------------------


class RecordingReference:
    """A stack reference that serves `outputs` and records which outputs were asked for."""

    def __init__(self, outputs: dict):
        self.outputs_served, self.asked = outputs, []

    def get_output(self, name: str) -> pulumi.Output:
        self.asked.append(name)
        return pulumi.Output.from_input(self.outputs_served.get(name))


def test_the_reading_function_asks_for_exactly_the_contracts_exports():
    outputs = {**shipped_plan("org")["outputs"], "ownExport": "not read"}
    reference = RecordingReference(outputs)

    def program():
        pulumi.export("read", organization_exports(reference, "org"))

    read = run_program(program, project="hardened-test", stack="test").outputs["read"]
    assert reference.asked == TOP_LEVEL == keys(OrganizationExports)
    assert read == {k: v for k, v in outputs.items() if k != "ownExport"}


def test_the_organization_program_exports_through_the_contract():
    outputs = shipped_plan("org")["outputs"]

    def program():
        export_organization(outputs)

    assert build_plan(run_program(program, project="hardened-test", stack="test"))["outputs"] == outputs


def test_a_misspelt_export_of_the_organization_program_is_a_type_error():
    outputs = shipped_plan("org")["outputs"]
    outputs["trailARN"] = outputs.pop("trailArn")
    outputs["accounts"].pop("logArchive")

    def program():
        export_organization(outputs)

    with pytest.raises(TypeError) as raised:
        run_program(program, project="hardened-test", stack="test")
    assert str(raised.value) == (
        "the organization program's exports do not match hardened.stack_contract: export 'trailArn' is missing "
        "(expected: the organization trail). export 'trailARN' is not in the contract (declared there: organizationId, "
        "region, accounts, breakGlass, alarms, gcp, trailArn, logBucket). export 'accounts.logArchive' is missing "
        "(expected: the log-archive account, which holds the organization trail's logs)."
    )


def test_an_output_of_the_wrong_type_is_refused_once_it_resolves():
    outputs = shipped_plan("org")["outputs"]

    def program():
        outputs["breakGlass"]["roleArns"] = pulumi.Output.from_input({"backup": "not an ARN"})
        export_organization(outputs)

    with pytest.raises(TypeError) as raised:
        run_program(program, project="hardened-test", stack="test")
    assert str(raised.value) == (
        "the organization program's exports do not match hardened.stack_contract: export "
        "'breakGlass.roleArns.backup' is \"not an ARN\": String should match pattern "
        "'^arn:aws(-[a-z]+)*:iam::\\d{12}:role/[\\w+=,.@/-]+$' (expected: each account's break-glass role, by "
        "account key (management, backup, log-archive, security, workload-<env>))."
    )


# --- the copies export, as the posture tool reads it -----------------------------------------------------------


def test_a_stack_without_copies_has_none_and_a_bad_copy_is_refused_by_name():
    assert copies_of({"backupAccount": "555910829563"}, "dev") == []
    copies = shipped_plan("dev")["outputs"]["copies"]
    copies[0]["key"] = "ours"
    del copies[3]["retentionDays"]
    with pytest.raises(StackConfigError) as raised:
        copies_of({"copies": copies}, "dev")
    assert str(raised.value) == (
        "the stack 'dev' exports copies that do not match hardened.stack_contract.CopyExport: export 'copies[0].key' "
        "is \"ours\": Input should be 'customer-managed' or 'AWS-owned' (expected: the key that encrypts it: "
        "customer-managed (ours, whose policy can change) or AWS-owned (nobody of ours holds it)). export "
        "'copies[3].retentionDays' is missing (expected: the retention its lock really enforces (the shortest, where "
        "copies differ))."
    )


def test_the_environment_program_exports_its_copies_through_the_contract():
    copies = shipped_plan("dev")["outputs"]["copies"]

    def program():
        export_copies(copies)

    assert build_plan(run_program(program, project="hardened-test", stack="test"))["outputs"] == {"copies": copies}
    copies[1]["where"] = "replica account"
    with pytest.raises(TypeError) as raised:
        run_program(program, project="hardened-test", stack="test")
    assert str(raised.value) == (
        "the environment program's copies do not match hardened.stack_contract: export 'copies[1].where' is "
        "\"replica account\": Input should be 'workload account', 'backup account' or 'backup project' (expected: the "
        "account or project that holds it)."
    )


# --- no export read by hand ------------------------------------------------------------------------------------


def contract_keys() -> set[str]:
    return {key for typed_dict in CONTRACT for key in keys(typed_dict)}


def string_keys_read(tree: ast.AST) -> list[str]:
    """Every string constant used as a subscript, or looked for with `in` in a value (not in one just built)."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            found.append(node.slice.value)
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
            and isinstance(node.ops[0], (ast.In, ast.NotIn))
            and not isinstance(node.comparators[0], ast.Call)
        ):
            found.append(node.left.value)
    return found


def keys_built(tree: ast.AST) -> set[str]:
    return {
        k.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for k in node.keys
        if isinstance(k, ast.Constant)
    }


def test_the_environment_program_reads_its_stack_reference_through_the_contract_only():
    tree = ast.parse((ROOT / "stacks/environment.py").read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    called = [c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", None) for c in calls]
    assert called.count("StackReference") == 1 and called.count("organization_exports") == 1
    read_by_hand = {"require_output", "get_output", "get_output_details", "outputs", "secret_output_names"}
    assert [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in read_by_hand] == []
    assert [
        c.args[0].value
        for c in calls
        if isinstance(c.func, ast.Attribute) and c.func.attr == "get" and c.args and isinstance(c.args[0], ast.Constant)
    ] == []
    # The reference itself goes to organization_exports and nowhere else.
    reference = next(
        n.targets[0].id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        and isinstance(n.value, ast.Call)
        and getattr(n.value.func, "attr", None) == "StackReference"
    )
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == reference and isinstance(n.ctx, ast.Load)]
    assert len(uses) == 1
    assert any(c.args and c.args[0] is uses[0] and getattr(c.func, "id", None) == "organization_exports" for c in calls)


def test_every_key_the_environment_side_reads_is_the_contracts_or_its_own():
    environment = ast.parse((ROOT / "stacks/environment.py").read_text())
    second_vendor = ast.parse((ROOT / "stacks/second_vendor.py").read_text())
    environment_side = next(
        n for n in ast.walk(second_vendor) if isinstance(n, ast.FunctionDef) and n.name == "environment_side"
    )
    for tree in (environment, environment_side):
        read = string_keys_read(tree)
        assert read, "nothing read"
        assert sorted(set(read) - contract_keys() - keys_built(tree)) == []
    # The organization's exports that the environment side reads by name, all declared by the contract.
    assert sorted(set(string_keys_read(environment)) - keys_built(environment)) == [
        "accounts",
        "alarms",
        "breakGlassRoleArn",
        "deploymentRoleArn",
        "gcp",
        "nonProductionBackup",
        "organizationId",
        "prefix",
        "regions",
        "workloads",
    ]
    assert sorted(set(string_keys_read(environment_side)) - keys_built(environment_side)) == [
        "deployerServiceAccount",
        "projectId",
        "region",
    ]
