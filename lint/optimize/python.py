"""Python: dependencies that compile (``pip install`` with a C compiler or headers installed).

The build stage installs the dependencies into a virtual environment: the one the file already
uses (``python -m venv X`` with ``X/bin`` on the PATH, or ``X/bin/pip``), else ``/opt/venv``,
created right before the first ``pip install`` with ``ENV PATH="/opt/venv/bin:$PATH"`` (the
runtime stage gets the same ENV). The runtime stage gets the venv and the application files the
original copied from the build context (requirement files excepted), in their original order. The
runtime base: ``python:<version>`` → ``python:<version>-slim``; a slim or alpine python image, or
a distribution base with Debian's python3, stays (without gcc, the headers, pip and venv).

With no ENTRYPOINT/CMD (the command comes from ``docker run`` or compose) the rewrite is still
made when the application is copied from the build context: every file the command can use is
carried. Refused: ``pip install --user/--target/--prefix``; pip into a system Python other than
Debian's/Ubuntu's (/usr/local); ``uv pip install --system``; poetry, pipenv and ``uv sync`` (their
environment is not tracked yet); a RUN in the build part that runs something else (a
``manage.py collectstatic`` writes into the application folder, which the runtime stage takes
from the build context).
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve, under
from dflint.optimize.plan import BOTH, BUILD, Artifact, Draft, PlanError
from dflint.source import LazyPattern

VENV = "/opt/venv"
_REQUIREMENT_FILES = LazyPattern(r"(requirements|constraints)[\w.-]*\.(txt|in)|Pipfile(\.lock)?|poetry\.lock")
_ALLOWED = frozenset(
    "apt-get apt apk yum dnf microdnf zypper pip pip3 pip2 rm mkdir useradd adduser groupadd addgroup "
    "usermod chown chmod ln echo true cd set export . source test printf touch ldconfig "
    "update-ca-certificates virtualenv venv".split()
)
_DROP = frozenset("python-pip python-setuptools python-virtualenv python3-pip python3-venv python3-setuptools python3-wheel python3-virtualenv "
                  "py3-pip py3-setuptools py3-wheel py3-virtualenv python3-pip-whl".split())


class PythonRecipe(Recipe):
    name = "python"
    ecosystem = "python"
    tools = ("pip install", "pip wheel", "python setup.py", "python -m build", "poetry", "pipenv", "uv sync")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        for step in f.ev.builds:
            if step.tool.startswith(("poetry", "pipenv", "uv sync", "python setup.py", "python -m build")):
                raise PlanError(f"`{step.tool}` on line {step.line}: where it installs is not tracked yet")
        pips = self._pip_installs(f)
        if not pips:
            raise PlanError("no pip install was found")
        venv = self._venv(f, pips)
        first = min(pos for pos, _ in pips)
        if venv is None:
            for pos, cmd in pips:
                flags = {a.value.split("=")[0] for a in cmd.args}
                bad = flags & {"--user", "--target", "-t", "--prefix", "--root"}
                if bad:
                    raise PlanError(f"`pip install {sorted(bad)[0]}` on line {f.instructions[pos].line}")
            has_venv = any(i.name == "python3-venv" or re.fullmatch(r"python3\.\d+-venv", i.name) for i in f.installs)
            if f.base_name not in ("python", "pypy") and not has_venv:
                venv = self._system_prefix(draft)
            else:
                venv = VENV
                kw = "RUN" if f.instructions[0].keyword.isupper() else "run"
                env = "ENV" if f.instructions[0].keyword.isupper() else "env"
                python = "python3" if f.base_name not in ("python", "pypy") else "python"
                draft.build_before.setdefault(first, []).extend(
                    [f"{kw} {python} -m venv {VENV}", f'{env} PATH="{VENV}/bin:$PATH"'])
                draft.runtime_before.setdefault(first, []).append(f'{env} PATH="{VENV}/bin:$PATH"')
                draft.notes.append(f"the dependencies now install into a venv at {VENV}")
        draft.add_output(venv, "the virtual environment" if venv != "/usr/local" else "pip's install prefix")
        self._check_runs(draft)
        self._carry_app(draft)
        entry = f.entry
        program = entry.program
        if program is None and not self._app_folder_known(draft):
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        for word in entry.argv[:2]:
            if "/" in word or word.endswith(".py"):
                path = resolve(word, entry.workdir)
                if path is None:
                    raise PlanError(f"ENTRYPOINT/CMD names {word}, and the WORKDIR is not known")
                if not (under(path, venv) or draft.provided_by_runtime_copy(path) or under(path, "/usr")):
                    raise PlanError(f"ENTRYPOINT/CMD runs {path}, which no COPY of the application brings")
        draft.artifacts.append(Artifact(venv, venv, "the virtual environment" if venv != "/usr/local"
                                        else "pip's install prefix"))
        if f.base_name in ("python", "pypy") and not re.search(r"slim|alpine", f.base_tag or ""):
            from dflint.optimize.runtime import format_template

            template = options.runtime_images.get(f.base_name, f"{f.base_name}:{{version}}-slim")
            rt = format_template(template, f.base_ref)
            if rt is None:
                raise PlanError(f"the Python version of {f.stage.base} is not in its tag, so the slim "
                                f"image to ship is not known")
            draft.runtime_base = rt
            draft.ldd = "alpine" not in (f.base_tag or "")
        else:
            draft.runtime_base = f.stage.base
            draft.same_base = True
        draft.collect_packages(lambda inst: [] if inst.name in _DROP or re.fullmatch(r"python3\.\d+-venv", inst.name)
                               else None)
        self.finish(draft)

    def _app_folder_known(self, draft: Draft) -> bool:
        """With no ENTRYPOINT/CMD (the command comes from `docker run` or compose), the rewrite
        can still be confident when every file the program can use reaches the runtime stage:
        the application files the original copied from the build context are carried (the
        venv with them), and nothing else in the build part writes files (`_check_runs`, before)."""
        f = draft.facts
        if not any(c.from_ is None for c in f.copies()):
            return False
        draft.notes.append("the file sets no ENTRYPOINT/CMD: the command given at run time finds the "
                           "application and its dependencies as before")
        return True

    def _system_prefix(self, draft: Draft) -> str:
        """pip run as root with Debian's or Ubuntu's python3 installs into /usr/local (its
        dist-packages and bin): that folder is the artifact, when nothing else was put there."""
        f = draft.facts
        if f.manager != "apt" or f.base_name not in ("debian", "ubuntu", "buildpack-deps"):
            pip = self._pip_installs(f)
            what = f"`{pip[0][1].basename} install` on line {f.instructions[pip[0][0]].line}" if pip else "pip"
            from dflint.optimize.facts import DISTROS

            system = next((i for i in f.installs if re.fullmatch(r"python[\d.]*|python3?-pip|py3-pip", i.name)), None)
            if f.manager == "apt":
                pkg = f" with apt's {system.name}" if system is not None else ""
                raise PlanError(f"{what} installs into /usr/local{pkg} on {f.stage.base}, an image whose own "
                                f"/usr/local (which the rewrite would copy whole) the file does not show")
            if system is not None or f.base_name in DISTROS:
                pkg = f" ({system.manager}'s {system.name})" if system is not None else ""
                raise PlanError(f"{what} installs into the system Python of {f.stage.base}{pkg}: site-packages "
                                f"under /usr/lib and scripts in /usr/bin, mixed with the system's own files")
            raise PlanError(f"{what} installs outside a venv into the Python of {f.stage.base}, an image "
                            f"whose Python (and so where pip installs) the file does not say")
        for c in f.copies():
            if c.dest_abs and c.dest_abs.startswith("/usr/local") and draft.roles[c.pos] == BUILD:
                raise PlanError(f"the COPY on line {c.instruction.line} puts files into /usr/local, where pip "
                                f"installs too")
        for pos, ins in enumerate(f.instructions[: f.last_build + 1]):
            if ins.name == "WORKDIR" and (f.workdirs[pos + 1] if pos + 1 < len(f.workdirs) else "") \
                    and str(f.workdirs[pos + 1]).startswith("/usr/local"):
                raise PlanError(f"the WORKDIR on line {ins.line} is inside /usr/local, where pip installs")
        distro = "Ubuntu" if f.base_name == "ubuntu" else "Debian"
        draft.notes.append(f"pip installs into /usr/local with {distro}'s Python, so /usr/local is copied")
        return "/usr/local"

    def _pip_installs(self, f) -> list[tuple[int, object]]:
        from dflint.packages import package_commands

        out = []
        for pos, ins in enumerate(f.instructions[: f.last_build + 1]):
            if ins.name != "RUN":
                continue
            script = f.script(ins)
            if script is None:
                continue
            for pc in package_commands(script, ("pip",)):
                if pc.action == "install":
                    out.append((pos, pc.command))
        return out

    def _venv(self, f, pips) -> str | None:
        """The venv every pip install uses, when there is one."""
        created: list[str] = []
        for pos, ins in enumerate(f.instructions[: f.last_build + 1]):
            if ins.name != "RUN":
                continue
            for cmd in f.commands(ins):
                argv = [a.value for a in cmd.args]
                target = None
                if cmd.basename.startswith("python") and argv[:2] == ["-m", "venv"] and len(argv) > 2:
                    target = next((v for v in argv[2:] if not v.startswith("-")), None)
                elif cmd.basename == "venv":  # `python -m venv X`, unwrapped by the shell layer
                    target = next((v for v in argv if not v.startswith("-")), None)
                elif cmd.basename == "virtualenv" and argv:
                    target = next((v for v in argv if not v.startswith("-")), None)
                elif cmd.basename == "uv" and argv[:1] == ["venv"]:
                    target = next((v for v in argv[1:] if not v.startswith("-")), ".venv")
                if target:
                    path = resolve(target, f.cwd_of(ins, cmd))
                    if path:
                        created.append(path)
        if not created:
            return None
        for pos, cmd in pips:
            ins = f.instructions[pos]
            name = cmd.name
            path_env = (f.env_of(ins, cmd, "PATH") or "") + ":" + (f.env_written(ins, "PATH") or "")
            active = None
            for v in created:
                if name.startswith(v + "/bin/") or f"{v}/bin" in path_env.split(":"):
                    active = v
            if active is None:
                script = f.script(ins)
                for c in (script.commands if script else ()):
                    if c.basename in (".", "source") and c.args and c.args[0].value.endswith("/bin/activate"):
                        active = resolve(posixpath.dirname(posixpath.dirname(c.args[0].value)), f.cwd_of(ins, c))
            if active is None:
                return None
        return active

    def _check_runs(self, draft: Draft) -> None:
        f = draft.facts
        for pos, ins in enumerate(f.instructions[: f.last_build + 1]):
            if ins.name != "RUN":
                continue
            for cmd in f.commands(ins):
                name = cmd.basename
                if name in _ALLOWED:
                    continue
                argv = [a.value for a in cmd.args]
                if name.startswith("python") and argv[:2] in (["-m", "venv"], ["-m", "pip"]):
                    continue
                if name == "uv" and argv[:2] == ["pip", "install"] and "--system" in argv:
                    raise PlanError(f"`uv pip install --system` on line {ins.line} installs into the image's own "
                                    f"Python ({f.stage.base}: /usr/local, where Python itself is), and with "
                                    f"--system uv skips a virtual environment on the PATH")
                raise PlanError(f"the RUN on line {ins.line} runs `{name}`: what it writes is not carried "
                                f"into the runtime stage")

    def _carry_app(self, draft: Draft) -> None:
        f = draft.facts
        for c in f.copies():
            if draft.roles[c.pos] != BUILD or c.from_ is not None:
                continue
            if c.instruction.name == "ADD" and any("://" in s for s in c.sources):
                continue
            if all(_REQUIREMENT_FILES.fullmatch(posixpath.basename(s.rstrip("/"))) for s in c.sources):
                continue
            draft.roles[c.pos] = BOTH
