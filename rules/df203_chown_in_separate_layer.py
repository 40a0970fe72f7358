from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.hadolint_support import runs_calling
from dflint.layers import PathIndex, State, copy_targets, is_under, stage_states, walk
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import Command, Script
from dflint.source import LazyPattern
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_OWNER = LazyPattern(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?")
_OCTAL = LazyPattern(r"0?[0-7]{3}|[0-7]{4}")
_ROOT = frozenset({"root", "0", "root:root", "0:0", "root:0", "0:root"})
_COPY_FLAGS = frozenset({"from", "link", "parents", "exclude", "chown", "chmod"})
_WRITES_NOTHING = frozenset({"cd", "echo", "printf", "set", "true", ":", "export", "id", "ls"})
_MAKES_OWNERS = frozenset({"useradd", "adduser", "groupadd", "addgroup"})


class ChownInSeparateLayer(Rule):
    """`RUN chown -R`/`chmod -R` on files that a COPY/ADD of the same stage brought in.

    A layer stores every file whose content *or metadata* changed. Changing the owner or the
    mode of copied files in a later RUN therefore stores each of them a second time, in the RUN's
    layer: a `COPY . /app` followed by `RUN chown -R app:app /app` ships the application twice.
    `COPY --chown=…` and `COPY --chmod=…` set them while copying, in one layer.

    dflint reports a recursive `chown`/`chmod` (`-R`, `--recursive`) in a RUN of a shipped stage
    (the target and the stages it is built `FROM`) whose path is a COPY/ADD destination of that
    stage, a folder holding one, or a folder inside a copied folder (then only when nothing
    before it in its RUN writes files). A `chown` to root is left alone: copied files are owned
    by root already; so is one that sets what the COPY's own `--chown`/`--chmod` set. Stages that
    do not ship are not looked at.

    ## Why is this bad?
    The copied files are in the image twice, once as copied and once with their new owner or
    mode; for an application folder or a `node_modules` that can double the image's size. The
    extra RUN also costs build time on every change of the copied files.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY . /app
    RUN chown -R node:node /app
    USER node
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY --chown=node:node . /app
    USER node
    ```
    `--chmod` (an octal mode) needs BuildKit, Docker's default builder since Docker Engine 23;
    `--chown` works with both builders.

    ## Fix safety
    The fix adds `--chown=OWNER` (or `--chmod=MODE`) to the COPY and removes the command: the
    whole RUN when it is only that command, otherwise the command and its `&&`. It is offered
    when the path is exactly the destination of one COPY/ADD, no RUN, COPY or ADD comes between
    them, the owner is a literal `user[:group]` (the mode a literal octal one), and the command
    is one of a plain `&&` chain. It is not offered when the same RUN creates the user or group
    (`useradd`, `adduser`, `groupadd`, `addgroup`): the COPY, which runs first, would name one
    that does not exist yet and the build would fail.

    It is safe only when the destination is a file and the RUN is just that command. For a
    folder destination it is unsafe: `COPY --chown` sets the owner of what it copies, not of a
    destination folder that existed already (made by `WORKDIR`, or in the base image), while
    `chown -R` changed that folder too; the same goes for the mode. Check that the folder's
    owner does not matter (or create it with the right owner) before applying it.

    ## References
    - [COPY --chown --chmod](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
    - [Image layers](https://docs.docker.com/get-started/docker-concepts/building-images/understanding-image-layers/)
    - [BuildKit, Docker's default builder since Engine 23](https://docs.docker.com/build/buildkit/)
    """

    code = "DF203"
    name = "chown-in-separate-layer"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if graph.target is None:
            return
        # (the RUNs that run chown or chmod: the walk below looks at those only)
        setters = {id(ins) for ins, _ in runs_calling(ctx, _SETTERS)}
        for index in sorted(graph.shipped):
            stage = graph.stages[index]
            # every COPY/ADD destination so far, as (state, target), indexed by path
            copies = PathIndex()
            copied = False
            for pos, state in enumerate(stage_states(ctx, stage)):
                ins = state.instruction
                if ins.name in ("COPY", "ADD"):
                    copied = True
                    for t in copy_targets(state):
                        copies.add(t.path, (state, t))
                    continue
                if ins.name != "RUN" or not copied or id(ins) not in setters:
                    continue
                script = ctx.script(ins)
                if script is None:
                    continue
                yield from self._check_run(ctx, state, script, copies, stage.instructions, pos)

    def _check_run(  # type: ignore[no-untyped-def]
        self, ctx: Context, state: State, script: Script, copies, instructions, pos: int
    ) -> Iterator[Violation]:
        wrote = False  # a command before this one in the RUN may have written files
        made: set[str] | None = None  # the user/group names this RUN creates (when asked)
        for cmd, inner, cwd in walk(script, state):
            name = inner.basename
            if name not in ("chown", "chmod"):
                wrote = wrote or name not in _WRITES_NOTHING
                continue
            if not _recursive(inner):
                continue
            pos_args = inner.positional
            if len(pos_args) < 2:
                continue
            setting = pos_args[0].value
            if name == "chown" and setting in _ROOT:
                continue
            for arg in pos_args[1:]:
                path = state.resolve(arg.value, cwd)
                if path is None:
                    continue
                matched = [
                    (cs, t)
                    for _, (cs, t) in copies.candidates(path)
                    if is_under(t.path, path)
                    or (not wrote and t.tree and is_under(path, t.path, strict=True))
                ]
                if not matched or all(_sets_already(cs.instruction, name, setting) for cs, _ in matched):
                    continue  # nothing copied there, or only what the COPY set already
                fix = None
                new_owners: list[str] = []
                if name == "chown":
                    if made is None:
                        made = _owners_made(script)
                    new_owners = [n for n in setting.split(":") if n and not n.isdigit() and n in made]
                if not new_owners and len(pos_args) == 2 and len(matched) == 1 and matched[0][1].path == path:
                    fix = _fix(ctx, script, cmd, name, setting, matched[0], instructions, pos)
                message = _message(name, setting, arg.raw, path, matched, new_owners)
                yield Violation(inner.span, message, fix)


_SETTERS = frozenset(("chown", "chmod"))


def _recursive(cmd: Command) -> bool:
    """``cmd.has_flag("-R", "--recursive")``, without scanning the options of a command that
    has none (``chmod +x file``, most of them)."""
    return any(a.value[:1] == "-" for a in cmd.args) and cmd.has_flag("-R", "--recursive")


def _owners_made(script: Script) -> set[str]:
    """The words of the `useradd`/`adduser`/`groupadd`/`addgroup` commands of a RUN: the names
    it creates, among option values (taking those too only withholds a fix)."""
    made: set[str] = set()
    for cmd in script.commands:
        inner = cmd.unwrapped()
        if inner.basename in _MAKES_OWNERS:
            made.update(a.value for a in inner.args)
    return made


def _sets_already(copy: Instruction, name: str, setting: str) -> bool:
    flag = copy.flag(name)
    return flag is not None and flag.value == setting


def _message(name: str, setting: str, raw: str, path: str, matched, new_owners=()) -> str:  # type: ignore[no-untyped-def]
    first_state, first = matched[-1]
    copy = first_state.instruction.name
    flag = f"--{name}"
    lines = sorted({cs.instruction.line for cs, _ in matched})
    where = f"line {lines[0]}" if len(lines) == 1 else "lines " + ", ".join(map(str, lines))
    if is_under(first.path, path):
        what = f"the files that {copy} on {where} put in {first.path}"
        advice = f"set it while copying: {copy} {flag}={setting}"
    else:
        what = f"the files under {path} that {copy} on {where} brought in"
        advice = f"copy {path} with a {copy} of its own with {flag}={setting}, or set it on the whole {copy}"
    if new_owners:
        who = " and ".join(f"`{n}`" for n in dict.fromkeys(new_owners))
        advice += f" after creating {who} in a RUN before the {copy} (this RUN creates it, so the {copy} cannot name it yet)"
    return f"`{name} -R {setting} {raw}` writes {what} into a new layer, so the image stores them twice; {advice}"


def _fix(ctx, script, cmd, name, setting, match, instructions, pos) -> Fix | None:  # type: ignore[no-untyped-def]
    """Add the flag to the one COPY and take the command out of its RUN (see Fix safety)."""
    cstate, target = match
    copy = cstate.instruction
    if not (_OWNER if name == "chown" else _OCTAL).fullmatch(setting):
        return None
    if copy.flag(name) is not None or any(f.name not in _COPY_FLAGS for f in copy.flags):
        return None
    if copy.name == "ADD" and (target.remote or target.tree):
        return None  # a URL or an archive ADD unpacks: keep it simple
    for i in range(pos - 1, -1, -1):  # back to the COPY (not from the file's start: quadratic)
        ins = instructions[i]
        if ins is copy:
            break
        if ins.name in ("RUN", "COPY", "ADD"):
            return None  # something in between may have written there too
    removal = _removal(ctx, instructions[pos], script, cmd)
    if removal is None:
        return None
    edits, whole = removal
    edits.append(Edit.insert(copy.keyword_span.end, f" --{name}={setting}"))
    title = f"Add --{name}={setting} to the {copy.name} on line {copy.line} and remove the {name} -R"
    if whole and not target.tree:
        return Fix.safe(title, *edits)
    return Fix.unsafe(title, *edits)


def _removal(ctx, run, script: Script, cmd: Command):  # type: ignore[no-untyped-def]
    """Edits that take `cmd` out of its RUN, and whether the whole RUN goes."""
    if run.heredocs or run.flags or len(script.pieces) != 1:
        return None
    outer = cmd.outermost
    if any(c.substitution for c in script.commands):
        return None
    if any(outer in p.commands for p in script.pipelines if len(p.commands) > 1):
        return None
    text = ctx.dockerfile.text
    if len(script.commands) == 1 or all(c.outermost is outer for c in script.commands):
        if run.comments:
            return None
        return [Edit.delete(run.span.start, run.span.end)], True
    chains = script.and_chains
    if not chains or len(chains[0]) != len(script.commands):
        return None  # not one plain && chain
    tops = []
    for c in chains[0]:
        o = c.outermost
        if not tops or tops[-1] is not o:
            tops.append(o)
    if outer not in tops:
        return None
    i = tops.index(outer)
    esc = ctx.dockerfile.escape
    if i + 1 < len(tops):
        start, end = outer.span.start, tops[i + 1].span.start
        between = text[outer.span.end : end]
    else:
        start, end = tops[i - 1].span.end, outer.span.end
        between = text[start : outer.span.start]
    if not _only_and(between, esc):
        return None
    return [Edit.delete(start, end)], False


def _only_and(between: str, escape: str) -> bool:
    """The text between two commands is exactly one `&&` with blanks and line continuations."""
    cleaned = between.replace(escape + "\r\n", " ").replace(escape + "\n", " ")
    return cleaned.strip() == "&&"
