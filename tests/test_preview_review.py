"""`hardened review preview.json`: the security summary of a real `pulumi preview --json` digest.

The fixtures in tests/fixtures/previews follow the engine's `PreviewDigest` format (see the docstring of
hardened_tools.review.preview for the Pulumi sources): a routine tags update, an object-lock retention shortened
with and without `detailedDiff`, a protected backup vault replaced (with --show-replacement-steps), a
protected bucket deleted (refused by the engine), an unprotected GCS bucket of a team's own stack replaced (its
location changes), secret inputs, and a read step.

`hardened review` is a gate: exit 1 when the preview deletes or replaces a protected or data-bearing resource or
weakens a guard, 0 otherwise, 2 on bad input; `--format json` writes the same findings as one document.
"""

import argparse
import copy
import io
import json
from pathlib import Path

import pytest

from hardened_tools.cli import main
from hardened_tools.review.preview import (
    FINDING_KINDS,
    GITHUB_COMMENT_LIMIT,
    PreviewInputError,
    ReviewResult,
    format_path,
    parse_path,
    parse_urn,
    register,
    render_review,
    review_findings,
    summarize_preview,
)

FIXTURES = Path(__file__).parent / "fixtures" / "previews"
PREFIX = "urn:pulumi:prod::hardened-accounts::"
DESTRUCTIVE = "Destructive or weakening steps"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def lines_after(text: str, heading: str) -> list[str]:
    """The non-empty lines of the section whose heading contains `heading`, up to the next heading."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("### ") and heading in line)
    section = []
    for line in lines[start + 1 :]:
        if line.startswith("### "):
            break
        if line.strip():
            section.append(line)
    return section


def head_of(text: str) -> str:
    """Everything before the collapsed block: what a reviewer sees without a click."""
    return text.split("<details>")[0]


def collapsed(text: str) -> str:
    return text.split("<details>", 1)[1]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="hardened")
    register(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    code = args.command(args)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------------
# The layout: title, counts, then the destructive or weakening steps


def test_title_and_counts_come_first():
    text = summarize_preview(load("routine-tags.json"))
    lines = text.splitlines()
    assert lines[0] == "## Pulumi preview review: `hardened-accounts` / `prod`"
    assert lines[2] == "**Planned:** 2 to update, 41 unchanged (from `changeSummary`)."
    assert lines[4] == f"### {DESTRUCTIVE}"


def test_routine_tag_updates_are_only_in_the_collapsed_part():
    text = summarize_preview(load("routine-tags.json"))
    assert lines_after(text, DESTRUCTIVE) == [
        "None: no delete or replace of a protected or data-bearing resource, and no security-relevant property change."
    ]
    # A tags change of a protected, data-bearing bucket is still routine.
    for name in ("prod-backups-bucket", "security-alerts-topic", "hardened-accounts-prod"):
        assert name not in head_of(text)
    assert collapsed(text).splitlines()[:6] == [
        "",
        "<summary>3 steps: 2 changed, 1 unchanged</summary>",
        "",
        "- `update` `aws:s3/bucket:Bucket` `prod-backups-bucket`",
        "- `update` `aws:sns/topic:Topic` `security-alerts-topic`",
        "- `same` `pulumi:pulumi:Stack` `hardened-accounts-prod`",
    ]
    assert text.endswith("</details>\n")


@pytest.mark.parametrize("fixture", ["object-lock-shortened.json", "object-lock-shortened-no-detailed-diff.json"])
def test_shortened_object_lock_retention_is_first(fixture):
    text = summarize_preview(load(fixture))
    assert lines_after(text, DESTRUCTIVE) == [
        "- ⚠️ **update** `aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration` `prod-backups-object-lock`",
        "  - `rule.defaultRetention.days`: `365` → `1` ⚠️ shortened",
    ]
    assert "security-alerts-topic" in collapsed(text) and "security-alerts-topic" not in head_of(text)


def test_null_detailed_diff_gives_the_same_summary_as_the_detailed_one():
    assert load("object-lock-shortened-no-detailed-diff.json")["steps"][1]["detailedDiff"] is None
    assert summarize_preview(load("object-lock-shortened.json")) == summarize_preview(
        load("object-lock-shortened-no-detailed-diff.json")
    )


def test_protected_vault_replace_is_one_loud_entry():
    text = summarize_preview(load("vault-replace-protected.json"))
    section = lines_after(text, DESTRUCTIVE)
    assert section[0] == (
        "- 🛑 **replace of a PROTECTED resource** `aws:backup/vault:Vault` `prod-vault-vault` "
        "(steps: create-replacement + replace + delete-replaced) — replaced because of `name`"
    )
    assert section[1].startswith("  - The engine refuses to replace a resource protected in its old and new state")
    assert '  - `name`: `"prod-vault"` → `"prod-vault-eu"` — forces replacement' in section
    assert any(line.startswith("  - engine error: unable to replace resource") for line in section)
    assert sum(line.startswith("- ") for line in section) == 1
    assert "prod-vault-vault" not in collapsed(text)
    assert lines_after(text, "Engine errors") == ["- error: preview failed"]  # ANSI colour codes stripped


def test_a_replacement_shown_only_as_its_create_and_delete_steps_is_grouped():
    preview = load("vault-replace-protected.json")
    preview["steps"] = [s for s in preview["steps"] if s["op"] != "replace"]
    section = lines_after(summarize_preview(preview), DESTRUCTIVE)
    assert section[0].startswith(
        "- 🛑 **replace of a PROTECTED resource** `aws:backup/vault:Vault` `prod-vault-vault` "
        "(steps: create-replacement + delete-replaced)"
    )
    assert sum(line.startswith("- ") for line in section) == 1


def test_replace_whose_protect_is_removed_in_the_same_change_goes_through():
    preview = load("vault-replace-protected.json")
    preview["diagnostics"] = []
    for step in preview["steps"]:
        if step["op"] in ("create-replacement", "replace"):
            del step["newState"]["protect"]
    section = lines_after(summarize_preview(preview), DESTRUCTIVE)
    assert section[0].startswith(
        "- 🛑 **replace of a resource whose `protect` is removed in this same change** "
        "`aws:backup/vault:Vault` `prod-vault-vault`"
    )
    assert "the engine WILL delete the old resource" in section[1]
    assert "  - `protect` (resource option): `true` → `false` ⚠️ turned off" in section


def test_protected_delete_is_loud_and_the_counts_disagree():
    text = summarize_preview(load("protected-delete.json"))
    lines = text.splitlines()
    assert lines[2] == "**Planned:** 42 unchanged (from `changeSummary`)."
    assert lines[3].startswith("⚠️ The steps list 1 `delete` but `changeSummary` counts 0: the engine could not plan")
    section = lines_after(text, DESTRUCTIVE)
    assert section[0] == "- 🛑 **delete of a PROTECTED resource** `aws:s3/bucket:Bucket` `prod-backups-bucket`"
    assert section[1].startswith("  - The engine refuses to delete a resource whose state has `protect: true`")
    assert "  - `retainOnDelete` is set: Pulumi would drop it from the state and leave it in the cloud." in section
    assert any("cannot be deleted because it is protected" in line for line in section)
    assert "### Engine errors" not in text  # the error is shown with its step


def test_unprotected_data_bearing_delete_says_the_cloud_resource_goes():
    preview = load("protected-delete.json")
    old = preview["steps"][1]["oldState"]
    del old["protect"], old["retainOnDelete"]
    preview["diagnostics"], preview["changeSummary"] = [], {"delete": 1, "same": 42}
    text = summarize_preview(preview)
    section = lines_after(text, DESTRUCTIVE)
    assert section[0] == "- ⚠️ **delete** `aws:s3/bucket:Bucket` `prod-backups-bucket`"
    assert "  - `retainOnDelete` is not set: the cloud resource itself is deleted." in section
    assert text.splitlines()[2] == "**Planned:** 1 to delete, 42 unchanged (from `changeSummary`)."


def test_delete_of_an_ordinary_resource_is_routine():
    preview = load("read-step.json")
    create = preview["steps"][2]
    preview["steps"][2] = {
        "op": "delete",
        "urn": create["urn"],
        "provider": create["provider"],
        "oldState": create["newState"],
        "detailedDiff": None,
    }
    preview["changeSummary"] = {"delete": 1, "read": 1, "same": 40}
    text = summarize_preview(preview)
    assert lines_after(text, DESTRUCTIVE)[0].startswith("None:")
    assert "- `delete` `aws:cloudwatch/metricAlarm:MetricAlarm` `break-glass-used-alarm`" in collapsed(text)


def test_read_step_of_a_data_bearing_type_is_routine():
    text = summarize_preview(load("read-step.json"))
    assert lines_after(text, DESTRUCTIVE)[0].startswith("None:")
    assert "**Planned:** 1 to create, 1 to read, 40 unchanged (from `changeSummary`)." in text
    assert "- `read` `aws:s3/bucket:Bucket` `log-archive`" in collapsed(text)


# ---------------------------------------------------------------------------------------------
# Secrets


def test_secrets_are_never_shown_as_values():
    preview = load("secret-inputs.json")
    text = summarize_preview(preview)
    assert lines_after(text, DESTRUCTIVE) == [
        "- ⚠️ **update** `aws:backup/vaultPolicy:VaultPolicy` `prod-vault-policy`",
        "  - `policy`: (secret) changed",
        "- ⚠️ **update** `aws:kms/key:Key` `prod-vault-key`",
        "  - `policy`: (secret) changed",
    ]
    assert "[secret]" not in text
    # The key policy was plain before it became secret: its old text is not shown either.
    assert "AllowKeyAdministration" in preview["steps"][3]["oldState"]["inputs"]["policy"]
    for leaked in ("AllowKeyAdministration", "KeyAdmins", "alertEmail", "awsAccessKey"):
        assert leaked not in text
    assert "- `update` `aws:sns/topicSubscription:TopicSubscription` `security-alerts-email`" in collapsed(text)


def test_a_secret_nested_in_a_changed_value_hides_the_whole_value():
    preview = load("object-lock-shortened-no-detailed-diff.json")
    rule = preview["steps"][1]["newState"]["inputs"]["rule"]
    rule["defaultRetention"] = {"days": 1, "mode": "[secret]"}
    preview["steps"][1]["oldState"]["inputs"]["rule"]["defaultRetention"] = {"days": 365, "mode": "[secret]"}
    preview["steps"][1]["oldState"]["inputs"]["objectLockToken"] = "visible-before"
    preview["steps"][1]["newState"]["inputs"]["objectLockToken"] = "[secret]"
    text = summarize_preview(preview)
    assert "  - `objectLockToken`: (secret) changed" in lines_after(text, DESTRUCTIVE)
    assert "visible-before" not in text and "[secret]" not in text


# ---------------------------------------------------------------------------------------------
# Policies, options and other security-relevant properties


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


DENY_DELETE = {
    "Sid": "DenyRecoveryPointDeletion",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
    "Resource": "*",
}
DENY_POLICY_CHANGE = {
    "Sid": "DenyVaultPolicyChange",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy"],
    "Resource": "*",
}
ALLOW_COPY = {
    "Sid": "AllowCopyIntoVault",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
    "Action": "backup:CopyIntoBackupVault",
    "Resource": "*",
}


def _vault_policy_update(old_policy: str, new_policy: str, detailed: bool = True) -> dict:
    preview = load("secret-inputs.json")
    step = preview["steps"][2]
    assert step["urn"].endswith("::prod-vault-policy")
    step["oldState"]["inputs"]["policy"] = step["oldState"]["outputs"]["policy"] = old_policy
    step["newState"]["inputs"]["policy"] = step["newState"]["outputs"]["policy"] = new_policy
    if not detailed:
        step["detailedDiff"] = None
    preview["steps"] = preview["steps"][:1] + [step]
    preview["changeSummary"] = {"update": 1, "same": 30}
    return preview


@pytest.mark.parametrize("detailed", [True, False])
def test_policy_documents_are_compared_statement_by_statement(detailed):
    preview = _vault_policy_update(
        _policy(DENY_DELETE, DENY_POLICY_CHANGE, ALLOW_COPY), _policy(DENY_POLICY_CHANGE, ALLOW_COPY), detailed
    )
    assert lines_after(summarize_preview(preview), DESTRUCTIVE) == [
        "- ⚠️ **update** `aws:backup/vaultPolicy:VaultPolicy` `prod-vault-policy`",
        "  - `policy`: ⚠️ policy changed: 3 statements → 2, Deny removed: `DenyRecoveryPointDeletion`",
    ]


def test_policy_with_a_new_allow_and_reformatting():
    loosened = dict(ALLOW_COPY, Sid="AllowDeleteFromPartner", Action="backup:DeleteRecoveryPoint")
    preview = _vault_policy_update(_policy(DENY_DELETE), _policy(DENY_DELETE, loosened))
    assert lines_after(summarize_preview(preview), DESTRUCTIVE)[1] == (
        "  - `policy`: ⚠️ policy changed: 1 statement → 2, Allow added: `AllowDeleteFromPartner`"
    )
    reformatted = json.dumps(json.loads(_policy(DENY_DELETE)), indent=2)
    preview = _vault_policy_update(_policy(DENY_DELETE), reformatted)
    assert lines_after(summarize_preview(preview), DESTRUCTIVE)[1] == (
        "  - `policy`: policy changed: 1 statement → 1, statements unchanged (formatting only)"
    )


def test_assume_role_policy_of_any_role_is_security_relevant():
    trust_old = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    )
    trust_new = _policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
    )
    urn = PREFIX + "hardened:index:BreakGlassAccess$aws:iam/role:Role::break-glass-role"
    state = {
        "urn": urn,
        "custom": True,
        "id": "break-glass",
        "type": "aws:iam/role:Role",
        "inputs": {"__defaults": [], "assumeRolePolicy": trust_old, "name": "break-glass"},
    }
    new_state = copy.deepcopy(state)
    new_state["inputs"]["assumeRolePolicy"] = trust_new
    preview = {
        "steps": [
            {
                "op": "update",
                "urn": urn,
                "oldState": state,
                "newState": new_state,
                "diffReasons": ["assumeRolePolicy"],
                "detailedDiff": {"assumeRolePolicy": {"kind": "update", "inputDiff": True}},
            }
        ],
        "changeSummary": {"update": 1},
    }
    assert lines_after(summarize_preview(preview), DESTRUCTIVE) == [
        "- ⚠️ **update** `aws:iam/role:Role` `break-glass-role`",
        # One statement identity for diff and review (Sid, or Effect and actions): the same statement, changed.
        "  - `assumeRolePolicy`: ⚠️ policy changed: 1 statement → 1, Allow changed: statement 1 (no Sid)",
    ]


def test_unprotecting_shows_as_a_same_step_and_is_flagged():
    preview = load("routine-tags.json")
    step = preview["steps"][1]
    step["op"], step["diffReasons"], step["detailedDiff"] = "same", None, None
    step["newState"]["inputs"]["tags"] = step["oldState"]["inputs"]["tags"]
    del step["newState"]["protect"], step["newState"]["retainOnDelete"]
    preview["changeSummary"] = {"update": 1, "same": 42}
    assert lines_after(summarize_preview(preview), DESTRUCTIVE) == [
        "- ⚠️ **same** `aws:s3/bucket:Bucket` `prod-backups-bucket`",
        "  - `protect` (resource option): `true` → `false` ⚠️ turned off",
        "  - `retainOnDelete` (resource option): `true` → `false` ⚠️ turned off",
    ]


def test_guard_settings_are_shown_old_to_new():
    urn = PREFIX + "hardened:index:LockedBucket$gcp:storage/bucket:Bucket::archive-bucket"
    old = {
        "urn": urn,
        "custom": True,
        "type": "gcp:storage/bucket:Bucket",
        "protect": True,
        "inputs": {
            "name": "archive-91ce",
            "publicAccessPrevention": "enforced",
            "forceDestroy": False,
            "retentionPolicy": {"isLocked": True, "retentionPeriod": "31536000"},
            "labels": {"team": "platform"},
        },
    }
    new = copy.deepcopy(old)
    new["inputs"].update(
        publicAccessPrevention="inherited",
        forceDestroy=True,
        retentionPolicy={"isLocked": False, "retentionPeriod": "86400"},
        labels={"team": "security"},
    )
    preview = {
        "steps": [
            {
                "op": "update",
                "urn": urn,
                "oldState": old,
                "newState": new,
                "detailedDiff": None,
                "diffReasons": ["forceDestroy", "labels", "publicAccessPrevention", "retentionPolicy"],
            }
        ]
    }
    section = lines_after(summarize_preview(preview), DESTRUCTIVE)
    assert section == [
        "- ⚠️ **update** `gcp:storage/bucket:Bucket` `archive-bucket`",
        '  - `publicAccessPrevention`: `"enforced"` → `"inherited"` ⚠️ weakened',
        "  - `forceDestroy`: `false` → `true` ⚠️ turned on",
        "  - `retentionPolicy.isLocked`: `true` → `false` ⚠️ turned off",
        '  - `retentionPolicy.retentionPeriod`: `"31536000"` → `"86400"` ⚠️ shortened',
    ]


def test_kms_key_rotation_and_deletion_window():
    preview = load("secret-inputs.json")
    step = preview["steps"][3]
    step["newState"]["inputs"].update(
        policy=step["oldState"]["inputs"]["policy"], enableKeyRotation=False, deletionWindowInDays=7
    )
    step["diffReasons"] = ["deletionWindowInDays", "enableKeyRotation"]
    step["detailedDiff"] = {
        "deletionWindowInDays": {"kind": "update", "inputDiff": False},
        "enableKeyRotation": {"kind": "update", "inputDiff": False},
    }
    preview["steps"] = preview["steps"][:1] + [step]
    assert lines_after(summarize_preview(preview), DESTRUCTIVE) == [
        "- ⚠️ **update** `aws:kms/key:Key` `prod-vault-key`",
        "  - `deletionWindowInDays`: `30` → `7` ⚠️ shortened",
        "  - `enableKeyRotation`: `true` → `false` ⚠️ turned off",
    ]


@pytest.mark.parametrize("kind", ["update-replace", "updateReplace"])
def test_both_spellings_of_replace_kinds(kind):
    preview = load("vault-replace-protected.json")
    for step in preview["steps"]:
        if step["detailedDiff"]:
            step["detailedDiff"] = {"name": {"kind": kind, "inputDiff": False}}
        step.pop("replaceReasons", None)
    assert '  - `name`: `"prod-vault"` → `"prod-vault-eu"` — forces replacement' in lines_after(
        summarize_preview(preview), DESTRUCTIVE
    )


def test_unknown_values_are_known_after_apply():
    preview = load("object-lock-shortened.json")
    preview["steps"][1]["newState"]["inputs"]["rule"]["defaultRetention"]["days"] = (
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    )
    assert "  - `rule.defaultRetention.days`: `365` → (known after apply)" in lines_after(
        summarize_preview(preview), DESTRUCTIVE
    )


def test_urns_and_property_paths():
    assert parse_urn(PREFIX + "hardened:index:LockedVault$aws:backup/vault:Vault::a::b") == (
        "prod",
        "hardened-accounts",
        "aws:backup/vault:Vault",
        "a::b",
    )
    assert parse_urn("not-a-urn") == ("", "", "", "not-a-urn")
    assert parse_path('rules[0].lifecycle["delete.after"]') == ["rules", 0, "lifecycle", "delete.after"]
    assert format_path(["rules", 0, "lifecycle", "delete.after"]) == 'rules[0].lifecycle["delete.after"]'
    assert parse_path("rule.defaultRetention.days") == ["rule", "defaultRetention", "days"]


def test_names_cannot_break_the_markdown():
    preview = load("protected-delete.json")
    urn = PREFIX + "aws:s3/bucket:Bucket::evil`</details>`name"
    preview["steps"][1]["urn"] = urn
    preview["diagnostics"][0]["urn"] = urn
    preview["diagnostics"][0]["message"] = "Preview failed: <b>bad</b>\n" + urn
    text = summarize_preview(preview)
    assert lines_after(text, DESTRUCTIVE)[0].endswith("`aws:s3/bucket:Bucket` `` evil`</details>`name ``")
    assert text.count("</details>") == 2  # the closing tag, and the one inside the code span
    assert "  - engine error: Preview failed: &lt;b&gt;bad&lt;/b&gt; urn:pulumi:" in text  # no HTML from messages


# ---------------------------------------------------------------------------------------------
# Size


def _large_preview(count: int = 400) -> dict:
    """`count` unchanged steps (as with --show-sames) with realistic long names, plus one shortened retention."""
    preview = load("object-lock-shortened.json")
    parent = "hardened:index:ImmutableBucket$aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    for number in range(count):
        urn = f"{PREFIX}{parent}::workload-{number:03d}-replicated-backups-eu-west-1-immutable-bucket-encryption"
        state = {"urn": urn, "custom": True, "type": parent.split("$")[-1], "inputs": {"bucket": f"bucket-{number}"}}
        preview["steps"].append({"op": "same", "urn": urn, "oldState": state, "newState": state, "detailedDiff": None})
    preview["changeSummary"]["same"] = count + 1
    return preview


def test_large_preview_is_cut_in_the_collapsed_part_first():
    preview = _large_preview()
    assert len(preview["steps"]) == 403
    text = summarize_preview(preview)
    assert len(text) <= GITHUB_COMMENT_LIMIT == 64_000
    assert lines_after(text, DESTRUCTIVE)[:2] == [
        "- ⚠️ **update** `aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration` `prod-backups-object-lock`",
        "  - `rule.defaultRetention.days`: `365` → `1` ⚠️ shortened",
    ]
    body = collapsed(text).splitlines()
    shown = [line for line in body if line.startswith("- `")]
    assert 100 < len(shown) < 402
    assert body[-3] == (
        f"- … and {402 - len(shown)} more steps not shown: a pull-request comment holds at most 64,000 "
        "characters here. Run `pulumi preview` to see them all."
    )
    assert shown[0] == "- `update` `aws:sns/topic:Topic` `security-alerts-topic`"  # changes before unchanged steps
    assert text.endswith("\n</details>\n")


@pytest.mark.parametrize("limit", [1_500, 4_000, 20_000])
def test_any_limit_is_respected(limit):
    text = summarize_preview(_large_preview(), limit=limit)
    assert len(text) <= limit
    assert "rule.defaultRetention.days" in text


def test_many_destructive_steps_are_cut_last():
    preview = load("protected-delete.json")
    template = preview["steps"][1]
    for number in range(300):
        step = copy.deepcopy(template)
        step["urn"] = step["oldState"]["urn"] = template["urn"] + f"-{number:03d}"
        preview["steps"].append(step)
    text = summarize_preview(preview)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "more lines of destructive or weakening steps not shown" in text
    assert text.count("🛑 **delete of a PROTECTED resource**") > 50


# ---------------------------------------------------------------------------------------------
# The command


def test_command_prints_the_summary(capsys):
    # A protected delete fails the gate: the whole comment is still printed, then exit 1.
    code, out, err = run(["review", str(FIXTURES / "protected-delete.json")], capsys)
    assert (code, err) == (1, "")
    assert out == summarize_preview(load("protected-delete.json"))
    code, out, err = run(["review", str(FIXTURES / "routine-tags.json")], capsys)
    assert (code, err) == (0, "")
    assert out == summarize_preview(load("routine-tags.json"))


def test_command_writes_output_file(capsys, tmp_path):
    # A protected replace fails the gate: the comment is written to the file first, then exit 1.
    target = tmp_path / "comment.md"
    code, out, err = run(["review", str(FIXTURES / "vault-replace-protected.json"), "--output", str(target)], capsys)
    assert (code, out, err) == (1, "", "")
    assert target.read_text(encoding="utf-8") == summarize_preview(load("vault-replace-protected.json"))


def test_command_reads_standard_input(capsys, monkeypatch):
    # Secret policies changed: shown, but nothing says they weaken, so the gate passes.
    raw = (FIXTURES / "secret-inputs.json").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    code, out, _ = run(["review", "-"], capsys)
    assert code == 0 and out == summarize_preview(json.loads(raw))


def test_command_reads_utf16_from_powershell_redirection(capsys, tmp_path):
    path = tmp_path / "preview.json"
    path.write_bytes((FIXTURES / "read-step.json").read_text().encode("utf-16"))
    code, out, _ = run(["review", str(path)], capsys)
    assert code == 0 and out.startswith("## Pulumi preview review")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "error: cannot read the preview {path}: No such file or directory."),
        ("", "error: {path} is not JSON (it is empty)."),
        ("Previewing update (prod):\n", "error: {path} is not JSON (line 1, column 1: Expecting value)."),
        ("[]", "error: {path} is not the output of `pulumi preview --json`: it is JSON, but not an object."),
        ("{}", "error: {path} is an empty JSON object, not a preview:"),
        (
            '{"changeSummary": {"same": 1}}',
            'error: {path} is not the output of `pulumi preview --json`: it has no "steps" list.',
        ),
        (
            '{"steps": {"op": "same"}}',
            'error: {path} is not the output of `pulumi preview --json`: it has no "steps" list.',
        ),
        (
            '{"steps": [{"urn": "urn:pulumi:a::b::c::d"}]}',
            "error: {path} is not the output of `pulumi preview --json`: steps[0]",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_bad_input_exits_2_with_one_paragraph(capsys, tmp_path, content, expected, fmt):
    path = tmp_path / "preview.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(["review", str(path), "--format", fmt], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(expected.format(path=path))
    assert err.endswith("\n") and err.count("\n") == 1


def test_directory_and_unwritable_output_exit_2(capsys, tmp_path):
    code, out, err = run(["review", str(tmp_path)], capsys)
    assert (code, out) == (2, "") and err.startswith(f"error: cannot read the preview {tmp_path}: Is a directory.")
    code, out, err = run(
        ["review", str(FIXTURES / "read-step.json"), "--output", str(tmp_path / "missing" / "c.md")], capsys
    )
    assert (code, out) == (2, "") and err.startswith(
        f"error: cannot write {tmp_path / 'missing' / 'c.md'}: No such file"
    )


def test_summarize_rejects_a_non_digest():
    with pytest.raises(PreviewInputError, match='no "steps" list'):
        summarize_preview({"changeSummary": {}})


# ---------------------------------------------------------------------------------------------
# The gate: exit 1 on a destructive or weakening step, and the same findings as JSON


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """`hardened ARGV` through the real command line."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def review_json(capsys, path: Path | str) -> tuple[int, dict]:
    code, out, err = cli(capsys, "review", str(path), "--format", "json")
    assert err == ""
    assert (
        out.endswith("}\n") and out == json.dumps(json.loads(out), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    return code, json.loads(out)


def written(tmp_path: Path, preview: dict) -> Path:
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(preview))
    return path


GATES = {
    "protected-delete.json": 1,
    "vault-replace-protected.json": 1,
    "data-bearing-replace.json": 1,
    "object-lock-shortened.json": 1,
    "object-lock-shortened-no-detailed-diff.json": 1,
    "routine-tags.json": 0,  # tag updates, one of a protected data-bearing bucket
    "read-step.json": 0,  # a create of an alarm and a read of a bucket
    "secret-inputs.json": 0,  # security-relevant, but secret: nothing says it weakens
}


def test_every_fixture_has_its_exit_status():
    assert sorted(GATES) == sorted(path.name for path in FIXTURES.glob("*.json"))


@pytest.mark.parametrize(("fixture", "status"), sorted(GATES.items()))
def test_exit_status_is_the_gate_in_both_formats(capsys, fixture, status):
    code, out, err = cli(capsys, "review", str(FIXTURES / fixture))
    assert (code, err) == (status, "")
    assert out == summarize_preview(load(fixture))  # the whole comment, whatever the exit
    code, document = review_json(capsys, FIXTURES / fixture)
    assert code == status
    assert document["gate"] == ("fail" if status else "pass")
    assert any(f["gates"] for f in document["findings"]) == bool(status)
    result = review_findings(load(fixture))
    assert isinstance(result, ReviewResult) and result.gate_fails == bool(status)
    assert render_review(result, "json") == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("fixture", sorted(GATES))
def test_markdown_and_json_list_the_same_findings(capsys, fixture):
    comment = summarize_preview(load(fixture))
    _, document = review_json(capsys, FIXTURES / fixture)
    findings = document["findings"]
    heads = [line for line in lines_after(comment, DESTRUCTIVE) if line.startswith("- ")]
    if findings:
        assert len(heads) == len(findings)
        heading = next(line for line in comment.splitlines() if DESTRUCTIVE in line)
        assert heading.startswith(f"### ⚠️ {DESTRUCTIVE} ({len(findings)}; ")
        # In the same order: each finding's resource in its head line, each change as one of its bullets.
        for head, finding in zip(heads, findings, strict=True):
            assert f"`{finding['type']}` `{finding['name']}`" in head
    else:
        assert heads == [] and lines_after(comment, DESTRUCTIVE)[0].startswith("None:")
    assert {f["kind"] for f in findings} <= set(FINDING_KINDS)


def test_json_of_a_protected_delete(capsys):
    code, document = review_json(capsys, FIXTURES / "protected-delete.json")
    urn = PREFIX + "hardened:index:ImmutableBucket$aws:s3/bucket:Bucket::prod-backups-bucket"
    assert code == 1
    assert document == {
        "schema_version": 1,
        "project": "hardened-accounts",
        "stack": "prod",
        "gate": "fail",
        "counts": {"same": 42},  # the engine does not count the delete it refuses
        "findings": [
            {
                "severity": 0,
                "kind": "protected-delete",
                "urn": urn,
                "type": "aws:s3/bucket:Bucket",
                "name": "prod-backups-bucket",
                "op": "delete",
                "message": "delete of a PROTECTED resource `aws:s3/bucket:Bucket` `prod-backups-bucket`",
                "gates": True,
                "changes": [],
                "engine_errors": [
                    f'Preview failed: resource "{urn}" cannot be deleted because it is protected. To unprotect the '
                    "resource, either remove the `protect` flag from the resource in your Pulumi program and run "
                    f"`pulumi up`, or use the command: `pulumi state unprotect '{urn}'`"
                ],
            }
        ],
        "engine_errors": [],
    }


def test_json_of_a_protected_replace(capsys):
    code, document = review_json(capsys, FIXTURES / "vault-replace-protected.json")
    urn = PREFIX + "hardened:index:LockedVault$aws:backup/vault:Vault::prod-vault-vault"
    assert code == 1
    assert document["gate"] == "fail" and document["counts"] == {"replace": 1, "same": 40}
    assert document["findings"] == [
        {
            "severity": 0,
            "kind": "protected-replace",
            "urn": urn,
            "type": "aws:backup/vault:Vault",
            "name": "prod-vault-vault",
            "op": "replace",  # the three steps of the replacement are one finding
            "message": "replace of a PROTECTED resource `aws:backup/vault:Vault` `prod-vault-vault` — replaced because "
            'of `name`: `name`: `"prod-vault"` → `"prod-vault-eu"` — forces replacement',
            "gates": True,
            "changes": [
                {
                    "path": "name",
                    "old": "prod-vault",
                    "new": "prod-vault-eu",
                    "weakens": False,
                    "forces_replacement": True,
                    "option": False,
                    "values_shown": True,
                }
            ],
            "engine_errors": [
                f'unable to replace resource "{urn}" as it is currently marked for protection. To unprotect the '
                "resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`"
            ],
        }
    ]
    # The error about no listed step, without its colour codes.
    assert document["engine_errors"] == [{"urn": "", "message": "error: preview failed"}]


def test_json_of_a_data_bearing_replace(capsys):
    code, document = review_json(capsys, FIXTURES / "data-bearing-replace.json")
    assert code == 1
    assert (document["project"], document["stack"], document["gate"]) == ("payments", "staging", "fail")
    assert document["counts"] == {"create": 1, "replace": 1, "same": 12}
    assert document["findings"] == [
        {
            "severity": 0,
            "kind": "data-bearing-replace",
            "urn": "urn:pulumi:staging::payments::gcp:storage/bucket:Bucket::exports-bucket",
            "type": "gcp:storage/bucket:Bucket",
            "name": "exports-bucket",
            "op": "replace",
            "message": "replace `gcp:storage/bucket:Bucket` `exports-bucket` — replaced because of `location`: "
            '`location`: `"EU"` → `"EUROPE-WEST1"` — forces replacement',
            "gates": True,
            "changes": [
                {
                    "path": "location",
                    "old": "EU",
                    "new": "EUROPE-WEST1",
                    "weakens": False,
                    "forces_replacement": True,
                    "option": False,
                    "values_shown": True,
                }
            ],
            "engine_errors": [],
        }
    ]
    assert document["engine_errors"] == []
    comment = summarize_preview(load("data-bearing-replace.json"))
    assert lines_after(comment, DESTRUCTIVE) == [
        "- ⚠️ **replace** `gcp:storage/bucket:Bucket` `exports-bucket` — replaced because of `location`",
        "  - A replace creates a new resource and deletes the old one.",
        "  - Data-bearing resource: the replacement starts empty; data and locks of the old one do not move over.",
        '  - `location`: `"EU"` → `"EUROPE-WEST1"` — forces replacement',
    ]
    assert "- `create` `gcp:monitoring/alertPolicy:AlertPolicy` `exports-errors`" in collapsed(comment)
    assert f"### ⚠️ {DESTRUCTIVE} (1; it fails the gate)" in comment


def test_a_shortened_retention_fails_the_gate_and_a_longer_one_passes(capsys, tmp_path):
    code, document = review_json(capsys, FIXTURES / "object-lock-shortened.json")
    assert code == 1
    [finding] = document["findings"]
    assert (finding["kind"], finding["gates"], finding["severity"]) == ("weakening", True, 1)
    assert finding["changes"] == [
        {
            "path": "rule.defaultRetention.days",
            "old": 365,
            "new": 1,
            "weakens": True,
            "forces_replacement": False,
            "option": False,
            "values_shown": True,
        }
    ]
    # The same property lengthened is still security-relevant, and shown, but does not fail the gate.
    preview = load("object-lock-shortened.json")
    preview["steps"][1]["newState"]["inputs"]["rule"]["defaultRetention"]["days"] = 730
    path = written(tmp_path, preview)
    code, out, err = cli(capsys, "review", str(path))
    assert (code, err) == (0, "")
    assert lines_after(out, DESTRUCTIVE) == [
        "- ⚠️ **update** `aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration` `prod-backups-object-lock`",
        "  - `rule.defaultRetention.days`: `365` → `730` lengthened",
    ]
    assert f"### ⚠️ {DESTRUCTIVE} (1; none fails the gate)" in out
    code, document = review_json(capsys, path)
    assert (code, document["gate"]) == (0, "pass")
    [finding] = document["findings"]
    assert (finding["kind"], finding["gates"], finding["severity"]) == ("change", False, 2)
    assert finding["changes"][0] | {"old": 365, "new": 730, "weakens": False} == finding["changes"][0]


def test_a_weakening_guard_setting_fails_the_gate_and_routine_changes_of_the_same_resource_do_not(capsys, tmp_path):
    preview = load("secret-inputs.json")
    step = preview["steps"][3]
    step["newState"]["inputs"].update(policy=step["oldState"]["inputs"]["policy"], enableKeyRotation=False)
    step["diffReasons"] = ["enableKeyRotation"]
    step["detailedDiff"] = {"enableKeyRotation": {"kind": "update", "inputDiff": False}}
    preview["steps"] = preview["steps"][:1] + [step]
    code, document = review_json(capsys, written(tmp_path, preview))
    assert code == 1
    [finding] = document["findings"]
    assert (finding["kind"], finding["name"], finding["gates"]) == ("weakening", "prod-vault-key", True)
    assert [(c["path"], c["old"], c["new"], c["weakens"]) for c in finding["changes"]] == [
        ("enableKeyRotation", True, False, True)
    ]
    step["newState"]["inputs"]["enableKeyRotation"] = True  # back on; only the tags change
    step["newState"]["inputs"]["tags"] = {"Owner": "security"}
    step["diffReasons"] = ["tags"]
    step["detailedDiff"] = {"tags.Owner": {"kind": "update", "inputDiff": False}}
    code, document = review_json(capsys, written(tmp_path, preview))
    assert (code, document["findings"]) == (0, [])


def test_unprotecting_is_a_weakening_that_fails_the_gate():
    preview = load("routine-tags.json")
    step = preview["steps"][1]
    step["op"], step["diffReasons"], step["detailedDiff"] = "same", None, None
    step["newState"]["inputs"]["tags"] = step["oldState"]["inputs"]["tags"]
    del step["newState"]["protect"]
    result = review_findings(preview)
    [finding] = result.findings
    assert (finding.kind, finding.op, finding.gates, result.gate_fails) == ("weakening", "same", True, True)
    assert [(c.path, c.old, c.new, c.option, c.weakens) for c in finding.changes] == [
        ("protect", True, False, True, True)
    ]


def test_a_data_bearing_delete_fails_the_gate_even_when_retained():
    preview = load("protected-delete.json")
    del preview["steps"][1]["oldState"]["protect"]
    preview["diagnostics"], preview["changeSummary"] = [], {"delete": 1, "same": 42}
    [finding] = review_findings(preview).findings
    assert (finding.kind, finding.severity, finding.gates) == ("data-bearing-delete", 1, True)  # retainOnDelete
    del preview["steps"][1]["oldState"]["retainOnDelete"]
    [finding] = review_findings(preview).findings
    assert (finding.kind, finding.severity, finding.gates) == ("data-bearing-delete", 0, True)


def test_replace_of_an_ordinary_resource_is_shown_but_gates_only_if_it_weakens(capsys, tmp_path):
    """A role (neither protected nor data-bearing) replaced for its name, its trust policy reformatted: a finding
    for the policy, destructive, yet nothing weakens; with the MFA condition dropped, the gate fails."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    urn = PREFIX + "aws:iam/role:Role::reporting-role"
    old = {
        "urn": urn,
        "custom": True,
        "type": "aws:iam/role:Role",
        "inputs": {"name": "reporting", "assumeRolePolicy": json.dumps(trust)},
    }
    new = copy.deepcopy(old)
    new["inputs"].update(name="reporting-eu", assumeRolePolicy=json.dumps(trust, indent=2))
    preview = {
        "steps": [
            {
                "op": "replace",
                "urn": urn,
                "oldState": old,
                "newState": new,
                "diffReasons": ["assumeRolePolicy", "name"],
                "replaceReasons": ["name"],
                "detailedDiff": {
                    "assumeRolePolicy": {"kind": "update", "inputDiff": True},
                    "name": {"kind": "update-replace", "inputDiff": True},
                },
            }
        ],
        "changeSummary": {"replace": 1},
    }
    code, document = review_json(capsys, written(tmp_path, preview))
    assert code == 0
    [finding] = document["findings"]
    assert (finding["kind"], finding["severity"], finding["gates"]) == ("replace", 1, False)
    assert [(c["path"], c["weakens"], c["forces_replacement"]) for c in finding["changes"]] == [
        ("assumeRolePolicy", False, False),
        ("name", False, True),
    ]
    del trust["Statement"][0]["Condition"]
    new["inputs"]["assumeRolePolicy"] = json.dumps(trust)
    code, document = review_json(capsys, written(tmp_path, preview))
    assert code == 1
    [finding] = document["findings"]
    assert (finding["kind"], finding["gates"]) == ("replace", True)
    assert finding["changes"][0]["weakens"] is True


def test_json_keeps_secrets_secret(capsys, tmp_path):
    code, out, _ = cli(capsys, "review", str(FIXTURES / "secret-inputs.json"), "--format", "json")
    assert code == 0
    for leaked in ("AllowKeyAdministration", "KeyAdmins", "alertEmail", "awsAccessKey"):
        assert leaked not in out
    document = json.loads(out)
    assert [(f["name"], f["kind"], f["gates"]) for f in document["findings"]] == [
        ("prod-vault-policy", "change", False),
        ("prod-vault-key", "change", False),
    ]
    # The key policy was plain before it became secret: both sides are "[secret]".
    assert document["findings"][1]["changes"] == [
        {
            "path": "policy",
            "old": "[secret]",
            "new": "[secret]",
            "weakens": False,
            "forces_replacement": False,
            "option": False,
            "values_shown": True,
        }
    ]
    # A plain value that becomes secret is hidden on both sides.
    preview = load("object-lock-shortened-no-detailed-diff.json")
    preview["steps"][1]["oldState"]["inputs"]["rule"]["defaultRetention"] = {"days": 365, "mode": "[secret]"}
    preview["steps"][1]["newState"]["inputs"]["rule"]["defaultRetention"] = {"days": 1, "mode": "[secret]"}
    preview["steps"][1]["oldState"]["inputs"]["objectLockToken"] = "visible-before"
    preview["steps"][1]["newState"]["inputs"]["objectLockToken"] = "[secret]"
    code, out, _ = cli(capsys, "review", str(written(tmp_path, preview)), "--format", "json")
    assert "visible-before" not in out
    changes = {c["path"]: c for f in json.loads(out)["findings"] for c in f["changes"]}
    assert (
        changes["objectLockToken"] | {"old": "[secret]", "new": "[secret]", "weakens": False}
        == changes["objectLockToken"]
    )
    # The retention's days, a plain value beside the secret mode, are still judged: shortened.
    assert (changes["rule.defaultRetention.days"]["weakens"], code) == (True, 1)
    # A changed object holding a secret (the detailed diff names the object) is "[secret]" as a whole.
    preview = load("object-lock-shortened.json")
    step = preview["steps"][1]
    step["oldState"]["inputs"]["rule"]["defaultRetention"]["mode"] = "[secret]"
    step["oldState"]["outputs"]["rule"]["defaultRetention"]["mode"] = "[secret]"
    step["newState"]["inputs"]["rule"]["defaultRetention"]["mode"] = "[secret]"
    step["detailedDiff"] = {"rule.defaultRetention": {"kind": "update", "inputDiff": False}}
    code, document = review_json(capsys, written(tmp_path, preview))
    [change] = document["findings"][0]["changes"]
    assert (change["path"], change["old"], change["new"], change["weakens"], code) == (
        "rule.defaultRetention",
        "[secret]",
        "[secret]",
        False,
        0,
    )


def test_json_leaves_out_absent_and_unshown_values(tmp_path):
    """A property added has no `old`, one deleted no `new`; a change only `diffReasons` name has neither."""
    preview = load("object-lock-shortened-no-detailed-diff.json")
    step = preview["steps"][1]
    step["oldState"]["inputs"]["rule"]["defaultRetention"]["years"] = 1
    step["newState"]["inputs"]["expectedBucketOwner"] = "111122223333"  # a guard type: every property is relevant
    step["diffReasons"] = ["rule", "expectedBucketOwner", "token"]
    result = review_findings(preview)
    document = json.loads(render_review(result, "json"))
    changes = {c["path"]: c for c in document["findings"][0]["changes"]}
    assert "new" not in changes["rule.defaultRetention.years"] and changes["rule.defaultRetention.years"]["old"] == 1
    assert "old" not in changes["expectedBucketOwner"] and changes["expectedBucketOwner"]["new"] == "111122223333"
    assert changes["expectedBucketOwner"]["values_shown"] is True
    assert "old" not in changes["token"] and "new" not in changes["token"]
    assert changes["token"]["values_shown"] is False


def test_output_file_in_json_and_the_exit_status(capsys, tmp_path):
    target = tmp_path / "review.json"
    code, out, err = cli(
        capsys, "review", str(FIXTURES / "protected-delete.json"), "--format", "json", "--output", str(target)
    )
    assert (code, out, err) == (1, "", "")
    assert json.loads(target.read_text(encoding="utf-8"))["gate"] == "fail"


def test_review_findings_refuses_a_non_digest():
    with pytest.raises(PreviewInputError, match='no "steps" list'):
        review_findings({"changeSummary": {}})
    with pytest.raises(ValueError, match="unknown format"):
        render_review(review_findings(load("read-step.json")), "text")


def test_the_help_names_the_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit status: 0 when nothing fails the gate; 1 when the preview deletes or replaces" in text
    assert "--format {markdown,json}" in text
