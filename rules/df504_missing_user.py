from __future__ import annotations

import re

from dflint.graph import Stage
from dflint.images import parse_image
from dflint.packages import package_commands
from dflint.rule import Context, Rule, RuleOptions, Severity, Violation
from dflint.security import scripts
from dflint.shell import basename, is_windows_image

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Base images that already run as an unprivileged user (matched against the familiar name with
#: its tag, e.g. ``gcr.io/distroless/static-debian12:nonroot``).
NONROOT_BASES = (
    "*:nonroot",
    "*:nonroot-*",
    "*:*-nonroot",
    "*:*-nonroot-*",
    "mcr.microsoft.com/dotnet/*:*-chiseled*",
    "*/nginx-unprivileged:*",
    "*/nginx-unprivileged",
    "jenkins/jenkins*",
    "jenkins/inbound-agent*",
    "registry.access.redhat.com/ubi*/nodejs-*",
    "registry.access.redhat.com/ubi*/python-*",
    "registry.access.redhat.com/ubi*/ruby-*",
    "registry.access.redhat.com/ubi*/php-*",
    "registry.access.redhat.com/ubi*/perl-*",
    "registry.access.redhat.com/ubi*/go-toolset*",
    "registry.access.redhat.com/ubi*/openjdk-*",
)

#: Commands that start the main process as another user (the docker-library entrypoint pattern).
_DROPPERS = frozenset({"gosu", "su-exec", "setpriv", "runuser", "chpst", "s6-setuidgid", "setuidgid", "su"})
_DROP_TOOLS = frozenset({"gosu", "su-exec"})


class MissingUser(Rule):
    """The shipped image never sets a `USER`, so it runs as root.

    dflint looks at the stages whose content ships — the target stage (the last, or `target`)
    and the stages it is built `FROM` — and reports, at the target's `FROM`, when none of them
    has a `USER` instruction. A `USER root` at the end is DL3002 `runs-as-root`'s finding, not
    this one. Not reported:

    - `FROM scratch` images (a single binary with no shell and no user database, usually given a
      UID at run time; `USER 65532` still helps there) and bases known to run as an
      unprivileged user: distroless and other `:nonroot` tags, Chainguard images (not `-dev`),
      Bitnami application images, .NET `-chiseled` images, `nginx-unprivileged`, Jenkins, Red
      Hat UBI language images (and what the `nonroot-bases` option adds);
    - Windows images: `nanoserver` already runs as `ContainerUser`, and `servercore`'s
      `ContainerAdministrator` is a different model (`USER` there names Windows accounts);
    - images whose `ENTRYPOINT`/`CMD` starts the process through `gosu`, `su-exec`, `setpriv`,
      `runuser`, `chpst` or `s6-setuidgid`, or that install `gosu`/`su-exec` and have an
      `ENTRYPOINT` (the docker-library pattern: the entrypoint script drops root).

    It is `info` by default: an image meant as a base for others rightly leaves `USER` to them.
    Trivy (DS002), Checkov (CKV_DOCKER_3) and KICS report a file with no `USER` in any stage;
    dflint only counts the stages that ship (a `USER` in a builder stage does not make the
    runtime image unprivileged), and knows the base images above.

    ## Why is this bad?
    A process running as root in a container is root on the host's kernel: a vulnerability in
    the application, a mounted volume or a kernel bug gives an attacker much more than an
    unprivileged user would, and Kubernetes' `runAsNonRoot` refuses such an image.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py /app/app.py
    CMD ["python", "/app/app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN useradd --system --uid 10001 --no-create-home app
    COPY app.py /app/app.py
    USER 10001
    CMD ["python", "/app/app.py"]
    ```
    A numeric UID lets Kubernetes verify `runAsNonRoot` without reading `/etc/passwd`.

    ## Options
    `nonroot-bases` (list of glob patterns, default empty): more base images that run as an
    unprivileged user, matched against the image name with its tag as written in `FROM`
    (`registry.example.com/base/*`, `myorg/runtime:*`); added to the built-in list.

    ```toml
    [rules.DF504]
    nonroot-bases = ["registry.example.com/hardened/*"]
    ```

    ## References
    - [Trivy DS002: Image user should not be 'root'](https://avd.aquasec.com/misconfig/ds002)
    - [Checkov CKV_DOCKER_3: Ensure that a user for the container has been created](https://www.checkov.io/5.Policy%20Index/dockerfile.html)
    - [KICS: Missing User Instruction](https://docs.kics.io/latest/queries/dockerfile-queries/fd54f200-402c-4333-a5a4-36ef6709af2f)
    - [CIS Docker Benchmark 4.1: Ensure that a user for the container has been created](https://www.cisecurity.org/benchmark/docker)
    - [Dockerfile best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
    """

    code = "DF504"
    name = "missing-user"
    severity = Severity.INFO

    class Options(RuleOptions):
        nonroot_bases: list[str] = []

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if graph.target is None or not graph.shipped:
            return
        chain = [graph.stages[i] for i in reversed(graph.shipped)]  # base first
        if any(ins.name == "USER" and ins.args.strip() for stage in chain for ins in stage.instructions):
            return
        root = chain[0]
        if root.is_scratch:
            return
        image = root.base_resolved if root.base_resolved is not None else root.base
        if not image or is_windows_image(image):
            return
        extra = [str(p) for p in (getattr(self.options, "nonroot_bases", None) or ())]
        if _nonroot_base(image, extra):
            return
        if _drops_root(ctx, chain):
            return
        target = graph.stages[graph.target]
        span = target.base_span or target.from_instruction.keyword_span
        via = f" (built on '{image}')" if target is not root else ""
        yield Violation(
            span,
            f"The shipped image{via} never sets a USER, so it runs as root (UID 0) unless `docker run "
            "--user` says otherwise; create an unprivileged user and switch to it before CMD "
            "(`RUN useradd --system --uid 10001 app` … `USER 10001`), or ignore this for a base "
            "image meant to be extended",
        )


def _nonroot_base(image: str, extra: list[str]) -> bool:
    ref = parse_image(image)
    name = ref.familiar_name.lower()
    tag = (ref.tag or "").lower()
    candidates = {image.lower(), name, f"{name}:{tag}" if tag else name}
    if name.startswith("cgr.dev/chainguard/") and "dev" not in tag:
        return True  # Chainguard images run as nonroot; their -dev variants do not always
    if name.startswith("bitnami/") and not name.startswith("bitnami/minideb"):
        return True  # Bitnami application images run as UID 1001
    builtin = _nonroot_pattern()
    if any(builtin.match(c) for c in candidates):
        return True
    if not extra:
        return False
    from fnmatch import fnmatchcase

    return any(fnmatchcase(c, p.lower()) for p in extra for c in candidates)


_NONROOT: list[re.Pattern[str]] = []


def _nonroot_pattern() -> re.Pattern[str]:
    """`NONROOT_BASES` (lower-cased) as one regular expression, as `fnmatchcase` reads each
    (built on first use: fnmatch and the compile cost start-up time)."""
    if not _NONROOT:
        import fnmatch

        _NONROOT.append(re.compile("|".join(fnmatch.translate(p.lower()) for p in NONROOT_BASES)))
    return _NONROOT[0]


def _drops_root(ctx: Context, chain: list[Stage]) -> bool:
    """Whether the main process is started as another user: through the ENTRYPOINT/CMD, or by an
    entrypoint script with gosu/su-exec installed."""
    has_entrypoint = False
    installs_tool = False
    last: dict[str, object] = {}
    for stage in chain:
        for ins in stage.instructions:
            if ins.name in ("ENTRYPOINT", "CMD"):
                last[ins.name] = ins
                if ins.name == "ENTRYPOINT":
                    has_entrypoint = True
            elif ins.name == "RUN" and not installs_tool:
                installs_tool = _installs_drop_tool(ctx, ins)
            elif ins.name in ("COPY", "ADD") and not installs_tool:
                installs_tool = any(basename(w.value.strip("\"'").rstrip("/")) in _DROP_TOOLS for w in ins.words)
    for ins in last.values():
        words: list[str]
        if ins.json is not None:  # type: ignore[attr-defined]
            words = [basename(w) for w in ins.json]  # type: ignore[attr-defined]
            if any(w in _DROPPERS for w in words[:3]):
                return True
        else:
            for script in scripts(ctx, ins):  # type: ignore[arg-type]
                if script.calls(_DROPPERS):
                    return True
    return has_entrypoint and installs_tool


def _installs_drop_tool(ctx: Context, ins) -> bool:  # type: ignore[no-untyped-def]
    for script in scripts(ctx, ins):
        for pc in package_commands(script):
            if pc.action == "install" and any(p.name in _DROP_TOOLS for p in pc.packages):
                return True
        for cmd in script.commands:
            for arg in (*cmd.args, *(r.target for r in cmd.redirects if r.target is not None)):
                if basename(arg.value.rstrip("/")) in _DROP_TOOLS:
                    return True
    return False
