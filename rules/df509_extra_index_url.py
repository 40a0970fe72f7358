from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.security import env_settings, runs, value_arg
from dflint.shell import Arg, Command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_RISK = (
    "pip takes each package from whichever index has the highest version, so anyone who uploads a "
    "package with the same name to PyPI (dependency confusion) gets it installed"
)
_FIX = (
    "use a single --index-url that serves both (a proxy such as devpi, Artifactory or Nexus), or pin "
    "every requirement with hashes (--require-hashes)"
)


class ExtraIndexUrl(Rule):
    """pip is given an extra package index next to PyPI (`--extra-index-url`).

    dflint reports `pip install … --extra-index-url URL` (also `python -m pip`,
    `pip config set global.extra-index-url`), and `PIP_EXTRA_INDEX_URL` set with `ENV`, `ARG`
    (a default) or inline in a RUN. Not reported: a pip command with `--require-hashes` (every
    requirement is then pinned to a digest), and `uv`, which by default takes a package only from
    the first index that has it — unless `--index-strategy unsafe-best-match` says otherwise.
    Text that only looks like it — in quotes given to `echo`, in a comment — is not a command.

    ## Why is this bad?
    With several indexes pip makes no difference between them: for each requirement it collects
    the candidates of all indexes and picks the best version. When a private package's name is
    free on PyPI, anyone can publish it there with a higher version, and the next build installs
    theirs and runs its code. It happened to PyTorch's nightly builds in December 2022
    (`torchtriton`), installed through `--extra-index-url`.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir \\
        --extra-index-url https://pypi.example.com/simple/ internal-utils==1.4.0
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir \\
        --index-url https://pypi.example.com/simple/ internal-utils==1.4.0
    ```
    Point `--index-url` at a repository manager that serves your packages and proxies PyPI, with
    your names reserved; or keep the extra index and install from a hash-pinned requirements
    file (`pip install --require-hashes -r requirements.txt`).

    ## References
    - [pip docs: --extra-index-url and dependency confusion](https://pip.pypa.io/en/stable/cli/pip_install/#cmdoption-extra-index-url)
    - [PyTorch: compromised nightly dependency (torchtriton), December 2022](https://pytorch.org/blog/compromised-nightly-dependency/)
    - [Alex Birsan: Dependency Confusion](https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610)
    - [uv docs: index strategy](https://docs.astral.sh/uv/concepts/indexes/#searching-across-multiple-indexes)
    """

    code = "DF509"
    name = "extra-index-url"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        seen: set[int] = set()
        for _ins, found in runs(ctx, _UV, "pip"):  # (the RUNs that run pip or uv: `_findings`)
            for script in found:
                for cmd in script.commands:
                    name = cmd.unwrapped().basename
                    if name != "uv" and not name.startswith("pip"):
                        continue  # (most commands: what `_findings` reads is pip and uv)
                    for arg, url in _findings(cmd.unwrapped()):
                        if arg.span.start in seen:
                            continue
                        seen.add(arg.span.start)
                        tool = "uv" if cmd.unwrapped().basename == "uv" else "pip"
                        yield Violation(arg.span, f"{tool} gets an extra index ({url}) next to PyPI: {_RISK}; {_FIX}")
        for setting in env_settings(ctx):
            if setting.name != "PIP_EXTRA_INDEX_URL" or setting.span.start in seen:
                continue
            if setting.value is not None and not setting.value.strip():
                continue
            seen.add(setting.span.start)
            url = setting.value or "an extra index"
            yield Violation(
                setting.span,
                f"`PIP_EXTRA_INDEX_URL` gives pip an extra index ({url}) next to PyPI: {_RISK}; {_FIX}",
            )


_UV = frozenset(("uv",))


def _findings(cmd: Command) -> Iterator[tuple[Arg, str]]:
    name = cmd.basename
    if name.startswith("pip") and name.rstrip("0123456789.") == "pip":
        if cmd.has_flag("--require-hashes"):
            return
        for flag, value, arg in cmd.flag_items():
            if flag == "--extra-index-url":
                yield value_arg(cmd, arg), value or "?"
        pos = cmd.positional
        if len(pos) >= 4 and pos[0].value == "config" and pos[1].value == "set" \
                and pos[2].value.endswith(".extra-index-url"):
            yield pos[2], pos[3].value
    elif name == "uv":
        strategy = cmd.option("--index-strategy", takes_value={"--index-strategy", "--extra-index-url", "--index-url", "-i"})
        if strategy is None or not strategy.startswith("unsafe"):
            return
        for flag, value, arg in cmd.flag_items({"--index-strategy", "--extra-index-url", "--index-url", "-i"}):
            if flag == "--extra-index-url":
                yield value_arg(cmd, arg), value or "?"
