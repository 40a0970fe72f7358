"""The per-file indexes the package-manager rules share (`dflint.packages.package_runs`,
`dflint.hadolint_support.runs_calling`): they give what a visit of every RUN would, and the
rules built on them visit only the RUNs that run what they look for (issue #8).

The guards count calls under cProfile, never time."""

from __future__ import annotations

import cProfile
import pstats

import pytest

from dflint.engine import Settings, lint
from dflint.hadolint_support import run_scripts, runs_calling
from dflint.packages import package_commands, package_runs
from dflint.parser import parse
from dflint.registry import Registry
from dflint.rule import Context
from dflint.shell import Script
from dflint.source import SourceFile

#: The rules built on the indexes, by module.
MODULES = frozenset(
    "dflint.rules." + name
    for name in """
    dl3001_pointless_command dl3003_cd_instead_of_workdir dl3004_sudo dl3008_unpinned_apt_package
    dl3009_apt_lists_not_deleted dl3013_unpinned_pip_package dl3014_apt_missing_assume_yes
    dl3015_apt_install_recommends dl3016_unpinned_npm_package dl3018_unpinned_apk_package
    dl3019_apk_add_keeps_cache dl3027_apt_instead_of_apt_get dl3028_unpinned_gem dl3030_yum
    dl3034_zypper dl3038_dnf dl3042_pip_cache_kept dl3046_useradd_high_uid dl3047_wget_progress
    dl3060_yarn_cache_not_cleaned dl3062_unpinned_go_package dl4005_ln_bin_sh
    dl4006_pipe_without_pipefail df301_apt_update_alone dl4001_wget_and_curl
    """.split()
)

SAMPLE = """\
RUN apt-get update && apt-get install -y curl
FROM debian:12 AS build
RUN sudo apt-get install -y git=1 && pip install flask && cd /x
RUN echo "apt-get install x" && make
ONBUILD RUN apk add --no-cache py3-pip && python3 -m pip install requests
RUN ["apt-get", "install", "-y", "vim"]
RUN yum install -y gcc && dnf install -y make && wget -q https://x && curl -O https://y
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN pip install pywin32 ; npm install -g left-pad
RUN choco install -y git
"""

FAMILIES = [None, {"apt"}, {"pip"}, {"npm"}, {"apk", "yum", "dnf"}, {"apt", "apk", "yum", "dnf", "zypper"}, {"cargo"}]


def _context(text: str) -> Context:
    return Context(parse(SourceFile(text, "Dockerfile")))


@pytest.mark.parametrize("windows", [False, True])
@pytest.mark.parametrize("families", FAMILIES)
def test_package_runs_is_what_a_visit_of_every_run_finds(families, windows) -> None:  # type: ignore[no-untyped-def]
    ctx = _context(SAMPLE)
    expected = []
    for instruction, script in run_scripts(ctx, windows):
        pcs = package_commands(script, families)
        if pcs:
            expected.append((instruction, script, tuple(pcs)))
    assert list(package_runs(ctx, families, windows)) == expected
    assert package_runs(ctx, families, windows) is package_runs(ctx, families, windows)  # once


@pytest.mark.parametrize("windows", [False, True])
@pytest.mark.parametrize("names", ["cd", "sudo", "apt-get", ("wget", "curl"), {"pip", "npm", "make"}, "nothing"])
def test_runs_calling_is_what_a_visit_of_every_run_finds(names, windows) -> None:  # type: ignore[no-untyped-def]
    ctx = _context(SAMPLE)
    expected = [(i, s) for i, s in run_scripts(ctx, windows) if s.find(names)]
    assert runs_calling(ctx, names, windows) == expected


# ---------------------------------------------------------------------------------------------
# guards: each RUN's package commands asked once per index, not once per rule


@pytest.fixture(scope="module")
def settings() -> Settings:
    rules = [cls() for cls in Registry.load().rules if cls.__module__ in MODULES]
    assert {type(r).__module__ for r in rules} == MODULES
    settings = Settings(rules)
    lint(SourceFile(_file(5, 5), "Dockerfile"), settings)  # first-run work (imports, tables)
    return settings


def _file(packages: int, plain: int) -> str:
    """RUNs that run apt-get (updates and installs, cleanup in every other one) and RUNs that
    run none of the commands the rules look for."""
    runs = [
        f"RUN apt-get update && apt-get install -y --no-install-recommends lib{i}=1"
        + (" && rm -rf /var/lib/apt/lists/*" if i % 2 else "")
        for i in range(packages)
    ]
    runs += [f"RUN echo step{i} && make -j4 target{i} > /dev/null" for i in range(plain)]
    return "FROM debian:12\n" + "\n".join(runs) + "\n"


def _calls(text: str, settings: Settings) -> dict[str, int]:
    """How often the per-RUN questions were asked while the rules linted `text`."""
    prof = cProfile.Profile()
    prof.enable()
    lint(SourceFile(text, "Dockerfile"), settings)
    prof.disable()
    wanted = {
        "package_commands": package_commands.__code__,
        "Script.find": Script.find.__code__,
        "Context.script": Context.script.__code__,
    }
    counts = dict.fromkeys(wanted, 0)
    for (filename, line, name), (_, calls, *_rest) in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
        for label, code in wanted.items():
            if (filename, line, name) == (code.co_filename, code.co_firstlineno, code.co_name):
                counts[label] += calls
    return counts


def test_runs_without_package_managers_or_wanted_commands_are_not_visited(settings: Settings) -> None:
    counts = _calls(_file(0, 200), settings)
    # (were: package_commands 4,800 calls, 24 per RUN; Script.find 1,600)
    assert counts["package_commands"] == 0, counts
    assert counts["Script.find"] == 0, counts
    # each RUN's script is asked for once (was: 1,000 calls, 5 per RUN)
    assert counts["Context.script"] <= 200, counts


def test_package_commands_are_asked_once_per_run(settings: Settings) -> None:
    counts = _calls(_file(200, 0), settings)
    # once per RUN (was: 14,800 calls, 74 per RUN)
    assert counts["package_commands"] <= 200, counts
    assert counts["Context.script"] <= 200, counts
