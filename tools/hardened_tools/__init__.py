"""The tools of hardened-accounts: the offline planner, the reviewer's diff, preview summary and scorecard, the
policy rules and the fleet deployer, behind the `hardened` command (`pip install 'hardened-accounts[tools]'`).

They read what the library (`hardened`) declares; the library never imports them.
"""
