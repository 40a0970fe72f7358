"""BuildKit's build checks: the `# check=` directive, error escalation and the shared helpers."""

from __future__ import annotations

import pytest

from dflint.buildkit_checks import (BUILDKIT_CHECKS, EXPERIMENTAL_CHECKS, CheckConfig,
                                    buildkit_codes, check_config, escalate, image_env_names,
                                    is_valid_reference, levenshtein, parse_check_options,
                                    parse_platform, port_range, split_port_spec, suggest,
                                    variable_refs)
from dflint.engine import Settings, lint
from dflint.parser import parse
from dflint.registry import Registry
from dflint.rule import Severity
from dflint.source import SourceFile

# ---------------------------------------------------------------------------------------------
# the check names


def test_every_documented_check_is_an_alias():
    """Every check of BuildKit's docs is the alias of a dflint rule (CopyIgnoredFile comes with the
    .dockerignore support)."""
    aliases = {alias for cls in Registry.load() for alias in cls.aliases}
    assert len(BUILDKIT_CHECKS) == 21
    assert set(BUILDKIT_CHECKS) - aliases <= {"CopyIgnoredFile"}


def test_experimental_checks():
    # CopyIgnoredFile left the experimental set (moby/buildkit#6362; docker 29.2 reports it)
    assert EXPERIMENTAL_CHECKS == {"InvalidDefinitionDescription"}
    rule = Registry.load().get("InvalidDefinitionDescription")
    assert rule is not None and rule.enabled_by_default is False


def test_buildkit_codes():
    codes = buildkit_codes()
    assert codes["DF402"] == "ConsistentInstructionCasing"
    assert codes["DL4000"] == "MaintainerDeprecated"
    assert "DL3008" not in codes


# ---------------------------------------------------------------------------------------------
# the `# check=` directive (BuildKit's ParseLintOptions)


@pytest.mark.parametrize("text, expected", [
    ("", CheckConfig()),
    ("skip=StageNameCasing,FromAsCasing", CheckConfig(skip=("StageNameCasing", "FromAsCasing"))),
    ("skip = all", CheckConfig(skip_all=True)),
    ("skip=all,FromAsCasing", CheckConfig(skip=("all", "FromAsCasing"))),
    ("error=true", CheckConfig(error=True)),
    ("error=1;skip=JSONArgsRecommended", CheckConfig(skip=("JSONArgsRecommended",), error=True)),
    ("experimental=all", CheckConfig(experimental_all=True)),
    ("experimental=InvalidDefinitionDescription;error=false",
     CheckConfig(experimental=("InvalidDefinitionDescription",))),
])
def test_parse_check_options(text, expected):
    assert parse_check_options(text) == expected


@pytest.mark.parametrize("text, problem", [
    ("skip", "invalid check option 'skip'"),
    ("Skip=all", "invalid check option 'Skip'"),
    ("error=yes", "failed to parse check option 'error=yes': invalid syntax"),
    ("warn=all", "invalid check option 'warn'"),
])
def test_parse_check_options_errors(text, problem):
    assert parse_check_options(text).problem == problem


def test_runs_follows_buildkit():
    config = parse_check_options("skip=all")
    assert not config.runs("UndefinedVar")
    assert not config.runs("InvalidDefinitionDescription")  # experimental: off unless named
    config = parse_check_options("skip=all;experimental=InvalidDefinitionDescription")
    assert config.runs("InvalidDefinitionDescription")  # skip does not reach experimental checks
    assert not config.runs("CopyIgnoredFile")
    assert parse_check_options("skip=UndefinedVar").runs("FromAsCasing")


def test_check_config_reads_the_directive():
    df = parse(SourceFile("# check=error=true\nFROM alpine\n", "Dockerfile"))
    assert check_config(df).error
    assert check_config(parse(SourceFile("FROM alpine\n# check=error=true\n", "Dockerfile"))) == CheckConfig()


# ---------------------------------------------------------------------------------------------
# error=true


def _lint(text: str, codes: list[str]):
    registry = Registry.load()
    rules = [registry.get(code)() for code in codes]
    result = lint(SourceFile(text, "Dockerfile"), Settings(rules=rules), registry)
    return result.dockerfile, result.diagnostics


def test_escalate_with_error_true():
    text = "# check=error=true\nfrom alpine:3.20 AS Build\nRUN true\nCMD run-it\n"
    plain = "from alpine:3.20 AS Build\nRUN true\nCMD run-it\n"
    _, before = _lint(plain, ["DF402", "DF403", "DL3025"])
    assert {("DF403", Severity.WARNING), ("DF402", Severity.STYLE)} <= {(d.code, d.severity) for d in before}
    df, diags = _lint(text, ["DF402", "DF403", "DL3025"])  # the engine escalates
    got = {(d.code, d.severity) for d in diags}
    assert ("DF403", Severity.ERROR) in got and ("DF402", Severity.ERROR) in got
    assert ("DL3025", Severity.WARNING) in got  # hadolint's rule is no BuildKit check
    again = escalate(df, diags)
    assert [(d.code, d.severity) for d in again] == [(d.code, d.severity) for d in diags]


def test_escalate_keeps_findings_without_error_true():
    for text in ("FROM alpine:3.20\nCMD run-it\n", "# check=error=false\nFROM alpine:3.20\nCMD run-it\n",
                 "# check=skip=all\nFROM alpine:3.20\nCMD run-it\n"):
        df, diags = _lint(text, ["DF403"])
        after = escalate(df, diags)
        assert [(d.code, d.severity) for d in after] == [(d.code, d.severity) for d in diags]


def test_escalate_after_skip():
    """Skipped checks never reach escalate: the pragmas drop them first."""
    text = "# check=skip=JSONArgsRecommended;error=true\nFROM alpine:3.20\nCMD run-it\nWORKDIR app\n"
    df, diags = _lint(text, ["DF403", "DF405"])
    assert {(d.code, d.severity) for d in escalate(df, diags)} == {("DF405", Severity.ERROR)}


# ---------------------------------------------------------------------------------------------
# helpers


def test_suggest_like_buildkit():
    assert suggest("PAHT", ["HOME", "PATH"]) == "PATH"
    assert suggest("NODE_VERSON", ["NODE_VERSION", "NODE_ENV"]) == "NODE_VERSION"
    assert suggest("foo", ["bar"]) is None
    assert suggest("PATH", ["PATH", "PAT"]) is None  # an exact match: nothing to suggest
    assert suggest("path", ["PATH"]) is None  # case-sensitive by default
    assert suggest("path", ["PATH"], case_sensitive=False) is None  # the same name
    assert suggest("pahts", ["PATH"], case_sensitive=False) == "path"
    assert levenshtein("kitten", "sitting") == 3


def test_variable_refs():
    refs = variable_refs("${A:-$B}x$C '$D' \\$E ${F} $1 ${G/x/$H}")
    assert [r.name for r in refs] == ["A", "B", "C", "F", "1", "G", "H"]
    first = refs[0]
    assert (first.start, first.end) == (0, 8)
    assert [r.name for r in variable_refs("'$D'", quotes=False)] == ["D"]
    assert [r.name for r in variable_refs("`$X $Y", escape="`")] == ["Y"]
    assert variable_refs("no vars here $ 5$") == []


@pytest.mark.parametrize("ref, ok", [
    ("alpine", True), ("busybox:stable", True), ("gcr.io/distroless/static:nonroot", True),
    ("localhost:5000/app:1.0", True), ("Registry.Example.com/app", True), ("build", True),
    ("node@sha256:" + "a" * 64, True),
    ("busybox:", False), ("Alpine", False), ("/app", False), ("gcr.io//app", False), (":", False),
    ("", False), ("a" * 64, False), ("node:-alpine", False), ("app:tag with space", False),
])
def test_is_valid_reference(ref, ok):
    assert is_valid_reference(ref) is ok


@pytest.mark.parametrize("text, expected", [
    ("linux/amd64", ("linux", "amd64", "")), ("linux/x86_64", ("linux", "amd64", "")),
    ("linux/arm64/v8", ("linux", "arm64", "")), ("linux/aarch64", ("linux", "arm64", "")),
    ("linux/arm", ("linux", "arm", "v7")), ("arm64", ("linux", "arm64", "")),
    ("windows", ("windows", "amd64", "")), ("linux/amd64/v2/x", None), ("", None),
    ("nonsense", None), ("li nux/amd64", None),
])
def test_parse_platform(text, expected):
    assert parse_platform(text) == expected


def test_port_specs():
    assert split_port_spec("80") == ("", "", "80")
    assert split_port_spec("8080:80/tcp") == ("", "8080", "80/tcp")
    assert split_port_spec("127.0.0.1:80:80") == ("127.0.0.1", "80", "80")
    assert split_port_spec("[::1]:8080:80") == ("[::1]", "8080", "80")
    assert port_range("8000-8010") == (8000, 8010)
    assert port_range("80") == (80, 80)
    assert port_range("70000") is None and port_range("90-80") is None and port_range("") is None


def test_image_env_names():
    assert "PYTHON_VERSION" in image_env_names("python:3.12-slim")
    assert "JAVA_HOME" in image_env_names("docker.io/library/eclipse-temurin:21-jre")
    assert image_env_names("alpine:3.20") == {"PATH"}
    assert image_env_names("localhost:5000/python") is None
    assert image_env_names("ghcr.io/acme/base:1") is None


def test_experimental_rules_from_the_directive():
    from dflint.buildkit_checks import experimental_rules

    df = parse(SourceFile("# check=experimental=InvalidDefinitionDescription\nFROM alpine\n", "Dockerfile"))
    assert [cls.code for cls in experimental_rules(df)] == ["DF411"]
    df = parse(SourceFile("# check=experimental=all;skip=all\nFROM alpine\n", "Dockerfile"))
    assert "DF411" in [cls.code for cls in experimental_rules(df)]
    assert experimental_rules(parse(SourceFile("FROM alpine\n", "Dockerfile"))) == []
