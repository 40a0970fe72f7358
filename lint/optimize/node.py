"""Node.js: a build script (``npm run build``, ``tsc``, ``vite build``…), then the program runs
with ``node``.

The artifact is the folder of the script ENTRYPOINT/CMD runs (``node dist/server.js`` →
``dist/``), resolved against the WORKDIR; ``npm start`` is read from package.json when the build
context is known. The runtime stage also gets ``package.json`` and the production
``node_modules``: the build stage prunes the development dependencies (``npm prune
--omit=dev``) after the build. The runtime base: ``node:<version>`` → ``node:<version>-slim``; a
slim/alpine node image or a distribution base (Debian's ``nodejs``) stays, without npm and the
development dependencies.
"""

from __future__ import annotations

import json
import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve, under
from dflint.optimize.plan import BOTH, BUILD, Artifact, Draft, PlanError

_RUNNERS = ("npm", "yarn", "pnpm")
_SETUP_ALLOWED = frozenset(
    "apt-get apt apk yum dnf microdnf zypper rm mkdir useradd adduser groupadd addgroup usermod chown chmod ln "
    "echo true cd set export test printf touch ldconfig update-ca-certificates".split()
)


def _install_only(tool: str) -> bool:
    """``npm install``/``npm ci``/``yarn install``/``pnpm install`` (the tool names of the
    evidence), which installs dependencies and builds no script."""
    return tool in ("npm install", "npm ci", "npm i", "yarn", "yarn install", "pnpm install", "pnpm i")
_OLD_RELEASES = ("focal", "bionic", "buster", "stretch")


class NodeRecipe(Recipe):
    name = "node"
    ecosystem = "node"

    def detect(self, facts) -> bool:
        builds = facts.ev.builds
        if builds and all(_install_only(b.tool) for b in builds):
            return True
        return any(b.kind.ecosystem == "node" for b in builds) and all(
            b.kind.ecosystem == "node" or b.tool.split()[0] in _RUNNERS + ("node-gyp",) for b in builds)

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        if all(_install_only(b.tool) for b in f.ev.builds) and not any(
                b.kind.ecosystem == "node" for b in f.ev.builds):
            self._install_only(draft, options)
            return
        steps = [b for b in f.ev.builds if b.kind.ecosystem == "node" and b.command is not None]
        if not steps:
            raise PlanError("the build step is not a shell command")
        step = steps[-1]
        project = f.cwd_of(step.instruction, step.command)
        if project is None:
            raise PlanError(f"the folder the build on line {step.line} runs in is not known")
        draft.add_output(project, f"the project folder of `{step.tool}`", folder=True)
        entry = f.entry
        argv = list(entry.argv)
        if not argv:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        prog = posixpath.basename(argv[0])
        runner = None
        if prog in _RUNNERS:
            runner = prog
            argv = self._script_command(f, project, argv)
            prog = posixpath.basename(argv[0]) if argv else ""
        if prog not in ("node", "nodejs") or len(argv) < 2:
            raise PlanError(f"ENTRYPOINT/CMD runs `{' '.join(entry.argv)}`, not `node <script>`")
        script = next((a for a in argv[1:] if not a.startswith("-")), None)
        if script is None:
            raise PlanError("the script `node` runs is not named")
        path = resolve(script, entry.workdir)
        if path is None or not under(path, project) or path == project:
            raise PlanError(f"`node {script}` runs a file outside the project folder {project}")
        rel = posixpath.relpath(path, project)
        top = rel.split("/")[0]
        out_dir = posixpath.join(project, top)
        why = f"what `{step.tool}` builds"
        if top == rel:  # a script at the project's top: copied from the context, not built
            if not draft.carry_copies_of(path):
                raise PlanError(f"`node {script}` runs {path}, which no COPY brings in and the build "
                                f"does not write in a known folder")
            built = self._out_dir(f, project)
            if built is None:
                raise PlanError(f"where `{step.tool}` writes is not known (no tsconfig.json outDir or "
                                f"build folder in the build context)")
            out_dir = posixpath.join(project, built)
        draft.artifacts.append(Artifact(out_dir, out_dir, why))
        installer = self._installer(f)
        if installer is not None:
            nm = posixpath.join(project, "node_modules")
            draft.artifacts.append(Artifact(nm, nm, "production dependencies"))
            draft.build_after.append(self._prune(f, installer))
        pj = posixpath.join(project, "package.json")
        draft.artifacts.append(Artifact(pj, pj, "package.json"))
        draft.runtime_dirs_from_context(entry.workdir)
        self.choose_base(draft, options)
        draft.collect_packages(_runtime_package(runner), headers_matter=self._native(f))
        draft.ldd = self._native(f) and not draft.same_base and "alpine" not in (f.base_tag or "")
        self.finish(draft)

    def _install_only(self, draft: Draft, options: Options) -> None:
        """No build script: the install compiles native modules (node-gyp with the compiler the
        file installs). The build stage installs; the runtime stage gets the project's
        node_modules from it and the application files the original copied, copied again from
        the build context in their original order (Node runs its sources), as the Ruby recipe
        does with the gems."""
        f = draft.facts
        project = None
        for step in f.ev.builds:
            cmd = step.command
            if cmd is None:
                raise PlanError(f"the build step on line {step.line} is not a shell command")
            if any(a.value in ("-g", "--global", "--prefix", "--cwd", "-C", "--dir", "--modules-folder")
                   or a.value.startswith(("--prefix=", "--cwd=", "--dir=", "--modules-folder="))
                   for a in cmd.args):
                raise PlanError(f"`{step.tool}` on line {step.line} installs outside the project folder")
            cwd = f.cwd_of(step.instruction, cmd)
            if cwd is None:
                raise PlanError(f"the folder `{step.tool}` on line {step.line} runs in is not known")
            if project is not None and cwd != project:
                raise PlanError("the packages install into more than one project folder")
            project = cwd
        assert project is not None
        if project == "/":
            raise PlanError("the packages install into / (node_modules at the root of the file system)")
        self._check_runs(draft)
        entry = f.entry
        if not entry.argv:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        for c in f.copies():
            if draft.roles[c.pos] != BUILD or c.from_ is not None:
                continue
            if c.instruction.name == "ADD" and any("://" in s or s.startswith("git@") for s in c.sources):
                raise PlanError(f"the ADD on line {c.instruction.line} downloads into the build part")
            draft.roles[c.pos] = BOTH
        nm = posixpath.join(project, "node_modules")
        draft.add_output(nm, f"`{f.ev.builds[-1].tool}` on line {f.ev.builds[-1].line}", folder=True)
        draft.artifacts.append(Artifact(nm, nm, "the installed dependencies, native modules built"))
        keep_runner = posixpath.basename(entry.argv[0]) if posixpath.basename(entry.argv[0]) in _RUNNERS else None
        self.choose_base(draft, options)
        draft.collect_packages(_runtime_package(keep_runner), headers_matter=True)
        draft.ldd = not draft.same_base and "alpine" not in (f.base_tag or "")
        self.finish(draft)

    def _check_runs(self, draft: Draft) -> None:
        """Every RUN of the build part installs packages or sets up: what anything else writes
        (a `git clone` of the sources, a generated file) is not carried into the runtime stage."""
        f = draft.facts
        repo = draft._repository_setup()
        clones = dict(draft.git_clones())
        for pos, ins in enumerate(f.instructions[: f.last_build + 1]):
            if ins.name != "RUN":
                continue
            cmds = f.commands(ins)
            if not cmds:
                raise PlanError(f"the RUN on line {ins.line} cannot be read as a shell script")
            for cmd in cmds:
                name = cmd.basename
                if name in _SETUP_ALLOWED or name.startswith("apt-"):
                    continue
                if name in _RUNNERS and _install_only(f"{name} {cmd.subcommand or ''}".strip()):
                    continue
                if repo == ins.line:
                    how = f"`{name} … | sh`" if name in ("curl", "wget") else f"`{name}`"
                    raise PlanError(f"the RUN on line {ins.line} sets up the package repository ({how}) that "
                                    f"Node.js comes from, which the runtime stage does not have")
                if pos in clones:
                    raise PlanError(f"the application comes from the `git clone` on line {ins.line} into "
                                    f"{clones[pos]}, not from the build context: the runtime stage would need "
                                    f"that whole folder (the sources), which is not a rewrite")
                raise PlanError(f"the RUN on line {ins.line} runs `{name}`: what it writes is not carried into "
                                f"the runtime stage")

    # ---- helpers ---------------------------------------------------------------------------

    def _script_command(self, f, project: str, argv: list[str]) -> list[str]:
        """``npm start`` / ``npm run serve``: the script's command from package.json."""
        args = [a for a in argv[1:] if not a.startswith("-")]
        name = None
        if args[:1] == ["start"] or (argv[0].endswith("yarn") and args[:1] == ["start"]):
            name = "start"
        elif args[:1] in (["run"], ["run-script"]) and len(args) > 1:
            name = args[1]
        elif argv[0].endswith(("yarn", "pnpm")) and args:
            name = args[0]
        if name is None:
            raise PlanError(f"ENTRYPOINT/CMD runs `{' '.join(argv)}`")
        pkg = self._package_json(f, project)
        if pkg is None:
            raise PlanError(f"`{' '.join(argv)}` runs a package.json script, and the build context "
                            f"(package.json) is not known")
        cmd = (pkg.get("scripts") or {}).get(name)
        if not cmd and name == "start" and pkg.get("main"):
            cmd = f"node {pkg['main']}"
        if not cmd and name == "start":
            cmd = "node server.js"
        if not isinstance(cmd, str):
            raise PlanError(f"package.json has no `{name}` script")
        return cmd.split()

    def _package_json(self, f, project: str) -> dict | None:
        text = f.context_file("package.json", project)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _out_dir(self, f, project: str) -> str | None:
        text = f.context_file("tsconfig.json", project)
        if text:
            m = re.search(r'"outDir"\s*:\s*"([^"]+)"', text)
            if m:
                return m.group(1).strip("./") or None
        return None

    def _installer(self, f) -> str | None:
        """The package manager that installed node_modules (npm, yarn, pnpm), or None."""
        found = None
        for ins in f.instructions[: f.last_build + 1]:
            if ins.name != "RUN":
                continue
            for cmd in f.commands(ins):
                if cmd.basename in _RUNNERS:
                    sub = cmd.subcommand
                    if sub in ("ci", "install", "i", None) and not (cmd.basename == "npm" and sub is None):
                        if any(a.value in ("-g", "--global") for a in cmd.args):
                            continue
                        found = cmd.basename
        return found

    def _prune(self, f, installer: str) -> str:
        kw = "RUN" if f.instructions[0].keyword.isupper() else "run"
        if installer == "pnpm":
            return f"{kw} pnpm prune --prod"
        if installer == "yarn":
            return f"{kw} yarn install --production --frozen-lockfile --ignore-scripts --prefer-offline"
        major = re.match(r"(\d+)", f.base_tag or "")
        from dflint.optimize.runtime import release_of

        old = (f.base_name == "node" and major is not None and int(major.group(1)) <= 14) or \
            release_of(f.base_ref) in _OLD_RELEASES
        return f"{kw} npm prune --production" if old else f"{kw} npm prune --omit=dev"

    def _native(self, f) -> bool:
        """Whether native modules may be built (a C compiler or headers were installed)."""
        return any(t.ecosystem == "c" for t in f.ev.toolchains)


def _runtime_package(keep_runner: str | None):
    """`Draft.collect_packages`' question for a Node runtime stage: a distribution's nodejs stays
    (pinned as written), a package manager only when ENTRYPOINT/CMD runs it (`keep_runner`)."""

    def runtime_package(inst):
        if re.fullmatch(r"nodejs\d*", inst.name):
            return [inst.raw if inst.version else inst.name]
        if inst.name in ("npm", "yarn", "yarnpkg", "pnpm"):
            return [inst.name] if keep_runner and inst.name.startswith(keep_runner) else []
        return None

    return runtime_package
