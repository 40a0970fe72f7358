"""Measure DF200 ships-toolchain (and count DF201 final-stage-toolchain-base) over the corpus.

    .venv/bin/python benchmarks/toolchain_eval.py [--corpus DIR] [--labels TSV] [--check] [-v]

The corpus is /work/shared/corpus (``files/NNNN.Dockerfile`` + ``MANIFEST.tsv``); the labels are
benchmarks/toolchain_labels.tsv, hand-made by reading each file: ``id``, ``ships_toolchain``
(yes/no: the image built from the default target keeps a compiler or build toolchain that a build
step in it used, not removed in the layer that installed it), ``shipped_compiler`` (yes/no: the
shipped stage contains a compiler at all, built or not), ``reason`` (one line).

It reports:

1. Recall of DF200 on the files the manifest tags ``ships-compiler`` (a heuristic tag); every miss
   is listed with its label's reason when the file is labelled (the reason says whether the tag
   or the rule is wrong).
2. DF200 on the multi-stage files of the official-image repositories, and in particular on those
   whose shipped stage has no compiler (``shipped_compiler`` = no in the labels): must be none.
3. Precision and recall of DF200 against the hand labels, with every false positive and false
   negative and its reason.
4. How many files each rule fires on, and any DF000 internal error.
5. The multi-stage rewrite (DF200's Unsafe fix) over the files tagged ``ships-compiler`` where
   DF200 fires: how many get a confident rewrite (per recipe), each checked with
   `dflint.optimize.verify.check_rewrite` (re-parses, a second fix changes nothing, no new
   error-severity finding, every runtime instruction still shipped, what ENTRYPOINT/CMD runs
   copied); the refusals grouped by reason and by ecosystem. ``--rewrites-only`` runs only this
   part; ``--list`` prints each file's outcome.

``--check`` exits 1 when (1) is below 90 %, (2) is not zero, a DF000 appears, (5) is below 70 %,
or a rewrite fails its checks.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from dflint.engine import Settings, lint
from dflint.rules.df200_ships_toolchain import ShipsToolchain
from dflint.rules.df201_final_stage_toolchain_base import FinalStageToolchainBase
from dflint.source import SourceFile

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path("/work/shared/corpus")
DEFAULT_LABELS = REPO / "benchmarks" / "toolchain_labels.tsv"

#: The official-image repositories of the corpus (its README's list).
OFFICIAL = frozenset(
    "docker-library/python docker-library/golang docker-library/php docker-library/ruby "
    "docker-library/postgres docker-library/mysql docker-library/redis docker-library/httpd "
    "docker-library/buildpack-deps docker-library/openjdk nodejs/docker-node adoptium/containers "
    "nginxinc/docker-nginx tianon/dockerfiles".split()
)


def run_rules(files: Path) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """{id: {code: [messages]}} for DF200/DF201 over every corpus file, and the DF000 errors."""
    settings = Settings(rules=[ShipsToolchain(), FinalStageToolchainBase()])
    hits: dict[str, dict[str, list[str]]] = {}
    errors: list[str] = []
    for path in sorted(files.glob("*.Dockerfile")):
        fid = path.name.split(".", 1)[0]
        try:
            source = SourceFile.from_bytes(path.read_bytes(), str(path))
        except ValueError as exc:  # a binary file
            errors.append(f"{fid}: {exc}")
            continue
        for d in lint(source, settings).diagnostics:
            if d.code == "DF000":
                errors.append(f"{fid}: {d.message}")
            hits.setdefault(fid, {}).setdefault(d.code, []).append(f"{d.line}: {d.message}")
    return hits, errors


#: Refusal reasons, grouped: (group, pattern on the reason text); the first match wins.
REFUSAL_GROUPS: tuple[tuple[str, str], ...] = (
    ("no recipe", r"^no recipe rewrites"),
    ("base image keeps the compiler (Debian php)", r"keeps \$PHPIZE_DEPS"),
    ("toolchain needed at run time", r"needs the \w+ toolchain when the container starts|names the compiler|"
                                     r"interactive shell"),
    ("installs into the system's folders", r"mixed with the system's own|system Python|image's own Python|"
                                           r"extensions and ini files go"),
    ("several ecosystems in one stage", r"several ecosystems|interpreter the build does not install"),
    ("base release archived or unknown", r"archive\.debian\.org|Debian release .* is not known|"
                                         r"Java version .* is not in its tag"),
    ("sources from git clone", r"git clone"),
    ("package repository set up in the file", r"package repository"),
    ("script from the context runs unknown outputs", r"script run\.sh|copied from the build context|"
                                                     r"package\.json script"),
    ("-dev package without a known runtime library", r"runtime library"),
    ("unknown RUN around the build", r"the RUN on line \d+ after the build|cannot be read as a shell"),
    ("no runtime image", r"no runtime image is known|no image without it is known|toolchain comes with the base"),
    ("no ENTRYPOINT/CMD", r"has no ENTRYPOINT or CMD"),
    ("artifact not located", r"ENTRYPOINT/CMD runs|no artifact|is not known|not what the build writes|"
                             r"which of the build's outputs"),
    ("compiles at container start", r"when the container starts"),
    ("multi-stage or FROM a stage", r"builds on stage|FROM a stage"),
)


def refusal_group(reason: str) -> str:
    for group, pattern in REFUSAL_GROUPS:
        if re.search(pattern, reason):
            return group
    return "other"


def measure_rewrites(files: Path, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """{id: (outcome, recipe or ecosystem, detail)}: outcome is ``rewrite`` (passes every
    check), ``failed`` (a rewrite that fails a check: the detail says which), ``refused`` (the
    reason) or ``none`` (DF200 gives no evidence)."""
    from dflint.fix import apply_edits
    from dflint.optimize import Plan, plan_rewrite
    from dflint.optimize.verify import check_rewrite
    from dflint.parser import parse
    from dflint.rule import Context
    from dflint.toolchain import evidence

    out: dict[str, tuple[str, str, str]] = {}
    for fid in ids:
        path = files / f"{fid}.Dockerfile"
        source = SourceFile.from_bytes(path.read_bytes(), str(path))
        ctx = Context(parse(source))
        ev = evidence(ctx)
        if ev is None:
            out[fid] = ("none", "-", "")
            continue
        eco = ev.primary.ecosystem
        try:
            result = plan_rewrite(ctx, ev)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            out[fid] = ("failed", eco, f"planner crashed: {exc!r}")
            continue
        if isinstance(result, Plan):
            new = apply_edits(source.text, result.edits())
            problems = check_rewrite(source.text, new, str(path))
            out[fid] = ("failed", result.recipe, "; ".join(problems)) if problems else ("rewrite", result.recipe, result.title)
        else:
            out[fid] = ("refused", result.recipe or eco, result.reason)
    return out


def report_rewrites(manifest: dict[str, dict[str, str]], df200: set[str], files: Path, listing: bool) -> bool:
    tagged = sorted(fid for fid, r in manifest.items() if "ships-compiler" in r["tags"].split(",") and fid in df200)
    results = measure_rewrites(files, tagged)
    rewrites = {f: r for f, r in results.items() if r[0] == "rewrite"}
    failed = {f: r for f, r in results.items() if r[0] == "failed"}
    refused = {f: r for f, r in results.items() if r[0] == "refused"}
    n = len(tagged)
    print(f"\n(5) multi-stage rewrite over the {n} files tagged ships-compiler where DF200 fires: "
          f"{len(rewrites)} confident rewrites passing every check ({pct(len(rewrites), n)}), "
          f"{len(failed)} failing a check, {len(refused)} refused")
    per: dict[str, int] = {}
    for _, eco, _ in rewrites.values():
        per[eco] = per.get(eco, 0) + 1
    print("  rewrites by recipe: " + ", ".join(f"{k} {v}" for k, v in sorted(per.items(), key=lambda kv: -kv[1])))
    for fid, (_, recipe, detail) in sorted(failed.items()):
        print(f"  FAILED {fid} ({recipe}): {detail}")
    groups: dict[str, list[str]] = {}
    for fid, (_, eco, reason) in refused.items():
        groups.setdefault(refusal_group(reason), []).append(fid)
    print("  refusals by reason:")
    for group, fids in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        ecos: dict[str, int] = {}
        for fid in fids:
            ecos[refused[fid][1]] = ecos.get(refused[fid][1], 0) + 1
        eco_text = ", ".join(f"{k} {v}" for k, v in sorted(ecos.items(), key=lambda kv: -kv[1]))
        print(f"    {len(fids):3d} {group} ({eco_text})")
    if listing:
        for fid in tagged:
            outcome, eco, detail = results[fid]
            print(f"  {fid} {outcome:8s} {eco:8s} {detail[:300]}")
    return not failed and (len(rewrites) >= 0.7 * n if n else True)


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:.1f}%" if d else "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--check", action="store_true", help="exit 1 when a requirement fails")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the DF200 message of each hit")
    ap.add_argument("--rewrites-only", action="store_true", help="only measure the multi-stage rewrite (5)")
    ap.add_argument("--list", action="store_true", help="print each file's rewrite outcome")
    args = ap.parse_args(argv)

    manifest = {r["id"]: r for r in read_tsv(args.corpus / "MANIFEST.tsv")}
    labels = {r["id"]: r for r in read_tsv(args.labels)}
    unknown = sorted(set(labels) - set(manifest))
    if unknown:
        print(f"labels name files not in the manifest: {', '.join(unknown)}", file=sys.stderr)
        return 2
    hits, errors = run_rules(args.corpus / "files")
    df200 = {fid for fid, codes in hits.items() if "DF200" in codes}
    if args.rewrites_only:
        ok = report_rewrites(manifest, df200, args.corpus / "files", args.list)
        return 0 if ok or not args.check else 1
    df201 = {fid for fid, codes in hits.items() if "DF201" in codes}
    ok = True

    print(f"corpus: {len(manifest)} files; DF200 fires on {len(df200)}, DF201 on {len(df201)}")
    if errors:
        ok = False
        print(f"DF000 internal errors: {len(errors)}")
        for e in errors:
            print(f"  {e}")

    # (1) the ships-compiler tag
    tagged = sorted(fid for fid, r in manifest.items() if "ships-compiler" in r["tags"].split(","))
    missed = [fid for fid in tagged if fid not in df200]
    recall_tag = (len(tagged) - len(missed)) / len(tagged) if tagged else 1.0
    print(f"\n(1) files tagged ships-compiler: {len(tagged)}; DF200 fires on "
          f"{len(tagged) - len(missed)} ({pct(len(tagged) - len(missed), len(tagged))})")
    for fid in missed:
        why = labels[fid]["reason"] if fid in labels else "not labelled: read it"
        print(f"  miss {fid} ({manifest[fid]['repo']} {manifest[fid]['path']}): {why}")
    untagged = sorted(df200 - set(tagged))
    print(f"  DF200 also fires on {len(untagged)} untagged files"
          + (f" (labelled: {sum(1 for f in untagged if f in labels)})" if untagged else ""))
    if recall_tag < 0.9:
        ok = False

    # (2) official multi-stage images
    official = sorted(fid for fid, r in manifest.items()
                      if r["repo"] in OFFICIAL and "multistage" in r["tags"].split(","))
    no_compiler = [fid for fid in official if labels.get(fid, {}).get("shipped_compiler") == "no"]
    unlabelled = [fid for fid in official if fid not in labels]
    bad = [fid for fid in no_compiler if fid in df200]
    print(f"\n(2) multi-stage official images: {len(official)}; DF200 fires on "
          f"{sum(1 for f in official if f in df200)}; of the {len(no_compiler)} whose shipped "
          f"stage has no compiler, DF200 fires on {len(bad)}")
    for fid in bad:
        print(f"  false positive {fid}: {labels[fid]['reason']}")
    if unlabelled:
        print(f"  not labelled (read them): {', '.join(unlabelled)}")
    if bad:
        ok = False

    # (3) against the hand labels
    tp = [fid for fid, r in labels.items() if r["ships_toolchain"] == "yes" and fid in df200]
    fn = [fid for fid, r in labels.items() if r["ships_toolchain"] == "yes" and fid not in df200]
    fp = [fid for fid, r in labels.items() if r["ships_toolchain"] == "no" and fid in df200]
    tn = [fid for fid, r in labels.items() if r["ships_toolchain"] == "no" and fid not in df200]
    print(f"\n(3) hand labels: {len(labels)} files ({len(tp) + len(fn)} yes, {len(fp) + len(tn)} no)")
    print(f"  DF200 precision {pct(len(tp), len(tp) + len(fp))} ({len(tp)}/{len(tp) + len(fp)}), "
          f"recall {pct(len(tp), len(tp) + len(fn))} ({len(tp)}/{len(tp) + len(fn)})")
    for fid in fp:
        print(f"  false positive {fid}: {labels[fid]['reason']}")
    for fid in fn:
        print(f"  false negative {fid}: {labels[fid]['reason']}")

    if not report_rewrites(manifest, df200, args.corpus / "files", args.list):
        ok = False

    if args.verbose:
        print("\nDF200 hits:")
        for fid in sorted(df200):
            print(f"  {fid} {hits[fid]['DF200'][0]}")
        print("\nDF201 hits:")
        for fid in sorted(df201):
            print(f"  {fid} {hits[fid]['DF201'][0]}")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
