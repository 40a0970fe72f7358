"""dflint.context: the build context as rules see it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import dflint.context as context_module
from dflint.context import BuildContext, build_context, context_path
from dflint.parser import parse
from dflint.rule import Context
from dflint.source import SourceFile


def make(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def ctx_for(text: str, context_dir: Path | None, path: str = "Dockerfile") -> Context:
    return Context(parse(SourceFile(text, path)), context_dir=context_dir)


def paths(matches):
    return [(m.path, m.is_dir) for m in matches]


def test_context_path_cleans_like_buildkit():
    assert context_path(".") == "."
    assert context_path("./") == "."
    assert context_path("/") == "."
    assert context_path("./src/") == "src"
    assert context_path("/etc/x") == "etc/x"
    assert context_path("../../a") == "a"
    assert context_path("a//b/./c/../d") == "a/b/d"


def test_exists_and_folders(tmp_path):
    make(tmp_path, {"app.py": "", "src/main.go": "", "empty/": ""})
    bc = BuildContext(tmp_path)
    assert bc.exists("app.py") and not bc.is_dir("app.py")
    assert bc.exists("./src") and bc.is_dir("src")
    assert bc.exists("empty/")
    assert not bc.exists("missing")
    assert bc.exists(".")
    assert not bc.has_dockerignore


def test_glob_per_segment(tmp_path):
    make(tmp_path, {"src/a/x.go": "", "src/b/y.go": "", "src/c.go": "", "src/.hidden": "", "pkg/a/x.go": ""})
    bc = BuildContext(tmp_path)
    assert paths(bc.glob("src/*")) == [("src/.hidden", False), ("src/a", True), ("src/b", True), ("src/c.go", False)]
    assert paths(bc.glob("src/*.go")) == [("src/c.go", False)]
    assert paths(bc.glob("*/a")) == [("pkg/a", True), ("src/a", True)]
    assert paths(bc.glob("*/*/*.go")) == [("pkg/a/x.go", False), ("src/a/x.go", False), ("src/b/y.go", False)]
    assert paths(bc.glob("src/[ab]")) == [("src/a", True), ("src/b", True)]
    assert paths(bc.glob("src/[^ab]*")) == [("src/.hidden", False), ("src/c.go", False)]
    assert paths(bc.glob("src/?")) == [("src/a", True), ("src/b", True)]
    # `**` is no recursive wildcard in COPY sources: it is `*` twice, one segment
    assert paths(bc.glob("**/x.go")) == []
    assert paths(bc.glob("src/a/x.go")) == [("src/a/x.go", False)]
    assert bc.glob("nothing/*") == []
    assert bc.glob("src/[") is None  # malformed: unknown


def test_glob_escape(tmp_path):
    make(tmp_path, {"a*b": "", "axb": ""})
    bc = BuildContext(tmp_path)
    # an escaped wildcard makes no pattern: fsutil looks the name up as written, backslash included
    assert bc.glob("a\\*b") == []
    assert paths(bc.glob("[a]\\*b")) == [("a*b", False)]  # inside a pattern the escape works
    assert paths(bc.glob("a?b")) == [("a*b", False), ("axb", False)]


def test_dockerignore_in_force(tmp_path):
    make(tmp_path, {".dockerignore": ".git\nnode_modules\n*.md\n!README.md\n", ".git/HEAD": "", "node_modules/x/i.js": "",
                    "README.md": "", "CHANGES.md": "", "src/app.js": ""})
    bc = BuildContext(tmp_path)
    assert bc.has_dockerignore and bc.ignore.name == ".dockerignore"
    assert bc.excluded(".git") and bc.excluded(".git/HEAD")
    assert not bc.exists(".git")
    assert not bc.exists("node_modules/x/i.js")
    assert bc.exists("README.md") and not bc.exists("CHANGES.md")
    assert paths(bc.glob("*")) == [(".dockerignore", False), ("README.md", False), ("src", True)]


def test_excluded_folder_with_exception_is_still_sent(tmp_path):
    make(tmp_path, {".dockerignore": "docs\n!docs/README.md\n", "docs/README.md": "", "docs/other.md": ""})
    bc = BuildContext(tmp_path)
    assert bc.exists("docs")
    assert bc.exists("docs/README.md")
    assert not bc.exists("docs/other.md")
    assert paths(bc.glob("docs/*")) == [("docs/README.md", False)]


def test_bad_dockerignore_excludes_nothing(tmp_path):
    make(tmp_path, {".dockerignore": "[\n", "a": ""})
    bc = BuildContext(tmp_path)
    assert bc.ignore is not None and bc.ignore.matcher is None and bc.ignore.error
    assert not bc.excluded("a")


def test_dockerfile_specific_ignore_file_wins(tmp_path):
    make(tmp_path, {".dockerignore": "a\n", "build.Dockerfile.dockerignore": "b\n", "a": "", "b": "",
                    "build.Dockerfile": "FROM scratch\nCOPY . .\n"})
    ctx = ctx_for("FROM scratch\nCOPY . .\n", tmp_path, str(tmp_path / "build.Dockerfile"))
    bc = build_context(ctx)
    assert bc is not None and bc.ignore.name == "build.Dockerfile.dockerignore"
    assert bc.exists("a") and not bc.exists("b")
    # another Dockerfile in the same folder gets the context's .dockerignore
    other = build_context(ctx_for("FROM scratch\nCOPY . .\n", tmp_path, str(tmp_path / "Dockerfile")))
    assert other is not None and other.ignore.name == ".dockerignore"


def test_dockerfile_specific_ignore_next_to_the_dockerfile(tmp_path):
    ctx_dir = make(tmp_path / "ctx", {"a": "", "b": ""})
    df_dir = make(tmp_path / "docker", {"Dockerfile": "FROM scratch\nCOPY . .\n", "Dockerfile.dockerignore": "a\n"})
    bc = build_context(ctx_for("FROM scratch\nCOPY . .\n", ctx_dir, str(df_dir / "Dockerfile")))
    assert bc is not None and bc.ignore.path == str(df_dir / "Dockerfile.dockerignore")
    assert not bc.exists("a") and bc.exists("b")


def test_build_context_does_not_keep_the_file_alive(tmp_path):
    # asked twice, the same answer (the file's memo); once linted, nothing in dflint.context
    # keeps the Context (its parsed file, scripts, facts) alive
    import gc
    import weakref

    make(tmp_path, {"a": ""})
    ctx = ctx_for("FROM scratch\nCOPY a /\n", tmp_path, str(tmp_path / "Dockerfile"))
    bc = build_context(ctx)
    assert bc is not None and build_context(ctx) is bc
    ref = weakref.ref(ctx)
    del ctx
    gc.collect()
    assert ref() is None


def test_build_context_unknown(tmp_path):
    assert build_context(ctx_for("FROM scratch\n", None)) is None
    assert build_context(ctx_for("FROM scratch\n", tmp_path / "missing")) is None
    (tmp_path / "file").write_text("")
    assert build_context(ctx_for("FROM scratch\n", tmp_path / "file")) is None


def test_build_context_not_this_dockerfiles_folder(tmp_path):
    """A folder without any of the file's plain COPY sources is not its context."""
    make(tmp_path, {"Dockerfile": "", "README.md": ""})
    text = "FROM python:3.12\nCOPY requirements.txt app.py ./\n"
    assert build_context(ctx_for(text, tmp_path)) is None
    (tmp_path / "app.py").write_text("")
    assert build_context(ctx_for(text, tmp_path)) is not None


def test_build_context_folder_of_dockerfiles(tmp_path):
    make(tmp_path, {"0001.Dockerfile": "", "0002.Dockerfile": "", "Dockerfile.dev": ""})
    assert build_context(ctx_for("FROM alpine\nCOPY . /src\n", tmp_path)) is None
    # a file that copies nothing from the context still gets it (there is nothing to check)
    assert build_context(ctx_for("FROM alpine\nRUN true\n", tmp_path)) is not None


def test_cached_per_folder_and_refreshed(tmp_path):
    make(tmp_path, {"a": ""})
    ctx1 = ctx_for("FROM scratch\nCOPY . .\n", tmp_path)
    ctx2 = ctx_for("FROM scratch\nCOPY . .\n", tmp_path)
    bc1, bc2 = build_context(ctx1), build_context(ctx2)
    assert bc1 is bc2
    assert build_context(ctx1) is bc1
    (tmp_path / ".dockerignore").write_text("a\n")
    os.utime(tmp_path / ".dockerignore", (1, 1))
    bc3 = build_context(ctx_for("FROM scratch\nCOPY . .\n", tmp_path))
    assert bc3 is not bc1 and bc3.has_dockerignore


def test_entry_budget(tmp_path, monkeypatch):
    for i in range(30):
        (tmp_path / f"d{i:02}").mkdir()
    monkeypatch.setattr(context_module, "MAX_ENTRIES", 10)
    bc = BuildContext(tmp_path)
    assert bc.glob("*") is None  # cut short: unknown, not a wrong answer
    assert bc.truncated
    assert len(bc.listdir(".")) == 10


def test_unreadable_folder_never_raises(tmp_path):
    make(tmp_path, {"locked/x": "", "ok/y": ""})
    locked = tmp_path / "locked"
    locked.chmod(0)
    try:
        bc = BuildContext(tmp_path)
        if os.geteuid() != 0:
            assert bc.listdir("locked") is None
            assert paths(bc.glob("locked/*")) == []
        assert paths(bc.glob("*")) == [("locked", True), ("ok", True)]
    finally:
        locked.chmod(0o755)


def test_symlinks_are_not_folders(tmp_path):
    make(tmp_path, {"real/x": ""})
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    bc = BuildContext(tmp_path)
    assert paths(bc.glob("*")) == [("dangling", False), ("link", False), ("real", True)]
    assert bc.exists("dangling") and not bc.is_dir("link")


def test_read_text(tmp_path):
    make(tmp_path, {"package.json": '{"workspaces": ["a"]}', "dir/": ""})
    bc = BuildContext(tmp_path)
    assert '"workspaces"' in bc.read_text("package.json")
    assert bc.read_text("package.json", limit=5) == '{"wor'
    assert bc.read_text("dir") is None
    assert bc.read_text("missing") is None


@pytest.mark.parametrize("source", ["src/*", "./src/*", "/src/*"])
def test_glob_accepts_source_spellings(tmp_path, source):
    make(tmp_path, {"src/a/x": ""})
    assert paths(BuildContext(tmp_path).glob(source)) == [("src/a", True)]
