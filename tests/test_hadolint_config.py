"""Reading hadolint's .hadolint.yaml when no dflint config is found (migration)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dflint.cli import main
from dflint.config import ConfigCache, ConfigError
from dflint.hadolint_config import load_hadolint_config, translate
from dflint.rule import Severity

BAD = "FROM debian:12\nRUN apt-get install \\\n\n  curl\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / "Dockerfile").write_text(BAD)
    return tmp_path


def test_every_documented_key(project: Path):
    (project / ".hadolint.yaml").write_text(
        "ignored: [DL3008, SC2086]\n"
        "override:\n  error: [DF002]\n  info: [DL3015]\n"
        "failure-threshold: warning\n"
        "disable-ignore-pragma: true\n"
        "no-color: true\nverbose: false\nformat: json\n"
    )
    config = load_hadolint_config(project / ".hadolint.yaml")
    assert config.hadolint
    assert config.ignore == ("DL3008", "SC2086")
    assert config.severity == {"DF002": Severity.ERROR, "DL3015": Severity.INFO}
    assert config.failure_threshold == Severity.WARNING
    assert config.disable_pragmas and not config.exit_zero
    assert config.output_format == "json"


@pytest.mark.parametrize("text", ["no-fail: true\n", "failure-threshold: none\n"])
def test_never_failing(text):
    assert translate({k: v for k, v in [_kv(text)]}, "x")["exit-zero"] is True


def _kv(text):
    import yaml

    return next(iter(yaml.safe_load(text).items()))


def test_misspelled_key_is_an_error_with_a_suggestion(project: Path):
    (project / ".hadolint.yaml").write_text("ignord: [DL3008]\n")
    with pytest.raises(ConfigError, match="unknown hadolint key 'ignord' .did you mean 'ignored'"):
        load_hadolint_config(project / ".hadolint.yaml")


def test_bad_values(project: Path):
    for text, message in [
        ("override:\n  eror: [DL3008]\n", "unknown level 'eror'"),
        ("ignored: DL3008\n", "must be a list"),
        ("strict-labels: yes please\n", "must be true or false"),
        ("[broken\n", "invalid YAML"),
    ]:
        (project / ".hadolint.yaml").write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_hadolint_config(project / ".hadolint.yaml")


def test_used_only_without_a_dflint_config(project: Path):
    (project / ".hadolint.yml").write_text("ignored: [DF002]\n")
    assert ConfigCache().config_for(project / "Dockerfile").hadolint
    (project / ".dflint.toml").write_text("")
    assert not ConfigCache().config_for(project / "Dockerfile").hadolint


def test_global_location(project: Path):
    (project / "home" / ".config").mkdir(parents=True)
    (project / "home" / ".config" / "hadolint.yaml").write_text("ignored: [DF002]\n")
    assert ConfigCache().config_for(project / "Dockerfile").ignore == ("DF002",)


def test_cli_says_it_uses_the_hadolint_config(project: Path, capsys):
    (project / ".hadolint.yaml").write_text("override:\n  error: [DF002]\nfailure-threshold: error\n")
    assert main(["check", "--format", "json", "--ignore", "SC", "Dockerfile"]) == 1
    captured = capsys.readouterr()
    assert "using hadolint's" in captured.err and ".hadolint.yaml" in captured.err
    found = json.loads(captured.out)
    assert ("DF002", "error") in [(d["code"], d["severity"]) for d in found]
    (project / ".hadolint.yaml").write_text("ignored: [DF002]\nfailure-threshold: error\n")
    assert main(["check", "--format", "json", "--ignore", "SC", "--select", "DF002", "Dockerfile"]) == 0
