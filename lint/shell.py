"""The shell layer: RUN bodies as parsed commands and arguments, each with an exact file span.

Shell code is parsed with tree-sitter-bash, lazily (``tree_sitter`` is imported on the first parse,
never when this module is imported) and once per instruction (`dflint.rule.Context.script` caches
`script_of`); simple commands joined by ``&&``, ``||``, ``|``, ``;`` and newlines alone, of plain
words, quoted words, ``$NAME`` and ``$(plain command)``, with ``NAME=value`` prefixes (``apt-get
update && apt-get install -y curl``, ``CGO_ENABLED=0 go build``, ``make -j"$(nproc)"``: three RUNs
in four) are split without it, into the same commands, pipelines and chains
(`_Builder.plain_chain`).
Every position in the parse maps back to an offset in the Dockerfile through the ``to_file``
function given to `parse_script`, so a finding can point at the exact argument.

A `Script` holds one or more `Piece`s: the RUN line (shell form, line continuations already
joined) and the heredoc bodies that a shell runs (``RUN <<EOF``, ``RUN bash <<EOF``,
``RUN cat <<EOF | sh``). Its helpers (`Script.commands`, `find`, `pipelines`, `and_chains`…) cover
all pieces. Rules decide on these parsed commands, never on regular expressions over RUN text:
``echo "apt-get install foo"`` installs nothing, and neither does a comment.

Quick reference::

    script = ctx.script(instruction)            # None: exec form or a non-POSIX SHELL
    for cmd in script.find("apt-get", "install"):   # also sudo-wrapped, /usr/bin/apt-get
        if not cmd.has_flag("-y", "--yes", "--assume-yes"): ...
        for pkg in cmd.positional[1:]: pkg.value, pkg.span, pkg.static
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left

from dflint.source import LazyPattern, Record, Span
from dflint.syntax import Comment

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

    from dflint.syntax import Dockerfile, Heredoc, Instruction, Logical

__all__ = [
    "Arg",
    "Assignment",
    "Command",
    "DEFAULT_SHELL",
    "POSIX_SHELLS",
    "VALUE_FLAGS",
    "WRAPPERS",
    "Piece",
    "Pipeline",
    "Redirect",
    "Script",
    "ShellError",
    "WINDOWS_SHELL",
    "basename",
    "is_posix_shell",
    "is_windows_image",
    "parse_script",
    "script_of",
    "shell_options",
    "stage_shell",
]

DEFAULT_SHELL: tuple[str, ...] = ("/bin/sh", "-c")
WINDOWS_SHELL: tuple[str, ...] = ("cmd", "/S", "/C")

#: Basenames of POSIX-compatible shells (tree-sitter-bash parses their scripts well enough).
POSIX_SHELLS = frozenset(
    "sh bash ash dash zsh ksh ksh93 mksh pdksh oksh lksh yash posh hush".split()
)

# ---------------------------------------------------------------------------------------------
# tree-sitter, loaded on first use


_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        binding = _binding("tree_sitter")
        if binding is None:
            import tree_sitter as binding
        _PARSER = binding.Parser(binding.Language(_bash_language()))
    return _PARSER


def _bash_language() -> Any:
    """tree-sitter-bash's language pointer, from its compiled binding loaded on its own: the
    package's ``__init__`` imports importlib.resources (~17-40 ms of cold start) for a query file we
    do not use. Falls back to the package when the binding is not where it is expected."""
    binding = _binding("tree_sitter_bash")
    if binding is not None:
        return binding.language()
    import tree_sitter_bash

    return tree_sitter_bash.language()


def _binding(package: str) -> Any:
    """The compiled ``_binding`` module of `package`, loaded without the package's ``__init__``
    (tree_sitter's imports typing, ~3 ms of cold start, for one Protocol), or None when it is not
    where it is expected or does not load."""
    import os

    try:
        from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec, PathFinder

        spec = PathFinder.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            for folder in spec.submodule_search_locations:
                for suffix in EXTENSION_SUFFIXES:
                    path = os.path.join(folder, "_binding" + suffix)
                    if os.path.isfile(path):
                        loader = ExtensionFileLoader(f"{package}._binding", path)
                        binding = loader.create_module(ModuleSpec(loader.name, loader, origin=path))
                        loader.exec_module(binding)
                        return binding
    except Exception:  # noqa: BLE001 - any surprise: the caller imports the package
        pass
    return None


# ---------------------------------------------------------------------------------------------
# value types


class Arg:
    """One shell word. `value` has quotes and backslash escapes removed where the word is static;
    expansions (``$X``, ``$(…)``, ``$((…))``, ``{a,b}``) stay as written and make `static` False.
    Globs (``*.deb``) and ``~`` are kept as written and count as static. `span` is the word's
    exact file span (computed on first use). Read-only."""

    __slots__ = ("value", "raw", "static", "_start", "_end", "_piece", "_span")

    def __init__(
        self,
        value: str,
        raw: str,
        span: Span | None = None,
        static: bool = True,
        _start: int = -1,
        _end: int = -1,
        _piece: Piece | None = None,
    ) -> None:
        self.value = value
        self.raw = raw
        self.static = static
        self._start = _start  # index range in its piece's text
        self._end = _end
        self._piece = _piece
        self._span = span

    @property
    def span(self) -> Span:
        if self._span is None:
            assert self._piece is not None
            self._span = self._piece.span(self._start, self._end)
        return self._span

    def _key(self) -> tuple[str, str, Span, bool]:
        return (self.value, self.raw, self.span, self.static)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Arg) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Arg(value={self.value!r}, raw={self.raw!r}, span={self.span!r}, static={self.static})"

    def __str__(self) -> str:
        return self.value


class Assignment(Record):
    """``NAME=value`` (a command prefix, an ``env`` argument, or a statement of its own)."""

    __slots__ = ("name", "value", "raw", "span", "static")
    _fields = __slots__

    name: str
    value: str  # unquoted as `Arg.value`
    raw: str
    span: Span
    static: bool

    def __init__(self, name: str, value: str, raw: str, span: Span, static: bool) -> None:
        self.name = name
        self.value = value
        self.raw = raw
        self.span = span
        self.static = static


class Redirect(Record):
    """A redirection. For one of the instruction's heredocs (``RUN bash <<EOF``), `op` is ``<<``
    (or ``<<-``) and `heredoc` is the Dockerfile heredoc; `target` is then its delimiter word."""

    __slots__ = ("op", "fd", "target", "span", "heredoc")
    _fields = __slots__

    op: str  # ">", ">>", "<", "&>", ">&", "<<", "<<-", "<<<", …
    fd: int | None
    target: Arg | None
    span: Span
    heredoc: Heredoc | None

    def __init__(
        self, op: str, fd: int | None, target: Arg | None, span: Span, heredoc: Heredoc | None = None
    ) -> None:
        self.op = op
        self.fd = fd
        self.target = target
        self.span = span
        self.heredoc = heredoc


class ShellError(Record):
    """Something tree-sitter could not parse (an ERROR node) or expected and did not find."""

    __slots__ = ("message", "span")
    _fields = __slots__

    message: str
    span: Span

    def __init__(self, message: str, span: Span) -> None:
        self.message = message
        self.span = span


class Piece:
    """One parsed piece of shell code: the RUN line, or a heredoc body run by a shell.

    `kind` is "line" or "heredoc"; `text` the code as written (the RUN arguments, or the heredoc
    body); `to_file` maps an index in `text` to a file offset; `shell` the shell that runs it
    (the stage's SHELL, or e.g. ``("bash",)`` for ``bash <<EOF``)."""

    kind: str
    text: str
    to_file: Callable[[int], int]
    shell: tuple[str, ...]
    heredoc: Heredoc | None

    def __init__(
        self,
        kind: str,
        text: str,
        to_file: Callable[[int], int],
        shell: tuple[str, ...],
        heredoc: Heredoc | None = None,
    ) -> None:
        self.kind = kind
        self.text = text
        self.to_file = to_file
        self.shell = shell
        self.heredoc = heredoc
        #: When `to_file(i)` is ``logical.to_file(base + i)`` (a RUN line): `logical` and `base`,
        #: for `span` to ask the logical line at once (spans are asked for hundreds of thousands
        #: of times on a big file).
        self._logical: Logical | None = None
        self._base = 0

    def __repr__(self) -> str:
        return f"<Piece {self.kind} {self.text[:40]!r}>"

    def span(self, start: int, end: int) -> Span:
        """File span of ``text[start:end]``."""
        logical = self._logical
        if logical is not None:  # (`Logical.span` gives what the code below gives)
            base = self._base
            return logical.span(base + start, base + end)
        first = self.to_file(start)
        if end <= start:
            return Span(first, first)
        return Span(first, self.to_file(end - 1) + 1)


# ---------------------------------------------------------------------------------------------
# flags and wrappers

#: Options that take a value (as the next word or glued: ``-o X``, ``-oX``, ``--opt X``), per
#: tool basename. Used by `Command.positional` / `subcommand` / `flags` when not told otherwise.
VALUE_FLAGS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "apt-get": "-o -c -t --option --config-file --target-release --default-release",
        "apk": "-X -p -t --repository --root --cache-dir --keys-dir --repositories-file "
        "--virtual --arch",
        "pip": "-r -c -e -i -f -t --requirement --constraint --editable --index-url "
        "--extra-index-url --find-links --target --prefix --root --cache-dir --src --platform "
        "--python-version --implementation --abi --progress-bar --trusted-host --log --proxy "
        "--retries --timeout --exists-action --cert --client-cert --no-binary --only-binary "
        "--upgrade-strategy --global-option --install-option --config-settings -C",
        "dnf": "-c -x --config --installroot --releasever --enablerepo --disablerepo --exclude "
        "--repo --repoid --setopt",
        "zypper": "-r --repo -t --type --root",
        "curl": "-o -H -d -X -u -A -e -b -c -T -F -m -w -x -E -r -z -K --output --header --data "
        "--data-raw --data-binary --request --user --user-agent --referer --cookie --cookie-jar "
        "--upload-file --form --max-time --retry --retry-delay --connect-timeout --write-out "
        "--proxy --cacert --cert --key --range --config --url --output-dir --proto "
        "--proto-redir",
        "wget": "-O -o -a -P -U -t -T -e --output-document --output-file --append-output "
        "--directory-prefix --user-agent --header --tries --timeout --execute",
        "go": "-o -C -p -ldflags -gcflags -asmflags -tags -mod -modfile -pkgdir -buildmode "
        "-compiler -gccgoflags -installsuffix -overlay -pgo -exec -run -bench -timeout",
        "gem": "-v -i -s -n --version --install-dir --source --bindir --platform",
        "npm": "-w --workspace --prefix --registry --cache --omit --include --tag",
        "git": "-C -c -b --branch --depth --origin -o --config --reference --separate-git-dir "
        "--template --filter",
        "tar": "-f -C -T -X --file --directory --files-from --exclude-from --exclude "
        "--strip-components --transform --owner --group --mode",
        "useradd": "-b -c -d -e -f -g -G -k -K -p -s -u -R -P --base-dir --comment --home-dir "
        "--expiredate --inactive --gid --groups --skel --key --password --shell --uid --root",
        "adduser": "-h -g -s -G -u -k --home --gecos --shell --ingroup --uid --gid --group "
        "--home-dir",
        "groupadd": "-g -K -p -R --gid --key --password --root",
        "make": "-C -f -I -o -W --directory --file --include-dir --old-file --what-if",
    }.items()
}
for _alias, _tool in {
    "apt": "apt-get",
    "apt-cache": "apt-get",
    "aptitude": "apt-get",
    "pip3": "pip",
    "yum": "dnf",
    "microdnf": "dnf",
    "tdnf": "dnf",
    "gmake": "make",
}.items():
    VALUE_FLAGS[_alias] = VALUE_FLAGS[_tool]


class _Wrapper(Record):
    __slots__ = ("value_flags", "skip", "assignments", "no_run")
    _fields = __slots__

    def __init__(
        self,
        value_flags: frozenset[str] = frozenset(),
        skip: int = 0,  # positional words before the command (timeout DURATION, gosu USER)
        assignments: bool = False,  # env NAME=value …
        no_run: frozenset[str] = frozenset(),  # flags that mean nothing is run (command -v)
    ) -> None:
        self.value_flags = value_flags
        self.skip = skip
        self.assignments = assignments
        self.no_run = no_run


def _w(flags: str = "", skip: int = 0, assignments: bool = False, no_run: str = "") -> _Wrapper:
    return _Wrapper(frozenset(flags.split()), skip, assignments, frozenset(no_run.split()))


#: Commands that run another command given as their arguments.
WRAPPERS: dict[str, _Wrapper] = {
    "sudo": _w(
        "-u -g -h -p -C -D -r -t -T -U --user --group --host --prompt --close-from --chdir "
        "--role --type --command-timeout --other-user",
        no_run="-l -v -k -K -V --list --validate --version",
    ),
    "doas": _w("-u -C"),
    "env": _w("-u -C -S --unset --chdir --split-string", assignments=True),
    "command": _w("", no_run="-v -V"),
    "builtin": _w(),
    "exec": _w("-a"),
    "nohup": _w(),
    "time": _w("-f -o --format --output"),
    "nice": _w("-n --adjustment"),
    "ionice": _w("-c -n -p --class --classdata --pid"),
    "timeout": _w("-s -k --signal --kill-after", skip=1),
    "xargs": _w(
        "-a -d -E -I -L -n -P -s --arg-file --delimiter --max-lines --max-args --max-procs "
        "--max-chars --process-slot-var"
    ),
    "gosu": _w(skip=1),
    "su-exec": _w(skip=1),
    "eatmydata": _w(),
    "fakeroot": _w("-l -s -i --lib --faked"),
    "stdbuf": _w("-i -o -e --input --output --error"),
    "chronic": _w(),
    "unbuffer": _w(),
}


def basename(name: str) -> str:
    """The last path component: ``/usr/bin/apt-get`` → ``apt-get`` (``\\`` counts as a separator)."""
    if "/" in name:
        name = name[name.rindex("/") + 1:]
    if "\\" in name:
        name = name[name.rindex("\\") + 1:]
    return name


def _tool_key(name: str) -> str:
    base = basename(name)
    if base in VALUE_FLAGS:
        return base
    stripped = base.rstrip("0123456789.")  # pip3.11, python3.12
    return stripped if stripped in VALUE_FLAGS else base


def _scan_options(
    words: Sequence[str], takes_value: Iterable[str] = ()
) -> list[tuple[int, str | None, str | None]]:
    """Walk ``words`` as GNU-style options: ``(index, flag, value)`` per flag (value is the
    option's value when it takes one) and ``(index, None, None)`` per positional word. (A list,
    not a generator: rules scan short argument lists hundreds of thousands of times.)"""
    tv = takes_value if isinstance(takes_value, (set, frozenset)) else frozenset(takes_value)
    out: list[tuple[int, str | None, str | None]] = []
    add = out.append
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w[:1] != "-" or w == "-":
            add((i, None, None))
        elif w == "--":
            out.extend([(j, None, None) for j in range(i + 1, n)])
            return out
        elif w[1] == "-":  # --name, --name=value (len(w) > 2 here)
            name, eq, val = w.partition("=")
            if eq:
                add((i, name, val))
            elif name in tv and i + 1 < n:
                add((i, name, words[i + 1]))
                i += 1
            else:
                add((i, name, None))
        elif w in tv:  # -o X, -ldflags X
            add((i, w, (words[i + 1] if i + 1 < n else None)))
            i += 1
        elif "=" in w and w.partition("=")[0] in tv:  # -ldflags=…
            name, _, val = w.partition("=")
            add((i, name, val))
        elif len(w) > 2 and not w[1].isalpha():  # -1, -10: a number, not a cluster
            add((i, w, None))
        else:
            # a cluster of short flags: -qy; -oValue when -o takes a value
            for k in range(1, len(w)):
                flag = "-" + w[k]
                if flag in tv:
                    rest = w[k + 1 :]
                    if rest:
                        add((i, flag, rest))
                    else:
                        add((i, flag, (words[i + 1] if i + 1 < n else None)))
                        i += 1
                    break
                add((i, flag, None))
        i += 1
    return out


# ---------------------------------------------------------------------------------------------
# commands

if TYPE_CHECKING:
    _T = TypeVar("_T")


class _Options(tuple):
    """A tuple computed with the default value-taking flags, callable to compute it with others:
    ``cmd.positional`` / ``cmd.positional({"-o"})``."""

    _fn: Callable[[Iterable[str] | None], tuple[_T, ...]]

    def __new__(
        cls, items: Iterable[_T], fn: Callable[[Iterable[str] | None], tuple[_T, ...]]
    ) -> _Options:
        obj = super().__new__(cls, items)
        obj._fn = fn
        return obj

    def __call__(self, takes_value: Iterable[str] | None = None) -> tuple[_T, ...]:
        return self._fn(takes_value)

_UNSET: Any = object()
_NOT_WRAPPED: Any = object()  # Command._unw: unwrapped() is the command itself
_PYTHON = LazyPattern(r"python[0-9.]*\Z")


class _BigArg(Arg):
    """An `Arg` for a long word with expansions (``$(…)`` nested thousands deep): its `value`
    and `raw` (the same text) are sliced from the code on each use instead of being kept, so
    nested substitutions cost linear memory, not quadratic."""

    __slots__ = ("_code",)

    def __init__(self, code: str, static: bool, start: int, end: int, piece: Piece) -> None:
        self._code = code
        self.static = static
        self._start = start
        self._end = end
        self._piece = piece
        self._span = None

    @property  # type: ignore[override]
    def value(self) -> str:
        return self._code[self._start : self._end]

    @property  # type: ignore[override]
    def raw(self) -> str:
        return self._code[self._start : self._end]


#: Words longer than this with expansions in them become `_BigArg`s.
_BIG_WORD = 4096


class Command:
    """A simple command: ``[NAME=value…] name arg… [redirects]``.

    `name` is the command word unquoted (``/usr/bin/apt-get``, ``sudo``…): wrappers are not
    unwrapped here; `unwrapped()` gives the command a ``sudo``/``env``/``xargs``… runs.

    Attributes: `name`, `name_arg`, `args`, `assignments`, `redirects`, `text` (the command as
    written in its piece), `piece` (index into Script.pieces), `index` (order in
    Script.commands, document order), `substitution` (inside ``$(…)``, ``…`` or ``<(…)``),
    `background` (followed by ``&``), `wrapper` (the sudo/env/… this command was unwrapped
    from). (A hand-written class: a dataclass costs import time in every run.)"""

    __slots__ = (
        "name", "name_arg", "args", "_piece", "assignments", "redirects", "_text", "piece",
        "index", "substitution", "background", "wrapper", "_inner", "_start", "_end", "_span",
        "basename", "_flags", "_pos", "_unw", "_scans",
    )

    def __init__(
        self,
        name: str,
        name_arg: Arg,
        args: tuple[Arg, ...],
        _piece: Piece,
        assignments: tuple[Assignment, ...] = (),
        redirects: tuple[Redirect, ...] = (),
        text: str | None = None,
        piece: int = 0,
        index: int = 0,
        substitution: bool = False,
        background: bool = False,
        wrapper: Command | None = None,
        _inner: Any = _UNSET,
        _start: int = 0,
        _end: int = 0,
        _span: Span | None = None,
        _basename: str | None = None,
    ) -> None:
        self.name = name
        self.name_arg = name_arg
        self.args = args
        self._piece = _piece  # the piece it is in (for `span` and `text`)
        self.assignments = assignments
        self.redirects = redirects
        self._text = text  # None: sliced from the piece on use
        self.piece = piece
        self.index = index
        self.substitution = substitution
        self.background = background
        self.wrapper = wrapper
        self._inner = _inner
        self._start = _start  # piece text index range
        self._end = _end
        self._span = _span
        #: `name` without its directory: ``/usr/bin/pip`` → ``pip`` (an attribute: rules ask
        #: for it millions of times on a big file).
        self.basename = basename(name) if _basename is None else _basename
        # flag_items() and positional with the default VALUE_FLAGS, scanned once (rules ask for
        # them many times)
        self._flags: tuple[tuple[str, str | None, Arg], ...] | None = None
        self._pos: tuple[Arg, ...] | None = None
        self._unw: Any = None  # unwrapped() (None: not computed yet)
        # flag_items() with a frozenset of value-taking flags (dflint.packages asks with one per
        # package manager, many times): takes_value → its flags, scanned once
        self._scans: dict[frozenset[str], tuple[tuple[str, str | None, Arg], ...]] | None = None

    @property
    def text(self) -> str:
        """The command as written in its piece (computed on first use; a very long one, such as
        a command holding thousands of nested ``$(…)``, is sliced again on each use)."""
        text = self._text
        if text is None:
            text = self._piece.text[self._start : self._end]
            if len(text) <= _BIG_WORD:
                self._text = text
        return text

    def __repr__(self) -> str:
        return f"<Command {self.text!r} @{self.span.start}>"

    @property
    def span(self) -> Span:
        """File span of the whole command, prefix assignments and redirects included (for an
        unwrapped command: from its name on)."""
        if self._span is None:
            self._span = self._piece.span(self._start, self._end)
        return self._span

    # -- names ---------------------------------------------------------------------------------
    @property
    def words(self) -> tuple[Arg, ...]:
        """The command word followed by the arguments."""
        return (self.name_arg, *self.args)

    @property
    def argv(self) -> tuple[str, ...]:
        """Values of `words`."""
        return tuple(a.value for a in self.words)

    def _tv(self, takes_value: Iterable[str] | None) -> Iterable[str]:
        if takes_value is not None:
            return takes_value
        return VALUE_FLAGS.get(_tool_key(self.name), ())

    def _scan_default(self) -> None:
        """Set `_flags` and `_pos`: the scan with the default value-taking flags."""
        args = self.args
        flags: list[tuple[str, str | None, Arg]] = []
        pos: list[Arg] = []
        for i, flag, val in _scan_options([a.value for a in args], self._tv(None)):
            if flag is None:
                pos.append(args[i])
            else:
                flags.append((flag, val, args[i]))
        self._flags = tuple(flags)
        self._pos = tuple(pos)

    # -- flags ---------------------------------------------------------------------------------
    def flag_items(
        self, takes_value: Iterable[str] | None = None
    ) -> list[tuple[str, str | None, Arg]]:
        """Every flag as ``(flag, value, arg)``: ``-qy`` gives ``("-q", None, arg)`` and
        ``("-y", None, arg)``; ``--opt=v`` gives ``("--opt", "v", arg)``; ``-o X`` gives
        ``("-o", "X", arg)`` when ``-o`` takes a value (see `VALUE_FLAGS`)."""
        if takes_value is None:
            if self._flags is None:
                self._scan_default()
            return list(self._flags)  # type: ignore[arg-type]
        args = self.args
        if takes_value.__class__ is frozenset:
            scans = self._scans
            if scans is None:
                scans = self._scans = {}
            found = scans.get(takes_value)  # type: ignore[call-overload]
            if found is None:
                found = scans[takes_value] = tuple([  # type: ignore[index]
                    (flag, val, args[i])
                    for i, flag, val in _scan_options([a.value for a in args], takes_value)
                    if flag is not None
                ])
            return list(found)
        return [
            (flag, val, args[i])
            for i, flag, val in _scan_options([a.value for a in args], takes_value)
            if flag is not None
        ]

    @property
    def flags(self) -> _Options[str]:
        """The flags, split and normalised: ``-qy --opt=v`` → ``("-q", "-y", "--opt")``. A tuple
        that can also be called with the flags that take a value: ``cmd.flags({"-o"})``."""
        return _Options(self._flags_with(None), self._flags_with)

    def _flags_with(self, takes_value: Iterable[str] | None) -> tuple[str, ...]:
        return tuple(f for f, _, _ in self.flag_items(takes_value))

    def has_flag(self, *names: str, takes_value: Iterable[str] | None = None) -> bool:
        """True when any of `names` is given: ``has_flag("-y", "--yes", "--assume-yes")``."""
        return self.flag_arg(*names, takes_value=takes_value) is not None

    def flag_arg(self, *names: str, takes_value: Iterable[str] | None = None) -> Arg | None:
        """The first argument that holds one of the flags `names` (for a finding's span)."""
        wanted = set(names)
        for flag, _, arg in self.flag_items(takes_value):
            if flag in wanted:
                return arg
        # a long option with one dash (``find -name``, ``go build -ldflags``) is split into
        # letters by the scan: look for the whole word
        words = {n for n in wanted if len(n) > 2 and n[0] == "-" and n[1] != "-"}
        if words:
            for arg in self.args:
                if arg.value == "--":
                    break
                if arg.value in words or arg.value.partition("=")[0] in words:
                    return arg
        return None

    def option_values(self, *names: str, takes_value: Iterable[str] | None = None) -> list[str]:
        """Values given to the options `names` (``-o X``, ``-oX``, ``--out=X``, ``--out X``), in
        order. The options are added to the value-taking set for the scan."""
        tv = set(self._tv(takes_value)) | set(names)
        wanted = set(names)
        return [v for f, v, _ in self.flag_items(tv) if f in wanted and v is not None]

    def option(self, *names: str, takes_value: Iterable[str] | None = None) -> str | None:
        """The last value of the options `names`, or None."""
        values = self.option_values(*names, takes_value=takes_value)
        return values[-1] if values else None

    @property
    def positional(self) -> _Options[Arg]:
        """Arguments that are not flags nor flag values; everything after ``--`` counts. Flags
        that take a value default to `VALUE_FLAGS` for this tool (``apt-get -o X``). A tuple that
        can also be called with other value-taking flags: ``cmd.positional({"-o"})``,
        ``cmd.positional(())`` (none)."""
        return _Options(self._positional_with(None), self._positional_with)

    def _positional_with(self, takes_value: Iterable[str] | None) -> tuple[Arg, ...]:
        if takes_value is None:
            if self._pos is None:
                self._scan_default()
            return self._pos  # type: ignore[return-value]
        args = self.args
        return tuple([args[i] for i, flag, _ in _scan_options([a.value for a in args], takes_value) if flag is None])

    @property
    def subcommand(self) -> str | None:
        """The first positional argument: ``install`` in ``apt-get -y install x``."""
        pos = self._positional_with(None)
        return pos[0].value if pos else None

    def is_(self, name: str | Iterable[str], subcommand: str | Iterable[str] | None = None) -> bool:
        """Whether this command is `name` (by basename), with `subcommand` if given."""
        names = {name} if isinstance(name, str) else set(name)
        if self.basename not in names:
            return False
        if subcommand is None:
            return True
        subs = {subcommand} if isinstance(subcommand, str) else set(subcommand)
        return self.subcommand in subs

    # -- wrappers ------------------------------------------------------------------------------
    def inner(self) -> Command | None:
        """The command this wrapper runs directly (``sudo env A=1 x`` → ``env A=1 x``), or None
        when this is not a wrapper or runs nothing (``command -v x``, bare ``sudo``)."""
        if self._inner is _UNSET:
            self._inner = self._unwrap_once()
        return self._inner  # type: ignore[return-value]

    def unwrapped(self) -> Command:
        """The command a wrapper runs (``sudo -E apt-get install x`` → ``apt-get install x``,
        recursively: ``sudo env A=1 nice pip …`` → ``pip …``), or self when this is not a wrapper
        or runs nothing (``command -v x``, bare ``sudo``)."""
        cmd = self._unw
        if cmd is not None:
            return self if cmd is _NOT_WRAPPED else cmd
        cmd = self
        for _ in range(32):
            nxt = cmd.inner()
            if nxt is None:
                break
            cmd = nxt
        # (not `self` itself: a command referring to itself would be a cycle the garbage
        # collector alone frees)
        self._unw = _NOT_WRAPPED if cmd is self else cmd
        return cmd

    def _unwrap_once(self) -> Command | None:
        if not self.name_arg.static:
            return None
        spec = WRAPPERS.get(self.basename)
        if spec is None:
            base = self.basename
            return self._unwrap_python() if base.startswith("python") and _PYTHON.match(base) else None
        args = self.args
        values = [a.value for a in args]
        skip = spec.skip
        envs: list[Assignment] = []
        for i, flag, _ in _scan_options(values, spec.value_flags):
            if flag is not None:
                if flag in spec.no_run:
                    return None
                continue
            arg = args[i]
            if spec.assignments and _is_assignment_word(arg):
                envs.append(_assignment_of_arg(arg))
                continue
            if skip:
                skip -= 1
                continue
            return self._wrapped(arg, args[i + 1 :], envs)
        return None

    def _unwrap_python(self) -> Command | None:
        """``python3 -m pip install x`` runs ``pip install x``."""
        args = self.args
        i = 0
        while i < len(args):
            w = args[i].value
            if w == "-m":
                return self._wrapped(args[i + 1], args[i + 2 :], []) if i + 1 < len(args) else None
            if w in ("-W", "-X"):
                i += 2
                continue
            if w.startswith("-") and w != "-" and "c" not in w[1:] and "m" not in w[1:]:
                i += 1
                continue
            return None  # -c CODE, a script, or a glued -mpip
        return None

    def _wrapped(self, arg: Arg, rest: tuple[Arg, ...], envs: list[Assignment]) -> Command:
        return Command(
            name=arg.value,
            name_arg=arg,
            args=rest,
            _piece=self._piece,
            assignments=(*self.assignments, *envs),
            redirects=self.redirects,
            text=(
                None  # the piece's text from the wrapped command's name on
                if self._start <= arg._start <= self._end
                else " ".join(a.raw for a in (arg, *rest))
            ),
            piece=self.piece,
            index=self.index,
            substitution=self.substitution,
            background=self.background,
            wrapper=self,
            _start=arg._start if arg._start >= 0 else self._start,
            _end=self._end,
        )

    @property
    def outermost(self) -> Command:
        """The command as written (the outermost wrapper), itself when not unwrapped."""
        cmd = self
        while cmd.wrapper is not None:
            cmd = cmd.wrapper
        return cmd


def _is_assignment_word(arg: Arg) -> bool:
    name, eq, _ = arg.value.partition("=")
    return bool(eq) and name.replace("_", "a").isalnum() and not name[0].isdigit()


def _assignment_of_arg(arg: Arg) -> Assignment:
    name, _, value = arg.value.partition("=")
    return Assignment(name, value, arg.raw, arg.span, arg.static)


class Pipeline:
    """Commands joined by ``|`` (or ``|&``). Iterating gives `commands`, one per stage (a
    compound stage such as ``{ a; b; }`` contributes all its commands). `pipefail`: ``set -o
    pipefail`` (or the SHELL) is in effect where it runs."""

    __slots__ = ("commands", "span", "piece", "negated", "pipefail", "stages")

    commands: tuple[Command, ...]
    span: Span
    piece: int
    negated: bool
    pipefail: bool
    stages: tuple[tuple[Command, ...], ...]

    def __init__(
        self,
        commands: tuple[Command, ...],
        span: Span,
        piece: int,
        negated: bool = False,
        pipefail: bool = False,
        stages: tuple[tuple[Command, ...], ...] = (),
    ) -> None:
        self.commands = commands
        self.span = span
        self.piece = piece
        self.negated = negated
        self.pipefail = pipefail
        self.stages = stages

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def __len__(self) -> int:
        return len(self.commands)

    def __getitem__(self, i: int) -> Command:
        return self.commands[i]

    def __repr__(self) -> str:
        return f"<Pipeline {' | '.join(c.name for c in self.commands)}>"


# ---------------------------------------------------------------------------------------------
# `set` options


_SET_LETTERS = {
    "a": "allexport",
    "b": "notify",
    "C": "noclobber",
    "e": "errexit",
    "f": "noglob",
    "h": "hashall",
    "m": "monitor",
    "n": "noexec",
    "u": "nounset",
    "v": "verbose",
    "x": "xtrace",
}


def _set_events(words: Sequence[str]) -> list[tuple[str, bool]]:
    """``(option, on)`` pairs that ``set WORDS`` (or a shell's own flags) turns on or off:
    ``-euxo pipefail`` → errexit, nounset, xtrace, pipefail on; ``+o pipefail`` → off."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w in ("-", "--") or len(w) < 2 or w[0] not in "-+" or w.startswith("--"):
            if w.startswith("--") and len(w) > 2:  # bash --login, --norc…
                i += 1
                continue
            break
        on = w[0] == "-"
        for letter in w[1:]:
            if letter == "o":
                i += 1
                if i < n:
                    out.append((words[i], on))
            elif letter in _SET_LETTERS:
                out.append((_SET_LETTERS[letter], on))
        i += 1
    return out


_SHELL_OPTIONS: dict[tuple[str, ...], frozenset[str]] = {}  # shell_options of a tuple, once


def _per_shell(table: dict, shell: Any, compute: Callable[[Any], _T]) -> _T:
    """`compute(shell)`, remembered in `table` when `shell` is a tuple (a stage's SHELL: the
    same few in every file); `table` is emptied when it grows past 256 shells."""
    if not isinstance(shell, tuple):
        return compute(shell)
    found = table.get(shell)
    if found is None:
        if len(table) > 256:
            table.clear()
        found = table[shell] = compute(shell)
    return found


def shell_options(shell: Sequence[str]) -> frozenset[str]:
    """Options a shell command line turns on: ``("/bin/bash", "-o", "pipefail", "-c")`` →
    ``{"pipefail"}``; ``("/bin/sh", "-ec")`` → ``{"errexit"}``."""
    return _per_shell(_SHELL_OPTIONS, shell, _shell_options)  # (asked for every pipeline of a file)


def _shell_options(shell: Sequence[str]) -> frozenset[str]:
    words = list(shell[1:])
    if shell and basename(shell[0]).lower() in ("busybox", "env"):
        if words and not words[0].startswith("-"):  # busybox sh …, env bash …
            words.pop(0)
    state: dict[str, bool] = {}
    for opt, on in _set_events(words):
        state[opt] = on
    return frozenset(k for k, v in state.items() if v)


# ---------------------------------------------------------------------------------------------
# the script


class Script:
    """Parsed shell code: one or more pieces (RUN line, heredoc bodies) and what they run.

    - `commands`: every simple command, in document order (the line, then each heredoc body),
      including those in lists, pipelines, subshells, ``$(…)``, ``if``/``for``/``while``/``case``
      bodies and functions; ``export``/``local``/``unset`` are commands too. Wrappers are not
      unwrapped here (see `find` and `Command.unwrapped`).
    - `pipelines`: commands joined by ``|``, each knowing whether ``pipefail`` is on.
    - `and_chains`: each maximal run of operands joined by ``&&`` in a list (``a && b || c`` →
      ``(a, b)``, ``(c,)``), holding every command inside those operands (also in subshells and
      substitutions; a nested list also has chains of its own); a command in no list is a
      chain of one. Ordered by first command.
    - `errors`: what tree-sitter could not parse; the rest of the script is still there.
    - `names`: the basenames of every command and of what its wrappers run, to skip a script
      cheaply (``if "apt-get" not in script.names: return``).
    """

    pieces: tuple[Piece, ...]
    commands: tuple[Command, ...]
    pipelines: tuple[Pipeline, ...]
    and_chains: tuple[tuple[Command, ...], ...]
    errors: tuple[ShellError, ...]
    assignments: tuple[Assignment, ...]  # bare ``NAME=value`` statements
    #: Per-script memo for helpers built on the script (e.g. dflint.packages), so that the many
    #: rules asking the same question of one RUN get it answered once.
    memo: dict[object, object]

    def __init__(
        self,
        pieces: tuple[Piece, ...],
        commands: tuple[Command, ...],
        pipelines: tuple[Pipeline, ...],
        and_chains: tuple[tuple[Command, ...], ...],
        errors: tuple[ShellError, ...],
        assignments: tuple[Assignment, ...] = (),
        _events: dict[int, list[tuple[int, str, bool]]] | None = None,
        _chains_of: dict[int, list[int]] | None = None,
        _unwrapped: list[list[Command]] | None = None,
        memo: dict[object, object] | None = None,
    ) -> None:
        self.pieces = pieces
        self.commands = commands
        self.pipelines = pipelines
        self.and_chains = and_chains
        self.errors = errors
        self.assignments = assignments
        self._events = {} if _events is None else _events
        self._chains_of = {} if _chains_of is None else _chains_of
        self._unwrapped = _unwrapped
        #: basenames of every command and of what each wrapper runs (with `_unwrapped`)
        self._names: frozenset[str] | None = None
        self.memo = {} if memo is None else memo

    def __repr__(self) -> str:
        kinds = "+".join(p.kind for p in self.pieces)
        return f"<Script {kinds}: {len(self.commands)} commands, {len(self.errors)} errors>"

    @property
    def shell(self) -> tuple[str, ...]:
        """The shell of the first piece (the stage's SHELL for a RUN line)."""
        return self.pieces[0].shell if self.pieces else DEFAULT_SHELL

    @property
    def text(self) -> str:
        """The code of the first piece."""
        return self.pieces[0].text if self.pieces else ""

    def find(
        self, name: str | Iterable[str], subcommand: str | Iterable[str] | None = None
    ) -> list[Command]:
        """Commands that call `name` (by basename: ``/usr/bin/apt-get`` counts), also when run
        through a wrapper (``sudo``, ``env A=1``, ``xargs``…), in which case the unwrapped command
        is returned (its `wrapper` is the one written). A wrapper itself is found by its name."""
        chains = self._unwrapped
        if chains is None:
            chains = self._wrapper_chains()
        every = self._names
        if every is None:
            every = self.names
        # (most scripts run none of the commands asked for: no command nor wrapped command has
        # such a name)
        if isinstance(name, str):
            if name not in every:
                return []
            names = {name}
        else:
            names = name if isinstance(name, (set, frozenset)) else set(name)
            if every.isdisjoint(names):
                return []
        out = []
        for chain in chains:
            for cur in chain:
                if cur.basename in names and cur.is_(names, subcommand):
                    out.append(cur)
                    break
        return out

    @property
    def names(self) -> frozenset[str]:
        """The basenames of every command and of every command a wrapper runs (``sudo env A=1
        /usr/bin/apt-get install x`` → sudo, env, apt-get), computed once: a rule can skip a
        script that runs none of its commands with ``script.names.isdisjoint(…)`` (what `find`
        asks first)."""
        every = self._names
        if every is None:
            every = self._names = frozenset([c.basename for chain in self._wrapper_chains() for c in chain])
        return every

    def _wrapper_chains(self) -> list[list[Command]]:
        """Each command followed by what it wraps (``sudo env A=1 x`` → sudo, env, x), once."""
        if self._unwrapped is None:
            chains = []
            for cmd in self.commands:
                chain: list[Command] = []
                cur: Command | None = cmd
                while cur is not None and len(chain) < 32:
                    chain.append(cur)
                    cur = cur.inner()
                chains.append(chain)
            self._unwrapped = chains
        return self._unwrapped

    def calls(self, name: str | Iterable[str], subcommand: str | Iterable[str] | None = None) -> bool:
        """Whether any command calls `name` (see `find`)."""
        return bool(self.find(name, subcommand))

    def chain_of(self, command: Command) -> tuple[Command, ...]:
        """The outermost ``&&`` chain holding `command` (a 1-tuple when it stands alone)."""
        idx = self._chains_of.get(command.outermost.index)
        return self.and_chains[idx[0]] if idx else (command,)

    def same_chain(self, a: Command, b: Command) -> bool:
        """Whether `a` and `b` are in one ``&&`` chain (``a && b``, ``a && (x; b)``)."""
        ca = set(self._chains_of.get(a.outermost.index, ()))
        return any(i in ca for i in self._chains_of.get(b.outermost.index, ()))

    @staticmethod
    def before(a: Command, b: Command) -> bool:
        """Whether `a` is written before `b` (line before heredoc bodies, then by position)."""
        a, b = a.outermost, b.outermost
        return (a.piece, a._start, a.index) < (b.piece, b._start, b.index)

    def option_at(self, option: str, at: Command | Pipeline | None = None) -> bool:
        """Whether shell option `option` (``pipefail``, ``errexit``…) is on where `at` runs, from
        the piece's shell flags and the ``set`` commands before it; `at` None: at the end of the
        first piece."""
        if isinstance(at, Pipeline):
            piece, pos = at.piece, at.commands[0].outermost.index if at.commands else 1 << 60
        elif isinstance(at, Command):
            piece, pos = at.piece, at.outermost.index
        else:
            piece, pos = 0, 1 << 60
        if not self.pieces:
            return False
        state = option in shell_options(self.pieces[piece].shell)
        for index, opt, on in self._events.get(piece, ()):
            if index >= pos:
                break
            if opt == option:
                state = on
        return state

    @property
    def pipefail(self) -> bool:
        """True when every pipeline runs with ``pipefail`` (``set -o pipefail`` before it, or the
        shell's own ``-o pipefail``); without pipelines, whether pipefail is turned on at all."""
        if self.pipelines:
            return all(p.pipefail for p in self.pipelines)
        return any(self._pipefail_anywhere())

    def _pipefail_anywhere(self) -> Iterator[bool]:
        for i, piece in enumerate(self.pieces):
            yield "pipefail" in shell_options(piece.shell)
            yield any(opt == "pipefail" and on for _, opt, on in self._events.get(i, ()))

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def __len__(self) -> int:
        return len(self.commands)


# ---------------------------------------------------------------------------------------------
# parsing


_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_DYNAMIC = frozenset(
    {
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
        "brace_expression",
    }
)
_COMMANDS = frozenset({"command", "declaration_command", "unset_command"})
_LEAVES = frozenset(
    "word number raw_string string_content variable_name special_variable_name file_descriptor "
    "heredoc_start heredoc_end comment ansi_c_string test_operator regex extglob_pattern "
    "simple_expansion".split()
)
_BG_PARENTS = frozenset(
    "program compound_statement subshell do_group if_statement elif_clause else_clause "
    "case_item list".split()
)
_STATEMENT_PARENTS = frozenset(
    {"program", "variable_assignments", "compound_statement", "subshell", "do_group", "list"}
)
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_DQ_ESCAPES = frozenset('$`"\\')
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
         "e": "\x1b", "E": "\x1b", "\\": "\\", "'": "'", '"': '"', "?": "?"}


class _Source:
    """Piece text with byte ↔ str index conversion (a table only when the text is not ASCII)."""

    __slots__ = ("text", "data", "_table")

    def __init__(self, text: str) -> None:
        self.text = text
        if text.isascii():
            self.data = text.encode("ascii")
            self._table: list[int] | None = None
        else:
            self.data = text.encode("utf-8", "surrogateescape")
            table = []
            for ci, ch in enumerate(text):
                o = ord(ch)
                size = 1 if o < 0x80 or 0xDC80 <= o <= 0xDCFF else 2 if o < 0x800 else 3 if o < 0x10000 else 4
                table.extend([ci] * size)
            table.append(len(text))
            self._table = table

    def idx(self, byte: int) -> int:
        return byte if self._table is None else self._table[byte]

    def slice(self, start_byte: int, end_byte: int) -> str:
        if self._table is None:
            return self.text[start_byte:end_byte]
        return self.text[self._table[start_byte] : self._table[end_byte]]


def _unescape_word(s: str) -> str:
    if "\\" not in s:
        return s
    out, i, n = [], 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\" and i + 1 < n:
            nxt = s[i + 1]
            if nxt != "\n":
                out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _unescape_dq(s: str) -> str:
    if "\\" not in s:
        return s
    out, i, n = [], 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\" and i + 1 < n and (s[i + 1] in _DQ_ESCAPES or s[i + 1] == "\n"):
            if s[i + 1] != "\n":
                out.append(s[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _unescape_ansi(s: str) -> str:
    out, i, n = [], 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\" and i + 1 < n:
            nxt = s[i + 1]
            if nxt in _ANSI:
                out.append(_ANSI[nxt])
                i += 2
                continue
            if nxt == "x":
                j = i + 2
                while j < n and j < i + 4 and s[j] in "0123456789abcdefABCDEF":
                    j += 1
                if j > i + 2:
                    out.append(chr(int(s[i + 2 : j], 16)))
                    i = j
                    continue
            if nxt in "01234567":
                j = i + 1
                while j < n and j < i + 4 and s[j] in "01234567":
                    j += 1
                out.append(chr(int(s[i + 1 : j], 8)))
                i = j
                continue
        out.append(ch)
        i += 1
    return "".join(out)


#: Characters of a command name that is one plain word (no quote, escape, expansion, glob,
#: brace or tilde): its value is its text.
_PLAIN_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./+:@,%"

#: A simple command written as plain words separated by spaces (no quote, escape, expansion,
#: redirect, operator, comment, brace or tilde; ``=``, ``*`` and ``?`` are kept as written in a
#: word): tree-sitter makes it a command name and words whose values are their texts.
_PLAIN_COMMAND = LazyPattern(r"[A-Za-z0-9_\-./+:@,%=*? ]*")
#: Such commands (also with tabs, and ending in redirects to plain words) joined by ``&&``, ``||``,
#: ``|`` and ``;`` alone: over half of real RUNs (``apt-get update && apt-get install -y curl && rm
#: -rf /var/lib/apt/lists/*``), made without tree-sitter (see `_Builder.plain_chain`). (Each
#: operator is read one way only (``||`` is never ``|`` twice): a text that does not match fails
#: in linear time.)
_PLAIN_CODE = LazyPattern(
    r"[A-Za-z0-9_\-./+:@,%=*? \t>]*(?:(?:&&|\|\||\|(?!\|)|;|\n|>&(?!&))[A-Za-z0-9_\-./+:@,%=*? \t>]*)*"
)
#: An expansion in such code: ``$NAME``, ``${NAME}``, or ``$(…)`` holding one command of plain
#: words (``$(nproc)``, ``$(uname -m)``).
_EXPANSION = (
    r"\$(?:[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])|\{[A-Za-z_][A-Za-z0-9_]*\}"
    r"|\([ \t]*[A-Za-z0-9_\-./+:@,%=*?][A-Za-z0-9_\-./+:@,%=*? \t]*\))"
)
#: The same code where words may also hold single-quoted strings, expansions (`_EXPANSION`), and
#: double-quoted strings whose only ``$`` start expansions, without an escape, backquote or ``!``
#: (``echo "export PATH=$HOME/bin:$PATH" >> /etc/profile``, ``python3 -c 'import sys'``,
#: ``make -j"$(nproc)"``). Each alternative starts with its own character and a name ends where
#: the pattern says (``(?!\w)``), so nothing backtracks.
_QUOTED_CODE = LazyPattern(
    r"(?:[A-Za-z0-9_\-./+:@,%=*? \t>]|&&|\|\||\|(?!\|)|;|\n|>&(?!&)|'[^']*'"
    rf'|"(?:[^"\\$`!]|{_EXPANSION})*"|{_EXPANSION})*'
)
#: A quoted string of such code (a double-quoted one holds no ``"`` nor escape).
_QUOTED = LazyPattern(r"'[^']*'|\"[^\"]*\"")
#: What is blanked in such code before it is split into operands and words: quoted strings and
#: command substitutions (`_SUBSTITUTION`).
_BLANKED = LazyPattern(r"'[^']*'|\"[^\"]*\"|\$\([^()]*\)")
#: A command substitution of such code, its command as group 1.
_SUBSTITUTION = LazyPattern(r"\$\(([^()]*)\)")
#: The operators between them (a newline ends a statement as ``;`` does: heredoc bodies).
_PLAIN_OPERATORS = LazyPattern(r"(&&|\|\|?|;|\n)")
#: A redirect to a plain word that ends a plain command (``> /dev/null``, ``>>log``, ``2>&1``),
#: followed by spaces or the end of the command.
_PLAIN_REDIRECT = LazyPattern(r"([1-9]?)(>>|>&|>)[ \t]*([A-Za-z0-9_\-./+:@,%]+)(?:[ \t]+|$)")
#: In a word of such code with its quotes blanked, a ``$NAME`` with more of the word after it and
#: a quoted string or an expansion before it: tree-sitter-bash ends the word at its ``$``
#: (``$A-$B.c`` is the words ``$A-$`` and ``B.c``).
_SPLIT_NAME = LazyPattern(r"[$\0].*?\$[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_])(?=.)", re.DOTALL)
#: A ``NAME=`` that starts a word before a command's name: a variable assignment for that command
#: (``_=x`` is a command name for tree-sitter-bash).
_ASSIGNMENT_WORD = LazyPattern(r"(?:[A-Za-z]|_[A-Za-z0-9_])[A-Za-z0-9_]*=")
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+-"
_NAME_START = frozenset(_NAME_CHARS[:-2])
#: Words that are not a simple command's name where a command starts: reserved words, and the
#: declaration commands tree-sitter parses on their own (`_Builder.declaration`).
_NOT_PLAIN_NAMES = frozenset(
    "if then else elif fi case esac for select while until do done in function time coproc "
    "declare typeset export readonly local unset unsetenv".split()
)


def _plain_name(word: str) -> bool:
    """Whether a plain word where a command starts is that command's name for tree-sitter (not
    a reserved word, a declaration, ``NAME=value``, nor one it reads otherwise: ``-``…)."""
    return word[0] in _NAME_START and not word.strip(_NAME_CHARS) and word not in _NOT_PLAIN_NAMES


def _unquote(match: Any) -> str:
    return match.group()[1:-1]


def _outside_single_quotes(match: Any) -> str:
    text = match.group()
    return "" if text[0] == "'" else text


def _quoted_value(raw: str) -> tuple[str, bool]:
    """(value, static) of a word of `_QUOTED_CODE`, as tree-sitter's nodes give them (a string,
    a raw string, an expansion, or a concatenation of them and plain words): the text without
    its quotes, static unless a ``$`` stands outside single quotes."""
    if "'" not in raw and '"' not in raw:
        return raw, False  # ($NAME in it)
    quoted = _QUOTED.compiled
    value = quoted.sub(_unquote, raw)
    if "$" not in raw:
        return value, True
    return value, "$" not in quoted.sub(_outside_single_quotes, raw)


def _plain_words(
    code: str, start: int, piece: Piece, blanked: str | None = None
) -> list[Arg] | None:
    """The words of plain code (see `_PLAIN_COMMAND`) that starts at `start` in `piece`, or None
    when one is not a word for tree-sitter (``==`` on its own is an operator). With `blanked`
    (the code of `_QUOTED_CODE` with its quoted strings and substitutions blanked), the words are
    split on it and unquoted (`_quoted_value`); None when tree-sitter would split one otherwise
    (`_SPLIT_NAME`)."""
    words: list[Arg] = []
    at = 0
    if blanked is None:
        split = code.split()
        if "==" in split:
            return None
        # each `Arg` made field by field, as `Arg(word, word, None, True, start, end, piece)`
        # makes it (calling `__init__` cost more than the rest of this loop)
        new = object.__new__
        find = code.find
        for word in split:
            at = find(word, at)
            arg = new(Arg)
            arg.value = arg.raw = word
            arg.static = True
            arg._start = start + at
            at += len(word)
            arg._end = start + at
            arg._piece = piece
            arg._span = None
            words.append(arg)
        return words
    find = blanked.find
    for blank in blanked.split():
        at = find(blank, at)
        end = at + len(blank)
        word = code[at:end]
        if "'" in word or '"' in word or "$" in word:
            if word[0] == "=" or end - at > _BIG_WORD or ("$" in blank and _SPLIT_NAME.search(blank)):
                # (tree-sitter reads ``==`` at the start of a word as an operator; its word is a
                # `_BigArg` when it is one long expansion)
                return None
            value, static = _quoted_value(word)
            words.append(Arg(value, word, None, static, start + at, start + end, piece))
        else:
            if word == "==":
                return None
            words.append(Arg(word, word, None, True, start + at, start + end, piece))
        at = end
    return words


def _may_nest(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` may hold commands: ``$(…)``, backquotes, ``<(…)``, ``>(…)``."""
    if end is None:
        end = len(text)
    find = text.find
    return find("$(", start, end) >= 0 or find("`", start, end) >= 0 or find("<(", start, end) >= 0 \
        or find(">(", start, end) >= 0


def _start_of(command: Command) -> int:
    return command._start


class _Builder:
    """Walks one piece's tree and collects commands, pipelines, chains, `set` events, errors."""

    def __init__(
        self, piece: Piece, piece_index: int, heredoc_at: dict[int, Heredoc], code: str
    ) -> None:
        self.piece = piece
        self.pi = piece_index
        self.src = _Source(code)
        self.heredoc_at = heredoc_at  # str index of a masked heredoc's `<` → the heredoc
        self.commands: list[Command] = []
        self.pipeline_nodes: list[tuple[Any, bool]] = []
        self.list_roots: list[Any] = []
        self.errors: list[ShellError] = []
        self.assignments: list[Assignment] = []
        self.pending: dict[int, list[Any]] = {}  # command node id → redirects it owns
        self.background: set[int] = set()  # command node ids followed by `&`

    # -- positions -----------------------------------------------------------------------------
    def span(self, node: Any) -> Span:
        src = self.src
        return self.piece.span(src.idx(node.start_byte), src.idx(node.end_byte))

    def raw(self, node: Any) -> str:
        return self.src.slice(node.start_byte, node.end_byte)

    # -- words ---------------------------------------------------------------------------------
    def value(self, node: Any) -> tuple[str, bool]:
        """(unquoted value, static) of a word-like node."""
        t = node.type
        if t in ("word", "number"):
            return _unescape_word(self.raw(node)), True
        if t == "raw_string":
            r = self.raw(node)
            return r[1:-1] if len(r) >= 2 else r, True
        if t == "ansi_c_string":
            r = self.raw(node)
            return _unescape_ansi(r[2:-1]), True
        if t == "translated_string":
            for c in node.named_children:
                if c.type == "string":
                    return self.value(c)
            return self.raw(node), False
        if t == "string":
            return self._join(node, node.start_byte + 1, node.end_byte - 1, _unescape_dq)
        if t == "concatenation":
            return self._join(node, node.start_byte, node.end_byte, _unescape_word)
        if t in _DYNAMIC:
            return self.raw(node), False
        if t == "command_name":
            for c in node.named_children:
                return self.value(c)
        return self.raw(node), False

    def _join(
        self, node: Any, start: int, end: int, unescape: Callable[[str], str]
    ) -> tuple[str, bool]:
        parts: list[str] = []
        static = True
        pos = start
        for c in node.children:
            if not c.is_named:
                continue
            if c.start_byte > pos:
                parts.append(unescape(self.src.slice(pos, min(c.start_byte, end))))
            if c.type == "string_content":
                parts.append(unescape(self.raw(c)))
            else:
                v, s = self.value(c)
                parts.append(v)
                static = static and s
            pos = max(pos, c.end_byte)
        if end > pos:
            parts.append(unescape(self.src.slice(pos, end)))
        return "".join(parts), static

    def arg(self, node: Any, t: str | None = None) -> Arg:
        """The `Arg` of a word-like node (`t`: its type, when known)."""
        src = self.src
        sb, eb = node.start_byte, node.end_byte
        table = src._table
        if table is None:
            start, end = sb, eb
            raw = src.text[sb:eb]
        else:
            start, end = table[sb], table[eb]
            raw = src.text[start:end]
        if t is None:
            t = node.type
        # the common cases inline, as `value` does them (raw computed once, shared when equal)
        if t == "word" or t == "number":
            return Arg(raw if "\\" not in raw else _unescape_word(raw), raw, None, True, start, end, self.piece)
        if t == "command_name" and raw and not raw.strip(_PLAIN_NAME):
            # a plain name (``apt-get``, ``/usr/bin/env``, ``./configure``): its one child is a
            # word and its value the text as written (asking tree-sitter for the child cost more
            # than all the rest of the name)
            return Arg(raw, raw, None, True, start, end, self.piece)
        if t in _DYNAMIC:
            if end - start > _BIG_WORD:  # value == raw, not kept
                return _BigArg(src.text, False, start, end, self.piece)
            return Arg(raw, raw, None, False, start, end, self.piece)
        value, static = self.value(node)
        return Arg(value, raw, None, static, start, end, self.piece)

    def assignment(self, node: Any) -> Assignment:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = self.raw(name_node) if name_node is not None else self.raw(node).partition("=")[0]
        if value_node is not None:
            value, static = self.value(value_node)
        else:
            value, static = "", True
        return Assignment(name, value, self.raw(node), self.span(node), static)

    def redirect(self, node: Any) -> tuple[Redirect, list[Arg]]:
        """A redirect and the extra words tree-sitter glued onto it (``echo >x foo``: ``foo`` is
        an argument of echo)."""
        fd: int | None = None
        op = ""
        target: Arg | None = None
        extra: list[Arg] = []
        heredoc = None
        t = node.type
        for c in node.children:
            ct = c.type
            if ct == "file_descriptor":
                try:
                    fd = int(self.raw(c))
                except ValueError:
                    fd = None
            elif not c.is_named:
                if not op:
                    op = self.raw(c)
                    if t == "file_redirect" and op == "<":
                        heredoc = self.heredoc_at.get(self.src.idx(c.start_byte))
            elif ct in ("heredoc_start", "heredoc_body", "heredoc_end", "heredoc_content"):
                if ct == "heredoc_start" and target is None:
                    target = self.arg(c)
            elif ct in _REDIRECTS:
                continue
            elif target is None and (t != "heredoc_redirect"):
                target = self.arg(c)
            elif t == "file_redirect":
                extra.append(self.arg(c))
        if heredoc is not None:
            op = "<<-" if heredoc.chomp else "<<"
        elif t == "heredoc_redirect" and not op:
            op = "<<"
        return Redirect(op, fd, target, self.span(node), heredoc), extra

    # -- commands ------------------------------------------------------------------------------
    def command(self, node: Any, sub: bool, outer_redirects: list[Any]) -> Command | None:
        if not outer_redirects:
            cmd = self._plain_command(node, sub)
            if cmd is not None:
                return cmd
        name: Arg | None = None
        args: list[Arg] = []
        assigns: list[Assignment] = []
        redirs: list[Redirect] = []
        glued = False
        src = self.src
        text, table, piece = src.text, src._table, self.piece
        for c in node.children:
            t = c.type
            if t == "word" and name is not None:  # the usual argument, as `arg` makes it
                if table is None:
                    start, end = c.start_byte, c.end_byte
                else:
                    start, end = table[c.start_byte], table[c.end_byte]
                raw = text[start:end]
                args.append(Arg(raw if "\\" not in raw else _unescape_word(raw), raw, None, True, start, end, piece))
            elif t == "command_name":
                name = self.arg(c, t)
            elif t == "variable_assignment" and name is None:
                assigns.append(self.assignment(c))
            elif t in _REDIRECTS:
                r, extra = self.redirect(c)
                redirs.append(r)
                if extra:
                    args.extend(extra)
                    glued = True
            elif name is not None and t != "comment" and c.is_named:
                args.append(self.arg(c, t))
        if name is None:
            return None
        for rn in outer_redirects:
            r, extra = self.redirect(rn)
            redirs.append(r)
            if extra:
                args.extend(extra)
                glued = True
        if glued:
            args.sort(key=lambda a: a._start)
        return self._make(node, name, args, assigns, redirs, sub, outer_redirects)

    def _plain_command(self, node: Any, sub: bool) -> Command | None:
        """The command when it is plain words (the usual ``apt-get install -y curl=1.2``): made
        from its text, without asking tree-sitter for each word (what `command` gives)."""
        src = self.src
        table = src._table
        if table is None:
            start, end = node.start_byte, node.end_byte
        else:
            start, end = table[node.start_byte], table[node.end_byte]
        code = src.text[start:end]
        if not _PLAIN_COMMAND.compiled.fullmatch(code) or node.has_error:
            return None
        words = _plain_words(code, start, self.piece)
        if not words or "=" in words[0].value:  # NAME=value prefix: an assignment
            return None
        cmd = self._plain(words, start, end, sub, bool(self.background) and node.id in self.background)
        self.commands.append(cmd)
        return cmd

    def _plain(
        self, words: list[Arg], start: int, end: int, sub: bool, bg: bool,
        redirects: tuple[Redirect, ...] = (), assignments: tuple[Assignment, ...] = (),
    ) -> Command:
        name = words[0]
        return Command(  # (by position, as in `_make`)
            name.value, name, tuple(words[1:]), self.piece, assignments, redirects, None, self.pi,
            0, sub, bg, None, _UNSET, start, end,
        )

    def _plain_assignments(self, words: list[Arg]) -> int:
        """How many of `words` (a plain operand) are ``NAME=value`` assignments before its
        command's name."""
        match = _ASSIGNMENT_WORD.compiled.match
        k = 0
        for word in words:
            if "=" not in word.raw or not match(word.raw):
                break
            k += 1
        return k

    def _assignment(self, word: Arg) -> Assignment:
        """The `Assignment` of a ``NAME=value`` word of plain code (as `assignment` makes it)."""
        raw = word.raw
        name, _, value = raw.partition("=")
        static = True
        if "'" in value or '"' in value or "$" in value:
            value, static = _quoted_value(value)
        return Assignment(name, value, raw, self.piece.span(word._start, word._end), static)

    def _plain_redirects(self, part: str, at: int) -> tuple[str, tuple[Redirect, ...]] | None:
        """An operand of `plain_chain` (at `at` in the code; quotes and substitutions blanked)
        that ends in redirects to plain words (``make > build.log 2>&1``): the code before them and
        the redirects, or None when it is not that (a redirect not at the end, not after a space,
        to a quoted word…)."""
        i = part.index(">")
        if i >= 2 and part[i - 1] in "123456789" and part[i - 2] == " ":
            i -= 1  # ``2>``: the descriptor it redirects (after a space; ``0>`` and a tab make a word)
        elif not i or part[i - 1] not in " \t":
            return None
        if part[:i].split()[-1:] == ["-"]:
            return None  # (tree-sitter-bash drops the ``-`` of ``xargs - 2>x``)
        piece = self.piece
        redirects = []
        match = _PLAIN_REDIRECT.compiled.match
        pos = i
        while pos < len(part):
            m = match(part, pos)
            if m is None:
                return None
            fd, op, word = m.group(1, 2, 3)
            if op == ">&" and not word.isdigit():
                return None
            start, end = at + m.start(3), at + m.end(3)
            redirects.append(Redirect(
                op, int(fd) if fd else None, Arg(word, word, None, True, start, end, piece),
                piece.span(at + m.start(), end),
            ))
            pos = m.end()
        return part[:i], tuple(redirects)

    def plain_chain(self) -> bool:
        """When the code is plain commands (see `_PLAIN_COMMAND`, also with quoted words and
        expansions, see `_QUOTED_CODE`; each may start with ``NAME=value`` assignments and end in
        redirects to plain words, see `_plain_redirects`; assignments alone are a statement)
        joined by ``&&``, ``||``, ``|``, ``;`` and newlines alone, make them, the commands of
        their ``$(…)``, their pipelines and their ``&&`` runs (what the walk and `finish` give, no
        error) and return True; else False, with nothing made. Shapes tree-sitter-bash reads
        otherwise are left to it (checked by comparing every script of the corpus both ways and
        fuzzing hundreds of thousands of texts; tests/test_shell.py compares the shapes). (Parsing
        such code with tree-sitter and walking the tree took over twice as long.)"""
        text = self.src.text
        blanked: str | None = None
        substitutions: list[tuple[int, int]] = []  # where the command of each ``$(…)`` is
        if not _PLAIN_CODE.compiled.fullmatch(text):
            if not _QUOTED_CODE.compiled.fullmatch(text):
                return False
            # quoted strings and substitutions blanked (same length): operators, spaces and
            # redirects are found outside them

            def blank(match: Any) -> str:
                found = match.group()
                if found[0] != "'" and "$(" in found:
                    for sub in _SUBSTITUTION.compiled.finditer(text, match.start(), match.end()):
                        substitutions.append(sub.span(1))
                return "\0" * len(found)

            blanked = _BLANKED.compiled.sub(blank, text)
        commands: list[Command] = []
        runs: list[list[Command]] = []
        pipes: list[tuple[int, int, list[list[Command]], bool]] = []
        parts = _PLAIN_OPERATORS.compiled.split(blanked or text)  # operand, operator, operand, …
        last = len(parts) - 1
        while last >= 2 and parts[last - 1] == "\n" and not parts[last].strip(" \t"):
            last -= 2  # trailing newlines
        if last >= 2 and parts[last - 1] == ";" and not parts[last].strip(" \t"):
            last -= 2  # a trailing ``;`` ends the last statement
        at = 0
        lists = 0  # pipelines in the current statement
        run: list[Command] = []  # the current && run of the statement
        stages: list[Command] = []  # the current pipeline's stages (a command each)
        nested: list[Command] = []  # the commands of its stages' substitutions
        bare: list[Assignment] = []  # assignments that are statements
        piece, pi = self.piece, self.pi
        next_sub = 0
        for i in range(0, last + 1, 2):
            part = parts[i]
            redirects: tuple[Redirect, ...] = ()
            if ">" in part:
                split = self._plain_redirects(part, at)
                if split is None:
                    return False
                part, redirects = split
            code = part.lstrip(" \t")
            if not code and not redirects and i < last and parts[i + 1] == "\n":
                at += len(part) + 1  # an empty line, or ``&&`` at the end of one: what comes
                continue  # before goes on
            start = at + len(part) - len(code)
            code = code.rstrip(" \t")
            if blanked is None:
                words = _plain_words(code, start, piece)
            else:
                words = _plain_words(text[start : start + len(code)], start, piece, code)
            if not words:
                return False  # (an empty operand is a syntax error)
            name = words[0]
            end = words[-1]._end  # (where its words end: a pipeline ends there)
            assignments: tuple[Assignment, ...] = ()
            if "=" in name.raw:
                k = self._plain_assignments(words)
                if k:
                    assignments = tuple([self._assignment(w) for w in words[:k]])
                    words = words[k:]
                    if words:
                        name = words[0]
                    elif redirects or stages or (i < last and (
                        parts[i + 1][0] == "|" or (k > 1 and parts[i + 1] == "\n")
                    )):
                        # (tree-sitter-bash makes ``A=1 B=2`` at the end of a line the
                        # assignments of the next line's command, and ``A=||`` an error)
                        return False
                    else:  # assignments alone: a statement (or an operand of a list) of their own
                        bare.extend(assignments)
            if words:
                if not _plain_name(name.raw):
                    return False
                cmd = Command(  # (by position, as in `_make`)
                    name.value, name, tuple(words[1:]), piece, assignments, redirects, None, pi, 0,
                    False, False, None, _UNSET, start if assignments else name._start,
                    redirects[-1].target._end if redirects else end,  # type: ignore[union-attr]
                )
                commands.append(cmd)
                stages.append(cmd)
            while next_sub < len(substitutions) and substitutions[next_sub][0] < end:
                inner = self._substitution(*substitutions[next_sub])
                if inner is None:
                    return False
                commands.append(inner)
                nested.append(inner)
                next_sub += 1
            at += len(parts[i])
            op = parts[i + 1] if i < last else ";"
            at += len(op)
            if op == "|":
                if redirects:  # tree-sitter-bash reads ``a && b > x | c`` as ``(a && b > x) | c``
                    return False
                continue
            if len(stages) > 1:
                if len(stages) > 2 and op != ";":
                    # tree-sitter-bash reads ``a | b | c && d`` as ``a | (b | c && d)`` (and
                    # longer pipelines before ``&&`` or ``||`` elsewhere likewise; ``a | b |
                    # c\nd && e`` as ``a | b | c d && e``)
                    return False
                pipes.append((stages[0]._start, end, [[c] for c in stages], False))
            if op == "\n":
                op = ";"
            if nested:  # (in a run, commands are in document order)
                run.extend(sorted(stages + nested, key=_start_of))
                nested = []
            else:
                run.extend(stages)
            stages = []
            lists += 1
            if op == "&&":
                continue
            if (op == "||" or lists > 1) and run:  # (a statement of one pipeline is no list)
                runs.append(run)
            run = []
            if op == ";":
                lists = 0
        self.commands = commands
        self.starts = [c._start for c in commands]
        self.pipes = pipes
        self.runs = runs
        self.assignments = bare
        return True

    def _substitution(self, start: int, end: int) -> Command | None:
        """The command of a ``$(…)`` of plain code (its code at ``start:end``), as the walk makes
        it, or None when tree-sitter would read it otherwise."""
        code = self.src.text[start:end]
        stripped = code.lstrip(" \t")
        start += len(code) - len(stripped)
        stripped = stripped.rstrip(" \t")
        words = _plain_words(stripped, start, self.piece)
        if not words or not _plain_name(words[0].raw):
            return None
        return self._plain(words, start, words[-1]._end, True, False)

    def declaration(self, node: Any, sub: bool, outer_redirects: list[Any]) -> Command | None:
        """``export A=1 B`` / ``local x`` / ``unset y`` as commands named by their keyword."""
        children = node.children
        if not children:
            return None
        kw = children[0]
        name = self.arg(kw)
        args: list[Arg] = []
        for c in children[1:]:
            if c.type == "variable_assignment":
                a = self.assignment(c)
                src = self.src
                at, to = src.idx(c.start_byte), src.idx(c.end_byte)
                value = f"{a.name}={a.value}"
                args.append(Arg(value, a.raw, a.span, a.static, at, to, self.piece))
            elif c.is_named and c.type != "comment":
                args.append(self.arg(c))
        redirs = [self.redirect(rn)[0] for rn in outer_redirects]
        return self._make(node, name, args, [], redirs, sub, outer_redirects)

    def _make(
        self,
        node: Any,
        name: Arg,
        args: list[Arg],
        assigns: list[Assignment],
        redirs: list[Redirect],
        sub: bool,
        outer_redirects: list[Any],
    ) -> Command:
        src = self.src
        end_byte = node.end_byte
        for rn in outer_redirects:  # redirects of a redirected_statement extend the command
            end_byte = max(end_byte, rn.end_byte)
        start, end = src.idx(node.start_byte), src.idx(end_byte)
        cmd = Command(  # (by position: name, name_arg, args, _piece, assignments, redirects, text,
            # piece, index, substitution, background, wrapper, _inner, _start, _end)
            name.value, name, tuple(args), self.piece, tuple(assigns) if assigns else (),
            tuple(redirs) if redirs else (), None, self.pi, 0, sub,
            bool(self.background) and node.id in self.background, None, _UNSET, start, end,
        )
        self.commands.append(cmd)
        return cmd

    # -- the walk ------------------------------------------------------------------------------
    def walk(self, root: Any) -> None:
        # an explicit stack (a 1,000-command `&&` chain nests 1,000 deep); parent types travel
        # on the stack because tree-sitter's Node.parent walks down from the root each time
        # (each node's type travels with it too: tree-sitter makes a new string on each ask)
        pending = self.pending
        background = self.background
        stack: list[tuple[Any, bool, str, str]] = [(root, False, "", root.type)]
        pop, push = stack.pop, stack.append
        any_error = root.has_error  # a MISSING node always sits under one with an error
        # whether any command can hold another ($(…), `…`, <(…), >(…)) and any `&` can be there
        nests = _may_nest(self.piece.text)
        text = self.src.text  # (whether an `&` stands alone: as `"&" in text.replace("&&", "")`)
        amp = "&" in text and text.count("&") > 2 * text.count("&&")
        while stack:
            node, sub, ptype, t = pop()
            if any_error and node.is_missing:
                self.errors.append(ShellError(f"missing {t!r}", self.span(node)))
                continue
            if t == "ERROR":
                self.errors.append(ShellError("syntax error", self.span(node)))
            elif t in _COMMANDS:
                build = self.command if t == "command" else self.declaration
                cmd = build(node, sub, pending.pop(node.id, ()) if pending else ())
                # descend only for what may hold commands: $(…), `…`, <(…), >(…)
                if cmd is not None and not (nests and _may_nest(self.piece.text, cmd._start, cmd._end)) \
                        and not node.has_error:
                    continue
            elif t == "redirected_statement":
                body = node.child_by_field_name("body")
                rs = [c for c in node.children if c.type in _REDIRECTS]
                if body is not None:
                    # tree-sitter-bash hangs `a && b > x` / `a | b > x` on the whole list or
                    # pipeline; the shell binds the redirect to the last simple command
                    target = _last_command(body)
                    if target is not None:
                        pending.setdefault(target.id, []).extend(rs)
                children = node.children
                for i in range(len(children) - 1, -1, -1):
                    c = children[i]
                    push((c, sub, ptype, c.type))  # transparent for list roots
                continue
            elif t == "pipeline":
                self.pipeline_nodes.append((node, sub))
            elif t == "list":
                if ptype != "list":
                    self.list_roots.append(node)
            elif t == "variable_assignment" and ptype in _STATEMENT_PARENTS:
                self.assignments.append(self.assignment(node))
            if node.child_count:
                inner = sub or t in _SUBSTITUTIONS
                if amp and t in _BG_PARENTS:
                    prev = None
                    for c in node.children:
                        if c.type == "&" and prev is not None:
                            last = _last_command(prev)
                            if last is not None:
                                background.add(last.id)
                        prev = c
                if node.has_error:
                    children = node.children
                    for i in range(len(children) - 1, -1, -1):
                        c = children[i]
                        ct = c.type
                        if c.is_named and ct not in _LEAVES:
                            push((c, inner, t, ct))
                        elif c.is_missing:
                            self.errors.append(ShellError(f"missing {c.type!r}", self.span(c)))
                else:  # only named children matter: let tree-sitter pick them
                    children = node.named_children
                    for i in range(len(children) - 1, -1, -1):
                        c = children[i]
                        ct = c.type
                        if ct not in _LEAVES:
                            push((c, inner, t, ct))

    # -- after the walk ------------------------------------------------------------------------
    def finish(self) -> None:
        """Order the commands and resolve pipelines and ``&&`` runs to commands of this piece."""
        cmds = self.commands
        cmds.sort(key=lambda c: c._start)  # pre-order already; sort is cheap and makes sure
        self.starts = [c._start for c in cmds]
        src = self.src
        # pipelines: (start, end, stages, negated)
        self.pipes: list[tuple[int, int, list[list[Command]], bool]] = []
        for node, sub in self.pipeline_nodes:
            stages = []
            named = node.named_children
            for el in named:
                if el.type == "comment":
                    continue
                stages.append(
                    [c for c in self._within(src.idx(el.start_byte), src.idx(el.end_byte))
                     if c.substitution == sub]
                )
            negated = any(el.type == "negated_command" for el in named[:1])
            self.pipes.append((src.idx(node.start_byte), src.idx(node.end_byte), stages, negated))
        # && runs of each list root
        self.runs: list[list[Command]] = []
        text = src.text
        for root in self.list_roots:
            start, end = src.idx(root.start_byte), src.idx(root.end_byte)
            code = text[start:end]
            if "||" not in code and ";" not in code and "\n" not in code and "#" not in code \
                    and code.count("&") == 2 * code.count("&&") and not _may_nest(code):
                # operands joined by && alone (the usual RUN), none holding a command in a
                # redirect: one run of every command in it (the walk below gives the same)
                run = self._within(start, end)
                if run:
                    self.runs.append(run)
                continue
            seq: list[tuple[Any, str]] = []  # (node, its type)
            stack = [root]
            while stack:
                n = stack.pop()
                t = n.type
                if t == "redirected_statement":
                    body = n.child_by_field_name("body")
                    if body is not None and body.type == "list":
                        stack.append(body)
                        continue
                if t == "list":
                    stack.extend(reversed(n.children))
                elif t != "comment":
                    seq.append((n, t))
            run: list[Command] = []
            for item, t in seq:
                if t in ("&&", "||", ";", "&", "\n") and not item.is_named:
                    if t != "&&":
                        if run:
                            self.runs.append(run)
                        run = []
                    continue
                run.extend(self._within(src.idx(item.start_byte), src.idx(item.end_byte)))
            if run:
                self.runs.append(run)

    def _within(self, start: int, end: int) -> list[Command]:
        i = bisect_left(self.starts, start)
        out = []
        cmds = self.commands
        while i < len(cmds) and cmds[i]._start < end:
            out.append(cmds[i])
            i += 1
        return out


def _last_command(node: Any) -> Any:
    """The simple command a redirect after `node` binds to, or None (a subshell, a group…)."""
    for _ in range(10000):
        t = node.type
        if t in ("command", "declaration_command", "unset_command"):
            return node
        if t == "redirected_statement":
            body = node.child_by_field_name("body")
            if body is None:
                return None
            node = body
        elif t in ("list", "pipeline"):
            named = [c for c in node.named_children if c.type != "comment"]
            if not named:
                return None
            node = named[-1]
        else:
            return None
    return None


def _parse_piece(
    piece: Piece, index: int, heredoc_at: dict[int, Heredoc] | None = None, code: str | None = None
) -> _Builder:
    """Parse `code` (default `piece.text`; same length, masked or with CRs blanked)."""
    builder = _Builder(piece, index, heredoc_at or {}, piece.text if code is None else code)
    if heredoc_at or not builder.plain_chain():
        tree = _parser().parse(builder.src.data)
        builder.walk(tree.root_node)
        builder.finish()
    return builder


def _assemble(builders: list[_Builder]) -> Script:
    commands: list[Command] = []
    pipelines: list[Pipeline] = []
    chains: list[tuple[Command, ...]] = []
    errors: list[ShellError] = []
    assignments: list[Assignment] = []
    events: dict[int, list[tuple[int, str, bool]]] = {}
    pieces = []
    for pi, b in enumerate(builders):
        b.piece_index = pi
        pieces.append(b.piece)
        for c in b.commands:
            c.piece = pi
            c.index = len(commands)
            c._inner = _UNSET  # unwrapped before indices were known (heredoc runners)
            c._unw = None
            commands.append(c)
            if c.name == "set" and c.args:
                for opt, on in _set_events([a.value for a in c.args]):
                    events.setdefault(pi, []).append((c.index, opt, on))
        errors.extend(b.errors)
        assignments.extend(b.assignments)
    chains_of: dict[int, list[int]] = {}
    only = builders[0].runs if len(builders) == 1 else None
    if only is not None and len(only) <= 1 and (not only or len(only[0]) == len(commands)):
        # (most RUNs: one && run of every command, or no list at all: the general case below
        # gives the same chains)
        if only:
            run = tuple(only[0])
            chains.append(run)
            for c in run:
                chains_of[c.index] = [0]
        else:
            for ci, c in enumerate(commands):
                chains.append((c,))
                chains_of[c.index] = [ci]
    else:
        runs = [tuple(run) for b in builders for run in b.runs]
        in_run = {c.index for run in runs for c in run}
        runs.extend((c,) for c in commands if c.index not in in_run)
        runs.sort(key=lambda r: (r[0].index, -len(r)))
        for ci, run in enumerate(runs):
            chains.append(run)
            for c in run:
                chains_of.setdefault(c.index, []).append(ci)
    script = Script(  # (by position: pieces, commands, pipelines, and_chains, errors, assignments,
        # _events, _chains_of)
        tuple(pieces), tuple(commands), (), tuple(chains), tuple(errors), tuple(assignments),
        events, chains_of,
    )
    for b in builders:
        for start, end, stages, negated in b.pipes:
            # (by position: commands, span, piece, negated, pipefail, stages)
            p = Pipeline(
                tuple([c for stage in stages for c in stage]), b.piece.span(start, end),
                b.piece_index, negated, False, tuple([tuple(s) for s in stages]),
            )
            p.pipefail = script.option_at("pipefail", p)
            pipelines.append(p)
    if len(pipelines) > 1:
        pipelines.sort(key=lambda p: (p.piece, p.span.start))
    script.pipelines = tuple(pipelines)
    return script


def parse_script(
    text: str, to_file: Callable[[int], int] | None = None, shell: Sequence[str] = DEFAULT_SHELL
) -> Script:
    """Parse shell code. ``to_file(i)`` maps an index in `text` to a file offset (default: the
    identity); `shell` is the shell that runs it (its ``-o pipefail`` counts for `pipefail`)."""
    piece = Piece("line", text, to_file or _identity, tuple(shell))
    return _assemble([_parse_piece(piece, 0)])


def _identity(i: int) -> int:
    return i


# ---------------------------------------------------------------------------------------------
# shells and stages


_POSIX: dict[tuple[str, ...], bool] = {}  # is_posix_shell of a tuple, once


def is_posix_shell(shell: Sequence[str] | str) -> bool:
    """Whether `shell` (a SHELL argv or a program name) is a POSIX shell: sh, bash, ash, dash,
    zsh, ksh…, ``busybox sh``, ``/usr/bin/env bash``; not cmd, powershell or pwsh."""
    return _per_shell(_POSIX, shell, _is_posix_shell)  # (asked for every RUN)


def _is_posix_shell(shell: Sequence[str] | str) -> bool:
    words = [shell] if isinstance(shell, str) else list(shell)
    if not words:
        return False
    name = basename(words[0]).lower()
    if name.endswith(".exe"):
        name = name[:-4]
    if name == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        return bool(rest) and is_posix_shell(rest)
    if name == "busybox":
        return len(words) > 1 and basename(words[1]) in ("sh", "ash", "hush")
    return name in POSIX_SHELLS


def is_windows_image(image: str) -> bool:
    """Whether a FROM image looks like a Windows base (its default shell is ``cmd /S /C``)."""
    ref = image.lower()
    return (
        ref.startswith("mcr.microsoft.com/windows")
        or "servercore" in ref
        or "nanoserver" in ref
        or ref.startswith(("microsoft/windowsservercore", "microsoft/nanoserver"))
    )


def _from_parts(ins: Instruction) -> tuple[str, str | None]:
    words = ins.words
    image = words[0].value if words else ""
    alias = words[2].value.lower() if len(words) >= 3 and words[1].value.lower() == "as" else None
    return image, alias


def _stage_shells(instrs: Sequence[Instruction]) -> tuple[list[tuple[str, ...]], dict[int, int]]:
    """For every position ``p`` in ``0..len(instrs)``, the shell in force just before
    ``instrs[p]`` (the nearest SHELL before it in its stage, or the stage base's default; ``FROM
    <stage>`` inherits the shell at the end of that stage), and the position of each instruction
    by id. One forward pass: a ``FROM <stage>`` always names an earlier stage, so what it inherits
    is known when it is reached (linear, no recursion however long a chain of stages is)."""
    before: list[tuple[str, ...]] = [DEFAULT_SHELL]
    positions: dict[int, int] = {}
    alias_at: dict[str, int] = {}  # stage name → index of the latest FROM with it
    next_from: dict[int, int] = {}  # index of a FROM → index of the next FROM
    last_from = -1
    current = DEFAULT_SHELL
    global_args: dict[str, str] = {}  # ARG defaults before the first FROM, for `FROM $IMAGE`
    for j, ins in enumerate(instrs):
        positions.setdefault(id(ins), j)
        name = ins.name
        if name == "ARG" and last_from < 0:
            from dflint.words import split_key_values

            for key, value in split_key_values(ins.args, instruction="ARG"):
                if value is not None:
                    global_args[key] = value
        elif name == "SHELL":
            try:
                js = ins.json
            except ValueError:
                js = None
            if js:
                current = js
        elif name == "FROM":
            if last_from >= 0:
                next_from[last_from] = j
            last_from = j
            image, alias = _from_parts(ins)
            k = alias_at.get(image.lower())
            if k is not None:  # FROM <stage>: the shell in force at the end of that stage
                current = before[next_from.get(k, j)]
            else:
                if "$" in image and global_args:
                    from dflint.words import expand

                    exp = expand(image, global_args)
                    if exp.resolved:
                        image = exp.value
                current = WINDOWS_SHELL if is_windows_image(image) else DEFAULT_SHELL
            if alias is not None:
                alias_at[alias] = j
        before.append(current)
    return before, positions


def _stage_shell_table(dockerfile: Any) -> tuple[list[tuple[str, ...]], dict[int, int], list[str | None]]:
    """`_stage_shells` and the shell pragma in force at each position, computed once per
    Dockerfile (kept in its `memo`)."""
    memo = getattr(dockerfile, "memo", None)
    if memo is not None:
        table = memo.get("stage_shells")
        if table is not None:
            return table  # type: ignore[no-any-return]
    instrs = dockerfile.instructions
    before, positions = _stage_shells(instrs)
    table = (before, positions, _shell_pragmas(dockerfile, instrs, positions))
    if memo is not None:
        memo["stage_shells"] = table
    return table


def stage_shell(instruction: Instruction, dockerfile: Dockerfile) -> tuple[str, ...]:
    """The shell a shell-form instruction runs with: the nearest SHELL before it in its stage, or
    the stage base's default (``/bin/sh -c``; ``cmd /S /C`` on a Windows image). ``FROM <stage>``
    inherits that stage's shell. (Computed for the whole file once, then looked up.)"""
    dockerfile = getattr(dockerfile, "dockerfile", dockerfile)  # a Context will do
    top = instruction
    while top.parent is not None:  # an ONBUILD trigger: where the ONBUILD is
        top = top.parent
    before, positions, pragmas = _stage_shell_table(dockerfile)
    pos = positions.get(id(top))
    if pos is None or dockerfile.instructions[pos] is not top:
        return DEFAULT_SHELL
    found = pragmas[pos]
    if found is not None:
        return (found,) if not is_posix_shell(found) else (found, "-c")
    return before[pos]


_SHELL_PRAGMA = LazyPattern(r"\s*(?:hadolint\s+|dflint\s*:\s*)shell\s*=\s*(\S+)", re.IGNORECASE)


def _shell_pragmas(dockerfile: Dockerfile, instrs: Sequence[Instruction],
                   positions: dict[int, int]) -> list[str | None]:
    """hadolint's ``# hadolint shell=powershell`` (also ``# dflint: shell=…``) in force at each
    position: the last such comment line before the instruction in its stage, after the last
    SHELL instruction (a pragma ends at the next FROM or SHELL)."""
    out: list[str | None] = [None] * len(instrs)
    nodes = dockerfile.nodes
    if not any(isinstance(n, Comment) and _SHELL_PRAGMA.match(n.text) for n in nodes):
        return out  # the usual case: no shell pragma at all
    found: str | None = None
    for node in nodes:
        if isinstance(node, Comment):
            m = _SHELL_PRAGMA.match(node.text)
            if m:
                found = m.group(1)
            continue
        pos = positions.get(id(node))
        if pos is None or instrs[pos] is not node:
            continue
        out[pos] = found
        if node.name in ("FROM", "SHELL"):
            found = None
    return out


# ---------------------------------------------------------------------------------------------
# RUN instructions


def _mask_heredocs(
    line: str, heredocs: Sequence[Heredoc], to_file: Callable[[int], int]
) -> tuple[str, dict[int, Heredoc]]:
    """Rewrite each heredoc word ``<<EOF`` / ``<<-EOF`` as ``< EOF`` / ``<  EOF`` (same length, so
    positions hold): tree-sitter-bash cannot parse a heredoc without its body (nor several on a
    line), and the bodies are parsed on their own. Returns the text and the index of each
    heredoc's ``<``."""
    positions = [
        i
        for i in range(len(line) - 1)
        if line[i] == "<" and line[i + 1] == "<"
        and (i == 0 or line[i - 1] != "<") and line[i + 2 : i + 3] != "<"
    ]
    chars = list(line)
    found: dict[int, Heredoc] = {}
    for h in heredocs:
        pick = next(
            (i for i in positions if i not in found and h.span.start <= to_file(i) < h.span.end),
            None,
        )
        if pick is None:
            for i in positions:
                if i in found:
                    continue
                rest = line[i + 2 :]
                rest = rest[1:] if rest.startswith("-") else rest
                if rest.lstrip("'\"").startswith(h.name):
                    pick = i
                    break
        if pick is None:
            continue
        found[pick] = h
        chars[pick + 1] = " "
        if line[pick + 2 : pick + 3] == "-":
            chars[pick + 2] = " "
    return "".join(chars), found


def _shebang(body: str) -> tuple[str, ...] | None:
    if not body.startswith("#!"):
        return None
    words = body[2:].split("\n", 1)[0].strip().split()
    if words and basename(words[0]) == "env":
        words = words[1:]
        while words and (words[0].startswith("-") or "=" in words[0]):
            words = words[1:]
    return tuple(words)


def _stdin_shell(cmd: Command) -> tuple[str, ...] | None:
    """The argv of a POSIX shell that reads its script from stdin (``bash``, ``sh -e``,
    ``sudo bash -s``), or None (not a shell, ``sh -c …``, ``bash script.sh``)."""
    u = cmd.unwrapped()
    argv = u.argv
    if not is_posix_shell(argv):
        return None
    words = list(argv[1:])
    if u.basename == "busybox":
        words = words[1:]
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-o", "+o"):
            i += 2
            continue
        if w == "-" or w == "--":
            return argv if i + 1 >= len(words) else None
        if w.startswith("--"):
            i += 1
            continue
        if w[:1] in "-+" and len(w) > 1:
            if "c" in w[1:]:
                return None
            if "s" in w[1:]:
                return argv
            i += 1 + w[1:].count("o")
            continue
        return None  # a script file: stdin is its data
    return argv


def _body_runner(cmd: Command, builder: _Builder) -> tuple[str, ...] | None:
    """The shell a heredoc fed to `cmd` runs in: `cmd` itself when it is a shell reading stdin,
    or the next stage of ``cat <<EOF | sh``."""
    runner = _stdin_shell(cmd)
    if runner is not None:
        return runner
    u = cmd.unwrapped()
    if u.is_("cat") and not u._positional_with(()):
        for _start, _end, stages, _negated in builder.pipes:
            for i, stage in enumerate(stages[:-1]):
                if cmd in stage and stages[i + 1]:
                    return _stdin_shell(stages[i + 1][0])
    return None


def script_of(instruction: Instruction, ctx: Any = None) -> Script | None:
    """The shell script of a shell-form RUN (also CMD, ENTRYPOINT, HEALTHCHECK CMD), or None for
    exec form and when the stage's shell is not POSIX. `ctx` is a `dflint.rule.Context` or a
    `Dockerfile` (for the stage's SHELL); without one, ``/bin/sh -c`` is assumed.

    Heredocs: the line is parsed with each ``<<EOF`` masked; a body becomes a piece of the script
    when a shell runs it: ``RUN <<EOF`` alone (unless its ``#!`` names another interpreter),
    ``RUN bash <<EOF``, ``RUN sh -e <<EOF``, ``RUN cat <<EOF | sh``. Other bodies (``cat <<EOF >
    file``, ``python3 <<EOF``) are data."""
    # Parsing makes many small objects and no reference cycles: the cyclic garbage collector
    # would only scan them again and again while they are made (on a 100,000-command heredoc a
    # third of the time; on a file of 20,000 RUNs, whose scripts all stay alive, 40%). Paused,
    # it looks at each script's objects once, at the next collection after the parse.
    if not gc.isenabled():
        return _script_of(instruction, ctx)
    gc.disable()
    try:
        return _script_of(instruction, ctx)
    finally:
        gc.enable()


def _script_of(instruction: Instruction, ctx: Any = None) -> Script | None:
    """`script_of` without the garbage collector pause."""
    name = instruction.name
    if name not in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
        return None
    try:
        if instruction.json is not None:
            return None
    except ValueError:
        return None
    dockerfile = getattr(ctx, "dockerfile", ctx)
    shell = stage_shell(instruction, dockerfile) if dockerfile is not None else DEFAULT_SHELL
    if not is_posix_shell(shell):
        return None
    args = instruction.args
    offset = 0
    if name == "HEALTHCHECK":
        head = args.lstrip()
        if head[:3].upper() != "CMD" or head[3:4] not in (" ", "\t"):
            return None
        offset = len(args) - len(head) + 4
        while offset < len(args) and args[offset] in " \t":
            offset += 1
    logical, base = instruction.logical, instruction.args_start + offset

    def to_file(i: int) -> int:
        return logical.to_file(base + i)

    text = args[offset:]
    heredocs = instruction.heredocs if name == "RUN" else ()
    if heredocs:
        nl = text.find("\n")
        if nl != -1:  # the bodies are taken from the heredocs, never from the line
            text = text[:nl]
    piece = Piece("line", text, to_file, shell)
    piece._logical, piece._base = logical, base
    if not heredocs:
        return _assemble([_parse_piece(piece, 0)])  # (what parse_script does)

    masked, heredoc_at = _mask_heredocs(text, heredocs, to_file)
    line = _parse_piece(piece, 0, heredoc_at, masked)
    builders = [line] if line.commands or line.errors or line.assignments else []
    fed: dict[int, Command] = {}
    for c in line.commands:
        for r in c.redirects:
            if r.heredoc is not None:
                fed[id(r.heredoc)] = c
    for h in heredocs:
        runner: tuple[str, ...] | None
        cmd = fed.get(id(h))
        if cmd is not None:
            runner = _body_runner(cmd, line)
        elif not line.commands and len(heredocs) == 1:
            bang = _shebang(h.body)
            runner = shell if bang is None else (bang if is_posix_shell(bang) else None)
        else:
            runner = None
        if runner is None:
            continue
        start = h.body_span.start
        piece = Piece("heredoc", h.body, lambda i, s=start: s + i, tuple(runner), h)
        builders.append(_parse_piece(piece, len(builders), None, h.body.replace("\r\n", " \n")))
    if not builders:
        return None
    return _assemble(builders)
