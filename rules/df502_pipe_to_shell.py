from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.security import download_url, downloads_to_stdout, runs, runs_stdin, substitutions_in
from dflint.shell import POSIX_SHELLS, Command, Script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Commands that run the file or string named by an argument: `bash <(curl …)`, `. <(curl …)`,
#: `eval "$(curl …)"`, `sh -c "$(curl …)"`.
_RUNS_ARGUMENT = frozenset({"source", ".", "eval"})


class PipeToShell(Rule):
    """A download is piped into a shell or interpreter, which runs it unseen.

    dflint looks at the parsed RUN commands (also the `sh -c "…"` strings they run) for a
    `curl` or `wget` that writes what it fetches to standard output (`curl URL`, `wget -O- URL`,
    `wget -qO- URL`) and:

    - a later stage of the same pipeline that runs its standard input as code: a shell with no
      script file (`| sh`, `| bash -`, `| sh -s -- -y`, `| bash /dev/stdin`, `| sudo -E bash -`)
      or an interpreter (`| python3 -`, `| perl -`, `| ruby`, `| node`);
    - or a shell, `source`/`.` or `eval` that runs it through a substitution:
      `bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(wget -qO- …)"`.

    `curl … | tar -xz`, `curl … | gpg --dearmor` and `VERSION=$(curl …)` are not reported: they
    do not run what they fetch. Neither is text that only looks like it, in quotes given to
    `echo` or in a comment.

    ## Why is this bad?
    Whatever the server sends is run at once, as root, with nothing checked: a compromised or
    hijacked download site, a changed install script, or a connection that drops halfway (a
    truncated `rm -rf /tmp/x` can become `rm -rf /`) all go straight into the image. The same
    URL can also serve different scripts to different clients, so reading it in a browser proves
    nothing. And the build changes without any change to the Dockerfile.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\
        && curl -fsSL https://sh.rustup.rs | sh -s -- -y
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    # the digest published in rustup-init.sha256 next to the file, checked once and pinned here
    ARG RUSTUP_SHA256=<sha256 of rustup-init 1.28.2>
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\
        && curl -fsSL -o /tmp/rustup-init https://static.rust-lang.org/rustup/archive/1.28.2/x86_64-unknown-linux-gnu/rustup-init \\
        && echo "${RUSTUP_SHA256}  /tmp/rustup-init" | sha256sum -c - \\
        && chmod +x /tmp/rustup-init && /tmp/rustup-init -y && rm /tmp/rustup-init
    ```
    Download to a file, check its checksum or signature, then run it — or install the tool from
    the distribution's packages or a pinned, checksummed release instead.

    ## References
    - [Docker docs: ADD --checksum and verifying downloads](https://docs.docker.com/reference/dockerfile/#add---checksum)
    - [Detecting the use of "curl | bash" server side](https://web.archive.org/web/2023/https://www.idontplaydarts.com/2016/04/detecting-curl-pipe-bash-server-side/)
    - [CIS Docker Benchmark 4.11: Ensure only verified packages are installed](https://www.cisecurity.org/benchmark/docker)
    """

    code = "DF502"
    name = "pipe-to-shell"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        seen: set[int] = set()
        for _ins, found in runs(ctx, _DOWNLOADERS):  # (a RUN without a download runs none)
            for script in found:
                for runner, download in _piped(script) + _substituted(script):
                    span = runner.name_arg.span
                    if span.start in seen:
                        continue
                    seen.add(span.start)
                    url = download_url(download) or "a URL"
                    plain = " over plain HTTP" if url.startswith("http://") else ""
                    yield Violation(
                        span,
                        f"`{download.basename}` output from {url}{plain} is run by `{runner.basename}` without any "
                        "check: a changed, hijacked or truncated download runs as root in the build; download it "
                        "to a file, verify its checksum or signature (sha256sum -c, gpg --verify), then run it",
                    )


#: What `downloads_to_stdout` can be true of: both findings need one.
_DOWNLOADERS = frozenset(("curl", "wget"))


def _piped(script: Script) -> list[tuple[Command, Command]]:
    out = []
    for pipe in script.pipelines:
        download: Command | None = None
        for stage in pipe.stages:
            for cmd in stage:
                inner = cmd.unwrapped()
                if download is not None and runs_stdin(inner):
                    out.append((inner, download))
                    break
            for cmd in stage:
                inner = cmd.unwrapped()
                if download is None and downloads_to_stdout(inner):
                    download = inner
    return out


def _substituted(script: Script) -> list[tuple[Command, Command]]:
    out = []
    for cmd in script.commands:
        inner = cmd.unwrapped()
        name = inner.basename
        if name in POSIX_SHELLS:
            args = _shell_code_args(inner)
        elif name in _RUNS_ARGUMENT:
            args = list(inner.args[:1]) if name != "eval" else list(inner.args)
        else:
            continue
        for arg in args:
            if arg.static:
                continue
            for sub in substitutions_in(script, arg):
                s = sub.unwrapped()
                if downloads_to_stdout(s):
                    out.append((inner, s))
                    break
    return out


def _shell_code_args(cmd: Command) -> list:  # type: ignore[type-arg]
    """The argument a shell runs as code: the script file operand, or the string after `-c`."""
    args = cmd.args
    i = 0
    while i < len(args):
        v = args[i].value
        if v == "--":
            return list(args[i + 1 : i + 2])
        if v in ("-o", "-O", "+o", "+O", "--rcfile", "--init-file"):
            i += 2
            continue
        if v.startswith(("-", "+")) and len(v) > 1 and not v.startswith("$") and args[i].static:
            if not v.startswith("--") and "c" in v[1:]:
                return list(args[i + 1 : i + 2])
            i += 1
            continue
        return [args[i]]
    return []
