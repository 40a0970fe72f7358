"""C and C++: gcc/g++/cc/clang, make, cmake, ./configure, ninja, meson.

The artifact: a compiler's ``-o`` (``a.out`` without one); for ``make``/``cmake --build``/
``ninja`` without an install step, what ENTRYPOINT/CMD names inside the folder the build ran in;
for ``make install``/``cmake --install``/``ninja install``/``meson install``, the install prefix
(``--prefix``, ``-DCMAKE_INSTALL_PREFIX``, ``PREFIX=``; default ``/usr/local``): its ``bin``,
``sbin``, ``lib``, ``share`` and ``etc`` folders on a Debian/Ubuntu base (which has them all),
the prefix itself when it is a folder of its own. ``cp``/``install`` of an output later are
followed. Runtime packages: each ``-dev`` package's runtime library (``zlib1g-dev`` →
``zlib1g``); with ``g++`` on Alpine, ``libstdc++``. ``RUN ldconfig`` follows a copied ``lib``
folder when the original ran ldconfig.
"""

from __future__ import annotations

import posixpath

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve, under
from dflint.optimize.plan import SCRIPT_INTERPRETERS, Artifact, Draft, PlanError, Refusal
from dflint.source import LazyPattern
from dflint.toolchain import _C_COMPILER_RE, _C_COMPILERS, _may_be_c_compiler

_COMPILER_VALUE_FLAGS = ("-o", "-I", "-L", "-l", "-D", "-U", "-include", "-x", "-MF", "-MT", "-MQ",
                         "-isystem", "-iquote", "-idirafter", "-Xlinker", "-std", "-arch")


#: package installs that may follow the build of their own interpreter
_AFTER_INSTALL = ("pip install", "gem install")

#: meson's subcommands; any other first word is the build folder of the old `meson builddir` form
_MESON_COMMANDS = frozenset("setup configure compile install test introspect init wrap dist subprojects "
                            "rewrite devenv env2mfile help format".split())


#: urweb's options (its usage text): those that take a value, and those that do not
_URWEB_VALUE_FLAGS = frozenset("-db -dbms -output -protocol -root -path -sql -ccompiler -prefix -limit -stop "
                               "-moduleOf -sigfile -endpoints -js -iflow -boot-path".split())
_URWEB_FLAGS = frozenset("-sqlcache -static -debug -verbose -timing -tc -dumpTypes -unifyMore -boot -noEmacs "
                         "-explainEmbed -unsafe -noTypeInference -noHeaders -cachecheck -dumpSource -print-ccompiler "
                         "-mangleSql -lessSafeFfi -strict -noEmacs".split())


#: ``PREFIX ?= /usr/local`` in a Makefile (the build context's file, not RUN text)
_MAKE_PREFIX_RE = LazyPattern(r"^(PREFIX|prefix)\s*[?:]?=\s*(\S+)\s*(?:#.*)?$")


def _is_compiler(name: str) -> bool:
    return name in _C_COMPILERS or _may_be_c_compiler(name) and bool(_C_COMPILER_RE.fullmatch(name))


class CRecipe(Recipe):
    name = "c"
    ecosystem = "c"

    def detect(self, facts) -> bool:
        # C steps, maybe with another ecosystem's (`pip3 install`/`gem install` right after
        # building the interpreter itself, as the official python and ruby images do: checked in
        # `build`; anything else is refused there, by name). Recipes earlier in the list have
        # claimed what they rewrite.
        builds = facts.ev.builds
        return any(self._is_c_step(b) for b in builds)

    def _is_c_step(self, step) -> bool:
        first = step.tool.split()[0]
        return (_is_compiler(first) or first in ("make", "gmake", "cmake", "./configure", "ninja", "meson",
                                                  "samu", "autoreconf", "qmake", "qmake6")
                or step.tool.startswith("./configure") or first == "urweb")

    def plan(self, facts, options: Options):
        others: dict[str, int] = {}
        for b in facts.ev.builds:
            if not self._is_c_step(b) and b.tool not in _AFTER_INSTALL:
                others.setdefault(b.tool, b.line)
        if others:
            tools = ", ".join(f"`{t}` (line {line})" for t, line in others.items())
            return Refusal(f"the stage also builds with {tools}, another ecosystem's tool than C's: a stage that "
                           f"builds for several ecosystems is not rewritten", self.name)
        return super().plan(facts, options)

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        prefixes: list[tuple[str, str]] = []  # (install prefix, why)
        build_dirs: list[tuple[str, str]] = []
        configured_prefix: str | None = None
        configured_dirs: set[str | None] = set()  # where ./configure, cmake or meson set up a build
        guessed: list[tuple[str, str]] = []  # `make install` of a plain Makefile: (line's why, make's folder)
        cxx = False
        lib_dirs: list[tuple[str, str]] = []
        for step in f.ev.builds:
            ins, cmd = step.instruction, step.command
            if cmd is None:
                raise PlanError(f"the build step on line {step.line} is not a shell command")
            if f.base_name == "gcc" and not (_is_compiler(cmd.basename) and "++" not in cmd.basename):
                raise PlanError(f"`{step.tool}` may build C++ on the gcc image, whose C++ runtime "
                                f"(/usr/local/lib64) is newer than any slim Debian's")
            cwd = f.cwd_of(ins, cmd)
            why = f"`{step.tool}` on line {ins.line}"
            name = cmd.basename
            if name in ("qmake", "qmake6", "qmake-qt5") or step.tool.startswith("qmake"):
                raise PlanError(f"{why} builds a Qt project, which loads Qt plugins and QML modules at run time "
                                f"that the Dockerfile does not name")
            if step.tool in _AFTER_INSTALL:
                self._after_install(f, step, prefixes)
                continue
            if _is_compiler(name):
                cxx = cxx or "++" in name
                # `-c` as a whole word: a compiler's one-dash long options (`-std=c++20`) hold the letter
                compile_only = any(a.value == "-c" for a in cmd.args)
                if compile_only and not cmd.option("-o", takes_value=_COMPILER_VALUE_FLAGS):
                    continue  # objects only
                out = cmd.option("-o", takes_value=_COMPILER_VALUE_FLAGS)
                if out is None:
                    arg = next((a for a in cmd.args if a.value.startswith("-o") and len(a.value) > 2), None)
                    out = arg.value[2:] if arg is not None else None
                if out is not None and "$" in out:
                    arg_o = cmd.flag_arg("-o", takes_value=_COMPILER_VALUE_FLAGS)
                    out = f.expand(ins, out) if arg_o is not None else None
                path = resolve(out or "a.out", cwd)
                if path is None:
                    raise PlanError(f"what {why} writes is not known")
                if not compile_only:
                    draft.add_output(path, f"the -o of {why}" if out else why)
                    for lib_dir in self._lib_dirs(f, ins, cmd, cwd):
                        lib_dirs.append((lib_dir, f"-L of {why}"))
                continue
            if name == "urweb":
                draft.add_output(self._urweb_output(f, ins, cmd, cwd, why), why)
                continue
            if step.tool.startswith("./configure") or name == "configure":
                p = cmd.option("--prefix", takes_value=("--prefix",))
                configured_prefix = self._prefix(f, ins, p, why) or configured_prefix
                configured_dirs.add(cwd)
                continue
            if name == "cmake":
                p = next((a.value.split("=", 1)[1] for a in cmd.args
                          if a.value.startswith("-DCMAKE_INSTALL_PREFIX=")), None)
                if p:
                    configured_prefix = self._prefix(f, ins, p, why)
                if cmd.has_flag("--install") or "install" in [a.value for a in cmd.args if a.value != "--build"] \
                        and cmd.has_flag("--build"):
                    prefixes.append((self._prefix(f, ins, cmd.option("--prefix", takes_value=("--prefix",)), why)
                                     or configured_prefix or "/usr/local", why))
                elif cmd.has_flag("--build"):
                    folder = cmd.option("--build", takes_value=("--build",))
                    d = resolve(folder, cwd) if folder else None
                    if d:
                        build_dirs.append((d, why))
                else:
                    # configure: the build folder (-B), and the folder it runs in (a project may
                    # write its binaries into the source tree)
                    folder = cmd.option("-B", takes_value=("-B", "-S", "-G", "-D", "-C", "-T", "-A"))
                    for d in (resolve(folder, cwd) if folder else None, cwd):
                        if d:
                            build_dirs.append((d, why))
                    configured_dirs.update((resolve(folder, cwd) if folder else cwd, cwd))
                continue
            if name == "meson":
                sub = cmd.subcommand
                if sub == "install":
                    prefixes.append((configured_prefix or "/usr/local", why))
                elif sub in ("setup", None) or sub not in _MESON_COMMANDS:
                    # `meson setup build`, or the old form `meson [options] build [source]`
                    p = cmd.option("--prefix", takes_value=("--prefix",))
                    configured_prefix = self._prefix(f, ins, p, why) or configured_prefix
                    pos = [a.value for a in cmd.positional(("--prefix", "-D", "--buildtype", "-C"))]
                    if sub == "setup":
                        pos = pos[1:]
                    if pos:
                        d = resolve(pos[0], cwd)
                        if d:
                            build_dirs.append((d, why))
                            configured_dirs.add(d)
                continue
            if name in ("make", "gmake", "ninja", "samu"):
                c_dir = cmd.option("-C", takes_value=("-C", "-f", "-j"))
                d = resolve(c_dir, cwd) if c_dir else cwd
                targets = [a.value for a in cmd.positional(("-C", "-f", "--file", "-j", "--jobs", "-l", "-o", "-W"))
                           if "=" not in a.value]
                variables = dict(a.value.split("=", 1) for a in cmd.args if "=" in a.value
                                 and not a.value.startswith("-"))
                if "install" in targets:
                    if "DESTDIR" in variables:
                        raise PlanError(f"{why} installs into DESTDIR={variables['DESTDIR']}")
                    given = self._prefix(f, ins, variables.get("PREFIX") or variables.get("prefix"), why)
                    if given is None and not (d in configured_dirs or d is None and configured_dirs):
                        given = self._makefile_prefix(f, d, why)
                        if given is None:
                            guessed.append((why, d or ""))
                    prefixes.append((given or configured_prefix or "/usr/local", why))
                elif d:
                    build_dirs.append((d, why))
                continue
        for d, why in build_dirs:
            draft.add_output(d, why, folder=True)
        draft.track_moves()
        entry = f.entry
        program = entry.program
        if program is None:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        self._check_entry(f, entry)
        self._check_guessed_prefix(f, draft, guessed, program)
        copied_lib = False
        for prefix, why in prefixes:
            prefix = posixpath.normpath(prefix)
            if f.base_name == "gcc" and prefix == "/usr/local":
                raise PlanError("the gcc image keeps its compiler in /usr/local, where the build installs")
            if prefix in ("/usr", "/", "/bin", "/usr/bin"):
                raise PlanError(f"{why} installs into {prefix}, mixed with the system's own files")
            for c in f.copies():
                if c.dest_abs and under(c.dest_abs, prefix) and draft.roles[c.pos] == "build":
                    raise PlanError(f"the sources copied on line {c.instruction.line} are inside the install "
                                    f"prefix {prefix}")
            draft.add_output(prefix, why, folder=True)
            if not any(a.src == prefix for a in draft.artifacts):
                draft.artifacts.append(Artifact(prefix, prefix, f"installed by {why}"))
            copied_lib = True
        path = draft.output_for(program, entry.workdir)
        if path is None and "/" not in program and prefixes:
            path = None  # a program on the PATH, from the prefix's bin: covered by the prefix copy
            path_env = f.env_written(entry.instructions[-1], "PATH") or ""
            on_path = [p for p, _ in prefixes if posixpath.normpath(p) == "/usr/local"
                       or f"{posixpath.normpath(p)}/bin" in path_env.split(":")]
            if not on_path:
                raise PlanError(f"ENTRYPOINT/CMD runs `{program}`, and no install prefix's bin folder is on "
                                f"the PATH")
        elif path is None:
            if draft.carry_copies_of(resolve(program, entry.workdir) or program):
                pass
            else:
                built = ", ".join(sorted(draft.outputs)) or "nothing known"
                script = next((w for w in entry.argv[1:] if not w.startswith("-")), None)
                if posixpath.basename(program) in SCRIPT_INTERPRETERS and script:
                    raise PlanError(f"ENTRYPOINT/CMD runs the script {script} (`{posixpath.basename(program)} "
                                    f"{script}`): which of what the build writes ({built}) it runs is not known")
                raise PlanError(f"ENTRYPOINT/CMD runs `{program}`, which is not what the build writes ({built})")
        if path is not None and not any(under(path, a.src) for a in draft.artifacts):
            if any(path == d for d, _ in build_dirs):
                raise PlanError(f"ENTRYPOINT/CMD runs the build folder {path}")
            draft.artifacts.append(Artifact(path, path, draft.outputs.get(path) or "named by ENTRYPOINT/CMD"))
        # shared libraries the program links from the build's own folders (-L, LD_LIBRARY_PATH)
        ld_path = f.env_written(entry.instructions[-1], "LD_LIBRARY_PATH") or ""
        for d in ld_path.split(":"):
            d = f.expand(entry.instructions[-1], d) if d else None
            if d and d.startswith("/") and "$" not in d:
                lib_dirs.append((posixpath.normpath(d), "LD_LIBRARY_PATH"))
        for d, why in lib_dirs:
            if d.startswith(("/usr/lib", "/lib", "/usr/local/lib")) or any(under(d, a.src) for a in draft.artifacts):
                continue
            if not any(under(d, o) for o in draft.outputs) and not any(
                    c.dest_abs and under(d, c.dest_abs) for c in f.copies()) and not any(
                    w and under(d, w) for w in f.workdirs):
                raise PlanError(f"the program links libraries from {d} ({why}), which the build does not write")
            draft.artifacts.append(Artifact(d, d, f"the libraries of {why}"))
        for d, _ in build_dirs:  # a build folder is not an artifact of its own
            if not any(d == a.src for a in draft.artifacts):
                continue
            raise PlanError(f"refusing to copy the build folder {d}")
        draft.runtime_dirs_from_context(entry.workdir)
        self.choose_base(draft, options)

        def runtime_package(inst):
            if inst.manager == "apk" and inst.name == "g++" or cxx and inst.name in ("build-base", "alpine-sdk"):
                return ["libstdc++"]
            return None

        try:
            draft.collect_packages(runtime_package)
        except PlanError as exc:
            if f.base_name == "debian" and any(w in f.base_tag for w in ("sid", "unstable", "testing")) \
                    and "release" in str(exc):
                raise PlanError(f"{f.stage.base} is Debian {f.base_tag.split('-')[0]}, whose library package names "
                                f"change over time: {exc}") from None
            raise
        draft.ldd = not draft.same_base and self.toolchain_image(f) and self._debian(draft)
        if cxx and f.manager == "apk" and "libstdc++" not in draft.runtime_packages:
            draft.runtime_packages.append("libstdc++")
        self.finish(draft)
        if copied_lib and self._ran_ldconfig(f):
            from dflint.optimize.runtime import is_shell_less

            if draft.runtime_base and not is_shell_less(draft.runtime_base) or draft.same_base:
                draft.after_copies.append("RUN ldconfig")

    def _after_install(self, f, step, prefixes) -> None:
        """`pip3 install x` or `gem install x` after `make install` into /usr/local has built
        the interpreter: it installs into that prefix, which is copied whole."""
        cmd = step.command
        if not prefixes:
            raise PlanError(f"`{step.tool}` on line {step.line} installs into an interpreter the build does not "
                            f"install (another ecosystem than C in the same stage)")
        if posixpath.normpath(prefixes[-1][0]) != "/usr/local":
            raise PlanError(f"`{step.tool}` on line {step.line} installs outside what the build installs")
        if "/" in cmd.name and not cmd.name.startswith("/usr/local/"):
            raise PlanError(f"`{cmd.name}` on line {step.line} is not the interpreter the build installed")
        bad = {"--user", "--target", "-t", "--prefix", "--root", "--install-dir", "-i", "--bindir", "-n"}
        flags = {a.value.split("=", 1)[0] for a in cmd.args if a.value.startswith("-")}
        if flags & bad:
            raise PlanError(f"`{step.tool} {sorted(flags & bad)[0]}` on line {step.line} installs elsewhere")
        for name in ("PYTHONUSERBASE", "GEM_HOME", "PIP_TARGET", "PIP_PREFIX"):
            value = f.env_of(step.instruction, cmd, name)
            if value and not value.startswith("/usr/local"):
                raise PlanError(f"`{step.tool}` on line {step.line} installs into {name}={value}")

    def _urweb_output(self, f, ins, cmd, cwd, why) -> str:
        """`urweb [options] app` compiles app.urp into app.exe in the folder it runs in (``-output``
        names another file)."""
        args = [a.value for a in cmd.args]
        out = None
        project = []
        i = 0
        while i < len(args):
            a = args[i]
            if a in _URWEB_VALUE_FLAGS:
                if a == "-output" and i + 1 < len(args):
                    out = args[i + 1]
                i += 2
                continue
            if a.startswith("-"):
                if a not in _URWEB_FLAGS:
                    raise PlanError(f"{why}: the option {a} of urweb is not known")
                i += 1
                continue
            project.append(a)
            i += 1
        if len(project) != 1 or "$" in project[0] or (out is not None and "$" in out):
            raise PlanError(f"what {why} writes is not known")
        name = project[0][: -len(".urp")] if project[0].endswith(".urp") else project[0]
        path = resolve(out or f"{name}.exe", cwd)
        if path is None:
            raise PlanError(f"what {why} writes is not known (the folder it runs in is not known)")
        return path

    def _check_entry(self, f, entry) -> None:
        """What the container runs must not need the toolchain: a compiler named on its command
        line (``./run_application -g g++-4.8`` compiles pages at run time), or the installed program
        run at build time in a build RUN (``make install && lkp install``: what it writes is not
        known)."""
        for word in entry.argv[1:]:
            base = posixpath.basename(word)
            if _is_compiler(base):
                raise PlanError(f"ENTRYPOINT/CMD names the compiler `{word}`: the program compiles at run time")
        program = posixpath.basename(entry.program or "")
        if not program:
            return
        for pos in f.build_positions:
            ins = f.instructions[pos]
            for cmd in f.commands(ins):
                if cmd.basename != program or self._is_c_name(cmd.basename):
                    continue
                args = [a.value for a in cmd.args]
                if all(a in ("--version", "-V", "version", "--help", "-h") for a in args) and args:
                    continue
                shown = " ".join([cmd.basename, *args[:1]])
                raise PlanError(f"`{shown}` on line {ins.line} runs the program the build installed, at build time: "
                                f"what it writes is not known")

    def _is_c_name(self, name: str) -> bool:
        return _is_compiler(name) or name in ("make", "gmake", "cmake", "ninja", "meson", "samu")

    def _check_guessed_prefix(self, f, draft, guessed, program: str) -> None:
        """`make install` of a project's own Makefile (no ./configure, cmake or meson set up the
        folder, no ``PREFIX=``) installs where that Makefile says: /usr/local by convention, but
        only certain when ENTRYPOINT/CMD names a path there."""
        if not guessed:
            return
        why = guessed[0][0]
        if program.startswith("/"):
            path = posixpath.normpath(program)
            if draft.provided_by_runtime_copy(path):
                raise PlanError(f"ENTRYPOINT/CMD runs {path}, copied from the build context, and {why} installs "
                                f"where the project's own Makefile says (no ./configure, cmake or PREFIX=): what "
                                f"of it the program needs is not certain")
            if under(path, "/usr/local"):
                return
            if draft.output_for(program, f.entry.workdir):
                return
            where = ", in /usr, mixed with the system's own files" if under(path, "/usr") else ""
            raise PlanError(f"ENTRYPOINT/CMD runs {path}, which {why} (the project's own Makefile) installs "
                            f"outside /usr/local{where}")
        if "/" not in program and draft.output_for(program, f.entry.workdir) is None:
            raise PlanError(f"{why} installs where the project's own Makefile says (no ./configure, cmake or "
                            f"PREFIX=): that `{program}` lands in /usr/local/bin is not certain")

    def _makefile_prefix(self, f, folder: str | None, why: str) -> str | None:
        """The install prefix a Makefile from the build context sets (``PREFIX ?= /usr/local``),
        when a COPY puts it into the folder `make install` runs in. None when not known."""
        if folder is None:
            return None
        for name in ("GNUmakefile", "makefile", "Makefile"):
            text = f.context_file(name, folder)
            if text is None:
                continue
            values = set()
            for line in text.splitlines():
                m = _MAKE_PREFIX_RE.match(line)
                if m:
                    values.add(m.group(2))
            if len(values) != 1:
                return None
            value = values.pop()
            if "$" in value or not value.startswith("/"):
                raise PlanError(f"{why} installs into the prefix {value} that the Makefile sets, which is not known")
            return posixpath.normpath(value)
        return None

    def _prefix(self, f, ins, value: str | None, why: str) -> str | None:
        """An install prefix as written (``--prefix=$HOME_DIR``) with the stage's variables
        substituted; a prefix that stays unknown is a refusal."""
        if not value:
            return None
        got = f.expand(ins, value) if "$" in value else value
        if got is None or "$" in got or "`" in got or not got.startswith("/"):
            raise PlanError(f"the install prefix {value} of {why} is not known")
        return posixpath.normpath(got)

    def _lib_dirs(self, f, ins, cmd, cwd) -> list[str]:
        out = []
        args = [a.value for a in cmd.args]
        for i, a in enumerate(args):
            value = None
            if a == "-L" and i + 1 < len(args):
                value = args[i + 1]
            elif a.startswith("-L") and len(a) > 2:
                value = a[2:]
            if value and ("$(" in value or "`" in value):
                # `-L$(pg_config --libdir)`: a tool's answer is a system library folder, whose
                # libraries come with the runtime packages
                continue
            if value:
                value = f.expand(ins, value) if "$" in value else value
                path = resolve(value, cwd) if value else None
                if path:
                    out.append(path)
        return out

    def _ran_ldconfig(self, f) -> bool:
        for ins in f.instructions[: f.last_build + 1]:
            if ins.name == "RUN" and any(c.basename == "ldconfig" for c in f.commands(ins)):
                return True
        return False
