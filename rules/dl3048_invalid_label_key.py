from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.labels import build_time_names, key_problem, labels
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class InvalidLabelKey(Rule):
    """A label key that does not follow Docker's key format.

    Docker's guidelines for label keys, as hadolint applies them: start with a lower-case
    letter, end with a lower-case letter or digit, use only lower-case letters, digits, `.`, `-`,
    `_` and `/`, never `..` or `--`, and stay out of the namespaces Docker reserves for itself
    (`com.docker.`, `io.docker.`, `org.dockerproject.`). Reverse-DNS keys such as
    `org.opencontainers.image.source` and Kubernetes-style `app.kubernetes.io/name` follow them.
    The key is read as BuildKit reads it: quotes removed, variables substituted (a variable only
    the build knows stays `$NAME`, which breaks the format).

    ## Why is this bad?
    Tools that read labels (registries, scanners, `docker inspect --format`, Kubernetes
    annotations copied from labels) match keys exactly: `Maintainer`, `maintainer` and
    `MAINTAINER` are three different labels, and keys in a reserved namespace may collide with
    what Docker itself sets.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL Version="1.4.2" org.opencontainers.image.Source="https://github.com/acme/app"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL version="1.4.2" org.opencontainers.image.source="https://github.com/acme/app"
    ```

    ## Fix safety
    Unsafe: lower-casing the key (offered when that alone makes it valid) renames the label, and
    whatever reads the old name (`docker inspect`, a deployment filter) no longer finds it.

    ## Differences from hadolint
    Reported at each bad key, with the reason, instead of once per `LABEL` at column 1.
    Variables in a key are substituted first (`ARG NS=org.acme` then `LABEL ${NS}.team=…` is
    valid); hadolint checks the text as written, `$` included. `ONBUILD LABEL` keys are checked
    too.

    ## References
    - [Docker object labels: key format recommendations](https://docs.docker.com/engine/manage-resources/labels/#key-format-recommendations)
    - [hadolint DL3048](https://github.com/hadolint/hadolint/wiki/DL3048)
    """

    code = "DL3048"
    name = "invalid-label-key"
    severity = Severity.STYLE
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        text = ctx.dockerfile.text
        escape = ctx.dockerfile.escape or "\\"
        for label in labels(ctx):
            reason = key_problem(label.key)
            if reason is None:
                continue
            names = build_time_names(label.key_unresolved)
            if names:
                reason = f"uses {names}, only known at build time: write the key out"
            fix = None
            lowered = label.key.lower()
            if (
                lowered != label.key
                and key_problem(lowered) is None
                and not label.key_unresolved
                and "$" not in label.raw_key
                and escape not in label.raw_key
                and text[label.key_span.start : label.key_span.end] == label.raw_key
            ):
                fix = Fix.unsafe(
                    f"Lower-case the label key to `{lowered}`",
                    Edit(label.key_span.start, label.key_span.end, label.raw_key.lower()),
                )
                reason = f"{reason}: use `{lowered}`"
            yield Violation(label.key_span, f"Label key `{label.key}` {reason}", fix)
