import pulumi
import pytest
from pulumi.runtime.config import set_all_config


@pytest.fixture(autouse=True)
def clean_pulumi_runtime():
    """No root stack, config or options may leak from one test into the next."""
    yield
    set_all_config({}, [])
    pulumi.runtime.reset_options()
