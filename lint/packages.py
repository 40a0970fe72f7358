"""Package managers, as rules see them: which commands of a RUN install, remove, update or clean
packages, with which package arguments and versions.

Shared knowledge for the apt/apk/yum/pip/npm/… rules (hadolint's DL3008-DL3042 family), the
toolchain rules and the optimizer. Built on the shell layer's parsed commands, never on the RUN
text: ``echo "apt-get install x"`` installs nothing.

- `package_commands(script, managers)`: a script's package-manager commands;
- `package_runs(ctx, managers)`: the RUNs of a file that have some, from an index built once per
  file (what the rules iterate: a rule of one family visits only the RUNs of that family).
"""

from __future__ import annotations

import re

from dflint.hadolint_support import reads_command_lines, runs_calling
from dflint.shell import Arg, Command, Script
from dflint.source import LazyPattern, TupleRecord, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Sequence

    from dflint.rule import Context
    from dflint.syntax import Instruction

    #: A RUN with its script and some of its package-manager commands (see `package_runs`).
    PackageRun = tuple[Instruction, Script, tuple["PackageCommand", ...]]

#: The package managers known here, by the command's basename, and the family they belong to.
MANAGERS: dict[str, str] = {
    "apt-get": "apt",
    "apt": "apt",
    "aptitude": "apt",
    "apk": "apk",
    "yum": "yum",
    "dnf": "dnf",
    "microdnf": "dnf",
    "tdnf": "dnf",
    "zypper": "zypper",
    "pip": "pip",
    "pip3": "pip",
    "pip2": "pip",
    "uv": "pip",
    "npm": "npm",
    "yarn": "yarn",
    "pnpm": "pnpm",
    "gem": "gem",
    "go": "go",
    "cargo": "cargo",
    "conda": "conda",
    "mamba": "conda",
    "micromamba": "conda",
}

_NAMES = frozenset([*MANAGERS, "python", "python3", "python2"])  # (a set: `Script.find` takes it as it is)

# What each subcommand means, per family.
_ACTIONS: dict[str, dict[str, str]] = {
    "apt": {
        "install": "install",
        "reinstall": "install",
        "remove": "remove",
        "purge": "remove",
        "autoremove": "autoremove",
        "update": "update",
        "upgrade": "upgrade",
        "dist-upgrade": "upgrade",
        "full-upgrade": "upgrade",
        "clean": "clean",
        "autoclean": "clean",
        "dist-clean": "clean",
        "distclean": "clean",
        "build-dep": "build-dep",
        "satisfy": "build-dep",
        "source": "download",
        "download": "download",
    },
    "apk": {"add": "install", "del": "remove", "update": "update", "upgrade": "upgrade", "cache": "clean"},
    "yum": {
        "install": "install",
        "groupinstall": "install",
        "localinstall": "install",
        "reinstall": "install",
        "remove": "remove",
        "erase": "remove",
        "autoremove": "autoremove",
        "update": "upgrade",
        "upgrade": "upgrade",
        "makecache": "update",
        "clean": "clean",
    },
    "zypper": {
        "install": "install",
        "in": "install",
        "remove": "remove",
        "rm": "remove",
        "refresh": "update",
        "ref": "update",
        "update": "upgrade",
        "up": "upgrade",
        "dist-upgrade": "upgrade",
        "dup": "upgrade",
        "clean": "clean",
        "cc": "clean",
    },
    "pip": {"install": "install", "uninstall": "remove"},
    "npm": {"install": "install", "i": "install", "add": "install", "ci": "install", "uninstall": "remove", "rm": "remove"},
    "yarn": {"add": "install", "install": "install", "remove": "remove"},
    "pnpm": {"add": "install", "install": "install", "i": "install", "remove": "remove", "rm": "remove"},
    "gem": {"install": "install", "i": "install", "uninstall": "remove", "update": "upgrade"},
    "go": {"install": "install", "get": "install"},
    "cargo": {"install": "install", "uninstall": "remove"},
    "conda": {"install": "install", "create": "install", "remove": "remove", "uninstall": "remove", "clean": "clean"},
}
_ACTIONS["dnf"] = {**_ACTIONS["yum"], "distro-sync": "upgrade"}

# Flags that take a value, per family, beyond the shell layer's VALUE_FLAGS for the tool.
_VALUE_FLAGS: dict[str, frozenset[str]] = {
    "apt": frozenset("-o -c -t --option --config-file --target-release --default-release".split()),
    "apk": frozenset("-X -p -t --repository --root --cache-dir --keys-dir --repositories-file --virtual --arch".split()),
    "yum": frozenset("-c -x -d -e --config --installroot --releasever --enablerepo --disablerepo --exclude --setopt".split()),
    "dnf": frozenset(
        "-c -x -d -e --config --installroot --releasever --enablerepo --disablerepo --exclude --repo --repoid "
        "--setopt --nodocs=".split()
    ),
    "zypper": frozenset("-r --repo -t --type --root --from".split()),
    "pip": frozenset(
        "-r -c -e -i -f -t --requirement --constraint --editable --index-url --extra-index-url --find-links "
        "--target --prefix --root --cache-dir --src --platform --python-version --implementation --abi "
        "--progress-bar --trusted-host --log --proxy --retries --timeout --exists-action --cert --client-cert "
        "--no-binary --only-binary --upgrade-strategy --global-option --install-option --config-settings -C "
        "-p --python".split()
    ),
    "npm": frozenset("--prefix --registry --cache --userconfig --tag --omit --include --workspace -w".split()),
    "yarn": frozenset("--cwd --registry --cache-folder --modules-folder --network-timeout --mutex".split()),
    "pnpm": frozenset("--dir -C --filter -F --registry --store-dir".split()),
    "gem": frozenset("-v --version -i --install-dir -n --bindir --source -s --platform".split()),
    "go": frozenset("-o -C -p -tags -ldflags -gcflags -mod -modfile -pkgdir -overlay".split()),
    "cargo": frozenset("--version --vers --git --branch --tag --rev --path --root --index --registry --features -j --jobs --target --profile".split()),
    "conda": frozenset("-n --name -p --prefix -c --channel --file".split()),
}


class Package(TupleRecord):
    """One package argument: `name` without its version, `version` as written (or None)."""

    __slots__ = ()
    _fields = ("name", "version", "arg")

    def __new__(cls, name: str, version: str | None, arg: Arg) -> Package:
        return tuple.__new__(cls, (name, version, arg))

    name: str = field(0)  # type: ignore[assignment]
    version: str | None = field(1)  # type: ignore[assignment]
    arg: Arg = field(2)  # type: ignore[assignment]

    @property
    def pinned(self) -> bool:
        return self.version is not None


class PackageCommand(TupleRecord):
    """A package-manager command: `manager` is the family (``apt``, ``apk``, ``pip`` …), `tool`
    the command as called (``apt-get``), `action` one of install, remove, autoremove, update,
    upgrade, clean, build-dep (apt build-dep/satisfy), download (apt source/download), or None."""

    __slots__ = ()
    _fields = ("manager", "tool", "action", "subcommand", "command", "packages")

    def __new__(
        cls, manager: str, tool: str, action: str | None, subcommand: str | None, command: Command,
        packages: tuple[Package, ...],
    ) -> PackageCommand:
        return tuple.__new__(cls, (manager, tool, action, subcommand, command, packages))

    manager: str = field(0)  # type: ignore[assignment]
    tool: str = field(1)  # type: ignore[assignment]
    action: str | None = field(2)  # type: ignore[assignment]
    subcommand: str | None = field(3)  # type: ignore[assignment]
    command: Command = field(4)  # type: ignore[assignment]
    packages: tuple[Package, ...] = field(5)  # type: ignore[assignment]

    def has_flag(self, *names: str) -> bool:
        return self.command.has_flag(*names, takes_value=_VALUE_FLAGS.get(self.manager, ()))

    def flag_arg(self, *names: str) -> Arg | None:
        return self.command.flag_arg(*names, takes_value=_VALUE_FLAGS.get(self.manager, ()))

    def option_values(self, *names: str) -> list[str]:
        return self.command.option_values(*names, takes_value=_VALUE_FLAGS.get(self.manager, ()))


def _pip_invocation(cmd: Command) -> Command | None:
    """``python -m pip install x`` behaves as ``pip install x``."""
    return cmd if cmd.basename in ("pip", "pip3", "pip2") else None


def package_commands(script: Script, managers: Iterable[str] | None = None) -> list[PackageCommand]:
    """Every package-manager command in the script, in order (sudo/env-wrapped ones included).

    `managers` limits to families (``{"apt", "apk"}``)."""
    memo = script.memo
    found = memo.get(package_commands)
    if found is None:
        found = []
        # (`find` with only the names the script runs: it copies the set it is given per match)
        names = script.names
        for cmd in script.find(names & _NAMES) if not names.isdisjoint(_NAMES) else ():
            parsed = parse_command(cmd)
            if parsed is not None:
                found.append(parsed)
        memo[package_commands] = found
    if not found:
        return []
    if managers is None:
        return list(found)
    # (helpers may ask this of every RUN, several times, with a set or tuple of a few families:
    # used as it is; a new list each time, since a caller may change the list it gets)
    cls = managers.__class__
    wanted = managers if cls is set or cls is tuple or cls is frozenset or isinstance(
        managers, (set, frozenset, tuple)) else set(managers)
    if len(found) == 1:
        pc = found[0]
        return [pc] if pc.manager in wanted else []
    return [pc for pc in found if pc.manager in wanted]


def package_runs(
    ctx: Context, managers: Iterable[str] | None = None, windows: bool = False
) -> tuple[PackageRun, ...]:
    """The RUNs (those of `dflint.hadolint_support.run_scripts`, same `windows`) that run a
    package-manager command of one of the families `managers` (None: any), in file order, each
    with its script and those commands, in order::

        for instruction, script, pcs in package_runs(ctx, {"apt"}): ...

    The index is built once per file (each RUN's commands parsed once), so a rule of one family
    visits only the RUNs of that family."""
    windows = windows and reads_command_lines(ctx)  # (else the same RUNs as without)
    key = (package_runs, windows)
    index: dict[frozenset[str] | None, tuple[PackageRun, ...]] = ctx.memo.get(key)  # type: ignore[assignment]
    if index is None:
        index = ctx.memo[key] = _package_index(ctx, windows)
    families = None if managers is None else frozenset(managers)
    found = index.get(families)
    if found is None:  # several families: the RUNs with any of them, with their commands
        runs = []
        for instruction, script, pcs in index[None]:
            mine = tuple(pc for pc in pcs if pc.manager in families)  # type: ignore[operator]
            if mine:
                runs.append((instruction, script, mine))
        found = index[families] = tuple(runs)
    return found


def _package_index(ctx: Context, windows: bool) -> dict[frozenset[str] | None, tuple[PackageRun, ...]]:
    """`package_runs`' answers for every family alone, and for all of them (key None)."""
    every: list[PackageRun] = []
    by_family: dict[str, list[PackageRun]] = {}
    for instruction, script in runs_calling(ctx, _NAMES, windows):
        pcs = package_commands(script)
        if not pcs:
            continue
        every.append((instruction, script, tuple(pcs)))
        families: dict[str, list[PackageCommand]] = {}
        for pc in pcs:
            families.setdefault(pc.manager, []).append(pc)
        for family, mine in families.items():
            by_family.setdefault(family, []).append((instruction, script, tuple(mine)))
    index: dict[frozenset[str] | None, tuple[PackageRun, ...]] = {None: tuple(every)}
    for family in frozenset(MANAGERS.values()):
        index[frozenset([family])] = tuple(by_family.get(family, ()))
    return index


def parse_command(cmd: Command) -> PackageCommand | None:
    """The package-manager meaning of one command, or None when it is not one."""
    tool = cmd.basename
    args = cmd.args
    if tool.startswith("python"):
        # python -m pip …: the args after "-m pip"
        values = [a.value for a in args]
        if "-m" not in values:
            return None
        i = values.index("-m")
        if i + 1 >= len(values) or values[i + 1] not in ("pip", "pip3"):
            return None
        tool, args = "pip", args[i + 2 :]
    elif tool == "uv":
        values = [a.value for a in args]
        if values[:2] != ["pip", "install"] and values[:2] != ["pip", "uninstall"]:
            return None
        args = args[1:]
    manager = MANAGERS.get(tool)
    if manager is None:
        return None
    positional = _positional(args, _VALUE_FLAGS.get(manager, frozenset()))
    if manager == "yarn" and positional and positional[0].value == "global":
        positional = positional[1:]
    sub = positional[0].value if positional else None
    action = _ACTIONS.get(manager, {}).get(sub) if sub is not None else None
    if manager == "yarn" and sub is None and not any(
        a.value in ("--version", "-v", "--help", "-h") for a in args
    ):
        action = "install"  # plain `yarn` installs
    if manager == "apk" and sub == "cache" and len(positional) > 1 and positional[1].value not in ("clean", "purge"):
        action = None
    packages: tuple[Package, ...] = ()
    if (action == "install" or action == "remove") and len(positional) > 1:
        if manager != "go":
            packages = tuple([
                _package(manager, a) for a in positional[1:] if a.value and not _is_local(manager, a.value)
            ])
        elif action == "install":
            packages = tuple([_package(manager, a) for a in positional[1:] if not _is_local(manager, a.value)])
    return PackageCommand(manager, "pip" if cmd.basename.startswith("python") else cmd.basename, action, sub, cmd,
                          packages)


def _positional(args: Sequence[Arg], value_flags: frozenset[str]) -> list[Arg]:
    """The arguments that are neither flags nor the values of the flags that take one."""
    out: list[Arg] = []
    rest = iter(args)
    for arg in rest:
        v = arg.value
        if v[:1] != "-" or v == "-":
            out.append(arg)
        elif v == "--":
            out.extend(rest)
            break
        elif "=" not in v and (
            v in value_flags
            # combined short flags ending in one that takes a value: -qo file
            or (v[1] != "-" and len(v) > 2 and ("-" + v[-1]) in value_flags)
        ):
            next(rest, None)  # (its value)
    return out


def _is_local(manager: str, value: str) -> bool:
    """Arguments that name files or folders rather than packages (``.``, ``./x.deb``, ``*.whl``)."""
    if value in (".", "..") or value.startswith(("./", "../", "/", "~")):
        return True
    if value.endswith(_LOCAL_SUFFIXES.get(manager, ())):
        return True
    if manager == "pip":
        return "://" in value or value.startswith(("git+", ".[", "-e"))
    if manager in ("npm", "yarn", "pnpm"):
        return value.startswith("file:")
    if manager == "go":
        return value.startswith((".", "/")) or value == "all"
    return False


#: The file names that a family installs from a local file (``./x.deb``, ``app.whl``).
_LOCAL_SUFFIXES: dict[str, tuple[str, ...]] = {
    "pip": (".whl", ".tar.gz", ".zip"),
    "npm": (".tgz",),
    "yarn": (".tgz",),
    "pnpm": (".tgz",),
    "gem": (".gem",),
    "apk": (".apk",),
    "apt": (".deb",),
    "yum": (".rpm",),
    "dnf": (".rpm",),
    "zypper": (".rpm",),
}


_PIP_SPEC = LazyPattern(r"(===|==|~=|!=|>=|<=|>|<|@)")
_RPM_VERSION = LazyPattern(r"-\d")


def _package(manager: str, arg: Arg) -> Package:
    """Split a package argument into name and version, per the manager's syntax."""
    value = arg.value
    name, version = value, None
    if manager == "apt":
        if "=" in value:
            name, version = value.split("=", 1)
        elif "/" in value:  # pkg/bookworm-backports: a target release, not a version
            name = value.split("/", 1)[0]
    elif manager == "apk":
        m = re.search(r"[=~<>]", value)
        if m:
            name, version = value[: m.start()], value[m.start() :].lstrip("=")
    elif manager in ("yum", "dnf"):
        m = _RPM_VERSION.search(value)
        if m:
            name, version = value[: m.start()], value[m.start() + 1 :]
    elif manager == "zypper":
        m = re.search(r"[=<>]", value)
        if m:
            name, version = value[: m.start()], value[m.start() :].lstrip("=")
    elif manager in ("pip", "conda"):
        base = value.split(";", 1)[0]
        m = _PIP_SPEC.search(base)
        if m:
            name, version = base[: m.start()], base[m.start() :]
        if manager == "conda" and version is None and "=" in value:
            name, version = value.split("=", 1)
    elif manager in ("npm", "yarn", "pnpm"):
        if "://" in value or value.startswith(("git+", "github:", "gitlab:", "bitbucket:")) or (
            "/" in value and not value.startswith("@") and "@" not in value
        ):
            name, _, version = value.partition("#")  # a git or GitHub spec: pinned by #ref
        else:
            at = value.rfind("@")
            if at > 0:  # @scope/name@1.2 has its version after the last @, a scope's @ is at 0
                name, version = value[:at], value[at + 1 :]
    elif manager == "gem":
        if ":" in value:
            name, version = value.split(":", 1)
    elif manager in ("go", "cargo"):
        if "@" in value:
            name, version = value.split("@", 1)
    return Package(name, version or None, arg)
