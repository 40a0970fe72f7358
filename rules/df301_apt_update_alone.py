from __future__ import annotations

from bisect import bisect_left, bisect_right

from dflint.fix import Edit, Fix
from dflint.packages import PackageCommand, package_commands, package_runs
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import Script
from dflint.syntax import Blank, Comment, Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

# package-manager families whose index an update refreshes and an install reads
_FAMILY = {"apt": "apt", "apk": "apk", "yum": "rpm", "dnf": "rpm", "zypper": "zypper"}
# apt subcommands that read the index besides install/upgrade
_APT_READERS = frozenset({"build-dep", "source", "download", "satisfy", "changelog"})
# commands that may install from the index although dflint cannot see it (they run apt-get or a
# script that does)
_OPAQUE_INSTALLERS = frozenset(
    {"install_packages", "apt-fast", "gdebi", "mk-build-deps", "aptitude", "eatmydata"}
)
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


class AptUpdateAlone(Rule):
    """A package index update (`apt-get update`, `apk update` …) in a RUN that installs nothing.

    The index is downloaded into this RUN's layer and cached with it. The install in a later RUN
    then reads whatever index the cache kept: when the later RUN changes (a package added) and the
    update's layer comes from the cache, the install works from an index that may be weeks old,
    gets outdated packages, or fails with 404s on the mirror. Docker's best practices say to
    always combine `apt-get update` with `apt-get install` in the same RUN. The same holds for
    `apt update`, `apk update`, `yum`/`dnf makecache` and `zypper refresh`.

    An update counts as used when its RUN also installs, upgrades, or fetches build dependencies
    or sources with the same package manager (`yum` and `dnf` share one index), or runs a script
    or tool that may do so (`install_packages`, `./install.sh`, `curl … | sh`).

    ## Why is this bad?
    Builds that worked stop working (or silently install old versions) after an unrelated change
    to the install line, and only on machines with a warm cache: the worst kind of flaky build.
    The update's layer also keeps the index (tens of megabytes) in the image.

    ## Example
    ```dockerfile
    FROM ubuntu:22.04
    RUN apt-get update
    RUN apt-get install -y --no-install-recommends curl nginx
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:22.04
    RUN apt-get update \\
        && apt-get install -y --no-install-recommends curl nginx
    ```

    ## Fix safety
    When the next instruction is a shell-form RUN whose first command is the install (or upgrade)
    with the same package manager, the fix merges the two RUNs into one with ` && `: comment
    lines between them stay (as comment lines inside the continuation), blank lines between them
    go. It is offered when the update's RUN holds only the update (with no trailing comment) and
    both RUNs have the same flags and no heredocs. It is safe when the install's RUN is a plain
    `&&` chain: the result only differs by having one layer instead of two. It is unsafe when the
    install's RUN uses `;`, `||` or `&` at its top level, since a failing update then no longer
    stops the build at once (`apt-get update && apt-get install x || true`).

    ## References
    - [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
    - [Build cache invalidation: RUN instructions](https://docs.docker.com/build/cache/invalidation/#run-instructions)
    - [dockerfilelint: apt-get update without matching apt-get install](https://github.com/replicatedhq/dockerfilelint)

    ## Differences from hadolint
    hadolint has no such rule. DL3009 is a different one: it asks for `/var/lib/apt/lists` to be
    deleted after an install. BuildKit's build checks have none either.
    """

    code = "DF301"
    name = "apt-update-alone"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        instructions = ctx.dockerfile.instructions
        stops: dict = {}
        position: dict[Instruction, int] = {}
        for ins, script, pcs in package_runs(ctx, _FAMILY):
            if ins.parent is not None:
                continue  # an ONBUILD trigger
            updates = [pc for pc in pcs if pc.action == "update"]
            if not updates:
                continue
            if _runs_opaque(script):
                continue
            if not position:
                position = {instruction: i for i, instruction in enumerate(instructions)}
            pos = position[ins]
            for family in sorted({_FAMILY[pc.manager] for pc in updates}):
                if any(_reads_index(pc) for pc in pcs if _FAMILY.get(pc.manager) == family):
                    continue
                update = next(pc for pc in updates if _FAMILY[pc.manager] == family)
                later = _next_install(ctx, instructions, pos, family, stops, position)
                fix = _fix(ctx, instructions, pos, script, updates, family)
                where = f" (line {later.line})" if later is not None else ""
                label = f"{update.tool} {update.subcommand}"
                yield Violation(
                    update.command.span,
                    f"`{label}` runs in a RUN that installs nothing: its index is cached with this "
                    f"layer, so a later install{where} may read a stale index after a cache hit; "
                    f"update and install in the same RUN",
                    fix,
                )


def _reads_index(pc: PackageCommand) -> bool:
    if pc.action in ("install", "upgrade"):
        return True
    return pc.manager == "apt" and pc.subcommand in _APT_READERS


def _runs_opaque(script: Script) -> bool:
    """A command that may install without dflint seeing it: a script, `sh -c`, a helper."""
    for cmd in script.commands:
        inner = cmd.unwrapped()
        name = inner.basename
        if name in _OPAQUE_INSTALLERS or name in ("eval", "source", "."):
            return True
        if name.endswith(".sh") or (
            "/" in inner.name and not inner.name.startswith(("/usr/", "/bin/", "/sbin/"))
        ):
            return True  # ./install.sh, /tmp/setup
        if name in _SHELLS and (inner.positional or inner.has_flag("-c")):
            return True  # bash install.sh, sh -c '…'
    for pipeline in script.pipelines:
        if len(pipeline.commands) > 1 and pipeline.commands[-1].unwrapped().basename in _SHELLS:
            return True  # curl … | bash
    return False


def _next_install(ctx: Context, instructions, pos: int, family: str, stops: dict, position: dict) -> Instruction | None:  # type: ignore[no-untyped-def]
    """The next RUN after `pos` that installs (or reads the index) with `family`, when it is in
    the same stage. `stops` caches, per family, the positions of the FROMs and of those RUNs
    (scanning the rest of the file for every update was quadratic); `position` gives each
    instruction's position."""
    found = stops.get(family)
    if found is None:
        at: list[tuple[int, Instruction | None]] = [
            (i, None) for i, ins in enumerate(instructions) if ins.name == "FROM"
        ]
        managers = [manager for manager in _FAMILY if _FAMILY[manager] == family]
        for ins, _, pcs in package_runs(ctx, managers):
            if ins.parent is None and any(_reads_index(pc) for pc in pcs):
                at.append((position[ins], ins))
        at.sort(key=lambda item: item[0])
        found = stops[family] = ([i for i, _ in at], [ins for _, ins in at])
    k = bisect_right(found[0], pos)
    if k == len(found[0]):
        return None
    ins = found[1][k]
    if ins is None:
        return None
    graph = ctx.graph
    return ins if graph.stage_of(ins) is graph.stage_of(instructions[pos]) else None


def _fix(ctx: Context, instructions, pos: int, script: Script, updates, family: str) -> Fix | None:  # type: ignore[no-untyped-def]
    run = instructions[pos]
    if pos + 1 >= len(instructions):
        return None
    nxt = instructions[pos + 1]
    if nxt.name != "RUN" or nxt.json is not None or nxt.heredocs or run.heredocs:
        return None
    text = ctx.dockerfile.text
    if [text[f.span.start : f.span.end] for f in run.flags] != [text[f.span.start : f.span.end] for f in nxt.flags]:
        return None
    # the update's RUN: only update commands of this family, one && chain, nothing after
    outers = {id(pc.command.outermost) for pc in updates if _FAMILY[pc.manager] == family}
    if any(id(c.outermost) not in outers for c in script.commands):
        return None
    if len(script.and_chains) != 1 or script.errors or len(script.pieces) != 1:
        return None
    last = max(script.commands, key=lambda c: c.outermost.span.end).outermost
    if last.span.end != run.args_span.end:
        return None  # a trailing comment or `;` after the update
    line_end = _line_end(text, run.args_span.end)
    if line_end is None or text[run.args_span.end : line_end].strip():
        return None
    # the install's RUN: its first command is the install
    nscript = ctx.script(nxt)
    if nscript is None or not nscript.commands or nscript.errors or len(nscript.pieces) != 1:
        return None
    first = nscript.commands[0]
    pcs = package_commands(nscript)
    if not any(
        pc.command.outermost is first and _FAMILY.get(pc.manager) == family and _reads_index(pc)
        for pc in pcs
    ):
        return None
    escape = ctx.dockerfile.escape
    edits = [Edit(run.args_span.end, line_end, f" {escape}")]
    # blank lines between the two would be empty continuation lines: drop them; comments stay
    nodes = ctx.dockerfile.nodes
    starts = _starts(nodes)
    for node in nodes[bisect_left(starts, run.span.end) : bisect_right(starts, nxt.span.start)]:
        if run.span.end <= node.span.start and node.span.end <= nxt.span.start:
            if isinstance(node, Blank):
                edits.append(Edit.delete(node.span.start, node.span.end))
            elif not isinstance(node, Comment):
                return None
    edits.append(Edit(nxt.keyword_span.start, nxt.args_span.start, "    && "))
    plain = len(nscript.and_chains) >= 1 and len(nscript.and_chains[0]) == len(nscript.commands)
    plain = plain and not any(c.background for c in nscript.commands)
    title = f"Merge with the RUN on line {nxt.line}"
    return Fix.safe(title, *edits) if plain else Fix.unsafe(title, *edits)


_STARTS: dict[int, tuple[object, list[int]]] = {}


def _starts(nodes) -> list[int]:  # type: ignore[no-untyped-def]
    """The start offsets of `nodes` (in file order), computed once per file: looking through
    every node for each fix was quadratic."""
    got = _STARTS.get(id(nodes))
    if got is None or got[0] is not nodes:
        _STARTS.clear()  # one file at a time
        got = _STARTS[id(nodes)] = (nodes, [n.span.start for n in nodes])
    return got[1]


def _line_end(text: str, at: int) -> int | None:
    """The offset of the line ending after `at` (before ``\\r\\n`` or ``\\n``), or the text's end."""
    nl = text.find("\n", at)
    if nl == -1:
        return len(text)
    return nl - 1 if nl > at and text[nl - 1] == "\r" else nl

