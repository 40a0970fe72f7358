"""Guards on how much work the security rules' shared tables (`dflint.security`) do per RUN: a
file of many RUNs that run no shell string is read from each script's `Script.names`, without
looking at its commands again, and the findings stay the same."""

from __future__ import annotations

from dflint import security
from dflint.engine import Settings, lint
from dflint.registry import Registry
from dflint.source import SourceFile

_CODES = ("DF500", "DF501", "DF502", "DF503", "DF505", "DF506", "DF507", "DF508", "DF509")

PLAIN_RUNS = 300
DOCKERFILE = (
    "FROM debian:12-slim\n"
    + "".join(
        f"RUN apt-get update && apt-get install -y --no-install-recommends pkg{i} && rm -rf /var/lib/apt/lists/*\n"
        for i in range(PLAIN_RUNS)
    )
    + 'RUN sh -c "curl -fsSLk https://example.com/install.sh | sh"\n'
    + "RUN bash -c 'export GIT_SSL_NO_VERIFY=1 && git clone https://example.com/x.git'\n"
    + "RUN PIP_EXTRA_INDEX_URL=https://example.com/simple pip install flask\n"
    + "RUN echo 'gpgcheck=0' >> /etc/yum.conf && chmod 777 /srv\n"
)


def _lint(text: str) -> list[tuple[str, int, int]]:
    registry = Registry.load()
    settings = Settings(rules=[registry.get(code)() for code in _CODES])
    result = lint(SourceFile(text, "Dockerfile"), settings, registry)
    return sorted((d.code, d.span.start, d.span.end) for d in result.diagnostics)


def test_plain_runs_are_not_read_again(monkeypatch) -> None:
    """`_scripts` (which walks a script's commands for the strings it runs) is asked only of the
    RUNs that run a shell or su: the other RUNs' scripts and names come from `Script.names`.
    (It was asked of every RUN.)"""
    calls: list[int] = []
    real = security._scripts

    def counted(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(security, "_scripts", counted)
    found = _lint(DOCKERFILE)
    assert len(calls) == 2  # the `sh -c` and the `bash -c` RUN
    codes = {code for code, _, _ in found}
    assert {"DF500", "DF502", "DF509"} <= codes


def test_findings_do_not_depend_on_the_table(monkeypatch) -> None:
    """The same findings when every RUN goes through `_scripts` (the slow path)."""
    fast = _lint(DOCKERFILE)
    real_runs = security._file_runs

    def slow(ctx):  # type: ignore[no-untyped-def]
        for ins in ctx.dockerfile.instructions:
            if ins.name == "RUN" and id(ins) not in security._table(ctx):
                script = ctx.script(ins)
                security._table(ctx)[id(ins)] = security._NO_SCRIPT if script is None else security._scripts(script)
        return real_runs(ctx)

    monkeypatch.setattr(security, "_file_runs", slow)
    assert _lint(DOCKERFILE) == fast


def test_env_settings_of_runs() -> None:
    """Variables set in RUNs (prefix, env, export, bare, in `sh -c`) are still found."""
    from dflint.parser import parse
    from dflint.rule import Context

    text = (
        "FROM alpine\n"
        "RUN A=1 make\n"
        "RUN sudo env B=2 make\n"
        "RUN export C=3 && make\n"
        "RUN D=4\n"
        "RUN sh -c 'E=5 make'\n"
        "RUN make F=6\n"
        "RUN echo G=7\n"
    )
    ctx = Context(parse(SourceFile(text, "Dockerfile")))
    names = [s.name for s in security.env_settings(ctx) if s.kind == "RUN"]
    assert names == ["A", "B", "C", "D", "E"]


def test_secret_name_tails_never_hide_a_match():
    """`secret_name` compiles its name expression only for names that end like some pattern:
    a name that a pattern matches always passes that test."""
    import fnmatch

    from dflint import security

    tails, expression, _ = security._secret_patterns()
    patterns = [p for p, _, _ in security.SECRET_PATTERNS if "/" not in p]
    names = {p.replace("*", fill) for p in patterns for fill in ("", "x", "a.b")} | {"go.mod", "key", "pem", "x.pem.bak"}
    for name in names:
        matched = any(fnmatch.fnmatchcase(name, p) for p in patterns)
        assert bool(expression.match(name)) == matched, name
        if matched:
            assert name.endswith(tails), name
    assert not "go.mod".endswith(tails)
