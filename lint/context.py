"""The build context, as rules see it: which paths exist, which are folders, what a COPY source
pattern matches, and what the .dockerignore in force excludes.

Rules never touch the file system themselves: they call `build_context(ctx)`, which gives a
`BuildContext` for ``ctx.context_dir`` (or None when the context is unknown), and ask it.

- **Paths** are relative to the context root, slash-separated, cleaned like BuildKit cleans COPY
  sources (``./a/../b`` is ``b``; a leading ``/`` and ``..`` cannot leave the root).
- **COPY source patterns** (`BuildContext.glob`) follow BuildKit (tonistiigi/fsutil
  ``ResolveWildcards``): the source is split at its first segment with a wildcard; the part
  before is a plain path, the rest is matched with Go's ``filepath.Match`` one path segment at a
  time (``*``, ``?``, ``[...]``, ``\\`` escapes; ``*`` never crosses ``/``; ``**`` is just two
  ``*``, there is no recursive wildcard in COPY sources). Dot files are matched by ``*`` (Go does
  not hide them). A matched folder is not descended into.
- **The .dockerignore in force**: the Dockerfile-specific ``<Dockerfile name>.dockerignore``
  next to the Dockerfile wins over the context's ``.dockerignore`` (BuildKit's rule). When the
  Dockerfile's path is not a file on disk (stdin, tests), it is looked for in the context root.
  Excluded paths are not part of the context that is sent, so `exists` and `glob` leave them out
  — except a folder that an ``!`` exception re-includes something in.
- **Bounds**: a context may be huge (a monorepo, a home folder). Folders are listed lazily, only
  along the paths a question needs, and at most `MAX_ENTRIES` directory entries are listed per
  context in all; past that, `truncated` is set and listings come back incomplete (a rule then
  treats the context as unknown for that question: `glob` returns None). Files are read only
  through `read_text`, at most `MAX_READ` bytes. Nothing here raises on an unreadable, missing
  or vanished folder: such a path does not exist.
- **Caching**: one `BuildContext` per (folder, ignore file), reused while the folder and the
  ignore file keep their modification times.
"""

from __future__ import annotations

import itertools
import os
import stat

from dflint.buildkit_checks import is_plain
from dflint.dockerignore import BadPattern, PatternMatcher, clean, contains_wildcards, go_match, read_patterns
from dflint.source import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike

    from dflint.fix import Fix
    from dflint.rule import Context
    from dflint.syntax import Instruction

# Paths are plain strings (os.path), not pathlib: importing pathlib costs a few ms of every run.

__all__ = [
    "MAX_ENTRIES",
    "MAX_READ",
    "BuildContext",
    "IgnoreFile",
    "Match",
    "build_context",
    "context_path",
    "source_words",
]

#: Directory entries listed per context, in all, before answers are marked `truncated`.
MAX_ENTRIES = 20_000
#: Bytes `read_text` reads of one file.
MAX_READ = 1 << 20


class Match(Record):
    """A path a COPY source pattern matches (relative to the context root)."""

    __slots__ = _fields = ("path", "is_dir")
    path: str
    is_dir: bool

    def __init__(self, path: str, is_dir: bool) -> None:
        self.path = path
        self.is_dir = is_dir


class IgnoreFile(Record):
    """The ignore file in force: its path, name (as shown in messages) and matcher (None when it
    has a pattern Docker rejects; `error` says which)."""

    __slots__ = _fields = ("path", "name", "matcher", "error")
    path: str
    name: str
    matcher: PatternMatcher | None
    error: str | None

    def __init__(self, path: str, name: str, matcher: PatternMatcher | None, error: str | None = None) -> None:
        self.path = path
        self.name = name
        self.matcher = matcher
        self.error = error


def context_path(path: str) -> str:
    """A COPY source or other context path, cleaned and relative to the root (``.`` is the
    root): ``./src/`` → ``src``, ``/etc/x`` → ``etc/x``, ``../../a`` → ``a``."""
    return clean("/" + path)[1:] or "."


class BuildContext:
    """One build-context folder. Use `build_context(ctx)` rather than creating it directly."""

    def __init__(
        self, root: str | PathLike[str], ignore_name: str = "Dockerfile", ignore_dir: str | PathLike[str] | None = None
    ) -> None:
        self.root: str = os.fspath(root)
        self.truncated = False
        self._budget = MAX_ENTRIES
        self._listings: dict[str, dict[str, bool] | None] = {}
        self._scanned: dict[str, _Listing] = {}  # the shared listing each of `_listings` came from
        self._visible: dict[str, bool] = {}
        self._ignore_name = ignore_name
        self._ignore_dir: str = os.fspath(ignore_dir) if ignore_dir is not None else self.root
        self._ignore: IgnoreFile | None | bool = False  # False: not read yet

    @property
    def ignore(self) -> IgnoreFile | None:
        """The ignore file in force, or None (read on first use)."""
        if self._ignore is False:
            self._ignore = self._load_ignore()
        return self._ignore  # type: ignore[return-value]

    # -- the file system -----------------------------------------------------------------------

    def _abs(self, rel: str) -> str:
        rel = context_path(rel)
        return self.root if rel == "." else os.path.join(self.root, rel)

    def _lstat(self, rel: str) -> os.stat_result | None:
        try:
            return os.lstat(self._abs(rel))
        except (OSError, ValueError):
            return None

    def listdir(self, rel: str = ".") -> dict[str, bool] | None:
        """The entries of folder `rel` as ``{name: is_dir}`` (symbolic links count as files, as
        BuildKit sends them as links), or None when it is no readable folder. Counts against the
        entry budget; a listing cut short by it sets `truncated`."""
        rel = context_path(rel)
        if rel in self._listings:
            return self._listings[rel]
        out: dict[str, bool] | None = None
        if self._budget <= 0:
            self.truncated = True
        else:
            listing = _scan(self._abs(rel))
            if listing is not None:
                self._scanned[rel] = listing
                entries = listing.entries
                if len(entries) <= self._budget:
                    self._budget -= len(entries)
                    out = listing.as_dict()
                else:
                    out = dict(entries[: self._budget])
                    self._budget = 0
                    self.truncated = True
        self._listings[rel] = out
        return out

    def on_disk(self, rel: str) -> bool:
        """Whether `rel` exists on disk (a dangling symbolic link counts), .dockerignore aside."""
        return self._lstat(rel) is not None

    def is_dir(self, rel: str) -> bool:
        """Whether `rel` is a folder on disk (not a symbolic link to one)."""
        st = self._lstat(rel)
        return st is not None and stat.S_ISDIR(st.st_mode)

    def exists(self, rel: str) -> bool:
        """Whether `rel` is in the context as BuildKit sends it: on disk and not excluded by the
        .dockerignore (an excluded folder still counts when an exception re-includes something
        in it)."""
        rel = context_path(rel)
        if rel == ".":
            return self.on_disk(".")
        st = self._lstat(rel)
        if st is None:
            return False
        return self.visible(rel, stat.S_ISDIR(st.st_mode))

    def read_text(self, rel: str, limit: int = MAX_READ) -> str | None:
        """The first `limit` bytes of a file as text (UTF-8, undecodable bytes replaced), or None
        when it is missing, not a regular file, or unreadable."""
        path = self._abs(rel)
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                return None
            with open(path, "rb") as fh:
                data = fh.read(limit)
        except (OSError, ValueError):
            return None
        return data.decode("utf-8", "replace")

    # -- .dockerignore ---------------------------------------------------------------------------

    def _load_ignore(self) -> IgnoreFile | None:
        candidates = [
            (os.path.join(self._ignore_dir, f"{self._ignore_name}.dockerignore"), f"{self._ignore_name}.dockerignore"),
            (os.path.join(self.root, ".dockerignore"), ".dockerignore"),
        ]
        for path, name in candidates:
            try:
                if not os.path.isfile(path):
                    continue
                with open(path, "rb") as fh:
                    data = fh.read(MAX_READ)
            except (OSError, ValueError):
                continue
            text = data.decode("utf-8", "replace")
            try:
                matcher = PatternMatcher(read_patterns(text))
            except BadPattern as exc:
                return IgnoreFile(path, name, None, str(exc))
            return IgnoreFile(path, name, matcher)
        return None

    @property
    def has_dockerignore(self) -> bool:
        """Whether a .dockerignore (or the Dockerfile-specific one) is in force."""
        return self.ignore is not None

    def excluded(self, rel: str) -> bool:
        """Whether the .dockerignore excludes `rel` itself (or a parent folder of it), with
        ``!`` exceptions applied. A pattern Docker cannot compile excludes nothing here (Docker
        refuses the whole build; that is another rule's finding)."""
        if self.ignore is None or self.ignore.matcher is None:
            return False
        rel = context_path(rel)
        if rel == ".":
            return False
        try:
            return self.ignore.matcher.matches(rel)
        except BadPattern:
            return False

    def visible(self, rel: str, is_dir: bool) -> bool:
        """Whether an existing path is sent with the context: not excluded, or an excluded folder
        holding something an exception re-includes (found by a bounded walk)."""
        rel = context_path(rel)
        if not self.excluded(rel):
            return True
        if not is_dir or self.ignore is None or self.ignore.matcher is None:
            return False
        if not self.ignore.matcher.could_include_below(rel):
            return False
        if rel in self._visible:
            return self._visible[rel]
        self._visible[rel] = False
        found = False
        stack = [rel]
        while stack and not found:
            folder = stack.pop()
            entries = self.listdir(folder) or {}
            for name, sub_is_dir in entries.items():
                child = f"{folder}/{name}"
                if not self.excluded(child):
                    found = True
                    break
                if sub_is_dir:
                    stack.append(child)
        self._visible[rel] = found
        return found

    # -- COPY sources ----------------------------------------------------------------------------

    def glob(self, source: str) -> list[Match] | None:
        """What a COPY/ADD source matches in the context, as BuildKit resolves it (see the module
        docstring), leaving out what the .dockerignore excludes. A source without wildcards gives
        itself when it exists. None when the answer is unknown: the entry budget ran out, or the
        pattern is malformed."""
        rel = context_path(source)
        if not contains_wildcards(rel):
            st = self._lstat(rel)
            if st is None:
                return []
            is_dir = stat.S_ISDIR(st.st_mode)
            return [Match(rel, is_dir)] if rel == "." or self.visible(rel, is_dir) else []
        parts = rel.split("/")
        first = next(i for i, p in enumerate(parts) if contains_wildcards(p))
        base = "/".join(parts[:first]) or "."
        rest = parts[first:]
        out: list[Match] = []
        frontier = [base]
        for depth, segment in enumerate(rest):
            last = depth == len(rest) - 1
            nxt: list[str] = []
            for folder in frontier:
                entries = self.listdir(folder)
                if entries is None:
                    if self.truncated:
                        return None
                    continue
                for name in sorted(entries):
                    try:
                        hit = go_match(segment, name)
                    except BadPattern:
                        return None
                    if not hit:
                        continue
                    child = name if folder == "." else f"{folder}/{name}"
                    is_dir = entries[name]
                    if not self.visible(child, is_dir):
                        continue
                    if last:
                        out.append(Match(child, is_dir))
                    elif is_dir:
                        nxt.append(child)
            frontier = nxt
        if self.truncated:
            return None
        return out

    def __repr__(self) -> str:
        ignore = self.ignore.name if self.ignore else "no .dockerignore"
        return f"<BuildContext {self.root} ({ignore})>"


class _Listing:
    """One folder's entries as ``(name, is_dir)`` in the order the file system gives them,
    shared by every `BuildContext` that lists the folder (several Dockerfiles of one folder,
    each with its own ignore file, share a context root)."""

    __slots__ = ("entries", "_first_other", "_dict")

    def __init__(self, entries: tuple[tuple[str, bool], ...]) -> None:
        self.entries = entries
        self._first_other: int | None = None
        self._dict: dict[str, bool] | None = None

    def as_dict(self) -> dict[str, bool]:
        """All entries as ``{name: is_dir}`` (one dict, shared: callers only read it)."""
        if self._dict is None:
            self._dict = dict(self.entries)
        return self._dict

    def only_dockerfiles(self, count: int) -> bool:
        """Whether the first `count` entries are all Dockerfiles or ignore files."""
        if self._first_other is None:
            self._first_other = next(
                (i for i, (n, _) in enumerate(self.entries) if not _is_dockerfile_name(n)),
                len(self.entries),
            )
        return self._first_other >= count


#: Folder listings by absolute path, reused while the folder keeps its modification time.
_LISTINGS: dict[str, tuple[int, _Listing | None]] = {}
_LISTINGS_SIZE = 256


def _scan(path: str) -> _Listing | None:
    """The entries of the folder at `path` (None when it is no readable folder)."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except (OSError, ValueError):
        stamp = -1
    cached = _LISTINGS.get(path)
    if cached is not None and cached[0] == stamp and stamp != -1:
        return cached[1]
    listing: _Listing | None
    try:
        with os.scandir(path) as it:
            entries = []
            for entry in it:
                try:
                    entries.append((entry.name, entry.is_dir(follow_symlinks=False)))
                except OSError:
                    entries.append((entry.name, False))
        listing = _Listing(tuple(entries))
    except (OSError, ValueError):
        listing = None
    if len(_LISTINGS) >= _LISTINGS_SIZE:
        _LISTINGS.pop(next(iter(_LISTINGS)))
    _LISTINGS[path] = (stamp, listing)
    return listing


# ---------------------------------------------------------------------------------------------
# from a lint Context

_CACHE: dict[tuple[str, str, str], tuple[tuple[float, ...], BuildContext]] = {}
_CACHE_SIZE = 64


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except (OSError, ValueError):
        return -1.0


def _context_for(root: str, name: str, ignore_dir: str) -> BuildContext:
    key = (root, name, ignore_dir)
    stamp = (
        _mtime(root),
        _mtime(os.path.join(root, ".dockerignore")),
        _mtime(os.path.join(ignore_dir, f"{name}.dockerignore")),
    )
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    bc = BuildContext(root, name, ignore_dir)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (stamp, bc)
    return bc


def build_context(ctx: Context) -> BuildContext | None:
    """The build context of the linted file, or None when it is unknown.

    Unknown means: no ``ctx.context_dir``; a folder that cannot be read; or a folder that is
    evidently not the context this Dockerfile is built with: the file has plain COPY/ADD source
    paths (no variable, no wildcard) and none of them exists there (a ``docker/Dockerfile`` built
    from the repository root, linted with the default context of its own folder), or it copies
    from the context and the folder holds nothing but Dockerfiles and ignore files (a folder of
    collected Dockerfiles)."""
    # Kept in the file's memo only: a module-level "last context" would keep the whole file's
    # data (parsed instructions, scripts, per-file facts) alive after its lint.
    memo = ctx.memo
    try:
        return memo[build_context]
    except KeyError:
        result = memo[build_context] = _build(ctx)
        return result


def _build(ctx: Context) -> BuildContext | None:
    if ctx.context_dir is None:
        return None
    root = _root(ctx.context_dir)
    if root is None:
        return None
    name, ignore_dir = "Dockerfile", root
    path = ctx.path
    if path and path not in ("-", "<string>", "<bytes>"):
        name = _name(path) or "Dockerfile"
        try:
            if os.path.isfile(path):
                ignore_dir = _real_parent(path)
        except (OSError, ValueError):
            pass
    bc = _context_for(root, name, ignore_dir)
    literals = _literal_sources(ctx)
    first = next(literals, None)
    if first is not None and not any(bc.on_disk(s) for s in itertools.chain((first,), literals)):
        return None
    if _reads_context(ctx):
        names = bc.listdir(".")
        if names is not None and _only_dockerfiles(bc, names):
            return None
    return bc


def _name(path: str) -> str:
    """The last component of `path`, as ``PurePosixPath(path).name`` gives it."""
    for part in reversed(path.split("/")):
        if part not in ("", "."):
            return part
    return ""


#: Context folders as given → resolved (the folders many Dockerfiles of one run share).
_ROOTS: dict[tuple[str, str], str] = {}


def _root(context_dir: str | PathLike[str]) -> str | None:
    """The context folder with symbolic links resolved, or None when it is no folder."""
    try:
        folder = os.fspath(context_dir)
        if not os.path.isdir(folder):
            return None
        key = (folder, "" if os.path.isabs(folder) else os.getcwd())
        root = _ROOTS.get(key)
        if root is None:
            if len(_ROOTS) >= _CACHE_SIZE:
                _ROOTS.pop(next(iter(_ROOTS)))
            root = _ROOTS[key] = os.path.realpath(folder)
        return root
    except (OSError, ValueError):
        return None


def _real_parent(path: str) -> str:
    """``os.path.dirname(os.path.realpath(path))``, with the folder's resolution reused: only a
    Dockerfile that is itself a symbolic link (or a path with ``..``) is resolved in full."""
    folder, base = os.path.split(os.path.abspath(path))
    if ".." not in path.replace("\\", "/").split("/"):
        real = _ROOTS.get((folder, ""))
        if real is None:
            if len(_ROOTS) >= _CACHE_SIZE:
                _ROOTS.pop(next(iter(_ROOTS)))
            real = _ROOTS[(folder, "")] = os.path.realpath(folder)
        if not os.path.islink(os.path.join(real, base)):
            return real
    return os.path.dirname(os.path.realpath(path))


# Dockerfiles and their ignore files: a folder holding nothing else is no build context.
def _is_dockerfile_name(name: str) -> bool:
    """Whether `name` is a Dockerfile's or an ignore file's name: ``Dockerfile``,
    ``x.Dockerfile``, ``Dockerfile.x``, ``Containerfile``…, ``x.dockerignore`` (any case)."""
    if name.isascii() and "\n" not in name:  # the pattern's meaning, without compiling it
        low = name.lower()
        if low.endswith(".dockerignore"):
            return True
        for stem in ("dockerfile", "containerfile"):
            at = low.find(stem)
            while at != -1:
                end = at + len(stem)
                if (at == 0 or low[at - 1] == ".") and (end == len(low) or low[end] == "."):
                    return True
                at = low.find(stem, at + 1)
        return False
    global _DOCKERFILE_NAME
    if _DOCKERFILE_NAME is None:
        import re

        _DOCKERFILE_NAME = re.compile(r"(?i)(.*\.)?(docker|container)file(\..*)?|.*\.dockerignore")
    return _DOCKERFILE_NAME.fullmatch(name) is not None


_DOCKERFILE_NAME = None  # compiled on first use


def _only_dockerfiles(bc: BuildContext, names: dict[str, bool]) -> bool:
    """Whether the root listing `names` (``bc.listdir(".")``) holds nothing but Dockerfiles and
    ignore files (answered once per shared listing)."""
    listing = bc._scanned.get(".")
    if listing is not None:
        return listing.only_dockerfiles(len(names))
    return all(_is_dockerfile_name(n) for n in names)


def _reads_context(ctx: Context) -> bool:
    """Whether any COPY/ADD of the file takes something from the build context."""
    for ins in ctx.dockerfile.instructions:
        if ins.name in ("COPY", "ADD") and ins.flag("from") is None:
            sources, _ = source_words(ins)
            if any(not _is_remote(raw) for raw, _ in sources):
                return True
    return False


def source_words(instruction: Instruction) -> tuple[list[tuple[str, object]], tuple[str, object] | None]:
    """The sources and the destination of a COPY/ADD as ``(raw text, Word or None)`` pairs, from
    the exec form (JSON, no spans) or the shell form (with each `Word`). Heredoc sources
    (``<<EOF``) are left out; so are all words when there are fewer than two."""
    if instruction.json is not None:
        items = list(instruction.json)
        if len(items) < 2:
            return [], None
        return [(s, None) for s in items[:-1]], (items[-1], None)
    words = list(instruction.words)
    if len(words) < 2:
        return [], None
    heredoc_names = {h.span for h in instruction.heredocs}
    sources = [(w.value, w) for w in words[:-1] if w.span not in heredoc_names and not w.value.startswith("<<")]
    return sources, (words[-1].value, words[-1])


def trailing_slash_fix(raw: str, word) -> Fix | None:
    """The Unsafe fix that makes a COPY/ADD destination word a folder: a `/` at its end (inside
    its closing quote). None without a word (exec form) or when the word runs over a continuation."""
    if word is None or len(word.span) != len(raw):
        return None
    from dflint.fix import Edit, Fix

    at = word.span.end
    if raw[-1:] in ("'", '"') and len(raw) > 1:
        at -= 1
    return Fix.unsafe(f"Add a trailing `/` to `{raw}`", Edit.insert(at, "/"))


def _literal_sources(ctx: Context):
    from dflint.words import expand

    for ins in ctx.dockerfile.instructions:
        if ins.name not in ("COPY", "ADD") or ins.flag("from") is not None:
            continue
        sources, _ = source_words(ins)
        for raw, _word in sources:
            if "$" in raw or _is_remote(raw):
                continue
            value = raw if is_plain(raw, ctx.dockerfile.escape) else expand(raw, {}, ctx.dockerfile.escape).value
            if not value or contains_wildcards(value):
                continue
            rel = context_path(value)
            if rel != ".":
                yield rel


def _is_remote(source: str) -> bool:
    s = source.lower()
    return "://" in s or s.startswith("git@")


def expand_word(ctx: Context, instruction: Instruction, raw: str) -> str | None:
    """A COPY/ADD/WORKDIR word as BuildKit sees it: variables of the stage's scope substituted,
    quotes and escapes removed. None when a variable in it has no known value."""
    if is_plain(raw, ctx.dockerfile.escape):
        return raw  # nothing to substitute or remove
    from dflint.words import expand

    try:
        scope = ctx.graph.scope_at(instruction)
    except Exception:  # pragma: no cover - defensive: a graph problem must not hide the rest
        scope = {}
    exp = expand(raw, scope, ctx.dockerfile.escape)
    if not exp.resolved:
        return None
    return exp.value


def is_remote(source: str) -> bool:
    """An ADD source that is fetched, not taken from the context (a URL or a git address)."""
    return _is_remote(source)
