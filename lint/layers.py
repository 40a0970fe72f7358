"""Layers and the paths they create or delete: what the image-size and cache-order rules share.

Each RUN, COPY and ADD of a stage makes a layer. This module walks a stage (or the shipped chain
of stages) keeping what is in force at each instruction — the WORKDIR, the user's home, the
ARG/ENV scope — and reads from parsed commands which paths a layer creates or deletes:

* `copy_targets`: what a COPY/ADD puts where (a file, or a tree of files under a folder).
* `run_creations`: what a RUN leaves behind: a download (``curl -o``, ``wget -O``, ``wget URL``),
  a clone (``git clone``), a build tree (``mkdir X && cd X``), or a package manager's cache
  (``apt-get update`` → ``/var/lib/apt/lists``, ``pip install`` → ``~/.cache/pip`` …).
* `run_removals`: what a RUN deletes: ``rm`` arguments and the package managers' clean commands
  (``yum clean all``, ``npm cache clean``, ``pip cache purge``, ``apk cache clean``).
* `run_changes`: both, read in one walk over the RUN's commands.
* `covers`: whether a removal takes away (part of) a creation.

Paths are absolute and normalised. A path relative to a folder that is not known (the base
image's WORKDIR) starts with ``?/``, so two paths written relative to the same unknown folder
still compare equal. Variables are substituted from the known ARG/ENV scope; an unresolved one is
kept as written (``/tmp/$FILE``), which compares equal to the same text elsewhere.

Nothing here reads files: the build context is not looked at.
"""

from __future__ import annotations

import posixpath
from fnmatch import fnmatchcase
from functools import lru_cache

from dflint.packages import package_commands
from dflint.shell import VALUE_FLAGS, Arg, Command, Script
from dflint.source import Span, TupleRecord, field
from dflint.syntax import Instruction
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, Iterator, Mapping

    from dflint.graph import Stage
    from dflint.packages import PackageCommand
    from dflint.rule import Context

__all__ = [
    "ARCHIVE_SUFFIXES",
    "Created",
    "Removed",
    "State",
    "CopyTarget",
    "copy_sources",
    "copy_targets",
    "covers",
    "is_remote",
    "is_under",
    "join",
    "run_changes",
    "run_creations",
    "run_removals",
    "script_names",
    "stage_states",
    "url_basename",
    "walk",
]

#: The base of a path relative to a folder nobody knows (the base image's WORKDIR).
UNKNOWN = "?"

#: File names that are archives or packages (big, and unpacked or installed, then useless).
ARCHIVE_SUFFIXES = (
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ".tar.lz", ".zip", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".deb", ".rpm", ".apk",
    ".whl", ".jar", ".war", ".ear", ".run", ".bin", ".iso", ".img", ".msi", ".exe", ".cab",
    ".dmg", ".AppImage", ".gem", ".nupkg",
)  # fmt: skip
_ARCHIVE_SUFFIXES_LOWER = tuple(s.lower() for s in ARCHIVE_SUFFIXES)

# ---------------------------------------------------------------------------------------------
# paths


# (`normalize` and `is_under` are asked the same questions over and over in a file of thousands
# of RUNs, ``/var/lib/apt/lists/*`` against ``/var/lib/apt/lists`` above all: their answers are
# kept)


@lru_cache(maxsize=4096)
def normalize(path: str) -> str:
    """``posixpath.normpath`` that keeps a trailing-slash-free form and never goes above ``/``."""
    if not path:
        return path
    out = posixpath.normpath(path)
    if out.startswith("//"):
        out = "/" + out.lstrip("/")
    return out


def join(base: str | None, path: str) -> str | None:
    """`path` made absolute against `base` (a folder, ``?…`` when unknown, None: give up for a
    relative path). A path starting with an unresolved variable (``$GOPATH/src``) is kept as
    written."""
    if not path:
        return None
    if path.startswith(("/", "$")):
        return normalize(path)
    if base is None:
        return None
    return normalize(base.rstrip("/") + "/" + path)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _has_glob(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


def _plain(path: str) -> bool:
    """Whether the segments of `path` are its text between single slashes (no ``//``, no ``/``
    at the end but for ``/`` itself), so that `is_under` can compare the text."""
    return bool(path) and "//" not in path and (path[-1] != "/" or path == "/")


@lru_cache(maxsize=4096)
def is_under(path: str, ancestor: str, strict: bool = False) -> bool:
    """Whether `path` is `ancestor` or inside it (segment by segment; `ancestor` may hold globs,
    as an ``rm`` argument does)."""
    if path.startswith("/") != ancestor.startswith("/"):
        return False
    if not _has_glob(ancestor) and _plain(path) and _plain(ancestor):
        # (most paths: normalized, without a pattern: a comparison of their text)
        if ancestor == "/":
            return not strict or path != "/"
        if path.startswith(ancestor):
            rest = path[len(ancestor):]
            return rest[:1] == "/" or (not strict and not rest)
        return False
    p, a = _segments(path), _segments(ancestor)
    n = len(a)
    if n > len(p) or (strict and n == len(p)):
        return False
    if not _has_glob(ancestor):  # (most paths: no segment to match as a pattern)
        return p[:n] == a
    return all(fnmatchcase(ps, as_) if _has_glob(as_) else ps == as_ for ps, as_ in zip(p, a))


def url_basename(url: str) -> str:
    """The file name a download of `url` gets: the last path segment, without query/fragment."""
    rest = url.split("://", 1)[-1]
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    if "/" not in rest:
        return ""
    return rest.rstrip("/").rsplit("/", 1)[-1]


def is_remote(source: str) -> bool:
    """An ADD source that BuildKit fetches: an http(s) URL or a Git address."""
    low = source.lower()
    return low.startswith(("http://", "https://", "git://", "git@", "ssh://"))


def is_git_url(source: str) -> bool:
    low = source.lower()
    if low.startswith(("git://", "git@")):
        return True
    base = low.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    return base.endswith(".git")


def looks_like_archive(name: str) -> bool:
    low = name.lower()
    return low.endswith(_ARCHIVE_SUFFIXES_LOWER)


# ---------------------------------------------------------------------------------------------
# per-instruction state


class State:
    """What is in force at one instruction of a stage: the WORKDIR (absolute, ``?`` for the base
    image's unknown one, or ``?/x``), the USER as written (None: the base image's), the ARG/ENV
    `scope` and the user's `home` folder when known. The scope (and so the home) is worked out
    on first use: most instructions never need it."""

    __slots__ = ("instruction", "stage", "workdir", "user", "_scope", "_home", "_copies")

    def __init__(
        self,
        instruction: Instruction,
        stage: Stage,
        workdir: str | None,
        user: str | None,
        scope: _LazyScope | dict[str, str] | None = None,
    ) -> None:
        self.instruction = instruction
        self.stage = stage
        self.workdir = workdir
        self.user = user
        self._scope = scope if isinstance(scope, _LazyScope) else _LazyScope(None, None, scope or {})
        self._home: str | None | object = _UNKNOWN_HOME
        self._copies: list[CopyTarget] | None = None  # (see `copy_targets`)

    @property
    def scope(self) -> Mapping[str, str]:
        """The variables with a known value here (shared with the states around: read only)."""
        return self._scope.get()

    @property
    def home(self) -> str | None:
        """The user's home folder when known."""
        if self._home is _UNKNOWN_HOME:
            self._home = _user_home(self.user, self.scope)
        return self._home  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<State {self.instruction.name} line {self.instruction.line} workdir={self.workdir!r}>"

    def resolve(self, word: str, cwd: str | None = "") -> str | None:
        """A path word (variables substituted where known, ``~`` expanded) made absolute against
        `cwd` (default: the WORKDIR; None: unknown, so only an absolute path resolves)."""
        text = self.substitute(word)
        if text is None:
            return None
        if text == "~" or text.startswith("~/"):
            if self.home is None:
                return None
            text = self.home + text[1:]
        return join(self.workdir if cwd == "" else cwd, text)

    def substitute(self, word: str) -> str | None:
        """`word` with the known variables substituted; None for a command substitution."""
        if "$(" in word or "`" in word:
            return None
        if "$" not in word:
            return word
        return self._scope.substitute(word)


_UNKNOWN_HOME = object()


class _LazyScope:
    """The scope at one instruction (``graph.scope_view``), asked for once, when first needed;
    shared by the states up to the next ARG/ENV, with the words substituted in it (the same
    ``$dir`` in thousands of RUNs is expanded once)."""

    __slots__ = ("_graph", "_instruction", "_scope", "_words")

    def __init__(
        self, graph: object, instruction: Instruction | None, scope: Mapping[str, str] | None = None
    ) -> None:
        self._graph = graph
        self._instruction = instruction
        self._scope = scope
        self._words: dict[str, str] = {}

    def get(self) -> Mapping[str, str]:
        if self._scope is None:
            ins = self._instruction
            self._scope = {} if ins is None else self._graph.scope_view(ins)  # type: ignore[attr-defined]
        return self._scope

    def substitute(self, word: str) -> str:
        """`word` (with a ``$``, no command substitution) with the known variables substituted;
        as written when one is not known."""
        found = self._words.get(word)
        if found is None:
            exp = expand(word, self.get())
            if exp.error or exp.unresolved:
                found = word  # kept as written: compares equal to the same text elsewhere
            else:
                found = exp.value
            self._words[word] = found
        return found


def _user_home(user: str | None, scope: Mapping[str, str]) -> str | None:
    if "HOME" in scope:
        return scope["HOME"]
    if user is None:
        return "/root"  # base images run as root unless they say otherwise (an assumption)
    name = user.split(":", 1)[0]
    if name in ("root", "0"):
        return "/root"
    return None


def stage_states(ctx: Context, stage: Stage, _seen: frozenset[int] = frozenset()) -> list[State]:
    """The `State` at each instruction of `stage` (its FROM first). A stage built on another
    stage starts from that stage's final WORKDIR and USER. Computed once per file and stage
    (the list is shared: do not modify it)."""
    if _seen:
        return _stage_states(ctx, stage, _seen)
    memo = ctx.memo
    key = (stage_states, stage.index)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _stage_states(ctx, stage, _seen)
    return found  # type: ignore[return-value]


def _stage_states(ctx: Context, stage: Stage, _seen: frozenset[int]) -> list[State]:
    graph = ctx.graph
    workdir: str | None
    user: str | None = None
    if stage.base_stage is not None and stage.base_stage < stage.index and stage.base_stage not in _seen:
        base_states = stage_states(ctx, graph.stages[stage.base_stage], _seen | {stage.index})
        last = base_states[-1]
        workdir, user = last.workdir, last.user
        # the workdir after the base's last instruction
        if last.instruction.name == "WORKDIR":
            workdir = _next_workdir(last)
        if last.instruction.name == "USER":
            user = _user_word(last.instruction)
    elif stage.is_scratch:
        workdir = "/"
    else:
        workdir = UNKNOWN
    states: list[State] = []
    scopes = _scopes(ctx, stage)
    for ins, scope in zip(stage.instructions, scopes):
        state = State(ins, stage, workdir, user, scope)
        states.append(state)
        if ins.name == "WORKDIR":
            workdir = _next_workdir(state)
        elif ins.name == "USER":
            user = _user_word(ins)
    return states


def _scopes(ctx: Context, stage: Stage) -> list[_LazyScope]:
    """The scope in force at each instruction: the one just before the last RUN, COPY, ADD,
    WORKDIR, USER or FROM up to it (ARG/ENV changes count from the next of those)."""
    graph = ctx.graph
    out: list[_LazyScope] = []
    scope = _LazyScope(graph, None)
    changed = True  # an ARG or ENV since `scope` was made (or none made yet)
    for ins in stage.instructions:
        if _needs_scope(ins) and changed:
            scope = _LazyScope(graph, ins)
            changed = False
        elif ins.name in ("ARG", "ENV"):
            # (only these change the scope: the instructions up to the next one that needs a
            # scope share it, so that a file of thousands of RUNs copies it once per change)
            changed = True
        out.append(scope)
    return out


def _needs_scope(ins: Instruction) -> bool:
    return ins.name in ("RUN", "COPY", "ADD", "WORKDIR", "USER", "FROM")


def _user_word(ins: Instruction) -> str | None:
    words = ins.words
    return words[0].value if words else None


def _next_workdir(state: State) -> str | None:
    ins = state.instruction
    text = ins.args.strip()
    if not text:
        return state.workdir
    value = state.substitute(text)
    if value is None:
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    if value.startswith("$"):
        return normalize(value)  # unresolved (WORKDIR $GOPATH/src): kept as written
    return join(state.workdir, value)


# ---------------------------------------------------------------------------------------------
# COPY / ADD


class CopyTarget(TupleRecord):
    """Where one source of a COPY/ADD lands: `path` is the file, or with `tree` the folder the
    source's files are put under (a folder source, a glob, a Git repository)."""

    __slots__ = ()
    _fields = ("path", "tree", "source", "remote")

    path: str = field(0)  # type: ignore[assignment]
    tree: bool = field(1)  # type: ignore[assignment]
    source: str = field(2)  # type: ignore[assignment]
    remote: bool = field(3)  # type: ignore[assignment]

    def __new__(cls, path: str, tree: bool, source: str, remote: bool = False) -> CopyTarget:
        return tuple.__new__(cls, (path, tree, source, remote))


def copy_sources(ins: Instruction) -> tuple[list[tuple[str, Span | None]], tuple[str, Span] | None]:
    """The sources (each with its span when known) and the destination of a COPY/ADD."""
    json = ins.json
    if json is not None:
        if len(json) < 2:
            return [], None
        return [(s, None) for s in json[:-1]], (json[-1], ins.args_span)
    words = ins.words
    if len(words) < 2:
        return [], None
    return [(w.value, w.span) for w in words[:-1]], (words[-1].value, words[-1].span)


def copy_targets(state: State) -> list[CopyTarget]:
    """What the COPY/ADD at `state` creates, source by source (heredoc sources included).
    Worked out once per state (the list is shared: do not modify it)."""
    found = state._copies
    if found is None:
        found = state._copies = _copy_targets(state)
    return found


def _copy_targets(state: State) -> list[CopyTarget]:
    ins = state.instruction
    sources, dest = copy_sources(ins)
    if dest is None:
        return []
    dest_text = state.substitute(_unquote(dest[0]))
    if dest_text is None:
        return []
    dest_is_dir = dest_text.endswith("/") or dest_text in (".", "..") or dest_text.endswith("/.")
    several = len(sources) > 1
    base = join(state.workdir, dest_text) if dest_text not in ("", ".") else state.workdir
    if base is None:
        return []
    out: list[CopyTarget] = []
    for raw, _span in sources:
        src = _unquote(raw)
        if src.startswith("<<"):
            name = src.lstrip("<-").strip("\"'")
            path = join(base, name) if (dest_is_dir or several) else base
            out.append(CopyTarget(path or base, False, src))
            continue
        remote = is_remote(src) and ins.name == "ADD"
        if remote:
            if is_git_url(src):
                out.append(CopyTarget(base, True, src, True))
            else:
                name = url_basename(state.substitute(src) or src)
                if (dest_is_dir or several) and name:
                    out.append(CopyTarget(join(base, name) or base, False, src, True))
                else:
                    out.append(CopyTarget(base, False, src, True))
            continue
        name = posixpath.basename(src.rstrip("/"))
        # a name with an extension is a file; so is a glob shaped like one (*.json, app-*.jar)
        stem = "".join(c for c in name if c not in "*?[]")
        file_like = (
            not src.endswith("/")
            and name not in ("", ".", "..")
            and "." in stem.lstrip(".")
            and not stem.endswith(".")
        )
        if file_like and (dest_is_dir or several):
            out.append(CopyTarget(join(base, name) or base, False, src))
        elif file_like:
            out.append(CopyTarget(base, False, src))
        else:
            out.append(CopyTarget(base, True, src))
    return out


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


# ---------------------------------------------------------------------------------------------
# RUN: created and removed paths


class Created(TupleRecord):
    """A path a layer leaves behind. `tree`: a folder whose content was written (a clone, a
    build tree, a cache); `cache`: a package manager's cache (nothing else writes there).
    `span` is worked out when first read (a finding needs it; most records never make one): the
    record may hold what it comes from (an argument, a command) in its place, so compare records
    by their fields, not as tuples."""

    __slots__ = ()
    _fields = ("path", "kind", "what", "instruction", "span", "tree", "cache")

    path: str = field(0)  # type: ignore[assignment]
    kind: str = field(1)  # type: ignore[assignment]  # "download", "clone", "build tree", "copy", "cache"
    what: str = field(2)  # type: ignore[assignment]  # for messages: "curl", "git clone", "apt-get update", "COPY" …
    instruction: Instruction = field(3)  # type: ignore[assignment]
    tree: bool = field(5)  # type: ignore[assignment]
    cache: bool = field(6)  # type: ignore[assignment]

    def __new__(
        cls, path: str, kind: str, what: str, instruction: Instruction, span: Span | _Where, tree: bool = False,
        cache: bool = False,
    ) -> Created:
        return tuple.__new__(cls, (path, kind, what, instruction, span, tree, cache))

    @property
    def span(self) -> Span:
        return _span_of(self[4])


class Removed(TupleRecord):
    """A path a RUN deletes (`path` may hold globs, as an ``rm`` argument does). `span` is
    worked out when first read, as in `Created`."""

    __slots__ = ()
    _fields = ("path", "what", "instruction", "span", "arg", "clean_start")

    path: str = field(0)  # type: ignore[assignment]
    what: str = field(1)  # type: ignore[assignment]  # "rm", "yum clean all" …
    instruction: Instruction = field(2)  # type: ignore[assignment]
    arg: Arg | None = field(4)  # type: ignore[assignment]
    # nothing before it in its RUN writes files: what it deletes existed before this RUN
    clean_start: bool = field(5)  # type: ignore[assignment]

    def __new__(
        cls, path: str, what: str, instruction: Instruction, span: Span | _Where, arg: Arg | None = None,
        clean_start: bool = False,
    ) -> Removed:
        return tuple.__new__(cls, (path, what, instruction, span, arg, clean_start))

    @property
    def span(self) -> Span:
        return _span_of(self[3])


#: What a record's span is read from when it is needed: a `Span`, or anything with a `span`
#: (an `Arg`, a `Command`, a `_ValueSpan`).
_Where = object


def _span_of(where: Span | _Where) -> Span:
    return where if where.__class__ is Span else where.span  # type: ignore[attr-defined]


def covers(removed: Removed | str, created: Created) -> bool:
    """Whether deleting `removed` deletes (part of) `created`: the same path or a folder holding
    it; or a path inside a created tree — always for a cache or a ``.git`` folder, otherwise only
    when nothing before the deletion in its RUN wrote files (so the path was there before)."""
    rpath = removed.path if isinstance(removed, Removed) else removed
    if is_under(created.path, rpath):
        return True
    if created.tree and is_under(rpath, created.path, strict=True):
        if created.cache:
            return True
        rest = _segments(rpath)[len(_segments(created.path))]
        if rest == ".git":
            return True
        # a path inside a clone, an unpacked archive or a copied folder: only when the RUN that
        # deletes it wrote nothing before (else it may have made that path itself)
        return isinstance(removed, Removed) and removed.clean_start
    return False


class PathIndex:
    """Items keyed by a path, in the order they were added, in a tree of path segments:
    `candidates(path)` gives, in that order, every item whose path may be under `path` or hold
    it (`is_under` either way), without looking at the others: the items at each folder on the
    way down to `path`, and every item at or under `path`. Checking every item against every
    query was quadratic in a file of thousands of RUNs, and so was checking every item under
    the same first folder (thousands of downloads to ``/tmp``). An item path with no segment
    (``/``) or a glob in a segment is a candidate for every query; a query with no segment gets
    every item, and one with a glob in a segment every item from that folder down."""

    __slots__ = ("_items", "_roots", "_wild", "_next")

    def __init__(self) -> None:
        self._items: dict[int, tuple[str, object, list | None]] = {}  # number → (path, item, node)
        # per kind of path (absolute or not), a tree: node = [children by segment, {number: None}]
        self._roots: dict[bool, list] = {}
        self._wild: dict[int, None] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._items)

    def add(self, path: str, item: object) -> int:
        """Add `item` under `path`; its number (for `discard`)."""
        n = self._next
        self._next += 1
        segs = _segments(path)
        if not segs or any(_has_glob(seg) for seg in segs):
            self._items[n] = (path, item, None)
            self._wild[n] = None
            return n
        node = self._roots.get(path.startswith("/"))
        if node is None:
            node = self._roots[path.startswith("/")] = [{}, {}]
        for seg in segs:
            child = node[0].get(seg)
            if child is None:
                child = node[0][seg] = [{}, {}]
            node = child
        node[1][n] = None
        self._items[n] = (path, item, node)
        return n

    def candidates(self, path: str) -> list[tuple[int, object]]:
        """(number, item) of every item whose path may be under `path` or hold it, in order."""
        items = self._items
        segs = _segments(path)
        if not segs:
            return [(n, v[1]) for n, v in items.items()]
        found: list[int] = list(self._wild)
        node = self._roots.get(path.startswith("/"))
        if node is not None:
            for seg in segs:
                if _has_glob(seg):
                    _subtree(node, found)  # everything from this folder down
                    break
                found.extend(node[1])  # items at a folder that holds `path`
                node = node[0].get(seg)
                if node is None:
                    break
            else:
                _subtree(node, found)  # the items at `path` and under it
        found.sort()
        return [(n, items[n][1]) for n in found]

    def discard(self, n: int) -> None:
        entry = self._items.pop(n, None)
        if entry is None:
            return
        node = entry[2]
        if node is None:
            self._wild.pop(n, None)
        else:
            node[1].pop(n, None)


def _subtree(node: list, out: list[int]) -> None:
    """Add the numbers of the items at `node` and below it to `out`."""
    stack = [node]
    while stack:
        children, here = stack.pop()
        out.extend(here)
        stack.extend(children.values())


class LiveSet(PathIndex):
    """The created paths a later deletion may hit (`DF202`), in the order they were created,
    indexed by path (`PathIndex`)."""

    __slots__ = ()

    def extend(self, created: Iterable[Created]) -> None:
        for c in created:
            self.add(c.path, c)

    def hits(self, removed: Removed) -> list[tuple[int, Created]]:
        """The live paths `covers(removed, path)` holds for, in creation order, with their
        numbers (for `discard`)."""
        return [(n, c) for n, c in self.candidates(removed.path) if covers(removed, c)]  # type: ignore[arg-type]


_CURL_REMOTE_NAME = ("-O", "--remote-name", "--remote-name-all")

#: Commands that write no files: a deletion after only these deletes what was there before.
_HARMLESS = frozenset(
    "cd pushd popd echo printf true false : set export unset ls pwd test [ which command type "
    "sleep id whoami env".split()
)


def script_names(script: Script) -> frozenset[str]:
    """The basenames of the commands of `script` (unwrapped: ``sudo rm`` counts as ``rm``),
    computed once per script: a question about a few commands passes over a script that runs
    none of them (most scripts) without looking at its commands."""
    names = script.memo.get(script_names)
    if names is None:
        names = script.memo[script_names] = frozenset([c.unwrapped().basename for c in script.commands])
    return names  # type: ignore[return-value]


def walk(script: Script, state: State) -> Iterator[tuple[Command, Command, str | None]]:
    """Each command (as written, and unwrapped) with the working directory it runs in; ``cd``
    with a known folder moves it (a dynamic one makes it unknown)."""
    cwd = state.workdir
    for cmd in script.commands:
        if cmd.substitution:
            continue
        inner = cmd.unwrapped()
        yield cmd, inner, cwd
        if inner.basename in _MOVES:
            cwd = _moved(inner, state, cwd)


#: The commands after which `walk` has another working directory.
_MOVES = frozenset(("cd", "pushd", "popd"))


def _moved(cmd: Command, state: State, cwd: str | None) -> str | None:
    """The working directory after `cmd` (a cd, pushd or popd) run in `cwd`."""
    if cmd.basename == "popd":
        return None
    pos = [a for a in cmd.args if not a.value.startswith("-") or a.value == "-"]
    if not pos:
        return state.home
    if pos[0].value == "-":
        return None
    return state.resolve(pos[0].value, cwd)


def _mount_targets(ins: Instruction, state: State) -> list[str]:
    out = []
    for flag in ins.flag_all("mount"):
        opts = flag.options()
        target = opts.get("target") or opts.get("dst") or opts.get("destination")
        if target:
            path = state.resolve(target)
            if path:
                out.append(path)
    return out


def run_creations(script: Script, state: State) -> list[Created]:
    """What the RUN at `state` writes and leaves for later layers (before its own removals are
    taken into account; see `live_creations`)."""
    return run_changes(script, state)[0]


def run_removals(script: Script, state: State) -> list[Removed]:
    """What the RUN at `state` deletes: every ``rm`` argument (made absolute; a relative one
    where the folder is unknown is skipped), and the package managers' clean commands."""
    return run_changes(script, state)[1]


def run_changes(script: Script, state: State) -> tuple[list[Created], list[Removed]]:
    """`run_creations` and `run_removals` of the RUN at `state`, read in one walk over its
    commands (none in a script that runs no command either looks at: most scripts)."""
    # (`Script.names`, made once per script for every rule, holds the names of the commands and
    # of the wrappers around them: a command named below is in it)
    names = script.names
    # (a mkdir only counts when a cd or pushd goes into what it made)
    creates = not names.isdisjoint(_CREATORS_BUT_MKDIR) or ("mkdir" in names and not names.isdisjoint(_CHANGES_DIR))
    removes = not names.isdisjoint(_REMOVERS)
    packages = package_commands(script)
    if not (creates or removes or packages):
        return [], []  # (most RUNs)
    ins = state.instruction
    out: list[Created] = []
    removed: list[Removed] = []
    made_dirs: dict[str, Arg] = {}
    changes_dir: bool | None = None  # whether the script runs cd or pushd (asked at a mkdir)
    clean = True  # no command so far writes files (see `Removed.clean_start`)

    def add(path: str | None, kind: str, what: str, where: Span | _Where, tree: bool = False, cache: bool = False) -> None:
        if path and path not in ("/", UNKNOWN) and not path.startswith("/dev/") and path != "/dev":
            out.append(Created(path, kind, what, ins, where, tree, cache))

    cwd = state.workdir
    # (`walk`, written out: the generator cost more than the work in most scripts)
    for cmd in script.commands if creates or removes else ():
        if cmd.substitution:
            continue
        inner = cmd.unwrapped()
        name = inner.basename
        if name in _MOVES:
            before = cwd
            cwd = _moved(inner, state, cwd)
            if made_dirs and name != "popd":
                # a cd into a folder the script made: a build tree
                pos = [a for a in inner.args if not a.value.startswith("-")]
                if pos:
                    p = state.resolve(pos[0].value, before)
                    if p in made_dirs:
                        add(p, "build tree", "mkdir and cd", made_dirs[p], tree=True)
            continue
        if removes:
            if name in _REMOVERS:
                for a in _operands(inner):
                    path = state.resolve(a.value, cwd) if a.value else None
                    if path and path != "/":
                        removed.append(Removed(path, "rm", ins, a, a, clean))
                continue
            if name not in _HARMLESS:
                clean = False
        if not creates or name not in _CREATORS:
            continue
        if name == "curl":
            _curl(inner, state, cwd, add)
        elif name == "wget":
            _wget(inner, state, cwd, add)
        elif name == "git" and inner.subcommand == "clone":
            pos = inner.positional
            if len(pos) >= 2:
                url = pos[1].value
                target = pos[2].value if len(pos) >= 3 else url_basename(url.rstrip("/")).removesuffix(".git")
                if target:
                    add(state.resolve(target, cwd), "clone", "git clone",
                        pos[2] if len(pos) >= 3 else pos[1], tree=True)
        elif name == "mkdir":
            if changes_dir is None:
                changes_dir = not names.isdisjoint(_CHANGES_DIR)
            if not changes_dir:
                continue  # (what it makes only counts when a cd goes into it)
            for a in inner.positional:
                p = state.resolve(a.value, cwd)
                if p:
                    made_dirs[p] = a
        elif name == "tar" and _tar_extracts(inner):
            target = _option(inner, "-C", "--directory")
            p = _dir_of(state, target, cwd)
            if p and p not in SYSTEM_DIRS:
                add(p, "unpacked", "tar", inner.name_arg, tree=True)
        elif name in ("unzip", "bsdtar", "7z", "7za"):
            if name == "unzip":
                target = inner.option("-d", takes_value=("-d", "-x", "-P"))
            else:
                target = _option(inner, "-C", "--directory") if name == "bsdtar" else None
            p = _dir_of(state, target, cwd)
            if p and p not in SYSTEM_DIRS:
                add(p, "unpacked", name, inner.name_arg, tree=True)
        # a redirect of a download to a file: curl URL > file
        if name in ("curl", "wget"):
            for r in cmd.redirects:
                if r.op in (">", ">>", "&>") and r.target is not None and r.fd in (None, 1):
                    add(state.resolve(r.target.value, cwd), "download", name, r.target)
    for pc in packages:
        tool, manager, action = pc.tool, pc.manager, pc.action
        if manager not in _CACHES or (manager == "apt" and action != "update"):
            continue  # (nothing to read in it: apt-get install, most of them)
        # what it creates
        if manager == "apt" and action == "update":
            add("/var/lib/apt/lists", "cache", f"{tool} update", pc.command, tree=True, cache=True)
        elif manager == "apk" and action in ("install", "update", "upgrade"):
            if action == "update" or not pc.has_flag("--no-cache"):
                add("/var/cache/apk", "cache", f"apk {pc.subcommand}", pc.command, tree=True, cache=True)
        elif manager in ("yum", "dnf") and action in ("install", "update", "upgrade"):
            folder = "/var/cache/dnf" if tool == "dnf" else "/var/cache/yum"
            add(folder, "cache", f"{tool} {pc.subcommand}", pc.command, tree=True, cache=True)
        elif manager == "pip" and action == "install":
            if not pc.has_flag("--no-cache-dir") and state.home and not _env_set(state, "PIP_NO_CACHE_DIR"):
                add(state.home + "/.cache/pip", "cache", "pip install", pc.command, tree=True, cache=True)
        elif manager == "npm" and action == "install":
            if not _has_cache_flag(pc) and state.home and not _env_set(state, "npm_config_cache", "NPM_CONFIG_CACHE"):
                add(state.home + "/.npm", "cache", f"npm {pc.subcommand}", pc.command, tree=True, cache=True)
        # what it deletes
        if manager in ("yum", "dnf") and action == "clean":
            for folder in ("/var/cache/yum", "/var/cache/dnf"):
                removed.append(Removed(folder, f"{tool} clean", ins, pc.command))
        elif manager == "apk" and action == "clean":
            removed.append(Removed("/var/cache/apk", "apk cache clean", ins, pc.command))
        elif manager == "npm" and pc.subcommand == "cache":
            rest = [a.value for a in pc.command.positional[1:]]
            if rest[:1] in (["clean"], ["clear"], ["rm"]) and state.home:
                removed.append(Removed(state.home + "/.npm", "npm cache clean", ins, pc.command))
        elif manager == "pip" and pc.subcommand == "cache":
            rest = [a.value for a in pc.command.positional[1:]]
            if rest[:1] in (["purge"], ["remove"]) and state.home:
                removed.append(Removed(state.home + "/.cache/pip", "pip cache purge", ins, pc.command))
    mounts = _mount_targets(ins, state) if out and ins.flags else ()
    if mounts:
        out = [c for c in out if not any(is_under(c.path, m) for m in mounts)]
    return out, removed


#: The commands `run_creations` reads (``cd``/``pushd`` only count after a ``mkdir``).
_CREATORS = frozenset(("curl", "wget", "git", "mkdir", "tar", "unzip", "bsdtar", "7z", "7za"))

_CREATORS_BUT_MKDIR = _CREATORS - {"mkdir"}

_CHANGES_DIR = frozenset(("cd", "pushd"))

#: The package managers whose cache `run_changes` follows.
_CACHES = frozenset(("apt", "apk", "yum", "dnf", "pip", "npm"))

#: Folders an archive may be unpacked into that hold much more than it: a tree rooted there
#: would claim whatever is deleted in them.
SYSTEM_DIRS = frozenset(
    "/ /usr /usr/local /usr/lib /usr/share /usr/bin /usr/sbin /usr/include /usr/src /etc /var "
    "/var/lib /var/cache /opt /lib /lib64 /bin /sbin /root /home /srv /run /sys /proc ? ?/.".split()
)


def _tar_extracts(cmd: Command) -> bool:
    words = [a.value for a in cmd.args]
    if any(w in ("-x", "--extract", "--get") for w in words):
        return True
    if words and not words[0].startswith("-") and "x" in words[0]:  # tar xzf (old style)
        return True
    return any(w.startswith("-") and not w.startswith("--") and "x" in w[1:] for w in words)


def _option(cmd: Command, *names: str) -> str | None:
    """`cmd.option(*names)`, read from the command's default scan (made once, shared with the
    other rules) when `names` already take a value in it: the scan is then the same."""
    default = VALUE_FLAGS.get(cmd.basename)
    if default is None or not default.issuperset(names):
        return cmd.option(*names)
    value = None
    for flag, v, _ in cmd.flag_items():
        if v is not None and flag in names:
            value = v
    return value


def _dir_of(state: State, target: str | None, cwd: str | None) -> str | None:
    return state.resolve(target, cwd) if target else cwd


def _has_cache_flag(pc: PackageCommand) -> bool:
    """``pc.has_flag("--cache")`` of an npm command, without scanning the options of one that
    has no word starting so (most of them)."""
    return any(a.value.startswith("--cache") for a in pc.command.args) and pc.has_flag("--cache")


def _env_set(state: State, *names: str) -> bool:
    return any(n in state.scope for n in names)


def _curl(cmd: Command, state: State, cwd: str | None, add) -> None:  # type: ignore[no-untyped-def]
    if not any(a.value[:1] == "-" and ("o" in a.value or "O" in a.value) for a in cmd.args):
        return  # (no word that can hold -o, -O, --output or --remote-name: ``curl -fsSL URL | sh``)
    outdir = _option(cmd, "--output-dir")
    remote_name = False  # (``cmd.has_flag(*_CURL_REMOTE_NAME)``, read in the same pass)
    for f, value, arg in cmd.flag_items():
        if f in ("-o", "--output") and value and value != "-":
            base = state.resolve(outdir, cwd) if outdir else cwd
            add(state.resolve(value, base), "download", "curl", _ValueSpan(cmd, arg, value))
        elif f in _CURL_REMOTE_NAME:
            remote_name = True
    if remote_name:
        base = state.resolve(outdir, cwd) if outdir else cwd
        if base is not None:
            for u in [a for a in cmd.positional if "://" in a.value]:
                name = url_basename(u.value)
                if name:
                    add(join(base, name), "download", "curl -O", u)


def _wget(cmd: Command, state: State, cwd: str | None, add) -> None:  # type: ignore[no-untyped-def]
    outs = [(v, a) for f, v, a in cmd.flag_items() if f in ("-O", "--output-document") and v]
    if outs:
        for value, arg in outs:
            if value != "-":
                add(state.resolve(value, cwd), "download", "wget", _ValueSpan(cmd, arg, value))
        return
    if cmd.has_flag("--spider", "-r", "--recursive", "-m", "--mirror"):
        return
    prefix = _option(cmd, "-P", "--directory-prefix")
    base = state.resolve(prefix, cwd) if prefix else cwd
    if base is None:
        return
    for a in cmd.positional:
        if "://" in a.value:
            name = url_basename(a.value)
            if name:
                add(join(base, name), "download", "wget", a)


class _ValueSpan:
    """The span of an option's value (`_value_span`), worked out when a finding needs it."""

    __slots__ = ("_args",)

    def __init__(self, cmd: Command, flag_arg: Arg, value: str) -> None:
        self._args = (cmd, flag_arg, value)

    @property
    def span(self) -> Span:
        return _value_span(*self._args)


def _value_span(cmd: Command, flag_arg: Arg, value: str) -> Span:
    """The span of an option's value: the next word when the flag stands alone (``-o X``)."""
    args = cmd.args
    for i, a in enumerate(args):
        if a is flag_arg or a == flag_arg:
            if a.value.endswith(value) and len(a.value) > len(value):
                return a.span
            if i + 1 < len(args):
                return args[i + 1].span
            return a.span
    return flag_arg.span


_REMOVERS = frozenset(("rm", "rmdir"))


def _operands(cmd: Command) -> list[Arg]:
    """``cmd.positional`` of an ``rm`` or ``rmdir``: neither has an option that takes a value,
    so these are the words that are not options, and every word after ``--`` (the same as the
    default scan, without the flags it also makes: no rule asks for those)."""
    out = []
    args = cmd.args
    for i, a in enumerate(args):
        v = a.value
        if v[:1] != "-" or v == "-":
            out.append(a)
        elif v == "--":
            out.extend(args[i + 1 :])
            break
    return out


def live_creations(created: Iterable[Created], removed: Iterable[Removed]) -> list[Created]:
    """The creations of one layer that its own removals do not take away."""
    removed = list(removed)
    if not removed:
        return list(created)
    return [c for c in created if not any(covers(r, c) for r in removed)]
