"""What the security rules (DF500-DF599) share: which commands download, which run what they read
as code, which environment variables a Dockerfile sets (ENV, ARG, and inline in RUN), which
configuration files a RUN writes and with what, secret file names, and file modes.

Everything is read from parsed commands and arguments (`dflint.shell`), never from regular
expressions over RUN text: ``echo "curl -k x"`` downloads nothing. The one place where lines are
matched is the *content* a command writes into a known configuration file (``echo 'gpgcheck=0' >>
/etc/yum.conf``): that content is data for another program, which reads it line by line.

Quick reference::

    for ins in shipped_instructions(ctx): …          # what ends up in the image that is built
    for script in scripts(ctx, instruction):         # the RUN and the `sh -c "…"` strings in it
        for cmd in script.commands: …
    for setting in env_settings(ctx):                # ENV/ARG defaults and RUN `NAME=value`
        setting.name, setting.value, setting.span
    for write in config_writes(ctx, instruction):    # echo … >> /etc/yum.conf, COPY <<EOF /etc/…
        write.path, write.lines, write.span
    is_download(cmd), downloads_to_stdout(cmd), runs_stdin(cmd)
    secret_name(path) -> SecretMatch | None; context_secrets(ctx, source) -> list[str] | None
    parse_mode("1777") -> Mode(world_writable=True, sticky=True)
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
from operator import attrgetter

from dflint.buildkit_checks import is_plain, key_values
from dflint.fix import Edit, Fix
from dflint.shell import POSIX_SHELLS, Arg, Command, Script, parse_script
from dflint.source import LazyPattern, Span, TupleRecord, field
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, Iterator

    from dflint.rule import Context
    from dflint.syntax import Instruction

__all__ = [
    "ConfigWrite",
    "Mode",
    "SecretMatch",
    "Setting",
    "command_names",
    "config_writes",
    "context_secrets",
    "download_url",
    "downloads_to_stdout",
    "drop_flag_fix",
    "env_settings",
    "file_config_writes",
    "is_download",
    "parse_mode",
    "runs",
    "runs_stdin",
    "scripts",
    "secret_name",
    "shipped_instructions",
    "value_arg",
]

# ---------------------------------------------------------------------------------------------
# the instructions that ship


def shipped_instructions(ctx: Context) -> Iterator[Instruction]:
    """The instructions of the stages whose content ships (the target and the stages it is built
    ``FROM``), stage by stage in file order; nothing when the file has no target stage."""
    graph = ctx.graph
    if graph.target is None:
        return
    for index in sorted(graph.shipped):
        yield from graph.stages[index].instructions


# ---------------------------------------------------------------------------------------------
# scripts: the RUN and the shell strings it runs


_NESTED_DEPTH = 3


def scripts(ctx: Context, instruction: Instruction) -> list[Script]:
    """The RUN's script (see `Context.script`) followed by the scripts it runs as strings:
    ``sh -c "curl … | sh"``, ``bash -c '…'``, ``su nobody -s /bin/sh -c "…"`` (nested up to three
    levels). Positions inside a nested string map to the file when the string has no escapes in
    it; otherwise every position maps to the string's first character (findings still point at
    the right argument, fixes are not offered there: see `drop_flag_fix`)."""
    return _run(ctx, instruction)[0]


def command_names(ctx: Context, instruction: Instruction) -> frozenset[str]:
    """The basenames of the commands of every script of the RUN (see `scripts`), and of the
    wrappers around them (``sudo apt-get`` counts as ``sudo`` and ``apt-get``: `Script.names`):
    a rule looking for a few tools skips a RUN that runs none of them without looking at its
    commands (most RUNs)."""
    return _run(ctx, instruction)[1]


def runs(ctx: Context, tools: frozenset[str], prefix: str | None = None) -> list[tuple[Instruction, list[Script]]]:
    """The RUN instructions of the file, in order, that run one of `tools` (or a command whose
    name starts with `prefix`) in one of their scripts, each with its scripts (see `scripts`
    and `command_names`): what a rule looking for a few tools needs to look at. (`tools` are
    names of commands, not of wrappers: a RUN that runs ``sudo`` only as a wrapper would be
    found by ``{"sudo"}``.)"""
    every, names = _file_runs(ctx)
    wanted = frozenset(n for n in names if n in tools or (prefix is not None and n.startswith(prefix)))
    if not wanted:
        return []
    return [(ins, found) for ins, found, here in every if not here.isdisjoint(wanted)]


def _file_runs(ctx: Context) -> tuple[list[tuple[Instruction, list[Script], frozenset[str]]], frozenset[str]]:
    """Every RUN of the file that has a script, with its scripts and their command names (see
    `_run`), and all those names. Computed once per file."""
    found = ctx.memo.get(_file_runs)
    if found is None:
        table = _table(ctx)
        every = []
        script_of = ctx.script
        for ins in ctx.dockerfile.instructions:
            if ins.name != "RUN":
                continue
            entry = table.get(id(ins))
            if entry is None:
                script = script_of(ins)
                if script is None:
                    entry = _NO_SCRIPT
                elif script.names.isdisjoint(_RUNS_STRINGS):
                    entry = ([script], script.names)  # (most RUNs: no string run as a script)
                else:
                    entry = _scripts(script)
                table[id(ins)] = entry
            if entry[0]:
                every.append((ins, entry[0], entry[1]))
        names = frozenset().union(*[here for _, _, here in every])
        found = ctx.memo[_file_runs] = (every, names)
    return found  # type: ignore[return-value]


def _table(ctx: Context) -> dict[int, tuple[list[Script], frozenset[str]]]:
    """id(RUN) → its scripts and their command names (see `_run`), as far as computed."""
    table = ctx.memo.get(scripts)
    if table is None:
        table = ctx.memo[scripts] = {}
    return table  # type: ignore[return-value]


_NO_SCRIPT: tuple[list[Script], frozenset[str]] = ([], frozenset())


def _run(ctx: Context, instruction: Instruction) -> tuple[list[Script], frozenset[str]]:
    """The scripts of the RUN (see `scripts`) and the names of their commands and wrappers (see
    `command_names`): computed once per RUN."""
    table = _table(ctx)
    found = table.get(id(instruction))
    if found is None:
        script = ctx.script(instruction)
        found = table[id(instruction)] = _NO_SCRIPT if script is None else _scripts(script)
    return found


#: The commands that run a string as a script (see `_command_string`).
_RUNS_STRINGS = POSIX_SHELLS | {"su", "runuser"}


def _scripts(script: Script) -> tuple[list[Script], frozenset[str]]:
    out = [script]
    names = set(script.names)
    todo = [(script, 0)]
    while todo:
        current, depth = todo.pop()
        here = current.names
        names |= here
        if depth >= _NESTED_DEPTH or here.isdisjoint(_RUNS_STRINGS):
            continue
        for cmd in current.commands:
            arg = _command_string(cmd.unwrapped())
            if arg is None:
                continue
            nested = parse_script(arg.value, _string_to_file(arg), ("/bin/sh", "-c"))
            out.append(nested)
            todo.append((nested, depth + 1))
    return out, frozenset(names)


def _command_string(cmd: Command) -> Arg | None:
    """The static shell string that `cmd` runs: the argument of ``sh -c``, ``su … -c``."""
    name = cmd.basename
    if name in POSIX_SHELLS:
        args = cmd.args
        i = 0
        while i < len(args):
            v = args[i].value
            if v == "--" or not v.startswith(("-", "+")):
                return None
            if v in _SHELL_VALUE_FLAGS:
                i += 2
                continue
            if not v.startswith("--") and "c" in v[1:]:
                nxt = args[i + 1] if i + 1 < len(args) else None
                return nxt if nxt is not None and nxt.static else None
            i += 1
        return None
    if name in ("su", "runuser"):
        args = cmd.args
        for i, arg in enumerate(args):
            if arg.value in ("-c", "--command") and i + 1 < len(args):
                return args[i + 1] if args[i + 1].static else None
            if arg.value.startswith("--command="):
                return None  # no span for the part after `=`; rare
        return None
    return None


def _string_to_file(arg: Arg):  # type: ignore[no-untyped-def]
    raw, value = arg.raw, arg.value
    start = arg.span.start
    piece = getattr(arg, "_piece", None)
    pstart = getattr(arg, "_start", -1)
    offset: int | None = None
    if raw == value:
        offset = 0
    elif len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and raw[1:-1] == value:
        offset = 1
    if offset is None:
        return lambda i: start
    if piece is not None and pstart >= 0:
        to_file = piece.to_file
        n = len(value)
        return lambda i: to_file(pstart + offset + min(max(i, 0), max(n - 1, 0)))
    return lambda i: start + offset + i


# ---------------------------------------------------------------------------------------------
# downloads and interpreters


_CURL_OUTPUT = frozenset({"-o", "--output", "-O", "--remote-name", "--remote-name-all", "-J", "--output-dir"})
_STDOUT = frozenset({"-", "/dev/stdout", "/proc/self/fd/1", "/dev/fd/1"})
_STDIN = frozenset({"-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"})


def is_download(cmd: Command) -> bool:
    """Whether `cmd` (unwrapped) is curl or wget with something to fetch."""
    name = cmd.basename
    if name not in ("curl", "wget"):
        return False
    return bool(cmd.positional) or cmd.option("--url") is not None


def download_url(cmd: Command) -> str | None:
    """The first URL-looking positional argument of a curl/wget command (as written)."""
    candidates = [a.value for a in cmd.positional]
    url = cmd.option("--url") if cmd.basename == "curl" else None
    if url:
        candidates.insert(0, url)
    for value in candidates:
        if "://" in value or value.startswith("$"):
            return value
    return candidates[0] if candidates else None


def downloads_to_stdout(cmd: Command) -> bool:
    """Whether a curl/wget command writes what it fetches to standard output: curl without
    ``-o``/``-O`` (or with ``-o -``), wget with ``-O -`` (``-qO-``, ``--output-document=-``)."""
    if not is_download(cmd):
        return False
    if cmd.basename == "curl":
        for flag, value, _ in cmd.flag_items():
            if flag in ("-o", "--output"):
                if value not in _STDOUT:
                    return False
            elif flag in _CURL_OUTPUT:
                return False
        return True
    values = cmd.option_values("-O", "--output-document")
    return bool(values) and values[-1] in _STDOUT


_PYTHON = LazyPattern(r"python[0-9.]*\Z")
_SHELL_VALUE_FLAGS = frozenset({"-o", "-O", "+o", "+O", "--rcfile", "--init-file"})


def runs_stdin(cmd: Command) -> bool:
    """Whether `cmd` (unwrapped) runs what it reads on standard input as code: a shell or a
    script interpreter without a script file (``sh``, ``bash -``, ``sh -s -- -y``,
    ``bash /dev/stdin``, ``python3 -``, ``perl -``)."""
    name = cmd.basename
    if name in POSIX_SHELLS:
        code_flags, value_flags, stdin_flag = "c", _SHELL_VALUE_FLAGS, "s"
    elif _PYTHON.match(name) or name in ("perl", "ruby", "node", "nodejs", "php", "pwsh"):
        code_flags = "cemEr" if name != "pwsh" else ""
        value_flags = frozenset({"-W", "-X", "-I", "-M", "-r"}) if name != "pwsh" else frozenset()
        stdin_flag = ""
    else:
        return False
    args = cmd.args
    i = 0
    while i < len(args):
        v = args[i].value
        if v == "--":
            rest = args[i + 1 :]
            # php: `php -- args` passes args to the script it reads from stdin
            return not rest or rest[0].value in _STDIN or name == "php"
        if v in _STDIN:
            return True
        if v.startswith(("-", "+")) and len(v) > 1:
            if v in value_flags:
                i += 2
                continue
            if v.startswith("--"):
                if name == "pwsh" and v.lower() in ("--command", "--file"):
                    return False
                i += 1
                continue
            letters = v[1:]
            if code_flags and any(c in code_flags for c in letters):
                return False  # -c CODE, -e CODE, -m module: the code is not stdin
            if stdin_flag and stdin_flag in letters:
                return True
            i += 1
            continue
        return False  # a script file
    return True


def value_arg(cmd: Command, arg: Arg) -> Arg:
    """The argument holding the value of the flag in `arg` (from `Command.flag_items`): the next
    argument when the flag stands alone (``-o X``, ``--setopt X``), else `arg` itself."""
    args = cmd.args
    for i, a in enumerate(args):
        if a is arg and re.fullmatch(r"-[A-Za-z]|--[A-Za-z][\w-]*", a.value) and i + 1 < len(args):
            return args[i + 1]
    return arg


def substitutions_in(script: Script, arg: Arg) -> list[Command]:
    """Commands of `script` that run inside a ``$(…)``/``<(…)`` written in `arg`."""
    return [
        c
        for c in script.commands
        if c.substitution and arg.span.start <= c.span.start and c.span.end <= arg.span.end
    ]


# ---------------------------------------------------------------------------------------------
# environment variables


class Setting(TupleRecord):
    """An environment variable a Dockerfile sets: ``ENV``, ``ARG`` with a default (build
    arguments are environment variables in RUN), or ``NAME=value`` in a RUN (a command prefix,
    ``env NAME=value``, ``export NAME=value``, or a bare assignment). `value` is unquoted and
    expanded where known, else None."""

    __slots__ = ()
    _fields = ("name", "value", "span", "instruction", "kind")

    name: str = field(0)  # type: ignore[assignment]
    value: str | None = field(1)  # type: ignore[assignment]
    span: Span = field(2)  # type: ignore[assignment]
    instruction: Instruction = field(3)  # type: ignore[assignment]
    kind: str = field(4)  # type: ignore[assignment]  # "ENV", "ARG" or "RUN"

    def __new__(cls, name: str, value: str | None, span: Span, instruction: Instruction, kind: str) -> Setting:
        return tuple.__new__(cls, (name, value, span, instruction, kind))


def env_settings(ctx: Context) -> Iterator[Setting]:
    """Every environment variable the file sets, in file order (see `Setting`). Computed once
    per file."""
    memo = ctx.memo
    found = memo.get(env_settings)
    if found is None:
        found = memo[env_settings] = list(_env_settings(ctx))
    return iter(found)  # type: ignore[call-overload]


def _env_settings(ctx: Context) -> Iterator[Setting]:
    escape = ctx.dockerfile.escape or "\\"
    _file_runs(ctx)  # (every RUN's scripts and names, in `_table`)
    table = _table(ctx)
    for ins in ctx.dockerfile.instructions:
        if ins.name == "RUN":
            found, names = table[id(ins)]
            if found and _sets_variables(found, names):
                for script in found:
                    yield from _run_settings(script, ins)
        elif ins.name in ("ENV", "ARG"):
            scope: dict[str, str] | None = None
            for item in key_values(ins.args, ins.name, escape):
                if item.error is not None or item.value is None:
                    continue
                name = item.key if is_plain(item.key, escape) else expand(item.key, {}, escape, keep_unset=True).value
                if is_plain(item.value, escape):
                    value: str | None = item.value  # nothing to substitute or unquote
                else:
                    if scope is None:
                        try:
                            scope = ctx.graph.scope_at(ins)
                        except Exception:  # pragma: no cover - a graph problem must not hide the rest
                            scope = {}
                    exp = expand(item.value, scope, escape)
                    value = exp.value if exp.resolved else None
                yield Setting(name, value, ins.args_subspan(item.start, item.end), ins, ins.name)


_EXPORTS = frozenset(("export", "declare", "typeset"))


def _sets_variables(found: list[Script], names: frozenset[str]) -> bool:
    """Whether `_run_settings` may find something in the scripts of a RUN (most set no
    variable): an ``export``, ``declare`` or ``typeset``, or an assignment — alone, before a
    command (the unwrapped command has it too) or given to ``env``."""
    if not names.isdisjoint(_EXPORTS):
        return True
    for script in found:
        if script.assignments or "env" in script.names or any(map(_ASSIGNMENTS, script.commands)):
            return True
    return False


_ASSIGNMENTS = attrgetter("assignments")


def _run_settings(script: Script, ins: Instruction) -> Iterator[Setting]:
    seen: set[tuple[int, int]] = set()

    def make(name: str, value: str, static: bool, span: Span) -> Setting | None:
        key = (span.start, span.end)
        if key in seen:
            return None
        seen.add(key)
        return Setting(name, value if static else None, span, ins, "RUN")

    for a in script.assignments:
        s = make(a.name, a.value, a.static, a.span)
        if s:
            yield s
    for cmd in script.commands:
        inner = cmd.unwrapped()
        for a in inner.assignments:
            s = make(a.name, a.value, a.static, a.span)
            if s:
                yield s
        if inner.basename == "export" or (inner.basename in ("declare", "typeset") and "-x" in inner.flags):
            for arg in inner.args:
                name, eq, value = arg.value.partition("=")
                if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    s = make(name, value, arg.static, arg.span)
                    if s:
                        yield s


# ---------------------------------------------------------------------------------------------
# configuration files written by RUN (or COPY <<EOF)


class ConfigWrite(TupleRecord):
    """Content written into a file: `path` as written (variables kept), `lines` the text."""

    __slots__ = ()
    _fields = ("path", "lines", "span", "instruction")

    path: str = field(0)  # type: ignore[assignment]
    lines: tuple[str, ...] = field(1)  # type: ignore[assignment]
    span: Span = field(2)  # type: ignore[assignment]  # the argument that holds the content (or the heredoc body)
    instruction: Instruction = field(3)  # type: ignore[assignment]

    def __new__(cls, path: str, lines: tuple[str, ...], span: Span, instruction: Instruction) -> ConfigWrite:
        return tuple.__new__(cls, (path, lines, span, instruction))


_WRITERS = frozenset({"echo", "printf"})
_FILE_WRITERS = frozenset({"cat", "tee", "sed"})  # with a heredoc; sed -i
_ANY_WRITER = _WRITERS | _FILE_WRITERS


def config_writes(ctx: Context, instruction: Instruction) -> Iterator[ConfigWrite]:
    """What a RUN writes into files with ``echo``/``printf`` (redirected, or piped to ``tee``),
    ``cat``/``tee`` with a heredoc, or ``sed -i 's/…/NEW/'`` (NEW counts as the content), and what
    a ``COPY <<EOF /path`` writes. Computed once per instruction."""
    table = ctx.memo.get(config_writes)  # id(instruction) → what it writes
    if table is None:
        table = ctx.memo[config_writes] = {}
    found = table.get(id(instruction))  # type: ignore[attr-defined]
    if found is None:
        found = table[id(instruction)] = list(_config_writes(ctx, instruction))  # type: ignore[index]
    return iter(found)


def file_config_writes(ctx: Context) -> dict[int, list[ConfigWrite]]:
    """What the RUN and COPY instructions of the file write (see `config_writes`), by
    ``id(instruction)``; only those that write something are there."""
    found = ctx.memo.get(file_config_writes)
    if found is None:
        found = ctx.memo[file_config_writes] = {}
        # (`_config_writes` finds nothing in a RUN that runs none of the writers: most RUNs)
        writers = {id(ins) for ins, _ in runs(ctx, _ANY_WRITER)}
        for ins in ctx.dockerfile.instructions:
            if ins.name == "COPY" and ins.heredocs or id(ins) in writers:
                writes = list(config_writes(ctx, ins))
                if writes:
                    found[id(ins)] = writes  # type: ignore[index]
    return found  # type: ignore[return-value]


def _config_writes(ctx: Context, instruction: Instruction) -> Iterator[ConfigWrite]:
    if instruction.name == "COPY" and instruction.heredocs:
        words = instruction.words
        if words:
            dest = words[-1].value.strip("\"'")
            for doc in instruction.heredocs:
                target = dest
                if dest.endswith("/"):
                    target = dest + doc.name
                yield ConfigWrite(target, tuple(doc.content.splitlines()), doc.body_span, instruction)
        return
    if instruction.name != "RUN" or command_names(ctx, instruction).isdisjoint(_ANY_WRITER):
        return  # (what follows only looks at these commands)
    for script in scripts(ctx, instruction):
        if script.names.isdisjoint(_ANY_WRITER):
            continue  # (a nested script that writes nothing, or the RUN around one)
        piped = _piped_to_tee(script) if "tee" in script.names else {}
        for cmd in script.commands:
            u = cmd.unwrapped()
            name = u.basename
            if name not in _WRITERS and name not in _FILE_WRITERS:
                continue
            outputs = [r.target.value for r in cmd.redirects if r.op in (">", ">>", ">|", "&>", "&>>") and r.target is not None]
            if name in _WRITERS:
                targets = outputs + piped.get(id(cmd), [])
                if not targets:
                    continue
                args = list(u.args)
                if name == "echo":
                    while args and _ECHO_FLAGS.fullmatch(args[0].value):
                        args.pop(0)
                if not args:
                    continue
                text = " ".join(a.value for a in args)
                lines = tuple(_LINE_BREAK.split(text))
                span = Span(args[0].span.start, args[-1].span.end)
                for t in targets:
                    yield ConfigWrite(t, lines, span, instruction)
            elif name in ("cat", "tee"):
                docs = [r for r in cmd.redirects if r.heredoc is not None]
                if not docs:
                    continue
                targets = outputs + ([a.value for a in u.positional(())] if name == "tee" else [])
                for r in docs:
                    assert r.heredoc is not None
                    for t in targets:
                        yield ConfigWrite(t, tuple(r.heredoc.content.splitlines()), r.heredoc.body_span, instruction)
            elif name == "sed":
                yield from _sed_writes(u, instruction)


def _piped_to_tee(script: Script) -> dict[int, list[str]]:
    """id(command) → the files a ``tee`` it is piped into writes (``echo x | tee -a FILE``)."""
    piped: dict[int, list[str]] = {}
    for pipe in script.pipelines:
        for j in range(1, len(pipe.stages)):
            for cmd in pipe.stages[j]:
                u = cmd.unwrapped()
                if u.basename == "tee":
                    for prev in pipe.stages[j - 1]:
                        piped.setdefault(id(prev), []).extend(a.value for a in u.positional(()))
    return piped


_ECHO_FLAGS = LazyPattern(r"-[neE]+")
#: Where `echo`/`printf` content breaks lines: a newline, or ``\n`` written out.
_LINE_BREAK = LazyPattern(r"\\n|\n")
_SED_SUBSTITUTE = LazyPattern(r"(?:^|[;\s}])s(.)")
_SED_TEXT = LazyPattern(r"(?:^|[/$0-9]\s*)[aic]\\?\s*(.+)$")


def _sed_writes(cmd: Command, instruction: Instruction) -> Iterator[ConfigWrite]:
    values = [a.value for a in cmd.args]
    if not any(v == "-i" or v.startswith("-i") or v.startswith("--in-place") for v in values if v.startswith("-")):
        return
    exprs: list[Arg] = []
    files: list[str] = []
    args = cmd.args
    i = 0
    explicit = False
    while i < len(args):
        v = args[i].value
        if v in ("-e", "--expression") and i + 1 < len(args):
            exprs.append(args[i + 1])
            explicit = True
            i += 2
            continue
        if v in ("-f", "--file") and i + 1 < len(args):
            i += 2
            continue
        if v.startswith("-") and len(v) > 1:
            i += 1
            continue
        if not explicit and not exprs:
            exprs.append(args[i])
        else:
            files.append(v)
        i += 1
    for expr in exprs:
        new = _sed_replacement(expr.value)
        if new is None:
            continue
        for f in files:
            yield ConfigWrite(f, (new,), expr.span, instruction)


def _sed_replacement(expr: str) -> str | None:
    """The replacement of ``s/OLD/NEW/flags`` (any delimiter), or the text of ``a``/``i`` commands."""
    m = _SED_SUBSTITUTE.search(expr)
    if m:
        d = m.group(1)
        parts = re.split(r"(?<!\\)" + re.escape(d), expr[m.end() :])
        if len(parts) >= 2:
            return parts[1].replace("\\" + d, d).replace("\\n", "\n")
    m = _SED_TEXT.search(expr)
    if m:
        return m.group(1)
    return None


def path_matches(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether `path` (as written) matches one of `patterns`: a pattern with ``/`` is matched
    against the end of the path, one without against its last component."""
    p = path.strip("\"'").replace("\\", "/")
    base = posixpath.basename(p.rstrip("/"))
    on_path, on_name = _path_patterns(tuple(patterns))
    return bool(on_path is not None and on_path.match(p) or on_name is not None and on_name.match(base))


@functools.lru_cache(maxsize=256)
def _path_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """`path_matches`'s patterns as two regular expressions (as `fnmatch.fnmatchcase` reads
    each): for the whole path (a pattern with ``/``, also after any folder) and for its last
    component (None: no such pattern)."""
    on_path = [
        fnmatch.translate(form)
        for pat in patterns if "/" in pat
        for form in (pat, "*/" + pat.lstrip("/"), "*" + pat)
    ]
    on_name = [fnmatch.translate(pat) for pat in patterns if "/" not in pat]
    return (
        re.compile("|".join(on_path)) if on_path else None,
        re.compile("|".join(on_name)) if on_name else None,
    )


def args_mention(cmd: Command, needles: Iterable[str]) -> bool:
    """Whether one of `needles` (lower case) occurs in `cmd`'s arguments, in any case: a cheap
    test that passes most commands over before their options are parsed."""
    text = "\0".join([a.value for a in cmd.args]).lower()
    for needle in needles:  # (a loop: no generator made for each of thousands of commands)
        if needle in text:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# fixes that drop a flag


def drop_flag_fix(ctx: Context, arg: Arg, flag: str, title: str) -> Fix | None:
    """An unsafe fix that removes `flag` from the command: the whole word when `arg` is the flag
    (``--insecure``, ``-k``), or one letter from a cluster of short flags (``-fsSLk`` →
    ``-fsSL``). None when the argument is not written as is in the file (quoted, nested)."""
    text = ctx.dockerfile.text
    s, e = arg.span.start, arg.span.end
    if text[s:e] != arg.raw or arg.raw != arg.value:
        return None
    raw = arg.raw
    if raw == flag or raw.startswith(flag + "="):
        return Fix.unsafe(title, _delete_word(text, s, e))
    if len(flag) == 2 and raw.startswith("-") and not raw.startswith("--") and raw.count(flag[1]) == 1:
        k = raw.index(flag[1])
        return Fix.unsafe(title, Edit.delete(s + k, s + k + 1))
    return None


def _delete_word(text: str, s: int, e: int) -> Edit:
    i = s
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    j = e
    while j < len(text) and text[j] in " \t":
        j += 1
    line_start = i == 0 or text[i - 1] == "\n"
    if line_start and text[j : j + 2] in ("\\\n", "\\\r"):
        # the word alone on a continued line: drop the whole line
        end = text.index("\n", j) + 1
        return Edit.delete(i, end)
    if i < s and not line_start:
        return Edit.delete(i, e)
    return Edit.delete(s, j)


# ---------------------------------------------------------------------------------------------
# secret files


class SecretMatch(TupleRecord):
    """A path whose name says it holds a secret. `strong`: the name alone is enough (``id_rsa``);
    otherwise (``*.pem``, ``*.key``, ``.npmrc``) the content decides when it can be read."""

    __slots__ = ()
    _fields = ("path", "what", "strong")

    path: str = field(0)  # type: ignore[assignment]
    what: str = field(1)  # type: ignore[assignment]
    strong: bool = field(2)  # type: ignore[assignment]

    def __new__(cls, path: str, what: str, strong: bool) -> SecretMatch:
        return tuple.__new__(cls, (path, what, strong))


#: (pattern on the last path component, or a path suffix with ``/``), what it is, strong.
SECRET_PATTERNS: tuple[tuple[str, str, bool], ...] = (
    ("id_rsa", "an SSH private key", True),
    ("id_dsa", "an SSH private key", True),
    ("id_ecdsa", "an SSH private key", True),
    ("id_ecdsa_sk", "an SSH private key", True),
    ("id_ed25519", "an SSH private key", True),
    ("id_ed25519_sk", "an SSH private key", True),
    ("*.ppk", "a PuTTY private key", True),
    ("*.p12", "a PKCS#12 key store", True),
    ("*.pfx", "a PKCS#12 key store", True),
    (".git-credentials", "Git credentials", True),
    (".netrc", "login credentials", True),
    ("_netrc", "login credentials", True),
    (".pypirc", "PyPI credentials", True),
    (".pgpass", "PostgreSQL passwords", True),
    (".vault-token", "a Vault token", True),
    (".aws/credentials", "AWS credentials", True),
    (".docker/config.json", "a Docker client configuration, where registry credentials live", False),
    (".kube/config", "Kubernetes credentials", True),
    (".env", "an environment file", True),
    (".env.local", "a local environment file", True),
    (".env.*.local", "a local environment file", True),
    ("*.pem", "a PEM file, maybe a private key", False),
    ("*.key", "a key file", False),
    (".npmrc", "npm configuration, often with a registry token", False),
)

#: What a weakly named file is once its content confirmed the secret.
_CONFIRMED = {".npmrc": "npm configuration with a registry token", "config.json": "Docker registry credentials"}

#: Files that live in an SSH folder and are not secret.
_SSH_PUBLIC = ("known_hosts", "known_hosts.old", "config", "authorized_keys", "authorized_keys2", "*.pub", "environment", "rc")
#: Name parts of certificates and public keys (``ca.pem``, ``fullchain.pem``, ``nginx_signing.key``).
_PUBLIC_TOKENS = frozenset(
    "ca cacert cacerts cert certs certificate certificates chain fullchain bundle root roots trust "
    "trusted truststore pub public signing release gpg pgp apt repo archive keyring dhparam dhparams "
    "rds global intermediate".split()
)
_PRIVATE_TOKENS = frozenset("key privkey priv private secret".split())
#: Folders whose files are public certificates or package-signing keys.
_PUBLIC_DIRS = (
    "/usr/local/share/ca-certificates", "/usr/share/ca-certificates", "/etc/ssl/certs",
    "/etc/pki/ca-trust", "/etc/pki/rpm-gpg", "/etc/pki/tls/certs", "/etc/apt/trusted.gpg.d",
    "/etc/apt/keyrings", "/usr/share/keyrings", "/etc/apk/keys", "/etc/ca-certificates",
)  # fmt: skip


def secret_name(path: str, dest_dir: str | None = None) -> SecretMatch | None:
    """Whether `path` (a COPY source or destination, as written) names a secret file, by its
    name. `dest_dir`: where the file lands, when known (a public key folder clears it)."""
    p = path.strip("\"'").replace("\\", "/").rstrip("/")
    if not p or "://" in p:
        return None
    base = posixpath.basename(p)
    if base.endswith(".pub") or base in (".env.example", ".env.sample", ".env.template", ".env.dist"):
        return None
    tails, name_patterns, path_patterns = _secret_patterns()
    # no name pattern matches (most paths): only the path patterns can, in their order
    named = base.endswith(tails) and name_patterns.compiled.match(base)
    for pattern, what, strong in SECRET_PATTERNS if named else path_patterns:
        if "/" in pattern:
            if p == pattern or p.endswith("/" + pattern):
                return SecretMatch(p, what, strong)
            continue
        if fnmatch.fnmatchcase(base, pattern):
            if not strong:
                if any(_under(d, pub) for d in (dest_dir, p) if d for pub in _PUBLIC_DIRS):
                    return None
                if pattern in ("*.pem", "*.key") and _looks_public(base):
                    return None
            return SecretMatch(p, what, strong)
    if base == ".ssh":
        return SecretMatch(p, "an SSH folder", True)
    parent = posixpath.basename(posixpath.dirname(p))
    if parent == ".ssh" and not any(fnmatch.fnmatchcase(base, pat) for pat in _SSH_PUBLIC):
        return SecretMatch(p, "a file in an SSH folder, likely a private key", True)
    return None


@functools.cache
def _secret_patterns() -> tuple[tuple[str, ...], LazyPattern, tuple[tuple[str, str, bool], ...]]:
    """The `SECRET_PATTERNS` matched against the last path component: what a name must end with
    to match one (the text after each pattern's last ``*``; most names end with none, and are
    told without compiling the expression), and them as one regular expression (as
    `fnmatch.fnmatchcase` reads each); then the patterns matched against the end of the path."""
    names = [pattern for pattern, _, _ in SECRET_PATTERNS if "/" not in pattern]
    tails = tuple("" if "?" in p or "[" in p else p.rsplit("*", 1)[-1] for p in names)
    expression = LazyPattern("|".join(fnmatch.translate(pattern) for pattern in names))
    return tails, expression, tuple(entry for entry in SECRET_PATTERNS if "/" in entry[0])


def _under(path: str, folder: str) -> bool:
    path = path.strip("\"'").rstrip("/")
    return path == folder or path.startswith(folder + "/")


def _looks_public(name: str) -> bool:
    stem = name.rsplit(".", 1)[0].lower()
    tokens = set(t for t in re.split(r"[-_.\s]+", stem) if t)
    if tokens & _PRIVATE_TOKENS or any(p in stem for p in ("key", "priv", "secret")):
        return False  # cakey.pem, server-key.pem, privkey.pem
    return bool(tokens & _PUBLIC_TOKENS) or any(stem.startswith(t) for t in ("ca", "cert", "root"))


def secret_content(match: SecretMatch, text: str | None) -> bool | None:
    """Whether a weakly named file's content (None: unknown) confirms the secret."""
    if text is None:
        return None
    base = posixpath.basename(match.path)
    if base.endswith((".pem", ".key")):
        return "PRIVATE KEY-----" in text
    if base == ".npmrc":
        return bool(re.search(r"_auth|_password|:username\s*=", text))
    if match.path.endswith(".docker/config.json"):
        return bool(re.search(r'"(auth|identitytoken|credsStore|credHelpers)"', text))
    return True


#: Folders `context_secrets` does not descend into: tools' caches and test fixtures, whose key
#: files are test data (a real secret there is still found when it is copied by name).
_SKIP_DIRS = frozenset(
    ".git .hg .svn node_modules .venv venv site-packages __pycache__ .tox .mypy_cache "
    ".pytest_cache testdata fixtures __fixtures__ test-fixtures".split()
)
_MAX_FOUND = 50


def context_secrets(ctx: Context, source: str) -> list[SecretMatch] | None:
    """Secret files that a COPY source takes from the build context (the source itself, or files
    under a copied folder), leaving out what the .dockerignore excludes. None when the build
    context is unknown or too large to answer."""
    from dflint.context import build_context

    bc = build_context(ctx)
    if bc is None:
        return None
    matches = bc.glob(source)
    if matches is None:
        return None
    found: list[SecretMatch] = []
    for m in matches:
        if m.is_dir:
            if m.path != "." and (hit := secret_name(m.path)) is not None and posixpath.basename(m.path) == ".ssh":
                found.append(hit)
            _walk(bc, m.path, found)
        else:
            _check_file(bc, m.path, found)
        if len(found) >= _MAX_FOUND:
            break
    if bc.truncated:
        return None
    return found


def _check_file(bc, rel: str, found: list[SecretMatch]) -> None:  # type: ignore[no-untyped-def]
    hit = secret_name(rel)
    if hit is None:
        return
    if not hit.strong:
        confirmed = secret_content(hit, bc.read_text(rel, 64 * 1024))
        if confirmed is False:
            return
        if confirmed:
            hit = SecretMatch(hit.path, _CONFIRMED.get(posixpath.basename(rel), "a private key"), True)
    found.append(hit)


def _walk(bc, root: str, found: list[SecretMatch]) -> None:  # type: ignore[no-untyped-def]
    stack = [root]
    while stack and len(found) < _MAX_FOUND:
        folder = stack.pop()
        entries = bc.listdir(folder)
        if entries is None:
            continue
        for name in sorted(entries):
            rel = name if folder == "." else f"{folder}/{name}"
            is_dir = entries[name]
            if is_dir:
                if name in _SKIP_DIRS or not bc.visible(rel, True):
                    continue
                if name == ".ssh":
                    hit = secret_name(rel)
                    if hit is not None and bc.visible(rel, True):
                        inner: list[SecretMatch] = []
                        _walk(bc, rel, inner)
                        found.extend(inner or [hit])
                    continue
                stack.append(rel)
            elif not bc.excluded(rel):
                _check_file(bc, rel, found)


# ---------------------------------------------------------------------------------------------
# file modes


class Mode(TupleRecord):
    """What a chmod-style mode grants: write for others (`world_writable`), the sticky bit."""

    __slots__ = ()
    _fields = ("world_writable", "sticky")

    world_writable: bool = field(0)  # type: ignore[assignment]
    sticky: bool = field(1)  # type: ignore[assignment]

    def __new__(cls, world_writable: bool, sticky: bool) -> Mode:
        return tuple.__new__(cls, (world_writable, sticky))


_OCTAL = LazyPattern(r"0*([0-7]{1,4})\Z")
_CLAUSE = LazyPattern(r"([ugoa]*)((?:[-+=][rwxXstugo]*)+)\Z")


@functools.lru_cache(maxsize=1024)
def parse_mode(mode: str) -> Mode | None:
    """A chmod mode, octal (``777``, ``0666``, ``1777``) or symbolic (``a+rwx``, ``o+w``,
    ``go=rwx,+t``); None when it is not one (a variable, ``--reference``). A symbolic clause
    without who-letters (``+w``) follows the umask, which leaves others out. (The answers are
    kept: the same few modes come back in thousands of RUNs.)"""
    mode = mode.strip()
    m = _OCTAL.match(mode)
    if m:
        digits = m.group(1)
        value = int(digits, 8)
        return Mode(bool(value & 0o002), bool(value & 0o1000))
    writable = sticky = False
    for clause in mode.split(","):
        c = _CLAUSE.match(clause)
        if not c:
            return None
        who = c.group(1)
        for op_part in re.findall(r"[-+=][rwxXstugo]*", c.group(2)):
            op, perms = op_part[0], op_part[1:]
            if op == "-":
                if "w" in perms and ("o" in who or "a" in who or not who):
                    writable = False
                if "t" in perms:
                    sticky = False
                continue
            if "t" in perms:
                sticky = True
            if "o" in who or "a" in who:
                if "w" in perms:
                    writable = True
                elif op == "=":
                    writable = False
    return Mode(writable, sticky)
