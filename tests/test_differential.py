"""dockerfile-parse as a differential oracle.

On files without its known gaps, dockerfile-parse and dflint must agree on the instructions
(how many, which, on which lines). Each known gap is kept as a test that shows dockerfile-parse
getting it wrong and dflint getting it right, so that a fixed dockerfile-parse is noticed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from dflint.parser import parse, parse_bytes
from dflint.syntax import Instruction

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.Dockerfile"))


def theirs(data: bytes) -> list[dict]:
    parser = DockerfileParser(fileobj=io.BytesIO(data))
    return [s for s in parser.structure if s["instruction"] != "COMMENT"]


def known_gaps(data: bytes) -> list[str]:
    df = parse_bytes(data)
    ours = [n for n in df.nodes if isinstance(n, Instruction)]
    gaps = []
    if any(i.heredocs or (i.inner is not None and i.inner.heredocs) for i in ours):
        gaps.append("heredoc")
    if any(i.empty_lines for i in ours):
        gaps.append("empty continuation line")
    text = df.text.rstrip()
    if text.endswith(df.escape):
        gaps.append("escape at the end of the file or an escaped escape at a line end")
    if any(line.rstrip(" \t\r").endswith(df.escape * 2) for line in df.text.splitlines()):
        gaps.append("escaped escape at a line end")
    if df.source.bom:
        gaps.append("BOM")
    names = [d.name for d in df.directives]
    if "escape" in names and names.index("escape") > 0:
        gaps.append("escape directive after another directive")
    return gaps


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_instructions_agree(path: Path):
    data = path.read_bytes()
    if known_gaps(data):
        pytest.skip("a known dockerfile-parse gap: " + ", ".join(known_gaps(data)))
    df = parse_bytes(data)
    ours = [(n.name, n.line) for n in df.nodes if isinstance(n, Instruction)]
    expected = [(s["instruction"], s["startline"] + 1) for s in theirs(data)]
    assert ours == expected


def test_most_of_the_corpus_is_compared():
    compared = sum(1 for p in CORPUS if not known_gaps(p.read_bytes()))
    assert compared >= 0.75 * len(CORPUS)


# -- the known gaps, each shown -------------------------------------------------------------


def test_gap_heredoc_body_becomes_instructions():
    src = b"FROM alpine\nCOPY <<EOF /etc/x\nFROM not-a-stage\nEOF\n"
    assert [s["instruction"] for s in theirs(src)] == ["FROM", "COPY", "FROM", "EOF"]
    assert [i.name for i in parse_bytes(src).instructions] == ["FROM", "COPY"]


def test_gap_empty_continuation_line_ends_the_instruction():
    src = b"FROM alpine\nRUN apk add \\\n\n    curl\n"
    assert [s["instruction"] for s in theirs(src)] == ["FROM", "RUN", "CURL"]
    assert [i.name for i in parse_bytes(src).instructions] == ["FROM", "RUN"]
    assert parse_bytes(src).instructions[1].args == "apk add     curl"


def test_gap_trailing_escape_at_end_of_file_drops_the_instruction():
    src = b"FROM alpine\nRUN echo hi \\"
    assert [s["instruction"] for s in theirs(src)] == ["FROM"]
    assert [i.name for i in parse_bytes(src).instructions] == ["FROM", "RUN"]


def test_gap_escaped_escape_is_taken_as_continuation():
    src = b"FROM alpine\nENV C trailing\\\\backslash\\\\\nENV D separate\n"  # BuildKit fixture 1227
    assert [s["instruction"] for s in theirs(src)] == ["FROM", "ENV"]
    assert [i.name for i in parse_bytes(src).instructions] == ["FROM", "ENV", "ENV"]


def test_gap_bom_sticks_to_the_first_keyword():
    src = b"\xef\xbb\xbfFROM alpine\nRUN true\n"
    assert theirs(src)[0]["instruction"] != "FROM"
    assert parse_bytes(src).instructions[0].name == "FROM"


def test_gap_check_directive_hides_escape():
    src = b"# check=skip=all\n# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n  c:\\\n"
    run = theirs(src)[-1]
    assert run["instruction"] == "RUN" and run["endline"] == run["startline"]  # ` not seen as escape
    df = parse_bytes(src)
    assert df.escape == "`"
    assert [(i.name, i.line, i.end_line) for i in df.instructions] == [("FROM", 3, 3), ("RUN", 4, 5)]


def test_gap_flags_and_exec_form_not_parsed():
    src = b'FROM alpine\nCOPY --from=build /a /b\nCMD ["a", "b"]\n'
    copy = theirs(src)[1]
    assert copy["value"].startswith("--from=build")  # flags stay in the value
    df = parse(src.decode())
    assert df.instructions[1].flag("from").value == "build"
    assert df.instructions[2].json == ("a", "b")


def test_env_values_agree():
    """Where it is right, dockerfile-parse's ENV/LABEL word handling is the reference."""
    src = 'FROM alpine\nENV A=1 B="two words" C=three\\ words\nLABEL "com.example.x"="y z"\n'
    parser = DockerfileParser(fileobj=io.BytesIO(src.encode()))
    assert parser.envs == {"A": "1", "B": "two words", "C": "three words"}
    from dflint.words import split_key_values

    assert dict(split_key_values(parse(src).instructions[1].args)) == parser.envs
