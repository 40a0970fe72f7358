from __future__ import annotations

import posixpath

from dflint.context import build_context, context_path, expand_word, is_remote, source_words
from dflint.rule import Context, Rule, Severity, Violation
from dflint.security import SecretMatch, context_secrets, secret_name, shipped_instructions
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_RISK = (
    "anyone who can pull the image can read {it}, and deleting {it} in a later step does not take {it} "
    "out of the layer"
)
_FIX = (
    "use a build secret for build-time use (`RUN --mount=type=secret,id=…`) or mount it when the "
    "container runs"
)


class SecretFileCopied(Rule):
    """A `COPY`/`ADD` puts a secret file — a private key, credentials, a `.env` — into the image.

    dflint checks the `COPY`/`ADD` instructions of the stages whose content ships (the target and
    the stages it is built `FROM`; a build stage that only hands files on through `COPY --from`
    is not shipped), by the file names of their sources and destinations:

    - private keys and key stores: `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519`, `*.ppk`,
      `*.p12`, `*.pfx`, an `.ssh` folder or a file copied into one (not `known_hosts`, `config`,
      `authorized_keys`, `*.pub`);
    - credentials: `.git-credentials`, `.netrc`, `.pypirc`, `.pgpass`, `.vault-token`,
      `.aws/credentials`, `.docker/config.json`, `.kube/config`, `.env`, `.env.local`,
      `.env.*.local` (not `.env.example` and the like);
    - files that may hold one: `*.pem` and `*.key` (not when the name says certificate or public
      key — `ca.pem`, `fullchain.pem`, `nginx_signing.key` — or they go to a CA or package-key
      folder), and `.npmrc` (a registry token).

    When the build context is known (the Dockerfile's folder, or `--context`), a source taken from
    it is looked up there, with the `.dockerignore` applied (`!` exceptions included): `COPY . .`
    and `COPY src/ /app/` are reported when they take such a file along, a source that the
    `.dockerignore` excludes is not (it is not sent), and the content of `*.pem`, `*.key` and
    `.npmrc` files decides (a `PRIVATE KEY` block, an `_authToken`). Folders of tools' caches and
    test fixtures (`.git`, `node_modules`, `testdata`, `fixtures`, …) are not searched.

    A match by name alone is a warning; a key or credentials file named as such, or a file whose
    content was read and holds a secret, is an error.

    ## Why is this bad?
    Every layer of an image can be read by anyone who can pull it: `docker save` or `docker
    history` and a tar tool are enough. A key copied in and deleted by a later `RUN rm` is still
    in the layer that added it. Leaked SSH keys, cloud credentials and registry tokens are among
    the most common finds in public images.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY .npmrc package.json package-lock.json ./
    COPY id_ed25519 /root/.ssh/id_ed25519
    RUN npm ci && rm /root/.ssh/id_ed25519 .npmrc
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM node:20-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN --mount=type=secret,id=npmrc,target=/app/.npmrc \\
        --mount=type=ssh \\
        npm ci
    ```
    Build with `docker build --secret id=npmrc,src=$HOME/.npmrc --ssh default .`; for `COPY . .`,
    list `.env`, `*.pem`, `.npmrc`, `.ssh/` and the like in `.dockerignore`.

    ## References
    - [Trivy DS031: Secrets passed via build-args or envs or copied secret files](https://avd.aquasec.com/misconfig/ds031)
    - [CIS Docker Benchmark 4.10: Ensure secrets are not stored in Dockerfiles](https://www.cisecurity.org/benchmark/docker)
    - [Docker docs: Build secrets](https://docs.docker.com/build/building/secrets/)
    - [Docker docs: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
    """

    code = "DF505"
    name = "secret-file-copied"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in shipped_instructions(ctx):
            if ins.name in ("COPY", "ADD"):
                yield from _check_copy(ctx, ins)


def _check_copy(ctx: Context, ins: Instruction) -> Iterator[Violation]:
    sources, dest = source_words(ins)
    if dest is None:
        return
    dest_value = expand_word(ctx, ins, dest[0]) or dest[0].strip("\"'")
    from_stage = ins.flag("from") is not None
    bc = None if from_stage else build_context(ctx)
    for raw, word in sources:
        value = expand_word(ctx, ins, raw)
        if value is None or not value or is_remote(value):
            continue
        span = word.span if word is not None else ins.args_span  # type: ignore[attr-defined]
        landing = _landing(value, dest_value, len(sources))
        by_dest = secret_name(landing) if landing else None
        if bc is not None:
            found = context_secrets(ctx, value)
            if found is None:
                found = [m for m in [secret_name(value, dest_value)] if m is not None]
            elif by_dest is not None and not bc.glob(value):
                by_dest = None  # nothing is copied: the source is not in the context
            hits = found
        else:
            hit = secret_name(value, dest_value)
            hits = [hit] if hit is not None else []
        if not hits and by_dest is not None:
            hits = [by_dest]
        if not hits:
            continue
        yield _violation(ctx, ins, raw, value, span, hits, bc is not None)


def _landing(source: str, dest: str, count: int) -> str | None:
    """Where a source lands, when that says more than the source's own name."""
    if dest in (".", "./", ""):
        return None
    if dest.endswith("/") or count > 1:
        name = posixpath.basename(source.rstrip("/"))
        return dest.rstrip("/") + "/" + name if name not in ("", ".", "..") else None
    return dest


def _violation(
    ctx: Context, ins: Instruction, raw: str, value: str, span, hits: list[SecretMatch], known: bool  # type: ignore[no-untyped-def]
) -> Violation:
    strong = any(h.strong for h in hits)
    severity = Severity.ERROR if strong else Severity.WARNING
    single = len(hits) == 1 and context_path(hits[0].path) == context_path(value)
    if single:
        hit = hits[0]
        message = f"{ins.name} copies `{value}` ({hit.what}) into the shipped image: {_RISK.format(it='it')}; {_FIX}"
    elif len(hits) == 1 and not known:
        hit = hits[0]
        message = (
            f"{ins.name} `{value}` puts {hit.what} at `{hit.path}` in the shipped image: {_RISK.format(it='it')}; {_FIX}"
        )
    else:
        shown = ", ".join(f"`{h.path}` ({h.what})" for h in hits[:5])
        if len(hits) > 5:
            shown += f" and {len(hits) - 5} more"
        message = (
            f"{ins.name} `{raw}` copies secret files from the build context into the shipped image: {shown}; "
            f"{_RISK.format(it='them')}; exclude them in .dockerignore or copy only what the image needs, and pass secrets "
            "with `RUN --mount=type=secret`"
        )
    return Violation(span, message, severity=severity)
