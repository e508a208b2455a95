"""The plan as a versioned JSON document (schema described in docs/offline-plan.md, "Plan JSON schema")."""

import json
from typing import Any

from hardened.json_text import parse_json_text

from .runtime import PROVIDER_PREFIX, PlanRun, Registration

PLAN_SCHEMA_VERSION = 1


def build_plan(run: PlanRun) -> dict:
    """The plan document of one run: every resource, sorted by URN, and the stack's exported outputs."""
    return {
        "schema_version": PLAN_SCHEMA_VERSION,
        "project": run.project,
        "stack": run.stack,
        "resources": [_resource(run, record) for _, record in sorted(run.resources.items())],
        # Exported values exactly as exported (JSON text stays text): stack references serve them as they are.
        "outputs": {key: run.outputs[key] for key in sorted(run.outputs)},
        "secret_outputs": sorted(run.secret_outputs),
        "computed_outputs": sorted(key for key, value in run.outputs.items() if run.placeholders.contains_atom(value)),
    }


def dumps(plan: dict) -> str:
    """Canonical JSON text: the same plan always gives the same bytes."""
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _resource(run: PlanRun, record: Registration) -> dict:
    is_provider = record.type.startswith(PROVIDER_PREFIX)
    document: dict[str, Any] = {
        "urn": record.urn,
        "type": record.type,
        "name": record.name,
        "parent": record.parent,
        "provider": record.provider,
        "custom": record.custom,
        "protect": record.protect,
        "retain_on_delete": record.retain_on_delete,
        "depends_on": record.depends_on,
        "lands_in": record.target.as_dict() if record.target else None,
        "inputs": readable(record.inputs, parse_all_json=is_provider),
        "computed_inputs": sorted(k for k, v in record.inputs.items() if run.placeholders.contains_atom(v)),
    }
    if record.read:
        document["read"] = True
    if record.import_id:
        document["import"] = record.import_id
    if record.custom:
        document["id"] = record.id
        document["outputs"] = readable(record.outputs or {}, parse_all_json=is_provider)
        document["computed_outputs"] = record.computed_outputs
    elif record.outputs is not None:
        document["outputs"] = readable(record.outputs)
    return document


def readable(value: Any, parse_all_json: bool = False) -> Any:
    """IAM policy documents (JSON text with a Statement) parsed into objects, at any depth; keys sorted.

    Provider inputs such as `assumeRoles` also travel as JSON text; `parse_all_json` parses those too.
    """
    if isinstance(value, dict):
        return {key: readable(value[key], parse_all_json) for key in sorted(value)}
    if isinstance(value, list):
        return [readable(item, parse_all_json) for item in value]
    parsed = parse_json_text(value)
    if parsed is not value and (parse_all_json or (isinstance(parsed, dict) and "Statement" in parsed)):
        return readable(parsed, parse_all_json)
    return value
