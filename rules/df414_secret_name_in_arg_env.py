from __future__ import annotations

import re

from dflint.buildkit_checks import is_plain, key_values
from dflint.rule import Context, Rule, Severity, Violation
from dflint.source import LazyPattern
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_TOKENS = ("apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd",
           "secret", "token")
_DENY = LazyPattern(r"(?:_|^)(?:" + "|".join(_TOKENS) + r")(?:_|$)", re.IGNORECASE)
_ALLOW = LazyPattern(r"(?:_|^)(?:public)(?:_|$)", re.IGNORECASE)


def looks_secret(name: str) -> bool:
    """BuildKit's test: an ``_``-separated word of the name is one of its secret tokens, and
    no word is ``public``."""
    if name.isascii() and "\n" not in name:  # the patterns' meaning, without compiling them
        words = name.lower().split("_")
        return any(w in _TOKENS for w in words) and "public" not in words
    return bool(_DENY.search(name)) and not _ALLOW.search(name)


class SecretNameInArgEnv(Rule):
    """An `ARG` or `ENV` in a stage whose name has a secret word, by BuildKit's test.

    As BuildKit's `SecretsUsedInArgOrEnv` check does: a name is reported when one of its
    `_`-separated words (case-insensitive) is `apikey`, `auth`, `credential(s)`, `key`,
    `password`, `pword`, `passwd`, `secret` or `token` (`DB_PASSWORD`, `api_key`, `AUTH`,
    `GITHUB_TOKEN`), unless one is `public` (`PUBLIC_KEY`). Every name of an `ARG`/`ENV` inside a
    stage is checked; global ARGs before the first `FROM` are not (BuildKit does not check them:
    their values reach no layer unless a stage declares them again), nor are `ONBUILD` triggers.

    ## Why is this bad?
    ARG and ENV values are not secret: an `ENV` value is stored in the image config for anyone
    who pulls it, and an `ARG` value is recorded in the image history and the build cache of
    every `RUN` after it. Secrets belong in a secret mount (`RUN --mount=type=secret`).

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    ARG AWS_SECRET_ACCESS_KEY
    RUN pip download --dest /wheels private-package
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM python:3.12-slim
    RUN --mount=type=secret,id=aws,env=AWS_SECRET_ACCESS_KEY pip download --dest /wheels private-package
    ```

    ## Differences from hadolint
    hadolint's DL3064 (`secret-in-arg-env`) uses another test: a list of well-known names plus
    any name *containing* `password`, `secret`, `token`, `private`, `username`, `api_key` or
    `client_key` (so `TOKENIZER_PATH` is reported there and not here, and `SSH_KEY` or `AUTH` here
    and not there). The two are separate rules; select the one whose test you want.

    ## References
    - [BuildKit check SecretsUsedInArgOrEnv](https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/)
    - [Build secrets](https://docs.docker.com/build/building/secrets/)
    """

    code = "DF414"
    name = "secret-name-in-arg-env"
    severity = Severity.WARNING
    aliases = ("SecretsUsedInArgOrEnv",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape or "\\"
        graph = ctx.graph
        for stage in graph.stages:
            for ins in stage.instructions[1:]:
                if ins.name not in ("ARG", "ENV"):
                    continue
                for item in key_values(ins.args, ins.name, escape):
                    if item.error is not None or not item.key:
                        continue
                    name = item.key
                    if ins.name == "ENV" and not is_plain(name, escape):
                        # BuildKit checks the expanded ENV key, the ARG key as is
                        name = expand(item.key, graph.scope_at(ins), escape, keep_unset=True).value
                    if not looks_secret(name):
                        continue
                    where = ("its value is recorded in the image history" if ins.name == "ARG"
                             else "its value is stored in the image config")
                    yield Violation(
                        ins.args_subspan(item.start, item.key_end),
                        f'Do not use ARG or ENV instructions for sensitive data ({ins.name} "{name}"): '
                        f"{where}; pass it with a secret mount (RUN --mount=type=secret,id=…) instead",
                    )
