"""Helpers shared by the package-manager rules of hadolint's DL3008-DL3062 family.

- `run_scripts`: every RUN (ONBUILD triggers included) with its parsed POSIX shell script;
  `runs_calling`: those that run a given command (by basename, wrappers included), from an index
  built once per file, so that a rule looking for ``sudo`` visits only the RUNs that run it.
- `shipped`: whether an instruction's content ends up in the image that is built (its stage is
  the target or on the target's ``FROM`` chain; see `dflint.graph.StageGraph.shipped`).
- `mounted`: whether a ``RUN --mount`` of a given type covers a path (a cache or tmpfs mount
  keeps what is written there out of the layer).
- `env_value` / `assigned_values`: a variable's value from ARG/ENV or from the RUN itself.
- `unpinned_variable`: the finding of the pin rules (DL3008, DL3013, DL3016, DL3018, DL3028,
  DL3062) for a package list given through a variable (``$PKGS``).
- `removed_after`: the arguments of the ``rm`` commands that run after a given command.
- Fix builders: `insert_after` (a flag after a word) and `append_command` (a command at the end
  of the shell code that runs a given command, continuation style kept).
"""

from __future__ import annotations

import posixpath

from dflint.fix import Edit
from dflint.rule import Violation
from dflint.shell import Arg, Command, Script, is_posix_shell, parse_script, stage_shell
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator

    from dflint.rule import Context
    from dflint.syntax import Instruction

__all__ = [
    "TRUTHY",
    "append_command",
    "assigned_values",
    "env_value",
    "insert_after",
    "is_under",
    "mount_targets",
    "mounted",
    "reads_command_lines",
    "removed_after",
    "resolved_words",
    "run_scripts",
    "runs_calling",
    "shipped",
    "subcommand_arg",
    "unpinned_variable",
]

#: Values that turn a boolean environment option on (pip's PIP_NO_CACHE_DIR…), as hadolint reads them.
TRUTHY = frozenset("1 true True TRUE on On ON yes Yes YES".split())


def run_scripts(ctx: Context, windows: bool = False) -> Iterator[tuple[Instruction, Script]]:
    """Every RUN with a POSIX shell script, in file order; an ``ONBUILD RUN`` gives its trigger.
    Exec-form RUNs are skipped, and so are RUNs under a PowerShell/cmd SHELL unless `windows`:
    then their text is read as plain command lines (words split at ``;``, ``&&``, ``|``), which
    is enough to find a package-manager command such as ``pip install x`` but says nothing about
    shell semantics. Computed once per file (both lists at once)."""
    return iter(_runs(ctx, windows))


def reads_command_lines(ctx: Context) -> bool:
    """Whether some RUN is read as plain command lines, that is, `run_scripts` with `windows`
    gives more RUNs than without (else both give the same)."""
    return len(_runs(ctx, True)) != len(_runs(ctx, False))


def runs_calling(
    ctx: Context, names: str | Iterable[str], windows: bool = False
) -> list[tuple[Instruction, Script]]:
    """The RUNs of `run_scripts` (same `windows`) whose script runs a command named `names` (one
    name or several; by basename, also behind a wrapper: see `Script.names`), in file order.
    The index of which RUN runs which command is built once per file and shared by the rules."""
    windows = windows and reads_command_lines(ctx)
    memo = ctx.memo
    key = (runs_calling, windows)
    index = memo.get(key)
    if index is None:
        index = memo[key] = _command_index(_runs(ctx, windows))
    runs, positions = index  # type: ignore[misc]
    if isinstance(names, str):
        return [runs[i] for i in positions.get(names, ())]
    found: set[int] = set()
    for name in names:
        found.update(positions.get(name, ()))
    return [runs[i] for i in sorted(found)]


def _command_index(
    runs: list[tuple[Instruction, Script]],
) -> tuple[list[tuple[Instruction, Script]], dict[str, list[int]]]:
    """The RUNs, and for each command name the positions of those running it."""
    positions: dict[str, list[int]] = {}
    for i, (_, script) in enumerate(runs):
        for name in script.names:
            at = positions.get(name)
            if at is None:
                positions[name] = [i]
            else:
                at.append(i)
    return runs, positions


def _runs(ctx: Context, windows: bool) -> list[tuple[Instruction, Script]]:
    """`run_scripts`' list, both views computed in one pass over the file."""
    found = ctx.memo.get((run_scripts, windows))
    if found is None:
        posix: list[tuple[Instruction, Script]] = []
        every: list[tuple[Instruction, Script]] = []  # with the RUNs read as command lines
        for instruction in ctx.dockerfile.instructions:
            run = instruction
            if instruction.name == "ONBUILD":
                run = instruction.inner  # type: ignore[assignment]
                if run is None:
                    continue
            if run.name != "RUN":
                continue
            script = ctx.script(run)
            if script is not None:
                posix.append((run, script))
                every.append((run, script))
            else:
                lines = _command_lines(ctx, run)
                if lines is not None:
                    every.append((run, lines))
        ctx.memo[(run_scripts, False)] = posix
        ctx.memo[(run_scripts, True)] = every
        found = every if windows else posix
    return found  # type: ignore[return-value]


def _command_lines(ctx: Context, run: Instruction) -> Script | None:
    """A shell-form RUN under a non-POSIX SHELL, parsed as plain command lines."""
    try:
        if run.json is not None or run.heredocs:
            return None
    except ValueError:
        return None
    shell = stage_shell(run, ctx.dockerfile)
    if is_posix_shell(shell):
        return None
    logical, base = run.logical, run.args_start
    return parse_script(run.args, lambda i: logical.to_file(base + i))


def shipped(ctx: Context, instruction: Instruction) -> bool:
    """True when `instruction` is part of the image that is built: its stage is the target or
    one the target is built ``FROM`` (directly or through other stages). Before any FROM, or
    without a target, everything counts."""
    graph = ctx.graph
    stage = graph.stage_of(instruction)
    if stage is None or graph.target is None:
        return True
    return stage.index in graph.shipped


def is_under(path: str, root: str) -> bool:
    """Whether `path` is `root` or lies inside it (both absolute, normalised here)."""
    p = posixpath.normpath(path)
    r = posixpath.normpath(root)
    if r == "/":
        return p.startswith("/")
    return p == r or p.startswith(r + "/")


def mount_targets(
    ctx: Context | None, instruction: Instruction, types: tuple[str, ...] = ("cache", "tmpfs")
) -> list[str]:
    """Target paths of the instruction's ``--mount`` flags of the given types (``type``
    defaults to ``bind``), with ARG/ENV variables substituted when `ctx` is given."""
    scope = ctx.graph.scope_at(instruction) if ctx is not None else {}
    out = []
    for flag in instruction.flag_all("mount"):
        opts = flag.options()
        if opts.get("type", "bind").lower() not in types:
            continue
        target = opts.get("target") or opts.get("dst") or opts.get("destination")
        if not target:
            continue
        if "$" in target:
            exp = expand(target, scope)
            if not exp.resolved:
                continue
            target = exp.value
        out.append(target)
    return out


def mounted(
    ctx: Context | None,
    instruction: Instruction,
    path: str,
    types: tuple[str, ...] = ("cache", "tmpfs"),
) -> bool:
    """True when a ``--mount`` of one of `types` on `instruction` covers `path` (is mounted at
    `path` or at a folder above it), so what the RUN writes there stays out of the layer."""
    return any(is_under(path, t) for t in mount_targets(ctx, instruction, types) if t.startswith("/"))


def env_value(ctx: Context, instruction: Instruction, name: str) -> str | None:
    """The value of ARG/ENV `name` where `instruction` runs, when known."""
    return ctx.graph.scope_at(instruction).get(name)


def assigned_values(script: Script, name: str) -> list[str]:
    """Values the script gives to shell variable `name` anywhere: ``NAME=v cmd`` (also behind
    ``sudo``/``env``), ``export NAME=v``, ``NAME=v`` on its own."""
    out = [a.value for a in script.assignments if a.name == name]
    for cmd in script.commands:
        if cmd.basename in ("export", "declare", "typeset", "readonly", "local"):
            for arg in cmd.args:
                key, eq, value = arg.value.partition("=")
                if eq and key == name:
                    out.append(value)
        cur: Command | None = cmd
        while cur is not None:
            out.extend(a.value for a in cur.assignments if a.name == name)
            cur = cur.inner()
    return out


# ---------------------------------------------------------------------------------------------
# fixes


def insert_after(arg: Arg, text: str) -> Edit:
    """Insert `` text`` right after the word `arg` (``install`` → ``install -y``)."""
    return Edit.insert(arg.span.end, " " + text)


def append_command(ctx: Context, instruction: Instruction, script: Script, command: Command, code: str) -> Edit | None:
    """An edit that runs `code` at the end of the shell code holding `command`, or None when
    that cannot be done without changing what runs before it.

    - The RUN line: `` && code`` is appended after its last word; when the RUN spans several
      lines, the new command goes on a line of its own in the same style (``\\`` continuation,
      ``&&`` leading or trailing, the last line's indentation). After a trailing ``;`` the code is
      appended as a statement of its own.
    - A heredoc body run by a shell: a line with `code` before the terminator.

    The result is re-parsed: the edit is only given when the new code parses without error and
    `code` is its last command (not swallowed by a comment, a background ``&`` or ``exit``)."""
    piece = script.pieces[command.piece]
    if script.errors or not script.commands:
        return None
    # nothing may end the piece before the new code runs: no `exit`, no background job
    in_piece = [c for c in script.commands if c.piece == command.piece]
    if not in_piece or in_piece[-1].basename == "exit" or in_piece[-1].background:
        return None
    text = piece.text
    if piece.kind == "heredoc":
        heredoc = piece.heredoc
        if heredoc is None or not text.endswith("\n"):
            return None
        new_text = text + code + "\n"
        if not _ends_with(new_text, code, piece.shell):
            return None
        newline = ctx.source.newline if heredoc.body.endswith("\r\n") else "\n"
        return Edit.insert(heredoc.terminator_span.start, code + newline)
    stripped = text.rstrip()
    if not stripped:
        return None
    if stripped.endswith(";"):
        joiner = " "
    else:
        joiner = " && "
    at = piece.to_file(len(stripped) - 1) + 1
    source = ctx.source
    line_no = source.position(at)[0]
    first_line = source.position(piece.to_file(0))[0]
    escape = ctx.dockerfile.escape
    if line_no > first_line and joiner == " && ":
        last_line = source.line_text(line_no)
        indent = last_line[: len(last_line) - len(last_line.lstrip())]
        if not indent:
            indent = "    "
        newline = source.newline
        if last_line.lstrip().startswith(("&&", "||")):
            insertion = f" {escape}{newline}{indent}&& {code}"
        else:
            insertion = f" && {escape}{newline}{indent}{code}"
        shell_added = f" && {code}"
    else:
        insertion = joiner + code
        shell_added = insertion
    if not _ends_with(stripped + shell_added, code, piece.shell):
        return None
    return Edit.insert(at, insertion)


def _ends_with(text: str, code: str, shell: tuple[str, ...]) -> bool:
    """Whether `text` parses cleanly and its last command is `code`."""
    parsed = parse_script(text, None, shell)
    if parsed.errors or not parsed.commands:
        return False
    want = parse_script(code, None, shell)
    if not want.commands:
        return False
    return parsed.commands[-1].argv == want.commands[-1].argv and not parsed.commands[-1].background


def subcommand_arg(command: Command, subcommand: str | None) -> Arg:
    """The word holding `subcommand` in `command` (``install`` in ``apt-get -y install x``,
    also after ``python -m pip``), else the command name."""
    if subcommand is not None:
        for arg in command.args:
            if arg.value == subcommand:
                return arg
    return command.name_arg


def resolved_words(ctx: Context, instruction: Instruction, arg: Arg, script: Script | None = None) -> list[str] | None:
    """The words a non-static argument (``$PKGS``) stands for, from the ARG/ENV values where
    `instruction` runs and the shell variables `script` sets itself (``deps='a b'; … $deps``);
    None when a value is not known."""
    scope = ctx.graph.scope_at(instruction)
    exp = expand(arg.raw, scope)
    if not exp.resolved and script is not None:
        env = dict(scope)
        for name in exp.unresolved:
            values = assigned_values(script, name)
            if values:
                env[name] = values[-1]
        exp = expand(arg.raw, env)
    if not exp.resolved:
        return None
    return exp.value.split()


def unpinned_variable(
    ctx: Context,
    instruction: Instruction,
    script: Script,
    arg: Arg,
    pinned: Callable[[str], bool],
    where: str,
    use: str,
) -> Violation | None:
    """The pin rules' finding for a package argument written with a variable (``$PKGS``): the
    words it stands for (see `resolved_words`) that are neither options (``-x``) nor accepted by
    `pinned`, named in a message such as "Pin versions in `where`: $PKGS holds curl without a
    version; use `use`". None when every word is pinned or the value is not known here."""
    words = resolved_words(ctx, instruction, arg, script)
    if words is None:
        return None  # a build argument nobody can see here
    loose = [w for w in words if not w.startswith("-") and not pinned(w)]
    if not loose:
        return None
    return Violation(
        arg.span,
        f"Pin versions in {where}: {arg.raw} holds {', '.join(loose)} without a version; use {use}",
    )


def removed_after(script: Script, index: int) -> Iterator[Arg]:
    """The operands of every ``rm`` in `script` that comes after the command at `index` (the
    paths it deletes, as written)."""
    for cmd in script.find("rm"):
        if cmd.index <= index:
            continue
        yield from cmd.positional(())
