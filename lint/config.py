"""Configuration: `.dflint.toml` (top-level keys) or ``[tool.dflint]`` in pyproject.toml.

The config nearest to a linted file wins, with no merging up the tree; CLI flags are applied on
top with `Config.with_cli`. Keys use ruff's names where they exist (kebab-case in TOML). Relative
paths in a config (``context``, ``cache-dir``, ``per-file-ignores`` globs) are relative to the
directory of the config file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dflint.rule import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator, Sequence

    from pathlib import Path

    from dflint.registry import Registry


def _tomllib():
    """tomllib, imported only when a TOML file is read (most runs have no config file)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


class ConfigError(ValueError):
    """A config file that cannot be used (mapped to exit code 2). The message names the file."""


CONFIG_NAME = ".dflint.toml"
PYPROJECT = "pyproject.toml"


class Config:
    """One config file's settings (or the defaults). Immutable; do not mutate the dict fields.

    A plain class rather than a frozen dataclass: building a 24-field dataclass costs a few
    milliseconds of every run's start-up. `config.replace(**changes)` does what
    `dataclasses.replace` did."""

    FIELDS = (
        "select",
        "extend_select",
        "ignore",
        "per_file_ignores",
        "fixable",
        "unfixable",
        "unsafe_fixes",
        "severity",
        "target",
        "extra_targets",
        "build_args",
        "context",
        "cache_dir",
        "exclude",
        "extend_exclude",
        "rules",
        "optimize",
        "failure_threshold",
        "disable_pragmas",
        "exit_zero",
        "output_format",
        "hadolint",
        "path",
        "root",
    )
    __slots__ = FIELDS

    def __init__(
        self,
        *,
        select: tuple[str, ...] | None = None,  # None: the default rule set
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        per_file_ignores: dict[str, tuple[str, ...]] | None = None,  # glob -> selectors
        fixable: tuple[str, ...] | None = None,  # None: ALL
        unfixable: tuple[str, ...] = (),
        unsafe_fixes: bool = False,
        severity: dict[str, Severity] | None = None,  # selector -> level
        target: str | None = None,
        extra_targets: tuple[str, ...] = (),
        build_args: dict[str, str] | None = None,
        context: Path | None = None,  # absolute once loaded
        cache_dir: Path | None = None,  # absolute once loaded
        exclude: tuple[str, ...] | None = None,  # None: the default excludes
        extend_exclude: tuple[str, ...] = (),
        rules: dict[str, dict[str, Any]] | None = None,  # [rules.CODE] options, raw
        optimize: dict[str, Any] | None = None,  # [optimize], raw
        failure_threshold: Severity = Severity.STYLE,  # findings below it do not make exit 1
        disable_pragmas: bool = False,  # ignore # dflint:/# hadolint ignore comments
        exit_zero: bool = False,  # findings never make the exit code 1
        output_format: str | None = None,  # the default --format
        hadolint: bool = False,  # read from a .hadolint.yaml (migration)
        path: Path | None = None,  # the file it came from
        root: Path | None = None,  # that file's directory
    ) -> None:
        set_ = object.__setattr__
        set_(self, "select", select)
        set_(self, "extend_select", extend_select)
        set_(self, "ignore", ignore)
        set_(self, "per_file_ignores", {} if per_file_ignores is None else per_file_ignores)
        set_(self, "fixable", fixable)
        set_(self, "unfixable", unfixable)
        set_(self, "unsafe_fixes", unsafe_fixes)
        set_(self, "severity", {} if severity is None else severity)
        set_(self, "target", target)
        set_(self, "extra_targets", extra_targets)
        set_(self, "build_args", {} if build_args is None else build_args)
        set_(self, "context", context)
        set_(self, "cache_dir", cache_dir)
        set_(self, "exclude", exclude)
        set_(self, "extend_exclude", extend_exclude)
        set_(self, "rules", {} if rules is None else rules)
        set_(self, "optimize", {} if optimize is None else optimize)
        set_(self, "failure_threshold", failure_threshold)
        set_(self, "disable_pragmas", disable_pragmas)
        set_(self, "exit_zero", exit_zero)
        set_(self, "output_format", output_format)
        set_(self, "hadolint", hadolint)
        set_(self, "path", path)
        set_(self, "root", root)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Config is immutable: cannot assign to {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Config is immutable: cannot delete {name!r}")

    def _values(self) -> tuple:
        return tuple(getattr(self, f) for f in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # it holds dicts, as the dataclass did

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self.FIELDS) + ")"

    def __reduce__(self):
        return (_rebuild_config, (dict(zip(self.FIELDS, self._values())),))

    def replace(self, **changes: Any) -> Config:
        """A copy with `changes` (field names) applied."""
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise TypeError(f"Config has no field {sorted(unknown)[0]!r}")
        values = dict(zip(self.FIELDS, self._values()))
        values.update(changes)
        return Config(**values)

    # ---- queries --------------------------------------------------------------------------

    def ignores_for(self, file: str | os.PathLike[str]) -> tuple[str, ...]:
        """The per-file-ignores selectors whose glob matches `file`.

        A glob matches the file's path relative to the config's directory (the current
        directory without a config file), as a posix path, or the file's basename. ``**/x``
        also matches ``x`` at the top."""
        if not self.per_file_ignores:
            return ()
        from pathlib import Path

        abs_path = Path(os.path.abspath(file))
        root = Path(os.path.abspath(self.root or Path.cwd()))
        try:
            rel = abs_path.relative_to(root).as_posix()
        except ValueError:
            rel = abs_path.as_posix()
        base = abs_path.name
        out: list[str] = []
        for glob, selectors in self.per_file_ignores.items():
            if _glob_matches(glob, rel, abs_path.as_posix(), base):
                out.extend(selectors)
        return tuple(out)

    def severity_for(self, code: str, registry: Registry) -> Severity | None:
        """The `severity` override for `code`: the most specific matching selector's level."""
        best = registry.best(self.severity, code)
        return self.severity[best[0]] if best else None

    def rule_options(self, code: str) -> dict[str, Any]:
        """The raw ``[rules.CODE]`` table (case-insensitive code), or {}."""
        for key, value in self.rules.items():
            if key.upper() == code.upper():
                return value
        return {}

    def validate_selectors(self, registry: Registry) -> None:
        """Raise ConfigError for the first unknown selector, naming the file and the key."""
        origin = str(self.path) if self.path else "<config>"
        keyed: list[tuple[str, Sequence[str]]] = [
            ("select", self.select or ()),
            ("extend-select", self.extend_select),
            ("ignore", self.ignore),
            ("fixable", self.fixable or ()),
            ("unfixable", self.unfixable),
            ("severity", list(self.severity)),
            ("rules", list(self.rules)),
        ]
        keyed += [(f"per-file-ignores.{g!r}", sels) for g, sels in self.per_file_ignores.items()]
        for key, selectors in keyed:
            for sel in selectors:
                if not registry.is_known_selector(sel):
                    raise ConfigError(registry.unknown_message(sel, f"{origin}: {key}"))

    # ---- CLI overrides --------------------------------------------------------------------

    def with_cli(
        self,
        *,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        target: str | None = None,
        build_args: Mapping[str, str] | Sequence[str] = (),
        context: str | os.PathLike[str] | None = None,
        unsafe_fixes: bool | None = None,
    ) -> Config:
        """A copy with command-line flags applied: ``--select`` replaces `select` (the config's
        `extend-select` and `ignore` still apply), ``--extend-select`` and ``--ignore`` add,
        ``--target``/``--context``/``--unsafe-fixes`` replace, ``--build-arg K=V`` is merged
        over `build-args`. A relative ``--context`` is relative to the current directory."""
        changes: dict[str, Any] = {}
        if select is not None:
            changes["select"] = tuple(select)
        if extend_select:
            changes["extend_select"] = self.extend_select + tuple(extend_select)
        if ignore:
            changes["ignore"] = self.ignore + tuple(ignore)
        if target is not None:
            changes["target"] = target
        if build_args:
            changes["build_args"] = {**self.build_args, **parse_build_args(build_args)}
        if context is not None:
            from pathlib import Path

            changes["context"] = Path(os.path.abspath(context))
        if unsafe_fixes is not None:
            changes["unsafe_fixes"] = unsafe_fixes
        return self.replace(**changes) if changes else self


def _rebuild_config(values: dict[str, Any]) -> Config:
    return Config(**values)


def parse_build_args(args: Mapping[str, str] | Sequence[str]) -> dict[str, str]:
    """``["K=V", …]`` (or a mapping) as a dict; ``K`` alone takes the value from the environment,
    as ``docker build --build-arg K`` does (skipped when unset)."""
    if isinstance(args, Mapping):
        return {str(k): str(v) for k, v in args.items()}
    out: dict[str, str] = {}
    for item in args:
        key, eq, value = item.partition("=")
        if not key:
            raise ConfigError(f"--build-arg: expected KEY=VALUE, got {item!r}")
        if eq:
            out[key] = value
        elif key in os.environ:
            out[key] = os.environ[key]
    return out


def _glob_matches(glob: str, rel: str, absolute: str, base: str) -> bool:
    import fnmatch
    from pathlib import PurePosixPath

    glob = glob.replace("\\", "/")
    if glob.startswith("./"):
        glob = glob[2:]
    candidates = [glob]
    if glob.startswith("**/"):
        candidates.append(glob[3:])
    for g in candidates:
        if PurePosixPath(g).is_absolute():
            if fnmatch.fnmatchcase(absolute, g):
                return True
        elif fnmatch.fnmatchcase(rel, g) or fnmatch.fnmatchcase(base, g):
            return True
    return False


# ---- parsing a table into a Config --------------------------------------------------------


def _str_list(origin: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{origin}: {key!r} must be a list of strings, got {_type(value)}")
    return tuple(value)


def _string(origin: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{origin}: {key!r} must be a string, got {_type(value)}")
    return value


def _boolean(origin: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{origin}: {key!r} must be a boolean, got {_type(value)}")
    return value


def _table(origin: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{origin}: {key!r} must be a table, got {_type(value)}")
    return value


def _severity(origin: str, key: str, value: Any) -> Severity:
    try:
        return Severity.parse(_string(origin, key, value))
    except ValueError as exc:
        raise ConfigError(f"{origin}: {key!r}: {exc}") from None


def _type(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


def _path(root: Path | None, value: str) -> Path:
    from pathlib import Path

    p = Path(os.path.expanduser(value))
    if not p.is_absolute() and root is not None:
        p = root / p
    return Path(os.path.abspath(p))


def _per_file_ignores(origin: str, key: str, value: Any) -> dict[str, tuple[str, ...]]:
    table = _table(origin, key, value)
    return {g: _str_list(origin, f"{key}.{g}", v) for g, v in table.items()}


def _severity_table(origin: str, key: str, value: Any) -> dict[str, Severity]:
    table = _table(origin, key, value)
    return {sel: _severity(origin, f"{key}.{sel}", v) for sel, v in table.items()}


def _build_args(origin: str, key: str, value: Any) -> dict[str, str]:
    out = {}
    for k, v in _table(origin, key, value).items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, (int, float)):
            v = str(v)
        elif not isinstance(v, str):
            raise ConfigError(f"{origin}: '{key}.{k}' must be a string, got {_type(v)}")
        out[k] = v
    return out


def _rules_table(origin: str, key: str, value: Any) -> dict[str, dict[str, Any]]:
    table = _table(origin, key, value)
    return {code: _table(origin, f"{key}.{code}", v) for code, v in table.items()}


# TOML key -> (attribute, converter(origin, key, value, root))
if TYPE_CHECKING:  # a subscripted typing alias costs import time (it compiles its forward reference)
    _Conv = Callable[[str, str, Any, "Path | None"], Any]
_KEYS: dict[str, tuple[str, _Conv]] = {
    "select": ("select", lambda o, k, v, r: _str_list(o, k, v)),
    "extend-select": ("extend_select", lambda o, k, v, r: _str_list(o, k, v)),
    "ignore": ("ignore", lambda o, k, v, r: _str_list(o, k, v)),
    "per-file-ignores": ("per_file_ignores", lambda o, k, v, r: _per_file_ignores(o, k, v)),
    "fixable": ("fixable", lambda o, k, v, r: _str_list(o, k, v)),
    "unfixable": ("unfixable", lambda o, k, v, r: _str_list(o, k, v)),
    "unsafe-fixes": ("unsafe_fixes", lambda o, k, v, r: _boolean(o, k, v)),
    "severity": ("severity", lambda o, k, v, r: _severity_table(o, k, v)),
    "target": ("target", lambda o, k, v, r: _string(o, k, v)),
    "extra-targets": ("extra_targets", lambda o, k, v, r: _str_list(o, k, v)),
    "build-args": ("build_args", lambda o, k, v, r: _build_args(o, k, v)),
    "context": ("context", lambda o, k, v, r: _path(r, _string(o, k, v))),
    "cache-dir": ("cache_dir", lambda o, k, v, r: _path(r, _string(o, k, v))),
    "exclude": ("exclude", lambda o, k, v, r: _str_list(o, k, v)),
    "extend-exclude": ("extend_exclude", lambda o, k, v, r: _str_list(o, k, v)),
    "rules": ("rules", lambda o, k, v, r: _rules_table(o, k, v)),
    "optimize": ("optimize", lambda o, k, v, r: _table(o, k, v)),
    "failure-threshold": ("failure_threshold", lambda o, k, v, r: _severity(o, k, v)),
    "disable-pragmas": ("disable_pragmas", lambda o, k, v, r: _boolean(o, k, v)),
    "exit-zero": ("exit_zero", lambda o, k, v, r: _boolean(o, k, v)),
    "output-format": ("output_format", lambda o, k, v, r: _string(o, k, v)),
}


def config_from_table(table: Mapping[str, Any], path: Path | None = None) -> Config:
    """Build a Config from the dflint table of a file (`path` names it in errors)."""
    origin = str(path) if path else "<config>"
    from pathlib import Path

    root = Path(os.path.abspath(path)).parent if path else None
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            import difflib

            hint = difflib.get_close_matches(key, list(_KEYS), n=1, cutoff=0.6)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"{origin}: unknown key {key!r}{suffix}")
        attr, conv = _KEYS[key]
        values[attr] = conv(origin, key, value, root)
    return Config(**values, path=Path(os.path.abspath(path)) if path else None, root=root)


# ---- files and discovery ------------------------------------------------------------------


def _read_toml(path: str | Path) -> dict[str, Any]:
    tomllib = _tomllib()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {' '.join(str(exc).split())}") from None


def _dflint_table(path: str | Path, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The dflint table of a parsed file: the whole file for .dflint.toml, ``[tool.dflint]``
    for a pyproject.toml (None when it has none)."""
    if os.path.basename(path) != PYPROJECT:
        return dict(data)
    tool = data.get("tool")
    if not isinstance(tool, dict) or "dflint" not in tool:
        return None
    table = tool["dflint"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'tool.dflint' must be a table, got {_type(table)}")
    return table


def load_config(path: str | os.PathLike[str]) -> Config:
    """Load one config file: a pyproject.toml's ``[tool.dflint]`` table, else the top-level keys."""
    from pathlib import Path

    path = Path(os.path.abspath(path))
    table = _dflint_table(path, _read_toml(path))
    if table is None:
        raise ConfigError(f"{path}: no [tool.dflint] table")
    return config_from_table(table, path)


def _has_dflint_table(pyproject: str | Path) -> bool:
    try:
        with open(pyproject, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return False
    if not _may_name_dflint_table(text):  # cheap: most pyproject.toml files never mention us
        return False
    return _dflint_table(pyproject, _read_toml(pyproject)) is not None


def _may_name_dflint_table(text: str) -> bool:
    """Whether `text` may hold a ``tool.dflint`` table, without parsing the TOML (a cold
    ``tomllib`` costs more than linting a small file). The table is named one of these ways: a
    header ``[tool.dflint…]``; under ``[tool]``, a key ``dflint = …`` or ``dflint.… = …``; at the
    top, a key ``tool.dflint… = …`` or ``tool = {…dflint…}``. Quotes and blanks around the parts
    are allowed. A mention anywhere else (``"dflint>=0.1"`` as a dependency, ``name = "dflint"``,
    ``[tool.setuptools.package-dir] "dflint" = "lint"``) is not a table. Anything unusual (a
    multi-line string, which could hide a header) counts as "may": then the file is parsed."""
    if "dflint" not in text:
        return False
    if '"""' in text or "'''" in text:
        return True
    table: str | None = ""  # the current table: "" at the top; None after a line we cannot read
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        flat = "".join(ch for ch in line.split("#", 1)[0] if ch not in " \t\"'")
        if line.startswith("["):
            if flat.startswith("[tool.dflint") or flat.startswith("[[tool.dflint"):
                return True
            if "dflint" in line and not flat.endswith("]"):
                return True  # a broken header that mentions us: let the parser say what is wrong
            table = flat.strip("[]")
            continue
        if "dflint" not in line:
            continue
        if table == "tool" and (flat.startswith("dflint=") or flat.startswith("dflint.")):
            return True
        if table == "" and (flat.startswith("tool.dflint") or (flat.startswith("tool={") and "dflint" in flat)):
            return True
    return False


# Discovery works on str paths (os.path): a run without a config file never imports pathlib
# (a few ms of every cold start); a config found is returned as a Path.


def _config_in(directory: str | os.PathLike[str]) -> Path | None:
    directory = os.fspath(directory)
    own = os.path.join(directory, CONFIG_NAME)
    if os.path.isfile(own):
        return _as_path(own)
    pyproject = os.path.join(directory, PYPROJECT)
    if os.path.isfile(pyproject) and _has_dflint_table(pyproject):
        return _as_path(pyproject)
    return None


def _as_path(path: str) -> Path:
    from pathlib import Path

    return Path(path)


def _start_dir(start: str | os.PathLike[str]) -> str:
    p = os.path.abspath(start)
    return p if os.path.isdir(p) else os.path.dirname(p)


def _up(directory: str) -> Iterator[str]:
    """`directory` and its parents up to the root (an absolute, normalised path)."""
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The config for a file (or directory): walking up from its directory, the first directory
    holding `.dflint.toml` or a pyproject.toml with ``[tool.dflint]`` (.dflint.toml first)."""
    for d in _up(_start_dir(start)):
        found = _config_in(d)
        if found is not None:
            return found
    return None


class ConfigCache:
    """`find_config` + `load_config` memoized per directory and per file, for whole-tree runs.

    With `explicit` (``--config FILE``), every file gets that config and nothing is discovered."""

    def __init__(self, explicit: str | os.PathLike[str] | None = None) -> None:
        self._explicit = None
        if explicit is not None:
            if str(explicit).endswith((".yaml", ".yml")):
                from dflint.hadolint_config import load_hadolint_config

                self._explicit = load_hadolint_config(explicit)
            else:
                self._explicit = load_config(explicit)
        self._dirs: dict[str, Path | None] = {}
        self._configs: dict[Path, Config] = {}
        self._governing: dict[str, Config] = {}  # start directory -> the config for files in it
        self._default = Config()

    def find(self, start: str | os.PathLike[str]) -> Path | None:
        walked: list[str] = []
        found: Path | None = None
        for d in _up(_start_dir(start)):
            if d in self._dirs:
                found = self._dirs[d]
                break
            walked.append(d)
            found = _config_in(d)
            if found is not None:
                break
        for d in walked:
            self._dirs[d] = found
        return found

    def load(self, path: Path) -> Config:
        if path not in self._configs:
            if path.suffix in (".yaml", ".yml"):
                from dflint.hadolint_config import load_hadolint_config

                self._configs[path] = load_hadolint_config(path)
            else:
                self._configs[path] = load_config(path)
        return self._configs[path]

    def config_for(self, file: str | os.PathLike[str]) -> Config:
        """The config that governs `file`: the nearest dflint config; without one, a hadolint
        config (.hadolint.yaml, found as hadolint finds it) read as dflint's; else the defaults."""
        if self._explicit is not None:
            return self._explicit
        directory = _start_dir(file)  # every file of a folder has the same config
        config = self._governing.get(directory)
        if config is None:
            config = self._governing[directory] = self._resolve(directory)
        return config

    def _resolve(self, directory: str) -> Config:
        found = self.find(directory)
        if found is not None:
            return self.load(found)
        from dflint.hadolint_config import find_hadolint_config

        legacy = find_hadolint_config(directory)
        return self.load(legacy) if legacy is not None else self._default
