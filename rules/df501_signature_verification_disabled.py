from __future__ import annotations

import re

from dflint.buildkit_checks import LazyPattern
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.security import args_mention, drop_flag_fix, file_config_writes, path_matches, runs, value_arg
from dflint.shell import Arg, Command
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_RISK = "a tampered or substituted package (from a mirror, a proxy or the repository itself) is installed without complaint"

_APK_KEYS = "add the repository's public key to /etc/apk/keys instead"
_APT_KEYS = "add the repository's signing key instead (`signed-by=/usr/share/keyrings/<name>.gpg` in its sources entry)"
_RPM_KEYS = "import the repository's GPG key instead (`rpm --import <key>`, or `gpgkey=` in the .repo file)"

_APT_OPTIONS = LazyPattern(
    r"(APT::Get::AllowUnauthenticated|Acquire::AllowInsecureRepositories|"
    r"Acquire::AllowDowngradeToInsecureRepositories|APT::Get::force-yes)=(\S+)",
    re.I,
)
_GPGCHECK_OPT = LazyPattern(r"([^=\s]+\.)?gpgcheck=(0|false|no|off)", re.I)

#: Configuration files and the lines in them that turn signature checks off.
_CONFIG: tuple[tuple[tuple[str, ...], LazyPattern, str, str], ...] = (
    (
        ("yum.conf", "dnf.conf", "/etc/yum.repos.d/*", "/etc/zypp/repos.d/*", "*.repo", "zypp.conf"),
        LazyPattern(r"\s*gpgcheck\s*=\s*(0|false|no|off)\s*\Z", re.I),
        "yum/dnf",
        _RPM_KEYS,
    ),
    (
        ("sources.list", "/etc/apt/sources.list.d/*", "*.list", "*.sources"),
        LazyPattern(r".*(\[[^\]]*\b(trusted|allow-insecure)=yes\b|^\s*(Trusted|Allow-Insecure)\s*:\s*yes\b)", re.I),
        "apt",
        _APT_KEYS,
    ),
    (
        ("/etc/apt/apt.conf", "/etc/apt/apt.conf.d/*"),
        LazyPattern(
            r"\s*(APT::Get::AllowUnauthenticated|Acquire::AllowInsecureRepositories|"
            r"Acquire::AllowDowngradeToInsecureRepositories|APT::Get::force-yes)\s+\"?(true|1|yes)\"?",
            re.I,
        ),
        "apt",
        _APT_KEYS,
    ),
)


#: every pattern of `_CONFIG`, to rule out most written files at once
_ANY_CONFIG = tuple(p for c in _CONFIG for p in c[0])

class SignatureVerificationDisabled(Rule):
    """A package manager is told to install packages without checking their signatures.

    dflint reads the parsed RUN commands (also the `sh -c "…"` strings they run):

    - `apk --allow-untrusted` (except `apk index`, which only builds an index, and packages
      installed from a bind mount of another stage of the same Dockerfile: built here, unsigned
      by nature);
    - `apt-get`/`apt` `--allow-unauthenticated`, `--allow-insecure-repositories`, `--force-yes`,
      and `-o` with `APT::Get::AllowUnauthenticated`, `Acquire::AllowInsecureRepositories`,
      `Acquire::AllowDowngradeToInsecureRepositories` or `APT::Get::force-yes` set to true;
    - `yum`/`dnf`/`microdnf`/`tdnf` `--nogpgcheck` and `--setopt=[repo.]gpgcheck=0` (also with
      `yum-config-manager` and `dnf config-manager`), `zypper --no-gpg-checks`,
      `zypper addrepo --no-gpgcheck`/`-G`;
    - `rpm --nosignature`, `--nodigest`, `--nofiledigest`; `dpkg --force-bad-verify`;
    - lines written into package-manager configuration (`gpgcheck=0` in a `.repo` file or
      `yum.conf`, `[trusted=yes]` in an APT sources list, `APT::Get::AllowUnauthenticated "true"`
      in `apt.conf.d`), by `echo`/`printf` redirections, `tee`, heredocs, `sed -i` and
      `COPY <<EOF`. An APT source on the image's own file system (`deb [trusted=yes]
      file:/tmp/packages ./`, a folder of packages built in the same step) is not reported.

    Text that only looks like it — in quotes given to `echo`, in a comment — is not a command.

    ## Why is this bad?
    Package signatures are what ties a package to its publisher. HTTPS only protects the
    connection to a mirror; a signature also holds when the mirror, a cache or a proxy serves a
    modified package. With the check off, whatever arrives is installed — and run as root by its
    install scripts.

    ## Example
    ```dockerfile
    FROM rockylinux:9
    RUN dnf install -y --nogpgcheck https://example.com/tool-1.0-1.x86_64.rpm
    ```

    ## Use instead
    ```dockerfile
    FROM rockylinux:9
    RUN rpm --import https://example.com/RPM-GPG-KEY-example \\
        && dnf install -y https://example.com/tool-1.0-1.x86_64.rpm
    ```

    ## Fix safety
    Unsafe, offered for the flags that stand alone (`--allow-untrusted`, `--nogpgcheck`,
    `--allow-unauthenticated`, `--force-yes`, …): without them the install fails until the
    signing key is added, which is the point, but the build breaks until then.

    ## References
    - [Checkov CKV2_DOCKER_7 (apk), _8 and _11 (apt-get), _9 (yum/dnf), _10 (rpm)](https://www.checkov.io/5.Policy%20Index/dockerfile.html)
    - [CIS Docker Benchmark 4.11: Ensure only verified packages are installed](https://www.cisecurity.org/benchmark/docker)
    - [Debian wiki: SecureApt](https://wiki.debian.org/SecureApt)
    - [Alpine: apk-tools --allow-untrusted](https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper)
    """

    code = "DF501"
    name = "signature-verification-disabled"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        seen: set[int] = set()
        # (the RUNs that run a tool below, and the instructions that write files: most are
        # neither, and are passed over without looking at their commands)
        tool_runs = {id(ins): found for ins, found in runs(ctx, _TOOLS)}
        writes = file_config_writes(ctx)
        for ins in ctx.dockerfile.instructions:
            found = tool_runs.get(id(ins))
            if found is not None:
                mounted = _stage_mounts(ctx, ins)
                for script in found:
                    for cmd in script.commands:
                        inner = cmd.unwrapped()
                        if inner.basename not in _TOOLS:
                            continue  # (most commands: none of the tools below)
                        if not _may_disable(inner):
                            continue
                        for arg, what, advice, flag in _findings(inner, mounted):
                            if arg.span.start in seen:
                                continue
                            seen.add(arg.span.start)
                            fix = drop_flag_fix(ctx, arg, flag, f"Remove {flag}") if flag else None
                            yield Violation(
                                arg.span,
                                f"{what} turns off package signature checks: {_RISK}; remove it and {advice}",
                                fix,
                            )
            if id(ins) in writes:
                for write in writes[id(ins)]:
                    if not path_matches(write.path, _ANY_CONFIG):
                        continue  # one test for all the files below (most writes are none of them)
                    for patterns, line_re, tool, advice in _CONFIG:
                        if not path_matches(write.path, patterns):
                            continue
                        line = next((ln for ln in write.lines if line_re.match(ln) and not _local_repo(ln)), None)
                        if line is None or write.span.start in seen:
                            continue
                        seen.add(write.span.start)
                        yield Violation(
                            write.span,
                            f"Writing `{line.strip()}` into {write.path} turns off {tool} signature checks: "
                            f"{_RISK}; leave it out and {advice}",
                        )


def _local_repo(line: str) -> bool:
    """An APT sources line for a folder of this image (``deb [trusted=yes] file:/tmp/pkgs ./``):
    packages built in the same build, unsigned by nature."""
    return bool(re.search(r"\]\s*(file|copy):", line)) or bool(re.match(r"\s*URIs\s*:\s*(file|copy):", line, re.I))


def _stage_mounts(ctx: Context, ins: Instruction) -> list[str]:
    """Targets of the RUN's bind mounts that come from a stage of this Dockerfile."""
    out: list[str] = []
    for flag in ins.flag_all("mount"):
        opts = flag.options()
        if opts.get("type", "bind") != "bind" or "from" not in opts:
            continue
        if ctx.graph.stage(opts["from"]) is None:
            continue
        target = opts.get("target") or opts.get("dst") or opts.get("destination")
        if target:
            out.append(target.rstrip("/") + "/")
    return out


#: The tools `_findings` looks at.
_TOOLS = frozenset("apk apt-get apt aptitude yum dnf microdnf tdnf yum-config-manager zypper rpm dpkg".split())


#: Per tool, text that one of its arguments holds (lowercased) when `_findings` finds something:
#: the flag itself, or the setting in its value (`-o` options all hold ``::``).
_NEEDLES: dict[str, tuple[str, ...]] = {
    "apk": ("--allow-untrusted",),
    "apt-get": ("::", "--allow-", "--force-yes"), "apt": ("::", "--allow-", "--force-yes"),
    "aptitude": ("::", "--allow-", "--force-yes"),
    "yum": ("gpgcheck",), "dnf": ("gpgcheck",), "microdnf": ("gpgcheck",), "tdnf": ("gpgcheck",),
    "yum-config-manager": ("gpgcheck",),
    "rpm": ("--nosignature", "--nodigest", "--nofiledigest"),
    "dpkg": ("bad-verify",),
}  # fmt: skip


def _may_disable(cmd: Command) -> bool:
    """Whether `cmd` can have a finding of `_findings`: most commands have none of its flags or
    settings, and are passed over without parsing their options."""
    needles = _NEEDLES.get(cmd.basename)
    if needles is None:
        return True
    return args_mention(cmd, needles)


def _findings(cmd: Command, mounted: list[str]) -> Iterator[tuple[Arg, str, str, str | None]]:
    """(argument, what it is, what to do instead, flag the fix can drop)."""
    name = cmd.basename
    if name == "apk":
        arg = cmd.flag_arg("--allow-untrusted")
        if arg is None or cmd.subcommand in ("index", "verify"):
            return
        packages = [a.value for a in cmd.positional[1:]]
        if packages and mounted and all(any(p.startswith(m) for m in mounted) for p in packages):
            return  # packages built by another stage of this file, mounted in
        yield arg, f"`apk {cmd.subcommand or ''} --allow-untrusted`".replace("  ", " "), _APK_KEYS, "--allow-untrusted"
    elif name in ("apt-get", "apt", "aptitude"):
        for flag, value, arg in cmd.flag_items({"-o", "--option", "-c", "-t"}):
            if flag in ("--allow-unauthenticated", "--force-yes", "--allow-insecure-repositories"):
                yield arg, f"`{name} {flag}`", _APT_KEYS, flag
            elif flag in ("-o", "--option") and value:
                m = _APT_OPTIONS.fullmatch(value)
                if m and m.group(2).strip("\"'").lower() in _TRUE:
                    yield value_arg(cmd, arg), f"`{name} -o {value}`", _APT_KEYS, None
    elif name in ("yum", "dnf", "microdnf", "tdnf", "yum-config-manager"):
        for flag, value, arg in cmd.flag_items({"--setopt", "-c", "--config", "--installroot", "--releasever",
                                                "--enablerepo", "--disablerepo", "-x", "--exclude", "--repo"}):
            if flag == "--nogpgcheck":
                yield arg, f"`{name} --nogpgcheck`", _RPM_KEYS, flag
            elif flag == "--setopt" and value and _GPGCHECK_OPT.fullmatch(value) and "_gpgcheck" not in value:
                yield value_arg(cmd, arg), f"`{name} --setopt={value}`", _RPM_KEYS, None
    elif name == "zypper":
        sub = cmd.subcommand
        for flag, _, arg in cmd.flag_items():
            if flag in ("--no-gpg-checks", "--no-gpgcheck"):
                yield arg, f"`zypper {flag}`", _RPM_KEYS, flag
            elif flag == "-G" and sub in ("ar", "addrepo"):
                yield arg, "`zypper addrepo -G`", _RPM_KEYS, None
    elif name == "rpm":
        for flag, _, arg in cmd.flag_items():
            if flag in ("--nosignature", "--nodigest", "--nofiledigest"):
                yield arg, f"`rpm {flag}`", _RPM_KEYS, flag
    elif name == "dpkg":
        for flag, value, arg in cmd.flag_items():
            if flag == "--force-bad-verify" or (flag == "--force" and value and "bad-verify" in value.split(",")):
                yield arg, "`dpkg --force-bad-verify`", _APT_KEYS, None
