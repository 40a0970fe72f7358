"""Cold start (issue #8): what a one-file `dflint check` loads, and the pieces that keep it small.

- `dflint.cli.fast_check_args` reads ``check …`` without argparse: it must give exactly the
  namespace argparse gives, or None (then argparse parses).
- `dflint.rule.RuleOptions` replaces dataclasses for rule options.
- `dflint.registry` loads rule modules from their bytecode itself: the same modules as an import.
- `dflint.source.TupleRecord` replaces typing.NamedTuple; `LazyPattern` compiles on first use.
- A cold ``check`` of a small file imports none of the modules it does not need.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dflint import cli
from dflint.rule import Rule, RuleOptions, option_fields
from dflint.source import LazyPattern, TupleRecord, field

REPO = Path(__file__).resolve().parent.parent


# -- the fast path of the command line --------------------------------------------------------


def _argparse(argv: list[str]):
    parser = cli.build_parser(cli._command_in(argv))
    try:
        return vars(parser.parse_args(argv))
    except SystemExit:
        return "error"


def test_fast_check_tables_match_the_parser():
    parser = cli.build_parser("check")
    sub = next(a for a in parser._actions if a.dest == "command").choices["check"]
    flags, valued = {}, {}
    for action in sub._actions:
        if action.dest == "help":
            continue
        for opt in action.option_strings:
            if action.nargs == 0:
                flags[opt] = action.dest
            else:
                valued[opt] = action.dest
    assert flags == cli._CHECK_FLAGS
    assert valued == {opt: dest for opt, (dest, _) in cli._CHECK_VALUES.items()}
    for opt, (dest, kind) in cli._CHECK_VALUES.items():
        action = next(a for a in sub._actions if opt in a.option_strings)
        if isinstance(kind, tuple):
            assert tuple(action.choices) == kind
        else:
            assert action.choices is None
    assert _argparse(["check"]) == cli._CHECK_DEFAULTS


WORDS = [
    "Dockerfile", "a/Dockerfile", "-", "", "x y", "--no-cache", "--exit-zero", "-q", "-v", "--quiet",
    "--verbose", "--statistics", "--no-color", "--isolated", "--no-pragmas", "--force-exclude",
    "--add-ignore", "--format", "json", "concise", "bogus", "--format=json", "--format=", "--select",
    "DL3008,DL3009", "--select=DL", "--ignore", "SC", "--ignore=DF100, ,DF2", "--extend-select",
    "--exclude", "build", "--build-arg", "A=1", "--build-arg=B=2", "--target", "--target=",
    "--jobs", "-j", "2", "x", "-j=3", "--jobs=4", "-1", "--context", "ctx", "--config", "c.toml",
    "--cache-dir", "--output-file", "--stdin-filename", "--failure-threshold", "none", "error",
    "--no-c", "--form", "-qv", "--", "-h", "--help", "--unknown", "--no-cache=1", "-jx",
]


def test_fast_check_args_is_argparse():
    rng = random.Random(8)
    cases = [["check", *rng.choices(WORDS, k=rng.randint(0, 6))] for _ in range(3000)]
    cases += [["check", *combo] for combo in itertools.product(WORDS[:12], repeat=2)]
    cases += [["check", "--no-cache", "examples/go-hello/Dockerfile"], ["rules"], ["fix", "x"], [], ["--version"]]
    fast_hits = 0
    for argv in cases:
        fast = cli.fast_check_args(argv)
        if fast is None:
            continue
        fast_hits += 1
        assert vars(fast) == _argparse(argv), argv
    assert fast_hits > 1000


def test_fast_check_args_leaves_errors_to_argparse(capsys):
    assert cli.fast_check_args(["check", "a", "--no-cache", "b"]) is None
    assert cli.main(["check", "a", "--no-cache", "b"]) == 2
    assert "unrecognized arguments" in capsys.readouterr().err
    assert cli.fast_check_args(["check", "--format", "bogus"]) is None
    assert cli.fast_check_args(["check", "--no-c", "x"]) is None  # an abbreviation


def test_fast_check_namespace_pickles():
    args = cli.fast_check_args(["check", "--ignore", "SC", "a", "b"])
    assert vars(pickle.loads(pickle.dumps(args))) == vars(args)


# -- rule options -----------------------------------------------------------------------------


class _Opts(RuleOptions):
    names: list[str] = ["a"]
    table: dict[str, str] = {}
    flag: bool = False


class _More(_Opts):
    extra: int = 3

    def __post_init__(self) -> None:
        if self.extra < 0:
            raise ValueError("negative")


def test_rule_options_behave_like_a_dataclass():
    a, b = _Opts(), _Opts()
    assert a == b and a.names == ["a"] and a.names is not b.names and a.names is not _Opts.names
    assert _Opts(flag=True).flag is True and _Opts(flag=True) != a
    assert repr(_Opts(names=["x"])) == "_Opts(names=['x'], table={}, flag=False)"
    assert list(option_fields(_More)) == ["names", "table", "flag", "extra"]
    assert _More(extra=5).extra == 5
    with pytest.raises(ValueError):
        _More(extra=-1)
    with pytest.raises(TypeError):
        _Opts(nope=1)


def test_option_fields_of_a_dataclass():
    import dataclasses

    @dataclasses.dataclass
    class D:
        items: list[str] = dataclasses.field(default_factory=lambda: ["x"])
        n: int = 2

    assert option_fields(D) == {"items": ["x"], "n": 2}


def test_builtin_options_are_rule_options():
    from dflint.registry import Registry

    for cls in Registry.load().rules:
        if cls.Options is not None and cls.__module__.startswith("dflint.rules."):
            assert issubclass(cls.Options, RuleOptions), cls.code
            cls()  # the defaults build


# -- records and patterns ---------------------------------------------------------------------


class _Pair(TupleRecord):
    __slots__ = ()
    _fields = ("left", "right")

    def __new__(cls, left: int, right: int = 0) -> _Pair:
        return tuple.__new__(cls, (left, right))

    left: int = field(0)  # type: ignore[assignment]
    right: int = field(1)  # type: ignore[assignment]


def test_tuple_record_is_a_named_tuple():
    p = _Pair(1, right=2)
    assert p == (1, 2) and p.left == 1 and p.right == 2 and tuple(p) == (1, 2)
    assert repr(p) == "_Pair(left=1, right=2)"
    assert p._replace(right=5) == _Pair(1, 5) and p._asdict() == {"left": 1, "right": 2}
    assert pickle.loads(pickle.dumps(p)) == p and type(pickle.loads(pickle.dumps(p))) is _Pair
    left, right = p
    assert (left, right) == (1, 2)


def test_lazy_pattern_compiles_on_first_use():
    pat = LazyPattern(r"a(b+)", 0)
    assert pat._compiled is None
    assert pat.match("abb").group(1) == "bb" and pat.fullmatch("ab") and not pat.search("xyz")
    assert pat.sub("-", "abab") == "--" and pat.findall("ab abb") == ["b", "bb"]
    assert [m.group() for m in pat.finditer("ab abb")] == ["ab", "abb"] and pat.split("xaby") == ["x", "b", "y"]
    assert pat.pattern == r"a(b+)"


# -- the rule modules, loaded from their bytecode ---------------------------------------------


def test_rule_modules_load_as_imports():
    import dflint.rules
    from dflint.registry import builtin_rules

    rules = builtin_rules()
    assert len({r.code for r in rules}) == len(rules) > 100
    for cls in rules:
        module = sys.modules[cls.__module__]
        assert module.__name__ == cls.__module__ and module.__spec__.name == cls.__module__
        assert module.__file__.endswith(".py") and os.path.exists(module.__file__)
        assert getattr(dflint.rules, cls.__module__.rsplit(".", 1)[1]) is module
        assert issubclass(cls, Rule)


PREFIX_SCRIPT = """
import importlib, sys
from dflint import registry
slow = []
real = importlib.import_module
importlib.import_module = lambda name, *a: (slow.append(name), real(name, *a))[1]
registry.builtin_rules()
print(len([n for n in slow if n.startswith("dflint.rules.")]))
"""


def test_rule_modules_load_from_bytecode_under_a_pycache_prefix(tmp_path):
    """With PYTHONPYCACHEPREFIX the bytecode lives in a mirror tree: read from there too."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    counts = [
        int(subprocess.run([sys.executable, "-c", PREFIX_SCRIPT], env=env, capture_output=True, text=True,
                           check=True).stdout.strip())
        for _ in range(2)
    ]
    assert counts[0] > 100  # nothing compiled yet: imported (and written under the prefix)
    assert counts[1] == 0  # then read from it


# -- what a cold check imports ----------------------------------------------------------------

#: Modules a one-file `check` (full output, ShellCheck on) must not import: argparse (the fast
#: path reads the command line), subprocess/tempfile/shutil (ShellCheck runs through
#: posix_spawn), pathlib (paths are str), difflib/ipaddress/dataclasses-free records…, and
#: dflint.exec_form (the shell-form → exec-form fix: only for a file with a shell-form CMD,
#: ENTRYPOINT or HEALTHCHECK; this one has none), typing (annotations are strings, typing names
#: are imported under ``TYPE_CHECKING = False``) and tree_sitter's package (its ``__init__``
#: imports typing; `dflint.shell` loads the compiled binding alone), json (the exec form is read
#: without it, and ShellCheck's output when it has nothing to say).
NOT_IMPORTED = (
    "argparse", "subprocess", "tempfile", "shutil", "difflib", "ipaddress", "pathlib", "urllib.parse",
    "dflint.exec_form", "typing", "tree_sitter", "tree_sitter_bash", "json",
)

SCRIPT = """
import sys
before = set(sys.modules)
from dflint.cli import main
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(repr(sorted(set(sys.modules) - before)))
"""


@pytest.mark.skipif(not hasattr(os, "posix_spawn"), reason="the subprocess fallback is used here")
def test_a_cold_check_imports_little(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    # (the second RUN is parsed with tree-sitter: it has a quoted word and a $)
    dockerfile.write_text(
        'FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN echo "$HOME" > /tmp/x\nUSER 1000\nCMD ["/bin/app", "--port", "80"]\n'
    )
    env = {**os.environ, "NO_COLOR": "1"}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, "check", "--no-cache", "--ignore", "DF200", str(dockerfile)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    ).stdout
    loaded = set(ast.literal_eval(out.splitlines()[-1]))
    assert "dflint.shell" in loaded
    assert not loaded & set(NOT_IMPORTED)


@pytest.mark.skipif(not hasattr(os, "posix_spawn"), reason="the subprocess fallback is used here")
def test_a_cold_check_with_the_rewrite_plan_imports_little(tmp_path):
    """DF200 names its rewrite plan in the help line (the optimizer runs): still no json or typing."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends golang-go ca-certificates\n"
        "WORKDIR /src\nCOPY go.mod main.go ./\n"
        "RUN CGO_ENABLED=0 go build -trimpath -o /usr/local/bin/hello .\n"
        'ENTRYPOINT ["/usr/local/bin/hello"]\n'
    )
    (tmp_path / "go.mod").write_text("module hello\n")
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, "check", "--no-cache", "--select", "DF200", str(dockerfile)],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, cwd=tmp_path, check=True,
    ).stdout
    loaded = set(ast.literal_eval(out.splitlines()[-1]))
    assert "dflint.optimize.plan" in loaded
    assert not loaded & {"json", "typing", "tree_sitter"}
