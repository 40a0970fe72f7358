from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.hadolint_support import runs_calling
from dflint.rpm_support import wget_flavour
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import Command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Options that keep wget's progress output short: a progress style, quiet, or the log sent
#: to a file.
_QUIET = ("-q", "--quiet", "--no-verbose", "-o", "--output-file", "-a", "--append-output",
          "--progress", "--show-progress")

_PROGRESS = "--progress=dot:giga"


def _quiet(cmd: Command) -> bool:
    if cmd.has_flag(*_QUIET):
        return True
    for arg in cmd.args:  # -nv is one option (--no-verbose), not -n -v
        if arg.value == "--":
            break
        if arg.value == "-nv":
            return True
    return False


class WgetWithoutProgress(Rule):
    """`wget` without `--progress`, `-q` or `-nv`.

    Without a terminal, GNU wget prints its progress as a line of dots per 50 KB: a large
    download fills the build log with thousands of lines. `--progress=dot:giga` prints one dot
    per 1 MB (a line per 32 MB); `-q` or `-nv` (`--no-verbose`) print nothing or one line.

    ## Why is this bad?
    Build logs become huge and slow to load in CI, and the useful lines drown in dots.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN wget https://example.com/app.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN wget --progress=dot:giga https://example.com/app.tar.gz
    ```

    ## Fix safety
    The fix inserts `--progress=dot:giga` after `wget`, which is an option of GNU wget only:
    BusyBox wget (Alpine, BusyBox images) refuses it and the build would fail.
    - Safe when the wget is known to be GNU wget: the stage's base image is a GNU/Linux
      distribution (Debian, Ubuntu, Fedora, the official language images…) or the stage
      installed wget with a package manager (Alpine's `apk add wget` is GNU wget). Only the
      log changes.
    - Unsafe when the base image says nothing (a private image, an image named through an ARG):
      check that the image's wget is GNU wget.
    - No fix on an Alpine or BusyBox base that did not install wget: use `-q` there.

    ## Differences from hadolint
    Reported at the `wget` word; heredoc bodies at their own line; `sudo wget` and
    `/usr/bin/wget` are checked too; `--show-progress` counts as a progress option. RUNs under a
    PowerShell or cmd SHELL are skipped (there `wget` is an alias of Invoke-WebRequest).

    ## References
    - [hadolint DL3047](https://github.com/hadolint/hadolint/wiki/DL3047)
    - [GNU wget: --progress](https://www.gnu.org/software/wget/manual/wget.html#Download-Options)
    """

    code = "DL3047"
    name = "wget-without-progress"
    severity = Severity.INFO
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script in runs_calling(ctx, "wget"):
            flavour: str | None = "?"
            for cmd in script.find("wget"):
                if _quiet(cmd):
                    continue
                if flavour == "?":
                    flavour = wget_flavour(ctx, instruction)
                edit = Edit.insert(cmd.name_arg.span.end, " " + _PROGRESS)
                if flavour == "busybox":
                    yield Violation(
                        cmd.name_arg.span,
                        "Avoid use of wget without progress bar: this is BusyBox wget (Alpine), "
                        "use `wget -q <url>`",
                    )
                    continue
                if flavour == "gnu":
                    fix = Fix.safe(f"Add `{_PROGRESS}`", edit)
                else:
                    fix = Fix.unsafe(f"Add `{_PROGRESS}` (GNU wget only)", edit)
                yield Violation(
                    cmd.name_arg.span,
                    f"Avoid use of wget without progress bar: use `wget {_PROGRESS} <url>`, or "
                    "`-q` / `-nv` (`--quiet` / `--no-verbose`)",
                    fix,
                )
