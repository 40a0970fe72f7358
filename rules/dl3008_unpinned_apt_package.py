from __future__ import annotations

from dflint.hadolint_support import unpinned_variable
from dflint.packages import package_runs
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UnpinnedAptPackage(Rule):
    """An `apt-get install` package without a pinned version.

    Every package named by `apt-get install` (also `apt install`, `aptitude install`, behind
    `sudo`/`env`/`xargs`, in heredoc bodies and ONBUILD triggers) should carry a version:
    `curl=8.5.0-2`. A package that selects a release (`curl/bookworm-backports`) or a local
    `.deb` file counts as chosen on purpose and is not reported. A package given through a
    variable (`apt-get install $PKGS`) is checked against its value (ARG, ENV, or set earlier in
    the RUN) when it is known.

    ## Why is this bad?
    Without a version, the build installs whatever the mirror serves that day: two builds of the
    same Dockerfile produce different images, and an upstream update can break the build or the
    application without any change on your side. A pinned version also makes the layer cache
    meaningful: bumping the version is what rebuilds it.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update \\
        && apt-get install -y --no-install-recommends curl \\
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update \\
        && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Differences from hadolint
    - One finding per unpinned package, at the package itself, instead of one per RUN at column 1;
      a package in a heredoc body is reported at its own line.
    - Also `apt`, `aptitude`, `reinstall`, a full path (`/usr/bin/apt-get`) and commands run
      through `sudo`, `env` or `xargs`; hadolint only looks at a command spelled `apt-get`.
    - A package given through a variable is checked against the variable's value: an ARG/ENV,
      or a shell variable the RUN sets itself (`buildDeps='gcc make'`); when the value is not
      known (a build argument without a default) nothing is reported, where hadolint reports
      every `$VAR`.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3008](https://github.com/hadolint/hadolint/wiki/DL3008)
    - [Dockerfile best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
    """

    code = "DL3008"
    name = "unpinned-apt-package"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, pcs in package_runs(ctx, {"apt"}, windows=True):
            for pc in pcs:
                if pc.action != "install":
                    continue
                for pkg in pc.packages:
                    arg = pkg.arg
                    if pkg.version is not None or _chosen(arg.value):
                        continue
                    if not arg.static:
                        found = unpinned_variable(ctx, instruction, script, arg, _pinned,
                                                  f"{pc.tool} install", "<package>=<version>")
                        if found is not None:
                            yield found
                        continue
                    yield Violation(
                        arg.span,
                        f"Pin the version of '{pkg.name}' in {pc.tool} install: use "
                        f"{pkg.name}=<version>",
                    )


def _chosen(value: str) -> bool:
    """A release selection (`pkg/bookworm-backports`) or a package file."""
    return "/" in value or value.endswith(".deb")


def _pinned(word: str) -> bool:
    return "=" in word or _chosen(word)
