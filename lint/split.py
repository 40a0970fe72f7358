"""The rules of one big file, shared between this process and a forked one.

A directory run lints its files in parallel processes (`dflint.commands`); a run of one big file
(a generated Dockerfile of thousands of RUNs) would use one core. For it, the engine parses the
file and its shell code, then forks: both processes take rules from one queue (a pipe holding
each rule's index, read two bytes at a time: each read takes one index, atomically) until it is
empty; the child sends the violations of its rules back, pickled, and exits. The parent turns
every rule's violations into findings in the rules' order, as if it had run them all itself:
the findings, their order, the pragmas counted as used and the build-context reads recorded for
the cache are the same.

Only where `os.fork` is safe and cheap (Linux) and only for a file big enough to pay for the
fork. When the child fails (it raised, was killed, sent something unreadable), the parent runs
the rules it did not hear back about itself; a rule that raises in the child is run again in the
parent, so its DF000 names the real frame.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

    from dflint.rule import Context, Rule, Violation

def available() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork")


def run_rules(
    rules: list[Rule], ctx: Context, prepare: Callable[[], None]
) -> list[tuple[list[Violation], BaseException | None]]:
    """Each rule's violations (and the exception that ended its check, or None), in order,
    computed in this process and a forked one. `prepare` builds what both share (the parsed
    scripts) before the fork."""
    prepare()
    queue_r, queue_w = os.pipe()
    result_r, result_w = os.pipe()
    os.write(queue_w, b"".join(i.to_bytes(2, "little") for i in range(len(rules))))
    os.close(queue_w)
    pid = os.fork()
    if pid == 0:  # the child: its rules' violations to the parent, then out (no cleanup of the parent's)
        code = 1
        try:
            os.close(result_r)
            _child(rules, ctx, queue_r, result_w)
            code = 0
        finally:
            os._exit(code)
    os.close(result_w)
    from dflint.engine import check_rule as check

    outcomes: dict[int, tuple[list[Violation], BaseException | None]] = {}
    try:
        for i in _take(queue_r):
            outcomes[i] = check(rules[i], ctx)
        theirs = _receive(result_r)
    except BaseException:  # ^C, or a bug here: the child is not waited for
        import signal

        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(queue_r)
        os.close(result_r)
        _reap(pid)
    if theirs is not None:
        done, deps, consulted = theirs
        for i, violations in done:
            outcomes[i] = (violations, None)
        _merge_recorded(deps)
        if consulted:
            ctx.context_consulted = True
    for i, rule in enumerate(rules):  # the child's failures and crashes: run here
        if i not in outcomes:
            outcomes[i] = check(rule, ctx)
    return [outcomes[i] for i in range(len(rules))]


def _take(queue: int):
    while True:
        token = os.read(queue, 2)
        if len(token) < 2:
            return
        yield int.from_bytes(token, "little")


def _child(rules: list[Rule], ctx: Context, queue: int, out: int) -> None:
    import pickle

    from dflint import cache
    from dflint.engine import check_rule as check

    done = []
    for i in _take(queue):
        violations, exc = check(rules[i], ctx)
        if exc is None:  # (one that raised is run again in the parent)
            done.append((i, violations))
    recorder = cache.CURRENT
    deps = list(recorder.deps) if recorder is not None else []
    data = pickle.dumps((done, deps, ctx.context_consulted), pickle.HIGHEST_PROTOCOL)
    view = memoryview(data)
    while view:
        view = view[os.write(out, view):]
    os.close(out)


def _receive(fd: int):
    """What the child sent, or None when it sent nothing readable."""
    import pickle

    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - cut short (the child died): the parent runs its rules
        return None


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _merge_recorded(deps: list) -> None:
    from dflint import cache

    recorder = cache.CURRENT
    if recorder is not None:
        for dep in deps:
            recorder.deps[dep] = None
