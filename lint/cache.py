"""The result cache: each file's findings, and ShellCheck's comments per RUN body, on disk.

A pre-commit hook or an editor lints the same files again and again; most of them have not
changed. `dflint check` and `dflint fix` look a file up here first and skip parsing, the rules
and ShellCheck when nothing its result depends on has changed.

**Where.** ``--cache-dir DIR``, else ``$DFLINT_CACHE_DIR``, else the ``cache-dir`` config key, else
``$XDG_CACHE_HOME/dflint``, else ``~/.cache/dflint``. Entries live in a ``v<N>`` folder (N is
`CACHE_VERSION`), one small JSON file each. ``--no-cache`` turns the cache off for a run.

**A file's key** is a SHA-256 over everything its findings depend on:

- the file's bytes and its path as shown (rules may look at the name);
- the effective configuration, as the `Settings` fingerprint built by the caller: the selected
  rules and their options, severity overrides, per-file ignores, ``target``, ``build-args``,
  ``extra-targets``, the build context folder, whether pragmas are honoured, and which
  ShellCheck codes are kept;
- dflint itself: its version, and the size and modification time of every module of the
  installed package and of every plugin rule's module (an edited rule is a new linter);
- the Python version (minor);
- when ShellCheck runs: the ``shellcheck`` binary's path, size and modification time (its
  version, without starting it).

**The build context.** Rules that look at the build context (``.dockerignore``, COPY sources,
files such as go.mod) make the result depend on files other than the Dockerfile. Each entry
records what the rules asked the context for — every folder listed, every path looked up, every
file read, and both ignore-file candidates (``.dockerignore`` and ``<Dockerfile>.dockerignore``)
— with a signature (type, size, modification time in ns) of each (of the context folder itself,
only that it is still a folder); a lookup re-checks those signatures and
misses when any differs. When dflint cannot record what was read (a build-context module without
the expected methods), a result that consulted the context is simply not cached.

**Never cached:** a result with an internal error (``DF000``), a run where ShellCheck was wanted
but is not installed, ``check --add-ignore``.

**Safe under concurrent runs:** an entry is written to a temporary file in the same folder and
moved into place with `os.replace` (atomic); a reader that finds a missing, partial or corrupt
entry treats it as a miss. **Bounded:** past `DEFAULT_MAX_BYTES` (``DFLINT_CACHE_MAX_BYTES``), the
oldest entries (by modification time; a hit refreshes it) are deleted until the cache is at
three quarters of the limit. The size is checked after runs that wrote entries (always after 64
or more writes, else with a probability proportional to the number written).

**ShellCheck per body:** the comments ShellCheck gives a script (shebang + ``export`` lines for
the stage's ARG/ENV names + the RUN body) are cached under a key of the script, the binary's
signature and dflint's code fingerprint, so an edited Dockerfile only sends its changed RUN
bodies to ShellCheck.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

    from dflint.diagnostic import Diagnostic
    from dflint.source import SourceFile

try:  # the builtin module: hashlib would load OpenSSL, a few ms of every cold start
    from _sha256 import sha256 as _sha256
except ImportError:  # pragma: no cover - Python 3.12+ or another implementation
    try:
        from _sha2 import sha256 as _sha256  # type: ignore[no-redef]
    except ImportError:
        from hashlib import sha256 as _sha256  # type: ignore[no-redef]

CACHE_VERSION = 1
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: After this many writes in one run the size is always checked.
PRUNE_AFTER_WRITES = 64


def default_dir(config_dir: str | os.PathLike[str] | None = None) -> str:
    """$DFLINT_CACHE_DIR, else `config_dir` (the ``cache-dir`` key), else $XDG_CACHE_HOME/dflint,
    else ~/.cache/dflint."""
    env = os.environ.get("DFLINT_CACHE_DIR")
    if env:
        return os.path.abspath(os.path.expanduser(env))
    if config_dir is not None:
        return os.fspath(config_dir)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "dflint")
    return os.path.join(os.path.expanduser("~"), ".cache", "dflint")


def max_bytes() -> int:
    value = os.environ.get("DFLINT_CACHE_MAX_BYTES")
    if value:
        try:
            return max(0, int(value))
        except ValueError:
            pass
    return DEFAULT_MAX_BYTES


# ---- signatures ---------------------------------------------------------------------------------


def signature(path: str, follow: bool | str = False) -> list[int] | None:
    """What a dependency looked like: [type bits, size, mtime ns], or None when it is missing.
    `follow`: True follows symbolic links (stat), False does not (lstat), ``"type"`` is stat
    but keeps only the type (a folder that must still be a folder, whatever changes in it)."""
    try:
        st = os.lstat(path) if follow is False else os.stat(path)
    except (OSError, ValueError):
        return None
    if follow == "type":
        return [st.st_mode & 0o170000]
    return [st.st_mode & 0o170000, st.st_size, st.st_mtime_ns]


_CODE_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """dflint's version and the size and mtime of every module of the package (once per process):
    an edited or reinstalled dflint never reads another build's entries."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        import dflint
        import dflint.rules

        h = _sha256(f"{dflint.__version__}|{sys.version_info[0]}.{sys.version_info[1]}".encode())
        folders = [*dflint.__path__, *dflint.rules.__path__]
        seen: set[str] = set()
        while folders:
            folder = folders.pop()
            if folder in seen:
                continue
            seen.add(folder)
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.name.endswith(".py"):
                        st = entry.stat()
                        h.update(f"{entry.path}|{st.st_size}|{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
                    elif entry.is_dir() and entry.name != "__pycache__" and os.path.exists(os.path.join(entry.path, "__init__.py")):
                        folders.append(entry.path)
                except OSError:
                    continue
        _CODE_FINGERPRINT = h.hexdigest()
    return _CODE_FINGERPRINT


def rules_fingerprint(rules: Iterable[Any]) -> str:
    """The modules of rules that are not dflint's own (plugins): their file signatures."""
    parts = []
    for rule in rules:
        module = type(rule).__module__
        if module.startswith("dflint."):
            continue
        file = getattr(sys.modules.get(module), "__file__", None)
        parts.append(f"{module}|{file}|{signature(file, True) if file else None}")
    return "\n".join(sorted(set(parts)))


def shellcheck_signature() -> str:
    """The ShellCheck binary's identity (path, size, mtime): its version without running it."""
    from dflint.shellcheck import find_shellcheck

    binary = find_shellcheck()
    if binary is None:
        return "missing"
    real = os.path.realpath(binary)
    return f"{real}|{signature(real, True)}"


def digest(*parts: str | bytes) -> str:
    h = _sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


# ---- recording what the build context was asked -------------------------------------------------


class Recorder:
    """The file-system dependencies of one file's lint: (path, follow symlinks) pairs."""

    __slots__ = ("deps",)

    def __init__(self) -> None:
        self.deps: dict[tuple[str, bool | str], None] = {}

    def add(self, path: str, follow: bool | str = False) -> None:
        self.deps[(path, follow)] = None

    def signatures(self) -> list[list[Any]]:
        return [[path, follow, signature(path, follow)] for path, follow in self.deps]


#: The recorder of the file being linted (set by the engine around its rules), or None.
CURRENT: Recorder | None = None
_TRACKING: bool | None = None


def install_tracking() -> bool:
    """Wrap the build-context methods that touch the file system so that each call is recorded
    in `CURRENT`. Returns False when the build-context module lacks one of them (then results
    that consult the context are not cached). Once per process; idempotent."""
    global _TRACKING
    if _TRACKING is not None:
        return _TRACKING
    try:
        from dflint import context as context_mod

        bc = context_mod.BuildContext
        needed = ("listdir", "_lstat", "read_text", "_abs")
        if not all(callable(getattr(bc, name, None)) for name in needed):
            _TRACKING = False
            return False
    except Exception:  # noqa: BLE001 - no tracking: nothing is cached that needs it
        _TRACKING = False
        return False

    def wrap(name: str, follow: bool):
        real = getattr(bc, name)

        def tracked(self, rel: str = ".", *args, **kwargs):
            rec = CURRENT
            if rec is not None:
                try:
                    rec.add(str(self._abs(rel)), follow)
                except Exception:  # noqa: BLE001 - a path it cannot name: the call says so itself
                    rec.add("\0unknown", False)
            return real(self, rel, *args, **kwargs)

        tracked.__wrapped__ = real  # type: ignore[attr-defined]
        tracked.__name__ = name
        tracked.__doc__ = real.__doc__
        setattr(bc, name, tracked)

    wrap("listdir", True)  # a folder's entries: its mtime changes with them
    wrap("_lstat", False)  # exists / is_dir / on_disk / glob without wildcards
    wrap("read_text", True)  # a file's content: its size and mtime
    _TRACKING = True
    return True


def context_deps(rec: Recorder, context_dir: str | os.PathLike[str] | None, path: str) -> None:
    """What every consulting lint depends on besides the rules' own questions: the context
    folder (its entries), the Dockerfile's folder, and both ignore-file candidates."""
    if context_dir is None:
        return
    root = os.path.abspath(context_dir)
    rec.add(root, "type")  # still a folder (what is in it: the rules' own listings say)
    rec.add(os.path.realpath(root), "type")
    rec.add(os.path.join(os.path.realpath(root), ".dockerignore"), True)
    if path and path not in ("-", "<string>", "<bytes>"):
        folder = os.path.dirname(os.path.abspath(path))
        name = os.path.basename(path) or "Dockerfile"
        rec.add(os.path.join(folder, f"{name}.dockerignore"), True)
        real = os.path.dirname(os.path.realpath(path))
        rec.add(os.path.join(real, f"{name}.dockerignore"), True)
    else:
        rec.add(os.path.join(os.path.realpath(root), "Dockerfile.dockerignore"), True)


# ---- the store -------------------------------------------------------------------------------------


class Cache:
    """One cache folder. Every method swallows file-system errors: a cache that cannot be read
    or written is a slower run, never a failed one."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.root = os.fspath(directory)
        self.folder = os.path.join(self.root, f"v{CACHE_VERSION}")
        self.writes = 0
        self.hits = 0
        self.misses = 0
        self._ready = False

    # raw entries --------------------------------------------------------------------------

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.folder, f"{kind}-{key}.json")

    def get(self, kind: str, key: str) -> Any | None:
        """The stored value, or None (missing, unreadable, partial or corrupt: all misses)."""
        path = self._path(kind, key)
        try:
            with open(path, "rb") as fh:
                data = json.loads(fh.read().decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or data.get("key") != key or "value" not in data:
            return None
        try:
            os.utime(path)  # a hit makes the entry young again (eviction is oldest-first)
        except OSError:
            pass
        return data["value"]

    def put(self, kind: str, key: str, value: Any) -> bool:
        """Store `value` (JSON-able) atomically; False when it could not be written."""
        try:
            if not self._ready:
                os.makedirs(self.folder, exist_ok=True)
                tag = os.path.join(self.root, "CACHEDIR.TAG")
                if not os.path.exists(tag):
                    with open(tag, "w", encoding="ascii") as fh:
                        fh.write("Signature: 8a477f597d28d172789f06886806bc55\n# dflint's result cache\n")
                self._ready = True
            data = json.dumps({"key": key, "value": value}, separators=(",", ":")).encode("utf-8", "surrogateescape")
            # a name no other writer uses (tempfile would cost its import in every run)
            tmp = os.path.join(self.folder, f".tmp-{os.getpid()}-{os.urandom(6).hex()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except (OSError, ValueError, TypeError):
            return False
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self._path(kind, key))
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
        self.writes += 1
        return True

    # size -------------------------------------------------------------------------------------

    def size(self) -> int:
        return sum(size for _, size, _ in self._entries())

    def _entries(self) -> list[tuple[float, int, str]]:
        out = []
        try:
            with os.scandir(self.folder) as it:
                for entry in it:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    out.append((st.st_mtime, st.st_size, entry.path))
        except OSError:
            pass
        return out

    def prune(self, limit: int | None = None) -> int:
        """Delete the oldest entries while the cache is over `limit` bytes (down to 3/4 of it);
        also stale temporary files. Returns how many files were deleted."""
        import time

        limit = max_bytes() if limit is None else limit
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        removed = 0
        now = time.time()
        if total <= limit:
            for mtime, size, path in entries:  # a writer killed mid-write leaves a .tmp- file
                if os.path.basename(path).startswith(".tmp-") and now - mtime > 3600:
                    removed += _unlink(path)
            return removed
        goal = limit * 3 // 4
        for mtime, size, path in sorted(entries):
            if total <= goal:
                break
            if os.path.basename(path).startswith(".tmp-") and now - mtime < 60:
                continue  # another run is writing it right now
            if _unlink(path):
                removed += 1
                total -= size
        return removed

    def maybe_prune(self) -> None:
        """After a run: check the size when this run wrote enough to matter (see module doc)."""
        if not self.writes:
            return
        chance = int.from_bytes(os.urandom(2), "little") / 65536  # random, without importing it
        if self.writes >= PRUNE_AFTER_WRITES or chance < self.writes / PRUNE_AFTER_WRITES:
            self.prune()

    # file results -----------------------------------------------------------------------------

    def result_key(self, data: bytes, path: str, settings_fingerprint: str, shellcheck: bool, rules: Iterable[Any]) -> str:
        return digest(
            "result",
            str(CACHE_VERSION),
            code_fingerprint(),
            rules_fingerprint(rules),
            shellcheck_signature() if shellcheck else "no-shellcheck",
            settings_fingerprint,
            path,
            data,
        )

    def load_result(self, key: str, source: SourceFile) -> list[Diagnostic] | None:
        """The cached findings of the file (rebuilt on `source`), or None."""
        value = self.get("r", key)
        if not isinstance(value, dict):
            self.misses += 1
            return None
        try:
            for path, follow, sig in value.get("deps", ()):
                if signature(path, follow) != sig:
                    self.misses += 1
                    return None
            diagnostics = [_decode(item, source) for item in value["diagnostics"]]
        except (TypeError, ValueError, KeyError, IndexError):
            self.misses += 1
            return None
        self.hits += 1
        return diagnostics

    def store_result(self, key: str, diagnostics: list[Diagnostic], deps: list[list[Any]] | None = None) -> bool:
        if any(d.code == "DF000" for d in diagnostics):
            return False  # an internal error is a bug to see again, never a result to keep
        return self.put("r", key, {"deps": deps or [], "diagnostics": [_encode(d) for d in diagnostics]})

    # ShellCheck per script ----------------------------------------------------------------------

    def shellcheck_key(self, script: str, binary: str) -> str:
        return digest("shellcheck", str(CACHE_VERSION), code_fingerprint(), binary, script)


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
        return 1
    except OSError:
        return 0


def _encode(d: Diagnostic) -> list[Any]:
    fix = None
    if d.fix is not None:
        fix = [int(d.fix.applicability), d.fix.title, [[e.start, e.end, e.content] for e in d.fix.edits]]
    return [d.code, d.name, d.severity.value, d.message, d.span.start, d.span.end, fix]


def _decode(item: list[Any], source: SourceFile) -> Diagnostic:
    from dflint.diagnostic import Diagnostic
    from dflint.fix import Applicability, Edit, Fix
    from dflint.rule import Severity
    from dflint.source import Span

    code, name, severity, message, start, end, fix = item
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(source.text)):
        raise ValueError("span out of range")
    made = None
    if fix is not None:
        applicability, title, edits = fix
        made = Fix(tuple(Edit(int(a), int(b), str(c)) for a, b, c in edits), Applicability(applicability), str(title))
    return Diagnostic(source.path, str(code), str(name), Severity(severity), str(message), Span(start, end), source, made)
