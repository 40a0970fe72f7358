"""Guards for the layer rules (DF202, DF203), the package-command parsing and the stage scope on
big files (issue #8): each counts the calls of the work that was repeated for every RUN or every
ARG/ENV before, so that it fails when that work comes back. No timings."""

from __future__ import annotations

from dflint.engine import Settings, lint
from dflint.parser import parse
from dflint.registry import Registry
from dflint.rule import Context
from dflint.source import SourceFile

#: RUNs of a big file that neither create nor delete anything DF202 follows, nor chown/chmod.
_QUIET = (
    "RUN groupadd -r grp{i} && useradd -r -g grp{i} -d /home/u{i} u{i}\n"
    "RUN if [ -f /etc/app{i}.conf ]; then sed -i 's/a/b/' /etc/app{i}.conf; fi\n"
    "RUN echo \"export PATH_{i}=$HOME/bin:$PATH\" >> /etc/profile\n"
    "RUN apt-get install -y --no-install-recommends jq=1.{i}\n"
    "RUN mkdir -p /var/cache{i} /var/log{i}\n"
)


def _lint(text: str, *codes: str):
    registry = Registry.load()
    rules = [registry.get(code)() for code in codes]
    return lint(SourceFile(text, "Dockerfile"), Settings(rules=rules), registry)


def test_run_changes_passes_over_a_mkdir_without_cd(monkeypatch):
    """What a ``mkdir`` makes only counts when a ``cd``/``pushd`` goes into it: `run_changes`
    passes over a RUN whose only command it reads is a ``mkdir`` (thousands in a big file)
    without walking its commands."""
    from dflint.layers import run_changes, stage_states
    from dflint.shell import Command

    runs = "".join(f"RUN mkdir -p /var/cache{i} /var/log{i} && chown 1000 /var/log{i}\n" for i in range(100))
    text = f"FROM debian:12\n{runs}RUN mkdir /src && cd /src && make\n"
    ctx = Context(parse(text))
    runs = [(st, ctx.script(st.instruction)) for st in stage_states(ctx, ctx.graph.stages[0])
            if st.instruction.name == "RUN"]
    for _, script in runs:
        script.names  # (made once per script, for every rule)
    calls = []
    real = Command.unwrapped
    monkeypatch.setattr(Command, "unwrapped", lambda self: calls.append(self) or real(self))
    changes = [run_changes(script, st) for st, script in runs]
    assert changes[:-1] == [([], [])] * 100
    assert [(c.path, c.kind) for c in changes[-1][0]] == [("/src", "build tree")]
    assert len(calls) == 3  # the commands of the last RUN


def test_df203_reads_only_the_runs_that_chown_or_chmod(monkeypatch):
    """DF203 looks at the scripts of the RUNs that run chown or chmod (the per-file index of
    commands says which), not at every RUN after a COPY; and at the options of a chown or
    chmod only when it has some (``-R`` is what it looks for)."""
    from dflint.hadolint_support import runs_calling

    from dflint.shell import Command

    quiet = "".join(_QUIET.format(i=i) + f"RUN chmod +x /usr/local/bin/tool{i}\n" for i in range(100))
    text = f"FROM node:20\nCOPY . /app\n{quiet}RUN chown -R node:node /app\n"
    ctx = Context(parse(text))
    runs_calling(ctx, "chown")  # (the index, which every rule that asks shares, built first)
    asked = []
    real = Context.script
    monkeypatch.setattr(Context, "script", lambda self, ins: asked.append(ins.line) or real(self, ins))
    scans = []
    real_scan = Command._scan_default
    monkeypatch.setattr(Command, "_scan_default", lambda self: scans.append(self) or real_scan(self))
    rule = Registry.load().get("DF203")()
    found = list(rule.check(ctx))
    assert len(found) == 1 and "chown -R node:node /app" in found[0].message
    # the chmod +x RUNs and the last one; a chmod without any option is not scanned for -R
    assert asked == [8 + 6 * i for i in range(100)] + [603]
    assert [c.name for c in scans] == ["chown"]


def test_plain_arg_and_env_words_are_not_lexed(monkeypatch):
    """The stage scope (`scope_view`, asked first by a layer rule) substitutes the words of
    each ARG/ENV; a word without a variable, a quote or an escape is its own value and does not
    go through the lexer. An ENV of one pair is not copied for its words to read."""
    import dflint.graph as graph

    calls = []
    real = graph.expand
    monkeypatch.setattr(graph, "expand", lambda word, *a, **k: calls.append(word) or real(word, *a, **k))
    envs = "".join(f"ENV APP_HOME=/opt/app{i} BUILD_{i % 10}=1.{i}\nARG V{i}=x{i}\nRUN true\n" for i in range(200))
    text = f"FROM debian:12\nARG BASE=/srv\n{envs}ENV LAST=$BASE/x Q=\"a b\"\nRUN true\n"
    ctx = Context(parse(text))
    graph_ = ctx.graph
    calls.clear()  # (the graph's own global ARGs and FROM lines)
    scope = graph_.scope_view(ctx.dockerfile.instructions[-1])
    assert scope["APP_HOME"] == "/opt/app199" and scope["V7"] == "x7" and scope["BUILD_9"] == "1.199"
    assert scope["LAST"] == "/srv/x" and scope["Q"] == "a b"
    assert sorted(calls) == ['"a b"', "$BASE/x"]


def test_package_commands_parse_each_command_once(monkeypatch):
    """Every rule that asks a RUN's package-manager commands shares one parse of them."""
    import dflint.packages as packages

    calls = []
    real = packages.parse_command
    monkeypatch.setattr(packages, "parse_command", lambda cmd: calls.append(cmd) or real(cmd))
    body = "".join(
        f"RUN apt-get update && apt-get install -y curl={i} && rm -rf /var/lib/apt/lists/*\n"
        f"RUN sudo pip install --no-cache-dir flask=={i} && echo done\n"
        f"RUN echo apt-get install x{i}\n"
        for i in range(50)
    )
    codes = ("DF202", "DL3008", "DL3009", "DL3013", "DL3042", "DF200")
    _lint(f"FROM debian:12\n{body}", *codes)
    assert len(calls) == 150  # apt-get twice, pip once per group of RUNs


def test_downloads_scan_curl_options_only_when_a_word_may_name_a_file(monkeypatch):
    """`run_changes` reads curl's options (``-o``, ``-O``, ``--output``, ``--remote-name``) from
    the option scan only when some word can hold one of them: ``curl -fsSL URL | sh`` (most
    curls) is passed over without a scan; likewise ``npm install`` without a ``--cache…`` word."""
    from dflint.layers import run_changes, stage_states
    from dflint.shell import Command

    pipes = "".join(f"RUN curl -fsSL https://example.com/i{i}.sh | sh && npm install -g x{i}\n" for i in range(50))
    text = (
        f"FROM debian:12\nWORKDIR /d\n{pipes}"
        "RUN curl -sSLo a.tgz https://example.com/a.tgz && curl --remote-name https://example.com/b.zip\n"
        "RUN curl -O https://example.com/c.jar --output-dir /opt && curl https://example.com/d --output /tmp/d\n"
        "RUN npm install --cache /tmp/npm y\n"
    )
    ctx = Context(parse(text))
    runs = [(st, ctx.script(st.instruction)) for st in stage_states(ctx, ctx.graph.stages[0])
            if st.instruction.name == "RUN"]
    scans = []
    real = Command._scan_default
    monkeypatch.setattr(Command, "_scan_default", lambda self: scans.append(self) or real(self))
    real_items = Command.flag_items
    monkeypatch.setattr(Command, "flag_items", lambda self, tv=None: scans.append(self) or real_items(self, tv))
    made = [[(c.path, c.what) for c in run_changes(script, st)[0]] for st, script in runs]
    assert made[:50] == [[("/root/.npm", "npm install")]] * 50
    assert made[50:] == [
        [("/d/a.tgz", "curl"), ("/d/b.zip", "curl -O")],
        [("/opt/c.jar", "curl -O"), ("/tmp/d", "curl")],
        [],
    ]
    last = {id(c) for _, script in runs[50:] for c in script.commands}
    assert scans and all(id(c) in last for c in scans)  # none of the first 50 RUNs' commands
