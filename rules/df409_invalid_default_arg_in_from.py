from __future__ import annotations

from dflint.buildkit_checks import (DEFAULT_PLATFORM_VALUES, global_args, is_valid_reference,
                                    variable_refs, word_offsets)
from dflint.rule import Context, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class InvalidDefaultArgInFrom(Rule):
    """With the default values of the global ARGs, a `FROM` names no valid image.

    As BuildKit's `InvalidDefaultArgInFrom` check does: the global ARGs are given their defaults
    (no `--build-arg`; an ARG without a default stays unset, so it is empty), the image of every
    `FROM` that uses a variable is expanded with them, and the result must be a valid image
    reference: not empty, lowercase, with a non-empty tag after a `:`. BuildKit's platform ARGs
    are taken as for a linux/amd64 build.

    ## Why is this bad?
    The file only builds when someone remembers to pass `--build-arg`: `docker build .` fails with
    "invalid reference format". A default keeps the plain build working.

    ## Example
    ```dockerfile
    ARG TAG
    FROM busybox:${TAG}
    ```

    ## Use instead
    ```dockerfile
    ARG TAG=stable
    FROM busybox:${TAG}
    ```
    An empty value is fine where the image stays valid (`FROM busybox:stable${VARIANT}`), and so
    is a default in the reference itself (`FROM alpine:${TAG:-3.20}`).

    ## Differences from hadolint
    hadolint has no such check. BuildKit also reports a `FROM` with a literal invalid name
    (`FROM Alpine`) under this check's name; dflint only reports a `FROM` that uses a variable.

    ## References
    - [BuildKit check InvalidDefaultArgInFrom](https://docs.docker.com/reference/build-checks/invalid-default-arg-in-from/)
    """

    code = "DF409"
    name = "invalid-default-arg-in-from"
    severity = Severity.WARNING
    aliases = ("InvalidDefaultArgInFrom",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        dockerfile = ctx.dockerfile
        escape = dockerfile.escape or "\\"
        graph = ctx.graph
        if not graph.stages:
            return
        target = ctx.target or graph.stages[-1].name or ""
        env: dict[str, str] = {**DEFAULT_PLATFORM_VALUES, "TARGETSTAGE": target}
        for arg in global_args(dockerfile):
            if arg.value is None:
                continue
            exp = expand(arg.value, env, escape)
            if exp.error is not None:
                return  # BuildKit gives up checking (the build fails on it anyway)
            env[arg.key] = exp.value
        for stage in graph.stages:
            words = word_offsets(stage.from_instruction)
            if not words:
                continue
            base, start, end = words[0]
            refs = variable_refs(base, escape)
            if not refs:
                continue
            exp = expand(base, env, escape)
            if exp.error is not None:
                return
            if is_valid_reference(exp.value):
                continue
            names = sorted({r.name for r in refs})
            unset = [n for n in names if n not in env]
            result = f"`{exp.value}`" if exp.value else "an empty name"
            if unset:
                advice = "give " + ", ".join(unset) + " a default value"
            else:
                advice = "change the default value of " + ", ".join(names)
            yield Violation(
                stage.from_instruction.args_subspan(start, end),
                f"Default value for ARG {base} results in empty or invalid base image name: "
                f"without build arguments FROM pulls {result}; {advice}",
            )
