"""Suppression pragmas, through the real parser."""

from __future__ import annotations

import pytest

from dflint.parser import parse
from dflint.registry import Registry
from dflint.rule import Rule, Severity
from dflint.suppress import CheckOptions, Suppressions


def make_rule(code, name, aliases=()):
    return type(
        f"R_{code}",
        (Rule,),
        {"code": code, "name": name, "aliases": tuple(aliases), "severity": Severity.WARNING,
         "check": lambda self, ctx: iter(())},
    )


RULES = {
    r.code: r
    for r in [
        make_rule("DL3008", "apt-get-pin-versions"),
        make_rule("DL3009", "apt-lists-not-deleted"),
        make_rule("DL4000", "maintainer-deprecated", ("MaintainerDeprecated",)),
        make_rule("DF002", "no-empty-continuation", ("NoEmptyContinuation",)),
        make_rule("DF100", "unused-stage"),
        make_rule("DF101", "stage-copies-missing-path"),
        make_rule("DF400", "stage-name-casing", ("StageNameCasing",)),
        make_rule("DF401", "json-args-recommended", ("JSONArgsRecommended",)),
    ]
}
REG = Registry(RULES.values())


def names(code):
    if code.startswith("SC"):
        return set()
    r = RULES[code]
    return {r.name, *r.aliases}


def sup(text, **kw):
    df = parse(text)
    return df, Suppressions.from_dockerfile(df, REG, **kw)


def at(df, needle, nth=0):
    """Offset of the nth occurrence of `needle` in the text."""
    i = -1
    for _ in range(nth + 1):
        i = df.text.index(needle, i + 1)
    return i


def is_sup(s, code, offset):
    return s.suppressed(code, names(code), offset)


def texts(pairs):
    return [t for t, _ in pairs]


# ---- next-instruction pragmas ----------------------------------------------------------------


def test_dflint_ignore_covers_next_instruction_only():
    df, s = sup(
        "FROM debian\n"
        "# dflint: ignore=DL3008\n"
        "RUN apt-get install -y curl\n"
        "RUN apt-get install -y wget\n"
    )
    assert is_sup(s, "DL3008", at(df, "curl"))
    assert not is_sup(s, "DL3009", at(df, "curl"))  # another code
    assert not is_sup(s, "DL3008", at(df, "wget"))  # the instruction after
    assert not is_sup(s, "DL3008", at(df, "debian"))  # the instruction before
    assert s.unused() == []


def test_list_forms_and_spacing():
    df, s = sup(
        "FROM debian\n"
        "#dflint:ignore = DL3008 , DL3009\n"
        "RUN a\n"
        "# DFLINT: ignore=DL3008 DL3009   # remark after the list: DF100\n"
        "RUN b\n"
    )
    assert is_sup(s, "DL3008", at(df, "RUN a")) and is_sup(s, "DL3009", at(df, "RUN a"))
    assert is_sup(s, "DL3008", at(df, "RUN b")) and is_sup(s, "DL3009", at(df, "RUN b"))
    assert not is_sup(s, "DF100", at(df, "RUN b"))  # inside the remark
    assert s.unknown() == []


def test_comments_and_blank_lines_may_sit_between():
    df, s = sup(
        "FROM debian\n"
        "# dflint: ignore=DL3008\n"
        "# install the tools\n"
        "\n"
        "# hadolint ignore=DL3009\n"
        "RUN apt-get install -y curl\n"
    )
    assert is_sup(s, "DL3008", at(df, "curl"))
    assert is_sup(s, "DL3009", at(df, "curl"))


def test_multiline_instruction_covered_at_any_offset():
    df, s = sup(
        "FROM debian\n"
        "# dflint: ignore=DL3008\n"
        "RUN apt-get update \\\n"
        "    && apt-get install -y \\\n"
        "       curl\n"
        "RUN true\n"
    )
    assert is_sup(s, "DL3008", at(df, "curl"))
    assert not is_sup(s, "DL3008", at(df, "true"))


def test_names_aliases_prefixes_case_insensitive():
    df, s = sup(
        "FROM a\n"
        "# dflint: ignore=no-empty-continuation\n"
        "RUN one\n"
        "# dflint: ignore=noemptycontinuation\n"
        "RUN two\n"
        "# dflint: ignore=dl3\n"
        "RUN three\n"
        "# dflint: ignore=ALL\n"
        "RUN four\n"
    )
    assert is_sup(s, "DF002", at(df, "one"))
    assert is_sup(s, "DF002", at(df, "two"))
    assert is_sup(s, "DL3008", at(df, "three")) and is_sup(s, "DL3009", at(df, "three"))
    assert not is_sup(s, "DF002", at(df, "three"))
    assert is_sup(s, "DF100", at(df, "four")) and is_sup(s, "SC2086", at(df, "four"))


def test_shellcheck_codes():
    df, s = sup("FROM a\n# hadolint ignore=SC2086,SC20\nRUN echo $x\nRUN echo $y\n")
    assert is_sup(s, "SC2086", at(df, "$x"))
    assert is_sup(s, "SC2046", at(df, "$x"))  # SC20 prefix
    assert not is_sup(s, "SC1091", at(df, "$x"))
    assert not is_sup(s, "SC2086", at(df, "$y"))


# ---- hadolint --------------------------------------------------------------------------------


def test_hadolint_forms():
    df, s = sup(
        "# hadolint global ignore=DL3009\n"
        "FROM debian\n"
        "# hadolint ignore=DL3008,DL4000\n"
        "RUN apt-get install -y curl\n"
        "RUN apt-get install -y wget\n"
    )
    assert is_sup(s, "DL3008", at(df, "curl"))
    assert is_sup(s, "DL4000", at(df, "curl"))
    assert not is_sup(s, "DL3008", at(df, "wget"))
    assert is_sup(s, "DL3009", at(df, "wget"))  # global
    assert is_sup(s, "DL3009", at(df, "debian"))
    assert s.unused() == []


def test_hadolint_shell_pragma_is_not_an_ignore():
    df, s = sup("FROM a\n# hadolint shell=powershell\nRUN x\n")
    assert s.entries == [] and s.malformed() == []


def test_not_pragmas():
    df, s = sup(
        "FROM a\n"
        "# see dflint: ignore=DL3008 in the docs\n"  # not at the start
        "# hadolintignore=DL3008\n"
        "RUN x\n"
    )
    assert not is_sup(s, "DL3008", at(df, "RUN x"))
    assert s.entries == []


# ---- global ----------------------------------------------------------------------------------


def test_dflint_global_anywhere_covers_file_and_outside_instructions():
    df, s = sup("FROM a AS x\nRUN one\n# stray comment\nFROM b\n# dflint: global ignore=DF100, unused-stage\nRUN two\n")
    assert is_sup(s, "DF100", at(df, "one"))
    assert is_sup(s, "DF100", at(df, "two"))
    assert is_sup(s, "DF100", at(df, "stray"))  # outside any instruction: global covers it
    assert is_sup(s, "DF100", len(df.text))  # end of file
    assert not is_sup(s, "DL3008", at(df, "one"))


def test_outside_instruction_only_global():
    df, s = sup("FROM a\n# dflint: ignore=DF100\n# note\nRUN x\n")
    assert not is_sup(s, "DF100", at(df, "note"))  # a comment line: no instruction
    assert is_sup(s, "DF100", at(df, "RUN x"))


# ---- stage-wide ------------------------------------------------------------------------------


def test_ignore_stage_above_from():
    df, s = sup(
        "FROM golang AS build\n"
        "RUN go build\n"
        "# dflint: ignore-stage=DF100,DL3008\n"
        "FROM debian AS unused\n"
        "RUN apt-get install -y curl\n"
        "# comment\n"
        "COPY --from=build /app /app\n"
        "FROM alpine\n"
        "RUN apk add curl\n"
    )
    assert not is_sup(s, "DF100", at(df, "golang"))
    assert not is_sup(s, "DL3008", at(df, "go build"))
    assert is_sup(s, "DF100", at(df, "debian"))
    assert is_sup(s, "DL3008", at(df, "apt-get"))
    assert is_sup(s, "DL3008", at(df, "COPY"))
    assert not is_sup(s, "DL3008", at(df, "alpine"))
    assert not is_sup(s, "DL3008", at(df, "apk"))


def test_ignore_stage_not_above_from_covers_rest_of_stage():
    df, s = sup("FROM a\nRUN one\n# dflint: ignore-stage=DL3008\nRUN two\nRUN three\nFROM b\nRUN four\n")
    assert not is_sup(s, "DL3008", at(df, "one"))
    assert is_sup(s, "DL3008", at(df, "two"))
    assert is_sup(s, "DL3008", at(df, "three"))
    assert not is_sup(s, "DL3008", at(df, "four"))


def test_plain_ignore_above_from_covers_only_the_from():
    df, s = sup("# dflint: ignore=DL3008\nFROM a\nRUN one\n")
    assert is_sup(s, "DL3008", at(df, "FROM"))
    assert not is_sup(s, "DL3008", at(df, "one"))


# ---- BuildKit check= ------------------------------------------------------------------------


def test_check_directive_file_wide():
    df, s = sup(
        "# syntax=docker/dockerfile:1\n"
        "# check=skip=JSONArgsRecommended,StageNameCasing;error=true\n"
        "FROM a AS Build\n"
        "CMD run x\n"
    )
    assert is_sup(s, "DF401", at(df, "CMD"))
    assert is_sup(s, "DF400", at(df, "Build"))
    assert not is_sup(s, "DL3008", at(df, "CMD"))
    assert s.check_options == CheckOptions(("JSONArgsRecommended", "StageNameCasing"), False, True)
    assert s.check_error is True


def test_check_directive_skip_all_means_buildkit_checks():
    df, s = sup("# check=skip=all\nFROM a\nCMD x\n")
    assert s.check_options.skip_all and not s.check_error
    assert is_sup(s, "DF401", at(df, "CMD"))  # has a BuildKit alias
    assert is_sup(s, "DL4000", at(df, "CMD"))  # MaintainerDeprecated is a BuildKit name
    assert not is_sup(s, "DL3008", at(df, "CMD"))  # no BuildKit name
    assert not is_sup(s, "DF100", at(df, "CMD"))


def test_check_directive_entries_never_unused_or_unknown():
    df, s = sup("# check=skip=StageNameCasing,SomeNewBuildKitCheck\nFROM a\n")
    assert s.unused() == [] and s.unknown() == []


def test_check_directive_error_only():
    _, s = sup("# check=error=true\nFROM a\n")
    assert s.check_options == CheckOptions((), False, True)
    _, s = sup("# check=error=false\nFROM a\n")
    assert s.check_error is False
    _, s = sup("FROM a\n")
    assert s.check_options == CheckOptions()


def test_check_directive_bad_options_reported():
    df, s = sup("# check=error=maybe;colour=red\nFROM a\n")
    problems = s.malformed()
    assert [m for m, _ in problems] == [
        "invalid check option 'error=maybe' (expected true or false)",
        "invalid check option 'colour'",
    ]
    assert df.text[problems[0][1].start : problems[0][1].end] == "error=maybe"


def test_check_skip_comment_per_instruction_and_stage():
    df, s = sup(
        "FROM a\n"
        "RUN x\n"
        "# check=skip=JSONArgsRecommended\n"
        "CMD run x\n"
        "CMD run y\n"
        "# check=skip=StageNameCasing\n"
        "FROM b AS Runtime\n"
        "CMD run z\n"
    )
    assert is_sup(s, "DF401", at(df, "run x"))
    assert not is_sup(s, "DF401", at(df, "run y"))
    assert is_sup(s, "DF400", at(df, "Runtime"))
    assert is_sup(s, "DF400", at(df, "run z"))  # above a FROM: the whole stage
    assert not is_sup(s, "DF400", at(df, "RUN x"))
    assert s.check_options == CheckOptions()  # a comment is not the directive
    assert s.unknown() == []


def test_disable_pragmas():
    df, s = sup(
        "# check=skip=JSONArgsRecommended;error=true\n"
        "# dflint: global ignore=DL3008\n"
        "FROM a\n"
        "# dflint: ignore=DF401\n"
        "CMD x\n",
        disable_pragmas=True,
    )
    assert not is_sup(s, "DF401", at(df, "CMD"))
    assert not is_sup(s, "DL3008", at(df, "CMD"))
    assert s.check_error is True  # still read: it is not a suppression
    assert s.unused() == [] and s.unknown() == []


# ---- unused / unknown / malformed ------------------------------------------------------------


def test_unused_reporting_with_spans():
    df, s = sup(
        "# dflint: global ignore=DF100\n"
        "FROM debian\n"
        "# dflint: ignore=DL3008,DL3009\n"
        "RUN apt-get install -y curl\n"
        "# hadolint ignore=DL4000\n"
        "RUN true\n"
        "# dflint: ignore=DF002\n"
    )
    assert is_sup(s, "DL3008", at(df, "curl"))
    unused = s.unused()
    assert texts(unused) == ["DF100", "DL3009", "DL4000", "DF002"]
    for text, span in unused:
        assert df.text[span.start : span.end] == text
    assert unused[1][1].start == at(df, "DL3009")
    # using one more entry removes it from the list
    assert is_sup(s, "DL4000", at(df, "RUN true"))
    assert texts(s.unused()) == ["DF100", "DL3009", "DF002"]


def test_overlapping_entries_all_marked_used():
    df, s = sup("# dflint: global ignore=DL3008\nFROM a\n# dflint: ignore=DL3008\nRUN x\n")
    assert is_sup(s, "DL3008", at(df, "RUN"))
    assert s.unused() == []


def test_unknown_entries_kept_and_reported():
    df, s = sup("FROM a\n# dflint: ignore=DL3008,DL9999,not-a-rule\nRUN x\n")
    assert texts(s.unknown()) == ["DL9999", "not-a-rule"]
    span = s.unknown()[0][1]
    assert df.text[span.start : span.end] == "DL9999"
    assert is_sup(s, "DL3008", at(df, "RUN"))
    assert "DL9999" not in texts(s.unused())  # reported once, as unknown


def test_malformed_dflint_pragma_reported():
    df, s = sup("FROM a\n# dflint: ignor=DL3008\n# dflint: global ignore-stage=DL3008\n# dflint: ignore=\nRUN x\n")
    assert not is_sup(s, "DL3008", at(df, "RUN"))
    messages = [m for m, _ in s.malformed()]
    assert messages[0] == "unknown pragma form 'dflint: ignor=DL3008'"
    assert messages[1] == "unknown pragma form 'dflint: global ignore-stage=DL3008'"
    assert messages[2] == "pragma names no rule"
    assert len(messages) == 3


def test_instruction_at():
    df, s = sup("# c\nFROM a\n\nRUN x \\\n  y\n")
    assert s.instruction_at(at(df, "# c")) is None
    assert s.instruction_at(at(df, "FROM")) == 0
    assert s.instruction_at(at(df, "\n\nRUN") + 1) is None  # the blank line
    assert s.instruction_at(at(df, "y")) == 1
    assert s.instruction_at(len(df.text)) is None


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_crlf(eol):
    text = eol.join(["FROM a", "# dflint: ignore=DL3008", "RUN x", "RUN y", ""])
    df, s = sup(text)
    assert is_sup(s, "DL3008", at(df, "RUN x"))
    assert not is_sup(s, "DL3008", at(df, "RUN y"))
    (entry_text, span), = [(e.text, e.span) for e in s.entries]
    assert df.text[span.start : span.end] == "DL3008"


def test_hadolint_stage_ignore_covers_the_stage():
    from dflint.parser import parse
    from dflint.registry import Registry
    from dflint.suppress import Suppressions

    df = parse("FROM a AS one\nRUN x\n# hadolint stage ignore=DL3008\nFROM b\nRUN y\nRUN z\nFROM c\nRUN w\n")
    sup = Suppressions.from_dockerfile(df, Registry.load())
    runs = [i for i in df.instructions if i.name == "RUN"]
    assert [sup.suppressed("DL3008", set(), r.span.start) for r in runs] == [False, True, True, False]
    assert sup.malformed() == []
