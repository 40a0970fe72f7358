"""One user-facing error class, and the exit codes every command returns."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    CLEAN = 0  # nothing found
    FINDINGS = 1  # findings at or above the failure threshold
    USAGE = 2  # bad usage, configuration or input
    INTERNAL = 3  # a bug in dflint (an internal-error finding, or a crash)
    INTERRUPTED = 130


class UserError(Exception):
    """A problem the user can fix (usage, configuration, input): one line, exit code 2."""

    exit_code = ExitCode.USAGE
