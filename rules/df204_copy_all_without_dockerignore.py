from __future__ import annotations

import fnmatch

from dflint.context import build_context, context_path, expand_word, source_words
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Entries of a context root that should almost never end up in an image.
NOTABLE = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".tox",
    ".terraform",
    ".next",
    ".idea",
    ".vscode",
    ".DS_Store",
    ".env",
    ".env.*",
    ".aws",
    ".ssh",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    "id_rsa*",
    "*.pem",
    "*.key",
    "target",
    "dist",
    "build",
    "coverage",
)


def notable_entries(names: list[str]) -> list[str]:
    """Names in `names` that match `NOTABLE`, in its order."""
    out: list[str] = []
    for pattern in NOTABLE:
        for name in sorted(names):
            if fnmatch.fnmatchcase(name, pattern) and name not in out:
                out.append(name)
    return out


class CopyAllWithoutDockerignore(Rule):
    """`COPY . …` of the whole build context when the context has no .dockerignore.

    With no `.dockerignore` (and no Dockerfile-specific `<Dockerfile>.dockerignore` next to the
    Dockerfile), `COPY .` takes everything in the build context: the `.git` folder, local
    `node_modules` and virtualenvs, build output, editor folders, and files such as `.env` or
    private keys. The rule needs a known build context (the Dockerfile's folder by default, or
    `--context`); it names the entries it found that usually should stay out. It is a warning
    when such entries are there, and information otherwise.

    ## Why is this bad?
    The image grows by whatever lies around, secrets can ship, and the layer (and every layer
    after it) is rebuilt whenever anything in the folder changes — a new commit changes `.git`.
    Local `node_modules` or `.venv` built for the host can also shadow what the image installs.

    ## Example
    ```dockerfile files="app.py .env .git/"
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY app/ ./app/
    COPY pyproject.toml ./
    ```

    Or keep `COPY . .` and add a `.dockerignore` next to it (`.git`, `.venv`, `__pycache__`,
    `.env`, …).

    ## References
    - [Docker docs: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
    - [Docker docs: Dockerfile-specific ignore files](https://docs.docker.com/build/concepts/context/#filename-and-location)
    """

    code = "DF204"
    name = "copy-all-without-dockerignore"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        bc = None
        for ins in ctx.dockerfile.instructions:
            if ins.name not in ("COPY", "ADD") or ins.flag("from") is not None:
                continue
            sources, _ = source_words(ins)
            for raw, word in sources:
                value = expand_word(ctx, ins, raw)
                if value is None or context_path(value) != ".":
                    continue
                if bc is None:
                    bc = build_context(ctx)
                    if bc is None or bc.has_dockerignore:
                        return
                names = list((bc.listdir(".") or {}).keys())
                found = notable_entries(names)
                dockerfile_name = ctx.path.replace("\\", "/").rsplit("/", 1)[-1] if ctx.path else "Dockerfile"
                if found:
                    shown = ", ".join(f"`{n}`" for n in found[:6]) + (", …" if len(found) > 6 else "")
                    what = f"so {shown} go into the image too"
                    severity = Severity.WARNING
                else:
                    what = "so everything in it goes into the image, whatever is added there later"
                    severity = Severity.INFO
                message = (
                    f"{ins.name} `{raw}` copies the whole build context and the context has no "
                    f".dockerignore, {what}; add a .dockerignore (or `{dockerfile_name}.dockerignore`) "
                    "or copy only what the image needs"
                )
                span = word.span if word is not None else ins.args_span
                yield Violation(span, message, severity=severity)
