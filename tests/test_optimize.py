"""The multi-stage optimizer (DF200's fix): golden rewrites, refusals and the examples.

Each folder of tests/optimize holds a `Dockerfile` and either `expected.Dockerfile` (the
rewrite, byte for byte) or `refusal.txt` (a text the refusal's reason contains); any other file
there is build context. Every rewrite must also pass `dflint.optimize.verify.check_rewrite`: it
parses, a second fix changes nothing, no new error-severity finding, every runtime instruction is
still shipped, and what ENTRYPOINT/CMD runs is copied.

`examples/<name>/Dockerfile.optimized` is what `dflint fix --unsafe-fixes` makes of
`examples/<name>/Dockerfile` (every rule's fixes, with the example folder as build context).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dflint.engine import Settings, fix, lint
from dflint.fix import Applicability, apply_edits
from dflint.optimize import Options, Plan, Refusal, plan_rewrite
from dflint.optimize.verify import check_rewrite
from dflint.parser import parse
from dflint.registry import Registry
from dflint.rule import Context
from dflint.source import SourceFile
from dflint.toolchain import evidence

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(p for p in (ROOT / "tests" / "optimize").iterdir() if (p / "Dockerfile").is_file())
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/Dockerfile.optimized"))
UPDATE = os.environ.get("DFLINT_UPDATE_GOLDEN") == "1"


def _context(folder: Path) -> Path | None:
    others = [p for p in folder.iterdir() if p.name not in ("Dockerfile", "expected.Dockerfile", "refusal.txt")]
    return folder if others else None


def _plan(folder: Path) -> tuple[str, Plan | Refusal]:
    text = (folder / "Dockerfile").read_text()
    ctx = Context(parse(SourceFile(text, str(folder / "Dockerfile"))), context_dir=_context(folder))
    ev = evidence(ctx)
    assert ev is not None, "DF200 does not fire"
    return text, plan_rewrite(ctx, ev, Options())


def _df200_fix(text: str, folder: Path | None, path: str = "Dockerfile") -> str:
    registry = Registry.load()
    rules = [cls() for cls in registry.select(["DF200"], (), ())]
    settings = Settings(rules=rules, context_dir=folder)
    outcome = fix(SourceFile(text, path), settings, registry, unsafe=True)
    assert outcome.problems == []
    return outcome.text


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_golden(folder: Path):
    text, result = _plan(folder)
    refusal = folder / "refusal.txt"
    if refusal.exists():
        assert isinstance(result, Refusal), f"expected a refusal, got: {getattr(result, 'title', '')}"
        assert refusal.read_text().strip() in result.reason
        return
    assert isinstance(result, Plan), f"refused: {getattr(result, 'reason', '')}"
    new = apply_edits(text, result.edits())
    expected = folder / "expected.Dockerfile"
    if UPDATE:
        expected.write_text(new)
    assert new == expected.read_text()
    # through the fix engine (DF200 alone): the same text, and a second round changes nothing
    ctx_dir = _context(folder)
    assert _df200_fix(text, ctx_dir, str(folder / "Dockerfile")) == new
    assert _df200_fix(new, ctx_dir, str(folder / "Dockerfile")) == new
    assert check_rewrite(text, new, "Dockerfile", ctx_dir) == []


def test_every_recipe_has_a_golden_case():
    recipes = set()
    for folder in CASES:
        if (folder / "expected.Dockerfile").exists():
            _, result = _plan(folder)
            recipes.add(result.recipe)
    assert recipes >= {"go", "c", "rust", "node", "python", "java", "ruby", "dotnet"}


def test_refusal_offers_a_display_only_skeleton():
    folder = ROOT / "tests" / "optimize" / "refuse-unknown-dev-package"
    text = (folder / "Dockerfile").read_text()
    registry = Registry.load()
    rules = [cls() for cls in registry.select(["DF200"], (), ())]
    result = lint(SourceFile(text, "Dockerfile"), Settings(rules=rules), registry)
    (d,) = [d for d in result.diagnostics if d.code == "DF200"]
    assert d.fix is not None and d.fix.applicability is Applicability.DISPLAY_ONLY
    assert "libfrobnicate-dev" in d.fix.title
    skeleton = apply_edits(text, d.fix.edits)
    assert "FROM debian:bookworm-slim AS build" in skeleton
    assert "# dflint: COPY --from=build" in skeleton
    assert not any(e.code == "DF001" for e in parse(SourceFile(skeleton, "Dockerfile")).errors)


def test_runtime_images_option_overrides_the_table():
    folder = ROOT / "tests" / "optimize" / "go-static-golang"
    text = (folder / "Dockerfile").read_text()
    ctx = Context(parse(SourceFile(text, "Dockerfile")), context_dir=folder)
    result = plan_rewrite(ctx, evidence(ctx), Options({"static": "registry.example.com/static:nonroot"}))
    assert isinstance(result, Plan)
    assert "FROM registry.example.com/static:nonroot\n" in apply_edits(text, result.edits())


def test_crlf_file_stays_crlf():
    folder = ROOT / "tests" / "optimize" / "go-static-golang"
    text = (folder / "Dockerfile").read_text().replace("\n", "\r\n")
    new = _df200_fix(text, folder)
    assert new != text
    assert "\n" not in new.replace("\r\n", "")


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_golden(example: Path):
    """`dflint fix --unsafe-fixes` of the example gives its Dockerfile.optimized."""
    import subprocess
    import sys

    text = (example / "Dockerfile").read_text()
    proc = subprocess.run(
        [sys.executable, "-m", "dflint", "fix", "--unsafe-fixes", "--stdin-filename",
         str(example.relative_to(ROOT) / "Dockerfile"), "-"],
        input=text, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode in (0, 1), proc.stderr
    golden = example / "Dockerfile.optimized"
    if UPDATE:
        golden.write_text(proc.stdout)
    assert proc.stdout == golden.read_text()
    assert check_rewrite(text, proc.stdout, str(example / "Dockerfile"), example) == []


def test_runtime_library_table_additions():
    from dflint.optimize.runtime import runtime_library

    assert runtime_library("apt", "libbluetooth-dev", "bookworm").packages == ("libbluetooth3",)
    assert runtime_library("apt", "tk-dev", "bookworm").packages == ("libtk8.6",)
    assert runtime_library("apt", "libelf-dev", "trixie").packages == ("libelf1t64",)
    assert runtime_library("apt", "libelf-dev", None).unknown
    assert runtime_library("apt", "libclang-dev", "bookworm").packages == ()
    assert runtime_library("apk", "bluez-dev", None).packages == ("bluez-libs",)


def test_bare_program_name_is_copied_onto_the_path():
    """`CMD ["api"]` after `cargo install` (into /usr/local/cargo/bin, not on a slim Debian's
    PATH): the binary goes to /usr/local/bin."""
    text = ("FROM rust:1.79\nWORKDIR /src\nCOPY . .\nRUN cargo install --path . --bin api\n"
            'CMD ["api"]\n')
    ctx = Context(parse(SourceFile(text, "Dockerfile")))
    result = plan_rewrite(ctx, evidence(ctx), Options())
    assert isinstance(result, Plan)
    new = apply_edits(text, result.edits())
    assert "COPY --from=build /usr/local/cargo/bin/api /usr/local/bin/api\n" in new
    assert check_rewrite(text, new) == []


def _draft_of(text: str, files: dict[str, str] | None, tmp_path: Path):
    folder = None
    if files is not None:
        folder = tmp_path
        for name, content in files.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(content)
    ctx = Context(parse(SourceFile(text, str(tmp_path / "Dockerfile"))), context_dir=folder)
    result = plan_rewrite(ctx, evidence(ctx), Options())
    assert isinstance(result, Plan), getattr(result, "reason", "")
    return result.draft, apply_edits(text, result.edits())


_NODE = ("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN {install}\nRUN npm run build\n"
         'CMD ["node", "dist/server.js"]\n')
_TSCONFIG = '{"compilerOptions": {"outDir": "dist"}}'


@pytest.mark.parametrize(("install", "files", "reason"), [
    ("./scripts/gen.sh && npm ci", {"package.json": "{}", ".dockerignore": "node_modules\n"}, "also runs `gen.sh`"),
    ("npm ci", {"package.json": '{"scripts": {"postinstall": "node fix.js"}}', ".dockerignore": "node_modules\n"},
     "`postinstall` script"),
    ("npm ci", {"package.json": "{}", "node_modules/x/index.js": ""}, "node_modules folder"),
    ("npm ci", {"package.json": '{"workspaces": ["packages/*"]}', ".dockerignore": "node_modules\n"}, "workspaces"),
    ("npm ci", {"package.json": '{"dependencies": {"util": "file:./util"}}'}, "local path"),
    ("npm ci", None, "the build context is unknown"),
])
def test_manifests_first_refused(tmp_path: Path, install: str, files, reason: str):
    """Where moving the install before the sources is not safe, the build stage keeps its order."""
    if files is not None:
        files = {**files, "tsconfig.json": _TSCONFIG}
    text = _NODE.format(install=install)
    draft, new = _draft_of(text, files, tmp_path)
    assert not draft.build_moves
    assert reason in (draft.reorder_skipped or "")
    assert f"COPY . .\nRUN {install}\n" in new


@pytest.mark.parametrize(("requirements", "moved"), [
    ("flask==3.0\npsycopg2  # needs libpq\n--index-url https://pypi.org/simple\n", True),
    ("-e .\n", False),
    ("-r base.txt\n", False),
    ("./wheels/x.whl\n", False),
])
def test_manifests_first_reads_requirements(tmp_path: Path, requirements: str, moved: bool):
    text = ("FROM python:3.12\nRUN apt-get update && apt-get install -y gcc libpq-dev\nWORKDIR /app\nCOPY . .\n"
            'RUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n')
    draft, new = _draft_of(text, {"requirements.txt": requirements, "app.py": ""}, tmp_path)
    assert bool(draft.build_moves) is moved
    if moved:
        assert "COPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n" in new
    assert check_rewrite(text, new, str(tmp_path / "Dockerfile"), tmp_path) == []


@pytest.mark.parametrize(("gomod", "extra", "moved"), [
    ("module x\n\ngo 1.22\n", {}, True),
    ("module x\n\ngo 1.22\n\nreplace example.com/y => ./y\n", {}, False),
    ("module x\n\ngo 1.22\n", {"go.work": "go 1.22\nuse .\n"}, False),
])
def test_manifests_first_reads_go_mod(tmp_path: Path, gomod: str, extra: dict, moved: bool):
    text = ("FROM golang:1.22\nWORKDIR /src\nCOPY --chown=1000:1000 . .\nRUN go mod download\n"
            'RUN CGO_ENABLED=0 go build -o /app .\nCMD ["/app"]\n')
    draft, new = _draft_of(text, {"go.mod": gomod, "main.go": "package main\n", **extra}, tmp_path)
    assert bool(draft.build_moves) is moved
    if moved:
        # no go.sum in the context: only go.mod, with the original COPY's flags
        assert "COPY --chown=1000:1000 go.mod ./\nRUN go mod download\nCOPY --chown=1000:1000 . .\n" in new


def test_compiler_long_options_are_not_compile_only():
    """`-std=c++20` holds the letter c: not `-c` (objects only); `-L$(pg_config --libdir)` is a
    system library folder, not one of the build's."""
    text = ("FROM alpine:3.19\nWORKDIR /usr/src/app\nRUN apk add --no-cache build-base libpq-dev\nCOPY *.cpp ./\n"
            "RUN g++ -O3 -std=c++20 -I$(pg_config --includedir) -o main main.cpp -L$(pg_config --libdir) -lpq\n"
            'CMD ["./main"]\n')
    ctx = Context(parse(SourceFile(text, "Dockerfile")))
    result = plan_rewrite(ctx, evidence(ctx), Options())
    assert isinstance(result, Plan), getattr(result, "reason", "")
    new = apply_edits(text, result.edits())
    assert "COPY --from=build /usr/src/app/main /usr/src/app/main\n" in new
    assert "pg_config --libdir" not in new.split("\nFROM alpine:3.19\n", 1)[1]
    assert check_rewrite(text, new) == []


def test_end_of_life_release_has_no_runtime_image():
    """buildpack-deps:trusty is Ubuntu 14.04: never shipped as the default Debian release."""
    text = ("FROM buildpack-deps:trusty\nWORKDIR /src\nCOPY main.c .\nRUN gcc -O2 -o /usr/local/bin/app main.c\n"
            'CMD ["app"]\n')
    ctx = Context(parse(SourceFile(text, "Dockerfile")))
    result = plan_rewrite(ctx, evidence(ctx), Options())
    assert isinstance(result, Refusal)
    assert "no runtime image is known for buildpack-deps:trusty" in result.reason


@pytest.mark.parametrize("image", ["golang:1.15-buster", "rust:1.50-stretch"])
def test_archived_debian_release_has_no_runtime_image(image):
    """buster and stretch left deb.debian.org: a runtime stage there could not install packages."""
    from dflint.optimize.runtime import toolchain_runtime

    assert toolchain_runtime(image) is None
    assert toolchain_runtime("golang:1.22-bookworm") == "debian:bookworm-slim"


@pytest.mark.parametrize(("argv", "paths"), [
    (["-jar", "app.jar"], ["app.jar"]),
    (["-Dx=1", "-jar", "-Dy=2", "-Dz=3", "target/app.jar", "conf.json"], ["target/app.jar"]),
    (["-cp", "config:lib/*", "com.example.Main"], ["config", "lib"]),
    (["--class-path=.:classes", "Main"], ["classes"]),
    (["-p", "./target/modules/", "-m", "com.example.app"], ["./target/modules/"]),
    (["--add-opens", "java.base/java.lang=ALL-UNNAMED", "-jar", "x.jar"], ["x.jar"]),
    (["-version"], []),
])
def test_java_launch_reads_the_command_line(argv: list[str], paths: list[str]):
    """`java -jar -Dx=y app.jar`: options may follow -jar (the launcher takes the first
    non-option word as the jar); class and module path entries, `lib/*` standing for lib."""
    from dflint.optimize.java import JavaLaunch

    assert JavaLaunch(argv).paths == paths


def test_clojure_unprefixed_lein_tags_are_java_8():
    from dflint.optimize.runtime import java_major, toolchain_runtime

    assert java_major("clojure", "lein-2.8.1") == "8"
    assert java_major("clojure", "lein-2.9.1-alpine") == "8"
    assert java_major("clojure", "lein-2.11.2") is None
    assert java_major("clojure", "temurin-21-lein") == "21"
    assert toolchain_runtime("clojure:lein-2.8.1") == "eclipse-temurin:8-jre"
    assert toolchain_runtime("node") == "node:slim"


@pytest.mark.parametrize(("cmd", "argv", "commands"), [
    ('CMD ["sh", "-c", "app 2>&1 | tee /var/log/app.log"]', ("app",), [("app",), ("tee", "/var/log/app.log")]),
    ('CMD sh -c "exec ./server --port 80"', ("./server", "--port", "80"), [("./server", "--port", "80")]),
    ('CMD ["./server", "-c", "x"]', ("./server", "-c", "x"), None),
])
def test_entry_unwraps_sh_c(cmd: str, argv: tuple[str, ...], commands):
    """`sh -c "SCRIPT"` runs SCRIPT: its program is what a shell form's would be, and every
    command of it is listed (for `check_entry_script`)."""
    from dflint.optimize.facts import StageFacts

    text = f"FROM golang:1.22\nRUN go build -o /usr/local/bin/app .\n{cmd}\n"
    ctx = Context(parse(SourceFile(text, "Dockerfile")))
    entry = StageFacts(ctx, evidence(ctx)).entry
    assert entry.argv == argv
    assert entry.shell_form is (commands is not None)
    assert [c.argv for c in entry.commands] == (commands or [])
