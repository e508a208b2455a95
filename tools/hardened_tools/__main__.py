"""`python -m hardened_tools` is the `hardened` command."""

from .cli import run

run()
