"""Generated Dockerfiles for the speed benchmarks (and the robustness tests).

Every generator is deterministic (seeded), so dflint and hadolint lint the same bytes, and two runs
of a benchmark lint the same files.

- `dockerfile(n_runs)`: a realistic single-stage file of `n_runs` RUN instructions (apt-get
  installs with continuations and ``rm -rf /var/lib/apt/lists/*``, ``curl | tar`` pipes, pip and
  npm installs, ``for``/``if`` blocks, ``sed``/``echo`` edits, ``useradd``, comment lines inside
  continuations), with an ENV, WORKDIR or COPY every few RUNs. Every body is distinct (versions,
  paths and names carry the RUN's number), as in real files, so no per-body cache makes it trivial.
- `dockerfile_of_size(nbytes)`: the same, grown RUN by RUN until it reaches `nbytes`.
- `precommit_file()` / `edit_run(text, k)`: a 40-line Dockerfile and the same after editing one
  RUN line (a package version bumped), as a developer does between two commits.
- Pathological inputs: `long_run_line`, `nested_substitutions`, `huge_heredoc`, `stage_chain`.

    python benchmarks/generate.py runs 1000 > big.Dockerfile
    python benchmarks/generate.py size 5000000 > 5mb.Dockerfile
    python benchmarks/generate.py {precommit|long-line|nested|heredoc|stages} > x.Dockerfile
"""

from __future__ import annotations

import random
import sys

APT = (
    "curl", "ca-certificates", "git", "build-essential", "libssl-dev", "libffi-dev", "python3",
    "python3-pip", "python3-venv", "gnupg", "unzip", "xz-utils", "jq", "less", "vim-tiny", "wget",
    "openssh-client", "locales", "tzdata", "libpq-dev", "libxml2-dev", "zlib1g-dev", "pkg-config",
    "netcat-openbsd", "procps", "iproute2", "dumb-init", "tini", "gettext-base", "rsync",
)
PIP = ("requests", "flask", "gunicorn", "numpy", "pandas", "boto3", "psycopg2-binary", "uvicorn",
       "pyyaml", "click", "jinja2", "redis", "celery", "sqlalchemy", "pytest")
NPM = ("typescript", "yarn", "pm2", "npm", "eslint", "prettier", "serve", "nodemon")
TOOLS = ("helm", "kubectl", "terraform", "yq", "gosu", "dockerize", "hugo", "protoc")


def _ver(rng: random.Random) -> str:
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def _pick(rng: random.Random, items: tuple[str, ...], lo: int, hi: int) -> list[str]:
    return rng.sample(items, rng.randint(lo, min(hi, len(items))))


def _apt(rng: random.Random, i: int) -> str:
    pkgs = _pick(rng, APT, 2, 7)
    if rng.random() < 0.5:
        pkgs = [f"{p}={_ver(rng)}-{i}" for p in pkgs]
    body = " \\\n        ".join(pkgs)
    comment = "    # keep the image small\n" if rng.random() < 0.2 else ""
    return (
        "RUN apt-get update \\\n"
        f"{comment}"
        f"    && apt-get install -y --no-install-recommends \\\n        {body} \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    )


def _curl_tar(rng: random.Random, i: int) -> str:
    tool = rng.choice(TOOLS)
    v = _ver(rng)
    return (
        f"RUN curl -fsSL https://releases.example.com/{tool}/v{v}/{tool}-{v}-linux-amd64.tar.gz \\\n"
        f"    | tar -xz -C /usr/local/bin {tool} \\\n"
        f"    && chmod +x /usr/local/bin/{tool} && {tool} --version > /tmp/{tool}-{i}.version"
    )


def _pip(rng: random.Random, i: int) -> str:
    pkgs = " ".join(f"{p}=={_ver(rng)}" for p in _pick(rng, PIP, 1, 5))
    return f"RUN pip install --no-cache-dir {pkgs} && python3 -c 'import sys; print(sys.version)' > /tmp/py{i}"


def _npm(rng: random.Random, i: int) -> str:
    pkgs = " ".join(f"{p}@{_ver(rng)}" for p in _pick(rng, NPM, 1, 3))
    return f"RUN npm install -g {pkgs} && npm cache clean --force && mkdir -p /srv/app{i}"


def _loop(rng: random.Random, i: int) -> str:
    dirs = " ".join(f"/var/{d}{i}" for d in _pick(rng, ("log", "cache", "run", "lib", "tmp"), 2, 4))
    return (
        f"RUN set -eux; \\\n    for d in {dirs}; do \\\n"
        '        mkdir -p "$d" && chown -R 1000:1000 "$d"; \\\n    done'
    )


def _if(rng: random.Random, i: int) -> str:
    return (
        f'RUN if [ -f /etc/app{i}.conf ]; then \\\n'
        f"        sed -i 's/^port=.*/port={8000 + i % 1000}/' /etc/app{i}.conf; \\\n"
        f'    else \\\n        echo "port={8000 + i % 1000}" > /etc/app{i}.conf; \\\n    fi'
    )


def _user(rng: random.Random, i: int) -> str:
    return f"RUN groupadd -r grp{i} && useradd -r -g grp{i} -d /home/u{i} -s /sbin/nologin u{i}"


def _build(rng: random.Random, i: int) -> str:
    return (
        f"RUN cd /src/module{i} \\\n    && ./configure --prefix=/usr/local --enable-shared \\\n"
        '    && make -j"$(nproc)" && make install \\\n'
        f"    && cd / && rm -rf /src/module{i}"
    )


def _echo(rng: random.Random, i: int) -> str:
    key = rng.choice(("LANG", "TZ", "PATH", "HOME"))
    return f"RUN echo \"export {key}_{i}=$HOME/bin:$PATH\" >> /etc/profile.d/env{i}.sh && grep -c {key} /etc/profile.d/env{i}.sh | wc -l"


def _wget_sh(rng: random.Random, i: int) -> str:
    return f"RUN wget -qO- https://get.example.com/install-{i}.sh | sh -s -- --version {_ver(rng)}"


RUNS = (
    (_apt, 5), (_curl_tar, 2), (_pip, 2), (_npm, 1), (_loop, 1),
    (_if, 1), (_user, 1), (_build, 1), (_echo, 2), (_wget_sh, 1),
)
_WEIGHTED = [g for g, w in RUNS for _ in range(w)]


def _other(rng: random.Random, i: int) -> str:
    kind = rng.randrange(3)
    if kind == 0:  # a few names, set again and again (real files have a handful of ENV names)
        name = rng.choice(("APP_HOME", "APP_VERSION", "NODE_ENV", "PIP_NO_CACHE_DIR", "GOPATH"))
        return f"ENV {name}=/opt/app{i} BUILD_{i % 7}={_ver(rng)}"
    if kind == 1:
        return f"WORKDIR /opt/app{i}"
    return f"COPY --chown=1000:1000 config/app{i}.yaml /etc/app/app{i}.yaml"


def _header() -> list[str]:
    return [
        "# syntax=docker/dockerfile:1",
        "FROM debian:bookworm-slim",
        "ARG DEBIAN_FRONTEND=noninteractive",
        "ENV LANG=C.UTF-8 PATH=/usr/local/bin:$PATH",
        "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
    ]


def _footer() -> list[str]:
    return ["USER 1000", 'ENTRYPOINT ["/usr/bin/tini", "--"]', 'CMD ["app", "serve"]']


def _instructions(seed: int):
    """An endless stream of (is_run, text): RUNs, with an ENV/WORKDIR/COPY every few."""
    rng = random.Random(seed)
    i = 0
    while True:
        i += 1
        yield True, rng.choice(_WEIGHTED)(rng, i)
        if rng.random() < 0.15:
            yield False, _other(rng, i)


def dockerfile(n_runs: int, seed: int = 0) -> str:
    """A single-stage Dockerfile with exactly `n_runs` RUN instructions."""
    out = _header()
    runs = 0
    for is_run, text in _instructions(seed):
        if is_run:
            if runs == n_runs:
                break
            runs += 1
        out.append(text)
    out.extend(_footer())
    return "\n".join(out) + "\n"


def dockerfile_of_size(nbytes: int, seed: int = 0) -> str:
    """The same kind of file, grown until it holds at least `nbytes` bytes."""
    out = _header()
    size = sum(len(line) + 1 for line in out)
    for _, text in _instructions(seed):
        if size >= nbytes:
            break
        out.append(text)
        size += len(text) + 1
    out.extend(_footer())
    return "\n".join(out) + "\n"


PRECOMMIT = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build
ARG PIP_VERSION=24.0
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /src
RUN apt-get update \\
    && apt-get install -y --no-install-recommends \\
        build-essential=12.9 \\
        libpq-dev=15.6-0+deb12u1 \\
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir "pip==${PIP_VERSION}" wheel==0.43.0
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt
COPY . .
RUN python -m compileall -q src && pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \\
    && apt-get install -y --no-install-recommends \\
        libpq5=15.6-0+deb12u1 \\
        tini=0.19.0-1 \\
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system app && useradd --system --gid app --home-dir /app app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY --chown=app:app config/ ./config/
RUN set -eux; \\
    mkdir -p /app/data /app/logs; \\
    chown -R app:app /app/data /app/logs; \\
    for f in config/*.yaml; do test -s "$f"; done
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://localhost:8000/health')"]
USER app
RUN python -c 'import app; print(app.__version__)' > /app/VERSION
ENV APP_ENV=production
LABEL org.opencontainers.image.source="https://example.com/app" \\
      org.opencontainers.image.licenses="MIT"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app.wsgi:application"]
"""


def precommit_file() -> str:
    """A 40-line, two-stage Dockerfile of the kind a pre-commit hook lints."""
    return PRECOMMIT


def edit_run(text: str, k: int) -> str:
    """`text` with one RUN line edited (edit number `k`): the wheel version is bumped."""
    return text.replace("wheel==0.43.0", f"wheel==0.{43 + k}.{k % 7}", 1)


# -- pathological inputs -------------------------------------------------------------------


def long_run_line(nbytes: int = 100_000) -> str:
    """One RUN on a single physical line of about `nbytes` bytes."""
    parts, size, i = [], 0, 0
    while size < nbytes:
        part = f"echo step{i} >> /tmp/log"
        parts.append(part)
        size += len(part) + 4
        i += 1
    return "FROM alpine:3.20\nRUN " + " && ".join(parts) + "\n"


def nested_substitutions(depth: int = 10_000) -> str:
    """A RUN with `depth` nested command substitutions: ``echo $(echo $(echo … x))``."""
    return "FROM alpine:3.20\nRUN echo " + "$(echo " * depth + "x" + ")" * depth + "\n"


def huge_heredoc(lines: int = 100_000) -> str:
    """A RUN heredoc whose body has `lines` lines."""
    body = "".join(f"echo line {i} >> /tmp/out\n" for i in range(lines))
    return "FROM alpine:3.20\nRUN <<EOF\nset -e\n" + body + "EOF\n"


def stage_chain(stages: int = 1_000) -> str:
    """`stages` stages, each COPY --from the previous one."""
    out = ["FROM alpine:3.20 AS s0", "RUN echo 0 > /f0"]
    for i in range(1, stages):
        out.append(f"FROM alpine:3.20 AS s{i}")
        out.append(f"COPY --from=s{i - 1} /f{i - 1} /f{i - 1}")
        out.append(f"RUN cat /f{i - 1} > /f{i}")
    return "\n".join(out) + "\n"


PATHOLOGICAL = {
    "100 KB single-line RUN": long_run_line,
    "10,000 nested $( )": nested_substitutions,
    "heredoc of 100,000 lines": huge_heredoc,
    "1,000 stages, COPY --from chain": stage_chain,
}


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    kind, rest = argv[0], argv[1:]
    makers = {
        "runs": lambda: dockerfile(int(rest[0])),
        "size": lambda: dockerfile_of_size(int(rest[0])),
        "precommit": precommit_file,
        "long-line": long_run_line,
        "nested": nested_substitutions,
        "heredoc": huge_heredoc,
        "stages": stage_chain,
    }
    if kind not in makers:
        print(f"unknown kind {kind!r}; one of {', '.join(makers)}", file=sys.stderr)
        return 2
    sys.stdout.write(makers[kind]())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
