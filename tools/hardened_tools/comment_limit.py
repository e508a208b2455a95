"""How long a markdown pull-request comment may be, and how to cut one so it says what was cut.

GitHub refuses an issue or pull-request comment body over 65,536 characters ("Body is too long
(maximum is 65536 characters)"). Every markdown renderer here stays under `GITHUB_COMMENT_LIMIT`,
which leaves room for a bot's own header, and cuts the least important lines first, replacing them
with a note that counts them.
"""

from collections.abc import Callable

from .wording import plural_s

GITHUB_COMMENT_LIMIT = 64_000


def fit_lines(lines: list[str], budget: int, note: str) -> list[str]:
    """As many of `lines` as fit in `budget` characters (joined by newlines), then `note` naming how many did not.

    `note` is a format string with `{n}`, the number of lines left out, and `{s}`, "s" unless it is one.
    """
    if sum(len(line) + 1 for line in lines) <= budget:
        return lines
    kept, used = [], len(note.format(n=len(lines), s=plural_s(len(lines)))) + 1
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    left = len(lines) - len(kept)
    return [*kept, note.format(n=left, s=plural_s(left))]


def hard_cut(text: str, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """`text`, or its first `limit` characters ending in a line saying it was cut: the last resort."""
    if len(text) <= limit:
        return text
    note = f"\n\n… cut here: the comment is limited to {limit:,} characters.\n"
    return text[: limit - len(note)] + note


def most_that_fit(count: int, fits: Callable[[int], bool]) -> int:
    """The largest n from 0 to `count` for which `fits(n)` holds, or 0: for cuts whose note changes with n.

    `fits` must hold for every n up to some point and for none after it (as "the first n items fit" does).
    """
    low, high = 0, count
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low
