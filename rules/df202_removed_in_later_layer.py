from __future__ import annotations

from dflint.layers import (
    Created,
    LiveSet,
    Removed,
    copy_targets,
    is_under,
    live_creations,
    looks_like_archive,
    run_changes,
    stage_states,
)
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class RemovedInLaterLayer(Rule):
    """Files created in one layer of the shipped image and deleted by a later RUN.

    Every RUN, COPY and ADD adds a layer, and a layer only ever adds to the image: deleting a file
    in a later RUN hides it, but its bytes stay in the layer that created it and are pulled with
    the image. dflint follows the shipped stages (the target and the stages it is built `FROM`)
    and reports an `rm` (or a package manager's clean command) in a RUN that deletes what an
    earlier layer of that chain made, when both ends are visible in the Dockerfile:

    - a download: `curl -o`/`-O`, `wget -O`/`wget URL`, `ADD <url>`;
    - a clone (`git clone`), an unpacked archive (`tar -x`, `unzip`, into a folder of its own,
      not `/usr/local` or `/opt`) or a build tree (`mkdir build && cd build …`);
    - what a COPY/ADD brought in: a folder, the whole context, or an archive/package file
      (`.tar.gz`, `.zip`, `.deb`, `.whl`, `.jar` …) — single small files are left alone;
    - a package manager's cache: `apt-get update` (`/var/lib/apt/lists`), `apk add` without
      `--no-cache` (`/var/cache/apk`), `yum`/`dnf` (`/var/cache/yum`, `/var/cache/dnf`), `pip
      install` without `--no-cache-dir` (`~/.cache/pip`), `npm install`/`ci` (`~/.npm`).

    Deleting a path inside a folder that a clone, an archive or a COPY filled counts when it is
    `.git`, or when nothing before the `rm` in its RUN writes files (otherwise that RUN may have
    made the path itself, as `make && rm -rf build` does). What a RUN writes into a
    `--mount=type=cache`/`tmpfs`/`bind` target never lands in a layer and is not counted. Stages
    that do not ship (build stages) are not looked at: their layers are thrown away.

    ## Why is this bad?
    The image is as big as if the file had never been deleted: an archive that was unpacked, a
    source tree that was built, or a package index stays in every pull and every container's
    disk, while the Dockerfile reads as if it had been cleaned up.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    RUN curl -fsSLo /tmp/node.tar.xz https://nodejs.org/dist/v20.11.0/node-v20.11.0-linux-x64.tar.xz
    RUN tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1
    RUN rm -rf /tmp/node.tar.xz /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl \\
        && rm -rf /var/lib/apt/lists/*
    RUN curl -fsSLo /tmp/node.tar.xz https://nodejs.org/dist/v20.11.0/node-v20.11.0-linux-x64.tar.xz \\
        && tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1 \\
        && rm /tmp/node.tar.xz
    ```
    Delete a file in the same RUN that creates it; for what a COPY brings in only to be unpacked
    or installed, use `RUN --mount=type=bind,source=…,target=…` (nothing is copied into a layer)
    or do the work in a build stage and copy only the result.

    ## References
    - [Best practices: minimize the number of layers, clean up in the same RUN](https://docs.docker.com/build/building/best-practices/#apt-get)
    - [Image layers](https://docs.docker.com/get-started/docker-concepts/building-images/understanding-image-layers/)
    - [RUN --mount](https://docs.docker.com/reference/dockerfile/#run---mount)
    - T. Durieux, "Parfum: Detection and Automatic Repair of Dockerfile Smells" (2023)

    ## Differences from hadolint
    hadolint has no such rule; DL3009 only asks for `/var/lib/apt/lists` to be deleted in the RUN
    that runs `apt-get update`.
    """

    code = "DF202"
    name = "removed-in-later-layer"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if graph.target is None or not graph.shipped:
            return
        shipped = sorted(graph.shipped)
        # the chain: only the last stage's states are needed when it is built FROM the others
        # (stage_states follows base stages for WORKDIR/USER), but every stage's layers count
        live = LiveSet()
        for index in shipped:
            stage = graph.stages[index]
            if stage.base_stage is None or stage.base_stage not in shipped:
                live = LiveSet()  # a chain starts here: what came before is not in this image
            for state in stage_states(ctx, stage):
                ins = state.instruction
                if ins.name in ("COPY", "ADD"):
                    live.extend(_copied(state))
                    continue
                if ins.name != "RUN":
                    continue
                script = ctx.script(ins)
                if script is None:
                    continue
                created, removed = run_changes(script, state)
                if not created and not live:
                    continue  # nothing it deletes can be a finding, now or later
                for r in removed if removed and live else ():
                    found = live.hits(r)
                    if not found:
                        continue
                    hit = [c for _, c in found]
                    # name the most specific: what the removal deletes whole, else the deepest
                    # (then latest) folder it deletes a part of
                    hit.sort(key=lambda c: (not is_under(c.path, r.path), -c.path.count("/"), -c.instruction.line))
                    yield Violation(r.span, _message(r, hit))
                    for n, c in found:  # a folder the removal deletes a part of stays
                        if not is_under(r.path, c.path, strict=True):
                            live.discard(n)
                if created:
                    live.extend(live_creations(created, removed))


def _copied(state) -> list[Created]:  # type: ignore[no-untyped-def]
    ins = state.instruction
    out = []
    for t in copy_targets(state):
        if t.remote:
            kind, what = "download", "ADD"
        elif t.tree:
            kind, what = "copy", ins.name
        elif looks_like_archive(t.path):
            kind, what = "copy", ins.name
        else:
            continue  # a single small file: not worth a finding
        # a local archive given to ADD is unpacked: what lands is a tree, not the file
        tree = t.tree or (ins.name == "ADD" and not t.remote and looks_like_archive(t.source))
        out.append(Created(t.path, kind, what, ins, ins.keyword_span, tree=tree))
    return out


def _message(r: Removed, hit: list[Created]) -> str:
    first = hit[0]
    how = {
        "download": f"downloaded by {first.what}",
        "clone": "cloned by git clone",
        "build tree": "built",
        "unpacked": f"unpacked by {first.what}",
        "copy": f"copied in by {first.what}",
        "cache": f"filled by {first.what}",
    }.get(first.kind, "created")
    more = f" (and {len(hit) - 1} more path{'s' if len(hit) > 2 else ''})" if len(hit) > 1 else ""
    if first.kind == "copy":
        advice = (
            "use it through RUN --mount=type=bind instead of copying it, or do this work in a "
            "build stage"
        )
    elif first.kind == "cache":
        advice = f"clean it in the RUN on line {first.instruction.line} that fills it"
    else:
        advice = f"delete it in the RUN on line {first.instruction.line} that creates it"
    what = r.arg.raw if r.arg is not None else r.what
    if is_under(first.path, r.path):
        target = first.path
    elif first.kind == "cache":
        target = f"the cache in {first.path}"
    else:
        target = f"part of {first.path}"
    return (
        f"`{what}` deletes {target}, {how} on line {first.instruction.line}{more}: the bytes "
        f"stay in that layer and the image does not get smaller; {advice}"
    )
