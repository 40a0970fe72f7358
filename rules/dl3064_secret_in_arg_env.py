from __future__ import annotations

from dflint.buildkit_checks import is_plain, key_values
from dflint.rule import Context, Rule, Severity, Violation
from dflint.syntax import Instruction
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: hadolint's list of well-known secret variable names (compared upper-cased).
KNOWN_SECRETS = frozenset(
    """
    ACCESS_TOKEN APPLICATION_KEY APP_SECRET AUTH_TOKEN AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    BITTREX_API_KEY BITTREX_API_SECRET CF_PASSWORD CF_USERNAME CIRCLE_TOKEN CI_DEPLOY_PASSWORD
    CI_DEPLOY_USER DOCKERHUB_PASSWORD DOCKER_EMAIL DOCKER_PASSWORD DOCKER_USERNAME
    FACEBOOK_ACCESS_TOKEN FACEBOOK_APP_ID FACEBOOK_APP_SECRET FIREBASE_API_TOKEN FIREBASE_TOKEN
    FOSSA_API_KEY GH_ENTERPRISE_TOKEN GH_TOKEN GITHUB_ENTERPRISE_TOKEN GITHUB_TOKEN HEROKU_API_KEY
    HEROKU_API_USER NPM_AUTH_TOKEN NPM_TOKEN OKTA_AUTHN_GROUPID OKTA_CLIENT_ORGURL OKTA_CLIENT_TOKEN
    OKTA_OAUTH2_CLIENTID OKTA_OAUTH2_CLIENTSECRET OPENAI_API_KEY OS_PASSWORD OS_USERNAME
    POSTGRES_PASSWORD SLACK_TOKEN STRIPE_API_KEY STRIPE_DEVICE_NAME TRAVIS_OS_NAME
    TRAVIS_SECURE_ENV_VARS TRAVIS_SUDO VAULT_CLIENT_KEY VAULT_TOKEN
    """.split()
)
#: hadolint's suspicious parts of a name (compared lower-cased).
SUSPICIOUS_PARTS = ("api_key", "client_key", "password", "private", "secret", "token", "username")


def secret_reason(name: str) -> str | None:
    """Why `name` looks like it holds a secret (hadolint DL3064's test), or None."""
    if name.upper() in KNOWN_SECRETS:
        return "a well-known secret variable"
    lower = name.lower()
    for part in SUSPICIOUS_PARTS:
        if part in lower:
            return f"its name contains `{part}`"
    return None


class SecretInArgEnv(Rule):
    """An `ARG` or `ENV` whose name says it holds a secret (a password, token or key).

    The names are hadolint's: a list of well-known secret variables (`GITHUB_TOKEN`,
    `AWS_SECRET_ACCESS_KEY`, `NPM_TOKEN`, …) and any name containing `password`, `secret`,
    `token`, `private`, `username`, `api_key` or `client_key`, in any case. `ONBUILD ARG`/`ENV`
    count too.

    ## Why is this bad?
    Build arguments and environment variables are not secret: an `ENV` value is stored in the
    image config for anyone who pulls it, and an `ARG` value passed with `--build-arg` is
    recorded in the image history (`docker history`) and in the build cache of every `RUN` that
    follows. Secrets belong in a secret mount, which is never written to a layer.

    ## Example
    ```dockerfile
    FROM node:20-slim
    ARG NPM_TOKEN
    RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM node:20-slim
    RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    ```

    ## Differences from hadolint
    Every name of an `ARG` is checked (hadolint only looks at the first of `ARG A B`), and the
    finding is at the offending name, once per name, instead of once per instruction at
    column 1. BuildKit's `SecretsUsedInArgOrEnv` check matches names differently (whole words such
    as `key` and `auth`, with `public` allowed), so it is not an alias of this rule.

    ## References
    - [Build secrets](https://docs.docker.com/build/building/secrets/)
    - [hadolint DL3064](https://github.com/hadolint/hadolint/wiki/DL3064)
    """

    code = "DL3064"
    name = "secret-in-arg-env"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape or "\\"
        for instruction in ctx.dockerfile.instructions:
            target: Instruction | None = instruction
            if instruction.name == "ONBUILD":
                target = instruction.inner
            if target is None or target.name not in ("ARG", "ENV"):
                continue
            for item in key_values(target.args, target.name, escape):
                if item.error is not None:
                    continue
                name = item.key if is_plain(item.key, escape) else expand(item.key, {}, escape, keep_unset=True).value
                reason = secret_reason(name)
                if reason is None:
                    continue
                what = "build argument" if target.name == "ARG" else "environment variable"
                where = ("its value is recorded in the image history" if target.name == "ARG"
                         else "its value is stored in the image")
                yield Violation(
                    target.args_subspan(item.start, item.key_end),
                    f"The {what} `{name}` looks like a secret ({reason}): {where}; pass secrets "
                    f"with `RUN --mount=type=secret,id={name.lower()}` instead",
                )
