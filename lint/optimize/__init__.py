"""The multi-stage optimizer: the Unsafe fix of DF200 ``ships-toolchain``.

From a stage that ships the toolchain it built with, a recipe plans a build stage (the original
instructions that build, kept in order) and a runtime stage on a base without a compiler holding
what the running container depends on, in the original order, plus ``COPY --from=build`` of
exactly the artifacts the program needs. When a recipe cannot say what to copy with
confidence it refuses with the reason, and the skeleton is offered as a DisplayOnly fix.

One interface, one small module per ecosystem::

    class Recipe:
        name: ClassVar[str]
        def detect(self, facts: StageFacts) -> bool: ...      # its build steps are here
        def plan(self, facts: StageFacts, options: Options) -> Plan | Refusal: ...

`plan_rewrite(ctx, evidence, options)` picks the recipe; `rewrite_fix` turns the result into a
`Fix` (Unsafe for a plan, DisplayOnly for a refusal's skeleton).
"""

from __future__ import annotations

from dflint.fix import Fix
from dflint.optimize.facts import DISTROS, StageFacts
from dflint.optimize.plan import BOTH, RUNTIME, Artifact, Draft, Plan, PlanError, Refusal, skeleton_fix
from dflint.optimize.runtime import (
    ARCHIVED_DEBIAN,
    DEFAULT_DEBIAN,
    DISTROLESS_PREFIXES,
    is_shell_less,
    release_of,
    toolchain_runtime,
)
from dflint.source import Record
from dflint.toolchain import image_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar, Iterable, Iterator

    from dflint.rule import Context
    from dflint.toolchain import Evidence

__all__ = ["Artifact", "Draft", "Options", "Plan", "PlanError", "Recipe", "Refusal", "StageFacts",
           "plan_rewrite", "recipes", "rewrite_fix"]


class Options(Record):
    """`runtime_images`: overrides of the runtime image table (see `dflint.optimize.runtime`)."""

    __slots__ = ("runtime_images",)
    _fields = __slots__

    runtime_images: dict[str, str]

    def __init__(self, runtime_images: dict[str, str] | None = None) -> None:
        self.runtime_images = {} if runtime_images is None else runtime_images


class Recipe:
    """One ecosystem's rewrite. `tools` are the build tools (``go build``) it owns; `allows`
    those that may run alongside (``make`` driving ``go build``)."""

    name: ClassVar[str]
    ecosystem: ClassVar[str]
    tools: ClassVar[tuple[str, ...]] = ()
    allows: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for module, name, tools, allows in _RECIPES:
            if cls.__module__ == f"dflint.optimize.{module}" and cls.__name__ == name and tools is not None and (
                    cls.tools != tools or cls.allows != allows or cls.detect is not Recipe.detect
                    or cls.owns is not Recipe.owns):
                raise TypeError(f"{name}: its tools, allows and detect must be as dflint.optimize._RECIPES says")

    def owns(self, tool: str) -> bool:
        return tool.startswith(self.tools)

    def detect(self, facts: StageFacts) -> bool:
        tools = facts.build_tools
        return any(self.owns(t) for t in tools) and all(self.owns(t) or t.startswith(self.allows) for t in tools)

    def plan(self, facts: StageFacts, options: Options) -> Plan | Refusal:
        draft = Draft(facts)
        try:
            draft.assign_roles()
            self.build(draft, options)
        except PlanError as exc:
            return Refusal(str(exc), self.name, draft)
        return Plan(self.name, draft)

    def build(self, draft: Draft, options: Options) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- shared steps ------------------------------------------------------------------------

    def toolchain_image(self, facts: StageFacts) -> bool:
        """Whether the stage's base image is the toolchain (``golang:1.22``), rather than a
        distribution with the toolchain installed by its package manager."""
        return any(t.origin == "image" and not t.incidental for t in facts.ev.toolchains)

    def choose_base(self, draft: Draft, options: Options, *, static: bool = False,
                    runtime_image: str | None = None) -> None:
        """The runtime base: a static binary → the ``static`` image; a toolchain image → its
        runtime image (`runtime_image` when the recipe knows better); a distribution base with
        the toolchain from its package manager → the same base, as written."""
        f = draft.facts
        if static and (self.toolchain_image(f) or not _is_distro(f)):
            draft.runtime_base = toolchain_runtime(f.base_ref, options.runtime_images, static=True)
            return
        if self.toolchain_image(f):
            rt = runtime_image or toolchain_runtime(_written(f), options.runtime_images) \
                or toolchain_runtime(f.base_ref, options.runtime_images)
            if rt is None:
                raise PlanError(f"no runtime image is known for {f.stage.base} (set one with DF200's "
                                f"`runtime-images` option)")
            draft.runtime_base = rt
            return
        if _is_distro(f) or any(t.origin in ("package", "download") for t in f.ev.toolchains if t.can_build):
            if any(t.origin == "inferred" for t in f.ev.toolchains) and not _is_distro(f):
                raise PlanError(f"the toolchain comes with the base image {f.stage.base}, and no image "
                                f"without it is known")
            draft.runtime_base = f.stage.base
            draft.same_base = True
            return
        raise PlanError(f"the toolchain comes with the base image {f.stage.base}, and no image without "
                        f"it is known (set one with DF200's `runtime-images` option)")

    def settle_base(self, draft: Draft) -> None:
        """A shell-less runtime base (scratch, distroless) cannot install packages or run setup
        commands: then the slim image of the same Debian release is used instead."""
        base = draft.runtime_base
        if base is None or draft.same_base or not is_shell_less(base):
            return
        provided = {"ca-certificates", "tzdata", "netbase"}
        draft.runtime_packages = [p for p in draft.runtime_packages if p.split("=")[0] not in provided]
        if draft.runtime_packages or draft.needs_shell:
            if draft.runtime_packages:
                why = "packages"
            elif draft.facts.entry.shell_form:
                why = "a shell for its shell-form ENTRYPOINT/CMD"
            else:
                why = "a shell for its setup commands"
            release = release_of(draft.facts.base_ref) or DEFAULT_DEBIAN
            if draft.package_manager not in (None, "apt"):
                raise PlanError(f"the runtime stage needs {why}, which {base} does not have")
            if release in ARCHIVED_DEBIAN:
                raise PlanError(f"the runtime stage needs {why}, which {base} does not have, and "
                                f"debian:{release}-slim can no longer install packages ({release} is archived)")
            draft.runtime_base = f"debian:{release}-slim"
            draft.notes.append(f"debian:{release}-slim rather than {base}: the runtime stage needs {why}")

    def tag_base(self, draft: Draft) -> None:
        """A distroless runtime base written untagged, or with the table's ``{user}`` tag, gets the
        ``:nonroot`` tag, so the rewrite adds no DL3006 (untagged) and no DL3007 (``:latest``). A
        USER the shipped stage sets (numeric on a shell-less base) overrides the image's; when
        the original ran as root, the fix's title says the user changes."""
        base = draft.runtime_base
        if base is None or draft.same_base:
            return
        if base.endswith(":{user}"):
            base = base[: -len(":{user}")]
        elif not base.startswith(DISTROLESS_PREFIXES) or image_name(base)[1] or "@" in base:
            return
        user = "root"
        for pos, ins in enumerate(draft.facts.instructions):
            if ins.name == "USER" and draft.roles[pos] in (RUNTIME, BOTH):
                user = ins.args.strip().partition(":")[0]
        draft.runtime_base = f"{base}:nonroot"
        if user == "root" or user.isdigit() and int(user) == 0:
            draft.notes.append(f"{base}:nonroot runs the program as UID 65532 where the original ran it "
                               f"as root (`:latest` would keep root but gets DL3007)")

    def _debian(self, draft: Draft) -> bool:
        """Whether the runtime base is a Debian/Ubuntu image (apt and dpkg are there)."""
        base = draft.runtime_base or ""
        name, tag = image_name(base)
        return name in ("debian", "ubuntu") or (name in ("python", "node") and "alpine" not in tag)

    def add_ca_certificates(self, draft: Draft) -> None:
        """A full toolchain image (golang, rust: Debian with ca-certificates) shipped as a slim
        Debian: keep the CA certificates the program had."""
        f = draft.facts
        if draft.same_base or not (draft.runtime_base or "").startswith("debian:") or "alpine" in f.base_tag:
            return
        if "ca-certificates" not in draft.runtime_packages:
            draft.runtime_packages.insert(0, "ca-certificates")
        draft.package_manager = draft.package_manager or "apt"

    def finish(self, draft: Draft) -> None:
        """Common last steps: users, the package RUN's text, sanity checks."""
        self.settle_base(draft)
        draft.recreate_users()
        self.settle_base(draft)
        self.tag_base(draft)
        if draft.runtime_packages and draft.package_manager is None:
            draft.package_manager = draft.facts.manager
        if draft.same_base:
            draft.reuse_install_run()
        draft.check_late_moves()
        if draft.roles:
            from dflint.optimize.reorder import manifests_first

            manifests_first(draft)
        draft.put_program_on_path()
        if not draft.artifacts:
            raise PlanError("no artifact to copy was found")
        draft.check_entry_script()
        for a in draft.artifacts:
            if a.src.rstrip("/") in ("", "/") or "*" in a.src and a.src.endswith("/*"):
                raise PlanError(f"refusing to copy {a.src} (the whole file system or a flattening wildcard)")


def _is_distro(f: StageFacts) -> bool:
    name = f.base_name
    return name in DISTROS or name.rsplit("/", 1)[-1] in DISTROS


def _written(f: StageFacts) -> str:
    """The base as written when it is a variable tag (``node:${NODE_VERSION}``), so a runtime
    image keeps the variable; else the resolved reference."""
    written = f.stage.base
    if "$" in written and f.stage.base_resolved is None:
        return written
    return f.base_ref


#: The recipes in the order they are tried, as (module, class, tools, allows). A recipe's module is
#: imported only when it is asked: with `tools` given (the class's own `tools` and `allows`, and
#: the base class's `detect`: checked when the class is made), only when the stage's build steps
#: are its own, which is what its `detect` says; with None (a `detect` of its own), whenever it
#: is reached. So a Go build imports the Go recipe alone.
_RECIPES: tuple[tuple[str, str, tuple[str, ...] | None, tuple[str, ...]], ...] = (
    ("go", "GoRecipe", ("go build", "go install", "go get"), ("make", "gmake", "./")),
    ("rust", "RustRecipe", ("cargo build", "cargo install", "cargo rustc", "cargo b", "rustc"), ("make", "./")),
    ("node", "NodeRecipe", None, ()),
    ("java", "JavaRecipe", ("javac", "mvn ", "gradle ", "kotlinc", "sbt ", "lein "), ()),
    ("python", "PythonRecipe",
     ("pip install", "pip wheel", "python setup.py", "python -m build", "poetry", "pipenv", "uv sync"), ()),
    ("ruby", "RubyRecipe", ("bundle install", "gem install"), ()),
    ("dotnet", "DotnetRecipe", ("dotnet publish", "dotnet build"), ()),
    ("php", "PhpRecipe", ("docker-php-ext-install", "pecl install", "phpize"),
     ("make", "gmake", "./configure", "configure")),
    ("crystal", "CrystalRecipe", ("crystal build", "crystal compile", "shards build"), ()),
    ("haskell", "HaskellRecipe", ("cabal ", "stack "), ()),
    ("elixir", "ElixirRecipe", ("mix ",), ()),
    ("c", "CRecipe", None, ()),
)


def _owns_build(tools: tuple[str, ...], allows: tuple[str, ...], facts: StageFacts) -> bool:
    """`Recipe.detect` for a recipe with these `tools` and `allows`."""
    found = facts.build_tools
    return any(t.startswith(tools) for t in found) and all(t.startswith(tools) or t.startswith(allows)
                                                            for t in found)


def _recipe(module: str, name: str) -> Recipe:
    from importlib import import_module

    return getattr(import_module(f"dflint.optimize.{module}"), name)()


def recipes() -> list[Recipe]:
    """Every recipe, in the order they are tried."""
    return [_recipe(module, name) for module, name, _, _ in _RECIPES]


def _candidates(facts: StageFacts) -> Iterator[Recipe]:
    """The recipes in order, skipping (without importing it) each whose `detect` is known to
    say no."""
    for module, name, tools, allows in _RECIPES:
        if tools is None or _owns_build(tools, allows, facts):
            yield _recipe(module, name)


def plan_rewrite(ctx: Context, ev: Evidence, options: Options | None = None,
                 candidates: Iterable[Recipe] | None = None) -> Plan | Refusal:
    """Plan the rewrite of the stage `ev` is about, or say why not."""
    options = options or Options()
    graph = ctx.graph
    stage = graph.stages[ev.stage]
    if len(ev.chain) > 1:
        root = graph.stages[ev.chain[0]]
        return Refusal(f"the shipped stage builds on stage {root.label} (FROM a stage): only a single "
                       f"stage is rewritten")
    if stage.is_scratch:
        return Refusal("the stage is FROM scratch")
    if ctx.dockerfile.escape != "\\":
        return Refusal("the file uses a non-default escape character")
    starts = [b for b in ev.builds if b.at_start]
    if starts:
        b = starts[0]
        return Refusal(f"`{b.tool}` in {b.instruction.name} (line {b.line}) compiles when the container "
                       f"starts: build the program in a RUN first")
    if any(b.instruction.name not in ("RUN",) for b in ev.builds):
        b = next(b for b in ev.builds if b.instruction.name != "RUN")
        return Refusal(f"the build step `{b.tool}` comes from {b.instruction.name} on line {b.line}")
    facts = StageFacts(ctx, ev)
    for recipe in candidates if candidates is not None else _candidates(facts):
        if recipe.detect(facts):
            try:
                return recipe.plan(facts, options)
            except PlanError as exc:  # pragma: no cover - recipes catch their own
                return Refusal(str(exc), recipe.name)
    tools = sorted({b.tool for b in ev.builds})
    return Refusal(f"no recipe rewrites a build with {', '.join(f'`{t}`' for t in tools)}")


def rewrite_fix(ctx: Context, ev: Evidence, options: Options | None = None) -> Fix | None:
    """DF200's fix: the rewrite (Unsafe) or the refused rewrite's skeleton (DisplayOnly)."""
    try:
        result = plan_rewrite(ctx, ev, options)
        if isinstance(result, Plan):
            return Fix.unsafe(result.title, *result.edits())
        return skeleton_fix(result)
    except Exception:  # noqa: BLE001 - a planner bug must never take the lint down
        return None
