"""Text (terminal) and markdown (pull-request comment) renderings of a plan document."""

import re
from collections import Counter, defaultdict

from hardened.resource_types import meaning_of

from ..comment_limit import GITHUB_COMMENT_LIMIT, hard_cut, most_that_fit
from ..wording import count

# Inputs a reviewer does not need in order to judge security.
NOISE_INPUTS = frozenset({"tags", "tagsAll"})
COMPUTED_MARK = "  (computed)"

# Retention and duration inputs, by resource type and input path ("[]" stands for any list item), and the unit
# of their raw value. The raw value is what the cloud shows, so it is kept; a reading in words follows it.
DURATION_INPUTS: dict[tuple[str, str], str] = {
    ("aws:kms/key:Key", "deletionWindowInDays"): "days",
    ("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "minRetentionDays"): "days",
    ("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "maxRetentionDays"): "days",
    ("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "changeableForDays"): "days",
    ("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault", "minRetentionDays"): "days",
    ("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault", "maxRetentionDays"): "days",
    ("aws:backup/plan:Plan", "rules[].lifecycle.deleteAfter"): "days",
    ("aws:backup/plan:Plan", "rules[].copyActions[].lifecycle.deleteAfter"): "days",
    ("aws:backup/plan:Plan", "rules[].startWindow"): "minutes",
    ("aws:backup/plan:Plan", "rules[].completionWindow"): "minutes",
    ("aws:backup/restoreTestingPlan:RestoreTestingPlan", "startWindowHours"): "hours",
    ("aws:backup/restoreTestingPlan:RestoreTestingPlan", "recoveryPointSelection.selectionWindowDays"): "days",
    ("aws:backup/restoreTestingSelection:RestoreTestingSelection", "validationWindowHours"): "hours",
    ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "rule.defaultRetention.days"): "days",
    (
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "rules[].noncurrentVersionExpiration.noncurrentDays",
    ): "days",
    (
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "rules[].abortIncompleteMultipartUpload.daysAfterInitiation",
    ): "days",
    ("aws:cloudwatch/logGroup:LogGroup", "retentionInDays"): "days",
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "period"): "seconds",
    ("aws:iam/role:Role", "maxSessionDuration"): "seconds",
    ("aws:iam/accountPasswordPolicy:AccountPasswordPolicy", "maxPasswordAge"): "days",
    ("aws:lambda/function:Function", "timeout"): "seconds",
    ("gcp:storage/bucket:Bucket", "retentionPolicy.retentionPeriod"): "seconds",
    ("gcp:storage/bucket:Bucket", "softDeletePolicy.retentionDurationSeconds"): "seconds",
    ("gcp:backupdisasterrecovery/backupVault:BackupVault", "backupMinimumEnforcedRetentionDuration"): "seconds",
    ("gcp:kms/cryptoKey:CryptoKey", "rotationPeriod"): "seconds",
    ("gcp:privilegedaccessmanager/entitlement:entitlement", "maxRequestDuration"): "seconds",
    ("gcp:logging/projectBucketConfig:ProjectBucketConfig", "retentionDays"): "days",
    ("gcp:monitoring/alertPolicy:AlertPolicy", "alertStrategy.autoClose"): "seconds",
    ("gcp:monitoring/alertPolicy:AlertPolicy", "alertStrategy.notificationRateLimit.period"): "seconds",
    ("gcp:monitoring/alertPolicy:AlertPolicy", "conditions[].conditionThreshold.duration"): "seconds",
    (
        "gcp:monitoring/alertPolicy:AlertPolicy",
        "conditions[].conditionThreshold.aggregations[].alignmentPeriod",
    ): "seconds",
    ("gcp:storage/transferJob:TransferJob", "schedule.repeatInterval"): "seconds",
}
_SECONDS = {"days": 86_400, "hours": 3_600, "minutes": 60, "seconds": 1}
# A whole number; seconds may also come as Google's duration text ("3600s").
_WHOLE = re.compile(r"[0-9]+")


def render_text(plan: dict) -> str:
    resources = plan["resources"]
    lines = [_headline(plan), "Values marked (computed) are placeholders for what exists only after deployment.", ""]
    lines += _tree(resources)
    lines += ["", *_outputs(plan)]
    return "\n".join(lines) + "\n"


def render_markdown(plan: dict, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The plan as a pull-request comment of at most `limit` characters.

    A plan too long for that loses, in this order and each time saying so: the collapsed inputs (whole resources,
    from the last), lines of the stack outputs, then rows of the resource table (the most alike first), whose
    missing rows are still counted by type with how many are protected.
    """
    head = [f"### Offline plan of `{plan['stack']}` ({plan['project']})", "", _headline(plan), ""]
    listed = [r for r in plan["resources"] if r["type"] != "pulumi:pulumi:Stack"]
    rows = [_row(r) for r in listed]
    blocks = ["\n".join(block) for block in _tree_blocks(plan["resources"])]
    outputs = _outputs(plan)
    why = f"a pull-request comment holds at most {limit:,} characters here. Run `hardened plan --stack {plan['stack']}` to see them all."

    # Rows the table keeps first: the rarest type and protect settings (an unprotected rule among protected ones);
    # the many alike are what a count by type says well.
    kind = [(r["type"], r["protect"], r["retain_on_delete"]) for r in listed]
    alike = Counter(kind)
    priority = sorted(range(len(listed)), key=lambda i: (alike[kind[i]], i))

    def compose(shown_rows: int, shown_blocks: int, output_lines: list[str]) -> str:
        kept = set(priority[:shown_rows])
        lines = [
            *head,
            "| Resource | Type | Lands in | protect | retain_on_delete | Means |",
            "|---|---|---|---|---|---|",
        ]
        lines += [row for i, row in enumerate(rows) if i in kept]
        lines += _unlisted([r for i, r in enumerate(listed) if i not in kept], why)
        if shown_blocks or not blocks:
            which = (
                "every resource"
                if shown_blocks == len(blocks)
                else ("the first resource" if shown_blocks == 1 else f"the first {shown_blocks} resources")
            )
            lines += ["", f"<details><summary>Security-relevant inputs of {which}</summary>", "", "```text"]
            lines += [*blocks[:shown_blocks], "```", "", "</details>"]
        if shown_blocks < len(blocks):
            whose = f"of {count(len(blocks) - shown_blocks, 'more resource')}" if shown_blocks else "of every resource"
            lines += ["", f"… the security-relevant inputs {whose} are not shown: {why}"]
        return "\n".join([*lines, "", "```text", *output_lines, "```"]) + "\n"

    def fits(comment: str) -> bool:
        return len(comment) <= limit

    shown = most_that_fit(len(blocks), lambda n: fits(compose(len(rows), n, outputs)))
    if fits(text := compose(len(rows), shown, outputs)):
        return text

    def cut_outputs(n: int) -> list[str]:
        rest = [f"… and {count(len(outputs) - n, 'more line')} of stack outputs not shown: {why}"]
        return outputs[:n] + (rest if n < len(outputs) else [])

    # The stack outputs get the room the full table leaves, and at least a quarter of the comment.
    if limit - len(compose(len(rows), 0, [])) >= limit // 4:
        kept = most_that_fit(len(outputs), lambda n: fits(compose(len(rows), 0, cut_outputs(n))))
        return hard_cut(compose(len(rows), 0, cut_outputs(kept)), limit)
    quarter = cut_outputs(most_that_fit(len(outputs), lambda n: len("\n".join(cut_outputs(n))) <= limit // 4))
    kept = most_that_fit(len(rows), lambda n: fits(compose(n, 0, quarter)))
    return hard_cut(compose(kept, 0, quarter), limit)


def _row(resource: dict) -> str:
    where = f"reads stack `{_read_stack(resource)}`" if resource.get("read") else _lands_in(resource) or "-"
    meaning = meaning_of(resource["type"])
    imported = f" (import `{resource['import']}`)" if resource.get("import") else ""
    return (
        f"| `{resource['name']}`{imported} | `{resource['type']}` | {where} "
        f"| {_yes(resource['protect'])} | {_yes(resource['retain_on_delete'])} | {meaning.role if meaning else '-'} |"
    )


def _unlisted(resources: list[dict], why: str) -> list[str]:
    """The resources the table leaves out, counted by type: how many, how many protected and retained."""
    if not resources:
        return []
    by_type: dict[str, list[dict]] = defaultdict(list)
    for resource in resources:
        by_type[resource["type"]].append(resource)

    def share(group: list[dict], flag: str) -> str:
        flagged = sum(1 for r in group if r[flag])
        return "yes" if flagged == len(group) else "no" if not flagged else f"{flagged} of {len(group)}"

    lines = [
        "",
        f"… and {count(len(resources), 'more resource')} not shown in this table, the most alike (type and "
        f"protect settings) first: {why}",
        "",
    ]
    lines += ["| Type | Not shown | protect | retain_on_delete |", "|---|---|---|---|"]
    for type_, group in sorted(by_type.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"| `{type_}` | {len(group)} | {share(group, 'protect')} | {share(group, 'retain_on_delete')} |")
    return lines


def _outputs(plan: dict) -> list[str]:
    """The stack's exported values, as `pulumi stack output` would list them; secrets stay "[secret]"."""
    outputs = plan.get("outputs") or {}
    if not outputs:
        return ["Stack outputs: none."]
    computed, secret = set(plan.get("computed_outputs", [])), set(plan.get("secret_outputs", []))
    lines = ["Stack outputs:"]
    for key, value in outputs.items():
        lines += _value_lines(key + (" (secret)" if key in secret else ""), value, "  ", key in computed)
    return lines


def _headline(plan: dict) -> str:
    resources = plan["resources"]
    custom = sum(1 for r in resources if r["custom"] and not r.get("read"))
    components = sum(1 for r in resources if not r["custom"] and r["type"] != "pulumi:pulumi:Stack")
    targets = Counter(_lands_in(r) for r in resources if r["custom"] and _lands_in(r))
    read = sorted({_read_stack(r) for r in resources if r.get("read")})
    reads = f", and read {count(len(read), 'other stack')} ({', '.join(read)})" if read else ""
    return (
        f"Stack '{plan['stack']}' of project {plan['project']}: `pulumi up` would create {count(custom, 'resource')} "
        f"in {count(components, 'component')}, landing in {count(len(targets), 'account or project', 'accounts or projects')}"
        f"{reads}."
    )


def _read_stack(resource: dict) -> str:
    """The stack a stack reference reads, as the program named it."""
    return str((resource.get("outputs") or {}).get("name") or resource.get("id"))


def _tree(resources: list[dict]) -> list[str]:
    return [line for block in _tree_blocks(resources) for line in block]


def _tree_blocks(resources: list[dict]) -> list[list[str]]:
    """The tree by parent, as one block of lines per resource: its title line and its inputs."""
    children: dict[str | None, list[dict]] = defaultdict(list)
    for resource in resources:
        children[resource["parent"]].append(resource)
    blocks: list[list[str]] = []
    roots = children[None]
    for index, root in enumerate(roots):
        _branch(root, children, "", index == len(roots) - 1, blocks, is_root=True)
    return blocks


def _branch(
    resource: dict, children: dict, prefix: str, last: bool, blocks: list[list[str]], is_root: bool = False
) -> None:
    connector = "" if is_root else ("└── " if last else "├── ")
    lines = [prefix + connector + _title(resource)]
    blocks.append(lines)
    child_prefix = prefix if is_root else prefix + ("    " if last else "│   ")
    kids = children.get(resource["urn"], [])
    detail_prefix = child_prefix + ("│   " if kids else "    ")
    if resource.get("import"):
        # Adopted, not created: the id the engine imports, first, so that a reviewer sees it before the inputs.
        lines.append(f"{detail_prefix}import: {resource['import']}")
    if (meaning := meaning_of(resource["type"])) is not None:
        lines.append(f"{detail_prefix}means: {meaning.described}")
    computed = set(resource.get("computed_inputs", []))
    for key, value in resource["inputs"].items():
        if key not in NOISE_INPUTS:
            lines += _value_lines(key, value, detail_prefix, key in computed, (resource["type"], key))
    if resource.get("read"):
        # What the program receives from the other stack is what a reviewer must check.
        served = (resource.get("outputs") or {}).get("outputs") or {}
        lines += _value_lines("outputs", served, detail_prefix, "outputs" in resource.get("computed_outputs", []))
    for index, kid in enumerate(kids):
        _branch(kid, children, child_prefix, index == len(kids) - 1, blocks)


def _title(resource: dict) -> str:
    flags = [flag for flag in ("protect", "retain_on_delete") if resource[flag]]
    where = _lands_in(resource)
    return (
        f"{resource['name']} ({resource['type']})"
        + (f" reads stack {_read_stack(resource)}" if resource.get("read") else "")
        + (f" -> {where}" if where and resource["custom"] else "")
        + (f" [{', '.join(flags)}]" if flags else "")
    )


def _lands_in(resource: dict) -> str:
    target = resource.get("lands_in") or {}
    place = target.get("account") or target.get("project")
    if not place:
        return ""
    kind = "account" if target.get("account") else "project"
    return f"{target['cloud']} {kind} {place}" + (f" {target['region']}" if target.get("region") else "")


def _value_lines(key: str, value, prefix: str, computed: bool, where: tuple[str, str] | None = None) -> list[str]:
    """`key: value` lines; `where` is the resource type and input path, for the reading of a duration."""
    mark = COMPUTED_MARK if computed else ""
    if isinstance(value, dict) and isinstance(value.get("Statement"), list):
        return [f"{prefix}{key}:{mark}"] + [f"{prefix}  - {statement_summary(s)}" for s in value["Statement"]]
    if isinstance(value, dict) and value:
        lines = [f"{prefix}{key}:{mark}"]
        for sub_key, sub_value in value.items():
            lines += _value_lines(
                sub_key, sub_value, prefix + "  ", False, where and (where[0], f"{where[1]}.{sub_key}")
            )
        return lines
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        lines = [f"{prefix}{key}:{mark}"]
        for index, item in enumerate(value):
            lines += _value_lines(f"[{index}]", item, prefix + "  ", False, where and (where[0], f"{where[1]}[]"))
        return lines
    reading = duration_reading(*where, value) if where else None
    return [f"{prefix}{key}: {_scalar(value)}{f' ({reading})' if reading else ''}{mark}"]


def duration_reading(resource_type: str, path: str, value) -> str | None:
    """How long a retention or duration input is, in words ("30 days", "1 hour"); None for any other input.

    `path` is the input's path, "[]" standing for any list item: ("gcp:storage/bucket:Bucket",
    "retentionPolicy.retentionPeriod", "2592000") reads "30 days".
    """
    unit = DURATION_INPUTS.get((resource_type, path))
    if unit is None or isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    text = str(value).removesuffix("s") if unit == "seconds" else str(value)
    if not _WHOLE.fullmatch(text):
        return None
    seconds = int(text) * _SECONDS[unit]
    for name in ("days", "hours", "minutes"):
        if seconds and seconds % _SECONDS[name] == 0:
            return count(seconds // _SECONDS[name], name[:-1])
    return count(seconds, "second")


def statement_summary(statement: dict) -> str:
    """One IAM statement on one line: `Sid: Effect actions on resources for principals when conditions`."""
    actions = _joined(statement.get("Action") or statement.get("NotAction"))
    if "NotAction" in statement:
        actions = f"everything except {actions}"
    resources = _joined(statement.get("Resource") or statement.get("NotResource"))
    if "NotResource" in statement:
        resources = f"everything except {resources}"
    # A trust policy names no resource (the role it is attached to is the resource).
    on = f" on {resources}" if "Resource" in statement or "NotResource" in statement else ""
    principal = statement.get("Principal")
    principal_text = f" for {_principal(principal)}" if principal is not None else ""
    conditions = "; ".join(
        f"{operator} {key} {_joined(expected)}"
        for operator, tests in (statement.get("Condition") or {}).items()
        for key, expected in tests.items()
    )
    sid = f"{statement['Sid']}: " if statement.get("Sid") else ""
    when = f" when {conditions}" if conditions else ""
    return f"{sid}{statement.get('Effect')} {actions}{on}{principal_text}{when}"


def _principal(principal) -> str:
    if isinstance(principal, dict):
        return ", ".join(f"{kind} {_joined(value)}" for kind, value in principal.items())
    return str(principal)


def _joined(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return _joined(value)
    if isinstance(value, dict):
        return "{}"
    return str(value)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
