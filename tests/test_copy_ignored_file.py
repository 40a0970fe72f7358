"""DF420 copy-ignored-file (BuildKit's CopyIgnoredFile) on real build contexts, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dflint.cli import main

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
COPY README.md ./
COPY config/ ./config/
COPY . .
"""


def make(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def project(root: Path, dockerignore: str | None, dockerfile: str = DOCKERFILE) -> Path:
    make(
        root,
        {
            "Dockerfile": dockerfile,
            "requirements.txt": "flask\n",
            "README.md": "# app\n",
            "CHANGELOG.md": "# changes\n",
            "app.py": "print('hi')\n",
            "config/settings.toml": "debug = false\n",
            "config/local.toml": "debug = true\n",
            ".git/HEAD": "ref: refs/heads/main\n",
        },
    )
    if dockerignore is not None:
        (root / ".dockerignore").write_text(dockerignore)
    return root


def check(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["check", "--isolated", "--no-color", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def df420(findings: list[dict]) -> list[tuple[int, int, str]]:
    return [(f["line"], f["column"], f["message"]) for f in findings if f["code"] == "DF420"]


def test_excluded_file_and_folder_without_exceptions(tmp_path, capsys):
    root = project(tmp_path, ".git\n*.md\nconfig\n")
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    hits = df420(findings)
    assert code == 1
    assert [(line, col) for line, col, _ in hits] == [(4, 6), (5, 6)]
    assert "`README.md`" in hits[0][2] and "pattern `*.md`" in hits[0][2] and ".dockerignore" in hits[0][2]
    assert "`config/`" in hits[1][2] and "pattern `config`" in hits[1][2]
    assert findings[0]["name"] == "copy-ignored-file" and findings[0]["severity"] == "warning"


def test_exceptions_re_include_the_copied_paths(tmp_path, capsys):
    # BuildKit skips its check for any .dockerignore with an exception; dflint applies them
    root = project(tmp_path, ".git\n*.md\n!README.md\nconfig/*\n!config/settings.toml\n")
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert df420(findings) == []
    assert code == 0


def test_an_exception_for_another_path_does_not_hide_the_excluded_one(tmp_path, capsys):
    root = project(tmp_path, "*.md\n!CHANGELOG.md\n")
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert [(line, col) for line, col, _ in df420(findings)] == [(4, 6)]
    assert code == 1


def test_exclude_everything_then_re_include(tmp_path, capsys):
    dockerfile = "FROM python:3.12-slim\nCOPY . /app\nCOPY app.py requirements.txt /app/\nCOPY README.md /app/\n"
    root = project(tmp_path, "*\n!app.py\n!requirements.txt\n", dockerfile)
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert [(line, col) for line, col, _ in df420(findings)] == [(4, 6)]
    # with no exception at all, `COPY .` copies nothing
    (root / ".dockerignore").write_text("*\n")
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    hits = df420(findings)
    assert [(line, col) for line, col, _ in hits] == [(2, 6), (3, 6), (3, 13), (4, 6)]
    assert "copies nothing" in hits[0][2]


def test_without_dockerignore_nothing_is_reported(tmp_path, capsys):
    root = project(tmp_path, None)
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert df420(findings) == [] and code == 0


def test_dockerfile_specific_ignore_file_next_to_the_dockerfile(tmp_path, capsys):
    root = project(tmp_path, ".git\n")
    docker = root / "docker"
    docker.mkdir()
    (docker / "app.Dockerfile").write_text(DOCKERFILE)
    (docker / "app.Dockerfile.dockerignore").write_text("config\n")
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(docker / "app.Dockerfile"))
    hits = df420(findings)
    assert [(line, col) for line, col, _ in hits] == [(5, 6)]
    assert "app.Dockerfile.dockerignore" in hits[0][2]
    # the plain Dockerfile at the root keeps using .dockerignore, which excludes only .git
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert df420(findings) == []


def test_copy_from_and_heredocs_are_never_checked(tmp_path, capsys):
    dockerfile = (
        "# syntax=docker/dockerfile:1\n"
        "FROM python:3.12-slim AS build\n"
        "RUN mkdir -p /out/config\n"
        "FROM python:3.12-slim\n"
        "COPY --from=build /out/config /app/config\n"
        "COPY <<EOF /app/README.md\n"
        "hello\n"
        "EOF\n"
        "COPY app.py /app/\n"
    )
    root = project(tmp_path, "*.md\nconfig\nEOF\n", dockerfile)
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert df420(findings) == [] and code == 0


@pytest.mark.parametrize("selector", ["CopyIgnoredFile", "copy-ignored-file", "DF420"])
def test_buildkit_name_selects_and_ignores(tmp_path, capsys, selector):
    root = project(tmp_path, "*.md\n")
    code, findings = check(capsys, "--select", selector, "--context", str(root), str(root / "Dockerfile"))
    assert len(df420(findings)) == 1
    code, findings = check(capsys, "--select", "DF420", "--ignore", selector, "--context", str(root), str(root / "Dockerfile"))
    assert df420(findings) == []


def test_check_skip_directive(tmp_path, capsys):
    root = project(tmp_path, "*.md\n", "# check=skip=CopyIgnoredFile\n" + DOCKERFILE)
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert df420(findings) == []
    dockerfile = DOCKERFILE.replace("COPY README.md", "# check=skip=CopyIgnoredFile\nCOPY README.md")
    (root / "Dockerfile").write_text(dockerfile)
    (root / ".dockerignore").write_text("*.md\nconfig\n")
    code, findings = check(capsys, "--select", "DF420", "--context", str(root), str(root / "Dockerfile"))
    assert [(line, col) for line, col, _ in df420(findings)] == [(6, 6)]
