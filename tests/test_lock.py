"""The lock files pin every dependency pyproject.toml names, and this environment runs those versions.

`make run` and `make test` install requirements/run.lock and requirements/test.lock (Makefile); a
dependency added to pyproject.toml without `make lock` would be missing on a fresh machine."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            package, _, version = line.partition("==")
            assert version, f"{name}: {line!r} is not pinned with =="
            found[canonical(package.split("[")[0])] = version
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_dependency_is_pinned_and_allowed_by_pyproject() -> None:
    run, test = pins("run.lock"), pins("test.lock")
    declared = [Requirement(r) for r in project()["dependencies"]]
    for requirement in declared:
        name = canonical(requirement.name)
        assert name in run, f"{name} is in pyproject.toml but not in requirements/run.lock: make lock"
        assert requirement.specifier.contains(run[name], prereleases=True), (name, run[name])
    for requirement in (Requirement(r) for r in project()["optional-dependencies"]["test"]):
        assert canonical(requirement.name) in test, f"{requirement.name}: make lock"
    # The test environment is the run environment plus test tools, at the same versions.
    assert {name: test[name] for name in run} == run


def test_this_environment_runs_the_locked_versions() -> None:
    for name, version in pins("test.lock").items():
        installed = metadata.version(name)  # the lock is for this platform: every pin is installed
        assert installed == version, f"{name} {installed} installed, {version} locked: make install"
