from __future__ import annotations

import re

from dflint.hadolint_support import unpinned_variable
from dflint.packages import package_runs
from dflint.rule import Context, Rule, Severity, Violation
from dflint.source import LazyPattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_GIT = ("git://", "git+ssh://", "git+http://", "git+https://", "github:", "gitlab:", "bitbucket:", "gist:")
_TARBALL = (".tar", ".tar.gz", ".tgz")
_SHORTHAND = LazyPattern(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(#.*)?\Z")  # user/repo[#ref]
#: Versions that are not pins: the default tag and "any version".
_FLOATING = frozenset({"latest", "*", "x", ""})


class UnpinnedNpmPackage(Rule):
    """An `npm install` package without a version.

    Each package named by `npm install` (also `npm i`, `npm add`) should carry a version or a
    range: `express@4.19.2`. Git sources are pinned with `#<commit or tag>`; tarballs and local
    folders are fine. `@latest` and `@*` are not pins: they are what `npm install <name>` means
    anyway. A package given through a variable is checked against its ARG/ENV value when known.

    ## Why is this bad?
    Without a version, a rebuild installs whatever was published last: a new major version, or
    a compromised release, ends up in the image without any change to the Dockerfile.

    ## Example
    ```dockerfile
    FROM node:20-slim
    RUN npm install -g pm2
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    RUN npm install -g pm2@5.4.2
    ```

    ## Differences from hadolint
    - One finding per unpinned package, at the package itself (in a heredoc body at its own
      line), instead of one per RUN at column 1.
    - `@latest` and `@*` count as unpinned; hadolint accepts any `@tag`.
    - Also `npm i` and `npm add`, `npm` behind `sudo`/`env`; option values (`--prefix DIR`,
      `--registry URL`) are never read as packages.
    - A package given through a variable is checked against its value (ARG, ENV, or a shell
      variable the RUN sets); when the value is unknown (a build argument without a default)
      nothing is reported, where hadolint reports every `$VAR`.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3016](https://github.com/hadolint/hadolint/wiki/DL3016)
    - [npm install](https://docs.npmjs.com/cli/commands/npm-install)
    """

    code = "DL3016"
    name = "unpinned-npm-package"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, pcs in package_runs(ctx, {"npm"}, windows=True):
            for pc in pcs:
                if pc.action != "install":
                    continue
                for pkg in pc.packages:
                    arg = pkg.arg
                    if not arg.static:
                        if pkg.version is not None and pkg.version not in _FLOATING:
                            continue  # name@$VERSION
                        found = unpinned_variable(ctx, instruction, script, arg, _pinned,
                                                  "npm install", "<package>@<version>")
                        if found is not None:
                            yield found
                        continue
                    if _pinned(arg.value):
                        continue
                    name = _name(arg.value)
                    if _is_git(arg.value):
                        msg = f"Pin the git source in npm install: add #<commit or tag> to {arg.value}"
                    else:
                        msg = f"Pin the version of '{name}' in npm install: use {name}@<version>"
                    yield Violation(arg.span, msg)


def _is_git(value: str) -> bool:
    return value.startswith(_GIT) or (not value.startswith("@") and bool(_SHORTHAND.match(value)))


def _name(value: str) -> str:
    at = value.rfind("@")
    return value[:at] if at > 0 else value


def _pinned(value: str) -> bool:
    if _is_git(value):
        return "#" in value
    if value.endswith(_TARBALL) or value.startswith(("/", "./", "../", "~/", "file:")):
        return True
    if "://" in value:
        return False
    at = value.rfind("@")
    if at <= 0:
        return False
    return value[at + 1 :] not in _FLOATING
