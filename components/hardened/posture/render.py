"""The scorecard as text, markdown or JSON: one line per control, its evidence under it, failures first."""

import json

ORDER = {"fail": 0, "warn": 1, "pass": 2}
MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def _sorted(card: dict) -> list[dict]:
    return sorted(card["controls"], key=lambda c: ORDER[c["status"]])


def _headline(card: dict) -> str:
    summary = card["summary"]
    return (f"Security posture of stack '{card['stack']}' ({card['kind']}, {card['tier']}): "
            f"{summary['fail']} fail, {summary['warn']} warn, {summary['pass']} pass")


def render_text(card: dict) -> str:
    lines = [_headline(card), ""]
    for control in _sorted(card):
        benchmarks = f"  [{', '.join(control['benchmarks'])}]" if control["benchmarks"] else ""
        lines.append(f"{MARK[control['status']]}  {control['title']} ({control['id']}){benchmarks}")
        lines += [f"      - {item}" for item in control["evidence"]]
    return "\n".join(lines) + "\n"


def render_markdown(card: dict) -> str:
    lines = [f"### {_headline(card)}", "", "| Status | Control | Benchmarks |", "|---|---|---|"]
    for control in _sorted(card):
        lines.append(f"| **{MARK[control['status']]}** | {control['title']} (`{control['id']}`) | {', '.join(control['benchmarks']) or '-'} |")
    lines.append("")
    for control in _sorted(card):
        lines += [f"<details><summary>{MARK[control['status']]}: {control['title']}</summary>", ""]
        lines += [f"- {item}" for item in control["evidence"]] + ["", "</details>"]
    return "\n".join(lines) + "\n"


def render_json(card: dict) -> str:
    return json.dumps(card, indent=2, sort_keys=True) + "\n"
