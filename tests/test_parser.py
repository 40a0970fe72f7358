"""The parser, construct by construct, against what BuildKit does."""

from __future__ import annotations

import pytest

from dflint.parser import parse, parse_bytes
from dflint.source import BinaryFileError, SourceFile
from dflint.syntax import Blank, Comment, Directive, Instruction


def only(df, name):
    found = [i for i in df.instructions if i.name == name]
    assert len(found) == 1, found
    return found[0]


def text_of(df, span):
    return df.text[span.start : span.end]


def codes(df):
    return [(e.code, df.source.position(e.span.start)[0]) for e in df.errors]


# -- losslessness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"FROM a\nRUN b\n",
        b"FROM a\r\nRUN b \\\r\n  c\r\n",
        b"\xef\xbb\xbfFROM a\nRUN b",
        b"FROM a\n\tRUN b   \n\n\n",
        b"FROM a\nRUN echo \\",
        b"FROM a\nRUN \xff\xfe invalid utf8\n",
        b"",
        b"\n\n",
        b"# only a comment",
        b"FROM a\nCOPY <<EOF /x\nunterminated\n",
    ],
)
def test_lossless(data):
    df = parse_bytes(data)
    assert df.source.to_bytes(df.reconstruct()) == data
    # nodes tile the text without gaps
    pos = 0
    for node in df.nodes:
        assert node.span.start == pos
        pos = node.span.end
    assert pos == len(df.text)


def test_bom_is_stripped_from_text_but_kept_on_write():
    df = parse_bytes(b"\xef\xbb\xbfFROM alpine\n")
    assert df.source.bom
    assert df.instructions[0].keyword == "FROM"
    assert df.source.position(df.instructions[0].keyword_span.start) == (1, 1)
    assert df.source.to_bytes() == b"\xef\xbb\xbfFROM alpine\n"


def test_binary_input_is_refused():
    with pytest.raises(BinaryFileError):
        parse_bytes(b"FROM a\x00\x01")


def test_crlf_positions_and_args():
    df = parse("FROM a\r\nRUN echo hi \\\r\n  there\r\n")
    run = only(df, "RUN")
    assert run.args == "echo hi   there"
    assert "\r" not in run.args
    assert (run.line, run.end_line) == (2, 3)


# -- directives -----------------------------------------------------------------------------


def test_directives_any_order_and_case():
    df = parse("# check=skip=all\n#  ESCAPE = `\n# syntax=docker/dockerfile:1\nFROM a\n")
    assert [(d.name, d.value) for d in df.directives] == [
        ("check", "skip=all"),
        ("escape", "`"),
        ("syntax", "docker/dockerfile:1"),
    ]
    assert df.escape == "`"
    assert text_of(df, df.directives[2].value_span) == "docker/dockerfile:1"


def test_directives_stop_at_first_other_line():
    df = parse("# a comment\n# escape=`\nFROM a\n")
    assert df.directives == ()
    assert df.escape == "\\"
    assert isinstance(df.nodes[1], Comment)


def test_directives_stop_at_empty_line():
    df = parse("\n# escape=`\nFROM a\n")
    assert df.directives == ()


def test_unknown_directive_ends_directives():
    df = parse("# foo=bar\n# escape=`\nFROM a\n")
    assert df.directives == ()


def test_duplicate_and_invalid_directive_are_errors():
    df = parse("# escape=`\n# escape=\\\nFROM a\n")
    assert codes(df) == [("DF001", 2)]
    df = parse("# escape=x\nFROM a\n")
    assert "invalid escape token" in df.errors[0].message
    assert text_of(df, df.errors[0].span) == "x"


# -- escape and continuations ---------------------------------------------------------------


def test_backtick_escape():
    df = parse("# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir c:\\ `\n    && echo hi\n")
    run = only(df, "RUN")
    assert run.args == "dir c:\\     && echo hi"
    assert (run.line, run.end_line) == (3, 4)


def test_backslash_is_plain_text_under_backtick_escape():
    df = parse("# escape=`\nFROM a\nRUN copy c:\\\nCMD x\n")
    assert [i.name for i in df.instructions] == ["FROM", "RUN", "CMD"]


def test_continuation_with_comment_and_empty_lines():
    src = "FROM a\nRUN apt-get update \\\n  # a comment inside\n\n    \n  && apt-get install -y curl\nCMD x\n"
    df = parse(src)
    run = only(df, "RUN")
    assert run.args == "apt-get update   && apt-get install -y curl"
    assert [c.text for c in run.comments] == ["a comment inside"]
    assert [df.source.position(s.start)[0] for s in run.empty_lines] == [4, 5]
    assert (run.line, run.end_line) == (2, 6)
    assert only(df, "CMD").line == 7


def test_trailing_whitespace_after_escape_still_continues():
    df = parse("FROM a\nRUN groupadd x \\ \n    && usermod y\n")  # corpus 0739
    assert only(df, "RUN").args == "groupadd x     && usermod y"
    assert df.errors == ()


def test_escaped_escape_does_not_continue():
    df = parse("FROM a\nRUN echo \\\\\nCMD x\n")
    assert [i.name for i in df.instructions] == ["FROM", "RUN", "CMD"]


def test_trailing_escape_at_end_of_file():
    df = parse("FROM a\nRUN echo hi \\")
    run = only(df, "RUN")
    assert run.args == "echo hi"
    assert df.errors == ()
    df = parse("FROM a\nRUN echo hi \\\n# trailing comment\n")
    assert only(df, "RUN").comments[0].text == "trailing comment"


def test_first_line_leading_whitespace_is_dropped():
    df = parse("FROM a\n    RUN   echo hi\n")
    run = only(df, "RUN")
    assert text_of(df, run.keyword_span) == "RUN"
    assert df.source.position(run.keyword_span.start) == (2, 5)
    assert run.args == "echo hi"


def test_lowercase_keywords():
    df = parse("from alpine as build\nrun echo hi\ncopy --from=build /a /b\n")
    assert [i.name for i in df.instructions] == ["FROM", "RUN", "COPY"]
    assert [i.keyword for i in df.instructions] == ["from", "run", "copy"]
    assert df.errors == ()


# -- flags ----------------------------------------------------------------------------------


def test_flags_name_value_and_spans():
    df = parse("FROM a AS b\nCOPY --from=b --chmod=0755 --link /src /dst\n")
    copy = only(df, "COPY")
    assert [(f.name, f.value) for f in copy.flags] == [("from", "b"), ("chmod", "0755"), ("link", None)]
    assert text_of(df, copy.flag("from").span) == "--from=b"
    assert text_of(df, copy.flag("from").value_span) == "b"
    assert text_of(df, copy.flag("link").name_span) == "--link"
    assert copy.args == "/src /dst"
    assert [w.value for w in copy.words] == ["/src", "/dst"]
    assert text_of(df, copy.words[1].span) == "/dst"


def test_mount_key_values():
    df = parse(
        "FROM a\nRUN --mount=type=cache,target=/root/.cache,sharing=locked "
        "--mount=type=bind,from=build,source=/out,target=/x --network=none make\n"
    )
    run = only(df, "RUN")
    mounts = run.flag_all("mount")
    assert mounts[0].options() == {"type": "cache", "target": "/root/.cache", "sharing": "locked"}
    assert mounts[1].options()["from"] == "build"
    key, value, span = mounts[1].option_items()[1]
    assert (key, value, text_of(df, span)) == ("from", "build", "from=build")
    assert run.flag("network").value == "none"
    assert run.args == "make"


@pytest.mark.parametrize(
    "line",
    [
        "ADD --checksum=sha256:abc --keep-git-dir=true --unpack=false https://x/y.tar /y",
        "COPY --parents --exclude=*.md --exclude=*.txt ./a ./b /dst/",
        "RUN --security=insecure --network=host make",
        "HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --start-interval=1s --retries=3 CMD curl -f x",
        "FROM --platform=$BUILDPLATFORM golang AS build",
    ],
)
def test_known_flags_are_valid(line):
    df = parse("FROM a\n" + line + "\n")
    assert df.errors == ()


def test_quoted_flag_value():
    df = parse('FROM a\nCOPY --chown="app user" a b\n')
    assert only(df, "COPY").flag("chown").value == "app user"


def test_double_dash_ends_flags():
    df = parse("FROM a\nCOPY -- --weird-file /dst\n")
    copy = only(df, "COPY")
    assert copy.flags == ()
    assert copy.args == "--weird-file /dst"


@pytest.mark.parametrize(
    "line,message",
    [
        ("COPY --form=b a c", "unknown flag: --form (did you mean --from?)"),
        ("WORKDIR --x=1 /a", "unknown flag: --x (WORKDIR takes no flags)"),
        ("COPY --from a c", "missing a value on flag: --from"),
        ("COPY --link=maybe a c", "expecting boolean value for flag link, not: maybe"),
        ("COPY --from=a --from=b x y", "duplicate flag specified: --from"),
    ],
)
def test_bad_flags_are_invalid_instructions(line, message):
    df = parse("FROM a\n" + line + "\n")
    assert [(e.code, e.message) for e in df.errors] == [("DF003", message)]
    assert text_of(df, df.errors[0].span).startswith("--")


# -- exec form ------------------------------------------------------------------------------


def test_exec_form():
    df = parse('FROM a\nCMD ["nginx", "-g", "daemon off;"]\nENTRYPOINT echo hi\n')
    assert only(df, "CMD").json == ("nginx", "-g", "daemon off;")
    assert only(df, "ENTRYPOINT").json is None
    assert only(df, "ENTRYPOINT").shell_form


@pytest.mark.parametrize(
    "args",
    [
        "['echo','single quotes']",  # corpus 1216
        "[${NPM_CLI_PACKAGE}]",  # corpus 1323
        '["C:\\\\dir", "\\q"]',  # bad JSON escape, corpus 1540
        "[ -f /x ] && echo y",  # shell test, corpus 1237
        '"[\\"echo\\"]"',
    ],
)
def test_invalid_json_falls_back_to_shell_form(args):
    df = parse("FROM a\nCMD " + args + "\n")
    assert only(df, "CMD").json is None
    assert df.errors == ()


def test_nested_json_is_a_syntax_error():
    df = parse('FROM a\nCMD [ "echo", [ "nested json" ] ]\n')  # corpus 1196
    assert codes(df) == [("DF001", 2)]
    assert only(df, "CMD").json is None


def test_healthcheck_exec_form():
    df = parse('FROM a\nHEALTHCHECK --interval=5s CMD ["curl", "-f", "x"]\n')
    assert only(df, "HEALTHCHECK").json == ("curl", "-f", "x")


# -- heredocs -------------------------------------------------------------------------------


def test_run_heredoc():
    src = "FROM a\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nCMD x\n"
    df = parse(src)
    run = only(df, "RUN")
    (h,) = run.heredocs
    assert (h.name, h.expand, h.chomp, h.fd) == ("EOF", True, False, None)
    assert h.body == "apt-get update\napt-get install -y curl\n"
    assert text_of(df, h.body_span) == h.body
    assert text_of(df, h.span) == "<<EOF"
    assert text_of(df, h.terminator_span) == "EOF"
    assert (run.line, run.end_line) == (2, 5)
    assert only(df, "CMD").line == 6


def test_heredoc_with_interpreter_and_quoted_delimiter():
    df = parse("FROM a\nRUN <<'PY' python3\nprint('$HOME')\nPY\n")
    (h,) = only(df, "RUN").heredocs
    assert (h.name, h.expand) == ("PY", False)
    assert only(df, "RUN").args == "<<'PY' python3"


def test_chomp_heredoc_strips_tabs():
    df = parse("FROM a\nRUN <<-EOT bash\n\techo hi\n\t\tEOT\n")
    (h,) = only(df, "RUN").heredocs
    assert h.chomp
    assert h.content == "echo hi\n"
    assert h.body == "\techo hi\n"


def test_several_heredocs_on_one_line_with_fd():
    src = "FROM a\nRUN 3<<A cat /dev/fd/3 && cat <<\"B\"\none\nA\ntwo\nB\nCMD x\n"
    df = parse(src)
    run = only(df, "RUN")
    assert [(h.name, h.fd, h.body, h.expand) for h in run.heredocs] == [("A", 3, "one\n", True), ("B", None, "two\n", False)]
    assert only(df, "CMD").line == 7


def test_copy_heredoc():
    df = parse("FROM a\nCOPY <<EOF /etc/app.conf\nFROM not-a-stage\nEOF\n")
    assert [i.name for i in df.instructions] == ["FROM", "COPY"]
    assert only(df, "COPY").heredocs[0].body == "FROM not-a-stage\n"
    assert df.errors == ()


def test_heredoc_in_onbuild():
    df = parse("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nCMD x\n")
    onbuild = only(df, "ONBUILD")
    assert onbuild.inner.name == "RUN"
    assert onbuild.inner.heredocs[0].body == "echo hi\n"
    assert onbuild.inner.parent is onbuild
    assert only(df, "CMD").line == 5


def test_no_heredoc_in_exec_form_or_quotes_or_other_instructions():
    df = parse('FROM a\nRUN ["sh", "-c", "cat <<EOF"]\nRUN echo "<<EOF"\nENV X=<<EOF\nCMD x\n')
    assert all(not i.heredocs for i in df.instructions)
    assert [i.name for i in df.instructions] == ["FROM", "RUN", "RUN", "ENV", "CMD"]


def test_here_string_is_not_a_heredoc():
    df = parse("FROM a\nRUN cat <<<hello\nCMD x\n")
    assert only(df, "RUN").heredocs == ()


def test_heredoc_crlf_terminator():
    df = parse("FROM a\r\nRUN <<EOF\r\necho hi\r\nEOF\r\nCMD x\r\n")
    assert only(df, "RUN").heredocs[0].body == "echo hi\r\n"
    assert only(df, "CMD").line == 5


def test_unterminated_heredoc_recovers():
    df = parse("FROM a\nRUN <<EOF\necho hi\nCMD x\n")
    assert codes(df) == [("DF001", 2)]
    assert "unterminated heredoc" in df.errors[0].message
    assert text_of(df, df.errors[0].span) == "<<EOF"
    # the body is taken to run up to the next instruction keyword, where parsing goes on
    assert [i.name for i in df.instructions] == ["FROM", "RUN", "CMD"]
    assert only(df, "CMD").line == 4


# -- ONBUILD and other instructions ---------------------------------------------------------


def test_onbuild_wraps_an_instruction():
    df = parse("FROM a\nONBUILD COPY --from=build /a /b\n")
    inner = only(df, "ONBUILD").inner
    assert inner.name == "COPY"
    assert inner.flag("from").value == "build"
    assert text_of(df, inner.keyword_span) == "COPY"
    assert text_of(df, inner.words[0].span) == "/a"


@pytest.mark.parametrize(
    "line,message",
    [
        ("ONBUILD ONBUILD RUN x", "Chaining ONBUILD"),
        ("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"),
        ("FROM a b", "FROM requires either one or three arguments"),
        ("FROM a AS 1x", "invalid name for build stage"),
        ("COPY onlyone", "COPY requires at least two arguments"),
        ("SHELL /bin/bash -c", "SHELL requires the arguments to be in JSON form"),
        ("HEALTHCHECK CONNECT x", "Unknown type"),
        ("WORKDIR", "WORKDIR requires exactly one argument"),
    ],
)
def test_instruction_errors(line, message):
    df = parse("FROM a\n" + line + "\n")
    assert [e.code for e in df.errors] == ["DF003"]
    assert message in df.errors[0].message


def test_env_forms():
    df = parse('FROM a\nENV A=1 B="two words" C\\ D=3\nENV LEGACY some value\n')
    assert df.errors == ()
    df = parse("FROM a\nENV PATH\n")  # corpus 1194
    assert codes(df) == [("DF001", 2)]
    df = parse("FROM a\nENV A=1 B\n")
    assert codes(df) == [("DF001", 2)]
    assert "can't find =" in df.errors[0].message


def test_unknown_instruction_is_reported_and_parsing_goes_on():
    df = parse("FROM a\nRUNN echo\nCMD x\n")
    assert codes(df) == [("DF001", 2)]
    assert "did you mean RUN" in df.errors[0].message
    assert text_of(df, df.errors[0].span) == "RUNN"
    assert [i.name for i in df.instructions] == ["FROM", "CMD"]
    assert [i.keyword for i in df.unknown] == ["RUNN"]


def test_file_with_no_instructions():
    df = parse("# Hello\n# only comments\n\n")  # corpus 1195
    assert [e.message for e in df.errors] == ["file with no instructions"]


def test_node_kinds():
    df = parse("# syntax=x\n\n# c\nFROM a\n")
    assert [type(n) for n in df.nodes] == [Directive, Blank, Comment, Instruction]


def test_words_and_args_subspans_across_continuation():
    df = parse("FROM a\nCOPY a \\\n     b \\\n     /dst\n")
    copy = only(df, "COPY")
    assert [w.value for w in copy.words] == ["a", "b", "/dst"]
    assert [df.source.position(w.span.start) for w in copy.words] == [(2, 6), (3, 6), (4, 6)]


def test_source_positions():
    s = SourceFile("ab\ncd\r\nef")
    assert s.position(0) == (1, 1)
    assert s.position(3) == (2, 1)
    assert s.position(7) == (3, 1)
    assert s.line_text(2) == "cd"
    assert s.offset(3, 2) == 8
    assert SourceFile("a\r\nb\r\n").newline == "\r\n"
    assert SourceFile("a\nb\n").newline == "\n"


# -- the hand-written records (issue #8: no dataclass import cost, fast construction) ---------


def test_span_is_a_value():
    import pickle

    from dflint.source import Span

    a = Span(1, 4)
    assert a == Span(1, 4) and a != Span(1, 5) and hash(a) == hash(Span(1, 4))
    assert sorted([Span(3, 4), Span(1, 9), a]) == [a, Span(1, 9), Span(3, 4)]
    assert len(a) == 3 and not Span(2, 2) and repr(a) == "Span(start=1, end=4)"
    assert pickle.loads(pickle.dumps(a)) == a and a != (1, 4)
    with pytest.raises(ValueError):
        Span(3, 2)


def test_nodes_compare_by_value_and_pickle():
    import pickle

    df = parse("# c\nFROM a AS b\nONBUILD RUN <<EOF\necho\nEOF\nCOPY --from=b /x /y\n")
    again = parse("# c\nFROM a AS b\nONBUILD RUN <<EOF\necho\nEOF\nCOPY --from=b /x /y\n")
    assert df.nodes[0] == again.nodes[0] and hash(df.nodes[0]) == hash(again.nodes[0])
    copy = df.instructions[2]
    assert copy.flags == again.instructions[2].flags and copy.words == again.instructions[2].words
    assert copy != again.instructions[2]  # instructions compare by identity
    loaded = pickle.loads(pickle.dumps(df))
    onbuild = loaded.instructions[1]
    assert onbuild.inner.parent is onbuild and onbuild.inner.heredocs[0].body == "echo\n"
    assert loaded.instructions[2].flags == copy.flags


def test_plain_exec_forms_are_read_as_json_reads_them():
    """`syntax._plain_strings` reads simple exec forms without json: whenever it answers, the
    answer is json.loads's; on anything else it leaves the decision to json."""
    import json
    import random

    from dflint.syntax import _plain_strings, parse_json_array

    pieces = ['"a"', '"b c"', '"\\\\n"', '"é"', '""', ",", " ", "\t", "\n", "]", "[", '"', "\\", "x", "1", "\x01", '"\x7f"']
    rng = random.Random(8)
    answered = 0
    for _ in range(20000):
        text = "[" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        fast = _plain_strings(text)
        try:
            slow = json.loads(text)
        except ValueError:
            slow = None
        if fast is not None:
            answered += 1
            assert fast == slow, text
        assert parse_json_array(text) == (tuple(slow) if isinstance(slow, list) and all(isinstance(v, str) for v in slow) else None), text
    assert answered > 200
    assert _plain_strings('["nginx", "-g", "daemon off;"]') == ["nginx", "-g", "daemon off;"]
    assert _plain_strings('["a\\\\nb"]') is None  # an escape: json reads it
