from __future__ import annotations

from dflint.hadolint_support import unpinned_variable
from dflint.packages import package_runs
from dflint.rule import Context, Rule, Severity, Violation
from dflint.shell import Arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Version queries that float: they pick a different version as new ones are published.
_FLOATING = frozenset({"latest", "upgrade", "patch", "master", "main", "head"})
#: Package patterns that name the toolchain's packages or go.mod's tool directives.
_TOOLCHAIN = frozenset({"std", "cmd", "tool"})


class UnpinnedGoPackage(Rule):
    """A `go install`, `go get` or `go run` package without a pinned version.

    A remote package should carry a version: `go install golang.org/x/tools/gopls@v0.16.1`.
    `@latest` (and `@upgrade`, `@patch`, or a branch such as `@master`) is not a pin. Packages of
    the module being built (`.`, `./cmd/app`, `./...`, `app/server`) and `.go` files are
    versioned with the source and are fine, as are `std`, `cmd` and `tool`. For `go run`, only the
    package is checked, not the program's arguments after it.

    ## Why is this bad?
    Without a version, go resolves the newest release at build time: two builds of the same
    Dockerfile get different tools, and a new major release can break the build.

    ## Example
    ```dockerfile
    FROM golang:1.22
    RUN go install github.com/air-verse/air@latest
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22
    RUN go install github.com/air-verse/air@v1.52.3
    ```

    ## Differences from hadolint
    - `@upgrade`, `@patch` and the branch names `@master`, `@main`, `@HEAD` count as unpinned,
      like `@latest`; `@none` (which removes a module) is not an install.
    - `.go` files (`go run main.go`), `std`, `cmd`, `tool` (go.mod's tool directives, Go 1.24)
      and paths whose first element has no dot (`app/server`: the standard library or the main
      module, which go cannot fetch from anywhere) are not reported; option values
      (`-tags netgo`, `-o bin`) are never read as packages.
    - One finding per unpinned package, at the package itself (in a heredoc body at its own
      line), instead of one per RUN at column 1; also `go` by a full path
      (`/usr/local/go/bin/go`) and behind `sudo`/`env`.
    - A package given through a variable is checked against its value (ARG, ENV, or a shell
      variable the RUN sets); when the value is unknown (a build argument without a default)
      nothing is reported, where hadolint reports every `$VAR`.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3062 (pull request)](https://github.com/hadolint/hadolint/pull/1111)
    - [go install](https://go.dev/ref/mod#go-install)
    """

    code = "DL3062"
    name = "unpinned-go-package"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, pcs in package_runs(ctx, {"go"}, windows=True):
            for pc in pcs:
                if pc.subcommand in ("install", "get"):
                    args = [p.arg for p in pc.packages]
                elif pc.subcommand == "run":
                    positional = pc.command.positional
                    args = list(positional[1:2])
                else:
                    continue
                for arg in args:
                    if _local(arg.value):
                        continue
                    if not arg.static:
                        if "@" in arg.value and arg.value.rsplit("@", 1)[1].lower() not in _FLOATING:
                            continue  # pkg@$VERSION
                        found = unpinned_variable(ctx, instruction, script, arg, _local_or_pinned,
                                                  f"go {pc.subcommand}", "<package>@<version>")
                        if found is not None:
                            yield found
                        continue
                    if _pinned(arg.value):
                        continue
                    yield _violation(pc.subcommand, arg)


def _local(value: str) -> bool:
    """The module being built, a file, or the toolchain: nothing to fetch, nothing to pin. A
    path whose first element has no dot (``app/server``) cannot be fetched either: only the
    standard library and the main module use such paths."""
    if value.startswith((".", "/", "~")) or value.endswith(".go") or value in _TOOLCHAIN:
        return True
    first = value.split("/", 1)[0].split("@", 1)[0]
    return "." not in first and "$" not in first


def _pinned(value: str) -> bool:
    if "@" not in value:
        return False
    version = value.rsplit("@", 1)[1]
    return version.lower() not in _FLOATING  # @none removes a module: not an install


def _local_or_pinned(value: str) -> bool:
    return _local(value) or _pinned(value)


def _violation(subcommand: str, arg: Arg) -> Violation:
    name, _, version = arg.value.partition("@")
    if version:
        msg = f"Pin the version of '{name}' in go {subcommand}: @{version} floats; use {name}@<version>"
    else:
        msg = f"Pin the version of '{name}' in go {subcommand}: use {name}@<version>"
    return Violation(arg.span, msg)
