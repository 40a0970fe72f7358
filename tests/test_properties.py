"""Property tests (hypothesis) on the parser, the engine and the fixer.

The inputs are built from fragments of real instructions (flags, exec and shell form, heredocs,
ONBUILD, multi-stage references), joined with continuations that hold comment and empty lines,
under parser directives (``escape=`` included), with LF/CRLF/mixed line endings, a BOM, and
random characters and invalid UTF-8 bytes mixed in. The properties:

- the parser never raises and is lossless (the bytes come back from the parsed nodes);
- linting with every rule never yields ``DF000 internal-error``;
- ``fix(..., unsafe=True)`` never reports a problem, its output parses when the input did, and
  fixing that output again changes nothing.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (the default; bounded and derandomized, the whole file
stays well under a minute) and ``long`` for local runs::

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_properties.py -q -p no:cacheprovider

A failure found by a property becomes a plain regression test at the end of this file.
"""

from __future__ import annotations

import json
import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dflint.engine import Settings, fix, lint  # noqa: E402
from dflint.parser import parse_bytes  # noqa: E402
from dflint.registry import Registry  # noqa: E402
from dflint.source import BinaryFileError, SourceFile  # noqa: E402

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH
)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=_HEALTH)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    PROFILE = "ci"
BASE = settings.get_profile(PROFILE)


def budget(factor: float) -> settings:
    """The profile's settings with `factor` times its example count (cheap tests run more)."""
    return settings(BASE, max_examples=max(1, int(BASE.max_examples * factor)))


# -- fragments of real Dockerfiles ----------------------------------------------------------

IMAGES = ["ubuntu:22.04", "debian:bookworm-slim", "alpine:3.20", "python:3.12-slim", "golang:1.22",
          "node:20-alpine", "scratch", "${BASE_IMAGE}", "$REGISTRY/app:${TAG:-latest}",
          "mcr.microsoft.com/windows/servercore:ltsc2022", "nginx@sha256:" + "a" * 64, "build"]
STAGES = ["build", "builder", "base", "deps", "runtime", "final", "Build", "s1"]
SHELL_BODIES = [
    "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*",
    "apt-get install -y python3=3.11.2-1 python3-pip",
    "apt update && apt install -y git",
    "apk add --no-cache bash curl=8.5.0-r0",
    "apk add --virtual .build-deps gcc musl-dev && pip install cryptography && apk del .build-deps",
    "yum install -y httpd && yum clean all",
    "dnf install -y gcc make && dnf clean all",
    "zypper install -y curl",
    "pip install --no-cache-dir -r requirements.txt",
    "pip install flask==3.0.0 'gunicorn>=21' --index-url https://pypi.example.com/simple",
    "npm ci --omit=dev && npm cache clean --force",
    "npm install -g yarn@1.22.19",
    "yarn install --frozen-lockfile && yarn cache clean",
    "gem install bundler:2.4.0",
    "go install github.com/x/y@latest",
    "go build -o /out/app ./cmd/app",
    "cargo build --release",
    "curl -fsSL https://get.example.com | sh",
    "wget -qO- https://example.com/x.tar.gz | tar xz -C /opt",
    "curl -k https://example.com/a -o /a",
    "cd /src && make && make install",
    "set -eux; for f in a b c; do echo \"$f\" >> /list; done",
    "if [ -f /x ]; then rm -f /x; fi",
    "echo 'apt-get install foo' # not an install",
    "useradd -m app && chown -R app:app /app",
    "chmod 777 /tmp/x",
    "sudo apt-get install vim",
    "ln -s /usr/bin/python3 /usr/bin/python",
    "export PATH=/opt/bin:$PATH && echo $(which python) `date`",
    "cat <<X > /etc/motd",
    "sed -i 's/a/b/g' /etc/conf && grep -q b /etc/conf || exit 1",
    "conda install -y numpy && conda clean -afy",
    "git clone https://github.com/x/y.git /y && cd /y && git checkout v1",
    "mkdir -p /a/{b,c} && touch /a/b/\"file name\"",
    "echo ${VAR:-default} ${OTHER:?err} $((1 + 2))",
    "python -c 'print(\"hi\")'",
    "",
]
FLAGS = {
    "FROM": ["--platform=linux/amd64", "--platform=$BUILDPLATFORM", "--platform"],
    "RUN": ["--mount=type=cache,target=/root/.cache", "--mount=type=secret,id=npmrc,target=/root/.npmrc",
            "--mount=type=bind,from=build,source=/out,target=/in", "--network=none", "--security=insecure",
            "--mount", "--bogus=1"],
    "COPY": ["--from=build", "--from=0", "--from=nginx:latest", "--chown=app:app", "--chmod=0755", "--link",
             "--link=false", "--parents", "--exclude=*.md", "--from"],
    "ADD": ["--chown=1000:1000", "--checksum=sha256:" + "b" * 64, "--keep-git-dir=true", "--unpack=true"],
    "HEALTHCHECK": ["--interval=30s", "--timeout=3s", "--start-period=5s", "--retries=3", "--interval=abc"],
}


@st.composite
def shell_body(draw) -> str:
    parts = draw(st.lists(st.sampled_from(SHELL_BODIES), min_size=1, max_size=3))
    joiner = draw(st.sampled_from([" && ", "; ", " || ", " | ", " && \\\n    "]))
    return joiner.join(parts)


@st.composite
def heredoc(draw, keyword: str) -> str:
    name = draw(st.sampled_from(["EOF", "EOT", "'EOF'", '"END"', "-EOF", "-'X'"]))
    word = name.lstrip("-").strip("'\"")
    body_lines = draw(st.lists(st.sampled_from(SHELL_BODIES + ["#!/bin/bash", "\techo tab", "FROM alpine", "EOF x"]),
                               max_size=4))
    if name.startswith("-"):
        body_lines = ["\t" + line for line in body_lines]
    end = ("\t" if name.startswith("-") and draw(st.booleans()) else "") + word
    fd = draw(st.sampled_from(["", "", "", "3"]))
    head = f"{keyword} {fd}<<{name}"
    second: list[str] = []
    if draw(st.integers(0, 3)) == 0:  # two heredocs on one line, bodies in order
        head += " <<TWO"
        second = draw(st.lists(st.sampled_from(SHELL_BODIES), max_size=2)) + ["TWO"]
    if keyword.upper() == "COPY":
        head += " /etc/" + draw(st.sampled_from(["conf", "app.ini", "x/"]))
    elif draw(st.booleans()):
        head += " " + draw(st.sampled_from(["bash", "python3", "sh -e", "&& echo done", "cat /dev/fd/3"]))
    lines = [head, *body_lines, end, *second]
    if draw(st.integers(0, 9)) == 0:  # an unterminated heredoc now and then
        lines = lines[:-1]
    return "\n".join(lines)


def json_array(items: list[str]) -> str:
    return json.dumps(items)


@st.composite
def instruction(draw) -> str:
    kind = draw(st.sampled_from([
        "FROM", "FROM", "RUN", "RUN", "RUN", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "WORKDIR",
        "USER", "EXPOSE", "VOLUME", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK", "ONBUILD", "STOPSIGNAL",
        "MAINTAINER", "HEREDOC", "BOGUS",
    ]))
    flags = ""
    if kind in FLAGS and draw(st.integers(0, 2)) == 0:
        flags = " ".join(draw(st.lists(st.sampled_from(FLAGS[kind]), max_size=2))) + " "
    kw = kind if draw(st.integers(0, 5)) else kind.lower()
    if kind == "FROM":
        text = f"{kw} {flags}{draw(st.sampled_from(IMAGES))}"
        if draw(st.booleans()):
            text += f" {draw(st.sampled_from(['AS', 'as']))} {draw(st.sampled_from(STAGES))}"
        return text
    if kind == "RUN":
        form = draw(st.integers(0, 5))
        if form == 0:
            return f"{kw} {flags}" + json_array(draw(st.lists(st.sampled_from(["sh", "-c", "echo hi", "apt-get", "install", "curl"]), max_size=4)))
        if form == 1:
            return f"{kw} {flags}[\"broken\", "  # invalid JSON: shell form
        return f"{kw} {flags}{draw(shell_body())}"
    if kind == "HEREDOC":
        return draw(heredoc(draw(st.sampled_from(["RUN", "COPY", "RUN", "run", "ONBUILD RUN", "ONBUILD COPY"]))))
    if kind in ("COPY", "ADD"):
        src = draw(st.sampled_from([". .", "package.json package-lock.json ./", "--from=build /out/app /app",
                                    "*.txt /dst/", "https://example.com/a.tar.gz /opt/", "a b c /d",
                                    json_array(["a b", "/c/"]), "src", "/app/"]))
        return f"{kw} {flags}{src}"
    if kind in ("ENV", "ARG", "LABEL"):
        return f"{kw} " + draw(st.sampled_from([
            "A=1", "A=1 B=\"two words\"", "PATH=/opt/bin:$PATH", "OLD style value", "VERSION", "X=${Y:-z}",
            "org.opencontainers.image.source=https://example.com", "maintainer=\"a@b.c\"", "A=", "=x",
            "DEBIAN_FRONTEND=noninteractive", "PASSWORD=hunter2", "B='single quoted'",
        ]))
    if kind in ("CMD", "ENTRYPOINT", "SHELL"):
        if draw(st.booleans()):
            return f"{kw} " + json_array(draw(st.lists(st.sampled_from(["/bin/bash", "-o", "pipefail", "-c", "app", "serve", "powershell", "cmd", "/S", "/C"]), max_size=4)))
        return f"{kw} " + draw(st.sampled_from(["app serve --port 80", "./run.sh", "nginx -g 'daemon off;'", ""]))
    if kind == "HEALTHCHECK":
        return f"{kw} {flags}" + draw(st.sampled_from(["CMD curl -f http://localhost/ || exit 1", "NONE", "CMD [\"true\"]", ""]))
    if kind == "ONBUILD":
        return f"{kw} " + draw(st.sampled_from(["RUN make", "COPY . /src", "ONBUILD RUN x", "FROM x", "RUN <<EOF", ""]))
    if kind == "EXPOSE":
        return f"{kw} " + draw(st.sampled_from(["80", "80/tcp 443/udp", "${PORT}", "8080-8090", "abc", "99999"]))
    if kind == "BOGUS":
        return draw(st.sampled_from(["FOO bar", "--flag", "\\", "`", "RUN\\", "COPY", "   ", "#!not a comment",
                                     "RUN [", "LABEL", "= =", "$X Y"]))
    return f"{kw} " + draw(st.sampled_from(["/app", "app", "1000:1000", "SIGTERM", "root", "$HOME/x", "\"quoted dir\"", ""]))


@st.composite
def with_continuations(draw, text: str, escape: str) -> str:
    """Break `text`'s first line at some spaces with escape+newline, maybe adding comment or
    empty lines inside the continuation (BuildKit skips both)."""
    first, nl, rest = text.partition("\n")
    words = first.split(" ")
    if len(words) < 2 or draw(st.integers(0, 2)) == 0:
        return text
    out = [words[0]]
    for w in words[1:]:
        if draw(st.integers(0, 3)) == 0:
            sep = escape + draw(st.sampled_from(["", " ", "\t"])) + "\n"
            extra = draw(st.sampled_from(["", "", "# a comment\n", "  # indented comment\n", "\n", "   \n"]))
            out.append(sep + extra + draw(st.sampled_from(["    ", "\t", ""])) + w)
        else:
            out.append(" " + w)
    return "".join(out) + nl + rest


@st.composite
def dockerfile_text(draw) -> str:
    lines: list[str] = []
    directives = draw(st.lists(st.sampled_from([
        "# syntax=docker/dockerfile:1", "# escape=`", "# escape=\\", "#escape = `", "# check=skip=all",
        "# check=error=true", "# SYNTAX=docker/dockerfile:1.7", "# escape=x",
    ]), max_size=2))
    lines.extend(directives)
    escape = "\\"
    for d in directives:
        key, _, value = d.lstrip("# ").partition("=")
        if key.strip().lower() == "escape" and value.strip() in ("`", "\\"):
            escape = value.strip()
            break
    if draw(st.booleans()):
        lines.append(f"FROM {draw(st.sampled_from(IMAGES))}")
    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.integers(0, 9))
        if choice == 0:
            lines.append(draw(st.sampled_from(["# a comment", "", "# dflint: ignore=DL3008", "# hadolint ignore=DL3008,SC2086",
                                               "# dflint: global ignore=DF100", "   ", "# hadolint shell=powershell"])))
            continue
        text = draw(instruction())
        if escape == "`":
            text = text.replace("\\\n", "`\n")
        lines.append(draw(with_continuations(text, escape)))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += "\n"
    elif draw(st.booleans()):
        text += escape  # a continuation into the end of the file
    return text


@st.composite
def dockerfile_bytes(draw) -> bytes:
    text = draw(dockerfile_text())
    eol = draw(st.sampled_from(["\n", "\n", "\r\n", "mixed", "\r"]))
    if eol == "\r\n":
        text = text.replace("\n", "\r\n")
    elif eol == "mixed":
        text = "".join(ch if ch != "\n" or draw(st.booleans()) else "\r\n" for ch in text)
    elif eol == "\r":
        text = text.replace("\n", "\r", 1)
    # random characters mixed in: the escape tokens, quotes, shell syntax, Unicode
    for _ in range(draw(st.integers(0, 3))):
        pos = draw(st.integers(0, len(text)))
        junk = draw(st.one_of(
            st.sampled_from(["\\", "`", "$", "$(", ")", "${", "}", "'", '"', "<<", "<<-EOF", "#", "\t", "\r",
                             "\u00e9", "\u200b", "\U0001f600", "\ufeff", "[", "]", "=", "--", "&&", "|", ";"]),
            st.text(min_size=1, max_size=4),
        ))
        text = text[:pos] + junk + text[pos:]
    data = text.encode("utf-8", "replace")  # st.text() draws no lone surrogates, but be safe
    # invalid UTF-8 bytes mixed in
    for _ in range(draw(st.integers(0, 2))):
        pos = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80", b"\x80\x80", b"\xef\xbb"]))
        data = data[:pos] + junk + data[pos:]
    if draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data.replace(b"\x00", b"")  # NUL makes a file binary (tested on its own)


# -- the properties -------------------------------------------------------------------------


def all_rules() -> Settings:
    return Settings(rules=[cls() for cls in Registry.load().rules])


@budget(3)
@given(dockerfile_bytes())
def test_parser_never_raises_and_is_lossless(data: bytes):
    df = parse_bytes(data, "Dockerfile")
    assert df.source.to_bytes(df.reconstruct()) == data


@budget(1)
@given(st.binary(max_size=300))
def test_parser_on_arbitrary_bytes(data: bytes):
    try:
        df = parse_bytes(data, "Dockerfile")
    except BinaryFileError:
        assert b"\x00" in data
        return
    assert df.source.to_bytes(df.reconstruct()) == data


@budget(1)
@given(dockerfile_bytes())
def test_engine_never_reports_an_internal_error(data: bytes):
    source = SourceFile.from_bytes(data, "Dockerfile")
    result = lint(source, all_rules(), Registry.load())
    assert [d.message for d in result.diagnostics if d.code == "DF000"] == []


@budget(0.6)
@given(dockerfile_bytes())
def test_fix_output_parses_and_settles(data: bytes):
    source = SourceFile.from_bytes(data, "Dockerfile")
    settings_ = all_rules()
    registry = Registry.load()
    before = lint(source, settings_, registry)
    first = fix(source, settings_, registry, unsafe=True)
    assert [d.message for d in first.problems] == []
    assert [d.message for d in first.result.diagnostics if d.code == "DF000"] == []
    if before.parses:
        assert first.result.parses, first.text
    second = fix(SourceFile(first.text, "Dockerfile", source.bom), settings_, registry, unsafe=True)
    assert second.text == first.text
    assert second.applied == []


# -- regressions found by the properties ----------------------------------------------------


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbfFROM alpine\n"])
def test_regression_double_bom_is_kept(data: bytes):
    """Found by test_parser_never_raises_and_is_lossless: from_bytes stripped the byte BOM and
    SourceFile() a second U+FEFF from the text, so a file starting with two BOMs lost one."""
    df = parse_bytes(data, "Dockerfile")
    assert df.source.to_bytes(df.reconstruct()) == data
    fixed = fix(SourceFile.from_bytes(data, "Dockerfile"), all_rules(), Registry.load(), unsafe=True)
    assert SourceFile.from_bytes(data).to_bytes(fixed.text).startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
