from __future__ import annotations

from dflint.hadolint_support import unpinned_variable
from dflint.packages import package_runs
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UnpinnedGem(Rule):
    """A `gem install` gem without a version.

    Each gem named by `gem install` (or `gem i`) should carry a version, as `rails:7.1.3` or
    with `-v`/`--version` (which pins the gem it follows). Local `.gem` files are fine. A gem
    given through a variable is checked against its ARG/ENV value when known.

    ## Why is this bad?
    Without a version, each rebuild installs the newest release: a new major version can break
    the build or the application without any change to the Dockerfile.

    ## Example
    ```dockerfile
    FROM ruby:3.3-slim
    RUN gem install bundler
    ```

    ## Use instead
    ```dockerfile
    FROM ruby:3.3-slim
    RUN gem install bundler:2.5.16
    ```

    ## Differences from hadolint
    - One finding per unpinned gem, at the gem itself (in a heredoc body at its own line),
      instead of one per RUN at column 1.
    - A local `.gem` file is not reported; option values (`--source URL`, `-n DIR`) are never
      read as gems.
    - Also `gem` behind `sudo`/`env` or called by a full path.
    - A gem given through a variable is checked against its value (ARG, ENV, or a shell
      variable the RUN sets); when the value is unknown (a build argument without a default)
      nothing is reported, where hadolint reports every `$VAR`.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3028](https://github.com/hadolint/hadolint/wiki/DL3028)
    - [gem install](https://guides.rubygems.org/command-reference/#gem-install)
    """

    code = "DL3028"
    name = "unpinned-gem"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, pcs in package_runs(ctx, {"gem"}, windows=True):
            for pc in pcs:
                if pc.subcommand not in ("install", "i"):
                    continue
                if pc.has_flag("-v", "--version"):
                    continue
                if pc.action == "install":
                    args = [p.arg for p in pc.packages]
                else:  # `gem i`, which the package layer does not know as install
                    args = [a for a in pc.command.positional[1:] if a.value and not a.value.startswith(("./", "/", "~"))]
                for arg in args:
                    value = arg.value
                    if ":" in value or value.endswith(".gem") or value == "--":
                        continue
                    if not arg.static:
                        found = unpinned_variable(ctx, instruction, script, arg, _pinned,
                                                  "gem install", "<gem>:<version>")
                        if found is not None:
                            yield found
                        continue
                    yield Violation(
                        arg.span,
                        f"Pin the version of '{value}' in gem install: use {value}:<version>",
                    )


def _pinned(word: str) -> bool:
    return ":" in word or word.endswith(".gem")
