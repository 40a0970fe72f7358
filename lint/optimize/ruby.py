"""Ruby: ``bundle install`` and ``gem install`` that compile native extensions (a C compiler or
headers installed by the file).

On the official ``ruby`` images gems install into ``GEM_HOME`` (``/usr/local/bundle``; the file's
own ``ENV GEM_HOME`` wins), which also holds Bundler's configuration (``BUNDLE_APP_CONFIG`` is
``$GEM_HOME`` there) and the gems' executables (on the PATH): that folder is the artifact.
``bundle install --path X`` / ``BUNDLE_PATH=X`` / ``--deployment`` (``vendor/bundle``) install
into that folder instead, which is copied too. The ``Gemfile.lock`` ``bundle install`` writes next
to the Gemfile is copied from the build stage; the application files the original copied from
the build context go to the runtime stage again, in their original order (Ruby runs its
sources). The runtime base: ``ruby:<version>`` → ``ruby:<version>-slim`` (the packages of the
libraries the extensions link found with ``ldd``); a slim or alpine ruby image stays, without the
compiler and headers (a ``-dev`` package becomes its runtime library).

Refused: a base other than the official ruby image (Ruby from the distribution's packages
installs gems elsewhere); ``--gemfile``/``BUNDLE_GEMFILE``; a RUN in the build part that runs
something else (``rails assets:precompile`` writes into the application folder, which the
runtime stage takes from the build context).
"""

from __future__ import annotations

import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve
from dflint.optimize.plan import BOTH, BUILD, Artifact, Draft, PlanError
from dflint.optimize.runtime import DEBIAN_RELEASES, format_template

GEM_HOME = "/usr/local/bundle"
_ALLOWED = frozenset(
    "apt-get apt apk yum dnf microdnf zypper gem bundle bundler rm mkdir useradd adduser groupadd addgroup "
    "usermod chown chmod ln echo true cd set export test printf touch ldconfig update-ca-certificates".split()
)
_BUNDLE_VALUE_FLAGS = ("--path", "--gemfile", "--jobs", "-j", "--retry", "--without", "--with", "--binstubs",
                       "--shebang", "--standalone", "--trust-policy", "--clean")


class RubyRecipe(Recipe):
    name = "ruby"
    ecosystem = "ruby"
    tools = ("bundle install", "gem install")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        if f.base_name != "ruby":
            pkg = next((i for i in f.installs if re.fullmatch(r"ruby[\d.]*(-full)?", i.name)), None)
            if pkg is not None:
                raise PlanError(f"Ruby comes from the package `{pkg.name}` (line {f.instructions[pkg.pos].line}) "
                                f"on {f.stage.base}, not the official ruby image: gems install into the "
                                f"system's folders (/var/lib/gems, /usr/local/bin), mixed with its own files")
            raise PlanError(f"Ruby does not come from the official ruby image ({f.stage.base}), so where "
                            f"gems install is not known")
        gem_home = None
        for step in f.ev.builds:
            if step.command is None:
                raise PlanError(f"the build step on line {step.line} is not a shell command")
            ins, cmd = step.instruction, step.command
            home = f.env_of(ins, cmd, "GEM_HOME") or GEM_HOME
            if "$" in home or not home.startswith("/"):
                raise PlanError(f"GEM_HOME of `{step.tool}` on line {step.line} is not known")
            if gem_home is not None and home != gem_home:
                raise PlanError("the gems install into more than one GEM_HOME")
            gem_home = home
            cwd = f.cwd_of(ins, cmd)
            if step.tool == "gem install":
                flags = {a.value.split("=", 1)[0] for a in cmd.args if a.value.startswith("-")}
                bad = flags & {"--install-dir", "-i", "--bindir", "-n", "--user-install", "--target"}
                if bad:
                    raise PlanError(f"`gem install {sorted(bad)[0]}` on line {step.line} installs elsewhere")
                continue
            if cmd.has_flag("--gemfile") or f.env_of(ins, cmd, "BUNDLE_GEMFILE"):
                raise PlanError(f"`bundle install` on line {step.line} uses another Gemfile")
            if cwd is None:
                raise PlanError(f"the folder `bundle install` on line {step.line} runs in is not known")
            path = cmd.option("--path", takes_value=_BUNDLE_VALUE_FLAGS) or f.env_of(ins, cmd, "BUNDLE_PATH")
            if path is None and (cmd.has_flag("--deployment") or f.env_of(ins, cmd, "BUNDLE_DEPLOYMENT") in ("1", "true")):
                path = "vendor/bundle"
            if path is None:
                path = self._configured_path(f, step)
            if path is not None:
                target = resolve(path, cwd)
                if target is None or "$" in path:
                    raise PlanError(f"where `bundle install` on line {step.line} installs ({path}) is not known")
                draft.add_output(target, f"the bundle path of `bundle install` on line {step.line}", folder=True)
            draft.add_output(resolve("Gemfile.lock", cwd), f"written by `bundle install` on line {step.line}")
        assert gem_home is not None
        self._check_runs(draft)
        self._carry_app(draft)
        entry = f.entry
        if entry.program is None:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        draft.add_output(gem_home, "GEM_HOME", folder=True)
        draft.artifacts.append(Artifact(gem_home, gem_home, "GEM_HOME: the gems and their executables"))
        for out, why in draft.outputs.items():
            if out != gem_home:
                draft.artifacts.append(Artifact(out, out, why))
        tag = f.base_tag or ""
        if re.search(r"slim|alpine", tag):
            draft.runtime_base = f.stage.base
            draft.same_base = True
        else:
            template = options.runtime_images.get("ruby")
            if template is None:
                release = next((r for r in DEBIAN_RELEASES if r in re.split(r"[-.]", tag)), None)
                template = "ruby:{version}-slim" + (f"-{release}" if release else "")
                if tag in ("", "latest") or (release and tag == release):
                    template = "ruby:slim" + (f"-{release}" if release else "")
            rt = format_template(template, f.base_ref)
            if rt is None:
                raise PlanError(f"the Ruby version of {f.stage.base} is not in its tag, so the slim image to "
                                f"ship is not known")
            draft.runtime_base = rt
            draft.ldd = True
        draft.collect_packages(lambda inst: None)
        self.finish(draft)

    def _configured_path(self, f, step) -> str | None:
        """`bundle config set path X` / `bundle config path X` before the install."""
        found = None
        for ins in f.instructions[: f.pos(step.instruction) + 1]:
            if ins.name != "RUN":
                continue
            for cmd in f.commands(ins):
                if cmd.basename != "bundle" or ins is step.instruction and cmd is step.command:
                    continue
                words = [a.value for a in cmd.args if not a.value.startswith("--")]
                if words[:1] == ["config"]:
                    rest = words[1:]
                    if rest[:1] in (["set"],):
                        rest = rest[1:]
                    if rest[:1] == ["path"] and len(rest) > 1:
                        found = rest[1]
                    elif rest[:1] in (["deployment"],) and rest[1:2] in (["true"], ["1"]):
                        found = found or "vendor/bundle"
        return found

    def _check_runs(self, draft: Draft) -> None:
        f = draft.facts
        for ins in f.instructions[: f.last_build + 1]:
            if ins.name != "RUN":
                continue
            cmds = f.commands(ins)
            if not cmds:
                raise PlanError(f"the RUN on line {ins.line} cannot be read as a shell script")
            for cmd in cmds:
                if cmd.basename in _ALLOWED or cmd.basename.startswith("apt-"):
                    continue
                raise PlanError(f"the RUN on line {ins.line} runs `{cmd.basename}`: what it writes is not carried "
                                f"into the runtime stage")

    def _carry_app(self, draft: Draft) -> None:
        f = draft.facts
        for c in f.copies():
            if draft.roles[c.pos] != BUILD or c.from_ is not None:
                continue
            if c.instruction.name == "ADD" and any("://" in s for s in c.sources):
                raise PlanError(f"the ADD on line {c.instruction.line} downloads into the build part")
            draft.roles[c.pos] = BOTH
