"""The independent IAM evaluator: @cloud-copilot/iam-simulate, run by Node.js (installed by `make test`).

Policies are judged by it, never by logic written in this project. Context keys that AWS would fill
in from the request (aws:PrincipalArn, aws:SecureTransport...) are given explicitly by each test.
"""

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SIMULATOR = Path(__file__).parent / "iam_simulator"
ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "Allowed", "ExplicitlyDenied", "ImplicitlyDenied"
ALLOW_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass
class Request:
    """One API call by one principal, with the policies that apply to it."""

    principal: str
    action: str
    resource: str
    resource_account: str
    context: dict = field(default_factory=dict)
    identity_policies: list[dict] = field(default_factory=lambda: [ALLOW_EVERYTHING])
    resource_policy: dict | None = None
    service_control_policies: list[dict] = field(default_factory=list)
    resource_control_policies: list[dict] = field(default_factory=list)  # of the resource's account; RCPFullAWSAccess is implied

    def simulation(self) -> dict:
        simulation = {
            "request": {
                "principal": self.principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": self.resource_account},
                "contextVariables": self.context,
            },
            "identityPolicies": [{"name": f"identity{i}", "policy": p} for i, p in enumerate(self.identity_policies)],
            "serviceControlPolicies": self.service_control_policies,
            "resourceControlPolicies": self.resource_control_policies,
        }
        if self.resource_policy is not None:
            simulation["resourcePolicy"] = self.resource_policy
        return simulation


def node_executable() -> str:
    beside_python = Path(sys.executable).parent / "node"
    found = str(beside_python) if beside_python.exists() else shutil.which("node")
    assert found, "Node.js is missing: run `make test`, which installs it"
    return found


def evaluate(requests: list[Request]) -> list[str]:
    """The evaluator's verdict for each request, in order; a request it rejects fails the test."""
    completed = subprocess.run(
        [node_executable(), str(SIMULATOR / "simulate.mjs")],
        input=json.dumps([r.simulation() for r in requests]),
        capture_output=True,
        text=True,
        check=True,
        cwd=SIMULATOR,
    )
    verdicts = json.loads(completed.stdout)
    for request, verdict in zip(requests, verdicts, strict=True):
        assert "errors" not in verdict, f"the evaluator rejected {request.action} on {request.resource}: {verdict['errors']}"
    return [verdict["result"] for verdict in verdicts]
