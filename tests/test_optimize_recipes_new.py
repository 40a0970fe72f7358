"""Unit tests of the Crystal and Haskell recipes' tables and helpers (the golden rewrites are in
tests/optimize/crystal-*/ and tests/optimize/haskell-*/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dflint.optimize import Options, Plan, Refusal, plan_rewrite
from dflint.optimize.crystal import crystal_runtime_image, shard_targets
from dflint.optimize.haskell import haskell_release
from dflint.parser import parse
from dflint.rule import Context
from dflint.source import SourceFile
from dflint.toolchain import evidence


@pytest.mark.parametrize("tag, image", [
    ("1.18.2", "ubuntu:24.04"), ("1.13.0", "ubuntu:24.04"), ("1.14", "ubuntu:24.04"), ("1.15.1-build", "ubuntu:24.04"),
    ("1.12.1", "ubuntu:20.04"), ("1.12.0", "ubuntu:20.04"), ("1.0.0", "ubuntu:20.04"), ("0.36.1", "ubuntu:20.04"),
    ("1.12", None), ("1.12.2", None), ("0.35.1", None), ("1.20.0", None), ("latest", None),
    ("1.14.0-alpine", None), ("nightly", None), ("", None),
])
def test_crystal_runtime_image(tag, image):
    assert crystal_runtime_image(tag) == image


def test_shard_targets():
    text = "name: app\ntargets:\n  server:\n    main: src/server.cr\n  # a comment\n  cli:\n    main: src/cli.cr\n" \
           "dependencies:\n  kemal:\n    github: kemalcr/kemal\n"
    assert shard_targets(text) == ["server", "cli"]
    assert shard_targets("name: lib\nversion: 1.0\n") == []


@pytest.mark.parametrize("ref, release", [
    ("haskell:9.4", "bullseye"), ("haskell:9.4.8", "bullseye"), ("haskell:9.4.4", None),
    ("haskell:8", "buster"), ("haskell:8.10.7", "buster"), ("haskell:8.8", "buster"),
    ("haskell:9.10.3-slim-bookworm", "bookworm"), ("haskell:9.12-bullseye", "bullseye"),
    ("haskell:8.6.5", None), ("haskell:9.10", None), ("haskell:latest", None), ("haskell", None),
])
def test_haskell_release(ref, release):
    assert haskell_release(ref) == release


def _plan(text: str, context: Path | None = None, options: Options | None = None):
    ctx = Context(parse(SourceFile(text, "Dockerfile")), context_dir=context)
    return plan_rewrite(ctx, evidence(ctx), options or Options())


def test_crystal_runtime_images_option():
    text = "FROM crystallang/crystal:latest\nWORKDIR /app\nCOPY src src\nRUN crystal build src/app.cr -o app\n" \
           "CMD [\"./app\"]\n"
    assert isinstance(_plan(text), Refusal)
    result = _plan(text, options=Options({"crystallang/crystal": "ubuntu:24.04"}))
    assert isinstance(result, Plan) and "ship ubuntu:24.04 with /app/app" in result.title


@pytest.mark.parametrize("cmd", ['CMD ["crystal", "run", "src/app.cr"]', "CMD shards run", 'CMD ["./other"]'])
def test_crystal_refusals(cmd):
    text = f"FROM crystallang/crystal:1.14.0\nWORKDIR /app\nCOPY src src\nRUN crystal build src/app.cr\n{cmd}\n"
    assert isinstance(_plan(text), Refusal)


def test_crystal_script_from_whole_context_is_refused():
    text = "FROM crystallang/crystal:1.14.0\nWORKDIR /app\nCOPY . .\nRUN shards build --release\nCMD bash run.sh\n"
    result = _plan(text)
    assert isinstance(result, Refusal)


def test_haskell_executable_checked_against_the_cabal_file(tmp_path):
    (tmp_path / "svc.cabal").write_text("name: svc\nversion: 0.1\n\nexecutable svc-server\n  main-is: Main.hs\n")
    base = "FROM haskell:9.4\nWORKDIR /src\nCOPY . .\nRUN cabal update && cabal install\n"
    assert isinstance(_plan(base + 'CMD ["svc-server"]\n', tmp_path), Plan)
    result = _plan(base + 'CMD ["curl"]\n', tmp_path)
    assert isinstance(result, Refusal) and "not an executable of the package" in result.reason


@pytest.mark.parametrize("cmd", ['CMD ["cabal", "run", "app"]', 'CMD ["stack", "exec", "app"]', 'CMD ["runghc", "Main.hs"]',
                                 'CMD ["bash"]', 'CMD ["$APP"]'])
def test_haskell_refusals(cmd):
    text = f"FROM haskell:9.4\nWORKDIR /src\nCOPY . .\nRUN cabal update && cabal install\n{cmd}\n"
    assert isinstance(_plan(text), Refusal)


def test_haskell_path_inside_dist_newstyle():
    text = ("FROM haskell:9.10.1-bookworm\nWORKDIR /app\nCOPY . .\nRUN cabal update && cabal build\n"
            "RUN cp $(find dist-newstyle -name api -type f) /app/dist-newstyle/api\nCMD [\"/app/dist-newstyle/api\"]\n")
    result = _plan(text)
    assert isinstance(result, Plan), getattr(result, "reason", "")
    assert "ship debian:bookworm-slim with /app/dist-newstyle/api" in result.title
