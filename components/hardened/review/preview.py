"""`hardened review preview.json`: the output of `pulumi preview --json` as a pull-request comment.

    pulumi preview --json --stack prod > preview.json
    hardened review preview.json [--output comment.md]

The comment puts first what a reviewer must not miss: deletes and replaces of protected or
data-bearing resources, and changes to retention, locks, public access, policies, key rotation
and Pulumi's own `protect` / `retainOnDelete`, each shown as `old → new`. Every other step is
listed, one line each, in a collapsed block. The comment stays within 64,000 characters
(GitHub's limit is 65,536); the collapsed block is cut first, with a note.

What this module relies on, from Pulumi's source (github.com/pulumi/pulumi):

* `pkg/display/json.go` (`sdk/pkg/display/json.go` in recent trees): `pulumi preview --json`
  prints one `PreviewDigest`: `config` (map, secrets blinded), `steps` (list of `PreviewStep`),
  `diagnostics` (`urn`, `prefix`, `message`, `severity`), `duration` (a Go `time.Duration`,
  nanoseconds), `changeSummary` (op -> count) and `maybeCorrupt`. Every field but `detailedDiff`
  is `omitempty`, so `steps` is absent only when nothing was planned (the CLI prints `{}` when a
  preview cannot start).
* `PreviewStep`: `op`, `urn`, `provider`, `oldState`, `newState`, `diffReasons` (top-level
  property names; "for updating steps only"), `replaceReasons` ("for replacement steps only")
  and `detailedDiff` (property path -> `{kind, inputDiff}`), which has no `omitempty` and is
  `null` whenever the provider gave no detailed diff (creates, deletes, and providers without
  `hasDetailedDiff`).
* `PropertyDiff.kind` is `plugin.DiffKind.String()` (`sdk/go/common/resource/plugin/provider.go`):
  `add`, `add-replace`, `delete`, `delete-replace`, `update`, `update-replace`. The camel-case
  spellings (`addReplace`, ...) are accepted as well. `inputDiff: true` means the difference is
  between old and new inputs; otherwise between the old state (outputs) and the new inputs, so
  the old value is read from `oldState.outputs` first.
* `oldState` / `newState` are `apitype.ResourceV3` (`sdk/go/common/apitype/core.go`): `urn`,
  `custom`, `id`, `type`, `inputs`, `outputs`, `parent`, `protect`, `retainOnDelete`, `external`,
  `dependencies`, `provider`, `propertyDependencies`, `deletedWith`, `created`, `modified`, ...
  A create has no `oldState`, a delete no `newState`. `pkg/backend/display/json.go`
  (`stateForJSONOutput` / `MassageSecrets(…, false)`) replaces every secret value with the string
  `"[secret]"`. Unknown values ("known after apply") serialise as the sentinel
  `04da6b54-80e4-46f7-96ec-b56ff0331ba9` (`plugin.UnknownStringValue`). Terraform-bridged
  providers add a `__defaults` list to the inputs; keys starting with `__` are ignored.
* Step ops (`pkg/resource/deploy/step.go`, `StepOps`): same, create, update, delete, replace,
  create-replacement, delete-replaced, read, read-replacement, refresh, discard,
  discard-replaced, remove-pending-replace, import, import-replacement. The JSON shows `same`
  steps only with `--show-sames` (or when `protect` changed) and the root `pulumi:pulumi:Stack`
  always; a replacement is one logical `replace` step, plus `create-replacement` and
  `delete-replaced` with `--show-replacement-steps` (`shouldShow`). All steps of one
  replacement share the URN and are grouped here as one.
* `changeSummary` counts only logical steps that planned without error
  (`previewActions.OnResourceStepPost`). A delete of a protected resource fails in preview
  (`DeleteStep.Apply`: "cannot be deleted because it is protected"): its step is still listed
  (the step is announced before it is applied) but not counted, and an `error` diagnostic names
  it. A replace of a resource protected in the old and new state fails in the step generator
  ("unable to replace resource … as it is currently marked for protection"). Both are shown as
  refused by the engine; a replace whose new state drops `protect` is shown as going through.
* URNs are `urn:pulumi:<stack>::<project>::<parent-type>$…$<type>::<name>`; the name may itself
  contain `::`.
* Diagnostic severities are `debug`, `info`, `info#err`, `warning`, `error`; messages may carry
  ANSI colour codes, which are stripped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import HardenedError
from ..json_text import parse_json_text

GITHUB_COMMENT_LIMIT = 64_000
SECRET = "[secret]"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

STEP_OPS = (
    "same", "create", "update", "delete", "replace", "create-replacement", "delete-replaced", "read",
    "read-replacement", "refresh", "discard", "discard-replaced", "remove-pending-replace", "import",
    "import-replacement",
)
REPLACEMENT_OPS = frozenset({"replace", "create-replacement", "delete-replaced"})
# Logical steps the engine counts in changeSummary under their own op (refresh steps count as `same`).
CROSS_CHECKED_OPS = ("create", "update", "delete", "replace", "import", "import-replacement")
COUNT_LABELS = {
    "create": "to create", "update": "to update", "delete": "to delete", "replace": "to replace",
    "read": "to read", "refresh": "to refresh", "import": "to import", "import-replacement": "to import and replace",
    "discard": "to discard", "same": "unchanged",
}

# Resources whose loss loses data or a guard of data. Their settings resources are listed too:
# deleting a bucket's object-lock configuration or a vault's lock is as bad as deleting the bucket.
_S3_SETTINGS = frozenset({
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
})
# Types whose every property (tags aside) is security-relevant: each exists only to hold a guard.
GUARD_TYPES = _S3_SETTINGS | frozenset({
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    "aws:backup/vaultPolicy:VaultPolicy",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:organizations/policy:Policy",
    "aws:organizations/policyAttachment:PolicyAttachment",
    "gcp:iam/denyPolicy:DenyPolicy",
    "gcp:orgpolicy/policy:Policy",
})
DATA_BEARING_TYPES = GUARD_TYPES | frozenset({
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:kms/key:Key",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:kms/externalKey:ExternalKey",
    "aws:kms/replicaExternalKey:ReplicaExternalKey",
    "aws:backup/vault:Vault",
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
    "aws:backup/plan:Plan",
    "aws:backup/selection:Selection",
    "aws:cloudtrail/trail:Trail",
    "aws:organizations/organization:Organization",
    "aws:organizations/account:Account",
    "gcp:storage/bucket:Bucket",
    "gcp:kms/cryptoKey:CryptoKey",
    "gcp:backupdisasterrecovery/backupVault:BackupVault",
    "gcp:backupdisasterrecovery/backupPlan:BackupPlan",
    "gcp:backupdisasterrecovery/backupPlanAssociation:BackupPlanAssociation",
    "gcp:storage/transferJob:TransferJob",
})

# A property path is security-relevant when one of its keys contains one of these (lower case).
_RELEVANT_KEY_PARTS = (
    "retention", "islocked", "objectlock", "lifecycle", "expiration", "noncurrentversion", "deleteafter",
    "coldstorageafter", "softdelete", "publicaccessprevention", "blockpublicacls", "blockpublicpolicy",
    "ignorepublicacls", "restrictpublicbuckets", "policy", "enablekeyrotation", "rotationperiod",
    "deletionwindowindays", "forcedestroy", "forcedelete", "deletionprotection", "mfadelete", "versioning",
)
_ROUTINE_TOP_KEYS = frozenset({"tags", "tagsAll", "labels", "effectiveLabels", "pulumiLabels", "terraformLabels"})
_SHORTENABLE_PARTS = ("retention", "deleteafter", "coldstorageafter", "expiration", "noncurrentversion",
                      "deletionwindowindays", "softdelete")
_GUARD_FLAGS = frozenset({"protect", "retainondelete", "islocked", "blockpublicacls", "blockpublicpolicy",
                          "ignorepublicacls", "restrictpublicbuckets", "enablekeyrotation", "deletionprotection",
                          "objectlockenabled", "enabled", "mfadelete"})
_UNGUARD_FLAGS = frozenset({"forcedestroy", "forcedelete"})
_WEAKER_WORDS = {("compliance", "governance"), ("enforced", "inherited"), ("enabled", "suspended"),
                 ("enabled", "disabled"), ("enabled", ""), ("true", "false")}

_MISSING = object()
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|<\{%[^%]*%\}>")
_VALUE_WIDTH = 100
_MESSAGE_WIDTH = 600
_MAX_ENGINE_ERRORS = 20


class PreviewInputError(HardenedError):
    """The input is not the output of `pulumi preview --json`."""


# ----------------------------------------------------------------------------------------------
# Reading the digest


@dataclass
class Step:
    index: int
    op: str
    urn: str
    type: str
    name: str
    old: dict | None
    new: dict | None
    diff_reasons: list[str]
    replace_reasons: list[str]
    detailed_diff: dict | None


@dataclass
class Change:
    path: str
    keys: list[str]
    old: Any
    new: Any
    kind: str = "update"
    option: bool = False  # a Pulumi resource option (protect, retainOnDelete), not a property
    values_known: bool = True  # False when only diffReasons name it: the values are not in the preview


@dataclass
class Unit:
    """One step, or all steps of one replacement (same URN), as the reviewer should see it."""

    op: str
    steps: list[Step]
    old: dict | None
    new: dict | None
    changes: list[Change] = field(default_factory=list)

    @property
    def first(self) -> Step:
        return self.steps[0]


def parse_urn(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, type, name) of `urn:pulumi:stack::project::parent$type::name`."""
    if not urn.startswith("urn:pulumi:"):
        return "", "", "", urn
    parts = urn[len("urn:pulumi:"):].split("::", 3)
    if len(parts) < 4:
        return "", "", "", urn
    stack, project, qualified_type, name = parts
    return stack, project, qualified_type.split("$")[-1], name


def _validated(preview: Any, source: str = "the input") -> dict:
    hint = "Pass the file written by `pulumi preview --json > preview.json`."
    if not isinstance(preview, dict):
        raise PreviewInputError(f"{source} is not the output of `pulumi preview --json`: it is JSON, but not an object. {hint}")
    steps = preview.get("steps")
    if not isinstance(steps, list):
        if not preview:
            raise PreviewInputError(
                f"{source} is an empty JSON object, not a preview: `pulumi preview --json` prints `{{}}` when the preview "
                "could not start (missing stack, config or project); its error output says why."
            )
        raise PreviewInputError(f"{source} is not the output of `pulumi preview --json`: it has no \"steps\" list. {hint}")
    for number, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str) or not isinstance(step.get("urn"), str):
            raise PreviewInputError(
                f"{source} is not the output of `pulumi preview --json`: steps[{number}] is not a step with a string "
                f"\"op\" and \"urn\". {hint}"
            )
    return preview


def _steps(preview: dict) -> list[Step]:
    steps = []
    for index, raw in enumerate(preview["steps"]):
        old = raw.get("oldState") if isinstance(raw.get("oldState"), dict) else None
        new = raw.get("newState") if isinstance(raw.get("newState"), dict) else None
        _, _, urn_type, name = parse_urn(raw["urn"])
        state_type = (new or old or {}).get("type")
        steps.append(Step(
            index=index,
            op=raw["op"],
            urn=raw["urn"],
            type=urn_type or (state_type if isinstance(state_type, str) else "") or "(unknown type)",
            name=name,
            old=old,
            new=new,
            diff_reasons=[str(k) for k in raw.get("diffReasons") or [] if isinstance(k, str)],
            replace_reasons=[str(k) for k in raw.get("replaceReasons") or [] if isinstance(k, str)],
            detailed_diff=raw.get("detailedDiff") if isinstance(raw.get("detailedDiff"), dict) else None,
        ))
    return steps


def _units(steps: list[Step]) -> list[Unit]:
    units: list[Unit] = []
    replacements: dict[str, Unit] = {}
    for step in steps:
        if step.op in REPLACEMENT_OPS:
            unit = replacements.get(step.urn)
            if unit is None:
                unit = replacements[step.urn] = Unit("replace", [], None, None)
                units.append(unit)
            unit.steps.append(step)
        else:
            units.append(Unit(step.op, [step], step.old, step.new))
    for unit in replacements.values():
        # The logical `replace` and `create-replacement` carry both states; `delete-replaced` only the old one.
        ordered = sorted(unit.steps, key=lambda s: ("replace", "create-replacement", "delete-replaced").index(s.op))
        unit.old = next((s.old for s in ordered if s.old), None)
        unit.new = next((s.new for s in ordered if s.new and s.op != "delete-replaced"), None)
    return units


# ----------------------------------------------------------------------------------------------
# Property paths and values


def parse_path(path: str) -> list[str | int]:
    """`a.b[0]["c.d"]` -> ['a', 'b', 0, 'c.d'] (Pulumi's `resource.PropertyPath` syntax)."""
    keys: list[str | int] = []
    i, n = 0, len(path)
    while i < n:
        char = path[i]
        if char == ".":
            i += 1
        elif char == "[":
            if path.startswith('["', i):
                j, text = i + 2, []
                while j < n and path[j] != '"':
                    if path[j] == "\\" and j + 1 < n:
                        j += 1
                    text.append(path[j])
                    j += 1
                keys.append("".join(text))
                i = path.find("]", j) + 1 or n
            else:
                end = path.find("]", i)
                end = n if end < 0 else end
                token = path[i + 1:end]
                keys.append(int(token) if token.isdigit() else token)
                i = end + 1
        else:
            j = i
            while j < n and path[j] not in ".[":
                j += 1
            keys.append(path[i:j])
            i = j
    return keys


def format_path(keys: Iterable[str | int]) -> str:
    text = ""
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        elif key and re.fullmatch(r"[A-Za-z0-9_$\-]+", key):
            text += f".{key}" if text else key
        else:
            text += "[" + json.dumps(key) + "]"
    return text


def _lookup(value: Any, keys: list[str | int]) -> Any:
    for key in keys:
        if isinstance(value, dict) and isinstance(key, str) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        elif isinstance(value, str) and value in (SECRET, UNKNOWN):
            return value  # a secret or unknown object hides its members
        else:
            return _MISSING
    return value


def _has_secret(value: Any) -> bool:
    if isinstance(value, str):
        return value == SECRET
    if isinstance(value, dict):
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def _diff_values(old: Any, new: Any, keys: list[str | int]) -> list[Change]:
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in list(old) + [k for k in new if k not in old]:
            if key.startswith("__"):
                continue
            changes += _diff_values(old.get(key, _MISSING), new.get(key, _MISSING), [*keys, key])
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (o, n) in enumerate(zip(old, new, strict=True)) for c in _diff_values(o, n, [*keys, i])]
    kind = "add" if old is _MISSING else "delete" if new is _MISSING else "update"
    return [Change(format_path(keys), [k for k in keys if isinstance(k, str)], old, new, kind)]


def _state_part(state: dict | None, part: str) -> dict:
    value = (state or {}).get(part)
    return value if isinstance(value, dict) else {}


def _changes(unit: Unit) -> list[Change]:
    """What changes in the unit's properties and resource options; empty for creates, deletes and reads."""
    if unit.old is None or unit.new is None or unit.op not in ("update", "replace", "same", "import-replacement"):
        return []
    old_inputs, old_outputs = _state_part(unit.old, "inputs"), _state_part(unit.old, "outputs")
    new_inputs = _state_part(unit.new, "inputs")
    detailed = next((s.detailed_diff for s in unit.steps if s.detailed_diff), None)
    changes: list[Change] = []
    if detailed:
        for path, diff in detailed.items():
            keys = parse_path(path)
            input_diff = isinstance(diff, dict) and diff.get("inputDiff") is True
            old = _lookup(old_inputs, keys) if input_diff else _lookup(old_outputs, keys)
            if old is _MISSING:
                old = _lookup(old_inputs, keys)
            kind = diff.get("kind", "update") if isinstance(diff, dict) else "update"
            new = _MISSING if _normal_kind(kind).startswith("delete") else _lookup(new_inputs, keys)
            changes.append(Change(path, [k for k in keys if isinstance(k, str)], old, new, str(kind)))
    elif unit.op != "same":
        changes = _diff_values(old_inputs, new_inputs, [])
        covered = {c.keys[0] for c in changes if c.keys}
        reasons = dict.fromkeys(k for s in unit.steps for k in [*s.replace_reasons, *s.diff_reasons])
        for key in reasons:
            if key in covered or key.startswith("__"):
                continue
            keys = parse_path(key)
            old = _lookup(old_inputs, keys)
            old = _lookup(old_outputs, keys) if old is _MISSING else old
            new = _lookup(new_inputs, keys)
            changes.append(Change(key, [k for k in keys if isinstance(k, str)], old, new, "update", values_known=old != new))
    replace_keys = {k for s in unit.steps for k in s.replace_reasons}
    for change in changes:
        if change.keys and change.keys[0] in replace_keys and not _normal_kind(change.kind).endswith("replace"):
            change.kind = _normal_kind(change.kind) + "-replace"
    for option in ("protect", "retainOnDelete"):
        old, new = bool(unit.old.get(option)), bool(unit.new.get(option))
        if old != new:
            changes.append(Change(option, [option], old, new, "update", option=True))
    return changes


def _normal_kind(kind: str) -> str:
    return {"addReplace": "add-replace", "deleteReplace": "delete-replace", "updateReplace": "update-replace"}.get(kind, kind)


def _is_relevant(resource_type: str, change: Change) -> bool:
    if change.option:
        return True
    if change.keys and change.keys[0] in _ROUTINE_TOP_KEYS:
        return False
    if resource_type in GUARD_TYPES:
        return True
    lowered = [k.lower() for k in change.keys]
    if any(part in key for key in lowered for part in _RELEVANT_KEY_PARTS):
        return True
    return _policy_statements(change.old) is not None or _policy_statements(change.new) is not None


def _policy_statements(value: Any) -> list[dict] | None:
    """The statements of an IAM-style policy document (JSON text or object), or None if it is not one."""
    document = parse_json_text(value)
    if not isinstance(document, dict) or "Statement" not in document:
        return None
    statements = document["Statement"]
    statements = [statements] if isinstance(statements, dict) else statements
    return [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else None


def _policy_summary(old: list[dict], new: list[dict]) -> tuple[str, bool]:
    """'policy changed: 3 statements → 2, Deny removed: `Sid`', and whether it weakens the policy."""
    def label(statement: dict, number: int) -> str:
        sid = statement.get("Sid")
        return _code(sid) if isinstance(sid, str) and sid else f"statement {number + 1} (no Sid)"

    def identity(statement: dict) -> str:
        sid = statement.get("Sid")
        return f"sid:{sid}" if isinstance(sid, str) and sid else "doc:" + json.dumps(statement, sort_keys=True)

    old_by_id = {identity(s): (i, s) for i, s in enumerate(old)}
    new_by_id = {identity(s): (i, s) for i, s in enumerate(new)}
    notes, weaker = [], False
    for effect in ("Deny", "Allow"):
        removed = [label(s, i) for key, (i, s) in old_by_id.items() if key not in new_by_id and s.get("Effect") == effect]
        added = [label(s, i) for key, (i, s) in new_by_id.items() if key not in old_by_id and s.get("Effect") == effect]
        changed = [label(s, i) for key, (i, s) in new_by_id.items()
                   if key in old_by_id and old_by_id[key][1] != s and effect in (s.get("Effect"), old_by_id[key][1].get("Effect"))]
        for verb, labels in (("removed", removed), ("added", added), ("changed", changed)):
            if labels:
                notes.append(f"{effect} {verb}: {', '.join(labels)}")
        if effect == "Deny":
            weaker = weaker or bool(removed or changed)
        else:
            weaker = weaker or bool(added or changed)
    counts = f"{len(old)} statement{'s' * (len(old) != 1)} → {len(new)}"
    detail = ", ".join(notes) if notes else "statements unchanged (formatting only)"
    return f"policy changed: {counts}, {detail}", weaker


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.rstrip("s"))  # GCP durations: "2592000s"
        except ValueError:
            return None
    return None


def _direction(change: Change) -> str:
    """'⚠️ shortened', '⚠️ turned off', … when the change plainly weakens a guard; '' otherwise."""
    old, new = change.old, change.new
    lowered = [k.lower() for k in change.keys]
    last = lowered[-1] if lowered else ""
    if new is _MISSING and old is not _MISSING and old not in (False, None, "", [], {}):
        return "⚠️ removed"
    if isinstance(old, bool) and isinstance(new, bool):
        if last in _GUARD_FLAGS and old and not new:
            return "⚠️ turned off"
        if last in _UNGUARD_FLAGS and new and not old:
            return "⚠️ turned on"
        return ""
    old_number, new_number = _number(old), _number(new)
    if old_number is not None and new_number is not None and "changeablefordays" not in lowered:
        if any(part in key for key in lowered for part in _SHORTENABLE_PARTS):
            if new_number < old_number:
                return "⚠️ shortened"
            return "lengthened" if new_number > old_number else ""
        return ""
    if isinstance(old, str) and (isinstance(new, str) or new is _MISSING):
        pair = (old.lower(), "" if new is _MISSING else new.lower())
        if pair in _WEAKER_WORDS:
            return "⚠️ weakened"
    return ""


# ----------------------------------------------------------------------------------------------
# Markdown


def _code(text: Any) -> str:
    """`text` as an inline code span that nothing in it can break."""
    text = re.sub(r"\s+", " ", str(text)).strip() or " "
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plain(text: str, width: int = _MESSAGE_WIDTH) -> str:
    """A diagnostic message as one line of markdown text (no HTML, no colour codes)."""
    text = re.sub(r"\s+", " ", _ANSI.sub("", text)).strip()
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _show(value: Any) -> str:
    if value is _MISSING or value is None:
        return "(none)"
    if value == UNKNOWN:
        return "(known after apply)"
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 1] + "…"
    return _code(text)


def _change_line(change: Change) -> tuple[str, bool]:
    """One bullet for a security-relevant change, and whether it plainly weakens a guard."""
    where = f"{_code(change.path)} (resource option)" if change.option else _code(change.path)
    replaces = " — forces replacement" if _normal_kind(change.kind).endswith("replace") else ""
    if _has_secret(change.old) or _has_secret(change.new):
        return f"{where}: (secret) changed{replaces}", False
    if not change.values_known:
        return f"{where}: changed (the preview does not show the values){replaces}", False
    old_policy, new_policy = _policy_statements(change.old), _policy_statements(change.new)
    if old_policy is not None and new_policy is not None:
        summary, weaker = _policy_summary(old_policy, new_policy)
        return f"{where}: {'⚠️ ' if weaker else ''}{summary}{replaces}", weaker
    if old_policy is not None or new_policy is not None:
        if change.new == UNKNOWN:
            return f"{where}: policy recomputed, known after apply ({len(old_policy or [])} statements now){replaces}", False
        if change.new is _MISSING:
            return f"{where}: ⚠️ policy removed ({len(old_policy or [])} statements){replaces}", True
        return f"{where}: policy set: {len(old_policy or [])} statements → {len(new_policy or [])}{replaces}", False
    direction = _direction(change)
    suffix = f" {direction}" if direction else ""
    return f"{where}: {_show(change.old)} → {_show(change.new)}{suffix}{replaces}", direction.startswith("⚠️")


@dataclass
class Finding:
    severity: int  # 0: the engine refuses or data goes; 1: destructive; 2: weakening property change
    order: int
    lines: list[str]


def _finding(unit: Unit, errors_by_urn: dict[str, list[str]]) -> Finding | None:
    step = unit.first
    kind = step.type
    protected_old = bool((unit.old or {}).get("protect"))
    protected_new = bool((unit.new or {}).get("protect"))
    retained = bool((unit.old or {}).get("retainOnDelete"))
    data_bearing = kind in DATA_BEARING_TYPES
    destructive = unit.op in ("delete", "replace")
    relevant = [c for c in unit.changes if _is_relevant(kind, c)]
    if not ((destructive and (protected_old or data_bearing)) or relevant):
        return None
    if unit.op == "replace":  # what forces the replacement is worth seeing even when it is no guard itself
        relevant += [c for c in unit.changes if c not in relevant and _normal_kind(c.kind).endswith("replace")]

    what = f"{_code(kind)} {_code(step.name)}"
    ops = " + ".join(s.op for s in unit.steps) if len(unit.steps) > 1 else ""
    ops = f" (steps: {ops})" if ops else ""
    notes: list[str] = []
    severity = 2
    if unit.op == "delete":
        severity = 0 if protected_old or (data_bearing and not retained) else 1
        if protected_old:
            head = f"🛑 **delete of a PROTECTED resource** {what}"
            notes.append("The engine refuses to delete a resource whose state has `protect: true`, so this "
                         "preview cannot be applied as it is. It goes through only if someone first removes "
                         "`protect` (in the program or with `pulumi state unprotect`): check that this is intended.")
        else:
            head = f"⚠️ **delete** {what}"
        if data_bearing:
            notes.append("Data-bearing resource: deleting it can lose data or a guard of data.")
        notes.append("`retainOnDelete` is set: Pulumi would drop it from the state and leave it in the cloud."
                     if retained else "`retainOnDelete` is not set: the cloud resource itself is deleted.")
    elif unit.op == "replace":
        reasons = list(dict.fromkeys(k for s in unit.steps for k in s.replace_reasons))
        because = f" — replaced because of {', '.join(_code(k) for k in reasons)}" if reasons else ""
        if protected_old and protected_new:
            severity = 0
            head = f"🛑 **replace of a PROTECTED resource** {what}{ops}{because}"
            notes.append("The engine refuses to replace a resource protected in its old and new state (a replace "
                         "deletes the old one), so this preview cannot be applied as it is.")
        elif protected_old:
            severity = 0
            head = f"🛑 **replace of a resource whose `protect` is removed in this same change** {what}{ops}{because}"
            notes.append("`protect` goes from true to false in this change, so the engine WILL delete the old "
                         "resource after creating its replacement.")
        else:
            severity = 0 if data_bearing else 1
            head = f"⚠️ **replace** {what}{ops}{because}"
            notes.append("A replace creates a new resource and deletes the old one" +
                         (" (`retainOnDelete` is set: the old one is left in the cloud, out of Pulumi's state)." if retained
                          else "."))
        if data_bearing:
            notes.append("Data-bearing resource: the replacement starts empty; data and locks of the old one do not move over.")
    else:
        head = f"⚠️ **{unit.op}** {what}{ops}"
    weakening = False
    for change in relevant:
        line, weaker = _change_line(change)
        weakening = weakening or weaker
        notes.append(line)
    if severity == 2 and weakening:
        severity = 1
    notes += [f"engine error: {message}" for s in unit.steps for message in errors_by_urn.pop(s.urn, [])]
    return Finding(severity, step.index, [f"- {head}", *(f"  - {note}" for note in notes)])


def _counts(preview: dict, steps: list[Step]) -> list[str]:
    by_op: dict[str, int] = {}
    for step in steps:
        by_op[step.op] = by_op.get(step.op, 0) + 1
    summary = preview.get("changeSummary")
    lines: list[str] = []
    if isinstance(summary, dict) and all(isinstance(v, int) for v in summary.values()):
        counts = {str(op): n for op, n in summary.items() if n}
        source = "from `changeSummary`"
        for op in CROSS_CHECKED_OPS:
            listed, counted = by_op.get(op, 0), summary.get(op, 0)
            if listed > counted:
                lines.append(f"⚠️ The steps list {listed} {_code(op)} but `changeSummary` counts {counted}: the engine "
                             "could not plan the difference (see the errors below); this preview would fail.")
            elif listed < counted:
                lines.append(f"⚠️ `changeSummary` counts {counted} {_code(op)} but the steps list only {listed}.")
        if by_op.get("same", 0) > summary.get("same", 0):
            lines.append(f"⚠️ The steps list {by_op['same']} `same` but `changeSummary` counts {summary.get('same', 0)}.")
    else:
        counts = {op: n for op, n in by_op.items() if op not in ("create-replacement", "delete-replaced")}
        source = "counted from the steps: the preview has no `changeSummary`"
    ordered = sorted(counts, key=lambda op: (STEP_OPS.index(op) if op in STEP_OPS else len(STEP_OPS), op))
    ordered = [op for op in ordered if op != "same"] + (["same"] if "same" in counts else [])
    text = ", ".join(f"{counts[op]} {COUNT_LABELS.get(op, _code(op))}" for op in ordered) or "no changes"
    if preview.get("maybeCorrupt"):
        lines.append("⚠️ The engine reports that one or more resources may be corrupt (`maybeCorrupt`).")
    return [f"**Planned:** {text} ({source}).", *lines]


def _fit(lines: list[str], budget: int, note: str) -> list[str]:
    """As many of `lines` as fit in `budget` characters (joined by newlines), then `note` naming how many did not."""
    if sum(len(line) + 1 for line in lines) <= budget:
        return lines
    kept, used = [], len(note.format(n=len(lines))) + 1
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    return [*kept, note.format(n=len(lines) - len(kept))]


def summarize_preview(preview: dict, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """A markdown pull-request comment on a `pulumi preview --json` digest, at most `limit` characters."""
    preview = _validated(preview)
    steps = _steps(preview)
    units = _units(steps)
    for unit in units:
        unit.changes = _changes(unit)

    errors_by_urn: dict[str, list[str]] = {}
    loose_errors: list[str] = []
    for diagnostic in preview.get("diagnostics") or []:
        if not isinstance(diagnostic, dict) or diagnostic.get("severity") != "error":
            continue
        message = _plain(str(diagnostic.get("message") or ""))
        urn = diagnostic.get("urn")
        if isinstance(urn, str) and urn:
            errors_by_urn.setdefault(urn, []).append(message)
        else:
            loose_errors.append(f"- {message}")

    findings, others = [], []
    for unit in units:
        finding = _finding(unit, errors_by_urn)
        if finding:
            findings.append(finding)
        else:
            others += [(s.op == "same", s.index, f"- {_code(s.op)} {_code(s.type)} {_code(s.name)}") for s in unit.steps]
    findings.sort(key=lambda f: (f.severity, f.order))
    other_lines = [line for _, _, line in sorted(others)]
    for urn, messages in errors_by_urn.items():
        loose_errors += [f"- {_code(parse_urn(urn)[3])}: {message}" for message in messages]
    if len(loose_errors) > _MAX_ENGINE_ERRORS:
        more = len(loose_errors) - _MAX_ENGINE_ERRORS
        loose_errors = [*loose_errors[:_MAX_ENGINE_ERRORS], f"- … and {more} more errors: see the full preview."]

    stack, project = next(((p[0], p[1]) for p in (parse_urn(s.urn) for s in steps) if p[0]), ("", ""))
    title = f"## Pulumi preview review: {_code(project)} / {_code(stack)}" if stack else "## Pulumi preview review"
    head = [title, "", *_counts(preview, steps), ""]
    if findings:
        head += [f"### ⚠️ Destructive or weakening steps ({len(findings)})", ""]
    else:
        head += ["### Destructive or weakening steps", "",
                 "None: no delete or replace of a protected or data-bearing resource, and no security-relevant "
                 "property change."]
    errors = ["", "### Engine errors", "", *loose_errors] if loose_errors else []
    unchanged = sum(1 for is_same, _, _ in others if is_same)
    summary_text = f"{len(other_lines)} step{'s' * (len(other_lines) != 1)}"
    if unchanged == len(other_lines):
        summary_text += ", all unchanged"
    elif unchanged:
        summary_text += f": {len(other_lines) - unchanged} changed, {unchanged} unchanged"

    def render(finding_lines: list[str], lines: list[str]) -> str:
        body = [*head, *finding_lines, *errors, "", "### Other changes", ""]
        if other_lines:
            body += ["<details>", f"<summary>{summary_text}</summary>", "", *lines, "", "</details>"]
        else:
            body.append("None.")
        return "\n".join(body) + "\n"

    finding_lines = [line for f in findings for line in f.lines]
    text = render(finding_lines, other_lines)
    if len(text) <= limit:
        return text
    cut_note = ("- … and {n} more steps not shown: a pull-request comment holds at most "
                f"{limit:,} characters here. Run `pulumi preview` to see them all.")
    fixed = len(render(finding_lines, []))
    if fixed + len(cut_note) + 20 <= limit:
        return render(finding_lines, _fit(other_lines, limit - fixed, cut_note))
    # Even the destructive steps do not fit: keep as many as fit, and none of the others.
    empty = len(render([], [cut_note.format(n=len(other_lines))]))
    finding_note = ("- … and {n} more lines of destructive or weakening steps not shown: the comment is limited to "
                    f"{limit:,} characters. Run `pulumi preview` to see them all.")
    text = render(_fit(finding_lines, limit - empty - 1, finding_note), [cut_note.format(n=len(other_lines))])
    return text if len(text) <= limit else text[: limit - 2] + "…\n"


# ----------------------------------------------------------------------------------------------
# Command line


def load_preview(source: str) -> dict:
    """The preview digest in file `source` ("-": standard input); PreviewInputError when it is not one."""
    name = "standard input" if source == "-" else source
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise PreviewInputError(
            f"cannot read the preview {source}: {reason}. Pass the file written by "
            "`pulumi preview --json > preview.json`, or - to read it from standard input."
        ) from None
    try:
        preview = json.loads(raw)  # bytes: UTF-8, UTF-16 (PowerShell redirection) and UTF-32 are detected
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        where = f" (line {error.lineno}, column {error.colno}: {error.msg})" if isinstance(error, json.JSONDecodeError) else ""
        empty = " (it is empty)" if not raw.strip() else where
        raise PreviewInputError(
            f"{name} is not JSON{empty}. Pass the output of `pulumi preview --json`; without `--json` the "
            "preview is text for people, which this command cannot read."
        ) from None
    return _validated(preview, name)


def register(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `review` to the subcommands `commands`."""
    parser = commands.add_parser(
        "review",
        help="summarise `pulumi preview --json` as a markdown pull-request comment",
        description="Read the output of `pulumi preview --json` and write a markdown comment for a pull request: "
        "deletes and replaces of protected or data-bearing resources and security-relevant property changes "
        "first, every other step collapsed. At most 64,000 characters.",
    )
    parser.add_argument("preview", help="the file written by `pulumi preview --json`, or - for standard input")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the comment to this file instead of standard output")
    parser.set_defaults(command=_review)
    return parser


def _review(args: argparse.Namespace) -> int:
    try:
        comment = summarize_preview(load_preview(args.preview))
    except PreviewInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(comment)
        return 0
    try:
        args.output.write_text(comment, encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {args.output}: {error.strerror or error}.", file=sys.stderr)
        return 2
    return 0
