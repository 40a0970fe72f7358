from __future__ import annotations

import posixpath
from fnmatch import fnmatchcase

from dflint.layers import (
    SYSTEM_DIRS,
    CopyTarget,
    State,
    copy_sources,
    copy_targets,
    is_git_url,
    is_remote,
    is_under,
    stage_states,
)
from dflint.rule import Context, Rule, Severity, Violation
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class RemoteAddEarly(Rule):
    """An `ADD` of a remote URL without `--checksum`, above RUN steps that do not use the file.

    For `ADD https://…` BuildKit asks the server on every build (with the ETag of the copy it
    has) and uses the content's digest as the cache key; for `ADD <git URL>` it resolves the
    branch or tag to a commit. When the content behind the URL changes — a `latest` download, a
    file on a branch, a moved tag — the ADD misses the cache, and so does every instruction after
    it: the build reruns the package installs and compiles below it, without any change in the
    Dockerfile or the context. `--checksum` pins the content (`sha256:…` for a file, the commit
    for Git): the cache key is then known without asking the server, and a changed file fails
    the build instead of changing it silently.

    dflint reports an unpinned remote ADD of a stage that is built when at least one RUN between
    it and the first RUN that uses the fetched file (by its path or file name) does not need it:
    those RUNs could come before the ADD. An ADD that the next RUN uses at once (`ADD … /tmp/x.tgz`
    then `RUN tar -xzf /tmp/x.tgz`) is in its place.

    This is the build-cache side of an unpinned remote ADD; the integrity side (what you ship is
    whatever the server sent) is DF503 `remote-add-without-checksum`.

    ## Why is this bad?
    An upstream change you did not make re-runs the expensive steps after the ADD on the next
    build (and on every CI runner), and the image changes without a trace in your repository.
    Without a checksum, the build also cannot reuse its cache when the server is unreachable.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    ADD https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /src/
    RUN apt-get update && apt-get install -y --no-install-recommends gcc make \\
        && rm -rf /var/lib/apt/lists/*
    RUN tar -xzf /src/linux-0.01.tar.gz -C /src
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends gcc make \\
        && rm -rf /var/lib/apt/lists/*
    ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\
        https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /src/
    RUN tar -xzf /src/linux-0.01.tar.gz -C /src
    ```
    `ADD --checksum` for HTTP sources needs Dockerfile syntax 1.6 or later, and a Git commit as
    the checksum a more recent one: start the file with `# syntax=docker/dockerfile:1` to get the
    current syntax on any BuildKit.

    ## References
    - [Build cache invalidation](https://docs.docker.com/build/cache/invalidation/)
    - [Dockerfile reference: ADD --checksum](https://docs.docker.com/reference/dockerfile/#add---checksum)
    - [Dockerfile reference: adding files from a URL](https://docs.docker.com/reference/dockerfile/#adding-files-from-a-url)
    - [Best practices: ADD or COPY](https://docs.docker.com/build/building/best-practices/#add-or-copy)
    - [Optimize cache usage: order your layers](https://docs.docker.com/build/cache/optimize/#order-your-layers)
    - [moby/buildkit#975](https://github.com/moby/buildkit/issues/975): with a checksum "the URL
      is immutable and there is no need to check if the content has been changed"
    """

    code = "DF303"
    name = "remote-add-early"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        for stage in graph.stages:
            if stage.index in graph.unused:
                continue  # never built for this target
            states = stage_states(ctx, stage)
            for pos, state in enumerate(states):
                ins = state.instruction
                if ins.name != "ADD" or ins.flag("checksum") is not None:
                    continue
                sources, _ = copy_sources(ins)
                remote = [(s, span) for s, span in sources if is_remote(s.strip("\"'"))]
                if not remote:
                    continue
                targets = [t for t in copy_targets(state) if t.remote]
                if not targets:
                    continue  # where it lands is not known: neither is who uses it
                wasted, use = _wasted(ctx, states[pos + 1 :], targets)
                if not wasted:
                    continue
                url, span = remote[0]
                url = url.strip("\"'")
                first = wasted[0]
                if len(wasted) == 1:
                    runs, verb, obj = f"the RUN on line {first.line}", "does", "it"
                else:
                    runs, verb, obj = f"{len(wasted)} RUNs (from line {first.line})", "do", "them"
                pin = "--checksum=<commit>" if is_git_url(url) else "--checksum=sha256:<digest>"
                if use is not None:
                    move = f"move the ADD down to just before line {use.line}, where it is used"
                else:
                    move = "move the ADD below the RUN steps"
                yield Violation(
                    span or ins.args_span,
                    f"ADD fetches {url} without --checksum above {runs}, which {verb} not use it: "
                    f"a change of the remote content re-runs {obj}; {move}, or pin it with {pin}",
                )


def _wasted(ctx: Context, rest: list[State], targets: list[CopyTarget]) -> tuple[list[Instruction], Instruction | None]:
    """RUNs after the ADD that do not use what it fetched, up to the first that does."""
    wasted: list[Instruction] = []
    for state in rest:
        ins = state.instruction
        if ins.name != "RUN":
            continue
        if _uses(ctx, state, targets):
            return wasted, ins
        wasted.append(ins)
    return wasted, None


def _uses(ctx: Context, state: State, targets: list[CopyTarget]) -> bool:
    ins = state.instruction
    words: list[tuple[str, bool]] = []  # (value, unquoted: a glob in it is one)
    script = ctx.script(ins)
    if script is not None:
        for cmd in script.commands:
            args = [*cmd.words, *(r.target for r in cmd.redirects if r.target is not None)]
            for arg in args:
                words.append((arg.value, "'" not in arg.raw and '"' not in arg.raw))
    else:  # exec form, or a shell dflint does not parse: its words as written
        raw = list(ins.json) if ins.json is not None else ins.args.split()
        words = [(w, False) for w in raw]
    for t in targets:
        if t.tree and state.workdir is not None and is_under(state.workdir, t.path):
            # runs inside the fetched tree: anything but a system package install may use it
            if script is None or any(
                c.unwrapped().basename not in _PACKAGE_TOOLS for c in script.commands
            ):
                return True
        name = posixpath.basename(t.path)
        stem = name.rsplit(".", 1)[0] if name.lower().endswith(_WINDOWS_EXT) else name
        for w, unquoted in words:
            for part in w.replace("=", " ").replace(":", " ").replace("\\", "/").split():
                if "/" in part or part.startswith((".", "~", "$")):
                    path = state.resolve(part) or part
                    if t.path in part or t.path in path or is_under(path, t.path):
                        return True  # the file, or a path inside the fetched folder
                    if is_under(t.path, path) and path not in SYSTEM_DIRS:
                        return True  # a folder holding it (chown -R $HOME, tar -C /opt/x)
                segments = part.split("/")
                if name and (name in segments or stem in segments):
                    return True  # by file name (cd /tmp && tar -xzf x.tgz; dumb-init --)
                if unquoted and any(c in part for c in "*?[") and (
                    fnmatchcase(t.path, state.resolve(part) or part)
                    or ("/" not in part and fnmatchcase(name, part))
                ):
                    return True
    return False


_WINDOWS_EXT = (".exe", ".cmd", ".bat", ".ps1")
_PACKAGE_TOOLS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "rm", "set"})
