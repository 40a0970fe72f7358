from __future__ import annotations

import re

from dflint.buildkit_checks import key_values
from dflint.rule import Context, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class EnvSelfReference(Rule):
    """An `ENV` refers to a variable that the same `ENV` defines.

    In `ENV A=1 B=$A`, every value is expanded with the variables as they were *before* the
    instruction, so `B` does not get `1`: it gets the previous value of `A`, or an empty string
    when `A` was not set. A reference is only reported when the variable was not set earlier in
    the stage (by an `ARG` or `ENV`, also in a stage it is built `FROM`): then the value is
    certainly not what the line suggests. A variable referring to itself (`PATH=/x:$PATH`) is
    fine. References inside single quotes or escaped (`\\$A`) are not references.

    ## Why is this bad?
    The variable silently expands to nothing (or to an old value), and the image gets a wrong
    `PATH`, `JAVA_HOME` or URL.

    ## Example
    ```dockerfile
    FROM eclipse-temurin:21-jre
    ENV APP_HOME=/opt/app \\
        APP_CONFIG=$APP_HOME/config.yml
    ```

    ## Use instead
    ```dockerfile
    FROM eclipse-temurin:21-jre
    ENV APP_HOME=/opt/app
    ENV APP_CONFIG=$APP_HOME/config.yml
    ```

    ## Differences from hadolint
    dflint reads the value as BuildKit does: `'$A'` and `\\$A` are not references (hadolint
    reports them), `${A:-default}` is one (hadolint misses it). "Defined earlier" follows the
    stage graph: hadolint counts an `ARG` or `ENV` anywhere earlier in the file, even in an
    unrelated stage or before the first `FROM`, where it is not visible. The finding points at
    the reference.

    ## References
    - [hadolint DL3044](https://github.com/hadolint/hadolint/wiki/DL3044)
    - [Dockerfile reference: ENV](https://docs.docker.com/reference/dockerfile/#env)
    """

    code = "DL3044"
    name = "env-self-reference"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        escape = ctx.dockerfile.escape
        names_after: dict[int, set[str]] = {}
        for stage in graph.stages:
            defined: set[str] = set(names_after.get(stage.base_stage, set())) \
                if stage.base_stage is not None else set()
            for ins in stage.instructions[1:]:
                if ins.name not in ("ENV", "ARG"):
                    continue
                items = [kv for kv in key_values(ins.args, ins.name, escape) if kv.error is None]
                if ins.name == "ENV" and len(items) > 1:
                    yield from self._check_env(ins, items, defined, escape)
                defined.update(kv.key for kv in items)
            names_after[stage.index] = defined

    def _check_env(self, ins, items, defined: set[str], escape: str) -> Iterator[Violation]:
        keys = [kv.key for kv in items]
        for i, kv in enumerate(items):
            if kv.value is None or "$" not in kv.value:
                continue  # (no variable in it refers to anything)
            others = {k for j, k in enumerate(keys) if j != i}
            referenced = expand(kv.value, {}, escape).referenced
            for name in sorted(referenced & others - defined):
                span = self._reference_span(ins, kv, name)
                yield Violation(
                    span,
                    f"Do not refer to `{name}` in the same `ENV` that defines it: `{kv.key}` gets "
                    f"the value `{name}` had before this instruction, not the one set here; move "
                    f"`{kv.key}` to a separate ENV after it",
                )

    @staticmethod
    def _reference_span(ins, kv, name: str):
        value_start = kv.end - len(kv.value)
        n = re.escape(name)
        m = re.search(r"\$(?:\{" + n + r"(?:[:?+\-#%/][^}]*)?\}|" + n + r"(?![A-Za-z0-9_]))", kv.value)
        if m is None:
            return ins.args_subspan(kv.start, kv.end)
        return ins.args_subspan(value_start + m.start(), value_start + m.end())
