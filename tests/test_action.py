"""The GitHub Action (action.yml): its inputs reach the shell safely, and its literal `run:`
scripts do what they promise, run under bash with GitHub's environment emulated.

How GitHub runs a composite action's step, and how the test emulates it:

- GitHub evaluates the ``${{ … }}`` expressions of a step's ``env:`` (``inputs.<name>``, with the
  input's default when the workflow does not set it, and ``steps.<id>.outputs.<name>``), then runs
  the ``run:`` script with ``bash --noprofile --norc -eo pipefail <script>`` in the workspace.
  Composite actions get no ``INPUT_<NAME>`` variables, so ``env:`` is the only way in; the test
  evaluates exactly those expressions (and fails on any other kind).
- The environment files: ``GITHUB_OUTPUT`` (``name=value`` lines, read back as the step's
  outputs) and ``GITHUB_STEP_SUMMARY`` are temporary files; ``RUNNER_TEMP`` a temporary folder;
  ``GITHUB_ACTION_PATH`` this repository (the action's checkout), seen through a path with a
  space to prove the quoting.
- The install step runs for real except for the network: a stub ``python3`` first on PATH
  creates the "virtualenv" with a ``python`` that records ``-m pip install …`` instead of
  installing (and runs the real interpreter for anything else) and a ``dflint`` that is this
  venv's dflint. So the lint step runs the dflint of this working tree, and the test checks that
  the install step asked pip for exactly ``$GITHUB_ACTION_PATH``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")

BAD = "FROM alpine:3.20\nRUN apk add \\\n\n    curl\n"  # DF002 (warning, safe fix)
CONFIG = 'select = ["DF002", "DL3061"]\n'


# ------------------------------------------------------------------------------------------
# Static checks of action.yml


def test_action_is_composite_with_the_documented_inputs_and_outputs():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "config", "fail-level", "fix", "sarif-file", "args"}
    assert ACTION["inputs"]["fix"]["default"] == "false"
    assert set(ACTION["outputs"]) == {"findings", "sarif-file"}
    for output in ACTION["outputs"].values():
        assert EXPRESSION.fullmatch(output["value"])


def test_no_expression_inside_run_and_no_eval():
    """Every input reaches the shell through `env:` and quoted variables only: a `${{ }}` inside
    `run:` would paste the input's text into the script (script injection)."""
    for step in STEPS:
        if "run" not in step:
            continue
        script = step["run"]
        assert "${{" not in script, f"step {step.get('name')!r} has an expression inside run:"
        assert not re.search(r"(^|[\s;&|(])eval\b", script), f"step {step.get('name')!r} uses eval"
        assert step.get("shell") == "bash"
        for name in re.findall(r"\bINPUT_\w+", script):
            pytest.fail(f"{name}: composite actions get no INPUT_ variables; use env:")


def test_every_input_reaches_a_step_through_env():
    used = set()
    for step in STEPS:
        for key, value in (step.get("env") or {}).items():
            m = EXPRESSION.fullmatch(str(value))
            assert m, f"env {key}: only a whole ${{{{ }}}} expression, got {value!r}"
            if m.group(1).startswith("inputs."):
                used.add(m.group(1).removeprefix("inputs."))
    assert used == set(ACTION["inputs"])


def test_the_action_installs_its_own_checkout():
    install = next(step for step in STEPS if step.get("id") == "install")
    assert '"${GITHUB_ACTION_PATH}"' in install["run"]


# ------------------------------------------------------------------------------------------
# Running the literal scripts


STUB_PYTHON3 = """#!/usr/bin/env bash
# a stand-in for the runner's python3: `-m venv DIR` makes a fake virtualenv
if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin"
  cat > "$3/bin/python" <<'EOF'
#!/usr/bin/env bash
if [ "$1" = -m ] && [ "$2" = pip ]; then
  printf '%s\\n' "$@" > "$PIP_LOG"   # record instead of installing
  exit 0
fi
exec "$REAL_PYTHON" "$@"
EOF
  chmod +x "$3/bin/python"
  ln -sf "$REAL_DFLINT" "$3/bin/dflint"
  exit 0
fi
exec "$REAL_PYTHON" "$@"
"""


def _evaluate(value: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("inputs."):
            name = expr.removeprefix("inputs.")
            return inputs.get(name, ACTION["inputs"][name].get("default", ""))
        if expr.startswith("steps."):
            step_id, _, name = expr.removeprefix("steps.").partition(".outputs.")
            return outputs.get(step_id, {}).get(name, "")
        raise AssertionError(f"the emulation does not know the expression {expr!r}")

    return EXPRESSION.sub(one, value)


def _read_outputs(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text("utf-8").splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            out[key] = value
    return out


class Run:
    def __init__(self, returncodes: dict[str, int], stdout: str, stderr: str, outputs: dict, summary: str):
        self.returncodes = returncodes
        self.stdout = stdout
        self.stderr = stderr
        self.outputs = outputs
        self.summary = summary


@pytest.fixture
def runner(tmp_path: Path):
    """Runs the action's steps like GitHub does; returns a `Run`."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".dflint.toml").write_text(CONFIG)
    (workspace / "Dockerfile").write_text(BAD)
    temp = tmp_path / "runner temp"  # a space on purpose
    temp.mkdir()
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "python3").write_text(STUB_PYTHON3)
    (stubs / "python3").chmod(0o755)
    action_path = tmp_path / "action path"
    action_path.symlink_to(ROOT, target_is_directory=True)
    real_dflint = Path(sys.executable).parent / "dflint"
    if not real_dflint.exists():
        pytest.skip("dflint is not installed next to this Python (pip install -e .)")

    def run(inputs: dict[str, str]) -> Run:
        outputs: dict[str, dict[str, str]] = {}
        summary = tmp_path / "step_summary.md"
        summary.write_text("")
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "DFLINT_", "INPUT_"))}
        codes, stdout, stderr = {}, "", ""
        for i, step in enumerate(STEPS):
            output_file = tmp_path / f"output_{i}"
            output_file.write_text("")
            env = {
                **base,
                "PATH": f"{stubs}{os.pathsep}{base.get('PATH', '')}",
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_ACTION_PATH": str(action_path),
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(summary),
                "RUNNER_TEMP": str(temp),
                "NO_COLOR": "1",
                "REAL_PYTHON": sys.executable,
                "REAL_DFLINT": str(real_dflint),
                "PIP_LOG": str(tmp_path / "pip.log"),
            }
            for key, value in (step.get("env") or {}).items():
                env[key] = _evaluate(str(value), inputs, outputs)
            script = tmp_path / f"step_{i}.sh"
            script.write_text(step["run"])
            proc = subprocess.run(
                [BASH, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace, env=env, capture_output=True, text=True, timeout=300,
            )
            codes[step.get("id", str(i))] = proc.returncode
            stdout += proc.stdout
            stderr += proc.stderr
            outputs[step.get("id", str(i))] = _read_outputs(output_file)
            if proc.returncode != 0:
                break
        return Run(codes, stdout, stderr, outputs, summary.read_text("utf-8"))

    run.workspace = workspace  # type: ignore[attr-defined]
    run.tmp = tmp_path  # type: ignore[attr-defined]
    run.action_path = action_path  # type: ignore[attr-defined]
    return run


@needs_bash
def test_install_step_installs_the_action_path_and_names_dflint(runner):
    result = runner({})
    assert result.returncodes["install"] == 0, result.stderr
    pip_args = (runner.tmp / "pip.log").read_text().splitlines()
    assert pip_args[:2] == ["-m", "pip"] and "install" in pip_args
    assert pip_args[-1] == str(runner.action_path)  # one argument, space and all
    installed = result.outputs["install"]
    assert installed["dflint"].endswith("/dflint-action-venv/bin/dflint")
    assert installed["python"].endswith("/dflint-action-venv/bin/python")
    assert "dflint " in result.stdout  # `dflint --version` in the log


@needs_bash
def test_default_run_annotates_summarizes_writes_sarif_and_fails_on_findings(runner):
    (runner.workspace / "sub").mkdir()
    (runner.workspace / "sub" / "app.Dockerfile").write_text(BAD)
    result = runner({})
    assert result.returncodes == {"install": 0, "lint": 1}, result.stderr
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::warning ")]
    assert annotations == [
        "::warning file=Dockerfile,line=3,endLine=3,col=1,title=DF002 no-empty-continuation::"
        "Empty continuation line inside this RUN (fixable with `dflint fix`)",
        "::warning file=sub/app.Dockerfile,line=3,endLine=3,col=1,title=DF002 no-empty-continuation::"
        "Empty continuation line inside this RUN (fixable with `dflint fix`)",
    ]
    assert result.outputs["lint"]["findings"] == "2"
    sarif_path = Path(result.outputs["lint"]["sarif-file"])
    assert sarif_path.parent.name == "runner temp"
    sarif = json.loads(sarif_path.read_text("utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["DF002", "DF002"]
    assert result.summary.startswith("## dflint\n")
    assert result.summary.count("| warning |") == 2


@needs_bash
@pytest.mark.parametrize(
    "level, code",
    [("error", 0), ("warning", 1), ("info", 1), ("style", 1), ("none", 0)],
)
def test_fail_level(runner, level: str, code: int):
    result = runner({"fail-level": level})
    assert result.returncodes["lint"] == code, result.stdout + result.stderr
    assert result.outputs["lint"]["findings"] == "1"
    assert "::warning file=Dockerfile" in result.stdout  # annotated whatever the level


@needs_bash
def test_clean_files_pass_and_say_so(runner):
    (runner.workspace / "Dockerfile").write_text("FROM alpine:3.20\nRUN echo hi\n")
    result = runner({"sarif-file": "reports/dflint.sarif"})
    assert result.returncodes["lint"] == 0, result.stderr
    assert result.outputs["lint"] == {"findings": "0", "sarif-file": "reports/dflint.sarif"}
    assert json.loads((runner.workspace / "reports/dflint.sarif").read_text())["runs"][0]["results"] == []
    assert "All checks passed!" in result.summary
    assert "::" not in result.stdout.replace("dflint ", "")


@needs_bash
def test_fix_rewrites_the_files_first(runner):
    result = runner({"fix": "true"})
    assert result.returncodes["lint"] == 0, result.stdout + result.stderr
    assert (runner.workspace / "Dockerfile").read_text() == "FROM alpine:3.20\nRUN apk add \\\n    curl\n"
    assert result.outputs["lint"]["findings"] == "0"


@needs_bash
def test_paths_config_and_args_inputs(runner):
    ws = runner.workspace
    (ws / "a").mkdir()
    (ws / "a" / "Dockerfile").write_text(BAD)
    (ws / "other.toml").write_text('select = ["DL3061"]\n')
    (ws / "c.Dockerfile").write_text("ENV A=1\nFROM alpine:3.20\n")  # DL3061
    result = runner({"paths": "a\n  c.Dockerfile", "config": "other.toml", "args": "--ignore DF002"})
    assert result.returncodes["lint"] == 1, result.stderr
    assert result.outputs["lint"]["findings"] == "1"
    assert "file=c.Dockerfile" in result.stdout and "file=a/Dockerfile" not in result.stdout


@needs_bash
def test_inputs_are_never_expanded_or_evaluated(runner):
    ws = runner.workspace
    (ws / "x.Dockerfile").write_text(BAD)
    result = runner({
        "paths": "Dockerfile $(touch pwned1) `touch pwned2` *.Dockerfile",
        "args": "--ignore=DL3061;touch${IFS}pwned3",
        "config": ".dflint.toml; touch pwned4",
    })
    assert result.returncodes["lint"] == 2  # no such files, no such config: a usage error
    assert not list(ws.glob("pwned*")) and not list(runner.tmp.glob("pwned*"))
    assert "x.Dockerfile" not in result.stdout  # the glob was not expanded


@needs_bash
@pytest.mark.parametrize("inputs, message", [
    ({"fail-level": "errors"}, "fail-level must be one of"),
    ({"fix": "yes please"}, "fix must be true or false"),
])
def test_bad_inputs_fail_with_an_error_annotation(runner, inputs: dict[str, str], message: str):
    result = runner(inputs)
    assert result.returncodes["lint"] == 2
    assert f"::error title=dflint::{message}" in result.stdout


@needs_bash
def test_more_than_ten_findings_are_capped_with_a_notice_and_all_summarized(runner):
    ws = runner.workspace
    (ws / "Dockerfile").write_text("FROM alpine:3.20\n" + "RUN apk add \\\n\n    curl\n" * 12)
    result = runner({})
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning ")]
    assert len(warnings) == 10
    assert "2 findings were left out of the annotations (2 warnings)" in result.stdout
    assert result.summary.count("| warning |") == 12
    assert result.outputs["lint"]["findings"] == "12"
