from __future__ import annotations

from dflint.labels import SchemaOptions, labels
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class EmptyLabel(Rule):
    """A label of the label schema is set to an empty value.

    Only for labels the `label-schema` names, as in hadolint. The value is read as BuildKit sets
    it: quotes removed and variables substituted, so `LABEL version="$VERSION"` after
    `ARG VERSION=""` is empty too; a variable only the build knows is not.

    ## Why is this bad?
    An empty required label passes a presence check but carries nothing: the image still cannot
    be traced to its owner, source or version. It usually comes from a build argument that CI
    forgot to pass.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors=""
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors="platform-team@acme.example"
    ```

    ## Options
    `label-schema`: a table of label name → type, as for the other label rules (see DL3049):

    ```toml
    [rules.DL3051]
    label-schema = { "org.opencontainers.image.authors" = "email" }
    ```

    ## Differences from hadolint
    A value of only white space counts as empty, and variables with a known value are
    substituted first. Reported at the `key=value` item, once per empty label.

    ## References
    - [hadolint: linting labels](https://github.com/hadolint/hadolint#linting-labels)
    - [hadolint DL3051](https://github.com/hadolint/hadolint/wiki/DL3051)
    """

    code = "DL3051"
    name = "empty-label"
    severity = Severity.WARNING
    Options = SchemaOptions

    def check(self, ctx: Context) -> Iterator[Violation]:
        schema = self.options.label_schema
        if not schema:
            return
        for label in labels(ctx):
            if label.key in schema and label.empty:
                yield Violation(
                    label.span,
                    f"Label `{label.key}` is empty: give it a value, or remove it if the image "
                    "has nothing to put there",
                )
