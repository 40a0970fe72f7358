from __future__ import annotations

import posixpath
import re

from dflint.context import BuildContext, build_context, context_path, expand_word, source_words
from dflint.dockerignore import BadPattern, go_match
from dflint.fix import Edit, Fix
from dflint.packages import parse_command
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import VALUE_FLAGS, Command, Script, parse_script
from dflint.source import LazyPattern, Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

    from dflint.graph import Stage
    from dflint.syntax import Instruction


# ---------------------------------------------------------------------------------------------
# what counts as a dependency install


class Install:
    """A dependency install found in a RUN, with what it needs from the build context.

    Paths are relative to the folder the install runs in. `no_context` are the COPY sources
    written when the build context is unknown: the always-present manifest by name, optional
    lock files as a wildcard (``yarn.lock*``), so the COPY never matches nothing. `move`: the
    command works with the manifests alone, so the fix moves it before the whole-context COPY;
    otherwise (it builds or installs the project itself) the fix inserts `replacement` (or the
    command plus `add_flags`) before it and keeps the original."""

    __slots__ = ("family", "command", "label", "required", "optional", "dirs", "required_dirs", "no_context",
                 "dir_option", "replacement", "add_flags", "move", "refuse")

    def __init__(
        self,
        family: str,
        command: Command,
        label: str,
        required: list[str] | None = None,
        optional: list[str] | None = None,
        dirs: list[str] | None = None,  # folders copied whole when present
        required_dirs: list[str] | None = None,
        no_context: list[str] | None = None,
        dir_option: str | None = None,  # --prefix/--cwd/-C value
        replacement: str | None = None,
        add_flags: str = "",
        move: bool = True,
        refuse: str | None = None,  # why there is no fix
    ) -> None:
        self.family = family
        self.command = command
        self.label = label
        self.required = [] if required is None else required
        self.optional = [] if optional is None else optional
        self.dirs = [] if dirs is None else dirs
        self.required_dirs = [] if required_dirs is None else required_dirs
        self.no_context = [] if no_context is None else no_context
        self.dir_option = dir_option
        self.replacement = replacement
        self.add_flags = add_flags
        self.move = move
        self.refuse = refuse

    def manifest_names(self, found: list[str] | None = None) -> str:
        if found is not None:
            names = [posixpath.basename(n.rstrip("/")) or n for n in found]
        else:
            names = [n[:-1] if n.endswith("*") else n for n in self.no_context]
            names += [n for n in self.required if n not in names and not any(_glob_covers(g, n) for g in self.no_context)]
        if len(names) == 1:
            return f"`{names[0]}`"
        return ", ".join(f"`{n}`" for n in names[:-1]) + f" and `{names[-1]}`"


def _positional(cmd: Command, takes: tuple[str, ...] = ()) -> list[str]:
    return [a.value for a in cmd.positional(set(takes) if takes else None)]


_NPM_VALUE = ("--prefix", "--registry", "--cache", "--omit", "--include", "--tag", "-w", "--workspace", "--userconfig")


def _node(cmd: Command) -> Install | None:
    tool = cmd.basename
    if tool not in ("npm", "yarn", "pnpm"):
        return None
    pc = parse_command(cmd)
    if pc is None or pc.action != "install" or pc.packages:
        return None
    if pc.has_flag("-g", "--global") or (tool == "yarn" and pc.subcommand == "global"):
        return None
    pos = [a.value for a in pc.command.positional(set(_NPM_VALUE) | {"--cwd", "-C", "--dir", "--filter", "-F"})]
    if tool in ("npm", "pnpm") and len(pos) > 1:
        return None  # npm install ./local, npm install x
    if tool == "yarn" and pos and pos[0] not in ("install",):
        return None
    label = f"{tool} {pc.subcommand}" if pc.subcommand else tool
    if tool == "npm":
        return Install(
            "node", cmd, label, ["package.json"], ["package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
            no_context=["package*.json"], dir_option=pc.command.option("--prefix", takes_value=_NPM_VALUE),
        )
    frozen = pc.has_flag("--frozen-lockfile", "--immutable")
    lock = "yarn.lock" if tool == "yarn" else "pnpm-lock.yaml"
    inst = Install(
        "node", cmd, label, ["package.json"] + ([lock] if frozen else []),
        ([] if frozen else [lock]) + [".npmrc"] + ([".yarnrc", ".yarnrc.yml", ".pnp.cjs"] if tool == "yarn" else [".pnpmfile.cjs"]),
        dirs=[".yarn/releases", ".yarn/plugins", ".yarn/patches"] if tool == "yarn" else [],
        no_context=["package.json", lock if frozen else lock + "*"],
    )
    if tool == "yarn":
        inst.dir_option = pc.command.option("--cwd", takes_value=("--cwd",))
    else:
        inst.dir_option = pc.command.option("-C", "--dir", takes_value=("-C", "--dir"))
        if pc.command.has_flag("--filter", "-F", "-r", "--recursive", takes_value=("--filter", "-F")):
            inst.refuse = "it installs a pnpm workspace, which needs every package's package.json"
    return inst


def _is_local_arg(value: str) -> bool:
    return (
        value in (".", "..")
        or value.startswith(("./", "../", "/", "~", "file:", "git+", "http://", "https://"))
        or value.endswith((".whl", ".tar.gz", ".zip", ".tgz"))
    )


def _pip(cmd: Command) -> Install | None:
    pc = parse_command(cmd)
    if pc is None or pc.manager != "pip" or pc.action != "install":
        return None
    reqs = pc.option_values("-r", "--requirement")
    if not reqs:
        return None
    if pc.option_values("-e", "--editable"):
        return None
    # `uv pip install`: the positional list starts with pip
    pos = [a.value for a in pc.command.positional(VALUE_FLAGS["pip"])]
    if pos[:1] == ["pip"]:
        pos = pos[1:]
    if any(_is_local_arg(p) for p in pos[1:]):
        return None
    if any("$" in r for r in reqs):
        return None
    constraints = pc.option_values("-c", "--constraint")
    tool = "uv pip" if cmd.basename == "uv" else "pip"
    files = reqs + [c for c in constraints if "$" not in c]
    return Install("pip", cmd, f"{tool} install -r {reqs[0]}", files, [], no_context=list(files))


def _python_project(cmd: Command) -> Install | None:
    tool = cmd.basename
    pos = _positional(cmd, ("-C", "--directory", "-P", "--project", "--python", "-p", "--extra", "--group", "--only",
                            "--with", "--without", "-E", "--extras", "--package"))
    sub = pos[0] if pos else None
    if tool == "poetry" and sub in ("install", "sync"):
        if cmd.has_flag("--only-root"):
            return None
        no_root = cmd.has_flag("--no-root")
        inst = Install(
            "poetry", cmd, f"poetry {sub}", ["pyproject.toml"], ["poetry.lock", "poetry.toml"],
            no_context=["pyproject.toml", "poetry.lock*"], move=no_root, add_flags="" if no_root else " --no-root",
        )
        inst.dir_option = cmd.option("-C", "--directory", takes_value=("-C", "--directory"))
        return inst
    if tool == "uv" and sub == "sync":
        frozen = cmd.has_flag("--locked", "--frozen")
        skip = cmd.has_flag("--no-install-project", "--no-install-workspace")
        inst = Install(
            "uv", cmd, "uv sync", ["pyproject.toml"] + (["uv.lock"] if frozen else []),
            ([] if frozen else ["uv.lock"]) + [".python-version"],
            no_context=["pyproject.toml", "uv.lock" if frozen else "uv.lock*"],
            move=skip, add_flags="" if skip else " --no-install-project",
        )
        inst.dir_option = cmd.option("--directory", "--project", takes_value=("--directory", "--project"))
        return inst
    if tool == "pipenv" and sub == "install" and len(pos) == 1:
        deploy = cmd.has_flag("--deploy", "--ignore-pipfile")
        return Install(
            "pipenv", cmd, "pipenv install", ["Pipfile"] + (["Pipfile.lock"] if deploy else []),
            [] if deploy else ["Pipfile.lock"], no_context=["Pipfile", "Pipfile.lock" if deploy else "Pipfile.lock*"],
        )
    if tool == "pdm" and sub in ("install", "sync"):
        skip = cmd.has_flag("--no-self")
        return Install(
            "pdm", cmd, f"pdm {sub}", ["pyproject.toml"], ["pdm.lock"], no_context=["pyproject.toml", "pdm.lock*"],
            move=skip, add_flags="" if skip else " --no-self",
        )
    return None


def _go(cmd: Command) -> Install | None:
    if cmd.basename != "go":
        return None
    pos = _positional(cmd, ("-C", "-modfile", "-mod"))
    if pos[:2] != ["mod", "download"] or len(pos) > 2:
        return None
    inst = Install("go", cmd, "go mod download", ["go.mod"], ["go.sum"], no_context=["go.mod", "go.sum*"])
    inst.dir_option = cmd.option("-C", takes_value=("-C",))
    return inst


_CARGO_FETCH = "mkdir -p src && touch src/main.rs && cargo fetch{locked} && rm -rf src"


def _cargo(cmd: Command) -> Install | None:
    if cmd.basename != "cargo":
        return None
    pos = _positional(cmd, ("--manifest-path", "--target", "--profile", "-p", "--package", "--features", "-F",
                            "-j", "--jobs", "--bin", "--example", "--target-dir", "--config", "-Z"))
    if not pos or pos[0] not in ("fetch", "build", "b"):
        return None
    locked = cmd.has_flag("--locked", "--frozen")
    inst = Install(
        "cargo", cmd, f"cargo {pos[0]}", ["Cargo.toml"] + (["Cargo.lock"] if locked else []),
        ([] if locked else ["Cargo.lock"]) + ["rust-toolchain.toml", "rust-toolchain"],
        no_context=["Cargo.toml", "Cargo.lock" if locked else "Cargo.lock*"],
        replacement=_CARGO_FETCH.format(locked=" --locked" if locked else ""), move=False,
    )
    if cmd.has_flag("--manifest-path", takes_value=("--manifest-path",)):
        inst.refuse = "it names its manifest with --manifest-path"
    return inst


def _ruby(cmd: Command) -> Install | None:
    if cmd.basename not in ("bundle", "bundler"):
        return None
    pos = _positional(cmd, ("--gemfile", "--path", "--jobs", "-j", "--retry", "--without", "--with", "--binstubs"))
    if pos not in ([], ["install"]):
        return None
    frozen = cmd.has_flag("--deployment", "--frozen")
    inst = Install(
        "ruby", cmd, "bundle install", ["Gemfile"] + (["Gemfile.lock"] if frozen else []),
        ([] if frozen else ["Gemfile.lock"]) + [".ruby-version"],
        no_context=["Gemfile", "Gemfile.lock" if frozen else "Gemfile.lock*"],
    )
    if cmd.has_flag("--gemfile", takes_value=("--gemfile",)):
        inst.refuse = "it names its Gemfile with --gemfile"
    return inst


def _php(cmd: Command) -> Install | None:
    if cmd.basename not in ("composer", "composer.phar"):
        return None
    pos = _positional(cmd, ("-d", "--working-dir"))
    if pos != ["install"]:
        return None
    missing = [f for f in ("--no-scripts", "--no-autoloader") if not cmd.has_flag(f)]
    inst = Install(
        "php", cmd, "composer install", ["composer.json"], ["composer.lock", "auth.json"],
        no_context=["composer.json", "composer.lock*"], move=not missing,
        add_flags="".join(" " + f for f in missing),
    )
    inst.dir_option = cmd.option("-d", "--working-dir", takes_value=("-d", "--working-dir"))
    return inst


_MVN_VALUE = ("-s", "--settings", "-gs", "--global-settings", "-f", "--file", "-P", "--activate-profiles",
              "-pl", "--projects", "-rf", "--resume-from", "-T", "--threads", "-t", "--toolchains", "-l", "--log-file",
              "-b", "--builder", "-D", "--define")
_MVN_GOALS = frozenset("compile test-compile test package verify install deploy".split())
_MVN_PASS = ("-B", "--batch-mode", "-q", "--quiet", "-U", "--update-snapshots", "-ntp", "--no-transfer-progress",
             "-e", "--errors")


def _maven(cmd: Command) -> Install | None:
    if cmd.basename not in ("mvn", "mvnw", "mvnw.cmd", "mvnd"):
        return None
    goals = _positional(cmd, _MVN_VALUE)
    deps = [g for g in goals if g.startswith("dependency:")]
    build = [g for g in goals if g in _MVN_GOALS or ":" in g and not g.startswith("dependency:")]
    if not deps and not [g for g in goals if g in _MVN_GOALS]:
        return None
    exe = cmd.name_arg.raw
    wrapper = cmd.basename.startswith("mvnw")
    passthrough: list[str] = []
    args = list(cmd.args)
    i = 0
    settings: list[str] = []
    while i < len(args):
        v = args[i].raw
        if v in _MVN_PASS or v.startswith("-D") and len(v) > 2:
            passthrough.append(v)
        elif v in ("-s", "--settings", "-gs", "--global-settings", "-P", "--activate-profiles") and i + 1 < len(args):
            passthrough += [v, args[i + 1].raw]
            if v in ("-s", "--settings", "-gs", "--global-settings"):
                settings.append(args[i + 1].value)
            i += 1
        elif v.startswith(("--settings=", "-P")) and len(v) > 2:
            passthrough.append(v)
        i += 1
    move = bool(deps) and not build
    replacement = None if move else " ".join([exe, *passthrough, "dependency:go-offline"])
    local = [s for s in settings if not s.startswith(("/", "~", "$"))]
    inst = Install(
        "maven", cmd, f"{posixpath.basename(exe)} {(deps or build or goals)[0]}",
        ["pom.xml"] + (["mvnw"] if wrapper else []) + local, [],
        dirs=[".mvn"], required_dirs=[".mvn"] if wrapper else [],
        no_context=["pom.xml"] + (["mvnw"] if wrapper else []) + local,
        replacement=replacement, move=move,
    )
    if cmd.has_flag("-f", "--file", "-pl", "--projects", takes_value=_MVN_VALUE):
        inst.refuse = "it names its project with -f/-pl"
    return inst


_GRADLE_VALUE = ("-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-I", "--init-script",
                 "-x", "--exclude-task", "--console", "-g", "--gradle-user-home", "--max-workers", "--warning-mode")


def _gradle(cmd: Command) -> Install | None:
    if cmd.basename not in ("gradle", "gradlew", "gradlew.bat"):
        return None
    tasks = [t for t in _positional(cmd, _GRADLE_VALUE) if not t.startswith("-")]
    tasks = [t for t in tasks if t not in ("help", "tasks", "wrapper", "--version")]
    if not tasks:
        return None
    exe = cmd.name_arg.raw
    wrapper = cmd.basename.startswith("gradlew")
    move = all(t in ("dependencies", "downloadDependencies", "resolveDependencies") for t in tasks)
    inst = Install(
        "gradle", cmd, f"{posixpath.basename(exe)} {tasks[0]}",
        (["gradlew"] if wrapper else []), ["settings.gradle", "settings.gradle.kts", "gradle.properties"],
        dirs=["gradle"], required_dirs=["gradle"] if wrapper else [],
        no_context=["build.gradle*", "settings.gradle*", "gradle.properties*"] + (["gradlew"] if wrapper else []),
        replacement=None if move else f"{exe} dependencies --no-daemon", move=move,
    )
    if cmd.has_flag("-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", takes_value=_GRADLE_VALUE):
        inst.refuse = "it names its project folder or build file"
    elif any(":" in t.lstrip(":") for t in tasks):
        inst.refuse = "it runs a subproject's task, so the build has more build files than the root ones"
    return inst


DETECTORS = (_node, _pip, _python_project, _go, _cargo, _ruby, _php, _maven, _gradle)
#: The command names a detector may accept (besides ``python…``, for ``python -m pip``).
_DETECTED = frozenset(
    "npm yarn pnpm pip pip3 pip2 uv poetry pipenv pdm go cargo bundle bundler composer composer.phar "
    "mvn mvnw mvnw.cmd mvnd gradle gradlew gradlew.bat".split()
)


def find_installs(script: Script) -> list[Install]:
    """The dependency installs of a script, in order (not those inside ``$(…)``)."""
    out: list[Install] = []
    for cmd in script.commands:
        if cmd.substitution:
            continue
        u = cmd.unwrapped()
        name = u.basename
        if name not in _DETECTED and not name.startswith("python"):
            continue
        for detect in DETECTORS:
            try:
                found = detect(u)
            except (IndexError, ValueError):
                found = None
            if found is not None:
                out.append(found)
                break
    return out


# ---------------------------------------------------------------------------------------------
# commands that may run before an install without reading the sources

_HARMLESS = frozenset(
    "cd set echo printf true : export corepack which type command test [ nvm source . umask ulimit".split()
)
_CONFIG_SUBCOMMANDS = frozenset({"config", "set", "env", "cache", "version", "--version", "-v"})


def _harmless(cmd: Command, between: bool = False) -> bool:
    """Whether a command can run before the sources are copied: it reads nothing from them
    (cd, set, echo, package-manager config, installs of named packages from a registry). With
    `between`, also what may run before the sources arrive without changing them (mkdir)."""
    u = cmd.unwrapped()
    name = u.basename
    if name in _HARMLESS or (between and name in ("mkdir", "useradd", "adduser", "groupadd", "addgroup", "ln")):
        return True
    sub = u.subcommand
    if name in ("npm", "yarn", "pnpm", "pip", "pip3", "poetry", "bundle", "composer", "go", "git", "gem", "uv") and sub in _CONFIG_SUBCOMMANDS:
        return True
    pc = parse_command(u)
    if pc is not None and pc.action in ("install", "update", "upgrade", "clean", "remove", "autoremove"):
        if pc.manager in ("apt", "apk", "yum", "dnf", "zypper", "gem", "conda"):
            return True
        if pc.manager in ("pip", "npm", "yarn", "pnpm") and pc.packages:
            values = [a.value for a in u.positional(None)][1:]
            return not any(_is_local_arg(v) for v in values) and not pc.option_values("-r", "--requirement", "-e", "--editable")
    if name == "rm":
        paths = [a.value for a in u.positional(None)]
        return bool(paths) and all(p.startswith(("/var/", "/tmp", "/root/", "~", "$HOME", "/usr/")) for p in paths)
    return False


# ---------------------------------------------------------------------------------------------
# paths: (anchor, path) with anchor "/" or "?" (the base image's working directory, unknown)

_Where = tuple[str, str]


def _join(base: _Where | None, value: str) -> _Where | None:
    if base is None:
        return None
    if value.startswith("/"):
        return ("/", posixpath.normpath(value).lstrip("/"))
    anchor, path = base
    joined = posixpath.normpath(posixpath.join(path, value)) if path else posixpath.normpath(value)
    if joined == ".":
        joined = ""
    if joined.startswith(".."):
        return None if anchor == "?" else ("/", posixpath.normpath("/" + joined).lstrip("/"))
    return (anchor, joined)


def _relative(inner: _Where, outer: _Where) -> str | None:
    if inner[0] != outer[0]:
        return None
    if outer[1] == "":
        return inner[1]
    if inner[1] == outer[1]:
        return ""
    if inner[1].startswith(outer[1] + "/"):
        return inner[1][len(outer[1]) + 1 :]
    return None


def _workdirs(ctx: Context, stage: Stage, memo: dict[int, dict[int, _Where | None]]) -> dict[int, _Where | None]:
    """The working directory before each instruction of `stage` (keyed by id), and at its end
    (key 0). Starts from the base stage's, or "?" (the image's, unknown)."""
    if stage.index in memo:
        return memo[stage.index]
    memo[stage.index] = {}
    graph = ctx.graph
    cwd: _Where | None = ("?", "")
    if stage.base_stage is not None and stage.base_stage < stage.index:
        cwd = _workdirs(ctx, graph.stages[stage.base_stage], memo).get(0, ("?", ""))
    out: dict[int, _Where | None] = {}
    for ins in stage.instructions[1:]:
        out[id(ins)] = cwd
        if ins.name == "WORKDIR":
            value = expand_word(ctx, ins, ins.args.strip())
            cwd = None if value is None else _join(cwd, value)
    out[0] = cwd
    memo[stage.index] = out
    return out


# ---------------------------------------------------------------------------------------------
# the rule

_ENV_CHANGERS = frozenset({"ENV", "ARG", "USER", "WORKDIR", "SHELL"})
_AND = LazyPattern(r"(?:[ \t]|\\\r?\n)*&&(?:[ \t\r\n]|\\\r?\n)*\Z")


def _whole_context(ctx: Context, ins: Instruction) -> tuple[str, object] | None:
    """The ``.`` source word of a COPY/ADD of the whole build context, or None."""
    if ins.name not in ("COPY", "ADD") or ins.flag("from") is not None:
        return None
    sources, _ = source_words(ins)
    for raw, word in sources:
        value = expand_word(ctx, ins, raw)
        if value is not None and context_path(value) == ".":
            return raw, word
    return None


class CopyAllBeforeDeps(Rule):
    """A dependency install that runs after `COPY . .` copied the whole build context.

    Docker reuses a cached layer only while everything before it is unchanged. After
    `COPY . .`, any edit to any source file invalidates the layer, so an install that follows —
    `npm ci`, `yarn`, `pnpm install`, `pip install -r`, `poetry install`, `uv sync`,
    `pipenv install`, `go mod download`, `cargo fetch`/`cargo build`, `bundle install`,
    `composer install`, `mvn dependency:go-offline`/`mvn package`, `gradle build` — downloads and
    installs every dependency again, although it only needs the manifests. An install of the same
    ecosystem that already ran before the `COPY . .` (the manifests-first pattern) silences the
    rule for the later one (the project install that follows it).

    ## Why is this bad?
    Every source change pays for a full dependency install: minutes per build instead of
    seconds, more registry traffic, and more chances for a flaky download to break the build.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    RUN npm run build
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package*.json ./
    RUN npm ci
    COPY . .
    RUN npm run build
    ```

    ## Fix safety
    Unsafe: the install then runs without the sources, which breaks installs whose scripts read
    them (a `postinstall` that builds, a requirements file with `-e .`). The fix inserts
    `COPY <manifests> <dest>` and the install before the `COPY . .`, with the same
    `--chown`/`--chmod`/`--link` flags and destination (plus the subfolder the install runs in,
    from `cd`, `--prefix`, `--cwd`, `-C`, `-d`). Manifests, per ecosystem: `package.json` with
    `package-lock.json`/`yarn.lock`/`pnpm-lock.yaml` and `.npmrc`/`.yarnrc.yml`; the requirements
    files named by `-r`/`-c`; `pyproject.toml` with `poetry.lock`/`uv.lock`/`pdm.lock`;
    `Pipfile` with `Pipfile.lock`; `go.mod` with `go.sum`; `Cargo.toml` with `Cargo.lock`;
    `Gemfile` with `Gemfile.lock`; `composer.json` with `composer.lock`; `pom.xml` (and `mvnw`
    with `.mvn/`); `build.gradle*`, `settings.gradle*`, `gradle.properties` (and `gradlew` with
    `gradle/`).

    With a known build context, only manifests that exist (and are not excluded by the
    .dockerignore) are copied, and there is no fix when a required one is missing or the project
    is a workspace/multi-module build (npm/yarn `workspaces`, `pnpm-workspace.yaml`, a uv or
    Cargo workspace, Maven `<modules>`, Gradle `include`, `buildSrc`, `go.work` or a local
    `replace`). Without a context, the fix names the manifest each ecosystem always has and
    writes optional lock files as a wildcard (`package*.json`, `yarn.lock*`, `go.sum*`): a COPY
    whose sources match nothing fails the build, so every generated COPY has one source that
    always exists, and BuildKit (like the classic builder, once one source matched) accepts a
    wildcard that matches nothing.

    An install that needs only the manifests (`npm ci`, `pip install -r`, `go mod download`,
    `bundle install`, …) is moved: its whole RUN when the RUN does nothing else, otherwise just
    the command, which is also removed from the original RUN when it starts an `&&` chain. An
    install that also installs or builds the project is copied in a dependency-only form and the
    original is kept: `poetry install --no-root`, `uv sync --no-install-project`,
    `pdm install --no-self`, `composer install --no-scripts --no-autoloader`,
    `mvn dependency:go-offline`, `gradle dependencies`, and `cargo fetch` with a placeholder
    `src/main.rs` (Cargo refuses a manifest without targets). When ENV/ARG/USER/WORKDIR
    instructions stand between the COPY and the install, the manifests are copied where the
    `COPY . .` was and the `COPY . .` moves down to just after the install; with a RUN, COPY or
    VOLUME in between as well, there is no fix.

    ## References
    - [Docker docs: Optimize cache usage in builds](https://docs.docker.com/build/cache/optimize/#order-your-layers)
    - [Docker docs: Best practices, leverage build cache](https://docs.docker.com/build/building/best-practices/#leverage-build-cache)
    """

    code = "DF300"
    name = "copy-all-before-deps"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        memo: dict[int, dict[int, _Where | None]] = {}
        state = {"bc": None, "loaded": False}

        def bc() -> BuildContext | None:
            if not state["loaded"]:
                state["bc"] = build_context(ctx)
                state["loaded"] = True
            return state["bc"]  # type: ignore[return-value]

        for stage in ctx.graph.stages:
            copy_all: Instruction | None = None
            copy_word = None
            seen: set[str] = set()
            before_copy: frozenset[str] = frozenset()
            body = stage.instructions[1:]
            wholes = [_whole_context(ctx, ins) for ins in body]
            if not any(w is not None for w in wholes):
                continue  # no COPY of the whole context: no install can follow one
            for ins, whole in zip(body, wholes):
                if whole is not None:
                    copy_all, copy_word = ins, whole
                    before_copy = frozenset(seen)
                    continue
                if ins.name != "RUN":
                    continue
                script = ctx.script(ins)
                if script is None:
                    continue
                installs = find_installs(script)
                for inst in installs:
                    if copy_all is None or inst.family in before_copy:
                        continue
                    if self._generated_earlier(script, inst):
                        continue
                    plan = _Plan(ctx, stage, copy_all, copy_word, ins, script, inst, installs, memo, bc)
                    if plan.needs_sources:
                        continue
                    fix = plan.fix()
                    cmd = inst.command
                    words = set(inst.label.split()[1:])
                    ends = [a.span.end for a in cmd.args if a.value in words]
                    span = Span(cmd.name_arg.span.start, max([cmd.name_arg.span.end, *ends]))
                    found = plan.manifests_found
                    message = (
                        f"`{inst.label}` runs after `{copy_all.name} {copy_word[0]}` (line {copy_all.line}) copied "
                        f"the whole build context, so any source change re-runs it; copy "
                        f"{inst.manifest_names(found)} first and install before copying the rest"
                    )
                    if fix is None and plan.reason:
                        message += f" (no automatic fix: {plan.reason})"
                    yield Violation(span, message, fix)
                seen.update(i.family for i in installs)

    @staticmethod
    def _generated_earlier(script: Script, inst: Install) -> bool:
        """Whether a manifest of `inst` is written by an earlier command of the same RUN (``poetry
        export -o requirements.txt && pip install -r requirements.txt``)."""
        names = {posixpath.basename(n) for n in inst.required}
        for cmd in script.commands:
            if not Script.before(cmd, inst.command):
                break
            values = [a.value for a in cmd.args] + [r.target.value for r in cmd.redirects if r.target is not None]
            if any(posixpath.basename(v.split("=", 1)[-1]) in names for v in values):
                return True
        return False


class _Plan:
    """Works out the fix for one finding (or why there is none)."""

    def __init__(self, ctx, stage, copy_all, copy_word, run, script, inst: Install, installs, memo, bc) -> None:
        self.ctx = ctx
        self.stage = stage
        self.copy_all = copy_all
        self.copy_word = copy_word
        self.run = run
        self.script = script
        self.inst = inst
        self.installs = installs
        self.memo = memo
        self._bc = bc
        self.reason: str | None = None
        self.needs_sources = False
        self.manifests_found: list[str] | None = None
        self._prepare()

    # -- analysis ------------------------------------------------------------------------------

    def _prepare(self) -> None:
        ctx, inst = self.ctx, self.inst
        bc = self._bc()
        self.bc = bc
        self.sub: str | None = None
        self.sources: list[str] = []
        self.folders: list[str] = []
        wd = _workdirs(ctx, self.stage, self.memo)
        self.cwd_copy = wd.get(id(self.copy_all))
        self.cwd_run = wd.get(id(self.run))
        _, dest = source_words(self.copy_all)
        self.dest_raw = dest[0] if dest else None
        dest_value = expand_word(ctx, self.copy_all, self.dest_raw) if self.dest_raw else None
        self.dest = _join(self.cwd_copy, dest_value) if dest_value is not None else None
        # the folder the install runs in
        where = self.cwd_run
        for cmd in self.script.commands:
            if not Script.before(cmd, inst.command):
                break
            u = cmd.unwrapped()
            if u.basename == "cd" and not cmd.substitution:
                args = [a for a in u.positional(None)]
                if len(args) != 1 or not args[0].static or args[0].value in ("-", "~") or args[0].value.startswith("~"):
                    where = None
                else:
                    where = _join(where, args[0].value)
        if inst.dir_option is not None:
            where = _join(where, inst.dir_option) if "$" not in inst.dir_option else None
        self.where = where
        if where is not None and self.dest is not None:
            self.sub = _relative(where, self.dest)
        # what to copy
        if bc is not None:
            self._from_context(bc)
        else:
            self._without_context()

    def _ctx_path(self, name: str) -> str | None:
        """A manifest named relative to the install folder, as a path in the build context."""
        if self.sub is None:
            return None
        if name.startswith("/"):
            if self.dest is None or self.dest[0] != "/":
                return None
            rel = _relative(("/", posixpath.normpath(name).lstrip("/")), self.dest)
            return rel
        joined = posixpath.normpath(posixpath.join(self.sub, name)) if self.sub else posixpath.normpath(name)
        if joined.startswith(".."):
            return None
        return joined

    def _from_context(self, bc: BuildContext) -> None:
        inst = self.inst
        if self.sub is None:
            return
        found: list[str] = []
        required = list(inst.required)
        if inst.family == "gradle":
            builds = [n for n in ("build.gradle", "build.gradle.kts") if (p := self._ctx_path(n)) and bc.exists(p)]
            if not builds:
                self.reason = "the build context has no build.gradle"
                return
            required = builds + required
        if inst.family == "pip":
            required = self._pip_closure(bc, required)
            if required is None:
                return
        for name in required:
            path = self._ctx_path(name)
            if path is None or not bc.exists(path):
                self.reason = f"`{path or name}` is not in the build context"
                self.manifests_found = None
                return
            found.append(path)
        for name in inst.optional:
            path = self._ctx_path(name)
            if path is not None and bc.exists(path) and not bc.is_dir(path):
                found.append(path)
        folders: list[str] = []
        for name in inst.dirs:
            path = self._ctx_path(name)
            if path is not None and bc.exists(path) and bc.is_dir(path):
                folders.append(path)
            elif name in inst.required_dirs:
                self.reason = f"`{path or name}/` is not in the build context"
                return
        self.manifests_found = found
        refuse = self._workspace(bc)
        if refuse:
            self.reason = refuse
            return
        self.sources = found
        self.folders = folders

    def _pip_closure(self, bc: BuildContext, files: list[str]) -> list[str] | None:
        """The requirement files and those they include (``-r``/``-c``); sets `needs_sources`
        when one installs a local path (``-e .``, ``./pkg``)."""
        out: list[str] = []
        todo = list(files)
        while todo and len(out) < 50:
            name = todo.pop(0)
            if name in out:
                continue
            out.append(name)
            path = self._ctx_path(name)
            if path is None:
                continue
            text = bc.read_text(path)
            if text is None:
                continue
            base = posixpath.dirname(name)
            for line in text.splitlines():
                line = line.split(" #", 1)[0].strip()
                if not line or line.startswith("#"):
                    continue
                head, _, rest = line.partition(" ")
                if head in ("-r", "--requirement", "-c", "--constraint") or head.startswith(("-r", "-c")) and len(head) > 2 and not head.startswith("--"):
                    target = rest.strip() if head in ("-r", "--requirement", "-c", "--constraint") else head[2:]
                    if target.startswith(("--requirement=", "--constraint=")):
                        target = target.split("=", 1)[1]
                    todo.append(posixpath.normpath(posixpath.join(base, target)))
                elif head.startswith(("--requirement=", "--constraint=")):
                    todo.append(posixpath.normpath(posixpath.join(base, head.split("=", 1)[1])))
                elif head in ("-e", "--editable") or head.startswith(("-e", "--editable=")) or _is_local_arg(head) or "@ file:" in line:
                    self.needs_sources = True
                    return None
        return out

    def _workspace(self, bc: BuildContext) -> str | None:
        fam = self.inst.family

        def read(name: str) -> str:
            path = self._ctx_path(name)
            return (bc.read_text(path) or "") if path else ""

        def has(name: str) -> bool:
            path = self._ctx_path(name)
            return bool(path) and bc.exists(path)

        if fam == "node":
            if '"workspaces"' in read("package.json"):
                return "package.json declares workspaces, which need every package's package.json"
            if has("pnpm-workspace.yaml"):
                return "a pnpm workspace needs every package's package.json"
        elif fam == "uv" and "[tool.uv.workspace]" in read("pyproject.toml"):
            return "a uv workspace needs its members' pyproject.toml"
        elif fam == "cargo":
            text = read("Cargo.toml")
            if "[workspace]" in text or re.search(r"\bpath\s*=", text):
                return "Cargo.toml has a workspace or path dependencies"
        elif fam == "maven" and "<modules>" in read("pom.xml"):
            return "a multi-module build needs every module's pom.xml"
        elif fam == "gradle":
            settings = read("settings.gradle") + read("settings.gradle.kts")
            if re.search(r"\binclude\b", settings) or has("buildSrc"):
                return "a multi-project build (include, buildSrc) needs more than the root build files"
        elif fam == "go":
            if has("go.work") or re.search(r"=>\s*\.{1,2}/", read("go.mod")):
                return "go.mod replaces modules with local folders"
        elif fam == "ruby":
            gemfile = read("Gemfile")
            if re.search(r"^\s*gemspec\b|\bpath:", gemfile, re.M):
                self.needs_sources = True
                return "the Gemfile reads a gemspec or local path"
        return None

    def _without_context(self) -> None:
        if self.sub is None:
            return
        names = list(self.inst.no_context)
        for extra in self.inst.required:
            if extra not in names and not any(_glob_covers(n, extra) for n in names):
                names.append(extra)
        paths = []
        for name in names:
            path = self._ctx_path(name)
            if path is None:
                return
            paths.append(path)
        self.sources = paths
        self.folders = [p for n in self.inst.required_dirs if (p := self._ctx_path(n))]

    # -- the fix ---------------------------------------------------------------------------------

    def fix(self) -> Fix | None:
        if self.inst.refuse:
            self.reason = self.reason or self.inst.refuse
            return None
        if self.reason:
            return None
        if self.dest is None or self.dest_raw is None:
            self.reason = "the destination of the COPY has a variable with no known value"
            return None
        if self.where is None or self.sub is None:
            self.reason = "the install does not run inside the copied folder (or its folder is unknown)"
            return None
        if not self.sources:
            return None
        stage = self.stage.instructions
        i, j = stage.index(self.copy_all), stage.index(self.run)
        between = stage[i + 1 : j]
        kinds = {b.name for b in between}
        if kinds & {"ONBUILD", "VOLUME"}:
            self.reason = "an ONBUILD or VOLUME stands between the COPY and the install"
            return None
        runs = [b for b in between if b.name == "RUN"]
        copies = [b for b in between if b.name in ("COPY", "ADD")]
        if not all(self._reorderable_copy(c) for c in copies) or not all(self._harmless_run(r) for r in runs):
            self.reason = "a RUN or COPY between the COPY and the install may need the sources"
            return None
        if not kinds & _ENV_CHANGERS and not runs and not copies:
            strategy = "insert"
        else:
            strategy = "move-copy"
            if "WORKDIR" in kinds and not self.dest_raw.startswith("/"):
                self.reason = "a WORKDIR between them changes where the relative COPY destination points"
                return None
            text = self.ctx.dockerfile.text
            if "$" in text[self.copy_all.span.start : self.copy_all.span.end] and kinds & {"ENV", "ARG"}:
                self.reason = "the COPY uses variables that instructions between them may change"
                return None
        run_text, removal = self._run_text()
        if run_text is None:
            return None
        nl = self.ctx.source.newline
        copies = self._copy_lines(nl)
        text = self.ctx.dockerfile.text
        copy_span = self.copy_all.span
        run_span = self.run.span
        moved_whole = removal == "whole"
        edits: list[Edit] = []
        if strategy == "insert":
            edits.append(Edit.insert(copy_span.start, copies + run_text))
            if moved_whole:
                edits.append(Edit.delete(run_span.start, run_span.end))
            elif removal is not None:
                edits.append(Edit.delete(*removal))
        else:
            copy_text = text[copy_span.start : copy_span.end]
            if not copy_text.endswith("\n"):
                copy_text += nl
            edits.append(Edit(copy_span.start, copy_span.end, copies))
            if moved_whole:
                tail = "" if text[: run_span.end].endswith("\n") else nl
                edits.append(Edit.insert(run_span.end, tail + copy_text))
            else:
                edits.append(Edit.insert(run_span.start, run_text + copy_text))
                if removal is not None:
                    edits.append(Edit.delete(*removal))
        names = ", ".join(self.sources + [f + "/" for f in self.folders])
        title = f"Copy {names} and run `{self.inst.label}` before `{self.copy_all.name} {self.copy_word[0]}`"
        return Fix.unsafe(title, *edits)

    def _harmless_run(self, run: Instruction) -> bool:
        """A RUN between the COPY and the install that neither reads nor writes the sources
        (package installs from registries, mkdir, echo, ``sed -i`` of a file elsewhere), so the
        COPY may move below it."""
        script = self.ctx.script(run)
        if script is None or run.heredocs or self.dest is None:
            return False
        for cmd in script.commands:
            if cmd.substitution:
                continue
            for r in cmd.redirects:
                if r.op.startswith(">") or r.op in ("&>", "&>>"):
                    target = r.target.value if r.target is not None else ""
                    if not self._outside(target) and target not in ("/dev/null", "/dev/stderr", "/dev/stdout", "&1", "&2", "1", "2"):
                        return False
            u = cmd.unwrapped()
            if u.basename == "sed" and u.has_flag("-i", "--in-place"):
                files = [a.value for a in u.positional(("-e", "--expression", "-f", "--file"))][1:]
                if files and all(self._outside(f) for f in files):
                    continue
                return False
            if not _harmless(cmd, between=True):
                return False
        return True

    def _outside(self, path: str) -> bool:
        """Whether an absolute path lies outside the whole-context COPY's destination."""
        if not path.startswith("/") or self.dest is None or self.dest[0] != "/":
            return False
        target = ("/", posixpath.normpath(path).lstrip("/"))
        return _relative(target, self.dest) is None and _relative(self.dest, target) is None

    def _reorderable_copy(self, ins: Instruction) -> bool:
        """A COPY/ADD between them that the whole-context COPY may move below: it copies
        something else (another stage, or named files) to a place that does not overlap."""
        if self.dest is None or _whole_context(self.ctx, ins) is not None:
            return False
        _, dest = source_words(ins)
        if dest is None:
            return False
        value = expand_word(self.ctx, ins, dest[0])
        cwd = _workdirs(self.ctx, self.stage, self.memo).get(id(ins))
        where = _join(cwd, value) if value is not None else None
        if where is None or where[0] != "/" or self.dest[0] != "/":
            return False
        return _relative(where, self.dest) is None and _relative(self.dest, where) is None

    def _copy_lines(self, nl: str) -> str:
        text = self.ctx.dockerfile.text
        keyword = "copy" if self.copy_all.keyword.islower() else "COPY"
        flags = [text[f.span.start : f.span.end] for f in self.copy_all.flags if f.name in ("chown", "chmod", "link")]
        flag_text = "".join(f + " " for f in flags)
        raw = self.dest_raw or "."
        if raw in (".", "./"):
            prefix = "./"
        elif raw == "/":
            prefix = "/"
        else:
            prefix = raw.rstrip("/") + "/"
        groups: dict[str, list[str]] = {}
        for path in self.sources:
            folder = posixpath.dirname(path)
            groups.setdefault(folder, []).append(path)
        lines = []
        for folder, paths in groups.items():
            dest = prefix + (folder + "/" if folder else "")
            lines.append(f"{keyword} {flag_text}{' '.join(paths)} {dest}{nl}")
        for folder in self.folders:
            lines.append(f"{keyword} {flag_text}{folder}/ {prefix}{folder}/{nl}")
        return "".join(lines)

    def _run_text(self) -> tuple[str | None, object]:
        """The RUN to insert, and what to take out of the original: "whole" (the RUN moves), a
        (start, end) range (the install command and its ``&&``), or None (kept as is)."""
        inst, script, run = self.inst, self.script, self.run
        text = self.ctx.dockerfile.text
        nl = self.ctx.source.newline
        others = [c for c in script.commands if not c.substitution and c.outermost is c]
        install_cmd = inst.command.outermost
        rest = [c for c in others if c is not install_cmd and not _inside(c, install_cmd)]
        if inst.move and all(_harmless(c) for c in rest):
            whole = text[run.span.start : run.span.end]
            if not whole.endswith("\n"):
                whole += nl
            return whole, "whole"
        if install_cmd.piece != 0:
            self.reason = "the install is in a heredoc with other commands"
            return None, None
        before = [c for c in rest if Script.before(c, install_cmd)]
        if not all(_harmless(c) for c in before):
            self.reason = "commands before the install in the same RUN may need the sources"
            return None, None
        start = run.args_span.start
        prefix = text[start : install_cmd.span.start]
        if inst.replacement is not None:
            command = inst.replacement
        else:
            command = text[install_cmd.span.start : install_cmd.span.end] + inst.add_flags
        body = prefix + command
        if parse_script(body).errors:
            self.reason = "the commands up to the install do not stand on their own"
            return None, None
        flags = " ".join(text[f.span.start : f.span.end] for f in run.flags)
        line = f"{run.keyword} {flags + ' ' if flags else ''}{body}{nl}"
        removal = None
        if inst.move:
            after = [c for c in rest if not Script.before(c, install_cmd)]
            if after:
                nxt = min(after, key=lambda c: c.span.start)
                gap = text[install_cmd.span.end : nxt.span.start]
                if _AND.fullmatch(gap) and nxt.piece == 0:
                    removal = (install_cmd.span.start, nxt.span.start)
        return line, removal


def _glob_covers(pattern: str, name: str) -> bool:
    try:
        return go_match(pattern, name)
    except BadPattern:
        return False


def _inside(c: Command, outer: Command) -> bool:
    return c.piece == outer.piece and outer.span.start <= c.span.start and c.span.end <= outer.span.end
