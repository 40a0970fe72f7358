"""Checks every rewrite must pass (used by the tests and the corpus measurement).

`check_rewrite(original, rewritten)` returns the problems found, an empty list when the rewrite:

- parses (no DF001 finding);
- is stable: ships-toolchain offers no further rewrite of it;
- adds no error-severity finding the original did not have, and no warning of a code the original
  did not have (except unpinned package versions: a runtime library's version is not known);
- keeps every runtime instruction of the original in the shipped stage (ENV, WORKDIR, USER,
  EXPOSE, VOLUME, LABEL, HEALTHCHECK, STOPSIGNAL, SHELL, ENTRYPOINT, CMD; USER may become a
  numeric UID on a shell-less base);
- copies what ENTRYPOINT/CMD runs: a path the program (or the script/jar an interpreter is given)
  names is put in place by a COPY of the shipped stage.
"""

from __future__ import annotations

import posixpath
from collections import Counter

_RUNTIME = ("ENV", "WORKDIR", "USER", "EXPOSE", "VOLUME", "LABEL", "HEALTHCHECK", "STOPSIGNAL", "SHELL",
            "ENTRYPOINT", "CMD")
#: version-pinning rules (apt, apk, yum, zypper, dnf)
_UNPINNED = frozenset({"DL3008", "DL3018", "DL3033", "DL3037", "DL3041"})
#: a `chown -R` the original ran on files it copied, which the rewrite keeps in its runtime RUN:
#: once `COPY . .` is split into per-path COPYs, DF203 can see what it could not before (the
#: original stored those files twice too), so it is not a finding the rewrite adds
_SEEN_NOT_ADDED = frozenset({"DF203"})
_INTERPRETERS = frozenset("node nodejs python python3 python2 java sh bash ash dash ruby perl php lua".split())


def _lint(text: str, path: str, select: tuple[str, ...] | None = None):
    from dflint.engine import Settings, lint
    from dflint.registry import Registry
    from dflint.source import SourceFile

    registry = Registry.load()
    classes = registry.select(list(select) if select else None, (), ())
    rules = [cls() for cls in classes]
    return lint(SourceFile(text, path), Settings(rules=rules), registry)


def check_rewrite(original: str, rewritten: str, path: str = "Dockerfile", context_dir=None) -> list[str]:
    from dflint.parser import parse
    from dflint.rule import Context
    from dflint.source import SourceFile

    problems: list[str] = []
    new_df = parse(SourceFile(rewritten, path))
    if any(e.code == "DF001" for e in new_df.errors):
        return ["the rewrite does not parse: " + "; ".join(e.message for e in new_df.errors)]
    before = _lint(original, path)
    after = _lint(rewritten, path)
    errs_before = Counter(d.code for d in before.diagnostics if d.severity.rank >= 3)
    errs_after = Counter(d.code for d in after.diagnostics if d.severity.rank >= 3)
    for code, n in errs_after.items():
        if n > errs_before.get(code, 0):
            problems.append(f"new error-severity finding {code}")
    # a warning the original did not have at all (the runtime stage's package install repeats
    # the original's DL3008, which is not new); unpinned versions of the packages the runtime
    # stage installs are not counted: a runtime library's version cannot be known from the file
    warn_before = {d.code for d in before.diagnostics if d.severity.rank >= 2} | _UNPINNED | _SEEN_NOT_ADDED
    for code in sorted({d.code for d in after.diagnostics if d.severity.rank == 2} - warn_before):
        problems.append(f"new warning-severity finding {code}")
    again = [d for d in after.diagnostics if d.code == "DF200" and d.fix is not None
             and d.fix.applicability.value >= 1]
    if again:
        problems.append("ships-toolchain still offers a rewrite of the rewrite")
    old_df = parse(SourceFile(original, path))
    ctx_old = Context(old_df)
    ctx_new = Context(new_df, context_dir=context_dir)
    old_target = ctx_old.graph.target
    new_target = ctx_new.graph.target
    if old_target is None or new_target is None:
        return problems + ["no target stage"]
    old_stage = ctx_old.graph.stages[old_target]
    new_stage = ctx_new.graph.stages[new_target]
    shipped = [ins for ins in new_stage.instructions]
    shipped_text = {(i.name, " ".join(i.args.split())) for i in shipped}
    for ins in old_stage.instructions:
        if ins.name not in _RUNTIME:
            continue
        key = (ins.name, " ".join(ins.args.split()))
        if key in shipped_text:
            continue
        if ins.name == "USER" and any(i.name == "USER" and i.args.split(":")[0].strip().isdigit() for i in shipped):
            continue
        problems.append(f"{ins.name} {ins.args.strip()} (line {ins.line}) is not in the shipped stage")
    problems.extend(_entry_problems(ctx_new, new_stage))
    return problems


def _entry_problems(ctx, stage) -> list[str]:
    from dflint.optimize.facts import resolve, under

    workdir = "/"
    ep = cmd = None
    copies: list[str] = []
    from dflint.context import source_words

    for ins in stage.instructions:
        if ins.name == "WORKDIR":
            value = ins.args.strip().strip("\"'")
            if "$" in value:
                workdir = None
            else:
                workdir = posixpath.normpath(posixpath.join(workdir or "/", value))
        elif ins.name == "ENTRYPOINT":
            ep = ins
        elif ins.name == "CMD":
            cmd = ins
        elif ins.name in ("COPY", "ADD"):
            sources, dest = source_words(ins)
            if dest is None:
                continue
            d = dest[0].strip("\"'")
            target = resolve(d, workdir) if "$" not in d else None
            if target is None:
                copies.append("*")
                continue
            if d.endswith("/") or len(sources) > 1 or d in (".", "./"):
                for s, _ in sources:
                    name = posixpath.basename(s.rstrip("/"))
                    copies.append(target if s.endswith("/") or s.rstrip("/") in (".", "") or "*" in name
                                  else posixpath.join(target, name))
                    if ins.flag("from") is None:
                        copies.append(target)  # a context folder's content lands there
            else:
                copies.append(target)
    argv: list[str] = []
    for ins in (ep, cmd):
        if ins is None:
            continue
        if ins.json is not None:
            argv.extend(ins.json)
        else:
            argv.extend(ins.args.split())
            break
    if not argv:
        return []
    words = [argv[0]]
    script = None
    java = posixpath.basename(argv[0]) == "java"
    if java:
        from dflint.optimize.java import JavaLaunch

        # the jar (`-jar` may come before other options), or each class/module path entry
        words.extend(JavaLaunch(argv[1:]).paths)
        script = words[1] if len(words) > 1 else None
    elif posixpath.basename(argv[0]) in _INTERPRETERS and not any(a in ("-c", "-m", "-e", "-r") for a in argv[1:]):
        rest = [a for a in argv[1:] if not a.startswith("-")]
        if "-jar" in argv:
            i = argv.index("-jar")
            rest = argv[i + 1 : i + 2]
        if rest:
            script = rest[0]
            words.append(script)
    problems = []
    for w in words:
        file_like = "/" in w or (w is script and "." in w.lstrip(".")) or (java and w in words[1:])
        if not file_like or "$" in w or "*" in copies:
            continue
        path = resolve(w, workdir)
        if path is None or path.startswith(("/usr/bin", "/bin", "/usr/sbin")):
            continue
        if not any(under(path, c) or ("*" in c and posixpath.dirname(c) == posixpath.dirname(path)) for c in copies):
            problems.append(f"ENTRYPOINT/CMD runs {path}, which no COPY of the shipped stage provides")
    return problems
