from __future__ import annotations

from dflint.context import build_context, expand_word, is_remote, source_words, trailing_slash_fix
from dflint.dockerignore import contains_wildcards
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def dir_like(dest: str) -> bool:
    """Whether a COPY destination names a folder: it ends in ``/`` (or ``\\`` on Windows), or
    is ``.``/``..`` (or ends in ``/.``, ``/..``), which BuildKit also treats as a folder."""
    if dest.endswith(("/", "\\")):
        return True
    last = dest.replace("\\", "/").rsplit("/", 1)[-1]
    return last in (".", "..")


class WildcardCopyDestNotDir(Rule):
    """COPY or ADD of several files to a destination that does not end in `/`.

    One wildcard source that matches more than one file in the known build context
    (`COPY target/*.jar /app.jar` when `target/` holds two jars), or an ADD of several sources
    (`ADD a.tar motd /opt`), needs a folder as destination, written with a trailing `/`. A COPY
    of several sources is hadolint's DL3021, reported under that code only (not twice); this
    rule extends the check to wildcards, which is where it bites in practice, and to ADD.

    Without a build context dflint cannot tell how many files a wildcard matches, so
    `COPY target/*.jar app.jar` (a common idiom when the build makes exactly one jar) is not
    flagged. A destination of `.` is a folder for BuildKit and is not flagged either.

    ## Why is this bad?
    The classic builder refuses the build ("When using COPY with more than one source file, the
    destination must be a directory and end with a /"). BuildKit does not: it copies every
    matched file onto the same path, one after the other, so the last one silently wins — with
    `target/*.jar` that can be a stale jar from an earlier build, picked by sort order.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    ADD rootfs.tar motd /opt
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    ADD rootfs.tar motd /opt/
    ```

    ## Fix safety
    Unsafe: adding the `/` makes the destination a folder, so the files land inside it instead
    of on one path; what the image expects there may change.

    ## Differences from hadolint
    DL3021 (several COPY sources) is left to that code; this rule adds ADD and wildcards checked
    against the build context, and accepts `.` (BuildKit copies into the working directory).

    ## References
    - [Dockerfile reference: COPY](https://docs.docker.com/reference/dockerfile/#copy)
    - [hadolint DL3021](https://github.com/hadolint/hadolint/wiki/DL3021)
    - [moby/buildkit#1853: copying multiple sources to a destination overwrites it](https://github.com/moby/buildkit/issues/1853)
    """

    code = "DF021"
    name = "wildcard-copy-dest-not-dir"
    severity = Severity.ERROR
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in ctx.dockerfile.instructions:
            if ins.name not in ("COPY", "ADD"):
                continue
            sources, dest = source_words(ins)
            if not sources or dest is None:
                continue
            dest_raw, dest_word = dest
            value = expand_word(ctx, ins, dest_raw)
            if value is None or dir_like(value):
                continue
            if len(sources) > 1 and ins.name == "COPY":
                continue  # several COPY sources: DL3021's finding (hadolint's code), not reported twice
            if len(sources) > 1:
                names = ", ".join(f"`{raw}`" for raw, _ in sources[:4]) + (", …" if len(sources) > 4 else "")
                message = (
                    f"{ins.name} has {len(sources)} sources ({names}) but its destination `{dest_raw}` does not "
                    f"end in `/`: the classic builder refuses this and BuildKit copies each source onto "
                    f"`{value}`, so only the last one is kept; write `{dest_raw}/`"
                )
            else:
                matches = self._glob_matches(ctx, ins, sources[0][0])
                if matches is None or len(matches) < 2:
                    continue
                shown = ", ".join(f"`{m}`" for m in matches[:4]) + (f" and {len(matches) - 4} more" if len(matches) > 4 else "")
                message = (
                    f"`{sources[0][0]}` matches {len(matches)} paths in the build context ({shown}) but the "
                    f"destination `{dest_raw}` does not end in `/`: BuildKit copies each onto `{value}`, so "
                    f"only the last one is kept (the classic builder refuses it); write `{dest_raw}/`, or "
                    "name the one file to copy"
                )
            span = dest_word.span if dest_word is not None else ins.args_span
            yield Violation(span, message, trailing_slash_fix(dest_raw, dest_word))

    @staticmethod
    def _glob_matches(ctx: Context, ins, raw: str) -> list[str] | None:
        if ins.flag("from") is not None or is_remote(raw):
            return None
        value = expand_word(ctx, ins, raw)
        if value is None or not contains_wildcards(value):
            return None
        bc = build_context(ctx)
        if bc is None:
            return None
        found = bc.glob(value)
        if found is None:
            return None
        return [m.path for m in found]
