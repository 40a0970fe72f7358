from __future__ import annotations

from dflint.context import BuildContext, build_context, context_path, expand_word, is_remote, source_words
from dflint.dockerignore import BadPattern, contains_wildcards, go_match
from dflint.rule import Context, Rule, Severity, Violation
from dflint.source import Span, TupleRecord, field
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class CopyIgnoredFile(Rule):
    """A COPY or ADD source is excluded by the .dockerignore, so it is not in the build context.

    BuildKit's check `CopyIgnoredFile` (on by default since BuildKit's PR #6362, which took it
    out of the experimental checks; before that it ran only with `# check=experimental=…`). It
    looks at the sources COPY and ADD take from the build context: not `COPY --from` (another
    stage, image or named context), not URLs or git sources of ADD, not heredoc sources
    (`COPY <<EOF`), and not `ONBUILD` triggers (they run against another build's context). Each
    source, with its variables substituted and cleaned (`./tmp/` is `tmp`), is matched against
    the .dockerignore in force — the Dockerfile-specific `<Dockerfile>.dockerignore` next to the
    Dockerfile, else the context's `.dockerignore` — with Docker's pattern semantics
    (moby/patternmatcher: a pattern excludes a path when it matches the path or one of its
    parent folders, and the last matching line wins, so `!` exceptions re-include). The rule
    needs a known build context and stays quiet without one.

    Where dflint looks further than BuildKit, it uses the files in the context:
    - `!` exceptions: BuildKit skips the whole check as soon as the .dockerignore has one (it
      cannot tell statically whether an excluded folder still holds re-included files). dflint
      applies the exceptions: an excluded source is reported unless an exception re-includes it
      or, for a folder, something inside it (looked up on disk; when the folder is not there,
      any exception that could reach inside it keeps the rule quiet).
    - The context root (`COPY . .`) and other folders: reported when every entry in them is
      excluded, so the COPY copies an empty folder (BuildKit reports the root only for the
      catch-all patterns `*`, `**` and `**/*`).
    - Wildcard sources (`COPY *.md /docs/`): quiet when they match a file that is sent,
      reported when every file they match on disk is excluded; when nothing matches on disk
      the pattern text itself is matched, as BuildKit does (unless an exception could
      re-include a match).
    - In a file with the `` # escape=` `` directive (a Windows build), a backslash in a source
      separates folders, as on a Windows builder.

    A pattern matches from the context root: `*/tmp/*` excludes `a/tmp/x` but not `tmp/x`
    (so Docker's own doc example for this check does not fire in BuildKit either; `tmp` or
    `**/tmp` does).

    ## Why is this bad?
    Excluded files never reach the builder. A COPY of an excluded file or folder fails with
    "not found" (or, for a wildcard, silently copies nothing), usually far from the line in
    .dockerignore that causes it — often after someone adds a broad pattern such as `*.md`,
    `build` or `**/*.json` to keep the context small.

    ## Example
    The `.dockerignore` next to this Dockerfile holds the single line `x`:
    ```dockerfile files="x app.py .dockerignore"
    FROM python:3.12-slim
    WORKDIR /app
    COPY app.py ./
    COPY x ./
    ```

    ## Use instead
    Copy only what the context sends, or add an exception (`!x`) to the `.dockerignore`:
    ```dockerfile files="x app.py .dockerignore"
    FROM python:3.12-slim
    WORKDIR /app
    COPY app.py ./
    ```

    ## References
    - [BuildKit check CopyIgnoredFile](https://docs.docker.com/reference/build-checks/copy-ignored-file/)
    - [Docker docs: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
    - [moby/buildkit#6362: CopyIgnoredFile out of experimental](https://github.com/moby/buildkit/pull/6362)
    - [moby/buildkit#7125: the check goes silent with any `!` exception](https://github.com/moby/buildkit/issues/7125)
    """

    code = "DF420"
    name = "copy-ignored-file"
    severity = Severity.WARNING
    aliases = ("CopyIgnoredFile",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        bc: BuildContext | None = None
        looked = False
        for ins in ctx.dockerfile.instructions:
            if ins.name not in ("COPY", "ADD") or ins.flag("from") is not None:
                continue
            sources, _dest = source_words(ins)
            if not sources:
                continue
            if not looked:
                looked = True
                bc = build_context(ctx)
                if bc is None or bc.ignore is None or bc.ignore.matcher is None:
                    return
            assert bc is not None
            spans = _json_spans(ins) if ins.json is not None else None
            for i, (raw, word) in enumerate(sources):
                if is_remote(raw):
                    continue
                value = expand_word(ctx, ins, raw)
                if value is None or not value.strip():
                    continue
                if ctx.dockerfile.escape != "\\":
                    # `# escape=`` files are Windows builds, where `\` separates folders
                    value = value.replace("\\", "/")
                problem = _problem(bc, value)
                if problem is None:
                    continue
                if word is not None:
                    span = word.span  # type: ignore[attr-defined]
                elif spans is not None and i < len(spans):
                    span = spans[i]
                else:
                    span = ins.args_span
                yield Violation(span, _message(ins.name, raw, value, problem, bc))


# ---------------------------------------------------------------------------------------------
# what is wrong with one source

#: `Problem.kind`: the source is excluded; a wildcard source matches only excluded files; the
#: folder the source names holds only excluded entries.
EXCLUDED, ALL_MATCHES, EMPTY = "excluded", "all-matches", "empty"


class Problem(TupleRecord):
    __slots__ = ()
    _fields = ("kind", "matches")

    def __new__(cls, kind: str, matches: tuple[str, ...] = ()) -> Problem:
        return tuple.__new__(cls, (kind, matches))

    kind: str = field(0)  # type: ignore[assignment]
    matches: tuple[str, ...] = field(1)  # type: ignore[assignment]  # ALL_MATCHES: what the wildcard matches on disk


def _problem(bc: BuildContext, value: str) -> Problem | None:
    rel = context_path(value)
    matcher = bc.ignore.matcher if bc.ignore else None
    if matcher is None:
        return None
    if rel == ".":
        return Problem(EMPTY) if _sends_nothing(bc, ".") else None
    if contains_wildcards(rel):
        found = bc.glob(rel)
        if found is None or found:
            return None  # unknown, or something that is sent matches
        on_disk = _disk_glob(bc, rel)
        if on_disk is None:
            return None
        if on_disk:
            return Problem(ALL_MATCHES, tuple(on_disk))  # every match is excluded
        # nothing matches on disk (yet): match the pattern text itself, as BuildKit does, unless
        # an exception could re-include something below the pattern's fixed folder
        base = rel.split("/")
        fixed = "/".join(base[: next(i for i, p in enumerate(base) if contains_wildcards(p))]) or "."
        if matcher.exclusions and (fixed == "." or matcher.could_include_below(fixed)):
            return None
        return Problem(EXCLUDED) if bc.excluded(rel) else None
    if bc.excluded(rel):
        if bc.on_disk(rel):
            if bc.is_dir(rel) and bc.visible(rel, True):
                return None  # an exception re-includes something inside the folder
        elif matcher.could_include_below(rel):
            return None  # not on disk: an exception might reach inside it
        return Problem(EXCLUDED)
    if bc.is_dir(rel) and _sends_nothing(bc, rel):
        return Problem(EMPTY)
    return None


def _disk_glob(bc: BuildContext, rel: str) -> list[str] | None:
    """What wildcard source `rel` matches on disk, the .dockerignore aside (BuildKit's
    per-segment Go ``filepath.Match``, as `BuildContext.glob` resolves it); None when unknown."""
    parts = rel.split("/")
    first = next(i for i, p in enumerate(parts) if contains_wildcards(p))
    frontier = ["/".join(parts[:first]) or "."]
    for depth, segment in enumerate(parts[first:]):
        last = depth == len(parts) - first - 1
        nxt: list[str] = []
        for folder in frontier:
            entries = bc.listdir(folder)
            if entries is None:
                continue
            for name, is_dir in sorted(entries.items()):
                try:
                    if not go_match(segment, name):
                        continue
                except BadPattern:
                    return None
                child = name if folder == "." else f"{folder}/{name}"
                if last or is_dir:
                    nxt.append(child)
        frontier = nxt
    return None if bc.truncated else frontier


def _sends_nothing(bc: BuildContext, folder: str) -> bool:
    """Whether folder `folder` has entries on disk and the .dockerignore excludes every one."""
    entries = bc.listdir(folder)
    if not entries or bc.truncated:
        return False
    for name, is_dir in entries.items():
        child = name if folder == "." else f"{folder}/{name}"
        if bc.visible(child, is_dir):
            return False
    return not bc.truncated


def _deciding_pattern(bc: BuildContext, rel: str) -> str | None:
    """The .dockerignore line that excludes `rel` (the last exclusion matching it or a parent
    folder, as `PatternMatcher.matches` decides)."""
    matcher = bc.ignore.matcher if bc.ignore else None
    if matcher is None:
        return None
    candidates = [rel]
    parts = rel.split("/")
    candidates += ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]
    decided: str | None = None
    matched = False
    for pattern in matcher.patterns:
        if pattern.exclusion != matched:
            continue
        try:
            hit = any(pattern.match(c) for c in candidates)
        except BadPattern:
            return None
        if hit:
            matched = not pattern.exclusion
            decided = str(pattern) if matched else None
    return decided


def _message(name: str, raw: str, value: str, problem: Problem, bc: BuildContext) -> str:
    rel = context_path(value)
    ignore = bc.ignore.name if bc.ignore else ".dockerignore"
    shown = f"`{raw}`" if context_path(raw) == rel else f"`{raw}` (`{rel}`)"
    if problem.kind == EMPTY:
        where = "the build context" if rel == "." else f"the folder `{rel}`"
        return (
            f"{name} {shown} copies nothing: {ignore} excludes everything in {where}; "
            "add `!` exceptions for what the image needs, or copy only what is sent"
        )
    if problem.kind == ALL_MATCHES:
        names = ", ".join(f"`{m}`" for m in problem.matches[:3])
        if len(problem.matches) > 3:
            names += f" and {len(problem.matches) - 3} more"
        pattern = _deciding_pattern(bc, problem.matches[0])
        by = f"{ignore} (pattern `{pattern}`)" if pattern else ignore
        return (
            f"{name} source {shown} matches only {names}, which {by} excludes, so it copies "
            "nothing; remove the pattern, add `!` exceptions, or stop copying them"
        )
    pattern = _deciding_pattern(bc, rel)
    by = f"{ignore} (pattern `{pattern}`)" if pattern else ignore
    if contains_wildcards(rel):
        return (
            f"{name} source {shown} is excluded by {by}, so it matches nothing that is sent; "
            f"remove the pattern, add a `!{rel}` exception, or stop copying it"
        )
    return (
        f"{name} source {shown} is excluded by {by} and is not in the build context, so the "
        f"build fails; remove the pattern, add a `!{rel}` exception, or stop copying it"
    )


def _json_spans(ins: Instruction) -> list[Span] | None:
    """The file span of each string of an exec-form (JSON) COPY/ADD, or None."""
    import json  # (only for an exec-form COPY: not at import)

    text = ins.args
    spans: list[Span] = []
    i, n = 0, len(text)
    while i < n and text[i] != "[":
        i += 1
    i += 1
    while i < n:
        ch = text[i]
        if ch == '"':
            try:
                _, end = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            except ValueError:
                return None
            spans.append(ins.args_subspan(i, end))
            i = end
        elif ch == "]":
            break
        else:
            i += 1
    return spans
