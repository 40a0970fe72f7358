from __future__ import annotations

import re

from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.source import LazyPattern
from dflint.syntax import Instruction
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Names ADD unpacks (hadolint's archiveFileFormatExtensions), compared case-insensitively.
ARCHIVE_EXTENSIONS = (
    ".tar", ".z", ".bz2", ".gz", ".lz", ".lzma", ".tz", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz", ".zst", ".tzst",
)
#: Flags COPY takes as well: with only these, ADD → COPY keeps the instruction valid.
COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
_GIT = LazyPattern(r"(?:git@[^/:]+:|(?:ssh|git)://)", re.IGNORECASE)

LOCAL, REMOTE, ARCHIVE, UNKNOWN = "local", "remote", "archive", "unknown"


def classify(source: str) -> str:
    """What ADD does with `source`: fetch it (``remote``), unpack it (``archive``) or copy it."""
    lower = source.lower()
    if lower.startswith(("http://", "https://")) or _GIT.match(source):
        return REMOTE
    if lower.rstrip("/").endswith(ARCHIVE_EXTENSIONS):
        return ARCHIVE
    return LOCAL


class AddInsteadOfCopy(Rule):
    """`ADD` of local files that `COPY` would copy the same way.

    `ADD` also downloads URLs, clones Git repositories and unpacks local tar archives; for a
    plain local file or folder it does what `COPY` does, with surprises on top. The rule reports
    an `ADD` whose sources include one that is neither a URL, a Git repository nor an archive
    (by its extension). Sources given through variables are resolved first; one that cannot be
    resolved could be anything and is not counted.

    ## Why is this bad?
    A reader has to wonder whether the file gets unpacked or fetched; and if the local file ever
    is a tar archive (whatever its name), `ADD` unpacks it instead of copying it.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    ADD requirements.txt /app/
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY requirements.txt /app/
    ADD https://example.com/data.tar.gz /data/
    ```

    ## Fix safety
    Safe: `ADD` becomes `COPY` when every source is local and not an archive, and every flag is
    one `COPY` also takes (`--chown`, `--chmod`, `--link`, `--exclude`); the files are copied the
    same way. (Only a local file that is a tar archive under a name without an archive extension
    would have been unpacked by `ADD`.) With a URL, Git or archive source next to local ones, or
    an ADD-only flag (`--checksum`, `--keep-git-dir`, `--unpack`), there is no fix: split the
    instruction by hand.

    ## Differences from hadolint
    Git sources (`git@github.com:org/repo.git`, `ssh://…`) are remote, as BuildKit reads them
    (hadolint reports them); extensions are compared case-insensitively (`.TAR.GZ` is an
    archive) and include zstd (`.zst`, `.tzst`); sources in variables are resolved
    (`ADD $JAVA_PKG /` with `ENV JAVA_PKG=server-jre.tar.gz` adds an archive, which hadolint
    reports), and one that cannot be resolved is not counted as local (hadolint counts it).
    The finding points at the `ADD` keyword.

    ## References
    - [hadolint DL3020](https://github.com/hadolint/hadolint/wiki/DL3020)
    - [Dockerfile best practices: ADD or COPY](https://docs.docker.com/build/building/best-practices/#add-or-copy)
    """

    code = "DL3020"
    name = "add-instead-of-copy"
    severity = Severity.ERROR
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape
        for ins in ctx.dockerfile.instructions:
            if ins.name != "ADD":
                continue
            sources = self._sources(ins)
            if sources is None:
                continue
            kinds: list[tuple[str, str]] = []
            scope = None
            for src in sources:
                if src.startswith("<<"):
                    kinds.append((src, LOCAL))  # a heredoc: inline content
                    continue
                value = src
                if "$" in src or '"' in src or "'" in src:
                    scope = ctx.graph.scope_at(ins) if scope is None else scope
                    exp = expand(src, scope, escape)
                    if exp.unresolved:
                        kinds.append((src, UNKNOWN))
                        continue
                    value = exp.value
                kinds.append((src, classify(value)))
            local = [s for s, k in kinds if k == LOCAL]
            if not local:
                continue
            names = ", ".join(f"`{s}`" for s in local)
            yield Violation(
                ins.keyword_span,
                f"Use COPY instead of ADD for files and folders: {names} "
                f"{'is a local file' if len(local) == 1 else 'are local files'}",
                self._fix(ins, kinds),
            )

    @staticmethod
    def _sources(ins: Instruction) -> list[str] | None:
        if ins.json is not None:
            parts = list(ins.json)
        else:
            parts = [w.value for w in ins.words]
        if len(parts) < 2:
            return None
        return parts[:-1]

    @staticmethod
    def _fix(ins: Instruction, kinds: list[tuple[str, str]]) -> Fix | None:
        if any(k != LOCAL for _, k in kinds):
            return None
        if any(f.name.lower() not in COPY_FLAGS for f in ins.flags):
            return None
        keyword = ins.keyword
        copy = "copy" if keyword.islower() else "Copy" if keyword[:1].isupper() and keyword[1:].islower() \
            else "COPY"
        return Fix.safe("Replace ADD with COPY", Edit(ins.keyword_span.start, ins.keyword_span.end, copy))
