from __future__ import annotations

from dflint.hadolint_support import run_scripts
from dflint.rule import Context, Rule, Severity, Violation
from dflint.shell import parse_script
from dflint.syntax import Comment, Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


#: Declaration builtins (the shell layer marks their name word as not static).
_BUILTINS = frozenset({"export", "unset", "local", "declare", "readonly", "typeset"})


def _flags_key(instruction: Instruction) -> tuple[tuple[str, str], ...]:
    """The RUN's flags, normalised (a mount's options in any order compare equal)."""
    key = []
    for flag in instruction.flags:
        if flag.name == "mount":
            value = ",".join(f"{k}={v}" for k, v in sorted(flag.options().items()))
        else:
            value = flag.value or ""
        key.append((flag.name, value))
    return tuple(sorted(key))


class ConsecutiveRunInstructions(Rule):
    """Two RUN instructions in a row that each run a single command.

    Each RUN makes a layer. Consecutive one-command RUNs with the same flags can usually be one
    RUN joined with `&&`. RUNs that already chain several commands are left alone (splitting them
    was a choice), and so are RUNs whose flags differ (`--mount`, `--network`, `--security`).

    ## Why is this bad?
    More layers make a larger image (a file changed in two layers is stored twice) and a slower
    pull; a cleanup in a separate RUN does not shrink the layer before it.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN mkdir -p /app/data
    RUN chown nobody /app/data
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN mkdir -p /app/data \\
        && chown nobody /app/data
    ```

    ## Differences from hadolint
    - Reported at the second RUN's keyword.
    - Commands are counted as hadolint counts them: every simple command, also in pipes,
      substitutions and heredoc bodies, but not one whose name is computed (`"$TOOL" build`).
    - A RUN under a PowerShell or cmd SHELL (Windows images) has its commands counted by the
      POSIX shell parser, as in hadolint (`;`, `&&`, `|` and new lines separate commands there
      too); text that parser cannot read counts as no command. hadolint's parser (ShellCheck's)
      reads a few more PowerShell lines than tree-sitter does, so a handful of Windows RUNs are
      reported by dflint only.
    - `--mount` flags compare by their options in any order, as hadolint's parsed flags do.

    ## References
    - [hadolint DL3059](https://github.com/hadolint/hadolint/wiki/DL3059)
    - [Docker best practices: minimize the number of layers](https://docs.docker.com/build/building/best-practices/#minimize-the-number-of-layers)
    """

    code = "DL3059"
    name = "consecutive-run-instructions"
    severity = Severity.INFO

    def _count(self, ctx: Context, instruction: Instruction) -> int:
        """How many commands the RUN runs (exec form: one)."""
        try:
            if instruction.json is not None:
                return 1
        except ValueError:
            return 1
        script = ctx.script(instruction)
        if script is None:
            # cmd or PowerShell: `;`, `&&`, `|` and new lines separate commands there too, so
            # the POSIX parser counts them well enough (as hadolint does)
            # (text the POSIX parser cannot read counts as no command, as in hadolint)
            # (the same parse as `run_scripts(windows=True)` gives, when it has it)
            script = next((s for r, s in run_scripts(ctx, windows=True) if r is instruction), None)
            if script is None:
                script = parse_script(instruction.args)
            if script.errors:
                return 0
        # a command whose name is computed (`"$TOOL" x`) is not counted, as in hadolint
        return sum(1 for cmd in script.commands if cmd.name_arg.static or cmd.name in _BUILTINS)

    def check(self, ctx: Context) -> Iterator[Violation]:
        previous: tuple[tuple[tuple[str, str], ...], int] | None = None
        for node in ctx.dockerfile.nodes:
            if isinstance(node, Comment):
                continue
            if not isinstance(node, Instruction):
                continue
            if node.name != "RUN":
                previous = None
                continue
            key, count = _flags_key(node), self._count(ctx, node)
            if (
                previous is not None
                and previous[0] == key
                and count <= 1
                and previous[1] <= 1
            ):
                yield Violation(
                    node.keyword_span,
                    "Multiple consecutive `RUN` instructions. Consider consolidation: join this "
                    "RUN to the one before with `&&`",
                )
            previous = (key, count)
