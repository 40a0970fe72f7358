"""Which rules exist (built-ins and plugins) and which of them a run selects.

Selectors, after ruff: a full code (``DL3008``), a code prefix (``DL``, ``DL30``, ``DF1``), a rule
name (``no-empty-continuation``), an alias (BuildKit's ``NoEmptyContinuation``), or ``ALL``. Codes,
names and aliases match case-insensitively. ShellCheck selectors (``SC`` and ``SC`` + digits) are
always valid: ShellCheck findings arrive at run time with codes ``SCnnnn``.

Selection semantics:

- ``select=None`` means the default set: every rule with ``enabled_by_default``. A ``select`` list
  (even empty) replaces the default set; ``extend_select`` adds to whichever set is in force.
- When a select-side selector and an ignore selector both match a rule, the more specific one
  wins: an exact code, name or alias > a longer prefix > a shorter prefix > ``ALL``; on a tie the
  rule is ignored. The default set counts as less specific than ``ALL``, so ``ignore = ["ALL"]``
  turns the defaults off.
- A rule that is not enabled by default is only turned on when a select-side selector names it
  exactly (its code, name or alias): prefixes and ``ALL`` never turn it on (as ruff does for preview
  rules with ``explicit-preview-rules``).
- ShellCheck findings are on by default and follow the same specificity (``ALL`` covers them).
"""

from __future__ import annotations

import importlib
import os
import sys
from functools import cache
from types import ModuleType

from dflint.rule import Rule, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Sequence


class SelectionError(ValueError):
    """An unknown rule selector (mapped to exit code 2)."""


class PluginError:
    """A plugin that could not be loaded; reported, never raised. (A plain immutable record: a
    dataclass costs a few ms of import time in every run, plugins or not.)"""

    __slots__ = ("plugin_name", "message")

    def __init__(self, plugin_name: str, message: str) -> None:
        object.__setattr__(self, "plugin_name", plugin_name)
        object.__setattr__(self, "message", message)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.plugin_name, self.message) == (other.plugin_name, other.message)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.plugin_name, self.message))

    def __repr__(self) -> str:
        return f"PluginError(plugin_name={self.plugin_name!r}, message={self.message!r})"

    def __reduce__(self):
        return (PluginError, (self.plugin_name, self.message))

    def __str__(self) -> str:
        return f"plugin {self.plugin_name!r}: {self.message}"


ENTRY_POINT_GROUP = "dflint.rules"

EXACT = 1000  # specificity of a full code, name or alias; a prefix counts its length; ALL is 0
_DEFAULT = -1  # the default set: less specific than ALL
_CODE = r"[A-Z]+[0-9]+\Z"  # a plugin rule's code (compiled only when plugins are checked)


def _sc_representatives(selectors: Iterable[str]) -> list[str]:
    """ShellCheck codes (SC1000–SC9999) that stand for all of them under `selectors`: two codes
    covered by the same selectors are on or off together, so one code per group is enough.

    Only the selectors ``SC`` + digits tell codes apart (``ALL``, a shorter prefix and names
    cover every SC code alike), so walk the digit trie: a branch that no longer selector goes
    into is one group (its first code stands for it); else look into its ten children."""
    prefixes = {s.strip().upper() for s in selectors}
    prefixes = {p for p in prefixes if len(p) > 2 and p.startswith("SC") and p[2:].isdigit()}
    out: list[str] = []

    def walk(node: str) -> None:
        if len(node) == 6 or not any(len(p) > len(node) and p.startswith(node) for p in prefixes):
            out.append(node.ljust(6, "0"))
            return
        for digit in "0123456789" if len(node) > 2 else "123456789":
            walk(node + digit)

    walk("SC")
    return out


def is_shellcheck_selector(selector: str) -> bool:
    """``SC`` or ``SC`` followed by digits (any case)."""
    sel = selector.strip()
    digits = sel[2:]
    return sel[:2].upper() == "SC" and (not digits or (digits.isascii() and digits.isdigit()))


# --------------------------------------------------------------------------------------------
# Discovery


def _rules_in_module(module: ModuleType) -> list[type[Rule]]:
    """Rule subclasses with a code defined in `module` (not merely imported into it)."""
    found = []
    for obj in list(vars(module).values()):
        if not isinstance(obj, type):
            continue
        if (
            issubclass(obj, Rule)
            and obj is not Rule
            and obj.__module__ == module.__name__
            and getattr(obj, "code", None)
        ):
            found.append(obj)
    return found


def builtin_rules() -> list[type[Rule]]:
    """Every rule defined in a module of the ``dflint.rules`` package, sorted by code.

    A built-in module that fails to import is a bug in dflint: the exception propagates."""
    package = importlib.import_module("dflint.rules")
    rules: dict[type[Rule], None] = {}
    folders = list(package.__path__)
    fast = _fast_loading(package)
    for name in _module_names(folders):
        if name.startswith("_"):
            continue
        full = f"{package.__name__}.{name}"
        module = sys.modules.get(full)
        if module is None and fast:
            module = _load_compiled(package, folders[0], name)
        if module is None:
            module = importlib.import_module(full)
        for cls in _rules_in_module(module):
            rules[cls] = None
    return sorted(rules, key=lambda r: r.code)


# Loading the rule modules straight from their bytecode. About a hundred rule modules load in
# every run; the import system's search for each (path finders, spec objects, several stats
# per module) cost more than executing them. `_load_compiled` reads ``__pycache__/NAME.<tag>.pyc``
# next to ``NAME.py`` itself, checks it the way the import system does (magic number, a
# timestamp-based pyc whose recorded mtime and size match the source) and runs it as a normal
# import would (same module attributes, spec, loader, entry in sys.modules). Anything unusual
# (no pyc, a stale or hash-based one, -O, a package that is not a plain folder,
# a name that is not a .py file there) falls back to `importlib.import_module`.


def _fast_loading(package: ModuleType) -> bool:
    if sys.flags.optimize or sys.implementation.cache_tag is None:
        return False
    path = list(getattr(package, "__path__", ()))
    if len(path) != 1 or not os.path.isdir(path[0]):
        return False
    bootstrap = sys.modules.get("_frozen_importlib_external")
    loader = getattr(getattr(package, "__spec__", None), "loader", None)
    return bootstrap is not None and isinstance(loader, bootstrap.SourceFileLoader)


def _load_compiled(package: ModuleType, folder: str, name: str) -> ModuleType | None:
    """Module `name` of `package` from its cached bytecode, or None (then import it normally)."""
    import marshal

    bootstrap = sys.modules["_frozen_importlib_external"]
    source = os.path.join(folder, name + ".py")
    cached = _cached(folder, f"{name}.{sys.implementation.cache_tag}.pyc")
    try:
        st = os.stat(source)
        data = _read_bytes(cached)
    except OSError:
        return None
    if (
        len(data) < 16
        or data[:4] != bootstrap.MAGIC_NUMBER
        or data[4:8] != b"\0\0\0\0"  # flags: 0 is a timestamp-based pyc
        or int.from_bytes(data[8:12], "little") != (int(st.st_mtime) & 0xFFFFFFFF)
        or int.from_bytes(data[12:16], "little") != (st.st_size & 0xFFFFFFFF)
    ):
        return None
    try:
        code = marshal.loads(memoryview(data)[16:])
    except (EOFError, ValueError, TypeError):
        return None
    full = f"{package.__name__}.{name}"
    loader = bootstrap.SourceFileLoader(full, source)
    spec = sys.modules["_frozen_importlib"].ModuleSpec(full, loader, origin=source)
    spec.has_location = True
    spec.cached = cached
    module = ModuleType(full)
    module.__spec__ = spec
    module.__loader__ = loader
    module.__package__ = package.__name__
    module.__file__ = source
    module.__cached__ = cached
    sys.modules[full] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(full, None)
        raise
    module = sys.modules[full]  # as the import system does: a module may replace itself
    setattr(package, name, module)
    return module


def _cached(folder: str, filename: str) -> str:
    """Where the import system keeps the bytecode of a module of `folder` (as
    ``importlib.util.cache_from_source``): ``__pycache__`` next to it, or with a pycache prefix
    (PYTHONPYCACHEPREFIX, ``-X pycache_prefix``) the same place in a mirror tree under it."""
    prefix = getattr(sys, "pycache_prefix", None)
    if not prefix:
        return os.path.join(folder, "__pycache__", filename)
    head = os.path.abspath(folder)
    if len(head) > 1 and head[1] == ":":  # (a Windows drive: not part of the mirror)
        head = head[2:]
    return os.path.join(prefix, head.lstrip(os.sep + (os.altsep or "")), filename)


def _read_bytes(path: str) -> bytes:
    """The file's content: ``open(path, "rb").read()`` in fewer system calls (no buffer, no
    isatty check; about half the time for the hundred rule modules of every run)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        want = os.fstat(fd).st_size + 1
        data = os.read(fd, want)
        if len(data) == want:  # it grew meanwhile: read it all (a short read is the end of it)
            parts = [data]
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                parts.append(chunk)
            data = b"".join(parts)
        return data
    finally:
        os.close(fd)


def _module_names(paths: Iterable[str]) -> list[str]:
    """The modules in a package's folders, as `pkgutil.iter_modules` names them (``x.py`` and
    packages ``x/__init__.py``), without importing pkgutil (a few ms of every cold start)."""
    names: dict[str, None] = {}
    for folder in paths:
        try:
            entries = sorted(os.listdir(folder))
        except NotADirectoryError:  # a zip: let pkgutil look into it
            import pkgutil

            names.update((info.name, None) for info in pkgutil.iter_modules([folder]))
            continue
        except OSError:
            continue
        for entry in entries:
            stem, dot, ext = entry.partition(".")
            if dot and ext == "py" and stem.isidentifier() and stem != "__init__":
                names[stem] = None
            elif not dot and entry.isidentifier() and os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                names[entry] = None
    return list(names)


def _validate_rule(obj: Any) -> str | None:
    """Why `obj` cannot be a rule, or None when it can."""
    if not (isinstance(obj, type) and issubclass(obj, Rule)):
        return f"{obj!r} is not a dflint Rule subclass"
    code = getattr(obj, "code", None)
    import re

    if not isinstance(code, str) or not re.match(_CODE, code):
        return f"{obj.__qualname__} has no valid code (expected letters then digits, e.g. XY100)"
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name.strip():
        return f"{obj.__qualname__} ({code}) has no name"
    if not isinstance(getattr(obj, "severity", None), Severity):
        return f"{obj.__qualname__} ({code}) has no severity"
    if obj.check is Rule.check:
        return f"{obj.__qualname__} ({code}) does not implement check()"
    return None


def _rules_from_entry_point(value: Any) -> list[Any]:
    if isinstance(value, ModuleType):
        return list(_rules_in_module(value))
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


@cache
def plugin_rules() -> tuple[list[type[Rule]], list[PluginError]]:
    """Rules from entry points in group ``dflint.rules``, and the plugins that failed.

    An entry point may name a Rule subclass, a module (its Rule subclasses are taken) or a
    list/tuple of Rule subclasses. Nothing here raises: a plugin that fails to import or exposes
    something invalid (no code, no name, a code/name/alias already taken) becomes a PluginError and
    the rest are still loaded. Cached per process (``plugin_rules.cache_clear()`` to reload)."""
    rules: list[type[Rule]] = []
    errors: list[PluginError] = []
    seen: set[tuple[str, str]] = set()
    if not _may_have_plugins():
        return rules, errors
    taken: dict[str, str] = {}  # lowercased code/name/alias -> who has it
    for cls in builtin_rules():
        for key in (cls.code, cls.name, *cls.aliases):
            taken[key.lower()] = f"built-in {cls.code}"
    import importlib.metadata

    try:
        entry_points = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    except Exception as exc:  # a broken dist-info must not take the run down
        return [], [PluginError("<entry points>", _one_line(exc))]
    for ep in entry_points:
        if (ep.name, ep.value) in seen:  # the same distribution reachable twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        try:
            loaded = ep.load()
        except BaseException as exc:  # noqa: BLE001 - SystemExit in a plugin is still its failure
            if isinstance(exc, KeyboardInterrupt):
                raise
            errors.append(PluginError(ep.name, f"failed to import {ep.value}: {_one_line(exc)}"))
            continue
        candidates = _rules_from_entry_point(loaded)
        if not candidates:
            errors.append(PluginError(ep.name, f"{ep.value} exposes no rules"))
            continue
        for obj in candidates:
            problem = _validate_rule(obj)
            if problem is None:
                keys = [obj.code, obj.name, *obj.aliases]
                clash = next((k for k in keys if k.lower() in taken), None)
                if clash is not None:
                    problem = f"{obj.__qualname__}: {clash!r} is already taken by {taken[clash.lower()]}"
            if problem is not None:
                errors.append(PluginError(ep.name, problem))
                continue
            for key in (obj.code, obj.name, *obj.aliases):
                taken[key.lower()] = f"plugin {ep.name!r} ({obj.code})"
            rules.append(obj)
    return rules, errors


def _may_have_plugins() -> bool:
    """Whether any distribution on sys.path may declare a ``dflint.rules`` entry point.

    A cheap look at the ``entry_points.txt`` files, so that a run without plugins does not pay
    for importing importlib.metadata (about 25 ms of every pre-commit run). Anything it cannot
    look into (a zip on sys.path, an unreadable folder) counts as "may"."""
    marker = f"[{ENTRY_POINT_GROUP}]"
    for entry in sys.path:
        folder = entry or "."
        if os.path.isfile(folder):
            return True  # a zip or an egg: let importlib.metadata decide
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8") as fh:
                    if marker in fh.read():
                        return True
            except FileNotFoundError:
                continue
            except OSError:
                return True
    return False


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# Selection


class Registry:
    """All known rules, looked up by code, name or alias, and selected by selectors."""

    _loaded: Registry | None = None

    def __init__(self, rules: Iterable[type[Rule]], errors: Iterable[PluginError] = ()) -> None:
        self.rules: list[type[Rule]] = sorted(rules, key=lambda r: r.code)
        self.errors: list[PluginError] = list(errors)
        self._by_code: dict[str, type[Rule]] = {}
        self._by_key: dict[str, type[Rule]] = {}  # lowercased code, name and aliases
        for cls in self.rules:
            if cls.code.upper() in self._by_code:
                other = self._by_code[cls.code.upper()]
                raise RuntimeError(f"duplicate rule code {cls.code}: {other.__qualname__} and {cls.__qualname__}")
            self._by_code[cls.code.upper()] = cls
            for key in (cls.code, cls.name, *cls.aliases):
                self._by_key.setdefault(key.lower(), cls)
        self._prefixes = {c[:i] for c in self._by_code for i in range(1, len(c))}

    @classmethod
    def load(cls) -> Registry:
        """Built-ins plus plugins, built once per process."""
        if cls._loaded is None:
            plugins, errors = plugin_rules()
            cls._loaded = cls([*builtin_rules(), *plugins], errors)
        return cls._loaded

    @classmethod
    def reset(cls) -> None:
        """Forget the loaded registry and plugins (tests)."""
        cls._loaded = None
        plugin_rules.cache_clear()

    # lookups ------------------------------------------------------------------------------

    def get(self, key: str) -> type[Rule] | None:
        """The rule with this code, name or alias (case-insensitive), or None."""
        return self._by_key.get(key.strip().lower())

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def _specificity(self, selector: str, code: str) -> int | None:
        """How specifically `selector` matches `code`, or None when it does not match it."""
        sel = selector.strip()
        up, code_up = sel.upper(), code.upper()
        if up == "ALL":
            return 0
        if up == code_up:
            return EXACT
        rule = self._by_code.get(code_up)
        if rule is not None and self._by_key.get(sel.lower()) is rule:
            return EXACT
        if code_up.startswith(up) and (up in self._prefixes or is_shellcheck_selector(up)):
            return len(up)
        return None

    def specificity(self, selector: str, code: str) -> int | None:
        """Public form of the match used everywhere: EXACT for a code/name/alias, the prefix
        length for a prefix, 0 for ALL, None when `selector` does not cover `code`."""
        return self._specificity(selector, code)

    def covers(self, selector: str, code: str) -> bool:
        """Whether `selector` covers `code` (registered or ShellCheck)."""
        return self._specificity(selector, code) is not None

    def best(self, selectors: Iterable[str], code: str) -> tuple[str, int] | None:
        """The most specific of `selectors` covering `code` (the first on a tie), or None."""
        best: tuple[str, int] | None = None
        for sel in selectors:
            spec = self._specificity(sel, code)
            if spec is not None and (best is None or spec > best[1]):
                best = (sel, spec)
        return best

    def is_known_selector(self, selector: str) -> bool:
        sel = selector.strip()
        up = sel.upper()
        return (
            up == "ALL"
            or is_shellcheck_selector(sel)
            or sel.lower() in self._by_key
            or up in self._prefixes
        )

    def check_selectors(self, selectors: Iterable[str], origin: str | None = None) -> None:
        """Raise SelectionError for the first unknown selector, with a did-you-mean."""
        for sel in selectors:
            if not isinstance(sel, str) or not self.is_known_selector(sel):
                raise SelectionError(self.unknown_message(str(sel), origin))

    def unknown_message(self, selector: str, origin: str | None = None) -> str:
        head = f"{origin}: " if origin else ""
        msg = f"{head}unknown rule selector {selector!r}"
        hint = self.suggest(selector)
        return f"{msg} (did you mean {hint!r}?)" if hint else msg

    def suggest(self, text: str) -> str | None:
        """The closest code, name or alias, spelled as the rule spells it."""
        spelled: dict[str, str] = {}
        for cls in self.rules:
            for key in (cls.code, cls.name, *cls.aliases):
                spelled.setdefault(key.lower(), key)
        import difflib

        match = difflib.get_close_matches(text.strip().lower(), list(spelled), n=1, cutoff=0.6)
        return spelled[match[0]] if match else None

    def resolve_code(self, selector: str) -> list[str]:
        """The registered codes `selector` covers, sorted (a ShellCheck code gives itself; a
        ShellCheck prefix gives [] since those codes are not registered). Raises SelectionError
        for an unknown selector."""
        self.check_selectors([selector])
        codes = [c for c in self._by_code if self._specificity(selector, c) is not None]
        sel = selector.strip().upper()
        if not codes and is_shellcheck_selector(sel) and len(sel) > 2:
            codes = [sel]
        return sorted(codes)

    # selection ----------------------------------------------------------------------------

    def _enabled(self, code: str, default: bool, on: Sequence[str], off: Sequence[str], exact_only: bool) -> bool:
        """Whether `code` ends up on: the most specific of `on` (or the default set, below ALL)
        against the most specific of `off`; a tie goes to `off`."""
        on_spec = _DEFAULT if default else None
        for sel in on:
            spec = self._specificity(sel, code)
            if spec is None or (exact_only and spec != EXACT):
                continue
            if on_spec is None or spec > on_spec:
                on_spec = spec
        if on_spec is None:
            return False
        return not any((spec := self._specificity(sel, code)) is not None and spec >= on_spec for sel in off)

    def select(
        self,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] = (),
        ignore: Sequence[str] = (),
    ) -> list[type[Rule]]:
        """The rules turned on by these selectors, sorted by code (see the module docstring).

        Raises SelectionError for an unknown selector."""
        self.check_selectors([*(select or ()), *extend_select, *ignore])
        on = [*(select or ()), *extend_select]
        out = []
        for cls in self.rules:
            in_default = select is None and cls.enabled_by_default
            if self._enabled(cls.code, in_default, on, ignore, exact_only=not cls.enabled_by_default):
                out.append(cls)
        return out

    def is_shellcheck_selected(
        self,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        code: str | None = None,
    ) -> bool:
        """Whether ShellCheck finding `code` (``SC2086``) is kept; with code=None, whether any
        ShellCheck code is, i.e. whether ShellCheck needs to run at all. Default: on."""
        self.check_selectors([*(select or ()), *extend_select, *ignore])
        on = [*(select or ()), *extend_select]
        if code:
            return self._enabled(code.strip().upper(), select is None, on, ignore, exact_only=False)
        return any(self._enabled(c, select is None, on, ignore, exact_only=False) for c in _sc_representatives([*on, *ignore]))

    def is_fixable(self, code: str, fixable: Sequence[str] | None = None, unfixable: Sequence[str] = ()) -> bool:
        """ruff's fixable/unfixable: fixable defaults to ALL; the more specific selector wins,
        ties go to unfixable."""
        return self._enabled(code, fixable is None, fixable or (), unfixable, exact_only=False)


def is_shellcheck_selected(
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    code: str | None = None,
) -> bool:
    """`Registry.is_shellcheck_selected` on the loaded registry."""
    return Registry.load().is_shellcheck_selected(select, extend_select, ignore, code)
