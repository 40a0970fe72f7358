"""The cache-friendly order in the build stage: dependency manifests first.

A build stage that copies the whole context and then fetches its dependencies::

    COPY . .
    RUN go mod download

re-downloads every dependency whenever any source file changes. When it is safe, the build
stage copies only the manifests the dependency step reads, runs it, and then copies the rest::

    COPY go.mod go.sum* ./
    RUN go mod download
    COPY . .

Safe means all of this holds (else the original order is kept, and `Draft.reorder_skipped` says
why):

- the COPY/ADD copies the whole context (``.``) into one folder, with no flag other than
  ``--chown``/``--chmod``/``--link``, and the next instruction is the dependency step's own RUN
  (nothing in between; the RUN is never split);
- every command of that RUN is a dependency step of one ecosystem, run in the folder the context
  was copied to, reading only the manifests: ``go mod download``/``go mod verify`` (go.mod,
  go.sum), ``npm ci``/``npm install``/``yarn install``/``pnpm install`` with no package named
  (package.json, the lock files, .npmrc/.yarnrc), ``pip install -r FILE`` with only named
  packages besides (FILE), ``mvn dependency:go-offline``/``dependency:resolve`` (pom.xml),
  ``bundle install``/``bundle config`` (Gemfile, Gemfile.lock); no ``--mount`` other than a cache;
  ``cargo`` is never moved (its dependency caching needs a dummy source tree);
- the manifests' content cannot send the step to other files. With the build context known it
  is read: go.mod without a local ``replace`` and no go.work; package.json without lifecycle
  scripts that run at install (unless ``--ignore-scripts``), workspaces or local (``file:``,
  ``link:``) dependencies, no yarn 2 ``.yarn`` folder, and ``node_modules`` absent from the
  context or excluded by .dockerignore (else the context's node_modules would land on the
  installed ones); a requirements file of plain requirements (no ``-e``, ``-r``, ``-c``, local
  paths); a pom.xml without ``<modules>`` and no ``.mvn`` folder; a Gemfile without ``gemspec``,
  ``path``, ``eval_gemfile`` or ``file:``, installed into GEM_HOME (not a bundle path in the
  application folder). Without the build context, only Go is reordered (its fixed names, go.sum
  by a wildcard since BuildKit refuses a COPY source matching nothing without one): the others'
  hazards (node_modules in the context, ``-e .`` in requirements.txt, Maven modules, a Gemfile's
  ``gemspec``) are common and cannot be ruled out.
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize.facts import resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dflint.optimize.facts import Copy
    from dflint.optimize.plan import Draft
    from dflint.shell import Command

_COPY_FLAGS = frozenset(("chown", "chmod", "link"))
_NPM_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare", "prepublish", "preprepare", "postprepare",
                  "dependencies")
_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
_NODE_RC = (".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs")
_PIP_OPTIONS = ("--index-url", "-i", "--extra-index-url", "--trusted-host", "--prefer-binary", "--pre",
                "--only-binary", "--no-binary")
_PIP_INSTALL_VALUE_FLAGS = ("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target",
                            "-i", "--index-url", "--extra-index-url", "--trusted-host", "-f", "--find-links",
                            "--prefix", "--root", "--platform", "--python-version", "--implementation", "--abi",
                            "--src", "--upgrade-strategy", "--progress-bar", "--timeout", "--retries", "--cache-dir",
                            "--log", "--proxy", "--cert", "--client-cert", "--exists-action", "--global-option",
                            "--install-option", "--config-settings", "-C", "--only-binary", "--no-binary")


class _Skip(Exception):
    """The order cannot be changed safely: the message says why."""


def manifests_first(draft: Draft) -> None:
    """Move the dependency step of the build stage before the whole-context COPY, behind a COPY
    of its manifests, when that is safe (see the module docstring)."""
    from dflint.optimize.plan import BOTH, BUILD

    f = draft.facts
    for c in f.copies():
        if c.pos + 1 >= len(f.instructions) or draft.roles[c.pos] not in (BUILD, BOTH) or c.from_ is not None:
            continue
        if not _whole_context(c):
            continue
        nxt = f.instructions[c.pos + 1]
        if nxt.name != "RUN" or draft.roles[c.pos + 1] != BUILD:
            continue
        try:
            manifests, what = _dependency_step(draft, c, nxt)
        except _Skip as exc:
            draft.reorder_skipped = str(exc)
            continue
        if manifests is None:
            continue
        try:
            line = _manifest_copy(draft, c, manifests)
        except _Skip as exc:
            draft.reorder_skipped = str(exc)
            continue
        draft.build_moves[c.pos] = (c.pos + 1, line)
        draft.notes.append(f"the build stage runs `{what}` after copying only {', '.join(m.rstrip('*') for m in manifests)}, "
                           f"so the dependencies stay cached when other files change")
        return


def _whole_context(c: Copy) -> bool:
    ins = c.instruction
    if ins.heredocs or len(c.sources) != 1 or c.sources[0].rstrip("/") not in (".", ""):
        return False
    if any(fl.name not in _COPY_FLAGS for fl in ins.flags):
        return False
    return c.dest_abs is not None and "$" not in (c.dest or "$")


def _dependency_step(draft: Draft, c: Copy, ins) -> tuple[list[str] | None, str]:
    """The manifests the RUN right after the whole-context COPY reads, or None when it is not a
    dependency step (raises _Skip when it is one but moving it is not safe)."""
    f = draft.facts
    cmds = f.commands(ins)
    if not cmds or ins.heredocs:
        return None, ""
    kinds = {_kind(cmd) for cmd in cmds}
    deps = kinds - {"neutral"}
    if not deps or None in deps:
        if deps - {None}:
            other = next(cmd for cmd in cmds if _kind(cmd) is None)
            raise _Skip(f"the RUN on line {ins.line} also runs `{other.basename}`, which may read other files")
        return None, ""
    if len(deps) > 1:
        raise _Skip(f"the RUN on line {ins.line} fetches dependencies of more than one ecosystem")
    for fl in ins.flags:
        if fl.name != "mount" or "type=cache" not in (fl.value or ""):
            raise _Skip(f"the RUN on line {ins.line} has --{fl.name}={fl.value}")
    folder = posixpath.normpath(c.dest_abs or "")
    steps = [cmd for cmd in cmds if _kind(cmd) != "neutral"]
    for cmd in steps:
        if f.cwd_of(ins, cmd) != folder:
            raise _Skip(f"`{cmd.basename}` on line {ins.line} does not run in {folder}, where the context is copied")
    (kind,) = deps
    what = " ".join([steps[0].name] + [a.value for a in steps[0].args][:2])
    bc = f.context
    if kind == "go":
        return _go(bc), what
    if bc is None:
        raise _Skip(f"the build context is unknown, so what `{steps[0].basename}` reads besides its manifests "
                    f"is not known")
    if kind == "node":
        return _node(bc, steps), what
    if kind == "pip":
        return _pip(draft, ins, bc, steps, folder), what
    if kind == "maven":
        return _maven(bc), what
    if kind == "ruby":
        return _ruby(draft, ins, bc, steps), what
    return None, ""  # pragma: no cover - every kind is handled


def _kind(cmd: Command) -> str | None:
    """Which dependency step `cmd` is ("go", "node", "pip", "maven", "ruby"), "neutral" for a
    command that reads no file (``set -e``, ``true``), None for anything else."""
    name = cmd.basename
    words = [a.value for a in cmd.args]
    positional = [w for w in words if not w.startswith("-")]
    if name in ("set", "true", ":"):
        return "neutral"
    if name == "go" and positional[:2] in (["mod", "download"], ["mod", "verify"]) and len(positional) == 2:
        return "go"
    if name in ("npm", "yarn", "pnpm"):
        sub = positional[:1]
        if name == "npm" and sub in (["ci"], ["install"], ["i"]) and len(positional) == 1:
            return "node"
        if name in ("yarn", "pnpm") and (not positional or sub == ["install"] and len(positional) == 1):
            return "node"
        return None
    if name in ("pip", "pip3") or name.startswith("python") and words[:2] == ["-m", "pip"]:
        args = words[2:] if name.startswith("python") else words
        if not args or args[0] != "install":
            return None
        return "pip"
    if name == "mvn":
        goals = [w for w in positional]
        if goals and all(g.startswith("dependency:") and g.split(":")[1] in ("go-offline", "resolve", "resolve-plugins")
                         for g in goals):
            return "maven"
        return None
    if name in ("bundle", "bundler"):
        if positional[:1] in (["install"], ["config"]) or not positional:
            return "ruby"
        return None
    return None


def _go(bc) -> list[str]:
    if bc is None:
        return ["go.mod", "go.sum*"]
    gomod = bc.read_text("go.mod")
    if gomod is None or bc.excluded("go.mod"):
        raise _Skip("the build context has no go.mod")
    if _visible(bc, "go.work"):
        raise _Skip("the build context has a go.work, which names other modules")
    for line in gomod.splitlines():
        words = line.split("//")[0].split()
        if "=>" in words:
            target = words[words.index("=>") + 1:]
            if target and target[0].startswith((".", "/")):
                raise _Skip(f"go.mod replaces a module with the local folder {target[0]}")
    return ["go.mod"] + (["go.sum"] if _visible(bc, "go.sum") else [])


def _node(bc, steps) -> list[str]:
    text = bc.read_text("package.json")
    if text is None or bc.excluded("package.json"):
        raise _Skip("the build context has no package.json")
    import json  # (only with a package.json: not at import)

    try:
        pkg = json.loads(text)
    except ValueError:
        raise _Skip("package.json cannot be read") from None
    if not isinstance(pkg, dict):
        raise _Skip("package.json cannot be read")
    ignore_scripts = all(any(a.value == "--ignore-scripts" for a in cmd.args) for cmd in steps)
    scripts = pkg.get("scripts") or {}
    run = [s for s in _NPM_LIFECYCLE if isinstance(scripts, dict) and s in scripts]
    if run and not ignore_scripts:
        raise _Skip(f"package.json has a `{run[0]}` script, which runs at install and may read other files")
    if pkg.get("workspaces"):
        raise _Skip("package.json declares workspaces, whose package.json files the install reads")
    for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        deps = pkg.get(section) or {}
        if isinstance(deps, dict):
            for name, spec in deps.items():
                if isinstance(spec, str) and spec.startswith(("file:", "link:", "portal:", "workspace:", ".", "/")):
                    raise _Skip(f"package.json takes {name} from the local path {spec}")
    if _visible(bc, ".yarn") or _visible(bc, "pnpm-workspace.yaml"):
        raise _Skip("the build context has yarn/pnpm workspace files the install reads")
    listing = bc.listdir(".") or {}
    if "node_modules" in listing and not bc.excluded("node_modules"):
        raise _Skip("the build context has a node_modules folder not excluded by .dockerignore: copied after "
                    "the install, it would land on the installed modules")
    names = ["package.json"] + [n for n in _LOCKS + _NODE_RC if _visible(bc, n)]
    return names


def _pip(draft: Draft, ins, bc, steps, folder: str) -> list[str]:
    f = draft.facts
    names: list[str] = []
    for cmd in steps:
        args = list(cmd.args)
        if cmd.basename.startswith("python"):
            args = args[2:]
        args = args[1:]  # install
        it = iter(args)
        for a in it:
            v = a.value
            flag, eq, inline = v.partition("=")
            if v.startswith("-") and flag in ("-r", "--requirement"):
                if eq:
                    value = inline if "$" not in inline else None
                else:
                    nxt = next(it, None)
                    value = f.arg_value(ins, nxt) if nxt is not None else None
                if value is None or "$" in value:
                    raise _Skip(f"the requirements file of `pip install` on line {ins.line} is not known")
                path = resolve(value, folder)
                if path is None or not (path + "/").startswith(folder.rstrip("/") + "/"):
                    raise _Skip(f"`pip install -r {value}` reads a file outside {folder}")
                rel = posixpath.relpath(path, folder)
                _check_requirements(bc, rel)
                names.append(rel)
                continue
            if v.startswith("-r") and len(v) > 2:
                raise _Skip(f"`pip install {v}` on line {ins.line} is not read")
            if v.startswith("-"):
                if flag in _PIP_INSTALL_VALUE_FLAGS and flag not in ("-i", "--index-url", "--extra-index-url",
                                                                      "--trusted-host", "--cache-dir", "--timeout",
                                                                      "--retries", "--progress-bar",
                                                                      "--upgrade-strategy", "--only-binary",
                                                                      "--no-binary"):
                    raise _Skip(f"`pip install {flag}` on line {ins.line} may read other files")
                if flag in _PIP_INSTALL_VALUE_FLAGS and not eq:
                    next(it, None)
                continue
            if v.startswith((".", "/")) or "/" in v or v.endswith((".whl", ".tar.gz", ".zip")):
                raise _Skip(f"`pip install {v}` on line {ins.line} installs from a local path")
    if not names:
        raise _Skip(f"`pip install` on line {ins.line} reads no requirements file")
    return names


def _check_requirements(bc, rel: str, depth: int = 0) -> None:
    text = bc.read_text(rel)
    if text is None or bc.excluded(rel):
        raise _Skip(f"the build context has no {rel}")
    for raw in text.splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            flag = re.split(r"[\s=]", line, maxsplit=1)[0]
            if flag in _PIP_OPTIONS:
                continue
            raise _Skip(f"{rel} has `{line}`, which reads other files")
        if line.startswith((".", "/")) or "file:" in line or " @ " in line and "://" not in line:
            raise _Skip(f"{rel} installs {line}, a local path")


def _maven(bc) -> list[str]:
    text = bc.read_text("pom.xml")
    if text is None or bc.excluded("pom.xml"):
        raise _Skip("the build context has no pom.xml")
    if "<modules>" in text:
        raise _Skip("pom.xml has modules, whose pom.xml files Maven reads")
    if _visible(bc, ".mvn"):
        raise _Skip("the build context has a .mvn folder (Maven configuration)")
    return ["pom.xml"]


def _ruby(draft: Draft, ins, bc, steps) -> list[str]:
    f = draft.facts
    for cmd in steps:
        words = [a.value for a in cmd.args]
        if any(w.split("=")[0] in ("--path", "--deployment", "--gemfile", "--standalone") for w in words):
            raise _Skip(f"`bundle` on line {ins.line} installs into the application folder")
        if words[:1] == ["config"]:
            raise _Skip(f"`bundle config` on line {ins.line} may install into the application folder")
        for var in ("BUNDLE_PATH", "BUNDLE_DEPLOYMENT", "BUNDLE_GEMFILE", "BUNDLE_APP_CONFIG"):
            if f.env_of(ins, cmd, var):
                raise _Skip(f"{var} is set for `bundle` on line {ins.line}")
    text = bc.read_text("Gemfile")
    if text is None or bc.excluded("Gemfile"):
        raise _Skip("the build context has no Gemfile")
    for raw in text.splitlines():
        line = raw.split("#")[0]
        if re.search(r"\b(gemspec|eval_gemfile|require_relative|File|path|git)\b|file:", line):
            raise _Skip(f"the Gemfile has `{line.strip()}`, which reads other files")
    if _visible(bc, ".bundle"):
        raise _Skip("the build context has a .bundle folder (Bundler configuration)")
    return ["Gemfile"] + (["Gemfile.lock"] if _visible(bc, "Gemfile.lock") else [])


def _visible(bc, rel: str) -> bool:
    try:
        return bc.exists(rel) and not bc.excluded(rel)
    except Exception:  # pragma: no cover - defensive
        return True


def _manifest_copy(draft: Draft, c: Copy, manifests: list[str]) -> str:
    """``COPY [flags] <manifests> <dest>/``: the original's flags and destination as written."""
    f = draft.facts
    ins = c.instruction
    flags = [f.text[fl.span.start:fl.span.end] for fl in ins.flags]
    dest = (c.dest or ".")
    if not dest.endswith("/"):
        dest = "./" if dest in (".", "./") else dest + "/"
    if any(ch in " \t\"'" for ch in dest + "".join(manifests)):
        raise _Skip("the destination folder has a space or a quote")
    kw = "COPY" if ins.keyword.isupper() else "copy"
    return " ".join([kw, *flags, *manifests, dest])
