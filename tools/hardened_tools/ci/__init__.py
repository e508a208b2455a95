"""`hardened ci`: the review gate. Plans every stack at two commits, each with its own code, and says what weakens.

`command.py` is the command and the order of the work; `git.py` the refs, worktrees and changed lines;
`environments.py` an isolated environment per side; `worker.py` what runs inside it (planning many stacks in one
interpreter); `locations.py` the line each finding comes from; `findings.py` the model the three outputs are written
from (`summary.py`, `sarif.py`, `report_json.py`).
"""
