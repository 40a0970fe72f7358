"""Finding Dockerfiles on disk, reading them, and writing them back without losing anything."""

from __future__ import annotations

import os
import stat

from dflint.errors import UserError

#: Directories never walked into (ruff's defaults, roughly).
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
)


def is_dockerfile(name: str) -> bool:
    """Dockerfile, Containerfile, *.Dockerfile, *.dockerfile, Dockerfile.*, Containerfile.*
    (any case), never *.dockerignore."""
    low = name.lower()
    if low.endswith(".dockerignore"):
        return False
    return (
        low in ("dockerfile", "containerfile")
        or low.endswith(".dockerfile")
        or low.startswith(("dockerfile.", "containerfile."))
    )


def excluded(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether `path` (or any of its parent folders) matches one of the glob `patterns`.

    A pattern without a slash matches a file or folder name anywhere (``build``, ``*.tmp``);
    one with a slash matches the path from the start (``examples/*``), ``**`` included."""
    parts = _parts(path)
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if "/" not in pat:
            if any(_fnmatch(part, pat) for part in parts):
                return True
            continue
        pat = pat.removeprefix("./")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if _fnmatch(prefix, pat) or (pat.startswith("**/") and _fnmatch(prefix, pat[3:])):
                return True
    return False


def _fnmatch(name: str, pattern: str) -> bool:
    """``fnmatch.fnmatchcase``; a pattern without wildcards is compared as it is (fnmatch
    compiles every pattern to a regular expression: the default excludes are all plain names)."""
    if not any(c in pattern for c in "*?["):
        return name == pattern
    import fnmatch

    return fnmatch.fnmatchcase(name, pattern)


def _parts(path: str) -> tuple[str, ...]:
    """``PurePosixPath(Path(path).as_posix()).parts`` (without importing pathlib on POSIX)."""
    if os.name == "nt":
        from pathlib import Path, PurePosixPath

        return PurePosixPath(Path(path).as_posix()).parts
    parts: list[str] = []
    if path.startswith("/"):  # POSIX keeps exactly two leading slashes as the root
        parts.append("//" if path.startswith("//") and not path.startswith("///") else "/")
    parts.extend(part for part in path.split("/") if part and part != ".")
    return tuple(parts)


class Discovery:
    __slots__ = ("files", "missing", "empty")

    def __init__(self, files: list[str], missing: list[str], empty: list[str]) -> None:
        self.files = files
        self.missing = missing  # paths given that do not exist
        self.empty = empty  # directories given that hold no Dockerfile

    def __repr__(self) -> str:
        return f"Discovery(files={self.files!r}, missing={self.missing!r}, empty={self.empty!r})"


def discover(paths: list[str], exclude: tuple[str, ...] = (), force_exclude: bool = False) -> Discovery:
    """Files to lint, in a stable order, each once. Directories are walked (sorted, symlinked
    folders not followed, excluded folders pruned); files named on the command line are always
    linted unless `force_exclude` applies the excludes to them too."""
    patterns = DEFAULT_EXCLUDE + tuple(exclude)
    files: list[str] = []
    seen: set[str] = set()
    missing: list[str] = []
    empty: list[str] = []

    def add(p: str) -> None:
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            files.append(p)

    for given in paths:
        if given == "-":
            files.append("-")
            continue
        if os.path.isdir(given):
            found = 0
            for root, dirs, names in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not excluded(os.path.join(root, d), patterns))
                for name in sorted(names):
                    full = os.path.join(root, name)
                    if is_dockerfile(name) and not excluded(full, tuple(exclude)):
                        add(full)
                        found += 1
            if not found:
                empty.append(given)
        elif os.path.exists(given):
            if force_exclude and excluded(given, patterns):
                continue
            add(given)
        elif os.path.islink(given):
            files.append(given)  # a broken link or a loop: read() says which
        else:
            missing.append(given)
    return Discovery(files, missing, empty)


def read(path: str) -> bytes:
    """The file's bytes, or a UserError with a one-line reason. Only regular files are read (a
    FIFO or a device named like a Dockerfile would block or never end)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UserError(f"{path}: broken symlink or symlink loop") from None
        raise UserError(f"{path}: no such file") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise UserError(f"{path}: symlink loop") from None
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise UserError(f"{path}: is a directory")
        raise UserError(f"{path}: not a regular file (a FIFO, socket or device); skipped")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory") from None
    except PermissionError:
        raise UserError(f"{path}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace the file's content with `data`: through a temporary file in the same folder and
    `os.replace`, keeping the mode; a symlink is written through to its target. Refuses (UserError)
    when the file no longer holds `expected` (it changed on disk since it was read)."""
    target = os.path.realpath(path)
    try:
        with open(target, "rb") as fh:
            current = fh.read()
    except OSError as exc:
        raise UserError(f"{path}: cannot read before writing: {exc.strerror or exc}") from None
    if current != expected:
        raise UserError(f"{path}: changed on disk while dflint was working; not overwritten")
    if not os.access(target, os.W_OK):
        raise UserError(f"{path}: read-only; not overwritten")
    import tempfile

    mode = stat.S_IMODE(os.stat(target).st_mode)
    folder = os.path.dirname(target) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=".dflint-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"{path}: cannot write (temporary file in {folder}): {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UserError(f"{path}: cannot write: {exc.strerror or exc}; the file is unchanged") from None
        raise
