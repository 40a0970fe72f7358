from __future__ import annotations

from dflint.labels import StrictSchemaOptions, labels
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class SuperfluousLabel(Rule):
    """A label that the label schema does not list, with strict labels on.

    Only with `strict-labels = true` (hadolint's `strict-labels`): every label key must be one the
    `label-schema` names. With strict labels and no schema at all, every label is reported, as
    hadolint does.

    ## Why is this bad?
    A strict schema is a closed list: a label outside it is usually a typo of a schema label
    (`org.opencontainers.image.sources`) or an ad-hoc key that the teams reading labels do not
    know about.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source="https://github.com/acme/app" build-host="ci-07"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source="https://github.com/acme/app"
    ```

    ## Options
    `strict-labels` (default `false`): turn the rule on. `label-schema`: the allowed labels, a
    table of label name → type, as for the other label rules (see DL3049):

    ```toml
    [rules.DL3050]
    strict-labels = true
    label-schema = { "org.opencontainers.image.source" = "url" }
    ```

    ## Differences from hadolint
    Reported at each superfluous key instead of once per `LABEL`; `ONBUILD LABEL` keys are
    checked too.

    ## References
    - [hadolint: linting labels](https://github.com/hadolint/hadolint#linting-labels)
    - [hadolint DL3050](https://github.com/hadolint/hadolint/wiki/DL3050)
    """

    code = "DL3050"
    name = "superfluous-label"
    severity = Severity.INFO
    Options = StrictSchemaOptions

    def check(self, ctx: Context) -> Iterator[Violation]:
        if not self.options.strict_labels:
            return
        schema = self.options.label_schema
        for label in labels(ctx):
            if label.key in schema:
                continue
            if schema:
                message = (f"Label `{label.key}` is not in the label schema and strict labels are on: "
                           "remove it, or add it to `label-schema`")
            else:
                message = (f"Label `{label.key}` is not allowed: strict labels are on and the label "
                           "schema is empty")
            yield Violation(label.key_span, message)
