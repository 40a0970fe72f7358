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

``--check`` exits 1 when (1) is below 90 %, (2) is not zero, or a DF000 appears.
"""

from __future__ import annotations

import argparse
import csv
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
    args = ap.parse_args(argv)

    manifest = {r["id"]: r for r in read_tsv(args.corpus / "MANIFEST.tsv")}
    labels = {r["id"]: r for r in read_tsv(args.labels)}
    unknown = sorted(set(labels) - set(manifest))
    if unknown:
        print(f"labels name files not in the manifest: {', '.join(unknown)}", file=sys.stderr)
        return 2
    hits, errors = run_rules(args.corpus / "files")
    df200 = {fid for fid, codes in hits.items() if "DF200" in codes}
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
