from __future__ import annotations

import re

from dflint.buildkit_checks import LazyPattern
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.security import args_mention, drop_flag_fix, env_settings, file_config_writes, path_matches, runs, value_arg
from dflint.shell import Arg, Command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterator

_FALSE = frozenset({"false", "0", "no", "off"})
_RISK = "a proxy, a spoofed DNS answer or a hijacked mirror on the way can serve other content and the build uses it"
_CA_FIX = "if a private CA is why it was added, trust its certificate instead (update-ca-certificates, --cacert)"

#: Environment variables that turn verification off: name → (is the value turning it off?, tool).
_ENV: dict[str, tuple[Callable[[str], bool], str]] = {
    "NODE_TLS_REJECT_UNAUTHORIZED": (lambda v: v == "0", "Node.js"),
    "PYTHONHTTPSVERIFY": (lambda v: v == "0", "Python's urllib/http.client"),
    "GIT_SSL_NO_VERIFY": (lambda v: True, "git"),
    "NPM_CONFIG_STRICT_SSL": (lambda v: v.lower() in _FALSE, "npm"),
    "YARN_ENABLE_STRICT_SSL": (lambda v: v.lower() in _FALSE, "yarn"),
    "YARN_STRICT_SSL": (lambda v: v.lower() in _FALSE, "yarn"),
    "PIP_TRUSTED_HOST": (lambda v: bool(v.strip()), "pip"),
    "UV_INSECURE_HOST": (lambda v: bool(v.strip()), "uv"),
    "CONDA_SSL_VERIFY": (lambda v: v.lower() in _FALSE, "conda"),
    "GOINSECURE": (lambda v: bool(v.strip()), "go"),
}

#: Configuration files and the lines in them that turn verification off.
_CONFIG: tuple[tuple[tuple[str, ...], LazyPattern, str], ...] = (
    ((".curlrc", "curlrc"), LazyPattern(r"\s*(--?insecure|-k|insecure\s*[=:]?\s*(true|1|yes|on)?)\s*\Z", re.I), "curl"),
    ((".wgetrc", "wgetrc"), LazyPattern(r"\s*check[_-]?certificate\s*=\s*(off|no|0|false)\s*\Z", re.I), "wget"),
    (("pip.conf", "pip.ini"), LazyPattern(r"\s*trusted[-_]host\s*[=:]", re.I), "pip"),
    ((".npmrc", "npmrc", ".yarnrc"), LazyPattern(r"\s*strict-ssl\s*[=\s]\s*\"?false\"?\s*\Z", re.I), "npm/yarn"),
    ((".yarnrc.yml",), LazyPattern(r"\s*enableStrictSsl\s*:\s*\"?false\"?\s*\Z", re.I), "yarn"),
    ((".gitconfig", "gitconfig", ".git/config"), LazyPattern(r"\s*sslverify\s*=\s*(false|0|no|off)\s*\Z", re.I), "git"),
    ((".condarc", "condarc"), LazyPattern(r"\s*ssl_verify\s*:\s*(false|no|0)\s*\Z", re.I), "conda"),
    (
        ("yum.conf", "dnf.conf", "/etc/yum.repos.d/*", "/etc/zypp/repos.d/*", "*.repo"),
        LazyPattern(r"\s*sslverify\s*=\s*(0|false|no|off)\s*\Z", re.I),
        "yum/dnf",
    ),
    (
        ("/etc/apt/apt.conf", "/etc/apt/apt.conf.d/*"),
        LazyPattern(r"\s*Acquire::https::(\S+::)?Verify-(Peer|Host)\s+\"?(false|0|no)\"?", re.I),
        "apt",
    ),
)


#: every pattern of `_CONFIG`, to rule out most written files at once
_ANY_CONFIG = tuple(p for c in _CONFIG for p in c[0])

class TlsVerificationDisabled(Rule):
    """A download tool or package manager is told not to verify TLS certificates.

    dflint reads the parsed RUN commands (also the `sh -c "…"` strings they run) and the
    variables the file sets:

    - flags: `curl -k`/`--insecure`/`--proxy-insecure`, `wget --no-check-certificate` (and
      `-e check_certificate=off`), `apk --no-check-certificate`, `pip --trusted-host`,
      `uv --allow-insecure-host`, `npm`/`pnpm` `--strict-ssl=false`/`--no-strict-ssl`,
      `git -c http.sslVerify=false`, `apt-get -o Acquire::https::Verify-Peer=false`,
      `yum`/`dnf --setopt=sslverify=0`, `aws --no-verify-ssl`,
      `helm`/`kubectl --insecure-skip-tls-verify`, `go get -insecure`;
    - configuration commands: `npm`/`yarn`/`pnpm config set strict-ssl false`,
      `yarn config set enableStrictSsl false`, `git config http.sslVerify false`,
      `pip config set global.trusted-host …`, `conda config --set ssl_verify false`;
    - environment variables set with `ENV`, `ARG` (a default) or inline in a RUN
      (`NAME=value cmd`, `env`, `export`): `NODE_TLS_REJECT_UNAUTHORIZED=0`,
      `PYTHONHTTPSVERIFY=0`, `GIT_SSL_NO_VERIFY` (any value), `NPM_CONFIG_STRICT_SSL=false`,
      `YARN_ENABLE_STRICT_SSL=false`, `PIP_TRUSTED_HOST`, `UV_INSECURE_HOST`,
      `CONDA_SSL_VERIFY=false`, `GOINSECURE`;
    - lines written into configuration files (`echo insecure >> ~/.curlrc`,
      `sslverify=0` into a `.repo` file, `strict-ssl=false` into `.npmrc`, …).

    Text that only looks like it — in quotes given to `echo`, in a comment — is not a command.

    ## Why is this bad?
    TLS verification is what makes an `https://` download come from the server it names. Without
    it, anyone on the network path between the builder and the server — a proxy, a spoofed DNS
    answer, a hijacked mirror or Wi-Fi — can serve other content, and the build runs or ships
    it. A variable set with `ENV` also stays in the image and turns verification off for the
    application at run time.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl \\
        && curl -fsSLk https://example.com/tool.tar.gz -o /tmp/tool.tar.gz
    ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    COPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\
        && update-ca-certificates \\
        && curl -fsSL https://example.com/tool.tar.gz -o /tmp/tool.tar.gz
    ```
    When a proxy re-signs TLS traffic, trust its CA certificate (as above, or with
    `curl --cacert`, `pip --cert`, `npm config set cafile`, `NODE_EXTRA_CA_CERTS`) rather than
    turning verification off.

    ## Fix safety
    Unsafe, offered for `curl -k`/`--insecure` and `wget`/`apk --no-check-certificate`: removing
    the flag makes the download fail when the server's certificate is not trusted, which is the
    point, but the build breaks until the certificate chain is fixed.

    ## References
    - [Checkov CKV2_DOCKER_2 (curl), _3 (wget), _4 and _16 (pip), _5 (PYTHONHTTPSVERIFY),
      _6 (NODE_TLS_REJECT_UNAUTHORIZED), _12 and _13 (npm/yarn strict-ssl), _14
      (GIT_SSL_NO_VERIFY), _15 (yum/dnf sslverify), _18 (GOINSECURE)](https://www.checkov.io/5.Policy%20Index/dockerfile.html)
    - [curl: --insecure](https://curl.se/docs/manpage.html#-k)
    - [Python: PYTHONHTTPSVERIFY (PEP 493)](https://peps.python.org/pep-0493/)
    - [Node.js: NODE_TLS_REJECT_UNAUTHORIZED](https://nodejs.org/api/cli.html#node_tls_reject_unauthorizedvalue)
    - [git: GIT_SSL_NO_VERIFY and http.sslVerify](https://git-scm.com/docs/git-config#Documentation/git-config.txt-httpsslVerify)
    """

    code = "DF500"
    name = "tls-verification-disabled"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        seen: set[int] = set()
        # (the RUNs that run a tool below, and the instructions that write files: most are
        # neither, and are passed over without looking at their commands)
        tool_runs = {id(ins): found for ins, found in runs(ctx, _TOOLS, "pip")}
        writes = file_config_writes(ctx)
        for ins in ctx.dockerfile.instructions:
            found = tool_runs.get(id(ins))
            if found is not None:
                for script in found:
                    for cmd in script.commands:
                        inner = cmd.unwrapped()
                        if inner.basename not in _TOOLS and not inner.basename.startswith("pip"):
                            continue  # (most commands: none of the tools below)
                        if not _may_disable(inner):
                            continue
                        for arg, what, flag in _command_findings(inner):
                            if arg.span.start in seen:
                                continue
                            seen.add(arg.span.start)
                            fix = drop_flag_fix(ctx, arg, flag, f"Remove {flag}") if flag else None
                            yield Violation(
                                arg.span,
                                f"{what} turns off TLS certificate verification: {_RISK}; remove it ({_CA_FIX})",
                                fix,
                            )
            if id(ins) in writes:
                for write in writes[id(ins)]:
                    if not path_matches(write.path, _ANY_CONFIG):
                        continue  # one test for all the files below (most writes are none of them)
                    for patterns, line_re, tool in _CONFIG:
                        if not path_matches(write.path, patterns):
                            continue
                        line = next((ln for ln in write.lines if line_re.match(ln)), None)
                        if line is None or write.span.start in seen:
                            continue
                        seen.add(write.span.start)
                        yield Violation(
                            write.span,
                            f"Writing `{line.strip()}` into {write.path} turns off TLS certificate verification for "
                            f"{tool}: {_RISK}; leave the setting out ({_CA_FIX})",
                        )
        for setting in env_settings(ctx):
            key = setting.name.upper() if setting.name.upper() == "NPM_CONFIG_STRICT_SSL" else setting.name
            spec = _ENV.get(key)
            if spec is None or setting.span.start in seen:
                continue
            test, tool = spec
            value = setting.value
            if value is None:
                if key != "GIT_SSL_NO_VERIFY":
                    continue
            elif not test(value):
                continue
            seen.add(setting.span.start)
            where = {
                "ENV": "stays set in the image, so the application skips verification at run time too",
                "ARG": "is set for every RUN after it",
                "RUN": "applies to this command",
            }[setting.kind]
            shown = f"{setting.name}={value}" if value is not None else setting.name
            yield Violation(
                setting.span,
                f"`{shown}` turns off TLS certificate verification for {tool} and {where}: {_RISK}; "
                f"remove it ({_CA_FIX})",
            )


#: The tools `_command_findings` looks at (and pip2.7, pip3.12…).
_TOOLS = frozenset(
    "curl wget apk pip pip3 pip2 uv npm pnpm yarn git conda mamba micromamba yum dnf microdnf tdnf "
    "yum-config-manager zypper apt-get apt aptitude aws helm kubectl oc go".split()
)


#: Per tool, text that one of its arguments holds (lowercased) when `_command_findings` finds
#: something: the flag itself, or the setting in its value.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "wget": ("certificate",),
    "apk": ("--no-check-certificate",),
    "uv": ("--allow-insecure-host", "--trusted-host"),
    "npm": ("strict",), "pnpm": ("strict",), "yarn": ("strict",),
    "git": ("sslverify",),
    "conda": ("ssl_verify",), "mamba": ("ssl_verify",), "micromamba": ("ssl_verify",),
    "yum": ("sslverify",), "dnf": ("sslverify",), "microdnf": ("sslverify",), "tdnf": ("sslverify",),
    "yum-config-manager": ("sslverify",), "zypper": ("sslverify",),
    "apt-get": ("::",), "apt": ("::",), "aptitude": ("::",),
    "aws": ("--no-verify-ssl",),
    "helm": ("--insecure-skip-tls-verify",), "kubectl": ("--insecure-skip-tls-verify",),
    "oc": ("--insecure-skip-tls-verify",),
    "go": ("-insecure",),
}  # fmt: skip
_PIP_NEEDLES = ("--trusted-host", "config")


def _may_disable(cmd: Command) -> bool:
    """Whether `cmd` can have a finding of `_command_findings`: most commands have none of its
    flags or settings, and are passed over without parsing their options."""
    name = cmd.basename
    if name == "curl":  # -k (also in a cluster: -fsSLk), --insecure, --proxy-insecure
        return any(a.value[:1] == "-" and ("k" in a.value or "insecure" in a.value) for a in cmd.args)
    needles = _NEEDLES.get(name, _PIP_NEEDLES if name.startswith("pip") else None)
    if needles is None:
        return True
    return args_mention(cmd, needles)


def _command_findings(cmd: Command) -> Iterator[tuple[Arg, str, str | None]]:
    """(argument, what it is, flag the fix can drop) for each TLS-disabling piece of `cmd`."""
    name = cmd.basename
    if name == "curl":
        for flag, _, arg in cmd.flag_items():
            if flag in ("-k", "--insecure"):
                yield arg, f"`curl {flag}`", flag
            elif flag == "--proxy-insecure":
                yield arg, "`curl --proxy-insecure`", None
    elif name == "wget":
        for flag, value, arg in cmd.flag_items():
            if flag == "--no-check-certificate":
                yield arg, "`wget --no-check-certificate`", flag
            elif flag in ("-e", "--execute") and value and re.fullmatch(
                r"check[_-]?certificate\s*=\s*(off|no|0|false)", value, re.I
            ):
                yield value_arg(cmd, arg), f"`wget -e {value}`", None
    elif name == "apk":
        arg = cmd.flag_arg("--no-check-certificate")
        if arg is not None:
            yield arg, "`apk --no-check-certificate`", "--no-check-certificate"
    elif name in ("pip", "pip3", "pip2") or name.startswith("pip") and re.fullmatch(r"pip[0-9.]+", name):
        yield from _pip(cmd)
    elif name == "uv":
        for flag, _, arg in cmd.flag_items({"--allow-insecure-host", "--trusted-host"}):
            if flag in ("--allow-insecure-host", "--trusted-host"):
                yield arg, f"`uv {flag}`", None
    elif name in ("npm", "pnpm", "yarn"):
        yield from _npm(cmd)
    elif name == "git":
        yield from _git(cmd)
    elif name in ("conda", "mamba", "micromamba"):
        args = cmd.args
        for i, arg in enumerate(args[:-1]):
            if arg.value == "--set" and i + 2 < len(args) and args[i + 1].value == "ssl_verify" \
                    and args[i + 2].value.lower() in _FALSE:
                yield args[i + 1], f"`{name} config --set ssl_verify {args[i + 2].value}`", None
    elif name in ("yum", "dnf", "microdnf", "tdnf", "yum-config-manager", "zypper"):
        for flag, value, arg in cmd.flag_items({"--setopt"}):
            if flag == "--setopt" and value and re.fullmatch(r"([^=\s]+\.)?sslverify=(0|false|no|off)", value, re.I):
                yield value_arg(cmd, arg), f"`{name} --setopt={value}`", None
    elif name in ("apt-get", "apt", "aptitude"):
        for flag, value, arg in cmd.flag_items({"-o", "--option"}):
            if flag in ("-o", "--option") and value and re.fullmatch(
                r"Acquire::https::(\S+::)?Verify-(Peer|Host)=(false|0|no)", value, re.I
            ):
                yield value_arg(cmd, arg), f"`{name} -o {value}`", None
    elif name == "aws":
        arg = cmd.flag_arg("--no-verify-ssl")
        if arg is not None:
            yield arg, "`aws --no-verify-ssl`", "--no-verify-ssl"
    elif name in ("helm", "kubectl", "oc"):
        for flag, value, arg in cmd.flag_items():
            if flag == "--insecure-skip-tls-verify" and (value is None or value.lower() not in _FALSE):
                yield arg, f"`{name} --insecure-skip-tls-verify`", None
    elif name == "go" and cmd.subcommand == "get":
        arg = cmd.flag_arg("-insecure")
        if arg is not None:
            yield arg, "`go get -insecure`", None


def _pip(cmd: Command) -> Iterator[tuple[Arg, str, str | None]]:
    for flag, _, arg in cmd.flag_items():
        if flag == "--trusted-host":
            yield arg, "`pip --trusted-host`", None
    pos = cmd.positional
    if len(pos) >= 3 and pos[0].value == "config" and pos[1].value == "set" and re.fullmatch(
        r"[a-z]+\.trusted-host", pos[2].value
    ):
        yield pos[2], f"`pip config set {pos[2].value}`", None


def _npm(cmd: Command) -> Iterator[tuple[Arg, str, str | None]]:
    name = cmd.basename
    for flag, value, arg in cmd.flag_items({"--strict-ssl"}):
        if flag == "--no-strict-ssl" or (flag == "--strict-ssl" and value is not None and value.lower() in _FALSE):
            yield arg, f"`{name} {arg.value}`", None
    pos = [a for a in cmd.positional(())]
    values = [a.value for a in pos]
    if values[:1] in (["config"], ["c"]):
        values, pos = values[1:], pos[1:]
    if values[:1] != ["set"] or len(values) < 2:
        return
    key, _, inline = values[1].partition("=")
    value = inline if inline else (values[2] if len(values) > 2 else "")
    if key.lower() in ("strict-ssl", "enablestrictssl") and value.lower() in _FALSE:
        yield pos[1], f"`{name} config set {key} {value}`", None


_GIT_SSL_KEY = LazyPattern(r"http\.(.+\.)?sslverify", re.I)


def _git(cmd: Command) -> Iterator[tuple[Arg, str, str | None]]:
    args = cmd.args
    # -c key=value before the subcommand, and clone's -c/--config key=value
    for i, arg in enumerate(args):
        v = arg.value
        pair = None
        if v in ("-c", "--config") and i + 1 < len(args):
            pair, holder = args[i + 1].value, args[i + 1]
        elif v.startswith("--config="):
            pair, holder = v[len("--config="):], arg
        if pair is None:
            continue
        key, _, value = pair.partition("=")
        if _GIT_SSL_KEY.fullmatch(key) and value.lower() in _FALSE:
            yield holder, f"`git -c {pair}`", None
    takes = {"-C", "-c", "--config", "-f", "--file", "--blob", "--type", "--default", "--git-dir", "--work-tree"}
    pos = cmd.positional(takes)
    if len(pos) >= 3 and pos[0].value == "config":
        key = pos[1].value
        value = pos[2].value
        if _GIT_SSL_KEY.fullmatch(key) and value.lower() in _FALSE:
            yield pos[1], f"`git config {key} {value}`", None

