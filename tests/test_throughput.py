"""Guards for linting huge Dockerfiles fast (issue #8): no quadratic work, the garbage collector
paused on a big file, no reference cycles in the shell layer's records.

These count operations (Python function calls, under cProfile) rather than time them: the
machine is shared and noisy. The speed itself is measured by ``benchmarks/profile_lint.py`` and
``benchmarks/compare_speed.py``."""

from __future__ import annotations

import cProfile
import gc
import pstats
import sys
from pathlib import Path

import pytest

from dflint.engine import GC_PAUSE_SIZE, Settings, lint
from dflint.parser import parse
from dflint.registry import Registry
from dflint.rule import Context
from dflint.source import SourceFile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402


@pytest.fixture(scope="module")
def settings() -> Settings:
    registry = Registry.load()
    settings = Settings([cls() for cls in registry.rules])
    # what the first lint of a process does once (imports, compiled patterns, tables) is not
    # counted below
    lint(SourceFile(generate.dockerfile(300), "Dockerfile"), settings)
    lint(SourceFile(generate.huge_heredoc(1_000), "Dockerfile"), settings)
    return settings


def _calls(text: str, settings: Settings) -> int:
    """Python function calls made linting `text` (every rule, no ShellCheck)."""
    source = SourceFile(text, "Dockerfile")
    prof = cProfile.Profile()
    prof.enable()
    lint(source, settings)
    prof.disable()
    return pstats.Stats(prof).total_calls  # type: ignore[attr-defined]


def _growth(sizes: tuple[int, int, int], make, settings: Settings) -> float:
    """How much more work the second doubling of the input adds than the first: 2 for linear
    work (measured: 2.05 for RUNs, 2.00 for heredoc lines); a pass over the whole file per
    instruction adds (n2² - n1²) - 2 (n1² - n0²) calls per call of the pass, 3 or more here."""
    c0, c1, c2 = (_calls(make(n), settings) for n in sizes)
    return (c2 - c1) / (c1 - c0)


def test_work_grows_linearly_with_the_runs(settings: Settings) -> None:
    growth = _growth((200, 400, 800), generate.dockerfile, settings)
    assert growth < 2.3, growth


def test_heredoc_work_grows_linearly_with_its_lines(settings: Settings) -> None:
    growth = _growth((1_000, 2_000, 4_000), generate.huge_heredoc, settings)
    assert growth < 2.3, growth


def _removals(n: int) -> str:
    """RUNs that install toolchain packages and download into /tmp, each followed by one that
    purges a package and deletes a download of an earlier RUN (DF200's later removals, DF202's
    live paths: both looked at every earlier one)."""
    return "FROM debian:12\n" + "".join(
        f"RUN apt-get install -y gcc libssl-dev lib{i}-dev && curl -o /tmp/f{i} https://x/{i} && mkdir -p /opt/d{i}\n"
        f"RUN apt-get purge -y lib{i // 2}-dev gcc && rm -rf /tmp/f{i // 2} /opt/d{i}\n"
        for i in range(n)
    ) + "RUN make\n"


def test_work_grows_linearly_with_removals_in_later_layers(settings: Settings) -> None:
    growth = _growth((100, 200, 400), _removals, settings)  # was 2.99 (and 37 s for 2,000 RUNs)
    assert growth < 2.3, growth


def test_a_big_file_is_linted_with_the_collector_paused(settings: Settings, monkeypatch) -> None:
    """The collector does not run while a big file is linted, and is on again after."""
    text = generate.dockerfile_of_size(GC_PAUSE_SIZE + 1000)
    assert len(text) >= GC_PAUSE_SIZE
    collections: list[int] = []

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(on_gc)
    old = gc.get_threshold()
    gc.set_threshold(100)  # would collect many times over while linting
    try:
        assert gc.isenabled()
        lint(SourceFile(text, "Dockerfile"), settings)
        assert gc.isenabled()
    finally:
        gc.set_threshold(*old)
        gc.callbacks.remove(on_gc)
    assert collections == []


def test_a_small_file_keeps_the_collector_on(settings: Settings) -> None:
    lint(SourceFile("FROM alpine:3.20\nRUN echo hi\n", "Dockerfile"), settings)
    assert gc.isenabled()


def test_commands_are_not_in_reference_cycles() -> None:
    """A script's records are freed by reference counting alone (the collector is paused while
    a big file is linted): asking a command what it runs, its flags or its positional
    arguments must not make it refer to itself."""
    text = (
        "FROM alpine:3.20\n"
        "RUN apt-get install -y curl && cd /src && make -j4 install && pip install --no-cache-dir x\n"
    )
    ctx = Context(parse(text))
    run = ctx.dockerfile.instructions[1]
    script = ctx.script(run)
    assert script is not None
    for cmd in script.commands:
        assert cmd.unwrapped() is cmd
        cmd.flag_items()
        cmd.positional
        cmd.subcommand
        script.find(cmd.basename)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        del script, ctx, run, cmd
        gc.collect()
        cyclic = [o for o in gc.garbage if type(o).__module__ == "dflint.shell"]
        gc.garbage.clear()
    finally:
        gc.set_debug(0)
        if was:
            gc.enable()
    assert cyclic == []


def test_find_answers_from_every_wrapped_name() -> None:
    """`Script.find` skips a script none of whose commands (nor what they wrap) has the name."""
    ctx = Context(parse("FROM alpine:3.20\nRUN sudo -E env A=1 apt-get install -y x && echo hi\n"))
    script = ctx.script(ctx.dockerfile.instructions[1])
    assert script is not None
    assert [c.basename for c in script.find("apt-get", "install")] == ["apt-get"]
    assert [c.basename for c in script.find("env")] == ["env"]
    assert script.find("curl") == [] and not script.calls(("curl", "wget"))


_SCRIPTS = [
    "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "a && b | c && d > out",
    "a && { b; c; } && d",
    "(a && b) && c",
    "a && b || c && d",
    "a & b && c",
    "a && b > $(mktemp) && c",
    "x=1 && y=2 a && b",
    "a&&b&&c",
    "export A=1 && env B=2 sudo pip install x && cd /src && make",
]


def _shape(script) -> tuple:
    index = {id(c): i for i, c in enumerate(script.commands)}
    return (
        [c.text for c in script.commands],
        [tuple(index[id(c)] for c in chain) for chain in script.and_chains],
        [tuple(index[id(c)] for c in p.commands) for p in script.pipelines],
    )


def test_and_chains_shortcut_matches_the_walk(monkeypatch) -> None:
    """`_Builder.finish` takes a list of operands joined by ``&&`` alone as one run without
    walking it; the walk gives the same chains (forced here: every text "may nest")."""
    from dflint import shell

    texts = [*_SCRIPTS]
    texts += [ins.args for ins in parse(generate.dockerfile(300)).instructions if ins.name == "RUN"]
    fast = [_shape(shell.parse_script(t)) for t in texts]
    monkeypatch.setattr(shell, "_may_nest", lambda *a, **k: True)
    slow = [_shape(shell.parse_script(t)) for t in texts]
    assert fast == slow


def _peak_bytes(text: str, settings: Settings) -> int:
    import tracemalloc

    source = SourceFile(text, "Dockerfile")
    tracemalloc.start()
    try:
        lint(source, settings)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_linearly_with_nested_substitutions(settings: Settings) -> None:
    """Each nested ``$(`` holds the text of all those inside it: keeping every level's value at
    once (as DF200's download search once did: 800 MB on 10,000 levels) is quadratic memory."""
    small = _peak_bytes(generate.nested_substitutions(1_000), settings)
    big = _peak_bytes(generate.nested_substitutions(4_000), settings)
    assert big < 6 * small, (small, big)  # linear: ~4x; quadratic: ~16x


def _parse_calls(text: str) -> int:
    from dflint.shell import parse_script

    prof = cProfile.Profile()
    prof.enable()
    parse_script(text)
    prof.disable()
    return pstats.Stats(prof).total_calls  # type: ignore[attr-defined]


def test_a_long_plain_chain_is_split_in_linear_work() -> None:
    """Plain words joined by ``&&`` are split without tree-sitter (`_Builder.plain_chain`): one
    pass over the operands, however many there are."""
    chain = lambda n: " && ".join(f"cmd{i} --flag value{i}" for i in range(n))  # noqa: E731
    c0, c1, c2 = (_parse_calls(chain(n)) for n in (2_000, 4_000, 8_000))
    growth = (c2 - c1) / (c1 - c0)
    assert growth < 2.3, growth
