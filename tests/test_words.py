"""Tests for dflint.words: BuildKit's variable expansion and ENV/LABEL/ARG key=value splitting."""

from __future__ import annotations

import random

import pytest

from dflint.words import Expansion, expand, key_value_words, split_key_values

# Cases from BuildKit's shell lexer test table (moby/moby builder/dockerfile/shell/envVarTest,
# the file BuildKit's frontend/dockerfile/shell/lex_test.go reads), with its environment.
# "error" means BuildKit fails on the word: expand() must report an error instead of raising.
ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}
ENV_VAR_TEST = r"""
hello                    |     hello
he'll'o                  |     hello
he'llo                   |     error
he\'llo                  |     he'llo
he\\'llo                 |     error
abc\tdef                 |     abctdef
"abc\tdef"               |     abc\tdef
"abc\\tdef"              |     abc\tdef
'abc\tdef'               |     abc\tdef
hello\                   |     hello
hello\\                  |     hello\
"hello                   |     error
"hello\"                 |     error
"hel'lo"                 |     hel'lo
'hello                   |     error
'hello\'                 |     hello\
'hello\there'            |     hello\there
'hello\\there'           |     hello\\there
"''"                     |     ''
$.                       |     $.
he$1x                    |     hex
he$.x                    |     he$.x
he$pwd.                  |     he.
he$PWD                   |     he/home
he\$PWD                  |     he$PWD
he\\$PWD                 |     he\/home
"he\$PWD"                |     he$PWD
"he\\$PWD"               |     he\/home
\${}                     |     ${}
\${}aaa                  |     ${}aaa
he\${}                   |     he${}
he\${}xx                 |     he${}xx
${}                      |     error
${}aaa                   |     error
he${}                    |     error
he${}xx                  |     error
he${hi}                  |     he
he${hi}xx                |     hexx
he${PWD}                 |     he/home
he${.}                   |     error
he${XXX:-000}xx          |     he000xx
he${PWD:-000}xx          |     he/homexx
he${XXX:-$PWD}xx         |     he/homexx
he${XXX:-${PWD:-yyy}}xx  |     he/homexx
he${XXX:-${YYY:-yyy}}xx  |     heyyyxx
he${XXX:YYY}             |     error
he${XXX:+${PWD}}xx       |     hexx
he${PWD:+${XXX}}xx       |     hexx
he${PWD:+${SHELL}}xx     |     hebashxx
he${XXX:+000}xx          |     hexx
he${PWD:+000}xx          |     he000xx
'he${XX}'                |     he${XX}
"he${PWD}"               |     he/home
"he'$PWD'"               |     he'/home'
"$PWD"                   |     /home
'$PWD'                   |     $PWD
'\$PWD'                  |     \$PWD
'"hello"'                |     "hello"
he${PWD                  |     error
he${PWD:=000}xx          |     error
he${PWD:+${PWD}:}xx      |     he/home:xx
he${XXX:-\$PWD:}xx       |     he$PWD:xx
he${XXX:-\${PWD}z}xx     |     he${PWDz}xx
안'녕'하세요               |     안녕하세요
안'녕하세요                |     error
안녕$KOREAN                |     안녕한국어
${{aaa}                   |     error
${aaa}}                   |     }
${aaa                     |     error
${{aaa:-bbb}              |     error
${aaa:-bbb}}              |     bbb}
${aaa:-bbb                |     error
${aaa:-bbb}               |     bbb
${aaa:-${bbb:-ccc}}       |     ccc
${aaa:-bbb ${foo}         |     error
${aaa:-bbb {foo}          |     bbb {foo
${:}                      |     error
${:-bbb}                  |     error
${:+bbb}                  |     error
"""
CASES = [
    tuple(part.strip() for part in line.split("|"))
    for line in ENV_VAR_TEST.strip().splitlines()
]


@pytest.mark.parametrize(("word", "want"), CASES, ids=[c[0] for c in CASES])
def test_buildkit_env_var_table(word: str, want: str) -> None:
    result = expand(word, ENV)
    if want == "error":
        assert result.error is not None
    else:
        assert result.error is None, result.error
        assert result.value == want


def test_empty_variable_from_table() -> None:
    # "A|$1 |" in the table: an unset positional parameter expands to nothing
    assert expand("$1", ENV).value == ""
    assert expand("$NULL", ENV) == Expansion("", frozenset(), frozenset({"NULL"}), frozenset(), None)


@pytest.mark.parametrize(
    ("word", "want"),
    [
        ("${F%.*}", "file.tar"),
        ("${F%%.*}", "file"),
        ("${F#*.}", "tar.gz"),
        ("${F##*.}", "gz"),
        ("${F#nomatch}", "file.tar.gz"),
        ("${F%.?z}", "file.tar"),
        ("${P/\\//_}", "_a/b/c"),
        ("${P//\\//_}", "_a_b_c"),
        ("${P/b/X}", "/a/X/c"),
        ("${V-d}", "d"),  # unset: default
        ("${E-d}", ""),  # set but empty: no default without ':'
        ("${E:-d}", "d"),
        ("${E+x}", "x"),  # set (even empty): alternative
        ("${E:+x}", ""),
        ("${F?}", "file.tar.gz"),
    ],
)
def test_pattern_and_modifier_forms(word: str, want: str) -> None:
    env = {"F": "file.tar.gz", "P": "/a/b/c", "E": ""}
    result = expand(word, env)
    assert result.error is None
    assert result.value == want


def test_unset_versus_unresolved() -> None:
    result = expand("$A-${B}-${C:-c}-${D:+d}-${E-e}", {})
    assert result.value == "--c--e"
    assert result.unresolved == {"A", "B"}  # plain references with no value
    assert result.unset == {"A", "B", "C", "D", "E"}  # BuildKit's Unmatched
    assert result.referenced == {"A", "B", "C", "D", "E"}
    assert not result.resolved
    assert expand("${C:-c}", {}).resolved


def test_question_mark_forms_are_errors_when_unset_or_empty() -> None:
    unset = expand("${IMG:?set IMG}", {})
    assert unset.error == "IMG: set IMG"
    assert unset.unresolved == {"IMG"}
    assert unset.value == "${IMG:?set IMG}"  # kept as written
    empty = expand("${IMG:?}", {"IMG": ""})
    assert empty.error == "IMG: is not allowed to be empty"
    assert expand("${IMG?}", {"IMG": ""}).error is None


@pytest.mark.parametrize("word", ["${V^^}", "${V,,}", "${V:=x}", "${V:2}", "${#V}", "${V@Q}"])
def test_unsupported_forms_are_kept_literally(word: str) -> None:
    result = expand("pre-" + word + "-post", {"V": "value"})
    assert result.value == "pre-" + word + "-post"
    assert result.error is not None and "unsupported modifier" in result.error
    assert result.unresolved
    assert not result.resolved


def test_unknown_names_are_unresolved_even_with_defaults() -> None:
    result = expand("${TARGETOS:-linux}/$TARGETARCH", {}, unknown={"TARGETOS", "TARGETARCH"})
    assert result.unresolved == {"TARGETOS", "TARGETARCH"}
    assert result.unset == frozenset()
    assert expand("${TARGETOS:-linux}", {}).value == "linux"


def test_keep_unset_leaves_references_as_written() -> None:
    result = expand("$A ${B} ${C:-x} ${D:+y} $E", {"E": "e"}, keep_unset=True)
    assert result.value == "$A ${B} ${C:-x} ${D:+y} e"
    assert result.unresolved == {"A", "B"}


def test_quotes_and_escapes() -> None:
    assert expand("'$HOME'", {"HOME": "/root"}).value == "$HOME"
    assert expand('"$HOME"', {"HOME": "/root"}).value == "/root"
    assert expand(r"\$HOME", {"HOME": "/root"}).value == "$HOME"
    assert expand(r'"a\"b"', {}).value == 'a"b'
    assert expand(r'"a\b"', {}).value == r"a\b"  # other escapes stay inside double quotes
    assert expand(r"a\ b", {}).value == "a b"


def test_backtick_escape_directive() -> None:
    assert expand("a`$b", {"b": "B"}, escape="`").value == "a$b"
    assert expand(r"C:\path\$b", {"b": "B"}, escape="`").value == r"C:\path\B"
    assert expand('"x`"y"', {}, escape="`").value == 'x"y'


def test_expand_never_raises() -> None:
    rng = random.Random(1234)
    alphabet = "$'\"\\{}:-+?#%/`aB1 *"
    for _ in range(3000):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        result = expand(word, {"a": "x", "B": ""}, escape=rng.choice("\\`"))
        assert isinstance(result.value, str)


# --------------------------------------------------------------------------- key=value


def test_split_key_values_quotes_and_escapes() -> None:
    args = r"""A=1 B="two words" C='x y' D="a\"b" E=hello\ world F="a\\b" G= H="\$HOME" """
    assert split_key_values(args.strip()) == [
        ("A", "1"),
        ("B", "two words"),
        ("C", "x y"),
        ("D", 'a"b'),
        ("E", "hello world"),
        ("F", "a\\b"),
        ("G", ""),
        ("H", "$HOME"),
    ]


def test_split_key_values_legacy_form() -> None:
    # ENV KEY value: the value is the rest of the line, inner whitespace kept, quotes removed
    assert split_key_values("MY_VAR  hello   world") == [("MY_VAR", "hello   world")]
    assert split_key_values('MY_VAR "quoted  value"') == [("MY_VAR", "quoted  value")]
    assert split_key_values("MY_VAR", instruction="ENV") == []  # BuildKit: needs two arguments
    [item] = key_value_words("MY_VAR  hello   world")
    assert item.legacy and (item.key, item.value) == ("MY_VAR", "hello   world")
    assert (item.start, item.key_end, item.end) == (0, 6, 21)


def test_split_key_values_arg_forms() -> None:
    assert split_key_values("A B=2 C", instruction="ARG") == [("A", None), ("B", "2"), ("C", None)]
    assert split_key_values('V="1 2"', instruction="ARG") == [("V", "1 2")]


def test_split_key_values_substitution_sees_scope_before_instruction() -> None:
    # ENV A=1 B=$A: every word is expanded against the environment before the instruction
    assert split_key_values("A=1 B=$A C=${U:-u}", {"A": "0"}) == [("A", "1"), ("B", "0"), ("C", "u")]
    # without an environment, variables stay as written
    assert split_key_values("B=$A C='$A'") == [("B", "$A"), ("C", "$A")]


def test_split_key_values_escape_directive_and_bad_input() -> None:
    assert split_key_values('A="x y" B=c:\\d', escape="`") == [("A", "x y"), ("B", "c:\\d")]
    assert split_key_values("A=`\"x", escape="`") == [("A", '"x')]
    # a word without '=' in the key=value form is a BuildKit error: left out, not raised
    assert split_key_values("A=1 B") == [("A", "1")]
    items = key_value_words("A=1 B")
    assert items[1].error is not None and items[1].value is None
    # unterminated quotes never raise
    assert split_key_values('A="unterminated') == [("A", '"unterminated')]
    assert split_key_values("") == []


def test_key_value_words_offsets() -> None:
    args = 'A=1  "B"="x y"'
    items = key_value_words(args)
    assert [(args[i.start : i.end], args[i.start : i.key_end]) for i in items] == [
        ("A=1", "A"),
        ('"B"="x y"', '"B"'),
    ]
    assert split_key_values(args) == [("A", "1"), ("B", "x y")]


# --------------------------------------------------------------------------- dockerfile-parse
# DESIGN.md suggests dockerfile-parse for ENV/LABEL/ARG splitting. It agrees on plain input and
# differs from BuildKit on the cases below, which is why dflint.words has its own splitter.
# Each gap is kept as a test: if dockerfile-parse changes, these tell us.

dfp_util = pytest.importorskip("dockerfile_parse.util")


def _dfp(args: str, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    return dfp_util.extract_key_values(env is not None, {}, env or {}, args)


@pytest.mark.parametrize(
    "args",
    [
        "A=1 B=\"two words\" C='x y'",
        r'A="a\"b"',
        r"A=hello\ world",
        "MY_VAR hello   world",
        'MY_VAR "quoted  value"',
        "A=",
        "A='$X' B=$Y",
    ],
)
def test_dockerfile_parse_agrees_on_plain_input(args: str) -> None:
    assert _dfp(args) == split_key_values(args)


def test_dockerfile_parse_gap_backslash_in_double_quotes() -> None:
    # BuildKit: inside double quotes, \\ is one backslash and \$ is a literal $
    assert split_key_values(r'A="a\\b" B="\$HOME"') == [("A", "a\\b"), ("B", "$HOME")]
    assert _dfp(r'A="a\\b" B="\$HOME"') == [("A", "a\\\\b"), ("B", "\\$HOME")]


def test_dockerfile_parse_gap_default_substitution() -> None:
    assert split_key_values("A=${V:-d} B=${U:-d}", {"V": "x"}) == [("A", "x"), ("B", "d")]
    assert _dfp("A=${V:-d} B=${U:-d}", {"V": "x"}) == [("A", "x:-d}"), ("B", ":-d}")]


def test_dockerfile_parse_gap_arg_without_value() -> None:
    # BuildKit: `ARG A B` declares two args; dockerfile-parse reads the legacy ENV form
    assert split_key_values("A B", instruction="ARG") == [("A", None), ("B", None)]
    assert _dfp("A B") == [("A", "B")]


def test_dockerfile_parse_gap_raises_on_bad_word() -> None:
    with pytest.raises(ValueError):
        _dfp("A=1 B")
    assert split_key_values("A=1 B") == [("A", "1")]


def test_dockerfile_parse_gap_escape_directive() -> None:
    # with `# escape=`` a backslash is an ordinary character
    assert split_key_values(r"A=c:\dir", escape="`") == [("A", "c:\\dir")]
    assert _dfp(r"A=c:\dir") == [("A", "c:dir")]
