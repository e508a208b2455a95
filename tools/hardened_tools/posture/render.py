"""The scorecard as text, markdown or JSON: one line per control, its evidence under it, failures first."""

import json

from ..comment_limit import GITHUB_COMMENT_LIMIT, hard_cut, most_that_fit
from ..wording import count

ORDER = {"fail": 0, "warn": 1, "pass": 2}
MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


def _sorted(card: dict) -> list[dict]:
    return sorted(card["controls"], key=lambda c: ORDER[c["status"]])


def _headline(card: dict) -> str:
    summary = card["summary"]
    return (
        f"Security posture of stack '{card['stack']}' ({card['kind']}, {card['tier']}): "
        f"{summary['fail']} fail, {summary['warn']} warn, {summary['pass']} pass"
    )


def render_text(card: dict) -> str:
    lines = [_headline(card), ""]
    for control in _sorted(card):
        benchmarks = f"  [{', '.join(control['benchmarks'])}]" if control["benchmarks"] else ""
        lines.append(f"{MARK[control['status']]}  {control['title']} ({control['id']}){benchmarks}")
        lines += [f"      - {item}" for item in control["evidence"]]
    return "\n".join(lines) + "\n"


def render_markdown(card: dict, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The scorecard as a pull-request comment of at most `limit` characters.

    The table of controls always stays; evidence that does not fit is cut in the table's order from the end (failed
    controls keep theirs longest), each control counting the items it lost, and a note says how to see them all.
    """
    controls = _sorted(card)
    table = [f"### {_headline(card)}", "", "| Status | Control | Benchmarks |", "|---|---|---|"]
    for control in controls:
        table.append(
            f"| **{MARK[control['status']]}** | {control['title']} (`{control['id']}`) | {', '.join(control['benchmarks']) or '-'} |"
        )
    table.append("")
    items = sum(len(control["evidence"]) for control in controls)

    def compose(shown: int) -> str:
        lines, left = list(table), shown
        if shown < items:
            lines += [
                f"Evidence cut: a pull-request comment holds at most {limit:,} characters here. "
                f"Run `hardened posture --stack {card['stack']}` to see it all.",
                "",
            ]
        for control in controls:
            evidence, left = control["evidence"][:left], max(left - len(control["evidence"]), 0)
            cut = len(control["evidence"]) - len(evidence)
            lines += [f"<details><summary>{MARK[control['status']]}: {control['title']}</summary>", ""]
            lines += [f"- {item}" for item in evidence]
            if cut:
                lines.append(f"- … {count(cut, 'more item' if evidence else 'item')} of evidence not shown")
            lines += ["", "</details>"]
        return "\n".join(lines) + "\n"

    text = compose(items)
    if len(text) <= limit:
        return text
    return hard_cut(compose(most_that_fit(items, lambda n: len(compose(n)) <= limit)), limit)


def render_json(card: dict) -> str:
    return json.dumps(card, indent=2, sort_keys=True) + "\n"
