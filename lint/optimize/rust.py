"""Rust: ``cargo build``, ``cargo install``, ``rustc``.

``cargo build`` writes ``<target dir>/[<triple>/]<profile>/<bin>``: the target dir is
``--target-dir``, ``CARGO_TARGET_DIR`` or ``target/`` next to the manifest; the profile is
``release`` with ``--release``, ``--profile`` as given (``dev`` → ``debug``), else ``debug``; the
binary is ``--bin``, the Cargo.toml ``[[bin]]`` names or ``[package] name`` when the build
context is known, else what ENTRYPOINT/CMD names. ``cargo install`` writes to ``--root``/bin,
``CARGO_INSTALL_ROOT``/bin or ``$CARGO_HOME/bin`` (``/usr/local/cargo`` in the rust image,
``~/.cargo`` otherwise). A musl target is static (distroless static); otherwise the rust image
ships ``debian:<release>-slim`` with ca-certificates, and a distribution base stays.
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve
from dflint.optimize.plan import Artifact, Draft, PlanError

_CARGO_VALUE_FLAGS = ("--bin", "--target", "--target-dir", "--profile", "--manifest-path", "-p", "--package",
                      "--features", "-F", "-j", "--jobs", "--root", "--path", "--version", "--git", "--branch",
                      "--tag", "--rev", "--example", "--color", "--config", "-Z", "--index", "--registry")


def cargo_bins(toml: str) -> list[str]:
    """The binary names of a Cargo.toml: its ``[[bin]]`` names, else ``[package] name``."""
    bins: list[str] = []
    section = None
    package_name = None
    for line in toml.splitlines():
        s = line.split("#", 1)[0].strip()
        if s.startswith("["):
            section = s
            continue
        m = re.match(r'name\s*=\s*"([^"]+)"', s)
        if not m:
            continue
        if section == "[[bin]]":
            bins.append(m.group(1))
        elif section == "[package]" and package_name is None:
            package_name = m.group(1)
    if bins:
        return bins
    return [package_name] if package_name else []


class RustRecipe(Recipe):
    name = "rust"
    ecosystem = "rust"
    tools = ("cargo build", "cargo install", "cargo rustc", "cargo b", "rustc")
    allows = ("make", "./")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        static = True
        any_build = False
        unnamed: list[tuple[str, str]] = []
        for step in f.ev.builds:
            if step.command is None or not self.owns(step.tool):
                continue
            any_build = True
            ins, cmd = step.instruction, step.command
            cwd = f.cwd_of(ins, cmd)
            why = f"`{step.tool}` on line {ins.line}"
            opt = lambda *names: cmd.option(*names, takes_value=_CARGO_VALUE_FLAGS)  # noqa: E731
            triple = opt("--target") or f.env_of(ins, cmd, "CARGO_BUILD_TARGET")
            if not triple or "musl" not in triple:
                static = False
            if cmd.basename == "rustc" or step.tool == "rustc":
                src = next((a.value for a in cmd.positional(("-o", "--out-dir", "--crate-type", "--edition",
                                                               "-C", "--cfg", "-L", "-l", "--target")) if a.value.endswith(".rs")), None)
                out = cmd.option("-o", takes_value=("-o",))
                path = resolve(out, cwd) if out else (resolve(posixpath.basename(src)[:-3], cwd) if src else None)
                if path is None:
                    raise PlanError(f"what `rustc` on line {ins.line} writes is not known")
                draft.add_output(path, why)
                continue
            if cwd is None:
                raise PlanError(f"the folder `{step.tool}` on line {ins.line} runs in is not known")
            manifest = opt("--manifest-path")
            project = posixpath.dirname(resolve(manifest, cwd) or "") if manifest else cwd
            bins = [opt("--bin")] if opt("--bin") else self._bins(f, project)
            if step.tool == "cargo install":
                root = opt("--root") or f.env_of(ins, cmd, "CARGO_INSTALL_ROOT")
                if root is None:
                    home = f.env_of(ins, cmd, "CARGO_HOME")
                    if home is None:
                        home = "/usr/local/cargo" if f.base_name == "rust" else (
                            "/root/.cargo" if not f.users[f.pos(ins)] else None)
                    root = home
                if root is None:
                    raise PlanError(f"where `cargo install` on line {ins.line} installs is not known")
                folder = posixpath.join(resolve(root, cwd) or root, "bin")
            else:
                target_dir = opt("--target-dir") or f.env_of(ins, cmd, "CARGO_TARGET_DIR") or "target"
                profile = opt("--profile") or ("release" if cmd.has_flag("--release", "-r") else "debug")
                if profile == "dev":
                    profile = "debug"
                base = resolve(target_dir, project)
                if base is None:
                    raise PlanError(f"the target folder of `{step.tool}` on line {ins.line} is not known")
                folder = posixpath.join(base, triple, profile) if triple else posixpath.join(base, profile)
            if bins:
                for b in bins:
                    draft.add_output(posixpath.join(folder, b), why)
            else:
                unnamed.append((folder, why))
        if not any_build:
            raise PlanError("no cargo or rustc command was found")
        for folder, why in unnamed:  # a cp/mv of target/release/<name> names the binary
            draft.add_output(folder, why, folder=True)
        draft.track_moves()
        for folder, _ in unnamed:
            draft.outputs.pop(folder, None)
        entry = f.entry
        program = entry.program
        if program is None:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        path = draft.output_for(program, entry.workdir)
        if path is None:
            candidate = resolve(program, entry.workdir) if "/" in program else None
            for folder, why in unnamed:
                if candidate and posixpath.dirname(candidate) == folder:
                    path = candidate
                    draft.add_output(path, why)
                elif "/" not in program and folder.endswith("/bin"):
                    path = posixpath.join(folder, program)
                    draft.add_output(path, why)
        if path is None:
            raise draft.not_built(program, resolve(program, entry.workdir))
        draft.artifacts.append(Artifact(path, path, draft.outputs.get(path, "")))
        draft.runtime_dirs_from_context(entry.workdir)
        self.choose_base(draft, options, static=static)
        draft.collect_packages(lambda inst: None, headers_matter=not static)
        self.add_ca_certificates(draft)
        draft.ldd = not static and not draft.same_base and self.toolchain_image(f) and self._debian(draft)
        self.finish(draft)

    def _bins(self, f, project: str) -> list[str]:
        text = f.context_file("Cargo.toml", project)
        return cargo_bins(text) if text else []
