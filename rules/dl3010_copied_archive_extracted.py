from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.source import Span
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, Sequence

#: hadolint's archiveFileFormatExtensions: names ADD would unpack.
ARCHIVE_EXTENSIONS = (
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
)
#: Commands that decompress their file arguments (hadolint's list).
DECOMPRESSORS = frozenset(
    "unzip gunzip bunzip2 unlzma unxz zgz uncompress zcat gzcat".split()
)
#: Compressors that decompress with -d / --decompress.
_COMPRESSORS = frozenset("gzip bzip2 xz lzma pigz zstd".split())


def is_archive(name: str) -> bool:
    return name.endswith(ARCHIVE_EXTENSIONS)


def basename(path: str) -> str:
    path = path.strip("\"'")
    return path.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] if path else path


class _Archive:
    """An archive a COPY/ADD put in the image: its basename, the instruction, the source's span."""

    __slots__ = ("name", "copy", "span", "reported")

    def __init__(self, name: str, copy: Instruction, span: Span, reported: bool = False) -> None:
        self.name = name
        self.copy = copy
        self.span = span
        self.reported = reported


def _extracts(name: str, args: Sequence[str]) -> bool:
    """Whether the command `name args…` extracts or decompresses its file arguments."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base in DECOMPRESSORS:
        return True
    if base in _COMPRESSORS:
        return any(a in ("-d", "--decompress", "--uncompress") or
                   (a.startswith("-") and not a.startswith("--") and "d" in a[1:]) for a in args)
    if base not in ("tar", "gtar", "bsdtar"):
        return False
    for i, a in enumerate(args):
        if a in ("--extract", "--get"):
            return True
        if a.startswith("-") and not a.startswith("--") and "x" in a[1:]:
            return True
        if i == 0 and a and not a.startswith("-") and a.isalpha() and "x" in a:
            return True  # old-style `tar xzf file`
    return False


class CopiedArchiveExtracted(Rule):
    """A local archive is copied with `COPY` and then unpacked in a `RUN`.

    `ADD` unpacks a local tar archive (plain or compressed with gzip, bzip2 or xz) into the
    destination by itself: `COPY app.tar.gz /tmp/` followed by `RUN tar -xzf /tmp/app.tar.gz`
    stores the archive in one layer and its contents in another. The rule matches the archive's
    file name (as hadolint does) against the arguments of `tar` in extract mode (`-x`,
    `--extract`, `tar xzf`) and of decompressors (`gunzip`, `unxz`, `zcat`, `gzip -d`…) in the
    `RUN` instructions after the `COPY` in the same stage.

    ## Why is this bad?
    The archive stays in the image in the `COPY` layer even when the `RUN` deletes it: the image
    carries the data twice.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    COPY app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    ADD app.tar.gz /opt/
    ```

    ## Differences from hadolint
    hadolint 2.15 drops its DL3010 findings at every `FROM`, so it only reports the last stage;
    dflint reports every stage. dflint also recognises old-style `tar xzf`, `gzip -d` and
    commands run through `sudo`, `env` and other wrappers, ignores `tar` inside quotes and
    `echo` (both tools do), and points at the archive in the `COPY`.

    ## References
    - [hadolint DL3010](https://github.com/hadolint/hadolint/wiki/DL3010)
    - [Dockerfile reference: ADD](https://docs.docker.com/reference/dockerfile/#adding-local-tar-archives)
    """

    code = "DL3010"
    name = "copied-archive-extracted"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Violation]:
        for stage in ctx.graph.stages:
            archives: list[_Archive] = []
            for ins in stage.instructions[1:]:
                if ins.name == "COPY" and ins.flag("from") is None:
                    archives.extend(self._archives(ins))
                elif ins.name == "RUN" and archives:
                    for name, args in self._commands(ctx, ins):
                        if not _extracts(name, args):
                            continue
                        names = {basename(a) for a in args if a and not a.startswith("-")}
                        for archive in archives:
                            if archive.reported or archive.name not in names:
                                continue
                            archive.reported = True
                            yield Violation(
                                archive.span,
                                f"Use `ADD` for extracting archives into an image: `{archive.name}` "
                                f"is copied here and unpacked by the RUN on line {ins.line}; "
                                "`ADD` unpacks it without keeping the archive in a layer",
                            )

    @staticmethod
    def _archives(ins: Instruction) -> list[_Archive]:
        if ins.json is not None:
            parts = [(p, ins.args_span) for p in ins.json]
        else:
            parts = [(w.value, w.span) for w in ins.words if not w.value.startswith("<<")]
        if len(parts) < 2:
            return []
        (dest, dest_span), sources = parts[-1], parts[:-1]
        if is_archive(basename(dest)):
            return [_Archive(basename(dest), ins, dest_span)]
        return [_Archive(basename(s), ins, span) for s, span in sources if is_archive(basename(s))]

    @staticmethod
    def _commands(ctx: Context, ins: Instruction) -> list[tuple[str, list[str]]]:
        if ins.json is not None:
            return [(ins.json[0], list(ins.json[1:]))] if ins.json else []
        script = ctx.script(ins)
        if script is None:
            return []
        out = []
        for cmd in script.commands:
            cmd = cmd.unwrapped()
            out.append((cmd.name, [a.value for a in cmd.args]))
        return out
