"""What a rule is: `Rule`, the `Violation`s it yields, their `Severity`, and the `Context` it reads.

Rules are pure: they read `ctx` (the parsed file, the stage graph, the shell layer, the build
context directory if known) and `self.options`, and yield violations. No I/O, no config reading.
"""

from __future__ import annotations

import enum
from functools import cached_property

from dflint.fix import Fix
from dflint.source import Record, SourceFile, Span
from dflint.syntax import Dockerfile, Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Iterator

    from pathlib import Path

    from dflint.graph import StageGraph
    from dflint.shell import Script


class Severity(enum.Enum):
    """hadolint's severities, most severe first."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """Larger is more severe: error 3, warning 2, info 1, style 0."""
        return _RANKS[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


_RANKS = {"error": 3, "warning": 2, "info": 1, "style": 0}


class Fixable(enum.Enum):
    """Whether a rule's violations come with a fix."""

    NEVER = "never"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Violation(Record):
    """A problem a rule found. `code` overrides the rule's code (ShellCheck's SCnnnn findings).

    An immutable `Record` (a dataclass costs import time in every run)."""

    __slots__ = ("span", "message", "fix", "code", "severity")
    _fields = __slots__

    span: Span
    message: str
    fix: Fix | None
    code: str | None
    severity: Severity | None

    def __init__(
        self, span: Span, message: str, fix: Fix | None = None, code: str | None = None, severity: Severity | None = None
    ) -> None:
        set_ = object.__setattr__
        set_(self, "span", span)
        set_(self, "message", message)
        set_(self, "fix", fix)
        set_(self, "code", code)
        set_(self, "severity", severity)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Violation is immutable: cannot assign to {name!r}")


class Context:
    """Everything a rule may read about one Dockerfile."""

    dockerfile: Dockerfile
    target: str | None  # --target; default the last stage
    build_args: dict[str, str]
    extra_targets: tuple[str, ...]
    # For `late` rules only (set by the engine): the pragmas after every other finding went
    # through them, the codes of the rules selected in this run, which ShellCheck codes are kept
    # (None: ShellCheck does not run), and the phase: "rules" (after the rules) or "shellcheck"
    # (after ShellCheck's findings, when it ran).
    suppressions: Any
    selected: frozenset[str]
    shellcheck: Any
    phase: str

    def __init__(
        self,
        dockerfile: Dockerfile,
        context_dir: Path | None = None,
        target: str | None = None,
        build_args: dict[str, str] | None = None,
        extra_targets: tuple[str, ...] = (),
        suppressions: Any = None,
        selected: frozenset[str] = frozenset(),
        shellcheck: Any = None,
        phase: str = "rules",
    ) -> None:
        self.dockerfile = dockerfile
        self._context_dir = context_dir
        #: Set when a rule (or a helper) read `context_dir`: the result then depends on files
        #: other than the Dockerfile (the result cache keys on them, see dflint.cache).
        self.context_consulted = False
        self.target = target
        self.build_args = {} if build_args is None else build_args
        self.extra_targets = extra_targets
        self.suppressions = suppressions
        self.selected = selected
        self.shellcheck = shellcheck
        self.phase = phase
        #: Per-file facts that helper modules compute once and share between rules, keyed by
        #: the computing function and its arguments (e.g. ``(stage_states, stage.index)``).
        self.memo: dict[object, object] = {}
        #: `script`'s answers, by instruction
        self._scripts: dict[Instruction, Script | None] = {}

    @property
    def context_dir(self) -> Path | None:
        """The build context folder, when known (reading it marks the context as consulted)."""
        self.context_consulted = True
        return self._context_dir

    @context_dir.setter
    def context_dir(self, value: Path | None) -> None:
        self._context_dir = value

    def __repr__(self) -> str:
        return f"Context(path={self.path!r}, context_dir={self._context_dir!r}, target={self.target!r})"

    @property
    def source(self) -> SourceFile:
        return self.dockerfile.source

    @property
    def path(self) -> str:
        return self.dockerfile.source.path

    @cached_property
    def graph(self) -> StageGraph:
        from dflint.graph import StageGraph

        return StageGraph.build(
            self.dockerfile,
            target=self.target,
            build_args=self.build_args,
            extra_targets=self.extra_targets,
        )

    def script(self, instruction: Instruction) -> Script | None:
        """The RUN's shell script, parsed once (None for exec form or a non-POSIX shell)."""
        # (asked ~13 times of every RUN: one dict lookup when known; instructions hash by identity)
        try:
            return self._scripts[instruction]
        except KeyError:
            from dflint.shell import script_of

            script = self._scripts[instruction] = script_of(instruction, self)
            return script


class RuleOptions:
    """Base class of a rule's `Options`: the fields are the class's annotated attributes (its
    bases' first), each with its default; ``Options(**values)`` sets them by keyword. A list, dict
    or set default is copied for each instance. ``__post_init__``, when defined, runs last (to
    check or normalise values; raise ConfigError there).

    A dataclass in all that rules and `dflint.commands` use of one, built without the
    dataclasses module (which costs a few ms of import time, per class, in every run)::

        class Options(RuleOptions):
            trusted_registries: list[str] = []
    """

    def __init__(self, **values: Any) -> None:
        fields = option_fields(type(self))
        for name in values:
            if name not in fields:
                raise TypeError(f"{type(self).__qualname__}() got an unexpected keyword argument {name!r}")
        for name, default in fields.items():
            if name in values:
                value = values[name]
            elif default.__class__ in (list, dict, set):
                value = default.copy()
            else:
                value = default
            object.__setattr__(self, name, value)
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # it holds lists and dicts

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in option_fields(type(self)))
        return f"{type(self).__qualname__}({values})"


_NO_DEFAULT = object()


def option_fields(options: type) -> dict[str, Any]:
    """The fields of an Options class and their defaults, in order: a `RuleOptions` subclass's
    annotated attributes, or a dataclass's fields (a plugin's Options may be either; a default
    factory is called, a field without a default gives None)."""
    if "_option_fields" in options.__dict__:
        return options._option_fields  # type: ignore[attr-defined]
    fields: dict[str, Any] = {}
    dc_fields = options.__dict__.get("__dataclass_fields__")
    if dc_fields is None and hasattr(options, "__dataclass_fields__"):
        dc_fields = options.__dataclass_fields__  # type: ignore[attr-defined]
    if dc_fields is not None:
        import dataclasses

        for f in dataclasses.fields(options):
            if f.default is not dataclasses.MISSING:
                fields[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                fields[f.name] = f.default_factory()
            else:
                fields[f.name] = None
        return fields
    for klass in reversed(options.__mro__):
        for name, annotation in klass.__dict__.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            fields[name] = klass.__dict__.get(name, fields.get(name))
    type.__setattr__(options, "_option_fields", fields)
    return fields


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement `check`.

    The class docstring is the rule's documentation, in sections: a summary line, then
    ``## Why is this bad?``, ``## Example``, ``## Use instead``, and optionally ``## Fix safety``,
    ``## Options``, ``## References`` (and ``## Differences from hadolint``).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    aliases: ClassVar[tuple[str, ...]] = ()
    enabled_by_default: ClassVar[bool] = True
    #: A late rule runs after every other rule's findings went through the pragmas (and again
    #: after ShellCheck's, with ``ctx.phase == "shellcheck"``): for rules about the pragmas.
    late: ClassVar[bool] = False
    fixable: ClassVar[Fixable] = Fixable.NEVER
    Options: ClassVar[type | None] = None

    def __init__(self, options: Any = None) -> None:
        if options is None and self.Options is not None:
            options = self.Options()
        self.options = options

    def check(self, ctx: Context) -> Iterator[Violation]:
        raise NotImplementedError
        yield  # pragma: no cover

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().split("\n", 1)[0].strip()

    def __repr__(self) -> str:
        return f"<{self.code} {self.name}>"
