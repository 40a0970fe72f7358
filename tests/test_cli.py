"""The command line, end to end: exit codes, discovery, bad input, formats, fix, plugins."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dflint.cli import main
from dflint.registry import Registry


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Runs here never read or fill the user's result cache."""
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path_factory.mktemp("dflint-cache")))

SELECT = 'select = ["DF001", "DF002", "DF003", "DL3061"]\n'
CLEAN = "FROM alpine:3.20\nRUN echo hi\n"
EMPTY_CONT = "FROM alpine:3.20\nRUN apk add \\\n\n    curl\n"


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "dflint", *args], capture_output=True, text=True, cwd=cwd, input=stdin, env=env
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    # keep configs above tmp_path out, and the rule set fixed: these tests are about the CLI
    (tmp_path / ".dflint.toml").write_text(SELECT)
    return tmp_path


def test_clean_file_exits_0(project: Path, capsys):
    (project / "Dockerfile").write_text(CLEAN)
    assert main(["check", "Dockerfile"]) == 0


def test_findings_exit_1_with_concise_lines(project: Path, capsys):
    (project / "Dockerfile").write_text(EMPTY_CONT)
    assert main(["check", "--format", "concise", "Dockerfile"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Dockerfile:3:1: DF002 [warning] Empty continuation line inside this RUN"


def test_json_format(project: Path, capsys):
    (project / "Dockerfile").write_text(EMPTY_CONT)
    main(["check", "--format", "json", "Dockerfile"])
    (item,) = json.loads(capsys.readouterr().out)
    assert {k: item[k] for k in ("path", "line", "column", "end_line", "end_column", "code", "name", "severity")} == {
        "path": "Dockerfile",
        "line": 3,
        "column": 1,
        "end_line": 4,
        "end_column": 1,
        "code": "DF002",
        "name": "no-empty-continuation",
        "severity": "warning",
    }
    assert item["fix"]["applicability"] == "safe"
    assert item["fix"]["edits"][0]["content"] == ""


def test_exit_zero_and_environment_format(project: Path, capsys, monkeypatch):
    (project / "Dockerfile").write_text(EMPTY_CONT)
    monkeypatch.setenv("DFLINT_FORMAT", "json")
    assert main(["check", "--exit-zero", "Dockerfile"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["code"] == "DF002"


def test_discovery(project: Path, capsys):
    names = [
        "Dockerfile",
        "Containerfile",
        "api.Dockerfile",
        "web.dockerfile",
        "Dockerfile.dev",
        "Containerfile.prod",
        "sub/deeper/Dockerfile",
    ]
    skipped = ["Dockerfile.dockerignore", ".dockerignore", "notes.txt", "node_modules/x/Dockerfile", "ex/Dockerfile"]
    for name in names + skipped:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(EMPTY_CONT)
    assert main(["check", "--format", "json", "--exclude", "ex", "."]) == 1
    found = {Path(d["path"]).relative_to(".").as_posix() for d in json.loads(capsys.readouterr().out)}
    assert found == set(names)


def test_force_exclude_applies_to_named_files(project: Path, capsys):
    (project / "gen").mkdir()
    (project / "gen" / "Dockerfile").write_text(EMPTY_CONT)
    assert main(["check", "--exclude", "gen", "gen/Dockerfile"]) == 1
    capsys.readouterr()
    assert main(["check", "--exclude", "gen", "--force-exclude", "gen/Dockerfile"]) == 2  # nothing left


def test_bad_inputs_are_one_line_errors_and_the_rest_is_checked(project: Path):
    (project / "Dockerfile").write_text(EMPTY_CONT)
    (project / "binary.Dockerfile").write_bytes(b"FROM a\x00\x01\x02")
    (project / "empty").mkdir()
    result = run("check", "--format", "concise", "Dockerfile", "missing.Dockerfile", "binary.Dockerfile", "empty", cwd=project)
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert "missing.Dockerfile: no such file or directory" in errors[0] + errors[1] + errors[2]
    assert any("binary.Dockerfile: binary file" in e for e in errors)
    assert any(e.startswith("dflint: error: empty: no Dockerfiles found") for e in errors)
    assert len(errors) == 3
    assert "Traceback" not in result.stderr
    assert "Dockerfile:3:1: DF002" in result.stdout


def test_invalid_utf8_is_linted(project: Path, capsys):
    (project / "Dockerfile").write_bytes(b"FROM alpine\nLABEL x=\xff\xfe\nRUNN x\n")
    assert main(["check", "--format", "json", "Dockerfile"]) == 1
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["DF001"]


def test_stdin_with_filename(project: Path):
    result = run("check", "--format", "concise", "-", "--stdin-filename", "docker/app.Dockerfile", cwd=project, stdin=EMPTY_CONT)
    assert result.returncode == 1
    assert result.stdout.startswith("docker/app.Dockerfile:3:1: DF002")


def test_config_error_is_one_line_exit_2(project: Path):
    (project / ".dflint.toml").write_text('slect = ["DF"]\n')  # misspelled
    (project / "Dockerfile").write_text(CLEAN)
    result = run("check", "Dockerfile", cwd=project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "unknown key 'slect'" in result.stderr and "did you mean 'select'" in result.stderr


def test_unknown_selector_is_exit_2(project: Path, capsys):
    (project / "Dockerfile").write_text(CLEAN)
    assert main(["check", "--select", "DF10O", "Dockerfile"]) == 2
    assert "unknown rule selector 'DF10O'" in capsys.readouterr().err


def test_selection_and_config(project: Path, capsys):
    (project / "Dockerfile").write_text("ENV A=1\n" + EMPTY_CONT)
    main(["check", "--format", "json", "Dockerfile"])
    assert sorted(d["code"] for d in json.loads(capsys.readouterr().out)) == ["DF002", "DL3061"]
    main(["check", "--format", "json", "--ignore", "no-empty-continuation", "Dockerfile"])
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["DL3061"]
    main(["check", "--format", "json", "--select", "DL", "--ignore", "SC", "Dockerfile"])
    found = [d["code"] for d in json.loads(capsys.readouterr().out)]
    assert "DL3061" in found and all(code.startswith("DL") for code in found)
    (project / ".dflint.toml").write_text(SELECT + 'ignore = ["DL3061"]\nseverity = { DF002 = "error" }\n')
    main(["check", "--format", "json", "Dockerfile"])
    assert [(d["code"], d["severity"]) for d in json.loads(capsys.readouterr().out)] == [("DF002", "error")]


def test_nearest_config_wins(project: Path, capsys):
    (project / ".dflint.toml").write_text(SELECT + 'ignore = ["DF002"]\n')
    (project / "svc").mkdir()
    (project / "svc" / "pyproject.toml").write_text("[tool.dflint]\nselect = ['DF002']\n")
    (project / "Dockerfile").write_text(EMPTY_CONT)
    (project / "svc" / "Dockerfile").write_text(EMPTY_CONT)
    main(["check", "--format", "json", "."])
    assert [d["path"] for d in json.loads(capsys.readouterr().out)] == [os.path.join(".", "svc", "Dockerfile")]


def test_pragmas(project: Path, capsys):
    (project / "Dockerfile").write_text(
        "# hadolint ignore=DL3061\nENV A=1\n# dflint: ignore=DF002\nFROM alpine\nRUN apk add \\\n\n    curl\n"
    )
    assert main(["check", "Dockerfile"]) == 1  # the DF002 pragma sits above FROM, not the RUN
    capsys.readouterr()
    (project / "Dockerfile").write_text("# dflint: global ignore=DF002\nFROM alpine\nRUN apk add \\\n\n    curl\n")
    assert main(["check", "Dockerfile"]) == 0


def test_failing_rule_is_df000_and_exit_3(project: Path, capsys, monkeypatch):
    from dflint.rule import Rule, Severity

    class Boom(Rule):
        """Explodes."""

        code = "DF999"
        name = "boom"
        severity = Severity.ERROR

        def check(self, ctx):
            raise KeyError("nope")

    registry = Registry([*Registry.load().rules, Boom])
    monkeypatch.setattr(Registry, "_loaded", registry)
    (project / "Dockerfile").write_text(EMPTY_CONT)
    assert main(["check", "--format", "json", "--extend-select", "DF999", "Dockerfile"]) == 3
    found = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in found] == ["DF000", "DF002"]
    assert "rule DF999 (boom) failed: KeyError" in found[0]["message"]


def test_broken_plugin_is_reported_and_the_run_goes_on(project: Path):
    site = project / "site"
    dist = site / "brokenplugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenplugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[dflint.rules]\nbroken = broken_plugin_module:Rule\n")
    (site / "broken_plugin_module.py").write_text("raise ImportError('missing dependency xyz')\n")
    (project / "Dockerfile").write_text(EMPTY_CONT)
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "dflint", "check", "--format", "concise", "Dockerfile"],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
    )
    assert result.returncode == 1
    assert "plugin 'broken'" in result.stderr and "missing dependency xyz" in result.stderr
    assert "DF002" in result.stdout


def test_closed_pipe_is_quiet(project: Path):
    for i in range(200):
        (project / f"f{i}.Dockerfile").write_text(EMPTY_CONT)
    result = subprocess.run(
        f"{sys.executable} -m dflint check --format concise . | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_rule_docs(project: Path, capsys):
    assert main(["rule", "DF100"]) == 0
    out = capsys.readouterr().out
    assert "unused-stage" in out and "Why is this bad?" in out
    assert main(["rule", "NoEmptyContinuation"]) == 0
    assert "DF002" in capsys.readouterr().out
    assert main(["rule", "unused-stag"]) == 2
    assert "did you mean 'unused-stage'" in capsys.readouterr().err
    assert main(["rules", "--format", "json"]) == 0
    codes = {r["code"] for r in json.loads(capsys.readouterr().out)}
    assert {"DF001", "DF002", "DF003", "DF100", "DL3061"} <= codes


def test_version_and_usage():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("dflint ")
    assert run("check", "--format", "nope", ".").returncode == 2
    assert run().returncode == 2


def test_statistics(project: Path, capsys):
    (project / "Dockerfile").write_text("ENV A=1\nENV B=2\n" + EMPTY_CONT)
    main(["check", "--statistics", "Dockerfile"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["2", "DL3061"]
    assert lines[1].split()[:2] == ["1", "DF002"]


def test_output_file(project: Path, capsys):
    (project / "Dockerfile").write_text(EMPTY_CONT)
    assert main(["check", "--format", "json", "--output-file", "report.json", "Dockerfile"]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads((project / "report.json").read_text())[0]["code"] == "DF002"


# -- fix ------------------------------------------------------------------------------------


def test_fix_writes_and_keeps_bom_crlf_mode(project: Path, capsys):
    path = project / "Dockerfile"
    path.write_bytes(b"\xef\xbb\xbfFROM alpine\r\n# keep me\r\nRUN apk add \\\r\n\r\n    curl")
    path.chmod(0o640)
    assert main(["fix", "Dockerfile"]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbfFROM alpine\r\n# keep me\r\nRUN apk add \\\r\n    curl"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in project.iterdir() if p.name.startswith(".dflint-")] == []


def test_fix_diff_writes_nothing(project: Path, capsys):
    path = project / "Dockerfile"
    path.write_text(EMPTY_CONT)
    assert main(["fix", "--diff", "Dockerfile"]) == 1
    out = capsys.readouterr().out
    assert "--- a/Dockerfile" in out and "\n-\n" in out
    assert path.read_text() == EMPTY_CONT
    path.write_text(CLEAN)
    assert main(["fix", "--diff", "Dockerfile"]) == 0


def test_fix_writes_through_a_symlink(project: Path):
    real = project / "real.Dockerfile"
    real.write_text(EMPTY_CONT)
    (project / "Dockerfile").symlink_to(real)
    assert main(["fix", "Dockerfile"]) == 0
    assert (project / "Dockerfile").is_symlink()
    assert real.read_text() == "FROM alpine:3.20\nRUN apk add \\\n    curl\n"


def test_fix_never_writes_a_file_that_does_not_parse(project: Path):
    path = project / "Dockerfile"
    src = "FROM alpine\nRUNN x\nRUN apk add \\\n\n    curl\n"
    path.write_text(src)
    assert main(["fix", "Dockerfile"]) == 1
    assert path.read_text() == src


def test_fix_stdin(project: Path):
    result = run("fix", "-", cwd=project, stdin=EMPTY_CONT)
    assert result.returncode == 0
    assert result.stdout == "FROM alpine:3.20\nRUN apk add \\\n    curl\n"


def test_python_dash_m_entry_point(project: Path):
    (project / "Dockerfile").write_text(textwrap.dedent(CLEAN))
    assert run("check", "Dockerfile", cwd=project).returncode == 0


def test_parallel_run_gives_the_same_findings(project: Path, capsys):
    corpus = Path(__file__).parent / "corpus"
    args = ["check", "--format", "json", "--select", "ALL", "--ignore", "SC", "--isolated", "--exit-zero", str(corpus)]
    assert main([*args, "--jobs", "1"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert main([*args, "--jobs", "2"]) == 0
    two = json.loads(capsys.readouterr().out)
    assert len(one) > 100
    key = lambda d: (d["path"], d["line"], d["column"], d["code"], d["message"])  # noqa: E731
    assert sorted(one, key=key) == sorted(two, key=key)


def test_failure_threshold_flag(project: Path, capsys):
    (project / "Dockerfile").write_text(EMPTY_CONT)  # one warning
    assert main(["check", "Dockerfile"]) == 1
    assert main(["check", "--failure-threshold", "error", "Dockerfile"]) == 0
    assert main(["check", "--failure-threshold", "warning", "Dockerfile"]) == 1
    assert main(["check", "--failure-threshold", "none", "Dockerfile"]) == 0


def test_experimental_check_turned_on_by_the_directive(project: Path, capsys):
    text = "# check=experimental=InvalidDefinitionDescription\nFROM alpine:3.20 AS base\n# a comment\nFROM base AS app\n"
    (project / "Dockerfile").write_text(text)
    (project / ".dflint.toml").write_text('select = ["DF001"]\n')
    main(["check", "--format", "json", "Dockerfile"])
    found = json.loads(capsys.readouterr().out)
    assert "DF411" in [d["code"] for d in found]
    (project / "Dockerfile").write_text(text.split("\n", 1)[1])
    main(["check", "--format", "json", "Dockerfile"])
    assert json.loads(capsys.readouterr().out) == []


def test_only_the_command_used_is_built():
    from dflint.cli import COMMANDS, _command_in, build_parser

    assert _command_in(["check", "x"]) == "check"
    assert _command_in(["--version"]) is None
    assert _command_in(["chek"]) is None
    full = build_parser()
    for name in COMMANDS:
        only = build_parser(name)
        args = {"check": ["check", "--no-cache", "a"], "fix": ["fix", "--diff", "a"], "rule": ["rule", "DL3008"],
                "rules": ["rules"], "graph": ["graph", "a"]}[name]
        assert vars(only.parse_args(args)) == vars(full.parse_args(args))
