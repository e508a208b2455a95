"""Load a Python file that is no installed package as a module: the scripts, the plugin's entry point, bootstrap/'s
modules, the policy pack's, a copied stack schema."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def module_from_file(name: str, path: Path) -> ModuleType:
    """Run `path` as the module `name`, registered in sys.modules first (dataclasses look their module up there while
    a class is built)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"{path} is not a Python file"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
