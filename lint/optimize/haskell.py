"""Haskell: ``cabal`` and ``stack``.

The artifact:

- ``cabal install`` (``v2-install``, ``new-install``, ``v1-install``; not ``--only-dependencies``
  nor ``--lib``) and ``stack install`` / ``stack build --copy-bins`` put executables in a bin
  folder: ``--installdir`` / ``--local-bin-path`` when given, else the tool's default, which
  depends on its version (cabal: ``~/.cabal/bin``, or ``~/.local/bin`` from cabal 3.10 on when
  ``~/.cabal`` does not exist; stack: ``~/.local/bin``). The haskell images put both folders on
  the PATH, so for a program ENTRYPOINT/CMD names without a folder (``CMD ["brok"]``) the build
  stage ends with ``install -D "$(command -v brok)" /tmp/dist/brok`` (the same lookup the
  container made, with the file's own ENV PATH; ``install`` copies the file a cabal symlink points
  to) and the runtime stage gets that file in ``/usr/local/bin``.
- ``cabal build`` (``v2-build``, ``new-build``) writes under ``dist-newstyle`` (``--builddir``),
  ``v1-build`` under ``dist``, ``stack build`` under ``.stack-work``: a path ENTRYPOINT/CMD names
  inside one of them, or where a ``cp``/``mv``/``install`` put a file from one of them (``cp
  $(find dist-newstyle -name app -type f) /app/app``, ``cp $(cabal list-bin app) …``), is copied.

``stack exec``, ``cabal run``/``exec``, ``runghc`` … in ENTRYPOINT/CMD need the toolchain when the
container starts: refused.

The runtime base: the haskell images are Debian; the runtime stage is the slim image of the same
release, from the tag (``9.10-slim-bookworm``) or, for tags that do not say, the release the
tag's last image was built on (8, 8.8, 8.10: buster; 9.4: bullseye); other tags have no known
runtime image unless DF200's ``runtime-images`` option (key ``haskell``) names one. Buster and
stretch are refused: their packages left deb.debian.org, so the runtime stage's install fails. It installs
ca-certificates, libgmp10 (GHC's integer library), netbase (``/etc/protocols`` and
``/etc/services``, which the ``network`` package reads; the haskell images have it) and the
packages of the shared libraries the binaries link (ldd and ``dpkg -S`` in the build stage).
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.crystal import note_unknown_context_folder
from dflint.optimize.facts import resolve
from dflint.optimize.plan import BOTH, RUNTIME, SCRIPT_INTERPRETERS, Artifact, Draft, PlanError
from dflint.optimize.runtime import release_of, toolchain_runtime
from dflint.source import LazyPattern
from dflint.words import split_key_values

_CABAL_VALUE_FLAGS = ("--installdir", "--install-method", "--overwrite-policy", "-j", "--jobs", "--builddir",
                      "--project-file", "--ghc-options", "-f", "--flags", "--constraint", "--with-compiler", "-w",
                      "--index-state", "--prefix", "--bindir", "--datadir", "--libdir", "--package-env",
                      "--env", "--program-suffix", "--program-prefix", "--with-ghc", "--allow-newer",
                      "--allow-older", "--enable-optimization", "-O", "--store-dir", "--config-file")
_STACK_VALUE_FLAGS = ("--local-bin-path", "--stack-yaml", "--work-dir", "--resolver", "--snapshot",
                      "--ghc-options", "-j", "--jobs", "--flag", "--arch", "--compiler", "--stack-root",
                      "--ta", "--test-arguments", "--ba", "--benchmark-arguments", "--exec", "--color",
                      "--verbosity", "--PROG-option", "--ghc-build", "--setup-info-yaml")

_INSTALL_SUBCOMMANDS = frozenset({"install", "v2-install", "new-install", "v1-install"})
_BUILD_SUBCOMMANDS = frozenset({"build", "v2-build", "new-build"})
_DEPENDENCIES_ONLY = ("--only-dependencies", "--dependencies-only", "--only-snapshot", "--lib",
                      "--only-download", "--dry-run", "--only-configure")

#: programs that need the Haskell toolchain when the container starts
_TOOLCHAIN_PROGRAMS = frozenset("stack cabal ghc ghci runghc runhaskell ghcup".split())
#: programs a bare ENTRYPOINT/CMD name may be that no cabal/stack install puts there
_NOT_BUILT = SCRIPT_INTERPRETERS | {"env", "tini", "dumb-init", "gosu", "su-exec", "exec"}

_IMAGE = "haskell"

#: Debian releases whose packages are no longer on deb.debian.org (stretch in 2023, buster in July
#: 2025: debian-devel-announce 2025/06): `apt-get update` fails in their images
_ARCHIVED = frozenset({"jessie", "stretch", "buster"})

#: The Debian release of the haskell images whose tag does not name one: the last image of
#: each tag (docker-library repo-info: `haskell:8` = `haskell:8-buster`, GHC 8.10.7's deb10
#: bindist; docker-haskell's 8.8 and 8.10 Dockerfiles start FROM debian:buster; 9.4 is built
#: on bullseye only since buster left the repository).
_HASKELL_RELEASES = {"8": "buster", "8.8": "buster", "8.10": "buster", "9.4": "bullseye"}
#: the exact versions those moving tags ended on (an older 9.4.x was built on buster)
_LAST_VERSIONS = {"8.8": LazyPattern(r"8\.8(\.\d+)?"), "8.10": LazyPattern(r"8\.10(\.\d+)?"),
                  "9.4": LazyPattern(r"9\.4(\.8)?"), "8": LazyPattern(r"8")}


def haskell_release(ref: str) -> str | None:
    """The Debian release a ``haskell:<tag>`` image is built on (None: not known)."""
    release = release_of(ref)
    if release is not None:
        return release
    tag = ref.partition(":")[2].split("@")[0]
    for key, pattern in _LAST_VERSIONS.items():
        if pattern.fullmatch(tag):
            return _HASKELL_RELEASES[key]
    return None


class HaskellRecipe(Recipe):
    name = "haskell"
    ecosystem = "haskell"
    tools = ("cabal ", "stack ")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        installs: list[str] = []  # why, for each step that installs executables
        for step in f.ev.builds:
            if step.command is None:
                raise PlanError(f"the build step `{step.tool}` on line {step.line} cannot be read")
            ins, cmd = step.instruction, step.command
            tool, _, sub = step.tool.partition(" ")
            takes = _CABAL_VALUE_FLAGS if tool == "cabal" else _STACK_VALUE_FLAGS
            if cmd.has_flag(*_DEPENDENCIES_ONLY, takes_value=takes):
                continue
            cwd = f.cwd_of(ins, cmd)
            home = "/root" if not f.users[f.pos(ins)] else None
            why = f"`{step.tool}` on line {ins.line}"

            def value(*names: str) -> str | None:
                arg = cmd.flag_arg(*names, takes_value=takes)
                got = cmd.option(*names, takes_value=takes)
                if got is not None and arg is not None and not arg.static:
                    got = f.expand(ins, got)
                    if got is None:
                        raise PlanError(f"the {names[0]} of {why} is not known")
                return got

            if tool == "cabal":
                if sub in _INSTALL_SUBCOMMANDS:
                    installs.append(why)
                    folder = value("--installdir") or value("--bindir")
                    if folder:
                        draft.add_output(resolve(folder, cwd), why, folder=True)
                    else:
                        cabal_dir = f.env_of(ins, cmd, "CABAL_DIR")
                        if cabal_dir:
                            draft.add_output(posixpath.join(cabal_dir, "bin"), why, folder=True)
                        elif home:
                            draft.add_output(f"{home}/.cabal/bin", why, folder=True)
                            draft.add_output(f"{home}/.local/bin", why, folder=True)
                    if sub == "v1-install" and cwd:
                        draft.add_output(posixpath.join(cwd, "dist"), why, folder=True)
                    elif cwd:
                        draft.add_output(posixpath.join(cwd, value("--builddir") or "dist-newstyle"), why,
                                         folder=True)
                elif sub in _BUILD_SUBCOMMANDS or sub == "v1-build":
                    if cwd is None:
                        raise PlanError(f"the folder {why} runs in is not known")
                    builddir = value("--builddir") or ("dist" if sub == "v1-build" else "dist-newstyle")
                    draft.add_output(resolve(builddir, cwd), why, folder=True)
                continue
            # stack
            if sub == "install" or (sub == "build" and cmd.has_flag("--copy-bins", takes_value=takes)):
                installs.append(why)
                folder = value("--local-bin-path")
                if folder:
                    draft.add_output(resolve(folder, cwd), why, folder=True)
                elif home:
                    draft.add_output(f"{home}/.local/bin", why, folder=True)
            if cwd:
                draft.add_output(posixpath.join(cwd, value("--work-dir") or ".stack-work"), why, folder=True)
        self._substituted_moves(draft)
        draft.track_moves()
        entry = f.entry
        argv = entry.argv
        if not argv:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        program = argv[0]
        if posixpath.basename(program) in _TOOLCHAIN_PROGRAMS:
            sub = next((a for a in argv[1:] if not a.startswith("-")), "")
            words = f"{posixpath.basename(program)} {sub}".strip()
            raise PlanError(f"ENTRYPOINT/CMD runs `{words}`, which needs the Haskell toolchain when the container "
                            f"starts: install the executable (`stack install`, `cabal install`) and run it instead")
        if "$" in program:
            raise PlanError(f"ENTRYPOINT/CMD runs {program}, which is not known")
        path = draft.output_for(program, entry.workdir)
        if path is not None and path not in draft.folders:
            draft.artifacts.append(Artifact(path, path, draft.outputs.get(path, "")))
        elif "/" not in program and installs and program not in _NOT_BUILT:
            self._stage_from_path(draft, program, installs)
        else:
            built = ", ".join(sorted(draft.outputs)) or "nothing known"
            raise PlanError(f"ENTRYPOINT/CMD runs `{program}`, which is not what the build writes ({built})")
        draft.runtime_dirs_from_context(entry.workdir)
        note_unknown_context_folder(draft, entry.workdir)
        runtime_image = None
        release = release_of(f.base_ref)
        if self.toolchain_image(f):
            if f.base_name in options.runtime_images:
                runtime_image = toolchain_runtime(f.base_ref, options.runtime_images)
            elif f.base_name == _IMAGE:
                release = haskell_release(f.base_ref)
                if release in _ARCHIVED:
                    raise PlanError(f"{f.stage.base} is built on Debian {release}, whose packages left deb.debian.org "
                                    f"(archive.debian.org only): a debian:{release}-slim runtime stage could not "
                                    f"install its libraries")
                runtime_image = f"debian:{release}-slim" if release else None
            if runtime_image is None:
                raise PlanError(f"the Debian release {f.stage.base} is built on is not known (set the runtime "
                                f"image with DF200's `runtime-images` option, key `{f.base_name}`)")
        self.choose_base(draft, options, runtime_image=runtime_image)
        draft.collect_packages(lambda inst: None, release=release)
        if self._debian(draft) and (runtime_image is not None or draft.package_manager in (None, "apt")):
            for pkg in ("netbase", "libgmp10", "ca-certificates"):
                if pkg not in draft.runtime_packages:
                    draft.runtime_packages.insert(0, pkg)
            draft.package_manager = draft.package_manager or "apt"
            draft.ldd = runtime_image is not None
        self.finish(draft)

    def _stage_from_path(self, draft: Draft, program: str, installs: list[str]) -> None:
        """`program` is on the PATH: copy the file the PATH lookup finds at the end of the build
        stage (with every ENV PATH of the file in force there, as when the container starts)."""
        f = draft.facts
        self._check_executable_name(draft, program)
        for pos, ins in enumerate(f.instructions):
            if ins.name == "ENV" and draft.roles[pos] == RUNTIME and any(
                    k == "PATH" for k, _ in split_key_values(ins.args, instruction="ENV")):
                draft.roles[pos] = BOTH
        staged = f"/tmp/dist/{program}"
        draft.build_after.append(f'{draft._kw("RUN")} install -D "$(command -v {program})" {staged}')
        dest = posixpath.join("/usr/local/bin", program)
        draft.artifacts.append(Artifact(staged, dest, installs[-1]))
        draft.notes.append(f"{dest} is the {program} the PATH finds at the end of the build stage, where "
                           f"{' and '.join(installs)} installed it")

    def _check_executable_name(self, draft: Draft, program: str) -> None:
        """With the build context known, the program must be an executable of a .cabal file or
        package.yaml the build copied."""
        f = draft.facts
        if f.context is None:
            return
        names: set[str] = set()
        seen = False
        for c in f.copies():
            if c.from_ is not None:
                continue
            for s in c.sources:
                for rel in self._manifests(f, c, s):
                    text = f.read_context(rel)
                    if not text:
                        continue
                    seen = True
                    if rel.endswith(".cabal"):
                        names.update(m.group(1) for m in re.finditer(r"(?im)^executable\s+([\w.-]+)", text))
                    else:
                        m = re.search(r"(?ms)^executables:\s*\n((?:[ \t]+.*\n?)*)", text)
                        if m:
                            names.update(re.findall(r"(?m)^[ \t]{1,4}([\w.-]+):", m.group(1)))
        if seen and program not in names:
            raise PlanError(f"ENTRYPOINT/CMD runs `{program}`, which is not an executable of the package the "
                            f"build installs ({', '.join(sorted(names)) or 'none found'})")

    def _manifests(self, f, c, source: str) -> list[str]:
        bc = f.context
        base = source.rstrip("/")
        if base in (".", "", "./"):
            base = "."
        listing = bc.listdir(base) if bc is not None else None
        if listing:
            return [posixpath.normpath(posixpath.join(base, n)) for n in listing
                    if n.endswith(".cabal") or n == "package.yaml"]
        if base.endswith(".cabal") or posixpath.basename(base) == "package.yaml":
            return [base]
        return []

    def _substituted_moves(self, draft: Draft) -> None:
        """``cp $(find dist-newstyle -name app -type f) /app/app``, ``cp "$(cabal list-bin app)" …``,
        ``cp $(stack path --local-install-root)/bin/app …``: the destination is an output."""
        f = draft.facts
        first = f.build_positions[0] if f.build_positions else 0
        for pos in range(first, len(f.instructions)):
            ins = f.instructions[pos]
            if ins.name != "RUN":
                continue
            for cmd in f.commands(ins):
                if cmd.basename not in ("cp", "mv", "install"):
                    continue
                words = [a for a in cmd.args if not a.value.startswith("-")]
                if len(words) != 2:
                    continue
                src, dest = words
                if src.static or not any(k in src.raw for k in ("dist-newstyle", ".stack-work", "list-bin",
                                                                 "local-install-root", "stack path")):
                    continue
                if "*" in src.raw or not dest.static:
                    continue
                path = resolve(dest.value, f.cwd_of(ins, cmd))
                if path is None or dest.value.endswith("/"):
                    continue
                draft.add_output(path, f"`{cmd.basename}` on line {ins.line}")
