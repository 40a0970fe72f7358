""".NET: ``dotnet publish`` (or ``dotnet build``) with an explicit output folder.

The artifact is the ``-o``/``--output`` folder, resolved against the folder the command ran in:
the whole folder, because the entry assembly needs its ``.deps.json``, ``.runtimeconfig.json``
and dependencies next to it. ENTRYPOINT/CMD must run something inside it (``dotnet out/App.dll``
or the apphost ``./out/App``). The runtime base: the SDK image ``mcr.microsoft.com/dotnet/sdk:<tag>``
→ ``mcr.microsoft.com/dotnet/aspnet:<tag>`` (the ASP.NET Core runtime includes the .NET runtime,
so it runs console apps too), an SDK feature band (``8.0.100``) reduced to its runtime version
(``8.0``); the ``runtime-images`` option overrides it (``mcr.microsoft.com/dotnet/sdk`` key).

Refused: no ``-o`` (the default ``bin/<configuration>/<framework>/publish`` needs the project's
target framework, which the Dockerfile alone does not say), a base that is not the SDK image.
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve, under
from dflint.optimize.plan import Artifact, Draft, PlanError

SDK = "mcr.microsoft.com/dotnet/sdk"
_VALUE_FLAGS = ("-o", "--output", "-c", "--configuration", "-f", "--framework", "-r", "--runtime", "-p",
                "--property", "-v", "--verbosity", "--version-suffix", "-a", "--arch", "--os", "--source", "-s")


class DotnetRecipe(Recipe):
    name = "dotnet"
    ecosystem = "dotnet"
    tools = ("dotnet publish", "dotnet build")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        if f.base_name != SDK:
            raise PlanError(f"the .NET SDK does not come from {SDK} ({f.stage.base}), so no runtime image "
                            f"is known")
        for step in f.ev.builds:
            ins, cmd = step.instruction, step.command
            if cmd is None:
                raise PlanError(f"the build step on line {step.line} is not a shell command")
            out = cmd.option("-o", "--output", takes_value=_VALUE_FLAGS)
            if out is None:
                if step.tool == "dotnet build":
                    continue  # a build before the publish: its output stays in the build stage
                raise PlanError(f"`{step.tool}` on line {step.line} has no -o, and its default folder depends on "
                                f"the project's target framework")
            value = f.expand(ins, out)
            path = resolve(value, f.cwd_of(ins, cmd)) if value else None
            if path is None:
                raise PlanError(f"the -o of `{step.tool}` on line {step.line} is not known")
            draft.add_output(path, f"the -o of `{step.tool}` on line {step.line}", folder=True)
        if not draft.outputs:
            raise PlanError("no `dotnet publish -o` was found")
        draft.track_moves()
        entry = f.entry
        argv = list(entry.argv)
        if not argv:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        target = argv[1] if posixpath.basename(argv[0]) == "dotnet" and len(argv) > 1 else argv[0]
        if posixpath.basename(argv[0]) == "dotnet" and target.startswith("-"):
            raise PlanError(f"ENTRYPOINT/CMD runs `dotnet {target}`, not an assembly")
        path = resolve(target, entry.workdir)
        if path is None:
            raise PlanError(f"ENTRYPOINT/CMD runs {target}, and the WORKDIR is not known")
        folder = next((o for o in draft.outputs if under(path, o) and o != path), None)
        if folder is None:
            built = ", ".join(sorted(draft.outputs))
            raise PlanError(f"ENTRYPOINT/CMD runs {path}, which is not inside what `dotnet publish` writes ({built})")
        draft.artifacts.append(Artifact(folder, folder, draft.outputs[folder]))
        template = options.runtime_images.get(SDK)
        if template is None:
            tag = re.sub(r"^(\d+\.\d+)\.\d+", r"\1", f.base_tag or "")
            if not tag or tag == "latest" or "$" in tag:
                raise PlanError(f"the .NET version of {f.stage.base} is not in its tag")
            draft.runtime_base = f"mcr.microsoft.com/dotnet/aspnet:{tag}"
        else:
            from dflint.optimize.runtime import format_template

            rt = format_template(template, f.base_ref)
            if rt is None:
                raise PlanError(f"the runtime image template {template} does not fit {f.stage.base}")
            draft.runtime_base = rt
        draft.runtime_dirs_from_context(entry.workdir)
        draft.collect_packages(lambda inst: None)
        self.finish(draft)
