"""``make system-deps`` (the first step of ``make test``) without root says what is missing and how.

The check runs as a user who cannot install anything (``nobody`` through ``setpriv`` when the
tests run as root, else the current user), with ``JAVA`` and ``CHROMIUM`` pointed at programs that
do not exist, so nothing is ever installed by these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    command = ["make", "-s", "-C", str(ROOT), "system-deps", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("setpriv (util-linux) is needed to check make system-deps as non-root")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env=env)


def test_without_root_it_names_the_missing_packages_and_the_command() -> None:
    done = _make("JAVA=no-such-java", "CHROMIUM=/no/such/chromium", "VIRTUOSO=sh", "ISQL=sh")
    assert done.returncode != 0
    assert "missing here: default-jre-headless chromium" in done.stderr
    assert (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        "default-jre-headless chromium"
    ) in done.stderr
    assert "Installing" not in done.stdout


def test_with_everything_present_it_is_silent() -> None:
    done = _make("JAVA=sh", "CHROMIUM=/bin/sh", "VIRTUOSO=sh", "ISQL=sh")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_readme_lists_every_system_package_and_make_variable() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    packages = next(
        line.split(":=")[1].split()
        for line in makefile.splitlines()
        if line.startswith("SYSTEM_PACKAGES")
    )
    assert packages, "the Makefile names its system packages in SYSTEM_PACKAGES"
    for package in packages:
        assert f"`{package}`" in readme, f"README does not list the system package {package}"
    for variable in (
        "HOST",
        "PORT",
        "STORE",
        "PYTEST_ARGS",
        "PYTEST_WORKERS",
        "JAVA",
        "CHROMIUM",
        "VIRTUOSO",
    ):
        assert f"`{variable}`" in readme, f"README does not describe make's {variable}"
