"""Go: ``go build`` / ``go install`` / ``go get``.

The artifact is ``-o`` (a file, or a folder when it ends with ``/``), else the package's name in
the directory the command ran in (``go build ./cmd/api`` → ``api``; ``go build main.go`` →
``main``; ``go build`` → the module's last path element, from go.mod when the build context is
known, else what ENTRYPOINT/CMD names there); ``go install`` writes to ``$GOBIN`` or
``$GOPATH/bin``. ``cp``/``mv``/``install`` of it later are followed. With ``CGO_ENABLED=0`` the
binary is static: a Go toolchain image then ships ``gcr.io/distroless/static-debian12``;
otherwise the slim Debian of the same release (or the same distribution base).
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve
from dflint.optimize.plan import Artifact, Draft, PlanError

_VALUE_FLAGS = ("-o", "-ldflags", "-gcflags", "-asmflags", "-tags", "-mod", "-modfile", "-p", "-pkgdir",
                "-buildmode", "-compiler", "-gccgoflags", "-installsuffix", "-overlay", "-pgo", "-toolexec",
                "-C", "-coverpkg", "-buildvcs", "-race")


def go_package_name(arg: str) -> str | None:
    """The binary name `go build` gives a package argument (None when it needs go.mod)."""
    arg = arg.rstrip("/")
    if arg.endswith(".go"):
        return posixpath.basename(arg)[: -len(".go")]
    if arg in (".", ""):
        return None
    if arg.endswith("/..."):
        return None
    parts = arg.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    return last if last not in (".", "..") else None


def module_name(go_mod: str) -> str | None:
    m = re.search(r"^\s*module\s+\"?([^\s\"]+)", go_mod, re.M)
    return go_package_name(m.group(1)) if m else None


class GoRecipe(Recipe):
    name = "go"
    ecosystem = "go"
    tools = ("go build", "go install", "go get")
    allows = ("make", "gmake", "./")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        static = True
        unnamed: list[tuple[str, str]] = []  # (dir, why) of outputs whose name is not known yet
        for step in f.ev.builds:
            if not self.owns(step.tool) or step.command is None:
                if not self.owns(step.tool):
                    static = False  # make etc.: what it builds is not known here
                continue
            ins, cmd = step.instruction, step.command
            cwd = f.cwd_of(ins, cmd)
            if f.env_of(ins, cmd, "CGO_ENABLED") != "0":
                static = False
            sub = cmd.subcommand or ""
            flags_o = cmd.option("-o", takes_value=_VALUE_FLAGS)
            pkgs = [a.value for a in cmd.positional(_VALUE_FLAGS)[1:]]
            why = f"`go {sub}` on line {ins.line}"
            if sub == "build":
                if flags_o is not None:
                    arg_o = cmd.flag_arg("-o", takes_value=_VALUE_FLAGS)
                    value = f.arg_value(ins, arg_o) if arg_o is not None and arg_o.value != "-o" else flags_o
                    if value is None:
                        raise PlanError(f"the -o of `go build` on line {ins.line} is not known")
                    path = resolve(value, cwd)
                    if path is None:
                        raise PlanError(f"the folder `go build` runs in on line {ins.line} is not known")
                    if value.endswith("/"):
                        names = [go_package_name(p) for p in pkgs] or [None]
                        for n in names:
                            if n:
                                draft.add_output(posixpath.join(path, n), why)
                            else:
                                unnamed.append((path, why))
                    else:
                        draft.add_output(path, f"the -o of {why}")
                    continue
                if any(p.endswith("/...") for p in pkgs) or len([p for p in pkgs if not p.endswith(".go")]) > 1:
                    continue  # several packages without -o: nothing is written
                if cwd is None:
                    raise PlanError(f"the folder `go build` runs in on line {ins.line} is not known")
                name = go_package_name(pkgs[0]) if pkgs else None
                if name is None:
                    name = self._module(f, cwd)
                if name:
                    draft.add_output(posixpath.join(cwd, name), why)
                else:
                    unnamed.append((cwd, why))
            elif sub in ("install", "get"):
                gobin = f.env_of(ins, cmd, "GOBIN")
                gopath = f.env_of(ins, cmd, "GOPATH")
                if gopath is None:
                    gopath = "/go" if f.base_name == "golang" else ("/root/go" if not f.users[f.pos(ins)] else None)
                bindir = gobin or (gopath.split(":")[0] + "/bin" if gopath else None)
                if bindir is None:
                    raise PlanError(f"where `go {sub}` on line {ins.line} installs is not known")
                names = [go_package_name(p.split("@")[0]) for p in pkgs] or [None]
                for n in names:
                    if n:
                        draft.add_output(posixpath.join(bindir, n), why)
                    else:
                        name = self._module(f, cwd) if cwd else None
                        if name:
                            draft.add_output(posixpath.join(bindir, name), why)
                        else:
                            unnamed.append((bindir, why))
        draft.track_moves()
        entry = f.entry
        program = entry.program
        if program is None:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        path = draft.output_for(program, entry.workdir)
        if path is None and unnamed:
            candidate = resolve(program, entry.workdir) if "/" in program else None
            for folder, why in unnamed:
                if candidate and posixpath.dirname(candidate) == folder:
                    draft.add_output(candidate, why)
                    path = candidate
                    break
                if "/" not in program and folder.endswith("/bin"):
                    path = posixpath.join(folder, program)
                    draft.add_output(path, why)
                    break
        if path is not None:
            draft.artifacts.append(Artifact(path, path, draft.outputs.get(path, "")))
        elif any(draft.carry_copies_of(c) for c in self._program_paths(draft, program)):
            if len(draft.outputs) != 1:
                raise PlanError(f"ENTRYPOINT/CMD runs {program}, a file copied from the build context; "
                                f"which of the build's outputs it needs is not known")
            out = next(iter(draft.outputs))
            draft.artifacts.append(Artifact(out, out, draft.outputs[out]))
        else:
            raise draft.not_built(program, resolve(program, entry.workdir))
        draft.runtime_dirs_from_context(entry.workdir)
        self.choose_base(draft, options, static=static)
        draft.collect_packages(lambda inst: None, headers_matter=not static)
        self.add_ca_certificates(draft)
        draft.ldd = not static and not draft.same_base and self.toolchain_image(f) and self._debian(draft)
        self.finish(draft)

    def _program_paths(self, draft: Draft, program: str) -> list[str]:
        """Where a program named by ENTRYPOINT/CMD may be: its path, or for a bare name each
        folder of the PATH (``dep.bash`` copied into /builder/bin, put on the PATH by ENV)."""
        f = draft.facts
        if "/" in program:
            path = resolve(program, f.entry.workdir)
            return [path] if path else []
        return [posixpath.join(d, program) for d in draft.path_dirs()]

    def _module(self, f, cwd: str) -> str | None:
        """The module name of go.mod in `cwd`, read from the build context."""
        text = f.context_file("go.mod", cwd)
        return module_name(text) if text else None
