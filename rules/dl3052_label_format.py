"""DL3052–DL3056 and DL3058: a label's value does not match its type in the label schema.

One rule per type, as in hadolint, sharing `_LabelFormat`; the validators live in
`dflint.labels`."""

from __future__ import annotations

from dflint.labels import LABEL_TYPES, SchemaOptions, build_time_names, labels, problem
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar, Iterator


class _LabelFormat(Rule):
    """Common check: every label whose schema type is `kind` must hold a value of that type."""

    kind: ClassVar[str]
    severity = Severity.WARNING
    Options = SchemaOptions

    def check(self, ctx: Context) -> Iterator[Violation]:
        schema = self.options.label_schema
        if self.kind not in schema.values():
            return
        for label in labels(ctx):
            if schema.get(label.key) != self.kind or label.empty:
                continue  # an empty value is DL3051's
            reason = problem(self.kind, label.value)
            if reason is None:
                continue
            names = build_time_names(label.unresolved)
            if names:
                message = (
                    f"Label `{label.key}` is `{label.raw_value}`: {names} is only known at build time, "
                    f"so the value cannot be checked to be {LABEL_TYPES[self.kind]}; declare "
                    f"`{label.key}` as `text` in the label schema, or write the value out"
                )
            else:
                message = f"Label `{label.key}` {reason}"
            yield Violation(label.value_span, message)


class LabelNotUrl(_LabelFormat):
    """A label of type `url` in the label schema does not hold a valid URL.

    The value must be an absolute URI as RFC 3986 defines it: a scheme (`https:`), then the rest
    with every character allowed where it stands (spaces, `{`, `|`, `<` and non-ASCII letters
    percent-encoded, `%` followed by two hex digits). Only checked for labels the `label-schema`
    declares as `url`.

    ## Why is this bad?
    URL labels (`org.opencontainers.image.source`, `…url`, `…documentation`) are followed by
    tools: registries link to them, scanners fetch the source. A relative path or a bare host
    name is not something they can open.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source="github.com/acme/app"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.source="https://github.com/acme/app"
    ```

    ## Options
    `label-schema`: a table of label name → type, as for the other label rules (see DL3049);
    this rule checks the labels of type `url`:

    ```toml
    [rules.DL3052]
    label-schema = { "org.opencontainers.image.source" = "url" }
    ```

    ## Differences from hadolint
    Variables with a known value (an ARG default, a build arg, an ENV) are substituted before the
    check, as BuildKit does; hadolint checks the text as written. A variable only the build knows
    stays as written, as in hadolint, where `$` is a valid URL character. An empty value is left to
    DL3051 (hadolint reports both). Reported at the value, once per bad label, instead of once per
    `LABEL` at column 1.

    ## References
    - [RFC 3986: URI generic syntax](https://www.rfc-editor.org/rfc/rfc3986#section-3)
    - [hadolint: linting labels](https://github.com/hadolint/hadolint#linting-labels)
    - [hadolint DL3052](https://github.com/hadolint/hadolint/wiki/DL3052)
    """

    code = "DL3052"
    name = "label-not-url"
    kind = "url"


class LabelNotRfc3339(_LabelFormat):
    """A label of type `rfc3339` in the label schema does not hold an RFC 3339 date and time.

    The value must be `YYYY-MM-DDTHH:MM:SS`, optionally with a fraction of a second, then `Z` or
    an offset `+HH:MM`/`-HH:MM` (RFC 3339 section 5.6), on a date that exists. Only checked for
    labels the `label-schema` declares as `rfc3339`.

    ## Why is this bad?
    Build dates (`org.opencontainers.image.created`, `org.label-schema.build-date`) are sorted and
    compared by tools; a date without a time zone, or in a local format, is ambiguous or
    unreadable to them. `date -u +%Y-%m-%dT%H:%M:%SZ` gives the right format.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.created="2024-05-01 12:00:00"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.created="2024-05-01T12:00:00Z"
    ```

    ## Options
    `label-schema`: a table of label name → type, as for the other label rules (see DL3049);
    this rule checks the labels of type `rfc3339`:

    ```toml
    [rules.DL3053]
    label-schema = { "org.opencontainers.image.created" = "rfc3339" }
    ```

    ## Differences from hadolint
    Strictly RFC 3339: hadolint's parser also accepts an offset without a colon (`+0100`), out of
    range offsets (`+24:00`), a `.` with no digits, years of five digits and surrounding spaces.
    Variables with a known value are substituted before the check, as BuildKit does; a variable
    only the build knows (`$BUILD_DATE`) is reported, as in hadolint (its README: declare such
    labels as `text`). An empty value is left to DL3051 (hadolint reports both). Reported at the
    value, once per bad label.

    ## References
    - [RFC 3339 section 5.6](https://www.rfc-editor.org/rfc/rfc3339#section-5.6)
    - [hadolint: linting labels](https://github.com/hadolint/hadolint#linting-labels)
    - [hadolint DL3053](https://github.com/hadolint/hadolint/wiki/DL3053)
    """

    code = "DL3053"
    name = "label-not-rfc3339"
    kind = "rfc3339"


class LabelNotSpdx(_LabelFormat):
    """A label of type `spdx` in the label schema is not an SPDX license identifier or expression.

    The value must be an identifier of the SPDX License List in its exact spelling (`MIT`,
    `Apache-2.0`, `GPL-3.0-or-later`), or an SPDX license expression built from them (`MIT OR
    Apache-2.0`, `GPL-2.0-only WITH Classpath-exception-2.0`, `LicenseRef-acme`). Deprecated
    identifiers (`GPL-2.0`, `LGPL-2.1+`) are reported with their replacement. Only checked for
    labels the `label-schema` declares as `spdx`.

    ## Why is this bad?
    License scanners and registries read `org.opencontainers.image.licenses` as an SPDX
    expression; a free-form name (`Apache License 2.0`, `BSD`) cannot be matched to a license
    text, so the image shows up as unlicensed or needs a manual review.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.licenses="Apache License 2.0"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.licenses="Apache-2.0"
    ```

    ## Options
    `label-schema`: a table of label name → type, as for the other label rules (see DL3049);
    this rule checks the labels of type `spdx`:

    ```toml
    [rules.DL3054]
    label-schema = { "org.opencontainers.image.licenses" = "spdx" }
    ```

    ## Differences from hadolint
    hadolint takes one license identifier only, so it reports SPDX expressions (`MIT OR
    Apache-2.0`, what the OCI annotation asks for) and `LicenseRef-…`; dflint accepts them. The
    identifiers come from SPDX License List 3.27 (bundled), so identifiers added after hadolint's
    list (`DocBook-XML`, `pkgconf`) are valid. Variables with a known value are substituted before
    the check. An empty value is left to DL3051. Reported at the value, once per bad label.

    ## References
    - [SPDX License List](https://spdx.org/licenses/)
    - [SPDX license expressions](https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/)
    - [OCI image annotations](https://github.com/opencontainers/image-spec/blob/main/annotations.md)
    - [hadolint DL3054](https://github.com/hadolint/hadolint/wiki/DL3054)
    """

    code = "DL3054"
    name = "label-not-spdx"
    kind = "spdx"


class LabelNotGitHash(_LabelFormat):
    """A label of type `hash` in the label schema does not hold a git commit hash.

    The value must be lower-case hex: a full commit hash (40 digits, 64 in a SHA-256 repository)
    or an abbreviated one of at least 7 digits, as `git rev-parse HEAD` or `git rev-parse --short
    HEAD` print it. Only checked for labels the `label-schema` declares as `hash`.

    ## Why is this bad?
    A revision label (`org.opencontainers.image.revision`, `org.label-schema.vcs-ref`) is how an
    image is traced back to the commit it was built from; a branch name or a tag moves, and a
    mistyped hash points nowhere.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.revision="main"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.revision="4f07059567fa61c80397126e8063dbbde011b794"
    ```

    ## Options
    `label-schema`: a table of label name → type, as for the other label rules (see DL3049);
    this rule checks the labels of type `hash`:

    ```toml
    [rules.DL3055]
    label-schema = { "org.opencontainers.image.revision" = "hash" }
    ```

    ## Differences from hadolint
    hadolint takes exactly 7 or 40 digits; git abbreviates to more than 7 in large repositories
    and SHA-256 repositories have 64, so dflint takes 7 to 40, and 64. Variables with a known
    value are substituted before the check; a variable only the build knows (`$VCS_REF`) is
    reported, as in hadolint (its README: declare such labels as `text`). An empty value is left
    to DL3051. Reported at the value, once per bad label.

    ## References
    - [git rev-parse](https://git-scm.com/docs/git-rev-parse)
    - [hadolint DL3055](https://github.com/hadolint/hadolint/wiki/DL3055)
    """

    code = "DL3055"
    name = "label-not-git-hash"
    kind = "hash"


class LabelNotSemver(_LabelFormat):
    """A label of type `semver` in the label schema does not hold a semantic version.

    The value must follow Semantic Versioning 2.0.0: `MAJOR.MINOR.PATCH`, numbers without
    leading zeros, an optional `-pre.release` and `+build` metadata (`1.4.2`, `2.0.0-rc.1+42`).
    Only checked for labels the `label-schema` declares as `semver`.

    ## Why is this bad?
    Tools compare and sort version labels; `v1.4`, `1.4` or `latest` do not compare as versions,
    and a leading `v` belongs to the git tag, not the version.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.version="v1.4"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.version="1.4.0"
    ```

    ## Options
    `label-schema`: a table of label name → type, as for the other label rules (see DL3049);
    this rule checks the labels of type `semver`:

    ```toml
    [rules.DL3056]
    label-schema = { "org.opencontainers.image.version" = "semver" }
    ```

    ## Differences from hadolint
    Strictly semver.org 2.0.0: hadolint's parser also accepts leading zeros (`01.2.3`,
    `1.2.3-rc.01`) and an empty pre-release or build part (`1.2.3-`). Variables with a known value
    are substituted before the check; a variable only the build knows (`$VERSION`) is reported,
    as in hadolint (its README: declare such labels as `text`). An empty value is left to DL3051.
    Reported at the value, once per bad label.

    ## References
    - [Semantic Versioning 2.0.0](https://semver.org/spec/v2.0.0.html)
    - [hadolint DL3056](https://github.com/hadolint/hadolint/wiki/DL3056)
    """

    code = "DL3056"
    name = "label-not-semver"
    kind = "semver"


class LabelNotEmail(_LabelFormat):
    """A label of type `email` in the label schema does not hold an email address.

    The value must be one address as RFC 5322 writes it (`addr-spec`): `local@domain`, without a
    display name or angle brackets, in ASCII. Only checked for labels the `label-schema` declares
    as `email`.

    ## Why is this bad?
    A contact label is read by tools that send mail or open tickets; `Jane Doe <jane@acme.example>`
    or `jane at acme` is not an address they can use.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors="Platform team <platform@acme.example>"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors="platform@acme.example"
    ```

    ## Options
    `label-schema`: a table of label name → type, as for the other label rules (see DL3049);
    this rule checks the labels of type `email`:

    ```toml
    [rules.DL3058]
    label-schema = { "org.opencontainers.image.authors" = "email" }
    ```

    ## Differences from hadolint
    hadolint's validator also accepts RFC 5322 comments (`(team)platform@acme.example`) and a
    trailing dot after the domain; dflint does not. Variables with a known value are substituted
    before the check. An empty value is left to DL3051. Reported at the value, once per bad label.

    ## References
    - [RFC 5322 section 3.4.1](https://www.rfc-editor.org/rfc/rfc5322#section-3.4.1)
    - [hadolint DL3058](https://github.com/hadolint/hadolint/wiki/DL3058)
    """

    code = "DL3058"
    name = "label-not-email"
    kind = "email"
