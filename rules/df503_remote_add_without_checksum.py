from __future__ import annotations

import posixpath
import re

from dflint.layers import copy_sources, is_git_url, is_remote, url_basename
from dflint.rule import Context, Rule, Severity, Violation
from dflint.security import scripts
from dflint.source import LazyPattern
from dflint.syntax import Instruction
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Commands that check a file's digest or signature.
_VERIFIERS = frozenset(
    "sha256sum sha512sum sha384sum sha224sum sha1sum shasum b2sum md5sum cksum gpg gpgv gpg2 "
    "cosign minisign signify openssl rpm".split()
)
_COMMIT = LazyPattern(r"[0-9a-f]{40}([0-9a-f]{24})?", re.I)


class RemoteAddWithoutChecksum(Rule):
    """An `ADD` of a URL or Git repository whose content nothing verifies.

    `ADD https://…` and `ADD <git URL>` fetch at build time whatever the server returns. dflint
    reports a remote source of an `ADD` without `--checksum`, unless:

    - it is a Git source pinned to a full commit hash (`ADD https://github.com/o/r.git#<40 hex>`);
    - a later RUN of the same stage checks it: it runs a digest or signature tool (`sha256sum`,
      `sha512sum`, `shasum`, `gpg --verify`, `gpgv`, `cosign verify-blob`, `minisign`, …) and
      names the fetched file (`echo "$SHA256  /tmp/tool.tgz" | sha256sum -c -`).

    This is the integrity side of remote ADD. Its cache side is DF303 `remote-add-early`, which
    only reports an unpinned remote ADD placed above RUN steps that do not use it (a change of the
    remote content re-runs them). The two are independent: a pinned ADD satisfies both, a
    verified but unpinned ADD low in the file satisfies this rule and DF303, a pinned ADD high in
    the file satisfies both too, and an unpinned, unverified ADD right above the RUN that unpacks
    it is reported here only.

    ## Why is this bad?
    Nothing ties the file to the one you reviewed: a new upload under the same URL, a moved tag
    or branch, a compromised release page or mirror all change the image silently — and
    `ADD --chmod=755 …/install.sh` followed by a RUN runs it. `--checksum` makes BuildKit refuse
    content with another digest (a commit for Git sources), and it also lets the build cache
    reuse the layer without asking the server.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    ADD https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /src/
    RUN tar -xzf /src/linux-0.01.tar.gz -C /src
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM debian:12-slim
    ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\
        https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /src/
    RUN tar -xzf /src/linux-0.01.tar.gz -C /src
    ```
    `ADD --checksum` for HTTP sources needs Dockerfile syntax 1.6 or later (Git sources a more
    recent one): the `# syntax=docker/dockerfile:1` line gives the current syntax on any BuildKit.

    ## References
    - [Dockerfile reference: ADD --checksum](https://docs.docker.com/reference/dockerfile/#add---checksum)
    - [Dockerfile reference: adding a Git repository](https://docs.docker.com/reference/dockerfile/#adding-private-git-repositories)
    - [CIS Docker Benchmark 4.9 (COPY instead of ADD) and 4.11 (only verified packages)](https://www.cisecurity.org/benchmark/docker)
    - [Trivy DS005 and Checkov CKV_DOCKER_4 report every ADD (of a URL too); this rule reports
      only unverified remote ones](https://avd.aquasec.com/misconfig/ds005)
    - DF303 `remote-add-early`: the cache side of the same ADD
    """

    code = "DF503"
    name = "remote-add-without-checksum"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        escape = ctx.dockerfile.escape or "\\"
        for stage in graph.stages:
            instructions = stage.instructions
            for pos, ins in enumerate(instructions):
                if ins.name != "ADD" or ins.flag("checksum") is not None:
                    continue
                sources, dest = copy_sources(ins)
                for raw, span in sources:
                    source = raw.strip("\"'")
                    if not is_remote(source):
                        continue
                    exp = expand(source, graph.scope_at(ins), escape)
                    url = exp.value if exp.resolved else source
                    git = is_git_url(url)
                    if git and _pinned_commit(url):
                        continue
                    names = _names(url, dest[0] if dest else None, git)
                    if names and _verified_later(ctx, instructions[pos + 1 :], names):
                        continue
                    if git:
                        how = ("pin it to a commit (`#<full commit hash>`) or add --checksum=<commit hash>; "
                               "a branch or tag can move")
                    else:
                        how = ("add --checksum=sha256:<digest> (BuildKit refuses other content), or check it in "
                               "the next RUN (`echo \"<sha256>  <file>\" | sha256sum -c -`)")
                    yield Violation(
                        span or ins.args_span,
                        f"ADD fetches {source} without --checksum and nothing verifies it: a changed or "
                        f"compromised download goes into the image unnoticed; {how}",
                    )


def _pinned_commit(url: str) -> bool:
    _, _, fragment = url.partition("#")
    ref = fragment.split(":", 1)[0]
    return bool(_COMMIT.fullmatch(ref))


def _names(url: str, dest: str | None, git: bool) -> set[str]:
    """File names the fetched content is known by in later RUNs."""
    names: set[str] = set()
    if not git:
        name = url_basename(url)
        if name:
            names.add(name)
    if dest:
        d = dest.strip("\"'").rstrip("/")
        base = posixpath.basename(d)
        if base and base not in (".", "..") and not dest.endswith("/"):
            names.add(base)
    return {n for n in names if len(n) >= 3}


def _verified_later(ctx: Context, rest: tuple[Instruction, ...], names: set[str]) -> bool:
    for ins in rest:
        if ins.name != "RUN":
            continue
        for script in scripts(ctx, ins):
            commands = script.commands
            if not any(c.unwrapped().basename in _VERIFIERS for c in commands):
                continue
            for cmd in commands:
                for arg in cmd.words:
                    if any(n in arg.value for n in names):
                        return True
                for r in cmd.redirects:
                    if r.target is not None and any(n in r.target.value for n in names):
                        return True
    return False
