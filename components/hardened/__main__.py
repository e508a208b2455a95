"""`python -m hardened` is the `hardened` command."""

import sys

from .cli import main

sys.exit(main())
