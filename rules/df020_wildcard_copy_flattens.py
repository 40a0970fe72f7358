from __future__ import annotations

import re

from dflint.context import build_context, expand_word, is_remote, source_words
from dflint.dockerignore import clean, contains_wildcards
from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.source import LazyPattern
from dflint.syntax import Dockerfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_BRACKET = LazyPattern(r"\[(?:\\.|[^\]])+\]")


def file_shaped(segment: str) -> bool:
    """Whether a wildcard segment names files rather than "anything": it has literal text
    (``*.json``, ``package*.json``, ``go.*``, ``docker-php-ext-*``, ``app-*``). Only a segment
    made of wildcards alone (``*``, ``?*``, ``[a-z]*``, or ``.*``) is taken to match folders when
    the build context is unknown."""
    rest = _BRACKET.sub("", segment).replace("*", "").replace("?", "")
    return rest not in ("", ".")


_SYNTAX_IMAGES = frozenset({"docker/dockerfile", "docker/dockerfile-upstream"})
_FLOATING = frozenset({"latest", "labs", "1", "1-labs", "master", "master-labs", "mainline", "mainline-labs"})
_VERSION = LazyPattern(r"1\.(\d+)(?:\.\d+)?(-labs)?")


def parents_allowed(dockerfile: Dockerfile) -> bool:
    """Whether the ``# syntax`` directive selects a Dockerfile frontend with ``COPY --parents``:
    ``1.7-labs`` and later labs releases, ``1.20`` and later (where it became stable), or a tag
    that follows the latest release (``1``, ``latest``, ``labs``)."""
    directive = dockerfile.directive("syntax")
    if directive is None:
        return False
    ref = directive.value.strip().split("@", 1)[0]
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = ref.rpartition(":")
    for prefix in ("docker.io/", "index.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if name not in _SYNTAX_IMAGES:
        return False
    if tag in _FLOATING:
        return True
    m = _VERSION.fullmatch(tag)
    if not m:
        return False
    minor = int(m.group(1))
    return minor >= 20 or (m.group(2) is not None and minor >= 7)


class WildcardCopyFlattens(Rule):
    """A COPY/ADD wildcard source that matches folders, whose contents are then merged into the destination.

    `COPY dist/* /usr/share/nginx/html/` does not do what `cp -r dist/* html/` does. BuildKit
    copies every match on its own, and copies a folder as its *contents*: `dist/assets/app.js`
    lands at `html/app.js`, not `html/assets/app.js`. Every matched folder is emptied into the
    same destination, so the folder level disappears and same-named files from different
    folders overwrite each other.

    The rule looks at sources whose last path segment has a wildcard (`src/*`, `*/`, `app/?*`).
    With a known build context it fires when the pattern matches a folder there. Without one
    (and for `COPY --from`, whose files live in another stage) it fires only when the segment is
    made of wildcards alone (`*`, `?*`, `[a-z]*`), which takes whatever the folder holds; a
    segment with literal text (`*.json`, `package*.json`, `go.*`, `docker-php-ext-*`) names
    files in practice and is left alone. `COPY --parents` keeps the folders and is not flagged.
    A finding is a warning when the context shows a matched folder, and information when only
    the shape of the pattern says a folder could match (then `dir/` copies the same files today
    and keeps any folder added later).

    ## Why is this bad?
    The image gets a different layout than the source tree: assets, templates or packages end up
    one level too high, and files with the same name in two folders silently replace each other.
    The build succeeds; the application breaks at run time.

    ## Example
    ```dockerfile
    FROM nginx:1.27-alpine
    COPY dist/* /usr/share/nginx/html/
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27-alpine
    COPY dist/ /usr/share/nginx/html/
    ```

    ## Fix safety
    Unsafe, because the layout of the image changes (that is the point). When the wildcard is
    the whole last segment (`dir/*`), the fix copies the folder instead (`dir/`): the same files,
    with their subfolders kept. For a partial wildcard (`app/svc-*`) it adds `--parents` with a
    `/./` pivot (`COPY --parents app/./svc-* /dst/`), which keeps each matched folder by name;
    only when the instruction has a single source and the `# syntax` directive selects a
    frontend that has `--parents` (`docker/dockerfile:1.7-labs` or later labs, `1.20` or later,
    or a floating `1`/`labs` tag). Otherwise there is no fix.

    ## References
    - [Dockerfile reference: COPY](https://docs.docker.com/reference/dockerfile/#copy)
    - [Dockerfile reference: COPY --parents](https://docs.docker.com/reference/dockerfile/#copy---parents)
    - [moby/moby#15858: COPY with a wildcard flattens folders](https://github.com/moby/moby/issues/15858)
    """

    code = "DF020"
    name = "wildcard-copy-flattens"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        parents_ok: bool | None = None
        for ins in ctx.dockerfile.instructions:
            if ins.name not in ("COPY", "ADD") or ins.flag("parents") is not None:
                continue
            sources, dest = source_words(ins)
            if not sources or dest is None:
                continue
            from_stage = ins.flag("from") is not None
            bc = None if from_stage else build_context(ctx)
            for raw, word in sources:
                if is_remote(raw):
                    continue
                value = expand_word(ctx, ins, raw)
                if value is None:
                    continue
                path = clean(value)
                last = path.rsplit("/", 1)[-1]
                if not contains_wildcards(last):
                    continue
                dirs: list[str] | None = None
                if bc is not None:
                    found = bc.glob(value)
                    if found is not None:
                        dirs = [m.path for m in found if m.is_dir]
                        if not dirs:
                            continue
                if dirs is None and file_shaped(last):
                    continue
                where = f"`{dest[0]}`"
                if dirs:
                    shown = ", ".join(f"`{d}/`" for d in dirs[:3]) + (f" and {len(dirs) - 3} more" if len(dirs) > 3 else "")
                    what = f"`{raw}` matches the folder{'s' if len(dirs) > 1 else ''} {shown}"
                else:
                    what = f"`{raw}` can match folders"
                if parents_ok is None:
                    parents_ok = parents_allowed(ctx.dockerfile)
                fix, advice = self._fix(ins, raw, word, len(sources), parents_ok)
                message = (
                    f"{what}: {ins.name} copies each matched folder's contents straight into {where}, "
                    f"merging their subfolders and overwriting same-named files; {advice}"
                )
                span = word.span if word is not None else ins.args_span
                # seen matching a folder: warning; only able to: information
                yield Violation(span, message, fix, severity=None if dirs else Severity.INFO)

    @staticmethod
    def _fix(ins, raw: str, word, n_sources: int, parents_ok: bool) -> tuple[Fix | None, str]:
        stripped = raw.rstrip("/")
        head, _, last = stripped.rpartition("/")
        plain = word is not None and len(word.span) == len(raw) and not any(q in raw for q in "'\"")
        if last and set(last) == {"*"}:
            replacement = (head + "/") if head else ("/" if stripped.startswith("/") else ".")
            advice = f"copy `{replacement}` to keep the folders"
            if not plain:
                return None, advice
            return Fix.unsafe(f"Copy `{replacement}` instead of `{raw}`", Edit(word.span.start, word.span.end, replacement)), advice
        pivot = f"{head}/./{last}" if head else last
        if not parents_ok:
            return None, (
                f"use `COPY --parents {pivot}` (with `# syntax=docker/dockerfile:1.7-labs` or later) "
                "or copy the folders one by one to keep them"
            )
        advice = f"use `--parents` with `{pivot}` to keep each folder"
        if not plain or n_sources != 1:
            return None, advice
        new = "--parents " + pivot + ("/" if raw.endswith("/") else "")
        edit = Edit(word.span.start, word.span.end, new)
        return Fix.unsafe(f"Copy with `--parents {pivot}` to keep each matched folder", edit), advice
