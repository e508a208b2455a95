"""The independent IAM evaluator: @cloud-copilot/iam-simulate, run by Node.js (installed by `make test`).

Policies are judged by it, never by logic written in this project. Context keys that AWS would fill
in from the request (aws:PrincipalArn, aws:SecureTransport...) are given explicitly by each test.
"""

import atexit
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

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
    resource_control_policies: list[dict] = field(
        default_factory=list
    )  # of the resource's account; RCPFullAWSAccess is implied
    uncatalogued_context_keys: tuple[str, ...] = ()
    """Keys of `context` that AWS fills in for this request but iam-data's catalogue does not list for the action, so
    that runSimulation would drop them (GitHub's `token.actions.githubusercontent.com:sub` and `:aud` for
    sts:AssumeRoleWithWebIdentity). runSimulation still validates the request and must report exactly these as the keys
    it ignored; the verdict is then iam-simulate's runUnsafeSimulation's, which evaluates the context as given."""

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
        if self.uncatalogued_context_keys:
            assert set(self.uncatalogued_context_keys) <= set(self.context), self.uncatalogued_context_keys
            simulation["uncataloguedContextKeys"] = list(self.uncatalogued_context_keys)
        return simulation


def node_executable() -> str:
    beside_python = Path(sys.executable).parent / "node"
    found = str(beside_python) if beside_python.exists() else shutil.which("node")
    assert found, "Node.js is missing: run `make test`, which installs it"
    return found


_evaluator: tuple[subprocess.Popen, IO[bytes]] | None = None  # the process and the file its stderr goes to


def _running_evaluator() -> tuple[subprocess.Popen, IO[bytes]]:
    """The evaluator's process (simulate.mjs), started on first use and kept for the rest of the test process: starting
    Node.js and loading iam-simulate cost more than most batches of requests. Each pytest-xdist worker has its own."""
    global _evaluator
    if _evaluator is None or _evaluator[0].poll() is not None:
        errors = tempfile.TemporaryFile()  # read only if it stops: a pipe nobody reads could fill and block it
        process = subprocess.Popen(
            [node_executable(), str(SIMULATOR / "simulate.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=SIMULATOR,
        )
        atexit.register(process.communicate)  # the end of its input ends it
        _evaluator = process, errors
    return _evaluator


def evaluate(requests: list[Request]) -> list[str]:
    """The evaluator's verdict for each request, in order; a request it rejects fails the test."""
    process, errors = _running_evaluator()
    try:
        process.stdin.write(json.dumps([r.simulation() for r in requests]) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
    except BrokenPipeError:
        line = ""
    if not line:
        process.wait()
        errors.seek(0)
        raise AssertionError(
            f"the evaluator stopped (exit {process.returncode}): {errors.read().decode(errors='replace')}"
        )
    verdicts = json.loads(line)
    for request, verdict in zip(requests, verdicts, strict=True):
        assert "errors" not in verdict, (
            f"the evaluator rejected {request.action} on {request.resource}: {verdict['errors']}"
        )
    return [verdict["result"] for verdict in verdicts]
