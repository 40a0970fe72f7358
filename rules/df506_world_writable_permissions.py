from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.security import parse_mode, runs, shipped_instructions
from dflint.shell import Arg, Command, Script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class WorldWritablePermissions(Rule):
    """Files or folders of the shipped image are made writable by every user.

    dflint reads the modes given to `chmod` (octal `777`, `666`, `0777`, or symbolic `a+w`,
    `o+rwx`, `ugo=rwx`), `mkdir -m`/`--mode`, `install -m`/`--mode` in RUN commands (also in
    `sh -c "…"` strings), and `COPY`/`ADD --chmod=…`, in the stages whose content ships (the
    target and the stages it is built `FROM`). A mode with write permission for "others" is
    reported, except:

    - with the sticky bit (`1777`, `a+rwxt`): the convention for shared folders such as `/tmp`,
      where users cannot delete each other's files;
    - on a path the same RUN deletes again (`chmod 777 "$tmp" … rm -rf "$tmp"`).

    Text that only looks like it — in quotes given to `echo`, in a comment — is not a command.

    ## Why is this bad?
    Any process in the container, whatever user it runs as, can then change these files: a
    compromised low-privilege service can rewrite the application code, its configuration or a
    script that root runs later, and keep its foothold. It usually hides a real problem — the
    files belong to the wrong user — that `chown` (or `COPY --chown`) solves properly.

    ## Example
    ```dockerfile
    FROM php:8.3-apache
    COPY . /var/www/html
    RUN chmod -R 777 /var/www/html/storage
    ```

    ## Use instead
    ```dockerfile
    FROM php:8.3-apache
    COPY --chown=www-data:www-data . /var/www/html
    RUN chmod -R u+rwX,go-w /var/www/html/storage
    ```
    Give the files to the user the service runs as (`--chown`, `chown`), and keep others to
    read (`755` for folders, `644` for files); for a shared scratch folder use `1777`.

    ## References
    - [Datadog IaC rule: Avoid chmod 777 (COPY/ADD --chmod)](https://docs.datadoghq.com/security/code_security/iac_security/iac_rules/dockerfile/avoid_chmod_777)
    - [CWE-732: Incorrect Permission Assignment for Critical Resource](https://cwe.mitre.org/data/definitions/732.html)
    - [Dockerfile reference: COPY --chmod](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
    """

    code = "DF506"
    name = "world-writable-permissions"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        # (the RUNs that run one of the commands `_mode_arg` reads: most run none)
        mode_runs = {id(ins): found for ins, found in runs(ctx, _MODE_SETTERS)}
        for ins in shipped_instructions(ctx):
            if ins.name in ("COPY", "ADD"):
                flag = ins.flag("chmod")
                if flag is not None and flag.value:
                    mode = parse_mode(flag.value)
                    if mode is not None and mode.world_writable and not mode.sticky:
                        yield Violation(
                            flag.value_span or flag.span,
                            f"{ins.name} --chmod={flag.value} makes the copied files writable by every user "
                            f"of the container; {_ADVICE}",
                        )
            elif id(ins) in mode_runs:
                yield from _run(mode_runs[id(ins)])


_ADVICE = (
    "give them to the user the service runs as (`--chown`/`chown`) and keep others to read "
    "(755 for folders, 644 for files), or use 1777 for a shared scratch folder"
)


def _run(found: list[Script]) -> Iterator[Violation]:
    for script in found:
        removed: set[str] | None = None  # (made when a mode needs it: most scripts have none)
        for cmd in script.commands:
            u = cmd.unwrapped()
            if u.basename not in _MODE_SETTERS:
                continue  # (most commands of the RUN)
            read = _mode_arg(u)
            if read is None:
                continue
            mode_arg, mode_text, targets = read
            mode = parse_mode(mode_text) if mode_arg.static else None
            if mode is None or not mode.world_writable or mode.sticky:
                continue
            if removed is None:
                removed = _removed(script)
            kept = [t for t in targets if t.value not in removed]
            if targets and not kept:
                continue  # everything it opens up is deleted again in this RUN
            shown = " ".join(t.value for t in kept[:3]) + (" …" if len(kept) > 3 else "")
            what = f"`{shown}`" if shown else "the files"
            yield Violation(
                mode_arg.span,
                f"`{u.basename}{' -m' if u.basename != 'chmod' else ''} {mode_text}` makes {what} writable by every user of the container: any "
                f"compromised process can change them; {_ADVICE}",
            )


#: The commands `_mode_arg` reads.
_MODE_SETTERS = frozenset(("chmod", "mkdir", "install"))


#: The flags of mkdir and install that take a value.
_MKDIR_VALUES = frozenset(("-m", "--mode"))
_INSTALL_VALUES = _MKDIR_VALUES | {"-o", "-g", "-t", "-S", "--owner", "--group", "--target-directory", "--suffix"}


def _mode_arg(cmd: Command) -> tuple[Arg, str, list[Arg]] | None:
    """The mode argument of chmod/mkdir/install and the paths it applies to."""
    name = cmd.basename
    if name == "chmod":
        pos = list(cmd.positional(("--reference",)))
        if any(a.value.startswith("--reference") for a in cmd.args):
            return None
        if not pos:
            # a mode that starts with "-" (chmod -w x) is taken for a flag; not world-writable
            return None
        return pos[0], pos[0].value, pos[1:]
    if name in ("mkdir", "install"):
        takes = _INSTALL_VALUES if name == "install" else _MKDIR_VALUES
        for flag, value, arg in cmd.flag_items(takes):
            if flag in ("-m", "--mode") and value is not None:
                holder = arg
                args = cmd.args
                for i, a in enumerate(args):
                    if a is arg and a.value in ("-m", "--mode") and i + 1 < len(args):
                        holder = args[i + 1]
                paths = list(cmd.positional(takes))
                return holder, value, paths[-1:] if name == "install" else paths
    return None


def _removed(script: Script) -> set[str]:
    """Paths an `rm` of the script deletes, as written."""
    out: set[str] = set()
    for cmd in script.commands:
        u = cmd.unwrapped()
        if u.basename == "rm":
            out.update(a.value for a in u.positional(()))
    return out

