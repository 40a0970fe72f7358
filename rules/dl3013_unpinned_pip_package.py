from __future__ import annotations

from dflint.hadolint_support import unpinned_variable
from dflint.packages import package_runs
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_VCS = ("git+", "hg+", "svn+", "bzr+", "git://")
#: pip options whose value is the next word (so it is not a package), beyond the shell layer's.
_PIP_VALUE = frozenset(
    "-r -c -e -i -f -t -b --requirement --constraint --editable --index-url --extra-index-url "
    "--find-links --target --prefix --root --cache-dir --src --platform --python-version "
    "--implementation --abi --progress-bar --trusted-host --log --proxy --retries --timeout "
    "--exists-action --cert --client-cert --no-binary --only-binary --upgrade-strategy "
    "--global-option --install-option --config-settings -C --build -p --python".split()
)
_OPERATORS = ("==", ">=", "<=", "~=", "!=", ">", "<", "===", "@")


class UnpinnedPipPackage(Rule):
    """A `pip install` package without a version constraint.

    Each package named on a `pip install` command line (also `pip3`, `python -m pip`,
    `uv pip install`) should carry a version specifier (`flask==3.0.3`, `flask>=3,<4`). Local
    projects and files (`.`, `./pkg`, `*.whl`, `*.tar.gz`), URLs, VCS references pinned with
    `@ref`, and commands that read a requirements (`-r`) or constraints (`-c`) file are fine. A
    package given through a variable is checked against the variable's ARG/ENV value when known.

    ## Why is this bad?
    An unpinned package is whatever PyPI serves on the day of the build, so rebuilding the same
    Dockerfile can install a new major version that breaks the application.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask gunicorn
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask==3.0.3 gunicorn==22.0.0
    ```

    ## Differences from hadolint
    - One finding per unpinned package, at the package itself (in a heredoc body at its own
      line), instead of one per RUN at column 1.
    - Also `uv pip install`, a full path (`/venv/bin/pip`) and pip behind `sudo`/`env`; a
      local project with extras
      (`.[dev]`) is local, not an unpinned package.
    - A package given through a variable is checked against its value (ARG, ENV, or a shell
      variable the RUN sets); when the value is unknown (a build argument without a default)
      nothing is reported, where hadolint reports every `$VAR`.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3013](https://github.com/hadolint/hadolint/wiki/DL3013)
    - [pip: requirement specifiers](https://pip.pypa.io/en/stable/reference/requirement-specifiers/)
    """

    code = "DL3013"
    name = "unpinned-pip-package"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, pcs in package_runs(ctx, {"pip"}, windows=True):
            for pc in pcs:
                if pc.action != "install":
                    continue
                if pc.has_flag("-r", "--requirement", "-c", "--constraint"):
                    continue
                for pkg in pc.packages:
                    arg = pkg.arg
                    if pkg.version is not None or _local(arg.value):
                        continue
                    if not arg.static:
                        found = unpinned_variable(ctx, instruction, script, arg, _pinned,
                                                  "pip install", "<package>==<version>")
                        if found is not None:
                            yield found
                        continue
                    yield Violation(
                        arg.span,
                        f"Pin the version of '{pkg.name}' in pip install: use "
                        f"{pkg.name}==<version> (or install from a requirements file)",
                    )
                # VCS references, which the package list leaves out: pinned by @ref
                prev = None
                for arg in pc.command.args:
                    value = arg.value
                    if arg.static and value.startswith(_VCS) and prev not in _PIP_VALUE and not _vcs_pinned(value):
                        yield Violation(
                            arg.span,
                            f"Pin the VCS reference in pip install: add @<tag or commit> to {value}",
                        )
                    prev = value


def _local(value: str) -> bool:
    return value.startswith((".", "/", "~")) or value.endswith((".whl", ".tar.gz", ".zip")) or "://" in value


def _pinned(word: str) -> bool:
    base = word.split(";", 1)[0]
    return any(op in base for op in _OPERATORS) or _local(word)


def _vcs_pinned(url: str) -> bool:
    """``git+https://host/org/repo@v1.2#egg=x``: a ``@ref`` after the host part."""
    rest = url.split("://", 1)[1] if "://" in url else url
    path = rest.split("/", 1)[1] if "/" in rest else ""
    return "@" in path.split("#", 1)[0]
