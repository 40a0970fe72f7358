"""The golden rewrites of examples/: every example's `Dockerfile.optimized` is what
`dflint fix --unsafe-fixes` makes of its `Dockerfile` (the example's folder as build context).

Covers every `Dockerfile` under examples/, at any depth: the buildable projects
(examples/<name>/, built and run by tests/test_e2e_optimize.py) and the golden-file-only ones on
the official toolchain images (examples/toolchain-images/<name>/).

- An example the optimizer rewrites has `Dockerfile.optimized`, equal byte for byte to what the
  fix prints, and it must be a correct multi-stage build: it passes
  `dflint.optimize.verify.check_rewrite`, the stage it ships is not the build stage, gets
  `COPY --from=` of the build stage, and installs no compiler or `-dev` package.
- An example the optimizer refuses has `refusal.txt` next to it (a text the refusal's reason
  contains) and its `Dockerfile.optimized` is the fix's output, still one stage: the refusal is
  recorded, not hidden.
- An example DF200 has nothing to say about (`NO_REWRITE`, with the reason) has no golden.

Regenerate every golden (and refusal.txt) in one command after the optimizer changes:

    DFLINT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_examples.py -q

then read the diff (`git diff examples/`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dflint.optimize import Options, Refusal, plan_rewrite
from dflint.optimize.verify import check_rewrite
from dflint.packages import package_commands
from dflint.parser import parse
from dflint.rule import Context
from dflint.source import SourceFile
from dflint.toolchain import evidence

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
UPDATE = os.environ.get("DFLINT_UPDATE_GOLDEN") == "1"
ALL = sorted(p.parent for p in EXAMPLES_DIR.rglob("Dockerfile"))
IDS = [str(p.relative_to(EXAMPLES_DIR)) for p in ALL]

#: Examples DF200 (ships-toolchain) does not fire on, and why: they get no golden rewrite.
NO_REWRITE = {
    "python-api": "pip installs wheels only and no compiler is installed: nothing to move out",
    "multistage-unused": "already a multi-stage build whose shipped stage has no compiler",
}

#: Packages that must not be installed in a rewrite's shipped stage.
_BUILD_PACKAGES = frozenset(
    "gcc g++ cc clang make cmake build-essential golang-go golang cargo rustc default-jdk maven gradle "
    "python3-dev python-dev pkg-config musl-dev".split())  # (npm stays when CMD is `npm start`)


def _fix(example: Path) -> str:
    text = (example / "Dockerfile").read_text()
    proc = subprocess.run(
        [sys.executable, "-m", "dflint", "fix", "--unsafe-fixes", "--stdin-filename",
         str((example / "Dockerfile").relative_to(ROOT)), "-"],
        input=text, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def _plan(example: Path):
    text = (example / "Dockerfile").read_text()
    ctx = Context(parse(SourceFile(text, str(example / "Dockerfile"))), context_dir=example)
    ev = evidence(ctx)
    return None if ev is None else plan_rewrite(ctx, ev, Options())


def _shipped_stage_problems(text: str) -> list[str]:
    """Independent of verify.py: the shipped stage is a fresh stage fed by COPY --from= of the
    build stage, with no compiler or -dev package installed in it."""
    ctx = Context(parse(SourceFile(text, "Dockerfile.optimized")))
    graph = ctx.graph
    problems = []
    if len(graph.stages) < 2:
        return ["the rewrite has a single stage"]
    final = graph.stages[graph.target] if isinstance(graph.target, int) else graph.stages[-1]
    if final.base_stage is not None:
        problems.append(f"the shipped stage is FROM the build stage ({final.base})")
    copies_from = [i for i in final.instructions if i.name == "COPY" and i.flag("from") is not None]
    if not copies_from:
        problems.append("the shipped stage has no COPY --from=")
    for instr in final.instructions:
        script = ctx.script(instr) if instr.name == "RUN" else None
        if script is None:
            continue
        for pc in package_commands(script):
            if pc.action != "install":
                continue
            for pkg in pc.packages:
                name = pkg.name
                if name in _BUILD_PACKAGES or name.endswith("-dev") or name.endswith("-devel") \
                        or name.startswith(("openjdk-", "temurin-")) and name.endswith("-jdk"):
                    problems.append(f"the shipped stage installs {name} (line {instr.line})")
    return problems


def test_examples_are_found():
    names = {str(p.relative_to(EXAMPLES_DIR)) for p in ALL}
    assert len([n for n in names if "/" not in n and n not in NO_REWRITE]) >= 10, names
    for tool in ("golang", "rust", "maven", "node", "python", "dotnet"):
        assert f"toolchain-images/{tool}" in names, f"no toolchain-image example for {tool}"
    assert set(NO_REWRITE) <= names


@pytest.mark.parametrize("example", ALL, ids=IDS)
def test_golden(example: Path):
    name = str(example.relative_to(EXAMPLES_DIR))
    golden = example / "Dockerfile.optimized"
    refusal = example / "refusal.txt"
    if name in NO_REWRITE:
        assert _plan(example) is None, f"{name}: DF200 now fires; give it a golden and drop it from NO_REWRITE"
        assert not golden.exists(), f"{name} is in NO_REWRITE but has {golden.name}"
        return
    result = _plan(example)
    assert result is not None, f"{name}: DF200 does not fire"
    out = _fix(example)
    if UPDATE:
        golden.write_text(out)
        if isinstance(result, Refusal):
            refusal.write_text(result.reason + "\n")
        elif refusal.exists():
            refusal.unlink()
    assert golden.is_file(), f"{name} has no {golden.name} (DFLINT_UPDATE_GOLDEN=1 writes it)"
    assert out == golden.read_text(), f"{name}: the rewrite changed (DFLINT_UPDATE_GOLDEN=1 rewrites it)"
    original = (example / "Dockerfile").read_text()
    if isinstance(result, Refusal):
        assert refusal.is_file(), f"{name} is refused ({result.reason}) but has no refusal.txt"
        assert refusal.read_text().strip() in result.reason
        assert out.count("\nFROM ") + out.startswith("FROM ") == original.count("\nFROM ") + original.startswith(
            "FROM "), f"{name}: refused, yet the fix added a stage"
        return
    assert not refusal.exists(), f"{name} is rewritten now: delete {refusal.name}"
    assert check_rewrite(original, out, str(example / "Dockerfile"), example) == []
    assert _shipped_stage_problems(out) == []
