"""`dflint fix` over a whole corpus: no file gains a DF001, and a second run changes nothing.

    .venv/bin/python benchmarks/fix_corpus.py [--corpus DIR] [--unsafe-fixes] [--keep DIR]

The corpus (default /work/shared/corpus/files) is copied to a temporary folder, so nothing of it
is touched. Then, with the real command line (``python -m dflint``, no result cache):

1. ``check --select DF001`` on the copy: the files with a syntax error before;
2. ``fix`` (``--unsafe-fixes`` adds the Unsafe fixes, the multi-stage rewrite among them);
3. ``check --select DF001`` again: a file with a DF001 now that had none before is a fix bug;
4. ``fix --diff``: a second run must have nothing left to change (exit 0, empty diff); every file
   it would change is listed;
5. internal errors (DF000, exit 3) of any step.

It prints how many files changed, the counts of each check, and exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_CORPUS = Path("/work/shared/corpus/files")


def dflint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dflint", *args, "--no-cache"], capture_output=True, text=True)


def files_with(code: str, folder: Path) -> dict[str, int]:
    """{path: count} of findings with `code` (DF000 and DF001 are reported whatever is selected)."""
    proc = dflint("check", "--format", "json", "--exit-zero", "--select", "DF001", str(folder))
    if proc.returncode not in (0, 1):
        raise SystemExit(f"dflint check failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    found: dict[str, int] = {}
    for item in json.loads(proc.stdout or "[]"):
        if item.get("code") == code:
            path = item["path"]
            found[path] = found.get(path, 0) + 1
    return found


def digest(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--unsafe-fixes", action="store_true")
    ap.add_argument("--keep", type=Path, help="copy the corpus here (kept) instead of a temporary folder")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    tmp = None
    if args.keep:
        work = args.keep
        if work.exists():
            shutil.rmtree(work)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="dflint-fix-corpus-")
        work = Path(tmp.name) / "files"
    shutil.copytree(args.corpus, work)
    try:
        before = digest(work)
        syntax_before = files_with("DF001", work)
        extra = ["--unsafe-fixes"] if args.unsafe_fixes else []
        first = dflint("fix", *extra, "--exit-zero", str(work))
        after = digest(work)
        changed = [p for p in before if before[p] != after.get(p)]
        syntax_after = files_with("DF001", work)
        gained = sorted(p for p in syntax_after if p not in syntax_before)
        second = dflint("fix", *extra, "--diff", str(work))
        unsettled = sorted({line[4:].strip() for line in second.stdout.splitlines() if line.startswith("+++ ")})
        internal = [r for r in (first, second) if r.returncode == 3 or "DF000" in r.stdout]
        print(f"corpus: {len(before)} files ({args.corpus}); fix{' --unsafe-fixes' if args.unsafe_fixes else ''}")
        print(f"  changed by the first run:            {len(changed)}")
        print(f"  files with DF001 before / after:     {len(syntax_before)} / {len(syntax_after)}")
        print(f"  files that gained a DF001:           {len(gained)}")
        print(f"  files a second run would change:     {len(unsettled)} (exit {second.returncode})")
        print(f"  runs with an internal error (exit 3): {len(internal)}")
        for p in gained:
            print(f"    gained DF001: {p}")
        for p in unsettled:
            print(f"    not idempotent: {p}")
        for r in internal:
            print(f"    internal error: {r.stderr.strip()[:300]}")
        return 1 if gained or unsettled or internal or second.returncode != 0 else 0
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
