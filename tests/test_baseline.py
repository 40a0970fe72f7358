"""`dflint check --add-ignore`: a baseline of pragmas, which DF900 later trims."""

from __future__ import annotations

import pytest

from pathlib import Path

from dflint.cli import main


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Runs here never read or fill the user's result cache."""
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path_factory.mktemp("dflint-cache")))


def test_add_ignore_then_clean_then_trim(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text('select = ["DF002", "DL3061", "DF900"]\n')
    path = tmp_path / "Dockerfile"
    path.write_bytes(
        b"ENV A=1\r\nFROM alpine:3.20\r\n  RUN apk add \\\r\n\r\n    curl\r\n# dflint: ignore=DL3061\r\nCMD sh\r\n"
    )
    assert main(["check", "--add-ignore", "Dockerfile"]) == 0
    assert "added 2 ignore pragmas in 1 file" in capsys.readouterr().err
    assert path.read_bytes() == (
        b"# dflint: ignore=DL3061\r\nENV A=1\r\nFROM alpine:3.20\r\n  # dflint: ignore=DF002\r\n  RUN apk add \\\r\n"
        b"\r\n    curl\r\n# dflint: ignore=DL3061\r\nCMD sh\r\n"
    )
    assert main(["check", "Dockerfile"]) == 1  # only the stale pragma above CMD is left
    out = capsys.readouterr().out
    assert "DF900" in out and "DF002" not in out
    assert main(["fix", "Dockerfile"]) == 0
    assert b"CMD sh" in path.read_bytes() and path.read_bytes().count(b"dflint: ignore") == 2


def test_add_ignore_extends_an_existing_pragma(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text('select = ["DF002", "DL3061"]\n')
    path = tmp_path / "Dockerfile"
    path.write_text("# dflint: ignore=DF002  # why\nENV A=1 \\\n\n    B=2\nFROM alpine:3.20\n")
    assert main(["check", "--add-ignore", "Dockerfile"]) == 0
    assert path.read_text().splitlines()[0] == "# dflint: ignore=DF002, DL3061  # why"
    assert main(["check", "Dockerfile"]) == 0


def test_files_that_do_not_parse_are_left_alone(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text('select = ["DF001", "DL3061"]\n')
    path = tmp_path / "Dockerfile"
    path.write_text("ENV A=1\nRUNN x\nFROM alpine\n")
    assert main(["check", "--add-ignore", "Dockerfile"]) == 0
    assert path.read_text() == "ENV A=1\nRUNN x\nFROM alpine\n"
