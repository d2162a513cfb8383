"""The package layout: every module imports on its own (no import cycles, no module left
behind by a move), the Datasette plugin is registered under the name it lives at, and
the package data that pyproject.toml declares exists."""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import extract
import kb

ROOT = Path(__file__).resolve().parent.parent


def all_modules() -> list[str]:
    names = []
    for package in (extract, kb):
        names.append(package.__name__)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return sorted(names)


def test_the_packages_have_their_rooms():
    modules = all_modules()
    for room in ("kb.store", "kb.graph", "kb.publish", "kb.llm", "kb.cli", "extract.clean", "extract.llm"):
        assert room in modules
    # nothing of the flat layout is left at the top of kb/
    assert not [m for m in modules if m.count(".") == 1 and m.startswith("kb.")
                and m not in {"kb.store", "kb.graph", "kb.publish", "kb.llm", "kb.cli", "kb.__main__"}]


def test_every_module_imports_first_in_a_fresh_interpreter():
    # an import cycle fails only when one of its modules is imported first: each module of
    # kb/ in an interpreter of its own (kb.__main__ runs the command, so it is not imported)
    modules = [m for m in all_modules() if m.startswith("kb") and not m.endswith("__main__")]
    runs = {m: subprocess.Popen([sys.executable, "-c", f"import {m}"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for m in modules}
    failed = {m: run.communicate()[1].strip().splitlines()[-1:] for m, run in runs.items() if run.wait() != 0}
    assert not failed


def test_every_module_of_extract_imports():
    for module in all_modules():
        if module.startswith("extract"):
            importlib.import_module(module)


def test_the_datasette_entry_point_names_the_plugin_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["datasette"]["kb"]
    assert importlib.import_module(target).__name__ == "kb.publish"


def test_declared_package_data_exists():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for package, patterns in project["tool"]["setuptools"]["package-data"].items():
        folder = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"{package}: {pattern} matches no file"
