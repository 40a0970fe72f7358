"""Shared knowledge for the yum/dnf/zypper rules (DL3030-DL3041) and the shell-command rules that
sit next to them (DL3001-DL3004, DL3046, DL3047, DL3059, DL4001, DL4005, DL4006).

Everything here works on parsed instructions and the shell layer's commands, never on RUN text
(the RUNs and their scripts come from `dflint.hadolint_support.run_scripts`):

- `rpm_version_like` / `zypper_pinned`: hadolint's notions of a pinned package; `rpm_pinned`
  adds ``.rpm`` files named by URL or path (DL3033, DL3041).
- `cleaned_after` / `cache_mounted`: whether a package cache is gone at the end of the RUN.
- `append_command_fix` / `insert_after_fix`: the edits of the fixes.
- `in_shipped_stage`: whether an instruction's stage ships (the target and its FROM-chain).
- `wget_flavour`: GNU wget or BusyBox wget, from the stage's base image and what it installed.
- `AssumeYesRule`, `CacheCleanRule`, `PinRule`: the three shapes of yum/dnf/zypper rule, set up
  by class attributes in the rule modules.
"""

from __future__ import annotations

import re

from dflint.fix import Edit, Fix
from dflint.hadolint_support import insert_after
from dflint.packages import PackageCommand, package_commands, package_runs
from dflint.shell import Arg, Command, Script, basename, parse_script
from dflint.source import LazyPattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator

    from dflint.graph import Stage
    from dflint.rule import Context
    from dflint.syntax import Instruction

__all__ = [
    "AssumeYesRule",
    "CacheCleanRule",
    "PinRule",
    "append_command_fix",
    "cache_mounted",
    "cleaned_after",
    "in_shipped_stage",
    "insert_after_fix",
    "is_number",
    "removes_path",
    "rpm_pinned",
    "rpm_version_like",
    "set_option_events",
    "shell_name",
    "sudo_prefix",
    "wget_flavour",
    "zypper_pinned",
]


# ---------------------------------------------------------------------------------------------
# instructions


def in_shipped_stage(ctx: Context, instruction: Instruction) -> bool:
    """Whether what `instruction` leaves behind ships: its stage is the target or in the target's
    FROM-chain. An ONBUILD trigger runs in the images built from this one: it always counts."""
    if instruction.parent is not None:
        return True
    graph = ctx.graph
    if graph.target is None:
        return True
    stage = graph.stage_of(instruction)
    if stage is None:
        return True
    return stage.index in graph.shipped


# ---------------------------------------------------------------------------------------------
# versions

_VERSION_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.~^_:+")


def rpm_version_like(value: str) -> bool:
    """hadolint's test for a pinned yum/dnf package (``name-version``): the parts after the first
    ``-`` are all made of version characters (letters, digits, ``.~^_:+``) and one of them starts
    with a digit (``tomcat-9.2``, ``java-1.8.0-openjdk``; not ``python3-pip``, ``gcc-c++``,
    ``nodejs-16.*``). A ``.rpm`` file with a ``-`` in its name is pinned too."""
    parts = value.split("-")
    if len(parts) <= 1:
        return False
    if value.endswith(".rpm"):
        return True
    rest = parts[1:]
    return all(p and set(p) <= _VERSION_CHARS for p in rest) and any(p[:1].isdigit() for p in rest)


def rpm_pinned(value: str) -> bool:
    """A pinned yum/dnf package: `rpm_version_like`, or an ``.rpm`` file named by URL or path
    (a file is one exact version)."""
    return rpm_version_like(value) or (value.endswith(".rpm") and "/" in value)


def zypper_pinned(value: str) -> bool:
    """hadolint's test for a pinned zypper package: a version relation (``=``, ``<``, ``>``) or an
    ``.rpm`` file."""
    return "=" in value or "<" in value or ">" in value or value.endswith(".rpm")


# ---------------------------------------------------------------------------------------------
# caches


def _under(path: str, directory: str) -> bool:
    path = path.rstrip("/") or "/"
    directory = directory.rstrip("/")
    return path == directory or path.startswith(directory + "/")


def removes_path(cmd: Command, directories: Iterable[str]) -> bool:
    """Whether `cmd` is an ``rm -r`` of one of `directories`, of everything in one, or of a folder
    that holds one (``rm -rf /var/cache/yum``, ``rm -rf /var/cache/dnf/*``,
    ``rm -rf /var/cache``)."""
    if cmd.basename != "rm" or not cmd.has_flag("-r", "-R", "--recursive"):
        return False
    dirs = tuple(d.rstrip("/") for d in directories)
    for arg in cmd.positional:
        target = arg.value
        if target.endswith("/*"):
            target = target[:-2]
        elif target.endswith("*"):  # /var/cache/yum*
            target = target[:-1]
        target = target.rstrip("/")
        if target and any(_under(d, target) for d in dirs):
            return True
    return False


def cache_mounted(instruction: Instruction, directories: Iterable[str]) -> bool:
    """Whether a ``--mount=type=cache`` or ``type=tmpfs`` of the RUN covers one of `directories`:
    then the cache never reaches the layer."""
    dirs = tuple(directories)
    for flag in instruction.flag_all("mount"):
        options = flag.options()
        if options.get("type") not in ("cache", "tmpfs"):
            continue
        target = options.get("target") or options.get("dst") or options.get("destination")
        if target and any(_under(d, target) for d in dirs):
            return True
    return False


def cleaned_after(
    script: Script, command: Command, is_clean: Callable[[Command], bool]
) -> bool:
    """Whether a command for which `is_clean` holds (wrappers looked through) runs after
    `command` in the script."""
    for cmd in script.commands:
        inner = cmd.unwrapped()
        if is_clean(inner) and Script.before(command, cmd):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# fixes


def sudo_prefix(command: Command) -> str:
    """``sudo `` when `command` runs through sudo (the cleanup must too), else ``""``."""
    cur = command.wrapper
    while cur is not None:
        if cur.basename in ("sudo", "doas"):
            return cur.basename + " "
        cur = cur.wrapper
    return ""


def insert_after_fix(arg: Arg, text: str, title: str) -> Fix:
    """A safe fix that inserts `` text`` right after `arg`."""
    return Fix.safe(title, insert_after(arg, text))


def append_command_fix(
    instruction: Instruction, script: Script, after: Command, command: str, title: str
) -> Fix | None:
    """A safe fix that runs `command` at the end of the RUN piece holding `after`: `` && command``
    appended to the RUN line, or a line of its own at the end of a heredoc body. None when the
    result would not parse as the same script plus that command (a trailing comment, ``&``, an
    unfinished ``&&``…)."""
    if script.errors:
        return None
    piece = script.pieces[after.outermost.piece]
    text = piece.text
    if piece.kind == "line":
        if instruction.heredocs:
            return None
        body = text.rstrip()
        if not body:
            return None
        suffix = (" " if body.endswith(";") and not body.endswith(";;") else " && ") + command
        if not _ends_with(body + suffix, command):
            return None
        at = piece.to_file(len(body) - 1) + 1
        return Fix.safe(title, Edit.insert(at, suffix))
    heredoc = piece.heredoc
    if heredoc is None or not text.endswith("\n"):
        return None
    if not _ends_with((heredoc.content if heredoc.chomp else text) + command + "\n", command):
        return None
    newline = "\r\n" if text.endswith("\r\n") else "\n"
    return Fix.safe(title, Edit.insert(heredoc.terminator_span.start, command + newline))


def _ends_with(code: str, command: str) -> bool:
    """Whether `code` parses without errors and its last command is `command`."""
    parsed = parse_script(code)
    if parsed.errors or not parsed.commands:
        return False
    last = max(parsed.commands, key=lambda c: c.span.start)
    return last.text.strip() == command and not last.substitution and not last.background


# ---------------------------------------------------------------------------------------------
# base images: GNU wget or BusyBox wget

#: Repositories (last path component) of images whose userland is GNU (glibc distributions and
#: the official images built on Debian, Ubuntu, Oracle Linux…) unless their tag says Alpine.
_GNU_IMAGES = frozenset(
    """
    debian ubuntu centos fedora rockylinux almalinux amazonlinux oraclelinux leap tumbleweed
    opensuse sles ubi ubi7 ubi8 ubi9 ubi10 ubi-minimal ubi8-minimal ubi9-minimal ubi-init
    ubi8-init ubi9-init archlinux kali-rolling clearlinux photon gentoo stage3 mageia
    buildpack-deps python node ruby golang openjdk eclipse-temurin amazoncorretto sapmachine
    ibm-semeru-runtimes maven gradle php perl rust gcc r-base julia elixir erlang haskell swift
    mono sdk aspnet runtime runtime-deps cuda pytorch tensorflow ros httpd nginx postgres mysql
    mariadb redis mongo tomcat jenkins wordpress drupal ghost jetty groovy clojure kotlin
    miniconda3 miniforge3 mambaforge base-notebook scipy-notebook jupyter docker dind
    texlive pandoc bazel cypress playwright selenium standalone-chrome
    """.split()
)
_BUSYBOX_IMAGES = frozenset({"busybox", "alpine"})


def _image_parts(ref: str) -> tuple[str, str]:
    """(repository's last path component, tag) of an image reference, lower-cased."""
    ref = ref.lower().split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    return name, tag


def _image_flavour(ref: str) -> str | None:
    name, tag = _image_parts(ref)
    if name in _BUSYBOX_IMAGES or "alpine" in name or "alpine" in tag or "busybox" in tag:
        return "busybox"
    if "distroless" in ref.lower() or name == "scratch":
        return None
    if name in _GNU_IMAGES:
        return "gnu"
    path = ref.lower().split("@", 1)[0].rsplit(":", 1)[0]
    if any(d in path for d in ("ubuntu", "debian", "centos", "fedora", "rockylinux", "almalinux",
                               "rhel", "opensuse")):
        return "gnu"
    if any(t in tag for t in ("bookworm", "bullseye", "buster", "stretch", "trixie", "jammy",
                              "focal", "noble", "bionic", "xenial", "ubuntu", "debian",
                              "centos", "ubi", "rocky", "alma", "fedora")):
        return "gnu"
    return None


def _stage_chain(ctx: Context, stage: Stage) -> list[Stage]:
    chain = [stage]
    seen = {stage.index}
    graph = ctx.graph
    while chain[-1].base_stage is not None and chain[-1].base_stage not in seen:
        nxt = graph.stages[chain[-1].base_stage]
        seen.add(nxt.index)
        chain.append(nxt)
    return chain


def _installs_wget(ctx: Context, instruction: Instruction) -> bool:
    script = ctx.script(instruction)
    if script is None:
        return False
    for pc in package_commands(script, {"apt", "apk", "yum", "dnf", "zypper"}):
        if pc.action == "install" and any(p.name == "wget" for p in pc.packages):
            return True
    return False


def wget_flavour(ctx: Context, instruction: Instruction) -> str | None:
    """``"gnu"`` when the wget that `instruction` runs is GNU wget (a GNU/Linux base image, or
    wget installed by a package manager earlier in the stage or its base stages: Alpine's
    ``apk add wget`` is GNU wget too), ``"busybox"`` on an Alpine or BusyBox base that did not
    install it, None when the base image says nothing (a private image, an unresolved ARG)."""
    top = instruction
    while top.parent is not None:
        top = top.parent
    stage = ctx.graph.stage_of(top)
    if stage is None:
        return None
    chain = _stage_chain(ctx, stage)
    for st in chain:
        for ins in st.instructions:
            if ins.name == "RUN" and _installs_wget(ctx, ins):
                return "gnu"
            if ins is top:  # the RUN itself may install it before using it
                if instruction is not top and _installs_wget(ctx, instruction):
                    return "gnu"
                break
    root = chain[-1]
    if root.base_stage is not None:
        return None
    return _image_flavour(root.base_resolved or root.base)


_DIGITS = LazyPattern(r"[0-9]+\Z")


def is_number(text: str) -> bool:
    return bool(_DIGITS.match(text))


def shell_name(shell: Iterable[str]) -> str:
    """The basename of a SHELL's program (``/usr/bin/env bash`` → ``bash``)."""
    words = list(shell)
    while words and basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-") and "=" not in w] or []
    return basename(words[0]).lower() if words else ""


# ---------------------------------------------------------------------------------------------
# the three shapes of package-manager rule (yum, dnf, zypper), configured by class attributes


def _install_word(cmd: Command, subcommands: frozenset[str]) -> Arg | None:
    """The word that makes `cmd` an install: its subcommand (``install``), or the second word of
    ``yum module install`` / ``dnf group install``."""
    positional = cmd.positional
    if not positional:
        return None
    if positional[0].value in subcommands:
        return positional[0]
    if positional[0].value in ("module", "group", "groups") and len(positional) > 1:
        if positional[1].value in subcommands:
            return positional[1]
    return None


class AssumeYesRule:
    """Mixin of DL3030/DL3034/DL3038: an install-like command without its assume-yes flag."""

    families: frozenset[str]
    tools: frozenset[str]
    subcommands: frozenset[str]
    yes_flags: tuple[str, ...]
    insert: str  # the flag the fix inserts
    after_name: bool = False  # insert after the command name (a global option) instead

    def violations(self, ctx: Context) -> Iterator[tuple[Arg, Command, Fix]]:
        for _, _, pcs in package_runs(ctx, self.families):
            for pc in pcs:
                if pc.tool not in self.tools:
                    continue
                word = _install_word(pc.command, self.subcommands)
                if word is None or pc.has_flag(*self.yes_flags):
                    continue
                anchor = pc.command.name_arg if self.after_name else word
                fix = insert_after_fix(anchor, self.insert, f"Add `{self.insert}`")
                yield word, pc.command, fix


class CacheCleanRule:
    """Mixin of DL3032/DL3036/DL3040: an install in a shipped stage whose RUN leaves the package
    cache behind."""

    families: frozenset[str]
    tools: frozenset[str]
    clean_tools: frozenset[str]
    cache_dirs: tuple[str, ...]
    clean_command: str  # e.g. "{tool} clean all"

    def violations(self, ctx: Context) -> Iterator[tuple[Instruction, Command, Fix | None]]:
        for instruction, script, pcs in package_runs(ctx, self.families):
            installs = [
                pc
                for pc in pcs
                if pc.tool in self.tools
                and (pc.action == "install" or _install_word(pc.command, frozenset({"install"})))
            ]
            if not installs or cache_mounted(instruction, self.cache_dirs):
                continue
            if not in_shipped_stage(ctx, instruction):
                continue
            last = max(installs, key=lambda pc: (pc.command.piece, pc.command.outermost._start))
            if cleaned_after(script, last.command, self._is_clean):
                continue
            command = sudo_prefix(last.command) + self.clean_command.format(tool=last.tool)
            fix = append_command_fix(
                instruction, script, last.command, command, f"Append `{command}`"
            )
            yield instruction, last.command, fix

    def _is_clean(self, cmd: Command) -> bool:
        if cmd.basename in self.clean_tools and cmd.subcommand in ("clean", "cc"):
            return True
        return removes_path(cmd, self.cache_dirs)


class PinRule:
    """Mixin of DL3033/DL3037/DL3041: packages installed without a version."""

    families: frozenset[str]
    tools: frozenset[str]
    subcommands: frozenset[str]
    skip_groups: bool = False  # dnf: `dnf group install` names groups, not packages

    def pinned(self, value: str) -> bool:
        raise NotImplementedError

    def skip(self, pc: PackageCommand) -> bool:
        """Commands whose arguments are not versioned packages (zypper's ``-t pattern``)."""
        return False

    def violations(self, ctx: Context) -> Iterator[tuple[Arg, bool]]:
        """(argument, is_module) for each unpinned package or module stream."""
        for _, _, pcs in package_runs(ctx, self.families):
            for pc in pcs:
                if pc.tool not in self.tools or self.skip(pc):
                    continue
                positional = pc.command.positional
                if not positional:
                    continue
                sub = positional[0].value
                if sub in self.subcommands:
                    for package in pc.packages:
                        arg = package.arg
                        if arg.value.startswith("@"):  # @group, @module:stream
                            continue
                        if arg.static and not self.pinned(arg.value):
                            yield arg, False
                elif sub == "module" and len(positional) > 1 and positional[1].value == "install":
                    for arg in positional[2:]:
                        if arg.static and ":" not in arg.value:
                            yield arg, True


def set_option_events(words: Iterable[str]) -> list[tuple[str, bool]]:
    """``(option, on)`` pairs that ``set WORDS`` turns on or off for ``-o NAME`` / ``+o NAME``
    (also in clusters: ``-euxo pipefail``)."""
    out: list[tuple[str, bool]] = []
    items = list(words)
    i = 0
    while i < len(items):
        w = items[i]
        if len(w) < 2 or w[0] not in "-+" or w.startswith("--"):
            break
        if "o" in w[1:] and i + 1 < len(items):
            out.append((items[i + 1], w[0] == "-"))
            i += 2
            continue
        i += 1
    return out
