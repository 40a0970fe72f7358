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
