"""Crystal: ``crystal build`` (``crystal compile``) and ``shards build``.

The artifact: ``crystal build``'s ``-o``/``--output``, else the first source file's name without
``.cr``, in the folder the command runs in; ``shards build`` writes ``bin/<target>`` next to
shard.yml: the targets named on the command line, else those of shard.yml's ``targets:`` when
the build context is known, else the whole ``bin`` folder (where shards writes nothing but its
targets). ``cp``/``mv``/``install`` of an output later are followed.

What the container runs: one of those outputs, or a script the file copied by name from the
build context (``COPY run.sh run.sh`` … ``CMD bash run.sh``, the TechEmpower pattern): the COPY
is carried into the runtime stage with every output of the build, and the title says that what
the script starts is assumed to be among them. ``crystal``/``shards`` at run time is a refusal.

The runtime base: the ``crystallang/crystal`` images are Ubuntu without the compiler's own
packages: 0.36 to 1.12.1 on Ubuntu 20.04 (crystal-lang/distribution-scripts moved the images to
focal with LLVM 10 in 2020), 1.13 to 1.19 on Ubuntu 24.04 (distribution-scripts#307, May 2024);
other tags (the alpine images, 1.12.2, ``latest``, 1.20 and later) have no known runtime image
unless DF200's ``runtime-images`` option names one. The runtime stage installs ca-certificates
(which the image has) and the packages of the shared libraries the binary links (ldd and ``dpkg
-S`` in the build stage). Not tzdata, which the image also has: on Ubuntu its install asks for a
time zone unless ``DEBIAN_FRONTEND=noninteractive`` is set, and the generated install RUN does
not set it. A distribution base
with Crystal from a package stays as written.
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve, under
from dflint.optimize.plan import BUILD, RUNTIME_DIRS, SCRIPT_INTERPRETERS, Artifact, Draft, PlanError
from dflint.optimize.runtime import toolchain_runtime

#: options of ``crystal build`` (and of ``shards build``, which passes them on) that take a value
_VALUE_FLAGS = ("-o", "--output", "-D", "--define", "--emit", "--link-flags", "--mcpu", "--mattr", "--mcmodel",
                "--target", "--threads", "-O", "--exclude-warnings", "--warnings", "-f", "--format", "--prelude",
                "--x86-asm-syntax", "--error-trace-limit")

_IMAGE = "crystallang/crystal"

#: programs that need the Crystal toolchain when the container starts
_TOOLCHAIN_PROGRAMS = frozenset({"crystal", "shards"})


def crystal_runtime_image(tag: str) -> str | None:
    """The Ubuntu image a ``crystallang/crystal:<tag>`` image is built on (None: not known)."""
    m = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?(-build)?", tag or "")
    if not m:
        return None
    version = (int(m.group(1)), int(m.group(2)))
    patch = int(m.group(3)) if m.group(3) is not None else None
    if (1, 13) <= version < (1, 20):
        return "ubuntu:24.04"
    if version == (1, 12):
        # 1.12.0 and 1.12.1 came before the move to 24.04; `1.12` now means 1.12.2, whose base is
        # not documented
        return "ubuntu:20.04" if patch in (0, 1) else None
    if (0, 36) <= version < (1, 12):
        return "ubuntu:20.04"
    return None


def shard_targets(text: str) -> list[str]:
    """The target names of a shard.yml (its ``targets:`` mapping's keys)."""
    names: list[str] = []
    inside = False
    indent: int | None = None
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped.strip():
            continue
        level = len(stripped) - len(stripped.lstrip())
        if level == 0:
            inside = stripped.startswith("targets:")
            indent = None
            continue
        if not inside:
            continue
        if indent is None:
            indent = level
        if level == indent:
            key = stripped.strip()
            if key.endswith(":"):
                names.append(key[:-1].strip().strip("\"'"))
    return names


def note_unknown_context_folder(draft: Draft, workdir: str | None) -> None:
    """A folder of the build context copied to the container's working directory (``ADD ./server
    /opt/server`` … ``WORKDIR /opt/server``) may hold files the program reads at run time; with
    the build context unknown, say that none of it is copied."""
    f = draft.facts
    if workdir is None or f.context is not None:
        return
    for c in f.copies():
        if draft.roles[c.pos] != BUILD or c.from_ is not None:
            continue
        for s in c.sources:
            if "://" in s or c.target_of(s) != workdir:
                continue
            if posixpath.basename(s.rstrip("/")) in RUNTIME_DIRS:
                continue
            note = (f"the build context is unknown, so files the program may read at run time from {workdir} "
                    f"(copied on line {c.instruction.line}) are not copied")
            if note not in draft.notes and not any("build context is unknown" in n for n in draft.notes):
                draft.notes.append(note)
            return


def entry_script(draft: Draft) -> tuple[str, str] | None:
    """The script ENTRYPOINT/CMD runs (``bash run.sh``, ``./start.sh``) as (word, absolute path),
    when it is a file of the build context copied by name; None otherwise."""
    f = draft.facts
    entry = f.entry
    argv = list(entry.argv)
    if not argv:
        return None
    program = argv[0]
    if posixpath.basename(program) in SCRIPT_INTERPRETERS:
        words = [w for w in argv[1:] if not w.startswith("-")]
        if not words or any(a in ("-c", "-e", "-m") for a in argv[1:]):
            return None
        word = words[0]
    elif "/" in program and program.endswith(".sh"):
        word = program
    else:
        return None
    if "$" in word:
        return None
    path = resolve(word, entry.workdir)
    if path is None:
        return None
    for c in f.copies():
        if draft.roles[c.pos] != BUILD or c.from_ is not None or c.whole_context:
            continue
        for s in c.sources:
            if "://" in s or s.endswith("/"):
                continue
            if c.target_of(s) == path:
                return word, path
    return None


class CrystalRecipe(Recipe):
    name = "crystal"
    ecosystem = "crystal"
    tools = ("crystal build", "crystal compile", "shards build")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        for step in f.ev.builds:
            if step.command is None:
                raise PlanError(f"the build step `{step.tool}` on line {step.line} cannot be read")
            ins, cmd = step.instruction, step.command
            cwd = f.cwd_of(ins, cmd)
            if cwd is None:
                raise PlanError(f"the folder `{step.tool}` on line {ins.line} runs in is not known")
            why = f"`{step.tool}` on line {ins.line}"
            flags = set(cmd.flags(_VALUE_FLAGS))
            if flags & {"--cross-compile", "--emit", "--no-codegen"}:
                raise PlanError(f"`{step.tool}` on line {ins.line} does not write a program "
                                f"({', '.join(sorted(flags & {'--cross-compile', '--emit', '--no-codegen'}))})")
            positional = [a for a in cmd.positional(_VALUE_FLAGS)[1:]]
            if cmd.basename == "crystal":
                out_arg = cmd.flag_arg("-o", "--output", takes_value=_VALUE_FLAGS)
                out = cmd.option("-o", "--output", takes_value=_VALUE_FLAGS)
                if out is not None and out_arg is not None and not out_arg.static:
                    out = f.expand(ins, out)
                if out is None and out_arg is not None:
                    raise PlanError(f"the -o of `crystal build` on line {ins.line} is not known")
                if out is None:
                    src = next((a for a in positional if a.value.endswith(".cr")), None)
                    if src is None or not src.static:
                        raise PlanError(f"what `{step.tool}` on line {ins.line} writes is not known")
                    out = posixpath.basename(src.value)[: -len(".cr")]
                draft.add_output(resolve(out, cwd), why)
                continue
            # shards build [targets…]: bin/<target> next to shard.yml
            if any(not a.static for a in positional):
                raise PlanError(f"the targets of `shards build` on line {ins.line} are not known")
            targets = [a.value for a in positional]
            bindir = posixpath.join(cwd, "bin")
            if not targets:
                text = f.context_file("shard.yml", cwd)
                targets = shard_targets(text) if text else []
            if targets:
                for t in targets:
                    draft.add_output(posixpath.join(bindir, t), why)
            else:
                draft.add_output(bindir, why, folder=True)
        draft.track_moves()
        entry = f.entry
        program = entry.program
        if program is None:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        if posixpath.basename(program) in _TOOLCHAIN_PROGRAMS:
            raise PlanError(f"ENTRYPOINT/CMD runs `{program}`, which needs the Crystal toolchain at run time")
        path = draft.output_for(program, entry.workdir)
        if path is not None:
            draft.artifacts.append(Artifact(path, path, draft.outputs.get(path, "")))
        else:
            script = entry_script(draft)
            if script is None:
                built = ", ".join(sorted(draft.outputs)) or "nothing known"
                raise PlanError(f"ENTRYPOINT/CMD runs `{program}`, which is not what the build writes ({built})")
            word, spath = script
            if not draft.outputs:
                raise PlanError(f"ENTRYPOINT/CMD runs {word}, and what the build writes is not known")
            draft.carry_copies_of(spath)
            # every output of the build: the script starts one of them, which one is not known
            finals = self._final_outputs(draft)
            for out in finals:
                draft.artifacts.append(Artifact(out, out, draft.outputs[out]))
            context = "the build context is unknown, so " if f.context is None else ""
            draft.notes.append(f"ENTRYPOINT/CMD runs {spath}, copied from the build context as in the original; "
                               f"{context}what it starts is taken to be {', '.join(finals)}")
        draft.runtime_dirs_from_context(entry.workdir)
        note_unknown_context_folder(draft, entry.workdir)
        runtime_image = None
        if self.toolchain_image(f) and f.base_name == _IMAGE:
            if _IMAGE in options.runtime_images:
                runtime_image = toolchain_runtime(f.base_ref, options.runtime_images)
            else:
                runtime_image = crystal_runtime_image(f.base_tag)
            if runtime_image is None:
                raise PlanError(f"the Ubuntu release {f.stage.base} is built on is not known (set the runtime "
                                f"image with DF200's `runtime-images` option, key `{_IMAGE}`)")
        self.choose_base(draft, options, runtime_image=runtime_image)
        release = {"ubuntu:20.04": "focal", "ubuntu:24.04": "noble"}.get(draft.runtime_base or "")
        draft.collect_packages(lambda inst: None, release=release)
        if runtime_image is not None and self._debian(draft):
            if "ca-certificates" not in draft.runtime_packages:
                draft.runtime_packages.insert(0, "ca-certificates")
            draft.package_manager = draft.package_manager or "apt"
            draft.ldd = True
        self.finish(draft)

    def _final_outputs(self, draft: Draft) -> list[str]:
        """The outputs that are not inside another output (a moved binary's old place drops out)."""
        outs = sorted(draft.outputs)
        return [o for o in outs if not any(o != other and under(o, other) for other in outs)]
