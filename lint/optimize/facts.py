"""What the optimizer knows about the stage it rewrites: each instruction with the WORKDIR, USER
and variables in force there, the block of text it owns (its comment lines), the packages the
stage installs, the users it creates, what ENTRYPOINT/CMD run, and where the build writes.

Everything here reads the parsed file (`ctx.dockerfile`, `ctx.graph`, `ctx.script`,
`dflint.packages`); nothing reads RUN text with regular expressions. The build context is read
only through `dflint.context.build_context`.
"""

from __future__ import annotations

import posixpath
from functools import cached_property

from dflint.source import Record
from dflint.syntax import Blank, Comment, Instruction
from dflint.toolchain import Evidence, chain_facts, classify_package, image_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable

    from dflint.graph import Stage
    from dflint.packages import PackageCommand
    from dflint.rule import Context
    from dflint.shell import Command, Script

#: WORKDIR of well-known base images (Docker's default is ``/``); a base not listed here and
#: not a plain distribution image has an unknown WORKDIR.
BASE_WORKDIRS: dict[str, str] = {
    "golang": "/go",
    "gradle": "/home/gradle",
}

#: Distribution images: nothing in them sets WORKDIR or USER.
DISTROS = frozenset(
    "debian ubuntu alpine centos fedora rockylinux almalinux amazonlinux oraclelinux "
    "redhat/ubi8 redhat/ubi9 registry.access.redhat.com/ubi8 registry.access.redhat.com/ubi9 "
    "opensuse/leap opensuse/tumbleweed archlinux buildpack-deps busybox".split()
)

#: Language images whose WORKDIR is ``/`` and whose default user is root.
_PLAIN_LANGUAGE_IMAGES = frozenset(
    "python pypy node ruby perl php rust gcc maven openjdk eclipse-temurin amazoncorretto "
    "sapmachine ibm-semeru-runtimes mcr.microsoft.com/dotnet/sdk mcr.microsoft.com/dotnet/aspnet "
    "mcr.microsoft.com/dotnet/runtime elixir erlang haskell swift crystallang/crystal".split()
)

#: Commands that only set up the running container (users, folders, permissions, links): a
#: RUN made of them after the build is redone in the runtime stage.
SETUP_COMMANDS = frozenset(
    "useradd adduser groupadd addgroup usermod mkdir chown chmod ln touch setcap ldconfig "
    "update-ca-certificates true echo printf".split()
)
USER_COMMANDS = frozenset("useradd adduser groupadd addgroup usermod".split())

#: Commands that only move or trim what the build made.
ARTIFACT_COMMANDS = frozenset("cp mv install strip upx rm chmod ln mkdir".split())

_DEFAULT_SHELL_BUILTINS = frozenset("cd set export true : exec".split())


class Block(Record):
    """An instruction and the text it owns: the comment lines directly above it."""

    __slots__ = ("pos", "instruction", "start", "end", "blank_before")
    _fields = __slots__

    pos: int  # index in the stage's instructions (0 is the FROM)
    instruction: Instruction
    start: int  # offset of its first comment line, or of the instruction
    end: int  # end of the instruction (its line ending included when there is one)
    blank_before: bool  # a blank line separates it from what comes before

    def __init__(self, pos: int, instruction: Instruction, start: int, end: int, blank_before: bool) -> None:
        self.pos = pos
        self.instruction = instruction
        self.start = start
        self.end = end
        self.blank_before = blank_before


class Install(Record):
    """A package a RUN of the stage installs with a system package manager."""

    __slots__ = ("manager", "name", "version", "raw", "pos", "command", "removed", "toolchain_role")
    _fields = __slots__

    manager: str  # apt, apk, yum, dnf, zypper
    name: str
    version: str | None
    raw: str  # the argument as written
    pos: int
    command: Command
    removed: bool  # removed again in the same RUN
    toolchain_role: str | None  # compiler, build-tool, headers, runtime; None: not a toolchain

    def __init__(self, manager: str, name: str, version: str | None, raw: str, pos: int, command: Command,
                 removed: bool, toolchain_role: str | None) -> None:
        self.manager = manager
        self.name = name
        self.version = version
        self.raw = raw
        self.pos = pos
        self.command = command
        self.removed = removed
        self.toolchain_role = toolchain_role


class Entry(Record):
    """What the container runs: ENTRYPOINT and CMD as argument lists (a shell form's first
    command), the instruction of each, and the WORKDIR in force for them."""

    __slots__ = ("entrypoint", "cmd", "entrypoint_ins", "cmd_ins", "workdir", "shell_form", "commands")
    _fields = __slots__

    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    entrypoint_ins: Instruction | None
    cmd_ins: Instruction | None
    workdir: str | None
    shell_form: bool
    #: every command of the shell script the container runs (a shell form, or the string of
    #: ``sh -c "…"``), as argument lists in order, commands in ``$(…)`` included (marked by
    #: `substitution`); empty for a plain exec form
    commands: tuple[EntryCommand, ...]

    def __init__(self, entrypoint: tuple[str, ...] | None, cmd: tuple[str, ...] | None,
                 entrypoint_ins: Instruction | None, cmd_ins: Instruction | None, workdir: str | None,
                 shell_form: bool, commands: tuple[EntryCommand, ...] = ()) -> None:
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.entrypoint_ins = entrypoint_ins
        self.cmd_ins = cmd_ins
        self.workdir = workdir
        self.shell_form = shell_form
        self.commands = commands

    @property
    def argv(self) -> tuple[str, ...]:
        if self.entrypoint:
            return self.entrypoint + (self.cmd or ())
        return self.cmd or ()

    @property
    def program(self) -> str | None:
        argv = self.argv
        return argv[0] if argv else None

    @property
    def instructions(self) -> list[Instruction]:
        return [i for i in (self.entrypoint_ins, self.cmd_ins) if i is not None]


class EntryCommand(Record):
    """One command of the shell script ENTRYPOINT/CMD run."""

    __slots__ = ("argv", "substitution", "builtin")
    _fields = __slots__

    argv: tuple[str, ...]
    substitution: bool  # inside ``$(…)`` or backquotes
    builtin: bool  # a shell builtin (cd, export, set, exec …)

    def __init__(self, argv: tuple[str, ...], substitution: bool, builtin: bool) -> None:
        self.argv = argv
        self.substitution = substitution
        self.builtin = builtin


#: Shells whose ``-c STRING`` is a script (``sh -c "app | tee log"``).
_C_SHELLS = frozenset("sh bash ash dash zsh".split())


class StageFacts:
    """The facts about stage `index` (the shipped target) that the recipes plan with."""

    def __init__(self, ctx: Context, ev: Evidence) -> None:
        self.ctx = ctx
        self.ev = ev
        self.graph = ctx.graph
        self.stage: Stage = self.graph.stages[ev.stage]
        self.instructions: tuple[Instruction, ...] = self.stage.instructions
        self.text = ctx.dockerfile.text
        self.newline = ctx.source.newline
        ref = self.stage.base_resolved or self.stage.base
        self.base_ref = ref
        self.base_name, self.base_tag = image_name(ref)
        if ev.chain == (ev.stage,):  # the chain's positions are the stage's: not made again
            self._pos = chain_facts(ctx, ev.stage).order
        else:
            self._pos = {id(ins): i for i, ins in enumerate(self.instructions)}

    # -- positions -------------------------------------------------------------------------

    def pos(self, ins: Instruction) -> int:
        return self._pos.get(id(ins), -1)

    @cached_property
    def build_tools(self) -> tuple[str, ...]:
        """The distinct `tool`s of the build steps, in order (what the recipes' `detect` look at:
        a big file has thousands of build steps with a few tools)."""
        return tuple(dict.fromkeys([b.tool for b in self.ev.builds]))

    @cached_property
    def blocks(self) -> list[Block]:
        """One block per instruction of the stage, comments above an instruction included (the
        FROM's block starts at the FROM itself: comments above it stay where they are)."""
        nodes = self.ctx.dockerfile.nodes
        index = {id(n): k for k, n in enumerate(nodes)}
        out = []
        for pos, ins in enumerate(self.instructions):
            k = index.get(id(ins))
            start = ins.span.start
            blank = False
            if k is not None and pos > 0:
                j = k - 1
                while j >= 0 and isinstance(nodes[j], Comment):
                    start = nodes[j].span.start
                    j -= 1
                blank = j >= 0 and isinstance(nodes[j], Blank)
            elif k is not None:
                blank = k > 0 and isinstance(nodes[k - 1], Blank)
            out.append(Block(pos, ins, start, ins.span.end, blank))
        return out

    def block_text(self, pos: int) -> str:
        b = self.blocks[pos]
        return self._with_newline(self.text[b.start : b.end])

    def instruction_text(self, pos: int) -> str:
        ins = self.instructions[pos]
        return self._with_newline(self.text[ins.span.start : ins.span.end])

    def comments_text(self, pos: int) -> str:
        b = self.blocks[pos]
        return self.text[b.start : self.instructions[pos].span.start]

    def _with_newline(self, text: str) -> str:
        if not text.endswith(("\n", "\r")):
            text += self.newline
        return text

    # -- variables, WORKDIR, USER ----------------------------------------------------------

    def scope(self, ins: Instruction) -> dict[str, str]:
        try:
            return self.graph.scope_at(ins)
        except Exception:  # pragma: no cover - defensive
            return {}

    def expand(self, ins: Instruction, word: str) -> str | None:
        """`word` with the stage's variables substituted (None when one is unknown)."""
        if "$" not in word:
            return word
        from dflint.words import expand

        exp = expand(word, self.scope(ins), self.ctx.dockerfile.escape)
        return exp.value if exp.resolved else None

    @cached_property
    def base_workdir(self) -> str | None:
        if self.stage.is_scratch:
            return "/"
        name = self.base_name
        if name in BASE_WORKDIRS:
            return BASE_WORKDIRS[name]
        if name in DISTROS or name in _PLAIN_LANGUAGE_IMAGES or name.rsplit("/", 1)[-1] in DISTROS:
            return "/"
        return None

    @cached_property
    def workdirs(self) -> list[str | None]:
        """The WORKDIR in force *before* each instruction (None: unknown)."""
        out: list[str | None] = []
        current = self.base_workdir
        for ins in self.instructions:
            out.append(current)
            if ins.name == "WORKDIR":
                value = self.expand(ins, _unquote(ins.args.strip()))
                if value is None:
                    current = None
                elif value.startswith("/"):
                    current = posixpath.normpath(value)
                elif current is not None:
                    current = posixpath.normpath(posixpath.join(current, value))
        return out

    def workdir_at(self, ins: Instruction) -> str | None:
        p = self.pos(ins)
        return self.workdirs[p] if p >= 0 else None

    @cached_property
    def users(self) -> list[str]:
        """The USER in force before each instruction ("" for the image's default)."""
        out: list[str] = []
        current = ""
        for ins in self.instructions:
            out.append(current)
            if ins.name == "USER":
                current = ins.args.strip()
        return out

    # -- commands --------------------------------------------------------------------------

    def script(self, ins: Instruction) -> Script | None:
        return self.ctx.script(ins)

    def commands(self, ins: Instruction) -> list[Command]:
        """The top-level commands of a RUN (unwrapped from sudo/env), or [] when it cannot be
        read as a POSIX shell script."""
        script = self.script(ins)
        if script is None:
            return []
        return [c.unwrapped() for c in script.commands if not c.substitution]

    def cwd_of(self, ins: Instruction, command: Command) -> str | None:
        """The working directory `command` runs in: the WORKDIR, moved by ``cd`` commands
        written before it in the same RUN (None when a ``cd`` goes somewhere unknown)."""
        cwd = self.workdir_at(ins)
        script = self.script(ins)
        if script is None:
            return cwd
        from dflint.shell import Script as _Script

        for cmd in script.commands:
            if cmd.substitution or not _Script.before(cmd, command) or cmd is command:
                continue
            if cmd.basename in ("cd", "pushd"):
                args = [a for a in cmd.args if not a.value.startswith("-")]
                if not args:
                    cwd = "/root" if not self.users[self.pos(ins)] else None
                    continue
                target = self.arg_value(ins, args[0])
                cwd = resolve(target, cwd) if target is not None else None
        return cwd

    def arg_value(self, ins: Instruction, arg) -> str | None:
        """A shell word's value with the stage's variables substituted (None if unknown)."""
        if arg.static:
            value = arg.value
        else:
            value = self.expand(ins, arg.raw)
            if value is None:
                return None
        if value.startswith("~"):
            home = "/root" if not self.users[self.pos(ins)] else None
            if home is None:
                return None
            value = home + value[1:]
        return value

    def env_of(self, ins: Instruction, command: Command, name: str) -> str | None:
        """The value of variable `name` for `command`: its own ``NAME=value`` prefix, an
        ``export`` before it in the RUN, else the ENV/ARG in force."""
        for a in command.assignments:
            if a.name == name:
                return a.value
        wrapper = command.wrapper
        while wrapper is not None:
            for a in wrapper.assignments:
                if a.name == name:
                    return a.value
            for arg in wrapper.args:
                key, eq, value = arg.value.partition("=")
                if eq and key == name:
                    return value
            wrapper = wrapper.wrapper
        script = self.script(ins)
        if script is not None:
            from dflint.shell import Script as _Script

            found = None
            for a in script.assignments:
                if a.name == name:
                    found = a.value
            for cmd in script.commands:
                if cmd.basename == "export" and _Script.before(cmd, command):
                    for arg in cmd.args:
                        key, eq, value = arg.value.partition("=")
                        if eq and key == name:
                            found = value
            if found is not None:
                return found
        return self.scope(ins).get(name)

    def env_written(self, ins: Instruction, name: str) -> str | None:
        """The value the last ENV before `ins` gives `name`, as written (``/venv/bin:$PATH``:
        variables the base image sets stay unexpanded)."""
        from dflint.words import split_key_values

        found = None
        for other in self.instructions[: max(self.pos(ins), 0)]:
            if other.name == "ENV":
                for key, value in split_key_values(other.args, instruction="ENV"):
                    if key == name and value is not None:
                        found = value
        return found

    # -- packages --------------------------------------------------------------------------

    @cached_property
    def installs(self) -> list[Install]:
        from dflint.packages import package_commands

        out: list[Install] = []
        for pos, ins in enumerate(self.instructions):
            if ins.name != "RUN":
                continue
            script = self.script(ins)
            if script is None:
                continue
            pcs = package_commands(script, ("apt", "apk", "yum", "dnf", "zypper"))
            # the official images' pattern: `apt-mark auto '.*'` then `apt-get purge --auto-remove`
            # removes everything the RUN installed (but what is marked manual again)
            marks_all = bool(script.find("apt-mark", "auto")) and any(
                pc.action == "autoremove" or (pc.action == "remove" and (pc.has_flag("--auto-remove")
                                                                        or pc.has_flag("--autoremove")))
                for pc in pcs)
            removed_names: set[str] = set()
            groups_removed: set[str] = set()
            for pc in pcs:
                if pc.action == "remove":
                    removed_names.update(p.name for p in pc.packages)
                    groups_removed.update(p.name for p in pc.packages)
            for pc in pcs:
                if pc.action != "install":
                    continue
                group = None
                if pc.manager == "apk":
                    vals = pc.option_values("--virtual", "-t")
                    group = vals[-1] if vals else None
                for pkg in pc.packages:
                    names = [(pkg.name, pkg.version, pkg.arg.raw)]
                    if not pkg.arg.static:
                        value = self.expand(ins, pkg.arg.raw)
                        if value is None:
                            names = [("$?", None, pkg.arg.raw)]
                        else:
                            names = [(w, None, w) for w in value.split()]
                    for name, version, raw in names:
                        info = classify_package(pc.manager, name)
                        removed = marks_all or name in removed_names or (group is not None and group in groups_removed)
                        out.append(Install(pc.manager, name, version, raw, pos, pc.command, removed,
                                           info.role if info else None))
        return out

    def package_commands(self, ins: Instruction) -> list[PackageCommand]:
        from dflint.packages import package_commands

        script = self.script(ins)
        if script is None:
            return []
        return package_commands(script, ("apt", "apk", "yum", "dnf", "zypper"))

    @cached_property
    def manager(self) -> str | None:
        """The system package manager the stage uses (the first one it installs with)."""
        for inst in self.installs:
            return inst.manager
        return None

    # -- the build -------------------------------------------------------------------------

    @cached_property
    def build_positions(self) -> list[int]:
        """Positions of the RUNs of this stage with a build step (sorted)."""
        out = sorted({self.pos(b.instruction) for b in self.ev.builds
                      if b.instruction.name == "RUN" and self.pos(b.instruction) >= 0})
        return out

    @property
    def last_build(self) -> int:
        return self.build_positions[-1] if self.build_positions else -1

    # -- what runs -------------------------------------------------------------------------

    @cached_property
    def entry(self) -> Entry:
        ep = cmd = None
        for ins in self.instructions:
            if ins.name == "ENTRYPOINT":
                ep = ins
            elif ins.name == "CMD":
                cmd = ins
        shell = False
        commands: list[EntryCommand] = []

        def first_program(script: Script, ins: Instruction | None) -> tuple[str, ...]:
            """The first command of `script` that is not a shell builtin (what ``exec`` runs);
            every command goes to `commands`."""
            found: tuple[str, ...] | None = None
            for c in script.commands:
                c = c.unwrapped()
                words = tuple((self.arg_value(ins, a) if ins is not None else (a.value if a.static else None))
                              or a.raw for a in c.words)
                builtin = c.basename in _DEFAULT_SHELL_BUILTINS
                commands.append(EntryCommand(words, bool(c.substitution), builtin))
                if c.substitution or found is not None:
                    continue
                if builtin and c.basename != "exec":
                    continue
                if c.basename == "exec":
                    rest = tuple(a.value for a in c.args)
                    if rest:
                        found = rest
                    continue
                found = words
            return found or ()

        def unwrap_c(words: tuple[str, ...]) -> tuple[str, ...]:
            """``sh -c "SCRIPT"`` runs SCRIPT: its first program (as a shell form)."""
            nonlocal shell
            if len(words) >= 3 and posixpath.basename(words[0]) in _C_SHELLS and words[1] == "-c":
                from dflint.shell import parse_script

                try:
                    inner = parse_script(words[2])
                except Exception:  # pragma: no cover - defensive
                    return words
                shell = True
                commands.clear()
                return first_program(inner, None)
            return words

        def argv(ins: Instruction | None) -> tuple[str, ...] | None:
            nonlocal shell
            if ins is None:
                return None
            if ins.json is not None:
                return unwrap_c(tuple(ins.json))
            shell = True
            script = self.script(ins)
            if script is None:
                return None
            return unwrap_c(first_program(script, ins))

        ep_argv = argv(ep)
        cmd_argv = argv(cmd)
        # a CMD written before the ENTRYPOINT is reset by it (Docker's rule)
        if ep is not None and cmd is not None and self.pos(cmd) < self.pos(ep):
            cmd, cmd_argv = None, None
        if ep is not None and ep.json is None:
            cmd_argv = None  # a shell-form ENTRYPOINT ignores CMD
        last = max((self.pos(i) for i in (ep, cmd) if i is not None), default=-1)
        workdir = self.workdirs[last] if last >= 0 else None
        # the WORKDIR in force at the end of the stage is what the container starts in
        workdir = self.final_workdir
        return Entry(ep_argv, cmd_argv, ep, cmd, workdir, shell, tuple(commands))

    @cached_property
    def final_workdir(self) -> str | None:
        current = self.workdirs[-1] if self.workdirs else None
        last = self.instructions[-1] if self.instructions else None
        if last is not None and last.name == "WORKDIR":
            value = self.expand(last, _unquote(last.args.strip()))
            if value is None:
                return None
            current = posixpath.normpath(value if value.startswith("/") else posixpath.join(current or "/", value))
        return current

    # -- the build context -----------------------------------------------------------------

    @cached_property
    def context(self):
        from dflint.context import build_context

        try:
            return build_context(self.ctx)
        except Exception:  # pragma: no cover - defensive
            return None

    def read_context(self, rel: str) -> str | None:
        bc = self.context
        if bc is None:
            return None
        try:
            return bc.read_text(rel)
        except Exception:  # pragma: no cover - defensive
            return None

    def context_file(self, name: str, folder: str) -> str | None:
        """The text of the build-context file that a COPY/ADD of this stage puts at
        ``folder/name`` (a manifest: go.mod, Cargo.toml, pom.xml, package.json …): the whole
        context or a folder copied to `folder`, or the file itself copied into it. None when no
        COPY puts it there or the context is unknown."""
        for c in self.copies():
            if c.from_ is not None:
                continue
            for s in c.sources:
                target = c.target_of(s)
                if target is None:
                    continue
                if target == folder and (c.whole_context or s.rstrip("/") in (".", "")):
                    rel = name
                elif target == folder and s.endswith("/"):
                    rel = posixpath.join(s, name)
                elif posixpath.basename(s) == name and posixpath.dirname(target) == folder:
                    rel = s
                else:
                    continue
                text = self.read_context(rel)
                if text:
                    return text
        return None

    def copies(self) -> Iterable[Copy]:
        """The COPY/ADD instructions of the stage, with sources and destination resolved."""
        return self._copies

    @cached_property
    def _copies(self) -> list[Copy]:
        from dflint.context import source_words

        out = []
        for pos, ins in enumerate(self.instructions):
            if ins.name not in ("COPY", "ADD"):
                continue
            sources, dest = source_words(ins)
            if dest is None:
                continue
            dest_value = self.expand(ins, _unquote(dest[0]))
            cwd = self.workdirs[pos]
            dest_abs = None
            if dest_value is not None:
                if dest_value.startswith("/"):
                    dest_abs = dest_value
                elif cwd is not None:
                    dest_abs = posixpath.join(cwd, dest_value)
            srcs = []
            for raw, _w in sources:
                v = self.expand(ins, _unquote(raw))
                srcs.append(v if v is not None else raw)
            from_flag = ins.flag("from")
            out.append(Copy(pos, ins, tuple(srcs), dest_value, dest_abs,
                            from_flag.value if from_flag is not None else None))
        return out


class Copy(Record):
    __slots__ = ("pos", "instruction", "sources", "dest", "dest_abs", "from_")
    _fields = __slots__

    pos: int
    instruction: Instruction
    sources: tuple[str, ...]
    dest: str | None  # as written, variables substituted
    dest_abs: str | None  # absolute (None when the WORKDIR or a variable is unknown)
    from_: str | None

    def __init__(self, pos: int, instruction: Instruction, sources: tuple[str, ...], dest: str | None,
                 dest_abs: str | None, from_: str | None) -> None:
        self.pos = pos
        self.instruction = instruction
        self.sources = sources
        self.dest = dest
        self.dest_abs = dest_abs
        self.from_ = from_

    @property
    def into_dir(self) -> bool:
        """Whether the destination is a folder (ends with ``/``, ``.``, or several sources)."""
        d = self.dest or ""
        return d.endswith("/") or d in (".", "./") or d.endswith("/.") or len(self.sources) > 1

    def target_of(self, source: str) -> str | None:
        """Where `source` lands (a folder source: the folder its content lands in)."""
        if self.dest_abs is None:
            return None
        if self.into_dir:
            name = posixpath.basename(source.rstrip("/"))
            if source.rstrip("/") in ("", ".") or source.endswith("/"):
                return posixpath.normpath(self.dest_abs)
            return posixpath.normpath(posixpath.join(self.dest_abs, name))
        return posixpath.normpath(self.dest_abs)

    @property
    def whole_context(self) -> bool:
        return any(s.rstrip("/") in (".", "", "./") or s in ("*", "./*") for s in self.sources)


def resolve(path: str, cwd: str | None) -> str | None:
    """`path` made absolute against `cwd` and normalised (None when relative and `cwd` unknown)."""
    if not path:
        return None
    if path.startswith("/"):
        return posixpath.normpath(path)
    if cwd is None:
        return None
    return posixpath.normpath(posixpath.join(cwd, path))


def under(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or inside it."""
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder + "/") or folder == "/"


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word


__all__ = ["Block", "Copy", "Entry", "EntryCommand", "Install", "StageFacts", "resolve", "under",
           "SETUP_COMMANDS", "USER_COMMANDS", "ARTIFACT_COMMANDS"]
