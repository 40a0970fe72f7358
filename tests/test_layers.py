"""lint/layers.py: per-instruction state, and the paths layers create and delete."""

from __future__ import annotations

import pytest

from dflint.layers import (
    Created,
    PathIndex,
    Removed,
    copy_targets,
    covers,
    is_under,
    join,
    live_creations,
    run_creations,
    run_removals,
    stage_states,
    url_basename,
)
from dflint.parser import parse
from dflint.rule import Context
from dflint.source import Span


def states(text: str, stage: int = -1):
    ctx = Context(parse(text))
    return ctx, stage_states(ctx, ctx.graph.stages[stage])


def state_at(text: str, line: int, stage: int = -1):
    ctx, sts = states(text, stage)
    return ctx, next(s for s in sts if s.instruction.line == line)


def created(text: str, line: int) -> list[tuple[str, str, bool]]:
    ctx, st = state_at(text, line)
    return [(c.path, c.kind, c.tree) for c in run_creations(ctx.script(st.instruction), st)]


def removed(text: str, line: int) -> list[str]:
    ctx, st = state_at(text, line)
    return [r.path for r in run_removals(ctx.script(st.instruction), st)]


# -- paths -------------------------------------------------------------------------------------


def test_join_and_normalize():
    assert join("/app", "src/../lib") == "/app/lib"
    assert join("/app", "/etc//x/") == "/etc/x"
    assert join("?", "build") == "?/build"
    assert join(None, "build") is None
    assert join(None, "$GOPATH/src") == "$GOPATH/src"


@pytest.mark.parametrize(
    "path, ancestor, strict, expected",
    [
        ("/var/lib/apt/lists/x", "/var/lib/apt/lists", False, True),
        ("/var/lib/apt/lists", "/var/lib/apt/lists", False, True),
        ("/var/lib/apt/lists", "/var/lib/apt/lists", True, False),
        ("/var/lib/apt/lists/x", "/var/lib/apt/lists/*", False, True),
        ("/tmp/a.tgz", "/tmp/*.tgz", False, True),
        ("/tmp/sub/a.tgz", "/tmp/*.tgz", False, False),
        ("/tmpx", "/tmp", False, False),
        ("?/a", "/a", False, False),
    ],
)
def test_is_under(path, ancestor, strict, expected):
    assert is_under(path, ancestor, strict) is expected


def test_url_basename():
    assert url_basename("https://x.org/a/b/node.tar.xz?raw=1#frag") == "node.tar.xz"
    assert url_basename("https://x.org") == ""


# -- state -------------------------------------------------------------------------------------


def test_workdir_tracking_and_inheritance():
    text = (
        "FROM alpine AS base\n"  # 1
        "RUN true\n"  # 2
        "WORKDIR /app\n"  # 3
        "WORKDIR sub\n"  # 4
        "RUN true\n"  # 5
        "FROM base\n"  # 6
        "RUN true\n"  # 7
        "FROM scratch\n"  # 8
        "COPY x .\n"  # 9
    )
    ctx, base = states(text, 0)
    assert [s.workdir for s in base] == ["?", "?", "?", "/app", "/app/sub"]
    _, child = states(text, 1)
    assert child[1].workdir == "/app/sub"
    _, scratch = states(text, 2)
    assert scratch[1].workdir == "/"


def test_workdir_with_variables():
    text = "FROM alpine\nENV APP=/srv/app\nWORKDIR $APP\nRUN true\nWORKDIR $UNKNOWN/x\nRUN true\n"
    _, sts = states(text)
    assert sts[3].workdir == "/srv/app"
    assert sts[5].workdir == "$UNKNOWN/x"


def test_home_follows_user_and_env():
    text = "FROM alpine\nRUN true\nUSER app\nRUN true\nENV HOME=/home/app\nRUN true\nUSER root\nRUN true\n"
    _, sts = states(text)
    assert [s.home for s in sts if s.instruction.name == "RUN"] == ["/root", None, "/home/app", "/home/app"]


# -- COPY / ADD --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("COPY . /app", [("/app", True)]),
        ("COPY app.tar.gz /tmp/", [("/tmp/app.tar.gz", False)]),
        ("COPY app.tar.gz /tmp/x.tgz", [("/tmp/x.tgz", False)]),
        ("COPY src /app/src", [("/app/src", True)]),
        ("COPY package*.json ./", [("/w/package*.json", False)]),
        ("COPY a.txt b.txt /etc/", [("/etc/a.txt", False), ("/etc/b.txt", False)]),
        ('COPY ["my file.txt", "/opt/"]', [("/opt/my file.txt", False)]),
        ("ADD https://x.org/dl/tool.tgz /opt/", [("/opt/tool.tgz", False)]),
        ("ADD https://x.org/dl/tool.tgz /opt/tool", [("/opt/tool", False)]),
        ("ADD https://github.com/a/b.git#v1 /src", [("/src", True)]),
    ],
)
def test_copy_targets(line, expected):
    _, st = state_at(f"FROM alpine\nWORKDIR /w\n{line}\n", 3)
    assert [(t.path, t.tree) for t in copy_targets(st)] == expected


# -- RUN ---------------------------------------------------------------------------------------


def test_downloads():
    text = (
        "FROM alpine\nWORKDIR /src\n"
        "RUN curl -fsSLo /tmp/a.tgz https://x/a.tgz && cd /opt && curl -O https://x/b.zip"
        " && wget https://x/c.tar.xz && wget -qO- https://x/d | sh && curl https://x/e > e.txt\n"
    )
    assert created(text, 3) == [
        ("/tmp/a.tgz", "download", False),
        ("/opt/b.zip", "download", False),
        ("/opt/c.tar.xz", "download", False),
        ("/opt/e.txt", "download", False),
    ]


def test_clone_build_tree_and_unpack():
    text = (
        "FROM alpine\n"
        "RUN git clone https://github.com/a/lib.git /src/lib && mkdir /build && cd /build && make"
        " && mkdir -p /opt/node && tar -xJf node.tar.xz -C /opt/node && tar -xzf x.tgz -C /usr/local\n"
    )
    assert created(text, 2) == [
        ("/src/lib", "clone", True),
        ("/build", "build tree", True),
        ("/opt/node", "unpacked", True),
    ]


def test_package_caches():
    text = (
        "FROM debian\n"
        "RUN apt-get update && pip install flask && npm ci && apk add curl && yum install -y x\n"
        "RUN pip install --no-cache-dir flask && apk add --no-cache curl\n"
    )
    assert created(text, 2) == [
        ("/var/lib/apt/lists", "cache", True),
        ("/root/.cache/pip", "cache", True),
        ("/root/.npm", "cache", True),
        ("/var/cache/apk", "cache", True),
        ("/var/cache/yum", "cache", True),
    ]
    assert created(text, 3) == []


def test_mount_targets_are_not_layers():
    text = (
        "FROM python:3.12\n"
        "RUN --mount=type=cache,target=/root/.cache/pip --mount=type=tmpfs,target=/tmp "
        "pip install flask && curl -o /tmp/x.tgz https://x/x.tgz\n"
    )
    assert created(text, 2) == []


def test_removals():
    text = (
        "FROM centos\nWORKDIR /w\n"
        "RUN rm -rf /var/lib/apt/lists/* build ~/.cache && cd /tmp && rm x.tgz"
        " && yum clean all && npm cache clean --force && pip cache purge && echo rm -rf /\n"
    )
    assert removed(text, 3) == [
        "/var/lib/apt/lists/*",
        "/w/build",
        "/root/.cache",
        "/tmp/x.tgz",
        "/var/cache/yum",
        "/var/cache/dnf",
        "/root/.npm",
        "/root/.cache/pip",
    ]


def test_removal_with_unknown_cwd_is_skipped():
    text = "FROM alpine\nRUN cd $(mktemp -d) && rm -rf build && rm /tmp/x\n"
    assert removed(text, 2) == ["/tmp/x"]


def _c(path: str, tree: bool = False, cache: bool = False) -> Created:
    return Created(path, "x", "x", None, Span(0, 0), tree, cache)  # type: ignore[arg-type]


def _r(path: str, clean: bool = False) -> Removed:
    return Removed(path, "rm", None, Span(0, 0), None, clean)  # type: ignore[arg-type]


def test_covers():
    assert covers(_r("/tmp/*"), _c("/tmp/a.tgz"))
    assert covers(_r("/tmp/a.tgz"), _c("/tmp/a.tgz"))
    assert not covers(_r("/tmp/b.tgz"), _c("/tmp/a.tgz"))
    # inside a cache: always
    assert covers(_r("/var/lib/apt/lists/*"), _c("/var/lib/apt/lists", tree=True, cache=True))
    # inside a clone: .git always, the rest only when the RUN wrote nothing before
    assert covers(_r("/src/.git"), _c("/src", tree=True))
    assert not covers(_r("/src/build"), _c("/src", tree=True))
    assert covers(_r("/src/build", clean=True), _c("/src", tree=True))
    assert not covers(_r("/src"), _c("/srcx", tree=True))


def test_live_creations_drop_what_the_same_layer_deletes():
    text = "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
    ctx, st = state_at(text, 2)
    script = ctx.script(st.instruction)
    assert live_creations(run_creations(script, st), run_removals(script, st)) == []


# ------------------------------------------------------------------------------ PathIndex

_PATHS = [
    "/", "/app", "/app/", "/app/src", "/app/src/main.go", "/apps", "/opt/app", "/tmp/*",
    "/tmp/x.tar.gz", "/*", "/a*", "/app/*", "/app/src/*.go", "relative/dir", "relative",
    "$HOME/.cache", "$HOME", "/var/lib/apt/lists", "/var/lib/apt/lists/*", "/var/*/apt",
    "/[ab]pp", "/app?", "",
]


def test_path_index_candidates_are_every_related_path_in_order():
    index = PathIndex()
    for i, p in enumerate(_PATHS):
        index.add(p, i)
    for q in _PATHS:
        got = [item for _, item in index.candidates(q)]
        assert got == sorted(got)  # in the order they were added
        related = [i for i, p in enumerate(_PATHS) if is_under(p, q) or is_under(q, p)]
        assert set(related) <= set(got), q


def test_path_index_discard():
    index = PathIndex()
    n = index.add("/app/a", "a")
    index.add("/app/b", "b")
    index.add("/", "root")
    assert [v for _, v in index.candidates("/app")] == ["a", "b", "root"]
    index.discard(n)
    index.discard(n)  # twice: nothing
    assert [v for _, v in index.candidates("/app")] == ["b", "root"]
    assert [v for _, v in index.candidates("/*")] == ["b", "root"]
    assert len(index) == 2


# -- work per RUN (call-counting guards: a big file must not cost more per RUN) ----------------


def _reference_is_under(path: str, ancestor: str, strict: bool = False) -> bool:
    """`is_under` segment by segment (what its text comparison for plain paths must agree with)."""
    from fnmatch import fnmatchcase

    p = [s for s in path.split("/") if s]
    a = [s for s in ancestor.split("/") if s]
    if path.startswith("/") != ancestor.startswith("/"):
        return False
    if len(a) > len(p) or (strict and len(a) == len(p)):
        return False
    glob = lambda s: any(c in "*?[" for c in s)  # noqa: E731
    return all(fnmatchcase(ps, as_) if glob(as_) else ps == as_ for ps, as_ in zip(p, a))


def test_is_under_agrees_with_the_segment_comparison():
    paths = [
        "/", "//", "/a", "/a/", "/a//b", "/ab", "/a/b", "/a/bc", "/a/b/c", "/a/./b", "/tmp/x.tar.gz",
        "?", "?/a", "?/a/b", "a", "a/b", "$HOME/.cache", "$HOME", "", "/a/*", "/a/b*", "/[ab]/c", "?/*",
    ]  # fmt: skip
    for p in paths:
        for a in paths:
            for strict in (False, True):
                assert is_under(p, a, strict) == _reference_is_under(p, a, strict), (p, a, strict)


def test_runs_share_the_scope_between_changes(monkeypatch):
    """The scope (a dict copy per asking instruction, before `scope_view`) is asked once per
    ARG/ENV change, not once per RUN: a file of thousands of RUNs and a long scope was quadratic."""
    from dflint.graph import StageGraph

    calls = []
    real = StageGraph.scope_view
    monkeypatch.setattr(StageGraph, "scope_view", lambda self, ins: calls.append(ins) or real(self, ins))
    runs = "".join(f"RUN pip install pkg{i}\n" for i in range(300))
    text = f"FROM python:3.12\nENV A=1\n{runs}ENV B=2\n{runs}"
    ctx, sts = states(text)
    found = [c for st in sts if st.instruction.name == "RUN" for c in run_creations(ctx.script(st.instruction), st)]
    assert len(found) == 600  # ~/.cache/pip of each pip install (the home comes from the scope)
    assert len(calls) <= 3
    assert sts[3].scope is sts[300].scope and sts[3].scope is not sts[-1].scope


def test_security_rules_pass_over_runs_without_their_tools(monkeypatch):
    """DF500/DF501 parse the options of a command only when it is one of their tools and has
    the flag or setting they look for (a needle in its arguments); every RUN is looked at once."""
    from dflint.engine import Settings, lint
    from dflint.registry import Registry
    from dflint.rules import df500_tls_verification_disabled as df500
    from dflint.rules import df501_signature_verification_disabled as df501
    from dflint.source import SourceFile

    counts = {"df500": 0, "df501": 0}

    def counting(module, key, name):
        real = getattr(module, name)

        def wrapper(*args):
            counts[key] += 1
            return real(*args)

        monkeypatch.setattr(module, name, wrapper)

    counting(df500, "df500", "_command_findings")
    counting(df501, "df501", "_findings")
    body = "".join(
        "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
        "RUN echo hi > /tmp/x && chmod 644 /tmp/x\n"
        for _ in range(200)
    )
    text = f"FROM debian:12\n{body}RUN curl -fsSLk https://example.com -o /tmp/a\nRUN apt-get install --allow-unauthenticated -y x\n"
    registry = Registry.load()
    rules = [registry.get(code)() for code in ("DF500", "DF501")]
    result = lint(SourceFile(text, "Dockerfile"), Settings(rules=rules), registry)
    assert sorted(d.code for d in result.diagnostics) == ["DF500", "DF501"]
    assert counts == {"df500": 1, "df501": 1}


def test_option_from_the_default_scan_is_cmd_option():
    from dflint.layers import _option
    from dflint.shell import parse_script

    for text, names in [
        ("curl -fsSL --output-dir /tmp -O https://x/a.tgz", ("--output-dir",)),
        ("curl --output-dir=/a --output-dir /b https://x", ("--output-dir",)),
        ("tar -xzf a.tgz -C /opt", ("-C", "--directory")),
        ("tar xzf a.tgz --directory=/opt -C/usr", ("-C", "--directory")),
        ("wget -qP /tmp https://x/y", ("-P", "--directory-prefix")),
        ("wget --directory-prefix /tmp -- https://x/y", ("-P", "--directory-prefix")),
        ("bsdtar -xf a.zip -C out", ("-C", "--directory")),
    ]:
        cmd = parse_script(text).commands[0]
        assert _option(cmd, *names) == cmd.option(*names), text


def _read(records):
    """Every field of the records, as read through their names (the span worked out)."""
    return [tuple(getattr(r, f) for f in r._fields) for r in records]


def test_run_changes_is_creations_and_removals():
    text = (
        "FROM debian:12\n"
        "WORKDIR /src\n"
        "ENV D=/opt/d\n"
        "RUN apt-get update && curl -fsSLo /tmp/a.tgz https://x/a.tgz && mkdir b && cd b && make"
        " && rm -rf /tmp/a.tgz $D -- -x && npm cache clean --force && pip install y\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install z && wget https://x/y.zip"
        " && git clone https://x/r.git && sudo rm -f ../x ~/y && tar -xzf a.tgz -C /tmp/t\n"
        "RUN echo hi\n"
    )
    from dflint.layers import run_changes

    ctx, sts = states(text)
    for st in sts:
        if st.instruction.name != "RUN":
            continue
        script = ctx.script(st.instruction)
        made, gone = run_changes(script, st)
        assert _read(made) == _read(run_creations(script, st)) and _read(gone) == _read(run_removals(script, st))
    ctx, st = state_at(text, 4)
    made, gone = run_changes(ctx.script(st.instruction), st)
    assert [c.path for c in made] == ["/tmp/a.tgz", "/src/b", "/var/lib/apt/lists", "/root/.cache/pip"]
    assert [r.path for r in gone] == ["/tmp/a.tgz", "/opt/d", "/src/b/-x", "/root/.npm"]
    assert [r.clean_start for r in gone] == [False] * 4


def test_record_spans_are_the_offending_words():
    """Created/Removed work out their span when it is read: it is the token a finding points at."""
    text = (
        "FROM debian:12\n"
        "RUN curl -fsSL -o /tmp/a.tgz https://x/a.tgz && wget -O/tmp/b https://x/b"
        " && curl -O https://x/c.zip && apt-get update && rm -rf /tmp/x /var/lib/apt/lists/*\n"
    )
    ctx, st = state_at(text, 2)
    src = ctx.dockerfile.text
    made, gone = (run_creations(ctx.script(st.instruction), st), run_removals(ctx.script(st.instruction), st))
    assert [src[c.span.start : c.span.end] for c in made] == [
        "/tmp/a.tgz", "-O/tmp/b", "https://x/c.zip", "apt-get update"
    ]
    assert [src[r.span.start : r.span.end] for r in gone] == ["/tmp/x", "/var/lib/apt/lists/*"]
    assert all(isinstance(x.span, Span) for x in [*made, *gone])
    assert Created("/a", "x", "x", None, Span(1, 2)).span == Span(1, 2)  # type: ignore[arg-type]


def test_rm_operands_are_its_default_positional_words():
    from dflint.layers import _operands
    from dflint.shell import parse_script

    for text in ["rm -rf a b", "rm -- -a b", "rm - -f", "rm", "rm -rf", 'rm "" x', "rm -r --preserve-root=all x", "rmdir -p a/b"]:
        cmd = parse_script(text).commands[0]
        assert list(_operands(cmd)) == list(cmd.positional) == list(cmd.positional(())), text


def test_a_word_is_substituted_once_per_scope(monkeypatch):
    """Thousands of RUNs deleting the same ``$dir`` expand it once per scope (per ARG/ENV change)."""
    import dflint.layers as layers

    calls = []
    real = layers.expand
    monkeypatch.setattr(layers, "expand", lambda word, env: calls.append(word) or real(word, env))
    runs = "".join(f'RUN for d in /a /b; do touch "$d"; rm -rf "$d" "$D/{i % 3}"; done\n' for i in range(300))
    text = f"FROM debian:12\nENV D=/x\n{runs}ENV D=/y\n{runs}"
    ctx, sts = states(text)
    gone = [r.path for st in sts if st.instruction.name == "RUN" for r in run_removals(ctx.script(st.instruction), st)]
    assert gone[:2] == ["$d", "/x/0"] and gone[-1] == "/y/2"
    assert len(calls) == 8  # "$d" and three "$D/…" in each of the two scopes
