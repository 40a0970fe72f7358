"""Config: loading, validation, discovery, per-file-ignores, CLI overrides."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import dflint.config as config_mod
from dflint.config import Config, ConfigCache, ConfigError, config_from_table, find_config, load_config
from dflint.registry import Registry
from dflint.rule import Rule, Severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


FULL = """
select = ["DL", "DF1"]
extend-select = ["DL3057"]
ignore = ["DL3008"]
fixable = ["ALL"]
unfixable = ["DF200"]
unsafe-fixes = true
target = "runtime"
extra-targets = ["test", "lint"]
context = ".."
cache-dir = ".cache/dflint"
exclude = ["vendor/**"]
extend-exclude = ["*.tmpl"]
failure-threshold = "warning"

[per-file-ignores]
"tests/*" = ["DF100"]
"Dockerfile.dev" = ["DL3009", "unused-stage"]

[severity]
DL3008 = "error"
DL = "INFO"

[build-args]
VERSION = "1.2"
PORT = 8080
DEBUG = true

[rules.DL3008]
allow = ["curl"]

[rules.DF200]
toolchains = { go = true }

[optimize]
runtime-image = "gcr.io/distroless/static"
"""


def test_load_all_keys(tmp_path):
    cfg_path = write(tmp_path / "proj" / ".dflint.toml", FULL)
    cfg = load_config(cfg_path)
    root = (tmp_path / "proj").resolve()
    assert cfg.path == cfg_path.resolve()
    assert cfg.root == root
    assert cfg.select == ("DL", "DF1")
    assert cfg.extend_select == ("DL3057",)
    assert cfg.ignore == ("DL3008",)
    assert cfg.fixable == ("ALL",)
    assert cfg.unfixable == ("DF200",)
    assert cfg.unsafe_fixes is True
    assert cfg.target == "runtime"
    assert cfg.extra_targets == ("test", "lint")
    assert cfg.context == tmp_path.resolve()  # ".." relative to the config's directory
    assert cfg.cache_dir == root / ".cache" / "dflint"
    assert cfg.exclude == ("vendor/**",)
    assert cfg.extend_exclude == ("*.tmpl",)
    assert cfg.failure_threshold is Severity.WARNING
    assert cfg.per_file_ignores == {"tests/*": ("DF100",), "Dockerfile.dev": ("DL3009", "unused-stage")}
    assert cfg.severity == {"DL3008": Severity.ERROR, "DL": Severity.INFO}
    assert cfg.build_args == {"VERSION": "1.2", "PORT": "8080", "DEBUG": "true"}
    assert cfg.rules == {"DL3008": {"allow": ["curl"]}, "DF200": {"toolchains": {"go": True}}}
    assert cfg.rule_options("dl3008") == {"allow": ["curl"]}
    assert cfg.rule_options("DF999") == {}
    assert cfg.optimize == {"runtime-image": "gcr.io/distroless/static"}


def test_defaults():
    cfg = Config()
    assert cfg.select is None
    assert cfg.fixable is None
    assert cfg.unsafe_fixes is False
    assert cfg.failure_threshold is Severity.STYLE
    assert cfg.path is None and cfg.root is None
    assert cfg.ignores_for("Dockerfile") == ()


def test_config_is_frozen(tmp_path):
    cfg = load_config(write(tmp_path / ".dflint.toml", 'select = ["DL"]\n'))
    with pytest.raises(AttributeError):
        cfg.select = ("DF",)  # type: ignore[misc]


def test_unknown_key_with_suggestion(tmp_path):
    p = write(tmp_path / ".dflint.toml", 'slect = ["DL"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert str(info.value) == f"{p.resolve()}: unknown key 'slect' (did you mean 'select'?)"


def test_unknown_snake_case_key_suggests_kebab(tmp_path):
    p = write(tmp_path / ".dflint.toml", 'extend_select = ["DL"]\n')
    with pytest.raises(ConfigError, match=r"unknown key 'extend_select' \(did you mean 'extend-select'\?\)"):
        load_config(p)


def test_unknown_key_without_suggestion(tmp_path):
    p = write(tmp_path / ".dflint.toml", "zzzzzz = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert str(info.value) == f"{p.resolve()}: unknown key 'zzzzzz'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('select = "DL3008"\n', "'select' must be a list of strings, got a string"),
        ("ignore = [1, 2]\n", "'ignore' must be a list of strings, got an array"),
        ('unsafe-fixes = "yes"\n', "'unsafe-fixes' must be a boolean, got a string"),
        ("target = 3\n", "'target' must be a string, got an integer"),
        ('severity = "error"\n', "'severity' must be a table, got a string"),
        ('[severity]\nDL3008 = "fatal"\n', "'severity.DL3008': unknown severity 'fatal'"),
        ('failure-threshold = "critical"\n', "'failure-threshold': unknown severity 'critical'"),
        ('[per-file-ignores]\n"a/*" = "DL3008"\n', "'per-file-ignores.a/*' must be a list of strings"),
        ("[build-args]\nX = [1]\n", "'build-args.X' must be a string, got an array"),
        ("rules = { DL3008 = 1 }\n", "'rules.DL3008' must be a table, got an integer"),
        ("optimize = []\n", "'optimize' must be a table, got an array"),
    ],
)
def test_wrong_types(tmp_path, text, expected):
    p = write(tmp_path / ".dflint.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(p)
    msg = str(info.value)
    assert msg.startswith(f"{p.resolve()}: ")
    assert expected in msg
    assert "\n" not in msg


def test_bad_toml_names_file_and_line(tmp_path):
    p = write(tmp_path / ".dflint.toml", 'select = ["DL"]\nignore = [\n"x" "y"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(p)
    msg = str(info.value)
    assert msg.startswith(f"{p.resolve()}: invalid TOML: ")
    assert "line 3" in msg
    assert "\n" not in msg


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_pyproject_tool_table(tmp_path):
    p = write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "x"

        [tool.dflint]
        select = ["DF"]

        [tool.dflint.rules.DL3008]
        allow = ["curl"]
        """,
    )
    cfg = load_config(p)
    assert cfg.select == ("DF",)
    assert cfg.rules == {"DL3008": {"allow": ["curl"]}}
    assert cfg.path == p.resolve()


def test_pyproject_unknown_key(tmp_path):
    p = write(tmp_path / "pyproject.toml", "[tool.dflint]\nignores = []\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: unknown key 'ignores' \(did you mean 'ignore'\?\)"):
        load_config(p)


def test_pyproject_without_table_is_an_error_when_explicit(tmp_path):
    p = write(tmp_path / "pyproject.toml", "[tool.ruff]\nline-length = 1\n")
    with pytest.raises(ConfigError, match=r"no \[tool.dflint\] table"):
        load_config(p)


# ---- discovery -------------------------------------------------------------------------------


def test_find_nearest_wins(tmp_path):
    top = write(tmp_path / ".dflint.toml", 'select = ["DL"]\n')
    near = write(tmp_path / "a" / ".dflint.toml", 'select = ["DF"]\n')
    dockerfile = write(tmp_path / "a" / "b" / "Dockerfile", "FROM x\n")
    assert find_config(dockerfile) == near.resolve()
    assert find_config(tmp_path / "Dockerfile") == top.resolve()
    # no merging up the tree: the nearest file alone decides
    cfg = load_config(find_config(dockerfile))
    assert cfg.select == ("DF",)


def test_find_from_directory(tmp_path):
    cfg = write(tmp_path / "a" / ".dflint.toml", "")
    assert find_config(tmp_path / "a") == cfg.resolve()


def test_find_skips_pyproject_without_table(tmp_path):
    top = write(tmp_path / "pyproject.toml", "[tool.dflint]\nselect = ['DL']\n")
    write(tmp_path / "svc" / "pyproject.toml", "[tool.ruff]\nselect = ['E']  # dflint is mentioned here\n")
    write(tmp_path / "svc" / "api" / "pyproject.toml", "[project]\nname = 'api'\n")
    dockerfile = write(tmp_path / "svc" / "api" / "Dockerfile", "FROM x\n")
    assert find_config(dockerfile) == top.resolve()


def test_dflint_toml_beats_pyproject_in_same_dir(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.dflint]\nselect = ['DL']\n")
    own = write(tmp_path / ".dflint.toml", "select = ['DF']\n")
    assert find_config(tmp_path / "Dockerfile") == own.resolve()


def test_pyproject_nearer_than_dflint_toml_wins(tmp_path):
    write(tmp_path / ".dflint.toml", "select = ['DF']\n")
    near = write(tmp_path / "a" / "pyproject.toml", "[tool.dflint]\nselect = ['DL']\n")
    assert find_config(tmp_path / "a" / "Dockerfile") == near.resolve()


def test_dotted_tool_key_in_pyproject_found(tmp_path):
    p = write(tmp_path / "pyproject.toml", "[tool]\ndflint = { select = ['DL'] }\n")
    assert find_config(tmp_path / "Dockerfile") == p.resolve()
    assert load_config(p).select == ("DL",)


def test_broken_pyproject_mentioning_dflint_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.dflint\nselect = 1\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        find_config(tmp_path / "Dockerfile")


def test_none_found(tmp_path):
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    # assumes no dflint config above the pytest temp directory
    assert find_config(tmp_path / "x" / "Dockerfile") is None


def test_config_cache_reads_each_file_once(tmp_path, monkeypatch):
    cfg = write(tmp_path / ".dflint.toml", "select = ['DL']\n")
    for d in ("a", "a/b", "c"):
        for i in range(5):
            write(tmp_path / d / f"Dockerfile.{i}", "FROM x\n")
    reads: list[Path] = []
    probes: list[Path] = []
    real_read, real_in = config_mod._read_toml, config_mod._config_in
    monkeypatch.setattr(config_mod, "_read_toml", lambda p: reads.append(p) or real_read(p))
    monkeypatch.setattr(config_mod, "_config_in", lambda d: probes.append(d) or real_in(d))
    cache = ConfigCache()
    configs = [cache.config_for(tmp_path / d / f"Dockerfile.{i}") for d in ("a", "a/b", "c") for i in range(5)]
    assert all(c is configs[0] for c in configs)
    assert configs[0].select == ("DL",)
    assert reads == [cfg.resolve()]
    # each directory probed at most once
    assert len(probes) == len(set(probes))
    assert set(probes) == {str((tmp_path / d).resolve()) for d in ("a", "a/b", "c")} | {str(tmp_path.resolve())}


def test_config_cache_default_when_none(tmp_path, monkeypatch):
    monkeypatch.setattr(config_mod, "_config_in", lambda d: None)
    cache = ConfigCache()
    cfg = cache.config_for(tmp_path / "Dockerfile")
    assert cfg == Config()
    assert cache.config_for(tmp_path / "sub" / "Dockerfile") is cfg


def test_config_cache_explicit(tmp_path):
    explicit = write(tmp_path / "ci" / "dflint.toml", "select = ['DF']\n")
    write(tmp_path / "a" / ".dflint.toml", "select = ['DL']\n")
    cache = ConfigCache(explicit)
    assert cache.config_for(tmp_path / "a" / "Dockerfile").select == ("DF",)


def test_config_cache_nearest(tmp_path):
    write(tmp_path / ".dflint.toml", "select = ['DL']\n")
    write(tmp_path / "a" / ".dflint.toml", "select = ['DF']\n")
    cache = ConfigCache()
    assert cache.config_for(tmp_path / "a" / "b" / "Dockerfile").select == ("DF",)
    assert cache.config_for(tmp_path / "c" / "Dockerfile").select == ("DL",)
    assert cache.config_for(tmp_path / "a" / "Dockerfile").select == ("DF",)


# ---- per-file-ignores ------------------------------------------------------------------------


def test_per_file_ignores(tmp_path):
    p = write(
        tmp_path / "repo" / ".dflint.toml",
        """
        [per-file-ignores]
        "tests/*" = ["DF100"]
        "Dockerfile.dev" = ["DL3009"]
        "**/legacy.Dockerfile" = ["DL"]
        "svc/api/Dockerfile" = ["DF200"]
        """,
    )
    cfg = load_config(p)
    repo = tmp_path / "repo"
    assert cfg.ignores_for(repo / "tests" / "Dockerfile") == ("DF100",)
    assert cfg.ignores_for(repo / "tests" / "deep" / "Dockerfile") == ("DF100",)  # fnmatch * crosses /
    assert cfg.ignores_for(repo / "Dockerfile.dev") == ("DL3009",)
    assert cfg.ignores_for(repo / "svc" / "Dockerfile.dev") == ("DL3009",)  # basename match
    assert cfg.ignores_for(repo / "legacy.Dockerfile") == ("DL",)  # **/ also matches at the top
    assert cfg.ignores_for(repo / "x" / "legacy.Dockerfile") == ("DL",)
    assert cfg.ignores_for(repo / "svc" / "api" / "Dockerfile") == ("DF200",)
    assert cfg.ignores_for(repo / "other" / "svc" / "api" / "Dockerfile") == ()  # relative to the config's dir
    assert cfg.ignores_for(repo / "Dockerfile") == ()


def test_per_file_ignores_relative_path_argument(tmp_path, monkeypatch):
    p = write(tmp_path / ".dflint.toml", '[per-file-ignores]\n"ci/*" = ["DL3008"]\n')
    cfg = load_config(p)
    monkeypatch.chdir(tmp_path)
    assert cfg.ignores_for("ci/Dockerfile") == ("DL3008",)
    assert cfg.ignores_for(Path("app") / "Dockerfile") == ()


def test_per_file_ignores_several_globs_match(tmp_path):
    cfg = config_from_table({"per-file-ignores": {"*.dev": ["DL3009"], "a/*": ["DF100"]}}, tmp_path / "x.toml")
    assert cfg.ignores_for(tmp_path / "a" / "Dockerfile.dev") == ("DL3009", "DF100")


# ---- selectors against the registry ----------------------------------------------------------


def _rule(code, name):
    return type(f"R{code}", (Rule,), {"code": code, "name": name, "severity": Severity.INFO, "check": lambda s, c: iter(())})


REG = Registry([_rule("DL3008", "apt-pin"), _rule("DL3009", "apt-lists"), _rule("DF100", "unused-stage")])


def test_validate_selectors_names_file_and_key(tmp_path):
    p = write(tmp_path / ".dflint.toml", 'select = ["DL"]\n[per-file-ignores]\n"a/*" = ["unused-stages"]\n')
    cfg = load_config(p)
    with pytest.raises(ConfigError) as info:
        cfg.validate_selectors(REG)
    assert str(info.value) == (
        f"{p.resolve()}: per-file-ignores.'a/*': unknown rule selector 'unused-stages' (did you mean 'unused-stage'?)"
    )
    ok = load_config(write(tmp_path / "b" / ".dflint.toml", 'ignore = ["SC2086", "ALL", "apt-pin"]\n'))
    ok.validate_selectors(REG)  # no error


def test_validate_selectors_severity_keys(tmp_path):
    cfg = load_config(write(tmp_path / ".dflint.toml", '[severity]\nDL3O08 = "error"\n'))
    with pytest.raises(ConfigError, match=r"severity: unknown rule selector 'DL3O08' \(did you mean 'DL3008'\?\)"):
        cfg.validate_selectors(REG)


def test_severity_for_most_specific(tmp_path):
    cfg = config_from_table({"severity": {"DL": "info", "DL3008": "error", "ALL": "style"}})
    assert cfg.severity_for("DL3008", REG) is Severity.ERROR
    assert cfg.severity_for("DL3009", REG) is Severity.INFO
    assert cfg.severity_for("DF100", REG) is Severity.STYLE
    assert config_from_table({"severity": {"apt-lists": "warning"}}).severity_for("DL3009", REG) is Severity.WARNING
    assert Config().severity_for("DL3008", REG) is None


# ---- CLI overrides ---------------------------------------------------------------------------


def test_with_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FROM_ENV", "env-value")
    monkeypatch.delenv("UNSET_ARG", raising=False)
    cfg = config_from_table(
        {
            "select": ["DL"],
            "extend-select": ["DF100"],
            "ignore": ["DL3008"],
            "target": "a",
            "build-args": {"A": "1", "B": "2"},
        },
        tmp_path / "proj" / ".dflint.toml",
    )
    out = cfg.with_cli(
        select=["DF"],
        extend_select=["DL3057"],
        ignore=["DF200"],
        target="b",
        build_args=["B=3", "C=x=y", "FROM_ENV", "UNSET_ARG"],
        context="ctx",
        unsafe_fixes=True,
    )
    assert out.select == ("DF",)  # replaced
    assert out.extend_select == ("DF100", "DL3057")  # added
    assert out.ignore == ("DL3008", "DF200")  # added
    assert out.target == "b"
    assert out.build_args == {"A": "1", "B": "3", "C": "x=y", "FROM_ENV": "env-value"}
    assert out.context == (tmp_path / "ctx").resolve()  # relative to the cwd, not the config
    assert out.unsafe_fixes is True
    assert out.path == cfg.path  # still the same origin
    # the original is untouched
    assert cfg.select == ("DL",) and cfg.build_args == {"A": "1", "B": "2"}
    # nothing given: the same object
    assert cfg.with_cli() is cfg
    # select=[] on the CLI is "select nothing", not "no override"
    assert cfg.with_cli(select=[]).select == ()


def test_bad_build_arg():
    with pytest.raises(ConfigError, match="--build-arg: expected KEY=VALUE"):
        Config().with_cli(build_args=["=x"])


def test_config_is_resolved_once_per_directory(tmp_path, monkeypatch):
    import dflint.hadolint_config as hadolint_mod

    for i in range(6):
        write(tmp_path / "d" / f"Dockerfile.{i}", "FROM x\n")
    lookups: list[str] = []
    real = hadolint_mod.find_hadolint_config
    monkeypatch.setattr(hadolint_mod, "find_hadolint_config", lambda start: lookups.append(str(start)) or real(start))
    monkeypatch.setattr(config_mod, "_config_in", lambda d: None)
    cache = ConfigCache()
    configs = [cache.config_for(tmp_path / "d" / f"Dockerfile.{i}") for i in range(6)]
    assert all(c is configs[0] for c in configs)
    assert len(lookups) == 1  # the hadolint fallback is looked up once for the folder, not per file


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ("[tool.dflint]\nselect = []\n", True),
        ('[tool . "dflint" ]\n', True),
        ("[tool.'dflint']\n", True),
        ("[tool.dflint.rules.DL3008]\nx = 1\n", True),
        ("tool.dflint.select = []\n", True),
        ("[tool]\ndflint = { select = [] }\n", True),
        ("[tool.dflint\nselect = 1\n", True),  # broken: parsed, so the error is reported
        ('[project]\nname = "dflint"\n', False),
        ('[project]\ndependencies = ["dflint>=0.1", "ruff"]\n', False),
        ("[project]\nname = 'x'\n", False),
    ],
)
def test_pyproject_prefilter(text, may):
    assert config_mod._may_name_dflint_table(text) is may
    if not may:  # the filter only skips files that really have no table
        import tomllib

        data = tomllib.loads(text)
        assert "dflint" not in data.get("tool", {})


def test_pyproject_mentioning_dflint_without_a_table_is_not_parsed(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["dflint>=0.1"]\n')
    reads: list[Path] = []
    monkeypatch.setattr(config_mod, "_read_toml", lambda p: reads.append(p) or {})
    assert config_mod._config_in(tmp_path) is None
    assert reads == []


def test_config_replace_and_immutability():
    cfg = Config(select=("DL",))
    other = cfg.replace(target="build")
    assert other.target == "build" and other.select == ("DL",) and cfg.target is None
    assert other != cfg and cfg.replace() == cfg
    with pytest.raises(AttributeError):
        cfg.target = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.replace(nope=1)
    import pickle

    assert pickle.loads(pickle.dumps(other)) == other


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ('[tool.setuptools.package-dir]\n"dflint" = "lint"\n"dflint.rules" = "rules"\n', False),
        ('[tool.setuptools]\npackages = ["dflint", "dflint.report"]\n', False),
        ('[tool]\n"dflint" = { select = ["DL"] }\n', True),
        ("[tool]\ndflint.select = ['DL']\n", True),
        ('tool = { dflint = { select = ["DL"] } }\n', True),
        ('[[tool.dflint]]\nx = 1\n', True),
        ('[tool.x]\ns = """\n[tool]\n"""\ndflint = 1\n', True),  # a multi-line string: parse it
        ('[tool]\n# dflint = 1\n', False),
    ],
)
def test_pyproject_prefilter_knows_the_table(text, may):
    assert config_mod._may_name_dflint_table(text) is may


def test_own_pyproject_is_not_parsed():
    """dflint's own pyproject.toml names the package, not a [tool.dflint] table."""
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert not config_mod._may_name_dflint_table(text)
