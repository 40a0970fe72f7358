"""Documentation that must follow the code: the generated rule reference (docs/rules.md), the
configuration reference (docs/configuration.md), the integration examples
(docs/integrations.md), and the release bookkeeping (version, CHANGELOG.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dflint import __version__
from dflint.docs import render_rules
from dflint.registry import Registry, builtin_rules

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REGENERATE = ".venv/bin/dflint rules --format markdown > docs/rules.md"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.S | re.M)


# ------------------------------------------------------------------------------------------
# docs/rules.md


def test_rule_reference_is_up_to_date():
    expected = render_rules(builtin_rules(), "markdown")
    committed = (DOCS / "rules.md").read_text("utf-8") if (DOCS / "rules.md").exists() else ""
    if committed != expected:
        have = set(re.findall(r"^## (\S+) ", committed, flags=re.M))
        want = {cls.code for cls in builtin_rules()}
        detail = []
        if want - have:
            detail.append(f"missing: {', '.join(sorted(want - have))}")
        if have - want:
            detail.append(f"no longer rules: {', '.join(sorted(have - want))}")
        pytest.fail(
            "docs/rules.md is stale (" + ("; ".join(detail) or "a rule's documentation changed")
            + f"). Regenerate it from the repository root with:\n    {REGENERATE}"
        )


def test_rule_reference_has_an_anchor_for_every_help_link():
    """The reports' help links (SARIF helpUri, GitLab, reviewdog) point at docs/rules.md#<anchor>:
    GitHub's anchor of each rule's heading."""
    from dflint.report.common import rule_info

    headings = set(re.findall(r"^## (.+)$", render_rules(builtin_rules(), "markdown"), flags=re.M))
    for cls in builtin_rules():
        assert f"{cls.code} {cls.name}" in headings
        anchor = rule_info(cls.code).help_uri.rsplit("#", 1)[1]
        assert anchor == f"{cls.code} {cls.name}".lower().replace(" ", "-")


def test_the_cli_generates_the_same_reference():
    if any(cls not in builtin_rules() for cls in Registry.load().rules):
        pytest.skip("plugins are installed: `dflint rules` lists their rules too")
    proc = subprocess.run(
        [sys.executable, "-m", "dflint", "rules", "--format", "markdown"], capture_output=True, text=True, check=True
    )
    assert proc.stdout == render_rules(builtin_rules(), "markdown")


# ------------------------------------------------------------------------------------------
# docs/configuration.md


def test_configuration_reference_lists_every_key():
    from dflint.config import _KEYS

    text = (DOCS / "configuration.md").read_text("utf-8")
    rows = set(re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.M))
    assert rows == set(_KEYS), f"undocumented: {sorted(set(_KEYS) - rows)}; unknown: {sorted(rows - set(_KEYS))}"


def test_configuration_example_is_a_valid_config():
    from dflint.config import config_from_table

    text = (DOCS / "configuration.md").read_text("utf-8")
    examples = [b for b in _blocks(text, "toml") if "[tool.dflint]" in b]
    assert examples, "docs/configuration.md needs a [tool.dflint] example"
    for block in examples:
        table = tomllib.loads(block)["tool"]["dflint"]
        config = config_from_table(table)
        config.validate_selectors(Registry.load())
        from dflint.commands import _instantiate

        for code in config.rules:
            cls = Registry.load().get(code)
            assert cls is not None, code
            _instantiate(cls, config.rule_options(code), config)


def test_configuration_formats_are_the_cli_formats():
    from dflint.cli import FORMATS

    text = (DOCS / "configuration.md").read_text("utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `output-format` |"))
    assert set(re.findall(r"`([a-z][a-z-]*)`", row.split("|")[4])) == set(FORMATS)


# ------------------------------------------------------------------------------------------
# docs/integrations.md


def test_integrations_pin_the_current_version():
    text = (DOCS / "integrations.md").read_text("utf-8")
    tag = f"v{__version__}"
    pins = re.findall(r"\brev: (\S+)", text) + re.findall(r"uses: dflint/dflint@(\S+)", text)
    pins += re.findall(r"dflint/dflint@(v[\w.]+)", text)
    assert pins and set(pins) == {tag}, f"pin {tag} everywhere (found {sorted(set(pins))})"


def test_integrations_examples_match_the_hooks_and_the_action():
    text = (DOCS / "integrations.md").read_text("utf-8")
    hook_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    configs = [yaml.safe_load(b) for b in _blocks(text, "yaml")]
    pre_commit = next(c for c in configs if isinstance(c, dict) and "repos" in c)
    assert {h["id"] for h in pre_commit["repos"][0]["hooks"]} == hook_ids
    workflow = next(c for c in configs if isinstance(c, dict) and "jobs" in c)
    steps = workflow["jobs"]["dflint"]["steps"]
    ours = next(s for s in steps if str(s.get("uses", "")).startswith("dflint/dflint@"))
    assert set(ours["with"]) <= set(action["inputs"])
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ steps.dflint.outputs.sarif-file }}"
    assert workflow["jobs"]["dflint"]["permissions"]["security-events"] == "write"
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.M))
    assert set(action["inputs"]) | set(action["outputs"]) <= documented


# ------------------------------------------------------------------------------------------
# Releases


def test_version_is_semantic_and_agrees_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["version"] == __version__, "pyproject.toml and lint/__init__.py disagree"
    assert SEMVER.match(__version__)
    proc = subprocess.run([sys.executable, "-m", "dflint", "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == f"dflint {__version__}"


def test_changelog_follows_keep_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings and headings[0] == "[Unreleased]"
    released = []
    for heading in headings[1:]:
        m = re.fullmatch(r"\[(.+?)\] - (\d{4}-\d{2}-\d{2})", heading)
        assert m and SEMVER.match(m.group(1)), f"release heading {heading!r}: '[X.Y.Z] - YYYY-MM-DD'"
        released.append(tuple(int(p) for p in m.group(1).split("-")[0].split(".")))
    assert released == sorted(released, reverse=True), "newest release first"
    current = tuple(int(p) for p in __version__.split("-")[0].split("."))
    assert all(v <= current for v in released), "the package version is older than a released one"
    for section in re.findall(r"^### (.+)$", text, flags=re.M):
        assert section in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    for ref in re.findall(r"^## \[(.+?)\]", text, flags=re.M):
        assert re.search(rf"^\[{re.escape(ref)}\]: https?://", text, flags=re.M), f"no link for [{ref}]"
