"""DF505 secret-file-copied against a real build context on disk: a temporary folder with a
Dockerfile, files and a .dockerignore (with and without ``!`` exceptions), linted with that
folder as the context, through the engine and through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dflint.cli import main
from dflint.engine import Settings, lint
from dflint.registry import Registry
from dflint.source import SourceFile

PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----\n"


def make_context(root: Path, files: dict[str, str], dockerfile: str, name: str = "Dockerfile") -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    path = root / name
    path.write_text(dockerfile)
    return path


def df505(dockerfile: Path, context: Path | None) -> list:
    registry = Registry.load()
    rule = registry.get("DF505")
    settings = Settings(rules=[rule()], context_dir=context)
    result = lint(SourceFile(dockerfile.read_text(), str(dockerfile)), settings, registry)
    return [d for d in result.diagnostics if d.code == "DF505"]


APP = {"app.py": "print('hi')\n", "requirements.txt": "flask==3.0.3\n"}
COPY_ALL = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"


def test_copy_all_takes_secrets_that_the_dockerignore_leaves_in(tmp_path: Path) -> None:
    files = {
        **APP,
        ".env": "DATABASE_URL=postgres://app:secret@db/app\n",
        "deploy/id_ed25519": PRIVATE_KEY,
        ".aws/credentials": "[default]\naws_access_key_id = AKIAEXAMPLE\n",
        ".dockerignore": ".git\n__pycache__\n*.md\n",
    }
    found = df505(make_context(tmp_path, files, COPY_ALL), tmp_path)
    assert len(found) == 1
    d = found[0]
    assert (d.line, d.column) == (3, 6)
    for name in (".env", "deploy/id_ed25519", ".aws/credentials"):
        assert f"`{name}`" in d.message
    assert d.severity.value == "error"


def test_dockerignore_that_excludes_them(tmp_path: Path) -> None:
    files = {
        **APP,
        ".env": "SECRET=1\n",
        "deploy/id_ed25519": PRIVATE_KEY,
        ".aws/credentials": "[default]\n",
        ".dockerignore": ".env\n**/id_ed25519\n.aws\n",
    }
    assert df505(make_context(tmp_path, files, COPY_ALL), tmp_path) == []


@pytest.mark.parametrize(
    ("ignore", "reported"),
    [
        ("secrets/\n", False),  # the whole folder is excluded
        ("secrets/\n!secrets/server.key\n", True),  # an exception sends the key after all
        ("secrets/*\n!secrets/server.key\n", True),
        ("secrets/\n!secrets/server.key\nsecrets/server.key\n", False),  # the last match wins
        ("*.key\n**/*.key\n!secrets/ca.key\n", False),  # the exception is for another file
    ],
)
def test_exceptions_in_the_dockerignore(tmp_path: Path, ignore: str, reported: bool) -> None:
    files = {
        **APP,
        "secrets/server.key": PRIVATE_KEY,
        "secrets/ca.key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----\n",
        ".dockerignore": ignore,
    }
    found = df505(make_context(tmp_path, files, COPY_ALL), tmp_path)
    assert bool(found) is reported, found
    if reported:
        assert "`secrets/server.key`" in found[0].message
        assert "ca.key" not in found[0].message  # a public key, by its content


def test_explicit_source_excluded_by_the_dockerignore_is_not_sent(tmp_path: Path) -> None:
    dockerfile = "FROM node:20-slim\nWORKDIR /app\nCOPY .npmrc package.json ./\n"
    files = {"package.json": "{}\n", ".npmrc": "//registry.npmjs.org/:_authToken=npm_abc\n"}
    path = make_context(tmp_path, {**files, ".dockerignore": ".npmrc\n"}, dockerfile)
    assert df505(path, tmp_path) == []
    (tmp_path / ".dockerignore").write_text("*rc\n!.npmrc\n")
    found = df505(path, tmp_path)
    assert [(d.line, d.column) for d in found] == [(3, 6)]
    assert "registry token" in found[0].message


def test_content_decides_for_pem_and_npmrc(tmp_path: Path) -> None:
    files = {
        **APP,
        "certs/ca.pem": CERTIFICATE,
        "certs/tls.pem": PRIVATE_KEY,
        ".npmrc": "registry=https://registry.npmjs.org/\n",
    }
    found = df505(make_context(tmp_path, files, COPY_ALL), tmp_path)
    assert len(found) == 1
    assert "`certs/tls.pem`" in found[0].message
    assert "ca.pem" not in found[0].message and ".npmrc" not in found[0].message


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    files = {**APP, ".env": "SECRET=1\n", ".dockerignore": "*.md\n", "api.Dockerfile.dockerignore": ".env\n"}
    api = make_context(tmp_path, files, COPY_ALL, name="api.Dockerfile")
    assert df505(api, tmp_path) == []
    other = make_context(tmp_path, {}, COPY_ALL, name="worker.Dockerfile")
    assert len(df505(other, tmp_path)) == 1


def test_caches_and_fixtures_are_not_searched(tmp_path: Path) -> None:
    files = {
        **APP,
        "node_modules/ssh2/test/fixtures/id_rsa": PRIVATE_KEY,
        "tests/testdata/server.key": PRIVATE_KEY,
        ".git/config": "[core]\n",
    }
    assert df505(make_context(tmp_path, files, COPY_ALL), tmp_path) == []


def test_unknown_context_reports_only_named_sources(tmp_path: Path) -> None:
    dockerfile = "FROM python:3.12-slim\nCOPY . /app\nCOPY .env /app/.env\n"
    path = make_context(tmp_path, {}, dockerfile)
    found = df505(path, None)
    assert [(d.line, d.column) for d in found] == [(3, 6)]


def test_command_line_with_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    files = {**APP, ".env": "SECRET=1\n", "docker/.keep": ""}
    make_context(project, files, "")
    dockerfile = make_context(project / "docker", {}, COPY_ALL)
    code = main(["check", "--select", "DF505", "--context", str(project), str(dockerfile)])
    out = capsys.readouterr().out
    assert code == 1
    assert "DF505" in out and "`.env`" in out
    (project / ".dockerignore").write_text(".env\n")
    assert main(["check", "--select", "DF505", "--context", str(project), str(dockerfile)]) == 0
