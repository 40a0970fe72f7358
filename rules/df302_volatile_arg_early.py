from __future__ import annotations

import re

from dflint.buildkit_checks import key_values
from dflint.packages import parse_command
from dflint.rule import Context, Rule, RuleOptions, Severity, Violation
from dflint.shell import Script
from dflint.source import LazyPattern
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: ARG names whose value is meant to change on every build (passed with --build-arg).
DEFAULT_NAMES = (
    "BUILD_DATE", "BUILDDATE", "BUILD_TIME", "BUILDTIME", "BUILD_TIMESTAMP", "TIMESTAMP",
    "GIT_SHA", "GIT_COMMIT", "GITCOMMIT", "GIT_REV", "GIT_REVISION", "GIT_HASH", "COMMIT",
    "COMMIT_SHA", "COMMIT_HASH", "SOURCE_COMMIT", "VCS_REF", "REVISION", "VERSION",
    "BUILD_VERSION", "BUILD_NUMBER", "BUILD_ID",
)  # fmt: skip
# CACHEBUST and friends are left out on purpose: their place *is* where the writer wants the
# rebuild to start (Docker's docs declare `ARG CACHEBUST` unused above the RUN to refresh)

# a default that pins a release or a commit: the value is not meant to change every build
_PINNED_VERSION = LazyPattern(r"v?\d+(\.\d+)+([-+~_.][0-9A-Za-z.+~_-]*)?")
_PINNED_SHA = LazyPattern(r"[0-9a-f]{7,64}")

# commands that never read a build argument from the environment: a RUN made only of these (and
# not naming the ARG) is re-run by a new value for nothing
_ENV_BLIND = frozenset(
    """
    cd mkdir rm rmdir cp mv ln chmod chown chgrp touch cat echo printf true false test [ ls find
    sed grep egrep fgrep head tail cut tr sort uniq wc tee basename dirname realpath readlink stat
    du sync sleep id whoami groups export set unset umask install mktemp tar gzip gunzip bzip2
    bunzip2 xz unxz zstd unzip zip cpio patch md5sum sha1sum sha256sum sha512sum base64 gpg gpgv
    gpgconf dirmngr useradd userdel usermod groupadd groupdel adduser addgroup deluser delgroup
    passwd chpasswd chsh ldconfig locale-gen localedef update-locale update-ca-certificates
    update-alternatives dpkg dpkg-reconfigure debconf-set-selections apt-key add-apt-repository
    apt-mark apt-cache setcap getent ssh-keygen ssh-keyscan curl wget git rpm
    """.split()
)
# package managers: blind when they install named packages from a registry
_MANAGERS = frozenset({"apt", "apk", "yum", "dnf", "zypper", "pip", "npm", "yarn", "pnpm", "gem", "conda"})
_SYSTEM_MANAGERS = frozenset({"apt", "apk", "yum", "dnf", "zypper"})


class VolatileArgEarly(Rule):
    """A build argument that changes on every build, declared above RUN steps that do not use it.

    An ARG is not stored in the image, but it takes part in the build cache. The exact condition,
    from Docker's reference ("Impact on build caching"): a RUN misses the cache when an ARG
    declared before it in its stage has another value than in the cached build, **whether or
    not the RUN uses it** — "all `RUN` instructions following an `ARG` instruction use the `ARG`
    variable implicitly (as an environment variable), thus can cause a cache miss"; its example
    `ARG CONT_IMG_VER` then `RUN echo hello` misses the cache on the RUN when the value changes.
    The ARG line itself never misses ("upon its first usage, not its definition"), COPY and ADD
    do not see it, and an ARG with no value (no default, no `--build-arg`) changes nothing. So
    an ARG given a new value on each build (`--build-arg BUILD_DATE=$(date)`,
    `GIT_SHA=$(git rev-parse HEAD)`) re-runs every RUN after it, and everything after those.

    dflint reports such an ARG (by name, see Options) in a stage that is built, when at least one
    RUN between it and its first use neither names it (`$NAME`, `${NAME}`) nor may read it
    unseen. A RUN may read it unseen when it runs anything but well-known commands that ignore
    the environment (package installs from a registry, `go mod download`, file and archive
    tools, `curl`, `git clone`, `useradd` …): `make`, a build tool or a script may read
    `$VERSION` from the environment, so the search for the first use stops there. An ARG whose
    default pins a release or a commit (`ARG VERSION=1.4.2`, `ARG GIT_COMMIT=72aa6db`) is not
    volatile and is left alone.

    ## Why is this bad?
    Every build re-runs the package installs and downloads that follow the ARG, although they do
    not depend on it: minutes per build, and no cache reuse between CI runs at all. Declaring
    the ARG just before the instruction that uses it (often a `LABEL` at the end) keeps the
    expensive steps cached.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    ARG BUILD_DATE
    ARG VCS_REF
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\
        && rm -rf /var/lib/apt/lists/*
    COPY app /usr/local/bin/app
    LABEL org.opencontainers.image.created=$BUILD_DATE \\
          org.opencontainers.image.revision=$VCS_REF
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\
        && rm -rf /var/lib/apt/lists/*
    COPY app /usr/local/bin/app
    ARG BUILD_DATE
    ARG VCS_REF
    LABEL org.opencontainers.image.created=$BUILD_DATE \\
          org.opencontainers.image.revision=$VCS_REF
    ```

    ## Options
    - `names`: the ARG names treated as volatile (compared without regard to case). Default:
      BUILD_DATE, BUILDDATE, BUILD_TIME, BUILDTIME, BUILD_TIMESTAMP, TIMESTAMP, GIT_SHA,
      GIT_COMMIT, GITCOMMIT, GIT_REV, GIT_REVISION, GIT_HASH, COMMIT, COMMIT_SHA, COMMIT_HASH,
      SOURCE_COMMIT, VCS_REF, REVISION, VERSION, BUILD_VERSION, BUILD_NUMBER, BUILD_ID.
      `CACHEBUST`/`CACHE_BUST` are not in the list: such an ARG exists to make the RUNs after it
      run again, and where it is declared says which ones (Docker's cache docs show `ARG
      CACHEBUST` above the RUN it refreshes); add them to `extend-names` to have them checked.
    - `extend-names`: more names, added to `names` (e.g. `["RELEASE_TAG"]`).

    ```toml
    [rules.DF302]
    extend-names = ["RELEASE_TAG", "PIPELINE_ID"]
    ```

    ## References
    - [Dockerfile reference: ARG, Impact on build caching](https://docs.docker.com/reference/dockerfile/#impact-on-build-caching)
    - [Build cache invalidation](https://docs.docker.com/build/cache/invalidation/)
    - [Optimize cache usage: order your layers](https://docs.docker.com/build/cache/optimize/#order-your-layers)
    """

    code = "DF302"
    name = "volatile-arg-early"
    severity = Severity.INFO

    class Options(RuleOptions):
        names: list[str] = list(DEFAULT_NAMES)
        extend_names: list[str] = []

    def check(self, ctx: Context) -> Iterator[Violation]:
        options = self.options or self.Options()
        wanted = {n.upper() for n in (*options.names, *options.extend_names)}
        graph = ctx.graph
        escape = ctx.dockerfile.escape
        for stage in graph.stages:
            if stage.index in graph.unused:
                continue  # never built for this target
            body = stage.instructions[1:]
            for pos, ins in enumerate(body):
                if ins.name != "ARG":
                    continue
                for kv in key_values(ins.args, "ARG", escape):
                    name = kv.key
                    if name.upper() not in wanted or _pinned(kv.value):
                        continue
                    wasted, use = _wasted_runs(ctx, body[pos + 1 :], name)
                    if not wasted:
                        continue
                    first = wasted[0]
                    more = f" and {len(wasted) - 1} more" if len(wasted) > 1 else ""
                    if use is None:
                        where = (
                            f"nothing in stage '{stage.label}' uses it: declare it where it is "
                            "needed, or remove it"
                        )
                    elif use.name == "RUN" and not _names(use, name):
                        where = f"declare it just before line {use.line}, the first RUN that may read it"
                    else:
                        where = f"declare it just before line {use.line}, where it is first used"
                    yield Violation(
                        ins.args_subspan(kv.start, kv.key_end),
                        f"ARG {name} changes on every build and every RUN after it has it in its "
                        f"environment: a new value re-runs the RUN on line {first.line}{more}, "
                        f"which do{'es' if not more else ''} not use it; {where}",
                    )


def _pinned(default: str | None) -> bool:
    if not default:
        return False
    value = default.strip().strip("\"'")
    if "$" in value:
        return False
    if _PINNED_VERSION.fullmatch(value):
        return any(c in "123456789" for c in value)  # 0.0.0 is a placeholder
    return bool(_PINNED_SHA.fullmatch(value)) and any(c.isdigit() for c in value) and any(
        c.isalpha() for c in value
    )


def _names(ins: Instruction, name: str) -> bool:
    """Whether the instruction's text refers to the variable (`$NAME`, `${NAME…}`)."""
    pattern = re.compile(r"\$(\{)?" + re.escape(name) + r"(?(1)[}:#%/+?=-]|(?![A-Za-z0-9_]))")
    texts = [ins.args, *(f.value or "" for f in ins.flags), *(h.body for h in ins.heredocs)]
    if ins.inner is not None:
        texts.append(ins.inner.args)
    return any(pattern.search(t) for t in texts)


def _wasted_runs(ctx: Context, rest, name: str) -> tuple[list[Instruction], Instruction | None]:  # type: ignore[no-untyped-def]
    """The RUNs after the ARG that neither name it nor may read it, up to the first that may
    (returned second; None when nothing after the ARG uses it)."""
    wasted: list[Instruction] = []
    for ins in rest:
        if ins.name == "ARG" and any(kv.key == name for kv in key_values(ins.args, "ARG")):
            return wasted, ins  # declared again: the rest is that ARG's business
        if _names(ins, name):
            return wasted, ins
        if ins.name != "RUN":
            continue
        script = ctx.script(ins)
        if script is None or not _env_blind(script):
            return wasted, ins
        wasted.append(ins)
    return wasted, None


def _env_blind(script: Script) -> bool:
    """Every command is one that does not read build arguments from the environment."""
    for cmd in script.commands:
        inner = cmd.unwrapped()
        pc = parse_command(inner)
        if pc is not None and pc.manager in _MANAGERS:
            if pc.manager in _SYSTEM_MANAGERS:
                continue
            if pc.action == "install" and not _local_install(pc):
                continue
            return False
        argv = inner.argv
        if argv[:3] == ("go", "mod", "download") or argv[:2] == ("cargo", "fetch"):
            continue  # dependency downloads
        if inner.basename not in _ENV_BLIND:
            return False
        if inner.basename == "git" and inner.subcommand not in ("clone", "fetch", "checkout", "config", "init", "submodule"):
            return False
    return True


def _local_install(pc) -> bool:  # type: ignore[no-untyped-def]
    """An install that builds local code (``pip install .``, ``npm install`` of the project):
    the project's build may read the environment."""
    values = [a.value for a in pc.command.positional]
    if pc.manager == "pip":
        return any(v in (".", "..") or v.startswith(("./", "/", "-e")) for v in values[1:]) or pc.has_flag("-e", "--editable")
    if pc.manager in ("npm", "yarn", "pnpm"):
        return False  # lifecycle scripts of registry packages do not read the build's ARGs
    return False
