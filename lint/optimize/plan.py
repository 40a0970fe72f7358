"""Plans and how a plan becomes the new Dockerfile.

A `Plan` says, for the shipped stage: which instructions stay in the build stage, which move to
the runtime stage and which go to both; the runtime base; the runtime packages; the artifacts
``COPY --from=build`` brings over; and lines the recipe adds. A `Refusal` says why no rewrite can
be made with confidence, and may carry a draft whose skeleton is shown (never applied).

`Draft` is the shared half of every recipe: it sorts the stage's instructions into build and
runtime (metadata, users, runtime setup after the build), collects the runtime packages, tracks
where the build's outputs are copied or moved by ``cp``/``mv``/``install``, and renders. A RUN
after the build that moves the output, extracts an archive inside an output folder (``tar xzf
*.tar.gz`` in ``target/dist``) or cleans up (``cargo clean``) stays in the build stage, with the
WORKDIR/ENV written before it; an ENTRYPOINT/CMD that starts a bare shell is refused (the image is
a work environment). A recipe
adds what only it knows: the artifacts, the runtime base, extra build lines.

Rendering works on the original text: the stage's span (from its FROM to its last instruction)
is replaced by the build stage (the original blocks that build, comments and blank lines kept,
the FROM renamed ``AS build``) followed by the runtime stage (blocks in their original order,
the generated lines where they belong). So a reviewer's diff shows the original lines moving,
not rewritten.
"""

from __future__ import annotations

import posixpath

from dflint.fix import Applicability, Edit, Fix
from dflint.optimize.facts import SETUP_COMMANDS, USER_COMMANDS, StageFacts, resolve, under
from dflint.optimize.runtime import (
    BUILD_ONLY_PACKAGES,
    install_run,
    is_shell_less,
    release_of,
    runtime_library,
)
from dflint.source import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dflint.shell import Command

BUILD = "build"
RUNTIME = "runtime"
BOTH = "both"

#: Folders a program commonly reads at run time from its working directory.
RUNTIME_DIRS = ("config", "configs", "conf", "templates", "static", "public", "migrations", "views",
                "assets", "locales", "i18n", "web")

#: Programs whose first argument is a script file (`sh run.sh`, `ruby app.rb`).
SCRIPT_INTERPRETERS = frozenset("sh bash ash dash zsh python python3 python2 ruby perl php node nodejs lua "
                                "luajit Rscript".split())

#: Commands that only print: a RUN of them after the build stays in the build stage.
_INFO_COMMANDS = frozenset("pwd ls dir du tree which whoami uname date id true".split())
#: Commands whose operands are existing files (a runtime RUN's `chown -R app data`).
_FILE_COMMANDS = frozenset("chown chmod chgrp cat cp mv ln sed test stat ls".split())
_MOVE_COMMANDS = frozenset("cp mv install strip upx rm chmod ln mkdir ls echo true test file".split())
#: Commands that extract an archive (the build's distribution archive, `tar xzf target/*.tar.gz`).
_EXTRACT_COMMANDS = frozenset("tar unzip".split())
_SHELLS = frozenset("sh bash ash dash zsh".split())
#: Programs a Debian, Ubuntu or Alpine base has (coreutils, grep, sed, awk, getent, the shell's
#: own): a shell-form ENTRYPOINT/CMD may run them around the program.
BASE_UTILITIES = frozenset(
    "sh bash echo printf cat tee sed awk grep egrep fgrep getent nproc uniq head tail cut tr sort wc sleep "
    "env test [ true false date hostname id whoami mkdir ls cp mv rm ln chmod chown touch dirname basename "
    "readlink expr seq xargs".split())

_REPO_PATHS = ("/etc/apt/sources.list", "/etc/apk/repositories", "/etc/yum.repos.d", "/etc/zypp/repos.d",
               "/etc/apt/trusted.gpg", "/usr/share/keyrings", "/etc/apt/keyrings")

DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

#: File name endings of data and script files a command line may name.
_DATA_SUFFIXES = frozenset("json yaml yml toml ini conf cfg xml properties config lua rb py js mjs cjs sh pl php "
                           "txt env".split())

#: File name endings of configuration files (data a program reads, never code that imports more).
_CONFIG_SUFFIXES = frozenset("json yaml yml toml ini conf cfg properties env".split())

#: where the build stage lists the packages of the libraries the artifacts link against
LDD_LIST = "/tmp/runtime-packages.txt"

_PACKAGE_CLEANUP = frozenset("rm apt-get apt apk yum dnf microdnf zypper true echo set "
                             "update-ca-certificates".split())


class Artifact(Record):
    """``COPY --from=<build> src dest``: `why` says where the path comes from (for the title)."""

    __slots__ = ("src", "dest", "why", "chown")
    _fields = __slots__
    __hash__ = None  # type: ignore[assignment]  # mutable: a recipe may change `dest`

    src: str
    dest: str
    why: str
    chown: str | None

    def __init__(self, src: str, dest: str, why: str = "", chown: str | None = None) -> None:
        self.src = src
        self.dest = dest
        self.why = why
        self.chown = chown


class Refusal(Record):
    """No confident rewrite: `reason` says why; `draft`, when there is one, gives the skeleton."""

    __slots__ = ("reason", "recipe", "draft")
    _fields = __slots__
    __hash__ = None  # type: ignore[assignment]

    reason: str
    recipe: str | None
    draft: Draft | None

    def __init__(self, reason: str, recipe: str | None = None, draft: Draft | None = None) -> None:
        self.reason = reason
        self.recipe = recipe
        self.draft = draft


class Plan(Record):
    __slots__ = ("recipe", "draft")
    _fields = __slots__
    __hash__ = None  # type: ignore[assignment]

    recipe: str
    draft: Draft

    def __init__(self, recipe: str, draft: Draft) -> None:
        self.recipe = recipe
        self.draft = draft

    @property
    def title(self) -> str:
        return self.draft.title(self.recipe)

    def edits(self) -> list[Edit]:
        return self.draft.edits()


class PlanError(Exception):
    """Raised inside a draft to refuse: the message is the reason."""


class Draft(Record):
    """The rewrite being planned for `facts`: the role of each instruction, the text each stage
    gets, the artifacts to copy and the runtime base (a mutable record: the recipe fills it)."""

    __slots__ = ("facts", "roles", "runtime_text", "build_text", "build_before", "build_after",
                 "runtime_before", "runtime_after", "artifacts", "artifacts_at", "after_copies",
                 "runtime_base", "same_base", "runtime_packages", "package_manager", "packages_at",
                 "package_reuse", "outputs", "folders", "notes", "build_name", "user_map", "needs_shell",
                 "dropped", "ldd", "late_moves", "build_moves", "reorder_skipped", "program_argv")
    _fields = __slots__
    __hash__ = None  # type: ignore[assignment]  # mutable

    facts: StageFacts
    roles: list[str]
    runtime_text: dict[int, str]  # pos -> replacement in the runtime stage
    build_text: dict[int, str]  # pos -> replacement in the build stage
    build_before: dict[int, list[str]]
    build_after: list[str]  # appended to the build stage
    runtime_before: dict[int, list[str]]
    runtime_after: dict[int, list[str]]
    artifacts: list[Artifact]
    artifacts_at: int  # the artifact COPYs go right after this position
    after_copies: list[str]  # runtime lines right after the COPYs
    runtime_base: str | None
    same_base: bool  # the runtime stage starts FROM the original base, as written
    runtime_packages: list[str]
    package_manager: str | None
    packages_at: int
    package_reuse: str | None  # the original install RUN with its toolchain removed
    outputs: dict[str, str]  # path in the build stage -> why
    folders: set[str]  # outputs that are folders the build writes in
    notes: list[str]
    build_name: str
    user_map: dict[str, str]  # user created in the file -> uid
    needs_shell: bool
    dropped: list[str]  # packages left out of the runtime stage
    #: find the shared libraries the artifacts link against in the build stage (ldd + dpkg -S)
    #: and install their packages in the runtime stage: for a toolchain image whose own
    #: libraries (headers installed with it, not by the file) the runtime base lacks
    ldd: bool
    late_moves: list[int]  # RUNs after the build taken as moves of output
    #: the cache-friendly order (`dflint.optimize.reorder`): the whole-context COPY at a key is
    #: preceded, in the build stage, by the COPY of the manifests (the line) and the dependency
    #: RUN at the position given, which leaves its own place
    build_moves: dict[int, tuple[int, str]]
    reorder_skipped: str | None  # why the build stage keeps its order (when it had a candidate)
    #: the command of the entry's shell script the recipe takes as the program (``java …`` after
    #: ``export X=… && sed -i … &&``); None: `Entry.argv`
    program_argv: tuple[str, ...] | None

    def __init__(self, facts: StageFacts) -> None:
        self.facts = facts
        self.roles = []
        self.runtime_text = {}
        self.build_text = {}
        self.build_before = {}
        self.build_after = []
        self.runtime_before = {}
        self.runtime_after = {}
        self.artifacts = []
        self.artifacts_at = -1
        self.after_copies = []
        self.runtime_base = None
        self.same_base = False
        self.runtime_packages = []
        self.package_manager = None
        self.packages_at = -1
        self.package_reuse = None
        self.outputs = {}
        self.folders = set()
        self.notes = []
        self.build_name = "build"
        self.user_map = {}
        self.needs_shell = False
        self.dropped = []
        self.ldd = False
        self.late_moves = []
        self.build_moves = {}
        self.reorder_skipped = None
        self.program_argv = None

    # ---- sorting instructions ------------------------------------------------------------

    def assign_roles(self) -> None:
        """Build, runtime or both for every instruction (raises PlanError on a RUN after the
        build that is neither runtime setup nor a move of the build's output)."""
        f = self.facts
        last = f.last_build
        if last < 0:
            raise PlanError("no build step runs in a RUN of the shipped stage")
        argv = f.entry.argv
        if argv and posixpath.basename(argv[0]) in _SHELLS and all(a.startswith("-") for a in argv[1:]):
            raise PlanError(f"ENTRYPOINT/CMD starts an interactive shell (`{' '.join(argv)}`): the image is a "
                            f"work environment, whose toolchain may be what it is for")
        if f.entry.shell_form:
            self.needs_shell = True  # a shell-form ENTRYPOINT/CMD runs /bin/sh
        roles = []
        for pos, ins in enumerate(f.instructions):
            name = ins.name
            if pos == 0:
                roles.append(BUILD)
            elif name in ("ENV", "ARG", "WORKDIR", "SHELL"):
                roles.append(BOTH if pos < last else RUNTIME)
            elif name in ("USER", "VOLUME"):
                roles.append(BOTH if pos < last else RUNTIME)
            elif name in ("LABEL", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "CMD", "ENTRYPOINT",
                          "MAINTAINER", "ONBUILD"):
                roles.append(RUNTIME)
            elif name in ("COPY", "ADD"):
                roles.append(BUILD if pos <= last else RUNTIME)
            elif name == "RUN":
                roles.append(BUILD if pos <= last else self._late_run_role(pos))
            else:
                roles.append(BUILD)
        # a RUN after the build kept in the build stage (a move, an extraction, a cleanup) runs
        # with the WORKDIR, ENV, ARG, SHELL and USER written before it: those go to both stages
        late = [p for p in range(last + 1, len(roles)) if roles[p] == BUILD and f.instructions[p].name == "RUN"]
        if late:
            for p in range(last + 1, late[-1]):
                if roles[p] == RUNTIME and f.instructions[p].name in ("ENV", "ARG", "WORKDIR", "SHELL", "USER"):
                    roles[p] = BOTH
        self.roles = roles
        self.artifacts_at = last
        self.build_name = self._free_name()

    def _late_run_role(self, pos: int) -> str:
        """A RUN after the last build step: runtime setup (users, folders, runtime packages),
        or a move of what the build made (cp/mv/strip of an output)."""
        f = self.facts
        ins = f.instructions[pos]
        cmds = f.commands(ins)
        if not cmds:
            raise PlanError(f"the RUN on line {ins.line} after the build cannot be read as a shell script")
        names = {c.basename for c in cmds}
        if names <= _INFO_COMMANDS:
            return BUILD  # `RUN ls out/`: prints, changes nothing
        if names <= {"cargo", "go", "rm", "true"} and all(c.subcommand == "clean" for c in cmds
                                                          if c.basename in ("cargo", "go")) and names & {"cargo", "go"}:
            return BUILD  # `RUN cargo clean`: deletes what the build left, changes nothing shipped
        if names <= _MOVE_COMMANDS | _EXTRACT_COMMANDS and names & ({"cp", "mv", "install", "strip", "upx"}
                                                                    | _EXTRACT_COMMANDS):
            if any(c.basename == "tar" and not _tar_extracts(c) for c in cmds):
                raise PlanError(f"the RUN on line {ins.line} after the build runs `tar` without extracting, "
                                f"which is neither runtime setup nor a move of the build's output")
            # a move of what the build made (`cp target/release/x /usr/local/bin/`): the
            # outputs are not known yet, so `check_late_moves` confirms it once they are
            self.late_moves.append(pos)
            return BUILD
        if names <= SETUP_COMMANDS | _PACKAGE_CLEANUP:
            if not names <= USER_COMMANDS:
                self.needs_shell = True
            return RUNTIME
        other = sorted(names - SETUP_COMMANDS - _PACKAGE_CLEANUP)
        clone = next((d for p, d in self.git_clones() if p == pos), None)
        if clone is not None and names <= {"git", "cd"} | SETUP_COMMANDS:
            raise PlanError(f"the RUN on line {ins.line} after the build fetches the application with `git clone` "
                            f"into {clone}: the runtime stage would need that whole folder (the sources), "
                            f"which is not a rewrite")
        listed = ", ".join(f"`{n}`" for n in other)
        raise PlanError(f"the RUN on line {ins.line} after the build runs {listed}, which "
                        f"{'is' if len(other) == 1 else 'are'} neither runtime setup nor a move of the build's output")

    def check_late_moves(self) -> None:
        """A RUN after the build taken as a move of its output must name one (an archive it
        extracts must be one, or be extracted inside one)."""
        f = self.facts
        for pos in self.late_moves:
            ins = f.instructions[pos]
            cmds = f.commands(ins)
            for c in cmds:
                if c.basename in _EXTRACT_COMMANDS and not self._extracts_output(ins, c):
                    raise PlanError(f"the RUN on line {ins.line} after the build runs `{c.basename}` on an "
                                    f"archive that is not the build's output (or outside it)")
            if not any(self._mentions_output(ins, c) for c in cmds):
                names = sorted({c.basename for c in f.commands(ins)})
                raise PlanError(f"the RUN on line {ins.line} after the build runs `{names[0]}`, which is "
                                f"neither runtime setup nor a move of the build's output")

    def _mentions_output(self, ins, cmd: Command) -> bool:
        f = self.facts
        cwd = f.cwd_of(ins, cmd)
        for a in cmd.args:
            if a.value.startswith("-"):
                continue
            value = f.arg_value(ins, a)
            path = resolve(value, cwd) if value else None
            if path and any(under(path, out) or under(out, path) for out in self.outputs):
                return True
        return False

    def _extracts_output(self, ins, cmd: Command) -> bool:
        """``tar xzf *.tar.gz`` / ``unzip x.zip`` of an archive the build wrote, extracted into a
        folder the build writes in (its working directory, or ``-C``/``-d``)."""
        f = self.facts
        cwd = f.cwd_of(ins, cmd)
        if cwd is None:
            return False
        dest = cwd
        flag = "-C" if cmd.basename == "tar" else "-d"
        value = cmd.option(flag, "--directory", takes_value=(flag, "--directory", "-f", "--file"))
        if value is not None:
            dest = resolve(value, cwd) or ""
        inside = [o for o in self.outputs if o != "/" and under(dest, o) and o in self.folders]
        return bool(inside)

    def _free_name(self) -> str:
        taken = {s.name for s in self.facts.graph.stages if s.name}
        name, n = "build", 1
        while name in taken:
            n += 1
            name = f"build{n}"
        return name

    # ---- outputs -------------------------------------------------------------------------

    def add_output(self, path: str | None, why: str, folder: bool = False) -> None:
        if path:
            path = posixpath.normpath(path)
            self.outputs.setdefault(path, why)
            if folder:
                self.folders.add(path)

    def track_moves(self) -> None:
        """Follow ``cp``/``mv``/``install`` of an output in the RUNs from the first build step
        on: the destination is an output too (a moved source no longer is)."""
        f = self.facts
        first = f.build_positions[0] if f.build_positions else 0
        for pos in range(first, len(f.instructions)):
            ins = f.instructions[pos]
            if ins.name != "RUN" or (self.roles and self.roles[pos] != BUILD):
                continue
            for cmd in f.commands(ins):
                if cmd.basename not in ("cp", "mv", "install"):
                    continue
                flags = {a.value for a in cmd.args if a.value.startswith("-")}
                if cmd.basename == "install" and ("-d" in flags or "--directory" in flags):
                    continue
                cwd = f.cwd_of(ins, cmd)
                words = [a for a in cmd.args if not a.value.startswith("-")]
                if cmd.basename == "install":
                    words = _install_positional(cmd)
                if len(words) < 2:
                    continue
                values = [f.arg_value(ins, a) for a in words]
                if any(v is None or not a.static and ("$(" in a.raw or "`" in a.raw) for v, a in zip(values, words)):
                    self._move_of_printed(ins, cmd, words, values, cwd)
                    continue
                paths = [resolve(v, cwd) for v in values]  # type: ignore[arg-type]
                if any(p is None for p in paths):
                    continue
                *srcs, dest = paths
                dest_is_dir = (values[-1].endswith("/") or values[-1] in (".", "./") or len(srcs) > 1
                               or dest in self._known_dirs(pos))
                for src, raw in zip(srcs, values[:-1]):
                    hit = next((o for o in list(self.outputs) if under(src, o)), None)  # type: ignore[arg-type]
                    if hit is None:
                        # a glob naming outputs: target/release/app-*
                        if any(ch in raw for ch in "*?["):
                            import fnmatch
                            matches = [o for o in list(self.outputs) if fnmatch.fnmatchcase(o, src)]  # type: ignore[arg-type]
                            for m in matches:
                                self._move(m, posixpath.join(dest, posixpath.basename(m)), cmd, ins)
                        continue
                    target = posixpath.join(dest, posixpath.basename(src)) if dest_is_dir else dest  # type: ignore[arg-type]
                    self._move(src, target, cmd, ins)  # type: ignore[arg-type]

    def _move_of_printed(self, ins, cmd: Command, words, values, cwd: str | None) -> None:
        """``mv "$(lein uberjar | sed -n 's/^Created \\(.*\\)/\\1/p')" app.jar``: the source is a
        path the build step inside the substitution prints, so the destination file (named, not
        a folder) is the build's output."""
        if cmd.basename not in ("mv", "cp") or len(words) != 2 or values[1] is None or values[1].endswith("/"):
            return
        src = words[0].span
        for b in self.facts.ev.builds:
            bc = b.command
            if b.instruction is ins and bc is not None and src.start <= bc.span.start and bc.span.end <= src.end:
                dest = resolve(values[1], cwd)
                if dest and dest not in self._known_dirs(self.facts.pos(ins)):
                    self.add_output(dest, f"`{cmd.basename}` on line {ins.line} of what `{b.tool}` writes")
                return

    def _move(self, src: str, target: str, cmd, ins) -> None:
        self.outputs[posixpath.normpath(target)] = f"`{cmd.basename}` on line {ins.line}"
        if cmd.basename == "mv":
            self.outputs.pop(src, None)

    def _known_dirs(self, pos: int) -> set[str]:
        f = self.facts
        dirs = {d for d in f.workdirs[: pos + 1] if d}
        dirs.update(("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/app", "/opt", "/srv",
                     "/usr/local/lib", "/tmp"))
        return dirs

    def output_for(self, word: str, cwd: str | None) -> str | None:
        """The output a command word names: an absolute or relative path to an output (or a
        file inside one), or a bare name matching an output's file name."""
        if "/" in word:
            path = resolve(word, cwd)
            if path is None:
                return None
            for out in self.outputs:
                if under(path, out):
                    return path
            return None
        named = [out for out in self.outputs if posixpath.basename(out) == word and out not in self.folders]
        on_path = [out for out in named if posixpath.dirname(out) in self.path_dirs()]
        return (on_path or named or [None])[0]

    def path_dirs(self) -> list[str]:
        """The folders on the PATH where ENTRYPOINT/CMD run: Docker's default PATH and the
        folders an ENV PATH of the file adds (``$PATH`` itself left out)."""
        f = self.facts
        dirs = list(DEFAULT_PATH)
        entry = f.entry.instructions
        written = f.env_written(entry[-1], "PATH") if entry else None
        for d in (written or "").split(":"):
            if d and "$" not in d and d.startswith("/"):
                dirs.append(posixpath.normpath(d))
        return dirs

    def put_program_on_path(self) -> None:
        """A bare program name (``CMD ["api"]``) is found on the PATH: an artifact of that name
        copied into a folder off the runtime PATH (``/go/bin`` of the golang image,
        ``target/release``) goes to ``/usr/local/bin`` instead."""
        program = self.facts.entry.program
        if not program or "/" in program or "$" in program:
            return
        dirs = self.path_dirs()
        for a in self.artifacts:
            if posixpath.basename(a.dest.rstrip("/")) == program and posixpath.dirname(a.dest) not in dirs \
                    and a.src not in self.folders:
                a.dest = posixpath.join("/usr/local/bin", program)

    # ---- runtime packages ----------------------------------------------------------------

    def collect_packages(self, runtime_package, headers_matter: bool = True, drop: frozenset[str] = frozenset(),
                         release: str | None = None) -> None:
        """The packages the runtime stage installs: every package the build part installed that
        is not a toolchain (minus `drop` and build-only helpers), a ``-dev`` package's runtime
        library (when `headers_matter`), and what `runtime_package(install)` maps a toolchain
        package to (``nodejs`` stays, ``default-jdk`` → ``default-jre-headless``)."""
        f = self.facts
        used = self._used_commands()
        if release is None:
            release = release_of(f.base_ref)
        out: list[str] = []
        first_pos = -1
        for inst in f.installs:
            if inst.pos > f.last_build or inst.removed or self.roles[inst.pos] == RUNTIME:
                continue
            if inst.name == "$?":
                raise PlanError(f"the packages of `{inst.raw}` on line {f.instructions[inst.pos].line} "
                                f"are not known (an unresolved variable)")
            if first_pos < 0:
                first_pos = inst.pos
            self.package_manager = self.package_manager or inst.manager
            names: list[str]
            mapped = runtime_package(inst)
            if mapped is not None:
                names = list(mapped)
            elif inst.toolchain_role is None:
                if (inst.name in BUILD_ONLY_PACKAGES or inst.name in drop) and inst.name not in used:
                    names = []
                else:
                    names = [inst.raw if inst.version else inst.name]
            elif inst.toolchain_role == "headers":
                if not headers_matter:
                    names = []
                else:
                    lib = runtime_library(inst.manager, inst.name, release)
                    if lib.unknown:
                        raise PlanError(lib.unknown)
                    names = list(lib.packages)
            else:
                names = []
            if not names:
                self.dropped.append(inst.name)
            for n in names:
                if n not in out:
                    out.append(n)
        self.runtime_packages = out
        self.packages_at = first_pos
        if out:
            added = self._repository_setup()
            if added is not None:
                raise PlanError(f"the packages come from a package repository the file sets up on line {added}, "
                                f"which the runtime stage does not have")

    def _repository_setup(self) -> int | None:
        """The line of the first instruction of the build part that adds or changes a package
        repository (``add-apt-repository``, ``apt-key``, a write into /etc/apt/sources.list*,
        /etc/apk/repositories or /etc/yum.repos.d, ``curl … | bash`` setup scripts), or None."""
        f = self.facts
        for pos, ins in enumerate(f.instructions[: f.last_build + 1]):
            if ins.name in ("COPY", "ADD"):
                c = next((c for c in f.copies() if c.pos == pos), None)
                if c is not None and c.dest_abs and c.dest_abs.startswith(_REPO_PATHS):
                    return ins.line
                continue
            if ins.name != "RUN":
                continue
            script = f.script(ins)
            if script is None:
                continue
            names = set()
            for cmd in script.commands:
                cmd = cmd.unwrapped()
                names.add(cmd.basename)
                if cmd.basename in ("add-apt-repository", "apt-add-repository", "apt-key", "yum-config-manager",
                                    "dnf", "zypper") and (cmd.basename not in ("dnf", "zypper") or cmd.subcommand in (
                                        "config-manager", "addrepo", "ar")):
                    return ins.line
                if cmd.basename in ("apt-get", "apt", "apk", "yum", "dnf"):
                    continue
                for a in cmd.args:
                    if a.value.startswith(_REPO_PATHS):
                        return ins.line
                for r in getattr(cmd, "redirects", ()):
                    if r.op in (">", ">>") and r.target is not None and r.target.value.startswith(_REPO_PATHS):
                        return ins.line
            if names & {"curl", "wget"} and any(c.basename in ("bash", "sh")
                                                and not [a for a in c.positional if a.value != "-"]
                                                for c in (x.unwrapped() for x in script.commands)):
                return ins.line  # curl -sL https://deb.nodesource.com/setup_20.x | bash -
        return None

    def _used_commands(self) -> set[str]:
        f = self.facts
        used: set[str] = set()
        for ins in f.instructions:
            if ins.name in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
                if ins.json is not None:
                    argv = list(ins.json)
                    if ins.name == "HEALTHCHECK" and argv:
                        argv = argv[1:] if argv[0] == "CMD" else argv
                    used.update(posixpath.basename(a) for a in argv[:1])
                else:
                    for c in f.commands(ins):
                        used.add(c.basename)
        return used

    def reuse_install_run(self) -> None:
        """When one pure install RUN holds every runtime package, keep its text (flags, cleanup,
        comments) with the toolchain packages taken out, instead of a generated RUN."""
        f = self.facts
        runs = sorted({i.pos for i in f.installs if i.pos <= f.last_build and self.roles[i.pos] != RUNTIME})
        if len(runs) != 1 or not self.runtime_packages:
            return
        pos = runs[0]
        ins = f.instructions[pos]
        cmds = f.commands(ins)
        pcs = f.package_commands(ins)
        pc_cmds = {id(pc.command) for pc in pcs}
        for c in cmds:
            if id(c) in pc_cmds or c.basename in ("rm", "true"):
                if c.basename == "rm" and not all(a.value.startswith(("-", "/var/lib/apt/lists", "/var/cache"))
                                                  for a in c.args):
                    return
                continue
            return
        installs = [i for i in f.installs if i.pos == pos]
        wanted = list(self.runtime_packages)
        edits: list[tuple[int, int, str]] = []
        kept_per_command: dict[int, int] = {}
        for pc in pcs:
            if pc.action == "install":
                kept_per_command[id(pc.command)] = 0
        args = {}
        for inst in installs:
            arg = next((p.arg for pc in pcs for p in pc.packages if p.arg.raw == inst.raw
                        and pc.command is inst.command), None)
            if arg is None or not arg.static:
                return
            args[id(inst)] = arg
        decided: dict[int, str | None] = {}  # id(inst) -> replacement text, None to drop, "" keep
        for inst in installs:  # exact keeps first, then -dev → runtime library replacements
            keep = (inst.raw if inst.version else inst.name)
            if keep in wanted:
                wanted.remove(keep)
                decided[id(inst)] = ""
        for inst in installs:
            if id(inst) in decided:
                continue
            lib = runtime_library(inst.manager, inst.name, release_of(f.base_ref)).packages \
                if inst.toolchain_role == "headers" else ()
            repl = [n for n in lib if n in wanted]
            for n in repl:
                wanted.remove(n)
            decided[id(inst)] = " ".join(repl) if repl else None
        for inst in installs:
            arg = args[id(inst)]
            d = decided[id(inst)]
            if d == "":
                kept_per_command[id(inst.command)] = kept_per_command.get(id(inst.command), 0) + 1
            elif d:
                edits.append((arg.span.start, arg.span.end, d))
                kept_per_command[id(inst.command)] = kept_per_command.get(id(inst.command), 0) + 1
            else:
                cut = self._drop_arg(arg.span.start, arg.span.end)
                if cut is None:
                    return
                edits.append(cut)
        if wanted or any(n == 0 for n in kept_per_command.values()):
            return
        start, end = ins.span.start, ins.span.end
        text = f.text
        out, cur = [], start
        for s, e, content in sorted(edits):
            if s < cur:
                return
            out.append(text[cur:s])
            out.append(content)
            cur = e
        out.append(text[cur:end])
        self.package_reuse = f._with_newline("".join(out))

    def _drop_arg(self, start: int, end: int) -> tuple[int, int, str] | None:
        """Delete a package argument with the separator before it (blanks, line
        continuations): ``a \\⏎    gcc \\⏎    b`` → ``a \\⏎    b``. None when a comment line
        sits in between."""
        text = self.facts.text
        esc = self.facts.ctx.dockerfile.escape
        s = start
        while s > 0:
            ch = text[s - 1]
            if ch in " \t\r\n":
                s -= 1
            elif ch == esc:
                j = s
                while j < len(text) and text[j] in " \t":
                    j += 1
                if j < len(text) and text[j] in "\r\n":
                    s -= 1
                else:
                    break
            else:
                break
        if "#" in text[s:start]:
            return None
        return (s, end, "")

    # ---- users ---------------------------------------------------------------------------

    def recreate_users(self) -> None:
        """A user created in the build part (a RUN before the last build step) is created again
        in the runtime stage; with no shell there (scratch, distroless) USER becomes numeric."""
        f = self.facts
        shell_less = self.runtime_base is not None and is_shell_less(self.runtime_base) and not self.same_base
        created: dict[str, str | None] = {}  # user -> uid if given
        for pos, ins in enumerate(f.instructions):
            if ins.name != "RUN":
                continue
            cmds = f.commands(ins)
            user_cmds = [c for c in cmds if c.basename in USER_COMMANDS]
            if not user_cmds:
                continue
            for c in user_cmds:
                if c.basename in ("useradd", "adduser"):
                    name = _user_name(c)
                    if name:
                        created[name] = c.option("-u", "--uid", takes_value=("-u", "--uid", "-g", "--gid", "-G",
                                                                             "--groups", "-s", "--shell", "-d",
                                                                             "--home", "--home-dir", "-c",
                                                                             "--comment", "-h", "-k", "-K"))
            if self.roles[pos] == RUNTIME:
                if shell_less:
                    others = [c for c in cmds if c.basename not in USER_COMMANDS]
                    if others:
                        self.needs_shell = True
                    else:
                        self.runtime_text[pos] = ""
                continue
            if shell_less:
                continue
            if all(c.basename in USER_COMMANDS | {"mkdir", "chown", "chmod"} for c in cmds):
                self.roles[pos] = BOTH
            else:
                text = " \\\n    && ".join(c.outermost.text for c in user_cmds)
                self.runtime_after.setdefault(pos, []).append(f"{self._kw('RUN')} {text}")
        if shell_less:
            for pos, ins in enumerate(f.instructions):
                if ins.name == "USER" and self.roles[pos] in (RUNTIME, BOTH):
                    user, _, group = ins.args.strip().partition(":")
                    if user.isdigit() and (not group or group.isdigit()):
                        continue
                    if user in created or user in ("nonroot", "nobody"):
                        uid = created.get(user) or ("65534" if user == "nobody" else "65532")
                        self.user_map[user] = uid
                        kw = "USER" if ins.keyword.isupper() else ins.keyword
                        self.runtime_text[pos] = f.comments_text(pos) + f"{kw} {uid}:{uid}" + f.newline
                    elif user == "root":
                        continue
                    else:
                        raise PlanError(f"USER {user} on line {ins.line} is not created in this file, and "
                                        f"{self.runtime_base} has no such user")

    # ---- the container's command ---------------------------------------------------------

    def provided_by_runtime_copy(self, path: str) -> bool:
        """Whether a COPY/ADD carried into the runtime stage puts something at `path`."""
        f = self.facts
        for c in f.copies():
            if self.roles[c.pos] not in (RUNTIME, BOTH):
                continue
            for s in c.sources:
                t = c.target_of(s)
                if t and (under(path, t) or path == t):
                    return True
        return False

    def carry_copies_of(self, path: str) -> bool:
        """Carry into the runtime stage a COPY of the build part that puts `path` there (an
        entrypoint script, a config file): True when there is one."""
        f = self.facts
        found = False
        for c in f.copies():
            if self.roles[c.pos] != BUILD or c.whole_context:
                continue
            for s in c.sources:
                t = c.target_of(s)
                if t and under(path, t):
                    self.roles[c.pos] = BOTH
                    found = True
        return found

    def runtime_dirs_from_context(self, workdir: str | None) -> None:
        """Folders the program reads from its working directory (templates/, static/, …), when
        they came from the build context into that directory: copied from the build stage."""
        f = self.facts
        if workdir is None:
            return
        have = {a.dest for a in self.artifacts}
        for c in f.copies():
            if self.roles[c.pos] != BUILD or c.from_ is not None or c.instruction.name == "ADD" and any(
                    "://" in s for s in c.sources):
                continue
            for s in c.sources:
                target = c.target_of(s)
                if target is None:
                    continue
                if c.whole_context or s.rstrip("/") in (".", ""):
                    if target != workdir:
                        continue
                    bc = f.context
                    if bc is None:
                        if "the build context is unknown" not in " ".join(self.notes):
                            self.notes.append("the build context is unknown, so folders the program may "
                                              "read at run time (templates/, static/…) are not copied")
                        continue
                    listing = bc.listdir(".") or {}
                    for name in RUNTIME_DIRS:
                        if listing.get(name) and not bc.excluded(name):
                            dest = posixpath.join(workdir, name)
                            if dest not in have:
                                self.artifacts.append(Artifact(dest, dest, "from the build context"))
                                have.add(dest)
                    continue
                base = posixpath.basename(s.rstrip("/"))
                parent = posixpath.dirname(target)
                if base in RUNTIME_DIRS and (parent == workdir or target == posixpath.join(workdir, base)):
                    if target not in have:
                        self.artifacts.append(Artifact(target, target, "from the build context"))
                        have.add(target)
        self.context_paths_named()

    def _runtime_words(self) -> list[tuple[int, str, str | None, bool]]:
        """Words the runtime stage's instructions name, with the directory a relative one is
        relative to: (position, word, cwd, a file command's operand). RUN (each command's
        operands), ENTRYPOINT/CMD (the command line), VOLUME."""
        f = self.facts
        out: list[tuple[int, str, str | None, bool]] = []
        for pos, ins in enumerate(f.instructions):
            if self.roles[pos] not in (RUNTIME, BOTH):
                continue
            if ins.name == "RUN":
                for cmd in f.commands(ins):
                    cwd = f.cwd_of(ins, cmd)
                    if cwd is None:
                        continue
                    filecmd = cmd.basename in _FILE_COMMANDS
                    for a in cmd.positional:
                        if a.static:
                            out.append((pos, a.value, cwd, filecmd))
            elif ins.name == "VOLUME":
                words = ins.json if ins.json is not None else [w.value for w in ins.words]
                out.extend((pos, w, f.workdir_at(ins), False) for w in words)
        entry = f.entry
        for w in entry.argv[1:]:
            out.append((-1, w, entry.workdir, False))
        return out

    def context_paths_named(self) -> None:
        """A path the runtime stage names (``chown -R app data``, ``CMD ["minigrep", "poem.txt"]``,
        ``VOLUME data``) that came from the build context with a whole-context COPY into a
        directory: its top-level entry is copied from the build stage when the build context
        shows it is there. With the build context unknown, a file command's operand there (chown,
        chmod, cat…) is a refusal: whether it is in the context cannot be known."""
        f = self.facts
        whole = [c for c in f.copies() if self.roles[c.pos] == BUILD and c.from_ is None
                 and c.instruction.name == "COPY" and any(
                     c.whole_context or s.rstrip("/") in (".", "") for s in c.sources)]
        if not whole:
            return
        targets = {t for c in whole for s in c.sources if (c.whole_context or s.rstrip("/") in (".", ""))
                   and (t := c.target_of(s)) is not None}
        bc = f.context
        listing = (bc.listdir(".") or {}) if bc is not None else None
        for pos, word, cwd, filecmd in self._runtime_words():
            if not word or word.startswith("-") or "$" in word or "://" in word or "=" in word or "*" in word:
                continue
            path = resolve(word, cwd)
            if path is None:
                continue
            for t in sorted(targets):
                if path == t or not under(path, t):
                    continue
                top = posixpath.relpath(path, t).split("/")[0]
                if top in ("", ".", ".."):
                    continue
                dest = posixpath.join(t, top)
                if any(under(dest, a.dest) for a in self.artifacts) or any(
                        under(a.src, dest) and a.src == dest for a in self.artifacts):
                    continue
                if any(out != "/" and under(dest, out) for out in self.outputs):
                    continue
                if listing is None:
                    if filecmd:
                        line = f.instructions[pos].line
                        raise PlanError(f"line {line} names {word} ({path}), which may have come with the "
                                        f"whole build context copied into {t}; the build context is unknown, "
                                        f"so whether the runtime stage needs it cannot be known")
                    continue
                if listing.get(top) is None or bc.excluded(top):
                    continue
                self.artifacts.append(Artifact(dest, dest, "from the build context"))

    def git_clones(self) -> list[tuple[int, str]]:
        """(position, folder) of every ``git clone`` in the stage's RUNs whose folder is known."""
        f = self.facts
        out: list[tuple[int, str]] = []
        takes = ("--depth", "-b", "--branch", "-o", "--origin", "--reference", "--separate-git-dir", "-c",
                 "--config", "--filter", "-j", "--jobs", "-u", "--upload-pack", "--template", "--shallow-since",
                 "--shallow-exclude")
        for pos, ins in enumerate(f.instructions):
            if ins.name != "RUN":
                continue
            for cmd in f.commands(ins):
                if cmd.basename != "git" or cmd.subcommand != "clone":
                    continue
                words = [a for a in cmd.positional(takes)][1:]
                if not words:
                    continue
                values = [f.arg_value(ins, a) for a in words]
                if len(values) > 1 and values[1] is not None:
                    folder = values[1]
                elif values[0] is not None:
                    folder = posixpath.basename(values[0].rstrip("/"))
                    folder = folder[: -len(".git")] if folder.endswith(".git") else folder
                else:
                    continue
                path = resolve(folder, f.cwd_of(ins, cmd))
                if path:
                    out.append((pos, path))
        return out

    def origin_of(self, path: str | None) -> str | None:
        """Where a file the build does not write comes from (for a refusal's reason): a COPY
        of the build context, or a ``git clone``; None when not known."""
        if not path:
            return None
        f = self.facts
        for pos, folder in reversed(self.git_clones()):
            if under(path, folder):
                return f"a file of the `git clone` on line {f.instructions[pos].line}"
        for c in reversed(list(f.copies())):
            if c.from_ is not None:
                continue
            for s in c.sources:
                t = c.target_of(s)
                if t and under(path, t):
                    return f"a file copied from the build context on line {c.instruction.line}"
        return None

    def not_built(self, program: str, path: str | None) -> PlanError:
        """The refusal for a program that is not what the build writes, saying where it comes
        from when that is known."""
        origin = self.origin_of(path)
        if origin is not None:
            return PlanError(f"ENTRYPOINT/CMD runs {path}, {origin}, not what the build writes: what it "
                             f"runs, and so what the runtime stage needs, is not known")
        built = ", ".join(sorted(self.outputs)) or "nothing known"
        return PlanError(f"ENTRYPOINT/CMD runs `{program}`, which is not what the build writes ({built})")

    def check_entry_script(self) -> None:
        """Files ENTRYPOINT/CMD names must reach the runtime stage: the script an interpreter is
        given (`sh run.sh`, `ruby app.rb`) and a file argument (`./server config.json`,
        `-c conf/app.ini`, the entries of `java -cp a:b/*`). Each must be an artifact, under a
        COPY carried into the runtime stage, or put there by a COPY of the build part that copies
        it by name (then carried); one inside the whole build context copied for the build, or
        inside a build folder, is a refusal (copying the source tree is not a rewrite).

        A shell script's other commands (`export X=$(getent …) && sed -i … conf.json && app`)
        must be the shell's builtins or programs every Debian/Ubuntu/Alpine base has, and the
        files they name must reach the runtime stage too."""
        f = self.facts
        entry = f.entry
        argv = list(self.program_argv or entry.argv)
        if not argv:
            return
        self._check_entry_words(argv)
        program = tuple(argv)
        for c in entry.commands:
            if not c.argv or c.argv == program or c.builtin and not c.substitution:
                continue
            if c.substitution:
                if "$" not in c.argv[0] and posixpath.basename(c.argv[0]) not in BASE_UTILITIES:
                    raise PlanError(f"ENTRYPOINT/CMD runs `{c.argv[0]}` in a command substitution; whether the "
                                    f"runtime stage has it is not known")
                continue
            self._check_helper(c.argv)

    def _check_helper(self, argv: tuple[str, ...]) -> None:
        name = posixpath.basename(argv[0])
        if name not in BASE_UTILITIES:
            raise PlanError(f"ENTRYPOINT/CMD also runs `{argv[0]}`; whether the runtime stage has it is not known")
        self._check_entry_words(list(argv))

    def _check_entry_words(self, argv: list[str]) -> None:
        entry = self.facts.entry
        interpreter = posixpath.basename(argv[0]) in SCRIPT_INTERPRETERS
        if interpreter and any(a in ("-c", "-m", "-e", "-r", "--eval", "--require") for a in argv[1:]):
            return
        if entry.shell_form and posixpath.basename(argv[0]) in ("sh", "bash"):
            return
        words = list(argv[1:])
        if posixpath.basename(argv[0]) == "java":
            # class and module paths: each entry (`lib/*` is the folder's jars)
            split: list[str] = []
            for i, w in enumerate(words):
                if i and words[i - 1] in ("-cp", "-classpath", "--class-path", "-p", "--module-path"):
                    split.extend(e[:-2] if e.endswith("/*") else e for e in w.split(":") if e and e != ".")
                elif w.startswith(("--class-path=", "--module-path=")):
                    split.extend(e[:-2] if e.endswith("/*") else e for e in w.split("=", 1)[1].split(":") if e)
                else:
                    split.append(w)
            words = split
        first = True
        for word in words:
            if word.startswith("-") or "$" in word or "://" in word or "=" in word or not word:
                continue
            is_script = interpreter and first
            first = False
            base = posixpath.basename(word.rstrip("/"))
            if not (is_script and ("/" in word or "." in base.lstrip("."))) and not (
                    "/" in word or base.rsplit(".", 1)[-1].lower() in _DATA_SUFFIXES and "." in base):
                continue
            path = resolve(word, entry.workdir)
            if path is None:
                raise PlanError(f"ENTRYPOINT/CMD names {word}, and the WORKDIR is not known")
            self._check_entry_file(word, path)

    def _check_entry_file(self, word: str, path: str) -> None:
        f = self.facts
        if any(under(path, a.dest) for a in self.artifacts) or self.provided_by_runtime_copy(path):
            return
        base = posixpath.basename(path)
        if "." in base.lstrip(".") and base.rsplit(".", 1)[-1].lower() in _CONFIG_SUFFIXES:
            # a configuration file named by the command line (`sed -i … src/main/conf/config.json`,
            # `app conf/app.yaml`) inside a folder the build part copied: that file alone
            for c in f.copies():
                if self.roles[c.pos] != BUILD or c.from_ is not None or c.whole_context:
                    continue
                if any((t := c.target_of(s)) and under(path, t) and path != t and t != f.entry.workdir
                       for s in c.sources):
                    self.artifacts.append(Artifact(path, path, "named by ENTRYPOINT/CMD"))
                    return
        if self.carry_copies_of(path):
            return
        for c in f.copies():
            if self.roles[c.pos] != BUILD:
                continue
            for s in c.sources:
                t = c.target_of(s)
                if t and under(path, t):
                    raise PlanError(f"ENTRYPOINT/CMD names {word} ({path}), which came with the files copied "
                                    f"on line {c.instruction.line}; which of them the program needs is not known")
        for out in self.outputs:
            if out != "/" and under(path, out):
                raise PlanError(f"ENTRYPOINT/CMD names {word} ({path}), inside {out}, which the build writes "
                                f"and the runtime stage does not get")

    # ---- rendering -----------------------------------------------------------------------

    def _kw(self, word: str) -> str:
        kw = self.facts.instructions[0].keyword
        return word.lower() if kw.islower() else word

    def _ldd_line(self) -> str:
        paths = " ".join(a.src for a in self.artifacts)
        run = self._kw("RUN")
        # no pipes (DL4006 would ask for pipefail, under which ldd and dpkg -S, which fail on some
        # files by design, would fail the step): intermediate files, each step's status ignored
        return (f"{run} find {paths} -type f \\( -perm -u+x -o -name '*.so*' \\) -exec ldd {{}} + "
                f"> /tmp/ldd.txt 2>/dev/null; \\\n"
                f"    awk '$3 ~ /^\\// && !seen[$3]++ {{print $3; if ($3 ~ /^\\/lib/) print \"/usr\" $3}}' "
                f"/tmp/ldd.txt > /tmp/libs.txt; \\\n"
                f"    xargs -r -a /tmp/libs.txt dpkg -S > /tmp/owners.txt 2>/dev/null; \\\n"
                f"    awk -F: '!/^diversion/ && !seen[$1]++ {{print $1}}' /tmp/owners.txt > {LDD_LIST} \\\n"
                f"    && rm -f /tmp/ldd.txt /tmp/libs.txt /tmp/owners.txt")

    def _ldd_install(self) -> str:
        extra = (" " + " ".join(self.runtime_packages)) if self.runtime_packages else ""
        run = self._kw("RUN")
        return (f"{run} apt-get update \\\n"
                f"    && xargs -a {LDD_LIST} apt-get install -y --no-install-recommends{extra} \\\n"
                f"    && rm -rf /var/lib/apt/lists/* {LDD_LIST}")

    def _kw_line(self, line: str) -> str:
        keyword, _, rest = line.partition(" ")
        return f"{self._kw(keyword)} {rest}"

    def build_from(self) -> str:
        f = self.facts
        ins = f.instructions[0]
        text = f.instruction_text(0)
        offset = ins.span.start
        st = f.stage
        if st.name_span is not None:
            s, e = st.name_span.start - offset, st.name_span.end - offset
            return text[:s] + self.build_name + text[e:]
        anchor = st.base_span.end if st.base_span is not None else ins.args_span.end
        a = anchor - offset
        return text[:a] + f" {self._kw('AS')} {self.build_name}" + text[a:]

    def runtime_from(self) -> str:
        f = self.facts
        st = f.stage
        ins = f.instructions[0]
        base = st.base if self.same_base else self.runtime_base
        flags = ""
        plat = ins.flag("platform")
        if plat is not None and plat.value and "BUILDPLATFORM" not in plat.value:
            flags = f" --platform={plat.value}"
        name = ""
        if st.name_span is not None:
            as_word = next((w.value for w in ins.words if w.value.lower() == "as"), self._kw("AS"))
            name = f" {as_word} {f.text[st.name_span.start:st.name_span.end]}"
        return f"{self._kw('FROM')}{flags} {base}{name}"

    def copy_line(self, a: Artifact) -> str:
        flags = f"--from={self.build_name}"
        if a.chown:
            flags += f" --chown={a.chown}"
        src, dest = a.src, a.dest
        if any(ch in src + dest for ch in " \t\"'$"):
            import json  # (rare: not at import, a cold check's DF200 help line needs none)

            return f"{self._kw('COPY')} {flags} {json.dumps([src, dest])}"
        return f"{self._kw('COPY')} {flags} {src} {dest}"

    def packages_line(self) -> str | None:
        if not self.runtime_packages:
            return None
        if self.package_reuse is not None:
            return self.package_reuse
        assert self.package_manager is not None
        text = install_run(self.package_manager, self.runtime_packages)
        if not self.facts.instructions[0].keyword.isupper():
            text = "run" + text[3:]
        return text

    def render(self, skeleton_reason: str | None = None) -> str:
        f = self.facts
        nl = f.newline
        out: list[str] = [self.build_from()]

        def emit(chunks: list[str], block_text: str, blank: bool) -> None:
            if blank and chunks and not chunks[-1].endswith(nl + nl) and chunks[-1] != nl:
                chunks.append(nl)
            chunks.append(block_text)

        moved = {p for p, _ in self.build_moves.values()}
        for pos in range(1, len(f.instructions)):
            if pos in moved:
                continue
            for line in self.build_before.get(pos, ()):
                out.append(_lines(line, nl))
            if pos in self.build_moves:
                dep, manifests = self.build_moves[pos]
                for line in self.build_before.get(dep, ()):
                    out.append(_lines(line, nl))
                emit(out, _lines(manifests, nl), f.blocks[pos].blank_before)
                out.append(self.build_text.get(dep, f.block_text(dep)))
                out.append(self.build_text.get(pos, f.block_text(pos)))
                continue
            if self.roles[pos] in (BUILD, BOTH):
                emit(out, self.build_text.get(pos, f.block_text(pos)), f.blocks[pos].blank_before)
        for line in self.build_after:
            out.append(_lines(line, nl))
        if self.ldd and skeleton_reason is None:
            out.append(_lines(self._ldd_line(), nl))

        rt: list[str] = [_lines(self.runtime_from(), nl)]
        implicit = f.base_workdir
        first_wd = next((i for i in f.instructions if i.name == "WORKDIR"), None)
        if not self.same_base and implicit not in (None, "/") and (
                first_wd is None or not first_wd.args.strip().strip("\"'").startswith(("/", "$"))):
            rt.append(_lines(f"{self._kw('WORKDIR')} {implicit}", nl))
        pkg = self.packages_line()
        copies = [_lines(self.copy_line(a), nl) for a in self.artifacts]
        if self.ldd and skeleton_reason is None:
            rt.append(_lines(self.copy_line(Artifact(LDD_LIST, LDD_LIST)), nl))
            rt.append(_lines(self._ldd_install(), nl))
            pkg = None
        copies += [_lines(self._kw_line(line), nl) for line in self.after_copies]
        if skeleton_reason is not None:
            copies = [_lines(f"# dflint: COPY --from={self.build_name} the artifacts here ({skeleton_reason})", nl)]
        if pkg is not None and self.packages_at < 0:
            rt.append(_lines(pkg, nl))
        for pos in range(1, len(f.instructions)):
            for line in self.runtime_before.get(pos, ()):
                rt.append(_lines(line, nl))
            if pos == self.packages_at and pkg is not None:
                emit(rt, _lines(pkg, nl), f.blocks[pos].blank_before and len(rt) > 1)
            if self.roles[pos] in (RUNTIME, BOTH):
                text = self.runtime_text.get(pos)
                if text is None:
                    text = f.block_text(pos)
                    if f.instructions[pos].name == "ARG" and not self._arg_used(pos):
                        text = ""
                    elif f.instructions[pos].name == "ADD" and self.roles[pos] == BOTH:
                        text = self._add_as_copy(pos) or text
                if text:
                    emit(rt, text, f.blocks[pos].blank_before and len(rt) > 1)
            for line in self.runtime_after.get(pos, ()):
                rt.append(_lines(line, nl))
            if pos == self.artifacts_at:
                rt.extend(copies)
        text = "".join(out) + nl + "".join(rt)
        return text

    def _add_as_copy(self, pos: int) -> str | None:
        """An ADD of plain local files carried into the runtime stage is written as COPY there
        (the same meaning; hadolint's DL3020 would flag the copy again)."""
        f = self.facts
        ins = f.instructions[pos]
        sources = [c for c in f.copies() if c.pos == pos]
        if not sources or ins.heredocs:
            return None
        archive = (".tar", ".tgz", ".gz", ".bz2", ".xz", ".zip", ".zst", ".txz", ".tbz2")
        if any("://" in s or s.startswith("git@") or s.lower().endswith(archive) for s in sources[0].sources):
            return None
        kw = ins.keyword_span
        start = f.blocks[pos].start
        text = f.text[start:kw.start] + ("COPY" if ins.keyword.isupper() else "copy") + f.text[kw.end:ins.span.end]
        return f._with_newline(text)

    def _arg_used(self, pos: int) -> bool:
        """Whether a runtime instruction after the ARG at `pos` uses its variable."""
        f = self.facts
        ins = f.instructions[pos]
        from dflint.words import split_key_values

        names = [k for k, _ in split_key_values(ins.args, instruction="ARG")]
        for p in range(pos + 1, len(f.instructions)):
            if self.roles[p] not in (RUNTIME, BOTH):
                continue
            body = f.instructions[p].args
            for n in names:
                if f"${n}" in body or "${" + n in body:
                    return True
        return False

    def edits(self, skeleton_reason: str | None = None) -> list[Edit]:
        f = self.facts
        start = f.instructions[0].span.start
        end = f.instructions[-1].span.end
        new = self.render(skeleton_reason)
        if not f.text[start:end].endswith(("\n", "\r")):
            new = new.rstrip("\r\n")
        return [Edit(start, end, new)]

    def title(self, recipe: str) -> str:
        copied = ", ".join(a.dest for a in self.artifacts)
        base = self.facts.stage.base if self.same_base else self.runtime_base
        title = (f"Rewrite as a multi-stage build ({recipe}): build in stage `{self.build_name}`, ship "
                 f"{base} with {copied}")
        if self.runtime_packages:
            title += f" and the packages {', '.join(self.runtime_packages)}"
        if self.ldd:
            title += (", plus the packages of the shared libraries it links (found with ldd and dpkg -S in "
                      "the build stage)")
        if self.notes:
            title += "; note: " + "; ".join(self.notes)
        return title


def _lines(text: str, nl: str) -> str:
    if nl != "\n":
        text = text.replace("\r\n", "\n").replace("\n", nl)
    if not text.endswith(("\n", "\r")):
        text += nl
    return text


def _tar_extracts(cmd: Command) -> bool:
    """``tar xzf a.tgz``, ``tar -xf a.tar``, ``tar --extract …``."""
    args = [a.value for a in cmd.args]
    if not args:
        return False
    if "--extract" in args or "--get" in args:
        return True
    first = args[0]
    if not first.startswith("--") and "x" in first.lstrip("-") and first.lstrip("-").isalpha():
        return True
    return any(a.startswith("-") and not a.startswith("--") and "x" in a[1:] and a[1:].isalpha() for a in args)


def _user_name(cmd: Command) -> str | None:
    takes = ("-u", "--uid", "-g", "--gid", "-G", "--groups", "-s", "--shell", "-d", "--home", "--home-dir",
             "-c", "--comment", "-k", "--skel", "-K", "--key", "-e", "--expiredate", "-f", "--inactive",
             "-p", "--password", "-R", "--root", "-h", "--ingroup", "--gecos")
    pos = cmd.positional(takes)
    if not pos:
        return None
    return pos[0].value


def _install_positional(cmd: Command):
    takes = ("-m", "--mode", "-o", "--owner", "-g", "--group", "-t", "--target-directory", "-S", "--suffix")
    return list(cmd.positional(takes))


def skeleton_fix(refusal: Refusal) -> Fix | None:
    """The refused rewrite's skeleton as a DisplayOnly fix (None when there is no draft)."""
    draft = refusal.draft
    if draft is None or not draft.roles:
        return None
    try:
        if draft.runtime_base is None:
            draft.runtime_base = "<runtime image>"
        elif draft.runtime_base.endswith(":{user}"):
            draft.runtime_base = draft.runtime_base[: -len("{user}")] + "nonroot"
        edits = draft.edits(skeleton_reason=refusal.reason)
    except Exception:  # pragma: no cover - a skeleton is best effort
        return None
    title = f"No confident multi-stage rewrite: {refusal.reason} (a skeleton is shown, never applied)"
    return Fix(tuple(edits), Applicability.DISPLAY_ONLY, title)
