"""Toolchains: which images, packages and downloads bring a compiler or build tool into a stage,
which commands build with one, and what a stage that ships keeps of them.

Shared knowledge for the "compilers in the shipped image" rules (DF200 ``ships-toolchain``,
DF201 ``final-stage-toolchain-base``) and the multi-stage optimizer that will rewrite such files.
It has three layers, each usable alone:

1. Tables, on plain strings: `classify_image` (is ``golang:1.22`` a toolchain image, of which
   ecosystem; is ``eclipse-temurin:17-jre`` one: no), `classify_package` (is ``build-essential``
   for apt a toolchain package: yes, a C compiler; ``libpq-dev``: headers), `classify_build`
   (is ``go build -o app`` a build step: yes, a certain Go build; ``pip install x``: a build only
   when a C compiler is there).
2. Facts about one instruction, on the shell layer's parsed commands (never on RUN text, so
   ``echo "go build"`` builds nothing): `run_toolchains` (the toolchain packages a RUN installs,
   each knowing whether the same RUN removes it again), `instruction_builds` (the build steps of a
   RUN, CMD or ENTRYPOINT).
3. Facts about a stage and what ships: `chain_facts` (everything above, for a stage and the
   stages it is ``FROM``-based on, in build order), `evidence` (for a stage — by default the
   shipped target — the toolchain that ships and the build steps that used it; None when nothing
   ships), `base_toolchain` (what a stage's ``FROM`` line alone brings).

Decisions (documented here because the rules and the optimizer must agree):

* A *toolchain image* is one whose purpose is building: golang, rust, gcc, buildpack-deps (not its
  ``-curl``/``-scm`` tags), maven, gradle, sbt, clojure, a JDK (openjdk, eclipse-temurin,
  amazoncorretto… unless the tag says ``jre``), the .NET SDK, haskell, crystal, ocaml/opam, elixir,
  swift (not ``-slim``), dart, D, nim, zig, bazel. ``node`` (and erlang) is the ecosystem's runtime
  as well as its build tool: it counts only for a build step of its own ecosystem
  (``npm run build``, ``tsc``) and is never a reason for DF201 alone.
* python, ruby, php, perl and node images that are not ``slim``/``alpine`` are built on
  buildpack-deps and carry gcc *incidentally*: a certain build step (``make``,
  ``docker-php-ext-install``, ``pecl install``) uses that gcc, but ``pip install`` / ``gem
  install`` / ``npm install`` — which compile only for packages without a binary — count as a
  build only when the file *also* installs C toolchain packages or headers itself (someone
  installed ``gcc`` or ``libpq-dev`` for a reason). So ``FROM python:3.12`` + ``pip install -r
  requirements.txt`` is not a finding; ``FROM python:3.12-slim`` + ``apt-get install gcc`` +
  ``pip install`` is.
* Toolchain packages: compilers and build tools per package manager, plus headers (``*-dev``,
  ``*-devel``, ``musl-dev``, ``linux-headers``). Headers alone are not a toolchain (nothing can
  compile with them); they ride along with a compiler in the evidence, because the optimizer must
  move them to the build stage too.
* Removal counts only in the same RUN (one layer): ``apt-get purge/remove`` of the package,
  ``apt-mark auto`` + ``apt-get autoremove``/``purge --auto-remove`` (the official images' pattern),
  ``apk del`` of the package or of its ``--virtual`` group, ``yum/dnf/zypper remove``, ``conda
  remove``. A removal in a later RUN leaves the bytes in the earlier layer: still shipped
  (`Toolchain.removed_later` says where, for the message).
* A build step that certainly compiles (``go build``, ``make``…) with no known source of its
  toolchain *infers* one: it was in the base image (a custom ``FROM``) or downloaded by a step
  that is not a package manager (a ``curl`` of ``go*.tar.gz``, ``rustup-init``…, found where
  possible).
* CMD/ENTRYPOINT that compile at container start (``go run``, ``cargo run``, ``dotnet run``,
  ``mvn spring-boot:run``, ``gradle bootRun``…) are build steps too (`BuildStep.at_start`).
* RUN bodies under a cmd/PowerShell SHELL (Windows images) are not POSIX shell: they are split
  into commands by `split_windows_commands` (quotes, ``&&``/``||``/``&``/``|``/``;``), enough to
  see ``dotnet publish``, ``msbuild``, ``go build`` and ``choco install`` there.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence

from dflint.source import LazyPattern, Record, Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Iterator

    from dflint.graph import Stage
    from dflint.packages import Package, PackageCommand
    from dflint.rule import Context
    from dflint.shell import Command, Script
    from dflint.syntax import Instruction


class _Frozen(Record):
    """Base of this module's value records (hand-written, slotted: a frozen dataclass costs
    import time in every run). Like the frozen dataclasses they replace: equality and hashing
    over `_compare` (default: every field), `repr` over `_shown` (default: every field), and
    `_replace` (as `dataclasses.replace`). Treat them as immutable."""

    __slots__ = ()
    _compare: tuple[str, ...] = ()
    _shown: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple([getattr(self, f) for f in self._compare])

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._shown)
        return f"{self.__class__.__qualname__}({fields})"

    def __reduce__(self) -> tuple:
        return (self.__class__, tuple([getattr(self, f) for f in self._fields]))

    def _replace(self, **changes: Any) -> Any:
        return self.__class__(*[changes.pop(f) if f in changes else getattr(self, f) for f in self._fields])


__all__ = [
    "ANY",
    "ECOSYSTEM_LABELS",
    "BuildKind",
    "BuildStep",
    "ChainFacts",
    "Evidence",
    "ImageToolchain",
    "PackageToolchain",
    "Toolchain",
    "base_toolchain",
    "chain_facts",
    "classify_build",
    "classify_image",
    "classify_package",
    "evidence",
    "image_name",
    "instruction_builds",
    "runtime_image_for",
    "run_toolchains",
    "split_windows_commands",
]

#: An ecosystem a generic build driver (make, bazel) serves: any toolchain.
ANY = "*"

ECOSYSTEM_LABELS: dict[str, str] = {
    "c": "C/C++ toolchain",
    "go": "Go toolchain",
    "rust": "Rust toolchain",
    "jvm": "JDK",
    "node": "Node.js build toolchain",
    "dotnet": ".NET SDK",
    "haskell": "Haskell toolchain",
    "crystal": "Crystal compiler",
    "ocaml": "OCaml toolchain",
    "elixir": "Elixir toolchain",
    "erlang": "Erlang toolchain",
    "swift": "Swift toolchain",
    "d": "D compiler",
    "nim": "Nim compiler",
    "zig": "Zig compiler",
    "dart": "Dart SDK",
}

# Roles of a toolchain piece: what it can do in a build.
COMPILER = "compiler"  # compiles or links (gcc, go, rustc, a JDK, the .NET SDK)
BUILD_TOOL = "build-tool"  # drives a build (make, cmake, maven, gradle)
HEADERS = "headers"  # only useful with a compiler (libpq-dev, musl-dev, pkg-config)
RUNTIME = "runtime"  # the ecosystem's runtime that also builds (node, npm, erlang)


# ============================================================================================
# images


class ImageToolchain(_Frozen):
    """What a base image brings. `ecosystem` is a key of `ECOSYSTEM_LABELS`; `role` one of
    compiler, build-tool, runtime; `incidental` means the image is meant to *run* something else
    and carries the compiler as a side effect (gcc in ``python:3.12``)."""

    __slots__ = ("ecosystem", "image", "tag", "role", "incidental")
    _fields = _compare = _shown = __slots__

    ecosystem: str
    image: str  # the normalised repository name: "golang", "mcr.microsoft.com/dotnet/sdk"
    tag: str
    role: str
    incidental: bool

    def __init__(self, ecosystem: str, image: str, tag: str, role: str = COMPILER, incidental: bool = False) -> None:
        self.ecosystem = ecosystem
        self.image = image
        self.tag = tag
        self.role = role
        self.incidental = incidental

    @property
    def label(self) -> str:
        return ECOSYSTEM_LABELS.get(self.ecosystem, self.ecosystem)


_DOCKER_HUB = ("docker.io/library/", "index.docker.io/library/", "registry-1.docker.io/library/",
               "docker.io/", "index.docker.io/", "registry-1.docker.io/", "library/",
               "public.ecr.aws/docker/library/", "mirror.gcr.io/library/", "mirror.gcr.io/")


def image_name(ref: str) -> tuple[str, str]:
    """Split an image reference into its normalised repository name (lowercase, without a
    Docker Hub registry or ``library/`` prefix) and its tag ("" when none; a digest is dropped).
    Unresolved variables stay as written: ``golang:${GO_VERSION}`` → ("golang",
    "${GO_VERSION}")."""
    ref = ref.strip()
    if "@" in ref:
        ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    tag = ""
    if colon > slash:
        ref, tag = ref[:colon], ref[colon + 1 :]
    name = ref.lower()
    for prefix in _DOCKER_HUB:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return name, tag.lower()


def tag_parts(tag: str) -> list[str]:
    """A tag's words: ``1.22-bookworm`` → ``['1', '22', 'bookworm']`` (as ``re.split(r"[-_.:]",
    tag)``, without compiling a pattern in every run)."""
    return tag.replace("_", "-").replace(".", "-").replace(":", "-").split("-")


def _tag_has(tag: str, *words: str) -> bool:
    parts = tag_parts(tag)
    return any(w in parts for w in words)


# repository name → (ecosystem, role); checked after the special cases in classify_image
_TOOLCHAIN_IMAGES: dict[str, tuple[str, str]] = {
    "golang": ("go", COMPILER),
    "tinygo/tinygo": ("go", COMPILER),
    "cimg/go": ("go", COMPILER),
    "circleci/golang": ("go", COMPILER),
    "gcr.io/cloud-builders/go": ("go", COMPILER),
    "rust": ("rust", COMPILER),
    "rustlang/rust": ("rust", COMPILER),
    "clux/muslrust": ("rust", COMPILER),
    "ekidd/rust-musl-builder": ("rust", COMPILER),
    "messense/rust-musl-cross": ("rust", COMPILER),
    "lukemathwalker/cargo-chef": ("rust", COMPILER),
    "cimg/rust": ("rust", COMPILER),
    "gcc": ("c", COMPILER),
    "silkeh/clang": ("c", COMPILER),
    "maven": ("jvm", BUILD_TOOL),
    "gradle": ("jvm", BUILD_TOOL),
    "hseeberger/scala-sbt": ("jvm", BUILD_TOOL),
    "sbtscala/scala-sbt": ("jvm", BUILD_TOOL),
    "mozilla/sbt": ("jvm", BUILD_TOOL),
    "clojure": ("jvm", BUILD_TOOL),
    "groovy": ("jvm", COMPILER),
    "ghcr.io/graalvm/native-image": ("jvm", COMPILER),
    "ghcr.io/graalvm/native-image-community": ("jvm", COMPILER),
    "ghcr.io/graalvm/graalvm-ce": ("jvm", COMPILER),
    "ghcr.io/graalvm/graalvm-community": ("jvm", COMPILER),
    "ghcr.io/graalvm/jdk": ("jvm", COMPILER),
    "ghcr.io/graalvm/jdk-community": ("jvm", COMPILER),
    "container-registry.oracle.com/graalvm/native-image": ("jvm", COMPILER),
    "container-registry.oracle.com/graalvm/jdk": ("jvm", COMPILER),
    "oracle/graalvm-ce": ("jvm", COMPILER),
    "findepi/graalvm": ("jvm", COMPILER),
    "mcr.microsoft.com/openjdk/jdk": ("jvm", COMPILER),
    "bitnami/java": ("jvm", COMPILER),
    "mcr.microsoft.com/dotnet/sdk": ("dotnet", COMPILER),
    "mcr.microsoft.com/dotnet/core/sdk": ("dotnet", COMPILER),
    "mcr.microsoft.com/dotnet/nightly/sdk": ("dotnet", COMPILER),
    "mcr.microsoft.com/dotnet/framework/sdk": ("dotnet", COMPILER),
    "microsoft/aspnetcore-build": ("dotnet", COMPILER),
    "microsoft/dotnet-framework-build": ("dotnet", COMPILER),
    "mono": ("dotnet", COMPILER),
    "haskell": ("haskell", COMPILER),
    "fpco/stack-build": ("haskell", COMPILER),
    "crystallang/crystal": ("crystal", COMPILER),
    "ocaml/opam": ("ocaml", COMPILER),
    "ocaml/opam2": ("ocaml", COMPILER),
    "ocurrent/opam": ("ocaml", COMPILER),
    "elixir": ("elixir", COMPILER),
    "hexpm/elixir": ("elixir", COMPILER),
    "bitwalker/alpine-elixir": ("elixir", COMPILER),
    "erlang": ("erlang", RUNTIME),
    "swift": ("swift", COMPILER),
    "swiftlang/swift": ("swift", COMPILER),
    "dart": ("dart", COMPILER),
    "google/dart": ("dart", COMPILER),
    "cirrusci/flutter": ("dart", COMPILER),
    "ghcr.io/cirruslabs/flutter": ("dart", COMPILER),
    "dlang2/dmd-ubuntu": ("d", COMPILER),
    "dlang2/ldc-ubuntu": ("d", COMPILER),
    "nimlang/nim": ("nim", COMPILER),
    "euantorano/zig": ("zig", COMPILER),
    "l.gcr.io/google/bazel": ("c", BUILD_TOOL),
    "gcr.io/bazel-public/bazel": ("c", BUILD_TOOL),
    "gcr.io/cloud-builders/bazel": ("c", BUILD_TOOL),
    "node": ("node", RUNTIME),
    "circleci/node": ("node", RUNTIME),
    "cimg/node": ("node", RUNTIME),
    "oven/bun": ("node", RUNTIME),
}

# JDK images whose tag says whether they are a JDK or a JRE
_JDK_IMAGES = frozenset(
    "openjdk eclipse-temurin amazoncorretto adoptopenjdk ibm-semeru-runtimes sapmachine "
    "azul/zulu-openjdk azul/zulu-openjdk-alpine azul/zulu-openjdk-debian azul/zulu-openjdk-centos "
    "bellsoft/liberica-openjdk-alpine bellsoft/liberica-openjdk-debian "
    "bellsoft/liberica-openjdk-centos bellsoft/liberica-openjdk-alpine-musl bellsoft/liberica-runtime-container "
    "adoptopenjdk/openjdk8 adoptopenjdk/openjdk11 adoptopenjdk/openjdk16 adoptopenjdk/openjdk17 "
    "ibmjava circleci/openjdk cimg/openjdk".split()
)

# images that carry gcc when they are not slim/alpine (built on buildpack-deps)
_INCIDENTAL_GCC = frozenset("python pypy ruby perl php node golang".split())

_WINDOWS_TAG_WORDS = ("windowsservercore", "nanoserver", "servercore", "ltsc2016", "ltsc2019",
                      "ltsc2022", "ltsc2025", "1809", "sac2016")


def classify_image(ref: str) -> tuple[ImageToolchain, ...]:
    """The toolchains an image reference brings (empty for none), most important first.

    >>> [t.ecosystem for t in classify_image("golang:1.22")]
    ['go', 'c']
    >>> classify_image("eclipse-temurin:21-jre")
    ()
    """
    if not ref:
        return ()
    name, tag = image_name(ref)
    out: list[ImageToolchain] = []

    def add(eco: str, role: str = COMPILER, incidental: bool = False) -> None:
        out.append(ImageToolchain(eco, name, tag, role, incidental))

    if name.startswith(("mcr.microsoft.com/devcontainers/", "mcr.microsoft.com/vscode/devcontainers/")):
        # dev container images: named after the language they are set up for
        flavour = name.rsplit("/", 1)[-1]
        eco = {"go": "go", "rust": "rust", "cpp": "c", "java": "jvm", "dotnet": "dotnet",
               "typescript-node": "node", "javascript-node": "node"}.get(flavour)
        if eco:
            add(eco, RUNTIME if eco == "node" else COMPILER)
        return tuple(out)
    if name == "buildpack-deps":
        if not _tag_has(tag, "curl", "scm"):
            add("c", COMPILER)
        return tuple(out)
    if name in ("microsoft/dotnet", "microsoft/dotnet-framework", "microsoft/dotnet-nightly"):
        if _tag_has(tag, "sdk") or "sdk" in tag:
            add("dotnet")
        return tuple(out)
    if name in _JDK_IMAGES or name.endswith(("/openjdk", "/eclipse-temurin", "/amazoncorretto")):
        if "jre" in tag or name == "bellsoft/liberica-runtime-container" and "jdk" not in tag:
            return ()
        if name == "ibmjava" and "sdk" not in tag:
            return ()
        add("jvm", COMPILER)
        return tuple(out)
    if name.startswith("bellsoft/liberica-openjre"):
        return ()
    if name in ("swift", "swiftlang/swift") and _tag_has(tag, "slim"):
        return ()
    if name in ("maven", "gradle") and "jre" in tag:  # never a real tag, but do not guess a JDK
        add("jvm", BUILD_TOOL)
        return tuple(out)
    known = _TOOLCHAIN_IMAGES.get(name)
    if known is not None:
        add(*known)
    base = name.rsplit("/", 1)[-1] if name.startswith(("docker.io/", "ghcr.io/docker-library")) else name
    if base in _INCIDENTAL_GCC and not _tag_has(tag, "slim", "alpine", *_WINDOWS_TAG_WORDS) \
            and not tag.startswith("alpine") and "alpine" not in tag and "slim" not in tag:
        if base == "golang":
            add("c", COMPILER, incidental=False)  # golang:1.x (Debian) installs gcc for cgo
        else:
            add("c", COMPILER, incidental=True)
    return tuple(out)


_DIGITS = "0123456789"


def _leading_version(tag: str) -> str:
    """The version a tag starts with (``1.22.3`` of ``1.22.3-alpine``; "" when it starts with no
    digit): what ``[0-9][0-9.]*`` matches there, without compiling it in every run."""
    if not tag or tag[0] not in _DIGITS:
        return ""
    end = 1
    while end < len(tag) and (tag[end] in _DIGITS or tag[end] == "."):
        end += 1
    return tag[:end]


def runtime_image_for(ref: str) -> str | None:
    """A runtime image to ship instead of the toolchain image `ref`, when one is obvious:
    ``eclipse-temurin:17-jdk`` → ``eclipse-temurin:17-jre``, ``maven:3-eclipse-temurin-21`` →
    ``eclipse-temurin:21-jre``, ``mcr.microsoft.com/dotnet/sdk:8.0`` →
    ``mcr.microsoft.com/dotnet/aspnet:8.0``, ``golang:1.22`` → ``gcr.io/distroless/static-debian12``,
    ``rust:1.79`` → ``debian:bookworm-slim``, ``node:20`` → ``node:20-slim``."""
    name, tag = image_name(ref)
    version = _leading_version(tag)
    if name in ("eclipse-temurin", "sapmachine", "ibm-semeru-runtimes", "azul/zulu-openjdk",
                "azul/zulu-openjdk-alpine", "azul/zulu-openjdk-debian") and "jdk" in tag:
        return f"{name}:{tag.replace('jdk', 'jre')}"
    if name in _JDK_IMAGES or name.startswith("adoptopenjdk"):
        m = re.search(r"(?:jdk-?|openjdk|^)(\d+)", tag) or re.search(r"openjdk(\d+)", name)
        major = m.group(1) if m else None
        if major == "1":  # 1.8.0
            major = "8"
        return f"eclipse-temurin:{major}-jre" if major else "eclipse-temurin:21-jre"
    if name in ("maven", "gradle"):
        m = re.search(r"(?:jdk|temurin|corretto|openjdk)-?(\d+)", tag)
        return f"eclipse-temurin:{m.group(1)}-jre" if m else "eclipse-temurin:21-jre"
    if name.startswith("mcr.microsoft.com/dotnet/") and name.endswith("/sdk"):
        return name[: -len("sdk")] + "aspnet" + (f":{tag}" if tag else "")
    if name == "golang":
        return "gcr.io/distroless/static-debian12"
    if name == "rust":
        return "debian:bookworm-slim"
    if name == "node":
        if version and "alpine" not in tag:
            return f"node:{version}-slim"
        return None
    if name in ("python", "ruby") and version:
        return f"{name}:{version}-slim"
    if name in ("gcc", "buildpack-deps"):
        return "debian:bookworm-slim"
    return None


# ============================================================================================
# packages


class PackageToolchain(_Frozen):
    """What a package brings: its ecosystem and role (compiler, build-tool, headers, runtime)."""

    __slots__ = ("ecosystem", "role")
    _fields = _compare = _shown = __slots__

    ecosystem: str
    role: str

    def __init__(self, ecosystem: str, role: str) -> None:
        self.ecosystem = ecosystem
        self.role = role


def _p(eco: str, role: str, names: str) -> dict[str, PackageToolchain]:
    return dict.fromkeys(names.split(), PackageToolchain(eco, role))  # (immutable: one for all)


_COMMON: dict[str, PackageToolchain] = {
    **_p("c", COMPILER, "gcc g++ cpp clang clang++ llvm gfortran tcc cc c++ gcc-c++ gcc-gfortran "
         "build-essential build-base alpine-sdk musl-gcc crossbuild-essential-arm64 "
         "crossbuild-essential-armhf crossbuild-essential-amd64 gcc-multilib g++-multilib "
         "clang-tools lld mingw-w64 gnat gprbuild fpc fp-compiler mlton valac ponyc "
         "gcc-arm-none-eabi gcc-aarch64-linux-gnu g++-aarch64-linux-gnu"),
    **_p("c", BUILD_TOOL, "make cmake cmake3 ninja ninja-build samurai meson autoconf automake "
         "libtool bison flex scons qmake qt5-qmake qt6-base-dev-tools dpkg-dev rpm-build bazel "
         "bazelisk nasm yasm"),
    **_p("c", HEADERS, "pkg-config pkgconf pkgconfig musl-dev libc-dev libc6-dev linux-headers "
         "linux-libc-dev glibc-devel kernel-headers kernel-devel"),
    **_p("go", COMPILER, "golang golang-go go golang-bin"),
    **_p("rust", COMPILER, "rustc cargo rust rustup rust-all cargo-c"),
    **_p("jvm", COMPILER, "default-jdk default-jdk-headless java-devel openjdk-devel kotlin scala "
         "groovy"),
    **_p("jvm", BUILD_TOOL, "maven gradle ant sbt leiningen clojure"),
    **_p("node", RUNTIME, "nodejs npm yarn yarnpkg pnpm nodejs-current nodejs-lts"),
    **_p("dotnet", COMPILER, "dotnet-sdk mono-complete mono-devel mono-mcs msbuild "
         "mono-xbuild"),
    **_p("haskell", COMPILER, "ghc cabal-install haskell-stack stack haskell-platform cabal"),
    **_p("crystal", COMPILER, "crystal shards"),
    **_p("ocaml", COMPILER, "ocaml ocaml-nox opam ocaml-dune dune ocaml-findlib"),
    **_p("elixir", COMPILER, "elixir"),
    **_p("erlang", RUNTIME, "erlang erlang-nox rebar3 erlang-dev"),
    **_p("swift", COMPILER, "swift swiftlang"),
    **_p("d", COMPILER, "ldc dmd gdc dub ldc2"),
    **_p("nim", COMPILER, "nim"),
    **_p("zig", COMPILER, "zig"),
    **_p("dart", COMPILER, "dart"),
}

# (pattern, ecosystem, role), first match wins; matched with fnmatch against the package name
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("gcc-[0-9]*", "c", COMPILER),
    ("g++-[0-9]*", "c", COMPILER),
    ("gcc[0-9]*", "c", COMPILER),
    ("clang-[0-9]*", "c", COMPILER),
    ("clang[0-9]*", "c", COMPILER),
    ("llvm[0-9]*", "c", COMPILER),
    ("llvm-[0-9]*", "c", COMPILER),
    ("gcc-*-linux-gnu*", "c", COMPILER),
    ("g++-*-linux-gnu*", "c", COMPILER),
    ("gcc-toolset-*", "c", COMPILER),
    ("devtoolset-*", "c", COMPILER),
    ("golang-[0-9]*", "go", COMPILER),
    ("go[0-9]*", "go", COMPILER),
    ("openjdk-*-jdk*", "jvm", COMPILER),
    ("openjdk[0-9]*-jdk*", "jvm", COMPILER),
    ("java-*-openjdk-devel*", "jvm", COMPILER),
    ("java-*-amazon-corretto-devel*", "jvm", COMPILER),
    ("temurin-*-jdk", "jvm", COMPILER),
    ("zulu*-jdk*", "jvm", COMPILER),
    ("msopenjdk-*", "jvm", COMPILER),
    ("dotnet-sdk-*", "dotnet", COMPILER),
    ("dotnet[0-9]*-sdk", "dotnet", COMPILER),
    ("dotnet-sdk*", "dotnet", COMPILER),
    ("nodejs[0-9]*", "node", RUNTIME),
    ("ghc-[0-9]*", "haskell", COMPILER),
    ("ocaml-*", "ocaml", HEADERS),
    ("*-dev", "c", HEADERS),
    ("*-devel", "c", HEADERS),
    ("*-headers", "c", HEADERS),
)

# per-manager names that differ from the common table (apk's openjdk17 is a JDK, …)
_BY_MANAGER: dict[str, dict[str, PackageToolchain]] = {
    "apk": {
        **_p("jvm", COMPILER, "openjdk8 openjdk11 openjdk17 openjdk21 openjdk7"),
        **_p("dotnet", COMPILER, "dotnet6-sdk dotnet7-sdk dotnet8-sdk dotnet9-sdk"),
    },
    "yum": {**_p("c", COMPILER, "@development-tools development-tools"),
            "development tools": PackageToolchain("c", COMPILER),
            "c development tools and libraries": PackageToolchain("c", COMPILER)},
    "dnf": {**_p("c", COMPILER, "@development-tools development-tools @c-development c-development"),
            "development tools": PackageToolchain("c", COMPILER),
            "c development tools and libraries": PackageToolchain("c", COMPILER)},
    "conda": {
        **_p("c", COMPILER, "gxx compilers c-compiler cxx-compiler fortran-compiler gcc_linux-64 "
             "gxx_linux-64 clangxx"),
        **_p("go", COMPILER, "go"),
    },
    "choco": {
        **_p("c", COMPILER, "mingw llvm visualstudio2017buildtools visualstudio2019buildtools "
             "visualstudio2022buildtools microsoft-build-tools visualcpp-build-tools "
             "vcbuildtools"),
        **_p("c", BUILD_TOOL, "make cmake ninja"),
        **_p("go", COMPILER, "golang"),
        **_p("rust", COMPILER, "rust rustup.install rust-ms"),
        **_p("jvm", COMPILER, "jdk8 jdk11 openjdk openjdk8 openjdk11 openjdk17 temurin temurin17 "
             "temurin21"),
        **_p("jvm", BUILD_TOOL, "maven gradle ant"),
        **_p("dotnet", COMPILER, "dotnet-sdk dotnetcore-sdk dotnet-8.0-sdk dotnet-6.0-sdk "
             "netfx-4.8-devpack netfx-4.7.2-devpack netfx-4.5.2-devpack nuget.commandline"),
        **_p("node", RUNTIME, "nodejs nodejs-lts yarn"),
    },
}

# package names that match a pattern above but are not toolchains
_NOT_TOOLCHAIN = frozenset(
    "go-md2man gosu golang-doc nodejs-doc libgcc libgcc1 libgcc-s1 libstdc++ libstdc++6 gcc-base "
    "llvm-libs clang-libs java-common npm-doc".split()
)


@functools.lru_cache(maxsize=4096)
def classify_package(manager: str, name: str) -> PackageToolchain | None:
    """Whether package `name` of package-manager family `manager` (``apt``, ``apk``, ``yum``,
    ``dnf``, ``zypper``, ``conda``, ``choco``) is part of a toolchain.

    >>> classify_package("apt", "build-essential")
    PackageToolchain(ecosystem='c', role='compiler')
    >>> classify_package("apt", "libpq-dev").role
    'headers'
    >>> classify_package("apt", "openjdk-17-jre-headless") is None
    True
    """
    if manager not in ("apt", "apk", "yum", "dnf", "zypper", "conda", "choco"):
        return None
    name = name.strip().lower()
    if ":" in name and manager == "apt":  # libc6-dev:i386
        name = name.split(":", 1)[0]
    if not name or name in _NOT_TOOLCHAIN or name.startswith(("$", "-")):
        return None
    found = _BY_MANAGER.get(manager, {}).get(name) or _COMMON.get(name)
    if found is not None:
        return found
    if "jre" in name:
        return None
    found = _pattern_match(name, manager)
    return None if found is None else PackageToolchain(*found)


def _literal_ends(pattern: str) -> tuple[str, str, bool]:
    """A glob's literal prefix and suffix, and whether it is nothing more (``*-dev``, ``ocaml-*``)."""
    cut = [i for i in (pattern.find("*"), pattern.find("[")) if i >= 0]
    head = pattern[: min(cut)] if cut else pattern
    rest = pattern[len(head):]
    last = max(rest.rfind("*"), rest.rfind("]"))
    tail = rest[last + 1:]
    return head, tail, rest[: last + 1] == "*"


_PATTERN_ENDS = [(_literal_ends(p), p, eco, role) for p, eco, role in _PATTERNS]


def _pattern_match(name: str, manager: str) -> tuple[str, str] | None:
    """The (ecosystem, role) of the first of `_PATTERNS` that `name` matches (``go[0-9]*`` only for
    apk, yum and dnf). A pattern's literal prefix and suffix are tested first and fnmatch only
    runs when both hold and the pattern has more than one ``*``: compiling all ~29 patterns for
    every run cost ~3 ms of each start, and most names (curl, libssl-dev) need none."""
    for (head, tail, star_only), pattern, eco, role in _PATTERN_ENDS:
        if not (name.startswith(head) and name.endswith(tail) and len(name) >= len(head) + len(tail)):
            continue
        if not star_only and not fnmatch.fnmatchcase(name, pattern):
            continue
        if pattern == "go[0-9]*" and manager not in ("apk", "yum", "dnf"):
            continue
        return (eco, role)
    return None


# ============================================================================================
# build steps


class BuildKind(_Frozen):
    """What a command does as a build: `tool` names it (``go build``, ``make``, ``npm run
    build``); `uses` the ecosystems whose toolchain it needs (`ANY` for a generic driver);
    `certain` is False for steps that compile only when a compiler is around and a package has
    no binary (``pip install``, ``gem install``, ``npm install``); `at_start` for a command that
    compiles when the container starts (``go run`` in CMD); `infer` is False for a step whose
    running says nothing about which toolchain is there (a ``./build.sh``)."""

    __slots__ = ("tool", "ecosystem", "uses", "certain", "at_start", "infer")
    _fields = _compare = _shown = __slots__

    tool: str
    ecosystem: str
    uses: frozenset[str]
    certain: bool
    at_start: bool
    infer: bool  # its running proves a toolchain is there (False for ./build.sh)

    def __init__(
        self, tool: str, ecosystem: str, uses: frozenset[str], certain: bool = True, at_start: bool = False,
        infer: bool = True,
    ) -> None:
        self.tool = tool
        self.ecosystem = ecosystem
        self.uses = uses
        self.certain = certain
        self.at_start = at_start
        self.infer = infer


def _k(tool: str, eco: str, *also: str, certain: bool = True) -> BuildKind:
    return BuildKind(tool, eco, frozenset((eco, *also)), certain)


_INFO_FLAGS = frozenset(
    "--version -version -v -V version --help -h help -dumpversion -dumpmachine -dumpfullversion "
    "-print-search-dirs -print-libgcc-file-name -print-prog-name -print-file-name -print-sysroot "
    "-print-multiarch --print-sysroot env".split()
)
_C_COMPILERS = frozenset("gcc g++ cc c++ clang clang++ tcc gfortran musl-gcc cl icc icx".split())
_C_COMPILER_RE = LazyPattern(r"(?:[a-z0-9_]+-)*(?:gcc|g\+\+|clang|clang\+\+)(?:-[0-9.]+)?")


def _may_be_c_compiler(name: str) -> bool:
    """Whether `_C_COMPILER_RE` can match `name` (a quick test that spares most runs compiling it)."""
    return "gcc" in name or "g++" in name or "clang" in name


_SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".f", ".f90", ".f95", ".s", ".S", ".o",
                    ".m", ".mm")
_BUILD_SCRIPT_WORDS = ("build", "compile", "dist", "bundle", "tsc", "webpack", "package")
_MVN_PHASES = frozenset("compile test-compile package install verify deploy".split())
_MVN_GOALS = frozenset("repackage build compile single shade jar war native-image native "
                       "build-image assembly".split())
_GRADLE_TASKS = frozenset(
    "build assemble bootjar bootwar jar war shadowjar installdist distzip disttar fatjar uberjar "
    "compilejava compilekotlin classes nativecompile buildfatjar installshadowdist shadowdisttar "
    "quarkusbuild buildplugin stage".split()
)
_JS_TOOLS = {
    "tsc": None, "webpack": None, "rollup": None, "esbuild": None, "tsup": None, "ncc": "build",
    "ng": "build", "next": "build", "vite": "build", "nest": "build", "nuxt": "build",
    "nuxi": "build", "gatsby": "build", "react-scripts": "build", "vue-cli-service": "build",
    "parcel": "build", "ember": "build", "quasar": "build", "astro": "build", "remix": "build",
    "gulp": None, "grunt": None, "svelte-kit": "build", "umi": "build", "craco": "build",
}
# tool names that are a certain build whatever their arguments (beyond --version)
_COMPILERS_BY_NAME: dict[str, BuildKind] = {
    "javac": _k("javac", "jvm"),
    "kotlinc": _k("kotlinc", "jvm"),
    "scalac": _k("scalac", "jvm"),
    "groovyc": _k("groovyc", "jvm"),
    "native-image": _k("native-image", "jvm", "c"),
    "rustc": _k("rustc", "rust", "c"),
    "ghc": _k("ghc", "haskell", "c"),
    "erlc": _k("erlc", "erlang"),
    "elixirc": _k("elixirc", "elixir", "erlang"),
    "swiftc": _k("swiftc", "swift", "c"),
    "dmd": _k("dmd", "d", "c"),
    "ldc2": _k("ldc2", "d", "c"),
    "ldmd2": _k("ldmd2", "d", "c"),
    "gdc": _k("gdc", "d", "c"),
    "ocamlopt": _k("ocamlopt", "ocaml", "c"),
    "ocamlc": _k("ocamlc", "ocaml", "c"),
    "ocamlfind": _k("ocamlfind", "ocaml", "c"),
    "valac": _k("valac", "c"),
    "fpc": _k("fpc", "c"),
    "mlton": _k("mlton", "c"),
    "gnatmake": _k("gnatmake", "c"),
    "gprbuild": _k("gprbuild", "c"),
    "ponyc": _k("ponyc", "c"),
    "urweb": _k("urweb", "c"),
    "csc": _k("csc", "dotnet"),
    "mcs": _k("mcs", "dotnet"),
    "msbuild": _k("msbuild", "dotnet", "c"),
    "xbuild": _k("xbuild", "dotnet"),
    "ninja": _k("ninja", "c"),
    "samu": _k("samu", "c"),
    "qmake": _k("qmake", "c"),
    "configure": _k("./configure", "c"),
    "scons": _k("scons", ANY),
    "waf": _k("waf", ANY),
    "node-gyp": _k("node-gyp", "c", "node"),
    "phpize": _k("phpize", "c"),
    "docker-php-ext-install": _k("docker-php-ext-install", "c"),
    "cmake": _k("cmake", "c"),
    "cmake3": _k("cmake", "c"),
}


# scripts that build, by name (which toolchain they use is not known from them)
_BUILD_SCRIPTS = frozenset("build.sh compile.sh make.sh build-release.sh".split())

# options of make, npm/yarn/pnpm/bun and pip that take a value (the next word)
_MAKE_VALUE_FLAGS = frozenset(("-C", "-f", "--file", "--makefile", "-j", "--jobs", "-I", "-o", "-W", "-l"))
_JS_VALUE_FLAGS = frozenset(("--prefix", "-C", "--dir", "--filter", "-F", "--cwd", "-w", "--workspace"))
_PIP_VALUE_FLAGS = frozenset((
    "-r", "-c", "-e", "-i", "-f", "-t", "--requirement", "--constraint", "--editable", "--index-url",
    "--extra-index-url", "--find-links", "--target", "--prefix", "--root", "--cache-dir", "--src",
    "--platform", "--python-version", "--implementation", "--abi", "--trusted-host", "--no-binary",
    "--only-binary", "--global-option", "--config-settings", "-C", "--progress-bar", "--retries",
    "--timeout", "--upgrade-strategy"))

# make targets that build nothing
_NOT_BUILD_TARGETS = frozenset("clean distclean mrproper help check test lint fmt format tidy "
                               "vet print-version version".split())


@functools.lru_cache(maxsize=4096)
def _name(word: str) -> str:
    base = word.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for ext in (".exe", ".cmd", ".bat"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base


def _positional(args: Sequence[str], value_flags: Iterable[str] = ()) -> list[str]:
    vf = value_flags if value_flags.__class__ is frozenset else set(value_flags)
    out: list[str] = []
    skip = False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a == "--":
            out.extend(args[i + 1 :])
            break
        if a.startswith("-") and len(a) > 1:
            if "=" not in a and a in vf:
                skip = True
            continue
        out.append(a)
    return out


def _only_info(args: Sequence[str]) -> bool:
    if not args or not (args[0] in _INFO_FLAGS or args[0].startswith("-print-")):
        return False  # (the usual answer, without a generator)
    return all(a in _INFO_FLAGS or a.startswith("-print-") for a in args)


def _script_is_build(name: str) -> bool:
    name = name.lower()
    return any(name.startswith(w) or f":{w}" in name or f"-{w}" in name for w in _BUILD_SCRIPT_WORDS) \
        or name in ("prod", "production", "release")


def classify_build(argv: Sequence[str], at_start: bool = False) -> BuildKind | None:
    """Whether the command `argv` (name first, wrappers already removed) is a build step.

    `at_start` classifies a CMD/ENTRYPOINT: there only commands that compile when the container
    starts count (``go run``, ``cargo run``, ``dotnet run``, ``mvn spring-boot:run``, ``gradle
    bootRun``, ``sbt run``…).

    >>> classify_build(["go", "build", "-o", "/app", "."]).tool
    'go build'
    >>> classify_build(["pip", "install", "lxml"]).certain
    False
    >>> classify_build(["echo", "go build"]) is None
    True
    """
    if not argv:
        return None
    name = _name(argv[0])
    if not at_start and not _may_build(name):
        return None  # (most commands: no need to look at the arguments)
    args = list(argv[1:])
    if _only_info(args):
        return None
    kind = _start_kind(name, args) if at_start else _build_kind(name, args)
    if kind is not None and at_start:
        kind = kind._replace(at_start=True)
    return kind


_build_names: frozenset[str] | None = None


def _may_build(name: str) -> bool:
    """False when `_build_kind` is None for command `name` whatever its arguments: it is none of
    the names `_build_kind` looks for (tests/test_toolchain.py checks that this set holds every
    one of them)."""
    global _build_names
    names = _build_names
    if names is None:
        names = _build_names = frozenset(
            [*_COMPILERS_BY_NAME, *_C_COMPILERS, *_BUILD_SCRIPTS, *_JS_TOOLS, *_BUILD_NAMES.split()]
        )
    return name in names or name.startswith("python") or "gcc" in name or "g++" in name or "clang" in name


#: The other command names `_build_kind` knows (python* and C compiler names are matched apart).
_BUILD_NAMES = (
    "sh bash ash dash make gmake bmake nmake mingw32-make remake go xx-go cargo xx-cargo meson muon "
    "bazel bazelisk mvn mvnw gradle gradlew sbt lein clojure clj npm pnpm yarn yarnpkg bun npx pnpx "
    "bunx dotnet pip pip3 pip2 uv poetry pipenv gem bundle pecl cpanm cpan luarocks cabal stack "
    "crystal shards dune opam esy mix rebar3 rebar grails swift dub nim nimble zig dart dart2native "
    "flutter"
)


def _start_kind(name: str, args: list[str]) -> BuildKind | None:
    pos = _positional(args)
    sub = pos[0] if pos else None
    if name in _BUILD_SCRIPTS or (name in ("sh", "bash") and sub and _name(sub) in _BUILD_SCRIPTS):
        script = name if name in _BUILD_SCRIPTS else _name(sub or "")
        return BuildKind(f"./{script}", ANY, frozenset((ANY,)), True, True, False)
    if name in ("go", "xx-go") and sub == "run":
        return _k("go run", "go", "c")
    if name == "cargo" and sub == "run":
        return _k("cargo run", "rust", "c")
    if name == "dotnet" and sub in ("run", "watch"):
        return _k(f"dotnet {sub}", "dotnet")
    if name in ("mvn", "mvnw") and any(p.endswith((":run", ":dev", "exec:java")) for p in pos):
        goal = next(p for p in pos if p.endswith((":run", ":dev", "exec:java")))
        return _k(f"mvn {goal}", "jvm")
    if name in ("gradle", "gradlew") and any(p.rsplit(":", 1)[-1].lower() in ("run", "bootrun") for p in pos):
        return _k("gradle " + next(p for p in pos if p.rsplit(":", 1)[-1].lower() in ("run", "bootrun")), "jvm")
    if name == "sbt" and any(w.strip(";").lower() in ("run", "~run", "~restart") for a in args for w in a.split()):
        return _k("sbt run", "jvm")
    if name == "lein" and sub in ("run", "ring"):
        return _k(f"lein {sub}", "jvm")
    if name in ("cabal", "stack") and sub == "run":
        return _k(f"{name} run", "haskell", "c")
    if name in ("crystal", "swift", "zig", "dub") and sub == "run":
        eco = {"crystal": "crystal", "swift": "swift", "zig": "zig", "dub": "d"}[name]
        return _k(f"{name} run", eco, "c")
    return None


def _build_kind(name: str, args: list[str]) -> BuildKind | None:  # noqa: C901 - a table in code
    # first the commonest names that read their arguments their own way (they need no `pos`)
    if name in ("make", "gmake", "bmake", "nmake", "mingw32-make", "remake"):
        targets = [p for p in _positional(args, _MAKE_VALUE_FLAGS) if "=" not in p]
        if targets and all(t in _NOT_BUILD_TARGETS for t in targets):
            return None
        return _k(name, ANY, "c")
    if name in ("npm", "pnpm", "yarn", "yarnpkg", "bun"):
        return _js_kind(name, args)
    if name in ("pip", "pip3", "pip2"):
        return _pip_kind(args)
    pos = _positional(args)
    sub = pos[0] if pos else None
    if name in _COMPILERS_BY_NAME:
        kind = _COMPILERS_BY_NAME[name]
        if name in ("cmake", "cmake3") and ("-E" in args or "-P" in args):
            return None
        if name == "ninja" and ("-t" in args):
            return None
        return kind
    if name in _C_COMPILERS or _may_be_c_compiler(name) and _C_COMPILER_RE.fullmatch(name):
        if "-E" in args or "-M" in args or "-MM" in args:
            return None
        if "-o" in args or "-c" in args or any(p.endswith(_SOURCE_SUFFIXES) for p in pos) or any(a.startswith("-o") for a in args):
            return _k(name, "c")
        return None
    if name in _BUILD_SCRIPTS:
        return BuildKind(f"./{name}", ANY, frozenset((ANY,)), True, False, False)
    if name in ("sh", "bash", "ash", "dash") and pos and _name(pos[0]) in _BUILD_SCRIPTS:
        return BuildKind(f"./{_name(pos[0])}", ANY, frozenset((ANY,)), True, False, False)
    if name in ("go", "xx-go"):
        if sub in ("build", "install"):
            return _k(f"go {sub}", "go", "c")
        if sub == "get" and not any(a in ("-d", "-download-only") for a in args):
            return _k("go get", "go", "c")
        if sub == "run":
            return _k("go run", "go", "c")
        return None
    if name == "cargo" or name == "xx-cargo":
        rest = [p for p in pos if not p.startswith("+")]
        sub = rest[0] if rest else None
        if sub in ("build", "b", "install", "rustc", "run", "chef") and not (sub == "chef" and "cook" not in rest):
            return _k(f"cargo {sub}" if sub != "chef" else "cargo chef cook", "rust", "c")
        return None
    if name in ("meson", "muon"):
        if sub in (None, "setup", "compile", "install") or (sub and not sub.startswith("-")):
            return _k("meson", "c")
        return None
    if name in ("bazel", "bazelisk"):
        if sub in ("build", "run", "test"):
            return _k(f"bazel {sub}", ANY, "c", "jvm")
        return None
    if name in ("mvn", "mvnw"):
        value_flags = ("-f", "--file", "-s", "--settings", "-P", "--activate-profiles", "-pl",
                       "--projects", "-gs", "-t", "-T", "--threads", "-rf", "-l", "--log-file")
        goals = _positional(args, value_flags)
        for g in goals:
            if g in _MVN_PHASES or (":" in g and g.rsplit(":", 1)[-1] in _MVN_GOALS):
                return _k(f"mvn {g}", "jvm")
        return None
    if name in ("gradle", "gradlew"):
        tasks = _positional(args, ("-p", "--project-dir", "-x", "--exclude-task", "-b",
                                   "--build-file", "-c", "--settings-file", "-g", "--gradle-user-home",
                                   "-I", "--init-script", "-P", "-D"))
        for t in tasks:
            if t.rsplit(":", 1)[-1].lower() in _GRADLE_TASKS:
                return _k(f"gradle {t}", "jvm")
        return None
    if name == "sbt":
        words = [w.strip(";").lower() for a in args for w in a.replace(";", " ").split()]
        for w in words:
            last = w.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
            if last in ("compile", "stage", "assembly", "package", "packagebin", "dist", "publishlocal", "pack",
                        "nativeimage", "universal:packagebin", "docker:stage", "graalvm-native-image"):
                return _k(f"sbt {w}", "jvm")
        return None
    if name == "lein":
        if sub in ("uberjar", "jar", "compile", "install", "ring", "package", "cljsbuild"):
            return _k(f"lein {sub}", "jvm")
        return None
    if name in ("clojure", "clj"):
        if any(a.startswith("-T:build") or "uberjar" in a or a in ("uber", "jar", "compile") for a in args):
            return _k("clojure -T:build", "jvm")
        return None
    if name in ("npx", "pnpx", "bunx"):
        inner = _positional(args, ("-p", "--package", "-c", "--call"))
        return _build_kind(_name(inner[0]), args[args.index(inner[0]) + 1 :]) if inner else None
    if name in _JS_TOOLS:
        wanted = _JS_TOOLS[name]
        if wanted is None:
            if name in ("gulp", "grunt") and sub is not None and not _script_is_build(sub):
                return None
            return _k(name, "node")
        if sub == wanted or (name in ("nuxt", "nuxi") and sub == "generate"):
            return _k(f"{name} {sub}", "node")
        return None
    if name == "dotnet":
        if sub in ("publish", "build", "pack", "msbuild"):
            return _k(f"dotnet {sub}", "dotnet")
        return None
    if name == "uv" and sub == "pip" and len(pos) > 1 and pos[1] == "install":
        return _pip_kind(args[args.index("pip") + 1 :])
    if name in ("python", "python3", "python2") or re.fullmatch(r"python[0-9.]+", name):
        if pos and pos[0] == "setup.py" and len(pos) > 1:
            step = pos[1]
            if step == "build_ext":
                return _k("python setup.py build_ext", "c")
            if step in ("build", "install", "bdist_wheel", "develop"):
                return _k(f"python setup.py {step}", "c", certain=False)
        if "-m" in args:
            i = args.index("-m")
            mod = args[i + 1] if i + 1 < len(args) else ""
            if mod in ("pip", "pip3"):
                return _pip_kind(args[i + 2 :])
            if mod == "build":
                return _k("python -m build", "c", certain=False)
        return None
    if name in ("poetry", "pipenv") and sub in ("install", "sync"):
        return _k(f"{name} {sub}", "c", certain=False)
    if name == "uv" and sub == "sync":
        return _k("uv sync", "c", certain=False)
    if name == "gem" and sub in ("install", "i"):
        gems = [p for p in pos[1:]]
        if gems and all(g.split(":")[0] in ("bundler", "rake", "rubygems-update") for g in gems):
            return None
        return _k("gem install", "c", certain=False)
    if name == "bundle" and sub in (None, "install"):
        return _k("bundle install", "c", certain=False)
    if name == "pecl" and sub == "install":
        return _k("pecl install", "c")
    if name in ("cpanm", "cpan") and pos:
        return _k(name, "c", certain=False)
    if name == "luarocks" and sub in ("install", "make", "build"):
        return _k(f"luarocks {sub}", "c", certain=False)
    if name in ("cabal", "stack"):
        if sub in ("build", "install", "v2-build", "v2-install", "new-build", "new-install",
                   "v1-build", "v1-install"):
            return _k(f"{name} {sub}", "haskell", "c")
        return None
    if name == "crystal" and sub in ("build", "compile"):
        return _k(f"crystal {sub}", "crystal", "c")
    if name == "shards" and sub == "build":
        return _k("shards build", "crystal", "c")
    if name == "dune" and sub in ("build", "install"):
        return _k(f"dune {sub}", "ocaml", "c")
    if name == "opam":
        if sub == "install":
            return _k("opam install", "ocaml", "c")
        if sub == "exec" and "--" in args:
            inner = args[args.index("--") + 1 :]
            return _build_kind(_name(inner[0]), inner[1:]) if inner else None
        return None
    if name == "esy" and sub in (None, "build", "install"):
        return _k("esy", "ocaml", "c")
    if name == "mix":
        words = {w.strip(",+") for p in pos for w in p.split()}
        for step in ("compile", "release", "deps.compile", "escript.build"):
            if step in words:
                return _k(f"mix {step}", "elixir", "erlang", "c")
        return None
    if name in ("rebar3", "rebar") and sub in ("compile", "release", "tar", "escriptize", "as",
                                                "generate"):
        return _k(f"{name} {sub}", "erlang", "c")
    if name == "grails" and any(p in ("compile", "war", "package", "assemble") for p in pos):
        return _k("grails " + next(p for p in pos if p in ("compile", "war", "package", "assemble")), "jvm")
    if name == "swift" and sub == "build":
        return _k("swift build", "swift", "c")
    if name == "dub" and sub in (None, "build"):
        return _k("dub build", "d", "c")
    if name == "nim" and sub in ("c", "cpp", "compile", "cc"):
        return _k(f"nim {sub}", "nim", "c")
    if name == "nimble" and sub in ("build", "install", "c", "cpp"):
        return _k(f"nimble {sub}", "nim", "c")
    if name == "zig" and sub in ("build", "build-exe", "build-lib", "cc", "c++"):
        return _k(f"zig {sub}", "zig", "c")
    if name == "dart" and sub == "compile":
        return _k("dart compile", "dart")
    if name == "dart2native":
        return _k("dart2native", "dart")
    if name == "flutter" and sub == "build":
        return _k("flutter build", "dart")
    return None


def _js_kind(name: str, args: list[str]) -> BuildKind | None:
    tool = "yarn" if name == "yarnpkg" else name
    pos = _positional(args, _JS_VALUE_FLAGS)
    if not pos:
        if tool == "yarn":  # plain `yarn` installs
            return _install_kind(tool, args)
        return None
    sub = pos[0]
    if sub in ("run", "run-script"):
        script = pos[1] if len(pos) > 1 else ""
        if script and _script_is_build(script):
            return _k(f"{tool} run {script}", "node")
        return None
    if sub in ("install", "i", "ci", "add") and tool != "bun" or (tool == "bun" and sub == "install"):
        if sub == "add" and tool == "npm":
            return None
        return _install_kind(tool, args)
    if sub in ("rebuild", "rb"):
        return _k(f"{tool} rebuild", "c", "node")
    if sub == "workspace" and len(pos) >= 3:
        return _js_kind(name, pos[2:]) if pos[2] not in ("run",) else _js_kind(name, pos[2:])
    if sub == "workspaces" and len(pos) >= 3 and pos[1] == "foreach":
        return _js_kind(name, pos[2:])
    if tool in ("yarn", "pnpm", "bun") and _script_is_build(sub):
        return _k(f"{tool} {sub}", "node")
    if tool == "npm" and sub == "exec" and len(pos) > 1:
        return _build_kind(_name(pos[1]), pos[2:])
    return None


def _install_kind(tool: str, args: list[str]) -> BuildKind | None:
    if "--ignore-scripts" in args:
        return None
    return _k(f"{tool} install", "c", certain=False)


def _pip_kind(args: list[str]) -> BuildKind | None:
    pos = _positional(args, _PIP_VALUE_FLAGS)
    if not pos or pos[0] not in ("install", "wheel"):
        return None
    values = {a.split("=", 1)[0] for a in args}
    if "--only-binary" in values:
        i = next((j for j, a in enumerate(args) if a.startswith("--only-binary")), -1)
        val = args[i].split("=", 1)[1] if "=" in args[i] else (args[i + 1] if i + 1 < len(args) else "")
        if ":all:" in val:
            return None
    if "--no-index" in values and ("--find-links" in values or "-f" in values):
        return None  # installs wheels built elsewhere
    if "--no-binary" in values:
        return _k("pip install --no-binary", "c")
    if pos[0] == "wheel":
        return _k("pip wheel", "c", certain=False)
    if len(pos) == 1 and not ({"-r", "--requirement", "-e", "--editable"} & values):
        return None  # nothing named
    return _k("pip install", "c", certain=False)


# ============================================================================================
# facts about instructions


class Toolchain(_Frozen):
    """One piece of toolchain in a stage, and where it came from.

    `origin` is ``image`` (the stage's base image: `span` is the image word in the FROM),
    ``package`` (installed by a package manager: `span` is the package argument, `package` the
    parsed package, `command` the install command), ``copy`` (``COPY --from=<toolchain image>``),
    ``download`` (a RUN that fetched it without a package manager: `span` the URL or command) or
    ``inferred`` (a build step proves it is there and nothing above explains it: `span` is the
    chain's base image word). `removed_by` is the command that removes it in the same RUN (then
    it does not ship); `removed_later` a later RUN of the chain that removes it (it still ships:
    the bytes stay in the earlier layer)."""

    __slots__ = ("ecosystem", "name", "role", "origin", "span", "instruction", "stage", "incidental",
                 "manager", "package", "command", "group", "removed_by", "removed_later")
    _fields = __slots__
    # package, command, removed_by and removed_later are neither compared nor shown
    _compare = _shown = ("ecosystem", "name", "role", "origin", "span", "instruction", "stage",
                         "incidental", "manager", "group")

    ecosystem: str
    name: str  # "golang:1.22", "build-essential", "libpq-dev", "go" (inferred)
    role: str
    origin: str
    span: Span
    instruction: Instruction
    stage: int
    incidental: bool
    manager: str | None
    package: Package | None
    command: Command | None
    group: str | None  # apk --virtual name
    removed_by: Command | None
    removed_later: Instruction | None

    def __hash__(self) -> int:
        # (over a few of the compared fields, which equal pieces share: hashing them all hashed
        # the whole Instruction each time, and `evidence` keys a dict by thousands of pieces)
        return hash((self.name, self.span.start, self.origin))

    def __init__(
        self,
        ecosystem: str,
        name: str,
        role: str,
        origin: str,
        span: Span,
        instruction: Instruction,
        stage: int,
        incidental: bool = False,
        manager: str | None = None,
        package: Package | None = None,
        command: Command | None = None,
        group: str | None = None,
        removed_by: Command | None = None,
        removed_later: Instruction | None = None,
    ) -> None:
        self.ecosystem = ecosystem
        self.name = name
        self.role = role
        self.origin = origin
        self.span = span
        self.instruction = instruction
        self.stage = stage
        self.incidental = incidental
        self.manager = manager
        self.package = package
        self.command = command
        self.group = group
        self.removed_by = removed_by
        self.removed_later = removed_later

    @property
    def line(self) -> int:
        return self.instruction.line

    @property
    def removed(self) -> bool:
        """Removed in the same RUN, so it does not ship."""
        return self.removed_by is not None

    @property
    def label(self) -> str:
        return ECOSYSTEM_LABELS.get(self.ecosystem, self.ecosystem)

    @property
    def can_build(self) -> bool:
        """A compiler, build tool or building runtime (not mere headers)."""
        return self.role != HEADERS

    def describe(self) -> str:
        """``golang:1.22 (base image, line 1)``, ``gcc (apt-get install, line 3)``."""
        if self.origin == "image":
            return f"{self.name} (base image, line {self.line})"
        if self.origin == "package":
            tool = self.command.basename if self.command is not None else (self.manager or "package")
            verb = {"apk": "add", "choco": "install"}.get(tool, "install")
            return f"{self.name} ({tool} {verb}, line {self.line})"
        if self.origin == "copy":
            return f"{self.name} (COPY --from, line {self.line})"
        if self.origin == "download":
            return f"{self.name} (downloaded, line {self.line})"
        return f"{self.name} (from the base image, line {self.line})"


class BuildStep(_Frozen):
    """A command that builds: in a RUN, or in CMD/ENTRYPOINT when it compiles at start.
    `span` is the command (from its name on); made None, it is the command's span, computed when
    asked for (a big file has thousands of build steps, and hardly any span is looked at)."""

    __slots__ = ("kind", "_span", "instruction", "stage", "command", "text")
    _fields = ("kind", "span", "instruction", "stage", "command", "text")
    _compare = _shown = ("kind", "span", "instruction", "stage", "text")  # not the command

    kind: BuildKind
    instruction: Instruction
    stage: int
    command: Command | None
    text: str

    def __init__(
        self, kind: BuildKind, span: Span | None, instruction: Instruction, stage: int,
        command: Command | None = None, text: str = "",
    ) -> None:
        self.kind = kind
        self._span = span
        self.instruction = instruction
        self.stage = stage
        self.command = command
        self.text = text

    @property
    def span(self) -> Span:
        span = self._span
        if span is None:
            assert self.command is not None
            span = self._span = self.command.span
        return span

    @property
    def tool(self) -> str:
        return self.kind.tool

    @property
    def line(self) -> int:
        return self.instruction.line

    @property
    def certain(self) -> bool:
        return self.kind.certain

    @property
    def at_start(self) -> bool:
        return self.kind.at_start

    def served_by(self, toolchain: Toolchain) -> bool:
        """Whether this step can use `toolchain`."""
        uses = self.kind.uses
        return ANY in uses or toolchain.ecosystem in uses


# -- light commands: the shell layer's, or split from a cmd/PowerShell body or exec form


class _Argv(Sequence[str]):
    """A shell command's word values, made when asked for and not kept: a tuple of them kept
    every nested ``$(…)`` once per level (hundreds of MB on deeply nested substitutions)."""

    __slots__ = ("_words",)

    def __init__(self, words: Sequence[Any]) -> None:
        self._words = words

    def __len__(self) -> int:
        return len(self._words)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            return tuple(w.value for w in self._words[i])
        return self._words[i].value

    def __iter__(self) -> Iterator[str]:
        return (w.value for w in self._words)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))


class _Call(_Frozen):
    __slots__ = ("argv", "spans", "span_", "command")
    _fields = _compare = _shown = __slots__

    argv: Sequence[str]
    spans: tuple[Span, ...]  # one per argv word
    span_: Span | None  # None: the command's span, computed when asked for
    command: Command | None

    def __init__(
        self, argv: Sequence[str], spans: tuple[Span, ...], span_: Span | None, command: Command | None = None
    ) -> None:
        self.argv = argv
        self.spans = spans
        self.span_ = span_
        self.command = command

    @property
    def span(self) -> Span:
        if self.span_ is not None:
            return self.span_
        assert self.command is not None
        return self.command.span

    @property
    def name(self) -> str:
        return _name(self.argv[0]) if self.argv else ""


def split_windows_commands(text: str) -> list[list[tuple[str, int, int]]]:
    """Split a cmd or PowerShell body into commands, each a list of ``(word, start, end)`` with
    offsets into `text`: quotes (``"…"``, PowerShell's ``'…'``) group words; ``&&``, ``||``,
    ``&``, ``|``, ``;`` and newlines separate commands; `` `\\n`` and ``^\\n`` continue. A
    ``cmd /c …`` or ``powershell -Command …`` prefix is dropped so the inner command counts."""
    commands: list[list[tuple[str, int, int]]] = []
    words: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r":
            i += 1
            continue
        if ch in "\n;|&":
            if words:
                commands.append(words)
                words = []
            i += 1
            continue
        start = i
        buf = []
        while i < n and text[i] not in " \t\r\n;|&":
            c = text[i]
            if c in "\"'":
                j = text.find(c, i + 1)
                j = n if j < 0 else j
                buf.append(text[i + 1 : j])
                i = j + 1
                continue
            buf.append(c)
            i += 1
        words.append(("".join(buf), start, i))
    if words:
        commands.append(words)
    out = []
    for cmd in commands:
        while cmd and _name(cmd[0][0]) in ("cmd", "powershell", "pwsh", "call", "start") :
            rest = cmd[1:]
            while rest and rest[0][0].startswith(("/", "-")):
                rest = rest[1:]
            cmd = rest
        if cmd and cmd[0][0] in ("&", "."):
            cmd = cmd[1:]
        if cmd:
            out.append(cmd)
    return out


def _calls(ctx: Context, instruction: Instruction) -> list[_Call] | None:
    """The commands of a RUN/CMD/ENTRYPOINT as `_Call`s: from the shell layer for a POSIX shell,
    else split from the exec-form list or the cmd/PowerShell body. None when nothing runs."""
    cache = _stage_cache(ctx)
    key = ("calls", id(instruction))
    if key in cache:
        return cache[key]
    result = _calls_uncached(ctx, instruction)
    cache[key] = result
    return result


def _argv_of(inner: Command) -> Sequence[str]:
    """The word values of a shell command; of a long one (nested substitutions, a huge heredoc
    line) made when asked (its length in its piece: the file span, computed only when a finding
    needs it, is as long or longer by the line continuations)."""
    words = inner.words
    return tuple([a.value for a in words]) if inner._end - inner._start < 4096 else _Argv(words)


def _calls_uncached(ctx: Context, instruction: Instruction) -> list[_Call] | None:
    script = ctx.script(instruction)
    if script is not None:
        out = []
        for cmd in script.commands:
            inner = cmd.unwrapped()
            out.append(_Call(_argv_of(inner), (), None, inner))
        return out
    try:
        argv = instruction.json
    except ValueError:
        argv = None
    span = instruction.args_span
    if argv is not None:
        if len(argv) >= 3 and _name(argv[0]) in ("sh", "bash", "ash", "dash") and argv[1] in ("-c", "-ec", "-ex", "-exc"):
            return [_Call(tuple(w for w, _, _ in c), (), span) for c in split_windows_commands(argv[2])]
        if argv and _name(argv[0]) in ("cmd", "powershell", "pwsh"):
            return [_Call(tuple(w for w, _, _ in c), (), span)
                    for c in split_windows_commands(" ".join(argv))]
        return [_Call(tuple(argv), (), span)] if argv else []
    if instruction.heredocs:
        return None
    text = instruction.args
    out = []
    for words in split_windows_commands(text):
        start, end = words[0][1], words[-1][2]
        out.append(_Call(tuple(w for w, _, _ in words),
                         tuple(instruction.args_subspan(s, e) for _, s, e in words),
                         instruction.args_subspan(start, end)))
    return out


def instruction_builds(ctx: Context, instruction: Instruction, stage: int | None = None) -> list[BuildStep]:
    """The build steps of a RUN (every command that builds), or of a CMD/ENTRYPOINT (commands
    that compile when the container starts), in order."""
    if instruction.name not in ("RUN", "CMD", "ENTRYPOINT"):
        return []
    at_start = instruction.name != "RUN"
    if stage is None:
        st = ctx.graph.stage_of(instruction)
        stage = st.index if st is not None else -1
    if not at_start:
        script = ctx.script(instruction)
        if script is not None:
            return _script_builds(script, instruction, stage)
    calls = _calls(ctx, instruction) or []
    out = []
    for call in calls:
        kind = classify_build(call.argv, at_start=at_start)
        if kind is None or (call.command is not None and _is_data(call.command)):
            continue
        text = call.command.text if call.command is not None else " ".join(call.argv)
        out.append(BuildStep(kind, call.span, instruction, stage, call.command, text))
    return out


def _script_builds(script: Script, instruction: Instruction, stage: int) -> list[BuildStep]:
    """`instruction_builds` of a RUN's shell script: as through `_calls`, but the arguments are
    only looked at for a command whose name may build (most RUNs build nothing: a big file
    spent most of this module's time making the word lists of commands such as ``rm``)."""
    out: list[BuildStep] = []
    building = _building_names(script.names)
    if not building:
        return out
    for cmd in script.commands:
        inner = cmd if cmd.inner() is None else cmd.unwrapped()
        if inner.basename not in building:
            continue
        argv = _argv_of(inner)
        kind = _classify_run_words(argv) if argv.__class__ is tuple else classify_build(argv)
        if kind is None or _is_data(inner):
            continue
        out.append(BuildStep(kind, None, instruction, stage, inner, inner.text))
    return out


@functools.lru_cache(maxsize=4096)
def _classify_run_words(argv: tuple[str, ...]) -> BuildKind | None:
    """`classify_build` of a RUN's command, remembered (a file runs the same commands again and
    again; a `BuildKind` is immutable)."""
    return classify_build(argv)


@functools.lru_cache(maxsize=4096)
def _may_build_basename(basename: str) -> bool:
    """`_may_build` of a command's basename (``classify_build`` names a command by its first
    word as `_name` reads it, the same for the word and its basename)."""
    return _may_build(_name(basename))


_building_names_of: dict[frozenset[str], frozenset[str]] = {}


def _building_names(names: frozenset[str]) -> frozenset[str]:
    """Those of a script's `Script.names` (every command and what its wrappers run) that may
    build, remembered per set of names: the scripts of a file run the same few sets of commands,
    and most run no command that builds."""
    found = _building_names_of.get(names)
    if found is None:
        if len(_building_names_of) >= 4096:
            _building_names_of.clear()
        found = _building_names_of[names] = frozenset([n for n in names if _may_build_basename(n)])
    return found


def _is_data(cmd: Command) -> bool:
    """A command that only runs as a test of presence: ``command -v gcc``, ``which make``."""
    outer = cmd.outermost
    return outer.basename in ("command", "which", "type", "hash") and outer is cmd


# -- packages of a RUN, with same-RUN removal


def _expand_arg(arg_value: str, arg_raw: str, assignments: dict[str, str], scope: dict[str, str]) -> list[str] | None:
    """The words of a ``$VAR`` / ``${VAR}`` package argument (a list of packages in a variable:
    ``apt-get install $buildDeps``), or None."""
    m = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", arg_value)
    if not m:
        return None
    var = m.group(1)
    value = assignments.get(var, scope.get(var))
    if value is None:
        return None
    return value.split()


def _assignments_before(script: Script, pos: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for a in script.assignments:
        if a.span.start < pos:
            out[a.name] = a.value
    for cmd in script.commands:
        if cmd.span.start >= pos:
            break
        if cmd.basename in ("export", "local", "declare", "readonly"):
            for arg in cmd.args:
                key, eq, value = arg.value.partition("=")
                if eq and key.replace("_", "a").isalnum():
                    out[key] = value
    return out


#: The system package managers (families of `dflint.packages`) whose packages can be toolchains.
_SYSTEM_MANAGERS = ("apt", "apk", "yum", "dnf", "zypper", "conda")


_system_tools_found: frozenset[str] = frozenset()


def _system_tools() -> frozenset[str]:
    """The command names of the `_SYSTEM_MANAGERS` (``apt-get``, ``apk``, ``microdnf``…): a script
    none of whose `Script.names` is one has no system package command."""
    global _system_tools_found
    if not _system_tools_found:
        from dflint.packages import MANAGERS

        _system_tools_found = frozenset([t for t, family in MANAGERS.items() if family in _SYSTEM_MANAGERS])
    return _system_tools_found


def run_toolchains(ctx: Context, instruction: Instruction, stage: int | None = None) -> list[Toolchain]:
    """The toolchain packages a RUN installs (apt, apk, yum/dnf, zypper, conda; choco on
    Windows), in order, each with `removed_by` set when the same RUN removes it again."""
    if instruction.name != "RUN":
        return []
    if stage is None:
        st = ctx.graph.stage_of(instruction)
        stage = st.index if st is not None else -1
    script = ctx.script(instruction)
    if script is None:
        return _windows_packages(ctx, instruction, stage)
    from dflint.packages import package_commands

    pcs = package_commands(script, _SYSTEM_MANAGERS)
    return _package_toolchains(ctx, instruction, stage, script, pcs) if pcs else []


def _package_toolchains(ctx: Context, instruction: Instruction, stage: int, script: Script,
                        pcs: list[PackageCommand]) -> list[Toolchain]:
    """`run_toolchains` of a RUN's shell script, given its system package commands `pcs`."""
    scope: dict[str, str] | None = None
    out: list[Toolchain] = []
    # remove commands with resolved names, and apt-mark auto: looked at when a toolchain package
    # is installed (most package installs are not)
    removals: list[tuple[PackageCommand, set[str]]] | None = None
    auto_marks: list[tuple[Command, list[str]]] = []

    def names_of(pc: PackageCommand) -> list[tuple[str, Package]]:
        nonlocal scope
        got: list[tuple[str, Package]] = []
        for pkg in pc.packages:
            if pkg.arg.static:
                got.append((pkg.name, pkg))
                continue
            if scope is None:
                scope = ctx.graph.scope_at(instruction)
            words = _expand_arg(pkg.arg.value, pkg.arg.raw,
                                _assignments_before(script, pc.command.span.start), scope)
            for w in words or ():
                got.append((_strip_version(pc.manager, w), pkg))
        return got

    for pc in pcs:
        if pc.action != "install":
            continue
        group = None
        if pc.manager == "apk":
            vals = pc.option_values("--virtual", "-t")
            group = vals[-1] if vals else None
        for name, pkg in names_of(pc):
            info = classify_package(pc.manager, name)
            if info is None:
                continue
            if removals is None:
                removals = []
                for other in pcs:
                    if other.action == "remove":
                        removals.append((other, {n for n, _ in names_of(other)}))
                    elif other.action == "autoremove":
                        removals.append((other, set()))
                for cmd in script.find("apt-mark", "auto"):
                    auto_marks.append((cmd, [a.value for a in cmd.positional[1:]]))
            removed = _removal(script, pc, name, group, removals, auto_marks)
            out.append(Toolchain(info.ecosystem, name, info.role, "package", pkg.arg.span, instruction,
                                 stage, manager=pc.manager, package=pkg, command=pc.command,
                                 group=group, removed_by=removed))
    return out


def _strip_version(manager: str, word: str) -> str:
    if manager == "apt":
        return word.split("=", 1)[0]
    if manager == "apk":
        return re.split(r"[=~<>]", word, 1)[0]
    return word


def _removal(script: Script, install: PackageCommand, name: str, group: str | None,
             removals: list[tuple[PackageCommand, set[str]]],
             auto_marks: list[tuple[Command, list[str]]]) -> Command | None:
    from dflint.shell import Script as _S

    for pc, names in removals:
        if pc.manager != install.manager and {pc.manager, install.manager} != {"yum", "dnf"}:
            continue
        if not _S.before(install.command, pc.command):
            continue
        if pc.action == "remove":
            if name in names or (group is not None and group in names) or any(
                    fnmatch.fnmatchcase(name, n) for n in names if any(c in n for c in "*?[")):
                return pc.command
            if pc.manager == "apt" and pc.has_flag("--auto-remove", "--autoremove") and \
                    _auto_marked(script, install, pc, name, auto_marks):
                return pc.command
        elif pc.action == "autoremove" and pc.manager == "apt":
            if _auto_marked(script, install, pc, name, auto_marks):
                return pc.command
    return None


def _auto_marked(script: Script, install: PackageCommand, remover: PackageCommand, name: str,
                 auto_marks: list[tuple[Command, list[str]]]) -> bool:
    """``apt-mark auto '.*'`` (or naming the package) between the install and the autoremove."""
    from dflint.shell import Script as _S

    for cmd, patterns in auto_marks:
        if not (_S.before(install.command, cmd) and _S.before(cmd, remover.command)):
            continue
        if not all(a.static for a in cmd.positional[1:]):
            return True  # apt-mark auto $list: assume it covers what was installed
        for p in patterns:
            if p in (".*", "*", "^.*$", ".+", "'.*'") or p == name or fnmatch.fnmatchcase(name, p):
                return True
    return False


def _windows_packages(ctx: Context, instruction: Instruction, stage: int) -> list[Toolchain]:
    calls = _calls(ctx, instruction) or []
    out = []
    for call in calls:
        if call.name not in ("choco", "cinst") or len(call.argv) < 2:
            continue
        args = call.argv[1:] if call.name == "choco" else ("install", *call.argv[1:])
        if args[0] != "install":
            continue
        for i, word in enumerate(args[1:], start=1):
            if word.startswith("-") or word.startswith("/"):
                continue
            info = classify_package("choco", word)
            if info is None:
                continue
            index = i if call.name == "choco" else i - 1 + 1
            span = call.spans[index] if index < len(call.spans) else call.span
            out.append(Toolchain(info.ecosystem, word, info.role, "package", span, instruction, stage,
                                 manager="choco"))
    return out


# -- downloads of a toolchain without a package manager

_DOWNLOAD_HINTS: tuple[tuple[str, str, str], ...] = (
    ("sh.rustup.rs", "rust", "rustup"),
    ("rustup-init", "rust", "rustup"),
    ("static.rust-lang.org", "rust", "rust"),
    ("go.dev/dl/", "go", "go"),
    ("golang.org/dl/", "go", "go"),
    ("dl.google.com/go/", "go", "go"),
    ("storage.googleapis.com/golang/", "go", "go"),
    ("dot.net/v1/dotnet-install", "dotnet", "dotnet-install"),
    ("dotnet-install.sh", "dotnet", "dotnet-install"),
    ("get.sdkman.io", "jvm", "sdkman"),
    ("archive.apache.org/dist/maven", "jvm", "maven"),
    ("apache.org/maven", "jvm", "maven"),
    ("services.gradle.org/distributions", "jvm", "gradle"),
    ("get-ghcup.haskell.org", "haskell", "ghcup"),
    ("get.haskellstack.org", "haskell", "stack"),
    ("ziglang.org/download", "zig", "zig"),
    ("crystal-lang.org/install", "crystal", "crystal"),
    ("download.swift.org", "swift", "swift"),
    ("nim-lang.org/choosenim", "nim", "choosenim"),
    ("sh.bun.sh", "node", "bun"),
    ("bun.sh/install", "node", "bun"),
    ("swift.org/builds", "swift", "swift"),
)
_download_re: re.Pattern[str] | None = None


def _download_search(low: str) -> bool:
    """Whether lower-cased `low` holds any of the hints (a quick test before looking for which;
    case-sensitive over lower-cased text: with IGNORECASE the regex engine cannot skip ahead to
    the hints' first characters, and was 30 times slower)."""
    global _download_re
    if _download_re is None:
        _download_re = re.compile("|".join(re.escape(h.lower()) for h, _, _ in _DOWNLOAD_HINTS))
    return _download_re.search(low) is not None

_INSTALLERS = {"rustup-init": "rust", "ghcup": "haskell", "dotnet-install.sh": "dotnet"}


def _outside_substitutions(value: str) -> str:
    """`value` without the text from its first ``$(`` to its last ``)``: a command substitution's
    own words are looked at as the words of its command, and looking at them again in every word
    that holds them was quadratic on nested substitutions."""
    i = value.find("$(")
    if i < 0:
        return value
    j = value.rfind(")")
    return value[:i] + " " + value[j + 1 :] if j > i else value[:i]


def _downloads(ctx: Context, instruction: Instruction, stage: int) -> list[Toolchain]:
    if instruction.name not in ("RUN", "ADD"):
        return []
    out: list[Toolchain] = []
    seen: set[str] = set()
    words: list[Any] = []  # the words (not their values: see _Argv), looked at below
    # the words' values without their command substitutions (`_outside_substitutions`), each cut
    # as it is taken: holding the whole values of 10,000 nested `$(` at once took 800 MB
    if instruction.name == "ADD":
        words = list(instruction.words[:-1])
        texts = [_outside_substitutions(w.value) for w in words]
    else:
        calls = _calls(ctx, instruction) or []
        texts = []  # a call's argv (the values of its command's words), substitutions cut
        for call in calls:
            if call.command is not None:
                texts.extend([_outside_substitutions(t) for t in call.argv])
            name = call.name
            if name in _INSTALLERS and name not in seen:
                seen.add(name)
                out.append(Toolchain(_INSTALLERS[name], name, COMPILER, "download",
                                     call.span, instruction, stage))
            if name == "sdk" and len(call.argv) > 2 and call.argv[1] == "install":
                out.append(Toolchain("jvm", call.argv[2], COMPILER, "download", call.span,
                                     instruction, stage))
    if not texts:
        return out
    # one search over all the words (joined with a character no hint holds) before one per word
    if not _download_search("\0".join(texts).lower()):
        return out
    if instruction.name != "ADD":
        words = [w for call in calls if call.command is not None for w in call.command.words]
    for word, text in zip(words, texts):
        low = text.lower()
        if not _download_search(low):
            continue
        for hint, eco, label in _DOWNLOAD_HINTS:
            if hint in low and eco not in seen:
                seen.add(eco)
                out.append(Toolchain(eco, label, COMPILER, "download", word.span, instruction, stage))
    return out


def _code_of(text: str) -> str:
    """Shell code, lower-cased, without the characters a word's value can drop from what is
    written (quotes, backslashes, newlines, the ``$`` of ``$"…"``): a text that a word's value
    holds (`_downloads` looks for hints in them) is in it. (An ANSI-C string, ``$'\\x67o'``, can
    hold what is not written: see `_fetching`.)"""
    code = text.lower()
    for ch in "\\\n\"'$":
        if ch in code:
            code = code.replace(ch, "")
    return code


#: What `_downloads` looks for in a script: the hints, and the names of installers it counts
#: (`_name` of a command's name: lower-cased, so in the lower-cased code).
_FETCH_WORDS = tuple(dict.fromkeys([h.lower() for h, _, _ in _DOWNLOAD_HINTS] + [*_INSTALLERS, "sdk"]))


#: Parts that several of `_FETCH_WORDS` hold: `_fetching` looks for those words only where their
#: part is (one search of a big file's code rules out several words).
_FETCH_PARTS = ("rust", "dotnet", "sdk", "apache.org", "haskell", "swift.org", "bun.sh", "/dl/", ".com/go")
_fetch_groups_made: list[tuple[str, list[str]]] = []


def _fetch_groups() -> list[tuple[str, list[str]]]:
    """`_FETCH_WORDS` as (part, the words that hold it): the first of `_FETCH_PARTS` a word holds,
    else the word itself."""
    if not _fetch_groups_made:
        groups: dict[str, list[str]] = {}
        for word in _FETCH_WORDS:
            groups.setdefault(next((p for p in _FETCH_PARTS if p in word), word), []).append(word)
        _fetch_groups_made.extend(groups.items())
    return _fetch_groups_made


def _fetching(ctx: Context, runs: list[Instruction]) -> set[int] | None:
    """The shell-script RUNs of `runs` (by id) in which `_downloads` may find something: those
    whose code (`_code_of`) holds one of `_FETCH_WORDS` or an ANSI-C string; None when no RUN
    can hold one (`_downloads` may still find something in a RUN that is no shell script). The
    words are looked for in the text of all the RUNs at once first (a RUN's text holds its
    script's code): on most files none is anywhere, and looking at every word of every RUN was
    most of the time DF200 took on a big file."""
    texts = [ins.args for ins in runs]
    texts += [h.body for ins in runs if ins.heredocs for h in ins.heredocs]
    text = "\0".join(texts)
    code = _code_of(text)
    wanted = [w for part, words in _fetch_groups() if part in code for w in words if w in code]
    if not wanted and "$'" not in text:
        return None
    out: set[int] = set()
    for ins in runs:
        script = ctx.script(ins)
        if script is None:
            continue
        text = "\0".join([p.text for p in script.pieces])
        if "$'" in text:
            out.add(id(ins))
        elif wanted:
            code = _code_of(text)
            if any(w in code for w in wanted):
                out.add(id(ins))
    return out


def _copied(ctx: Context, instruction: Instruction, stage: int) -> list[Toolchain]:
    """``COPY --from=golang:1.22 /usr/local/go /usr/local/go``: a toolchain image's files."""
    if instruction.name != "COPY":
        return []
    flag = instruction.flag("from")
    if flag is None or not flag.value:
        return []
    if ctx.graph.stage(flag.value) is not None:
        return []
    out = []
    for tc in classify_image(flag.value):
        if tc.incidental or tc.role == RUNTIME:
            continue
        span = flag.value_span or flag.span
        out.append(Toolchain(tc.ecosystem, flag.value, tc.role, "copy", span, instruction, stage))
    return out


# ============================================================================================
# stages and what ships


class ChainFacts(_Frozen):
    """Everything toolchain-related in a stage and the stages it is ``FROM``-based on, in build
    order (the chain's root first): `chain` the stage indices, `toolchains` every piece found
    (shipped or removed in its RUN), `builds` every build step (RUN, then the last CMD and
    ENTRYPOINT of the chain), `downloads` toolchains fetched without a package manager (a
    ``rustup-init``, a ``go*.tar.gz`` URL): only used to say where an inferred toolchain came
    from, since what such a RUN deletes again is not tracked."""

    __slots__ = ("chain", "toolchains", "builds", "downloads", "order")
    _fields = __slots__
    _compare = _shown = ("chain", "toolchains", "builds", "downloads")  # not the order

    chain: tuple[int, ...]
    toolchains: tuple[Toolchain, ...]
    builds: tuple[BuildStep, ...]
    downloads: tuple[Toolchain, ...]
    order: dict[int, int]  # id(instr) → position

    def __init__(
        self,
        chain: tuple[int, ...],
        toolchains: tuple[Toolchain, ...],
        builds: tuple[BuildStep, ...],
        downloads: tuple[Toolchain, ...] = (),
        order: dict[int, int] | None = None,
    ) -> None:
        self.chain = chain
        self.toolchains = toolchains
        self.builds = builds
        self.downloads = downloads
        self.order = {} if order is None else order

    def position(self, instruction: Instruction) -> int:
        return self.order.get(id(instruction), -1)

    @property
    def shipped_toolchains(self) -> tuple[Toolchain, ...]:
        return tuple(t for t in self.toolchains if not t.removed)


class Evidence(_Frozen):
    """A stage (by default the shipped target) that keeps a toolchain a build step used.

    `toolchains`: what ships of it (compilers, build tools, headers), in file order; `builds`:
    the build steps that used it; `primary`: the toolchain piece and build step a message should
    name first. The optimizer moves `toolchains` and `builds` to a build stage."""

    __slots__ = ("stage", "chain", "toolchains", "builds", "primary", "primary_build")
    _fields = _compare = _shown = __slots__

    stage: int
    chain: tuple[int, ...]
    toolchains: tuple[Toolchain, ...]
    builds: tuple[BuildStep, ...]
    primary: Toolchain
    primary_build: BuildStep

    def __init__(
        self,
        stage: int,
        chain: tuple[int, ...],
        toolchains: tuple[Toolchain, ...],
        builds: tuple[BuildStep, ...],
        primary: Toolchain,
        primary_build: BuildStep,
    ) -> None:
        self.stage = stage
        self.chain = chain
        self.toolchains = toolchains
        self.builds = builds
        self.primary = primary
        self.primary_build = primary_build

    @property
    def ecosystems(self) -> tuple[str, ...]:
        seen: list[str] = []
        for t in self.toolchains:
            if t.can_build and t.ecosystem not in seen:
                seen.append(t.ecosystem)
        return tuple(seen)


def _stage_cache(ctx: Context) -> dict:
    """This module's per-file facts: a table in the Context's memo (lives as long as the file's
    Context)."""
    memo = ctx.memo
    cache = memo.get(_stage_cache)
    if cache is None:
        cache = memo[_stage_cache] = {}
    return cache


def _chain_of(ctx: Context, index: int) -> tuple[int, ...]:
    """`index` and the stages it builds on, root first."""
    graph = ctx.graph
    chain: list[int] = []
    i: int | None = index
    while i is not None and i not in chain and 0 <= i < len(graph.stages):
        chain.append(i)
        i = graph.stages[i].base_stage
    return tuple(reversed(chain))


def _onbuild_build(ref: str) -> BuildKind | None:
    """The build an ``onbuild`` image's triggers run in the stage built on it (``golang:onbuild``
    copies the context and runs ``go install``; ``maven:onbuild`` runs ``mvn install``)."""
    name, tag = image_name(ref)
    if "onbuild" not in tag:
        return None
    if name == "golang":
        return _k("go install (ONBUILD trigger)", "go", "c")
    if name == "maven":
        return _k("mvn install (ONBUILD trigger)", "jvm")
    return None


def base_toolchain(ctx: Context, stage: Stage) -> tuple[ImageToolchain, ...]:
    """What the stage's own FROM image brings (nothing for ``FROM <stage>`` or scratch). The
    reference is the resolved one when global ARGs resolve it, else as written (so
    ``golang:${GO_VERSION}`` is still golang)."""
    if stage.base_stage is not None or stage.is_scratch:
        return ()
    ref = stage.base_resolved or stage.base
    return classify_image(ref)


def chain_facts(ctx: Context, index: int) -> ChainFacts:
    """The toolchain pieces and build steps of stage `index` and the stages it builds on."""
    cache = _stage_cache(ctx)
    key = ("chain", index)
    if key in cache:
        return cache[key]
    graph = ctx.graph
    chain = _chain_of(ctx, index)
    toolchains: list[Toolchain] = []
    downloads: list[Toolchain] = []
    builds: list[BuildStep] = []
    order: dict[int, int] = {}
    last_start: dict[str, Instruction] = {}
    runs = [ins for si in chain for ins in graph.stages[si].instructions if ins.name == "RUN"]
    if runs:
        from dflint.packages import package_commands

        system_tools = _system_tools()
    fetching = _fetching(ctx, runs)
    removers: list[tuple[Instruction, str, set[str]]] = []  # for `_mark_later_removals`
    pos = 0
    for si in chain:
        stage = graph.stages[si]
        if stage.base_stage is None:
            span = stage.base_span or stage.from_instruction.keyword_span
            name = stage.base_resolved or stage.base
            for tc in base_toolchain(ctx, stage):
                toolchains.append(Toolchain(tc.ecosystem, name, tc.role, "image", span,
                                            stage.from_instruction, si, incidental=tc.incidental))
            trigger = _onbuild_build(name)
            if trigger is not None:  # golang:onbuild runs `go install` in this stage
                builds.append(BuildStep(trigger, span, stage.from_instruction, si, None,
                                        f"ONBUILD of {name}"))
        for ins in stage.instructions:
            order[id(ins)] = pos
            pos += 1
            if ins.name == "RUN":
                # (run_toolchains and instruction_builds, with the script looked up once)
                script = ctx.script(ins)
                if script is None:
                    toolchains.extend(_windows_packages(ctx, ins, si))
                elif not script.names.isdisjoint(system_tools):
                    pcs = package_commands(script, _SYSTEM_MANAGERS)
                    if pcs:
                        toolchains.extend(_package_toolchains(ctx, ins, si, script, pcs))
                        for pc in pcs:
                            if pc.action == "remove":
                                removers.append((ins, pc.manager, {p.name for p in pc.packages}))
                            elif pc.action == "autoremove":
                                removers.append((ins, pc.manager, {"*"}))
                if script is None or fetching is not None and id(ins) in fetching:
                    downloads.extend(_downloads(ctx, ins, si))
                builds.extend(_script_builds(script, ins, si) if script is not None
                              else instruction_builds(ctx, ins, si))
            elif ins.name == "ADD":
                downloads.extend(_downloads(ctx, ins, si))
            elif ins.name == "COPY":
                toolchains.extend(_copied(ctx, ins, si))
            elif ins.name in ("CMD", "ENTRYPOINT"):
                last_start[ins.name] = ins
    for name in ("ENTRYPOINT", "CMD"):
        ins = last_start.get(name)
        if ins is not None:
            st = graph.stage_of(ins)
            builds.extend(instruction_builds(ctx, ins, st.index if st else -1))
    toolchains = _mark_later_removals(toolchains, removers)
    facts = ChainFacts(chain, tuple(toolchains), tuple(builds), tuple(downloads), order)
    cache[key] = facts
    return facts


def _mark_later_removals(toolchains: list[Toolchain],
                         removers: list[tuple[Instruction, str, set[str]]]) -> list[Toolchain]:
    """Note, for the message, a later RUN that removes a shipped package (too late: the layer
    that installed it keeps the bytes). `removers`: the chain's RUNs' remove and autoremove
    commands, in order, as (RUN, manager family, names removed, ``{"*"}`` for autoremove)."""
    pieces = [t for t in toolchains if t.origin == "package" and not t.removed]
    if not pieces or not removers:
        return toolchains
    # Each piece gets the first remover (in chain order) in a later instruction with its manager
    # and its name (or its apk group) among the removed names. Looked up by (manager, name), from
    # the first remover at or after the piece's instruction: a pass over every remover for every
    # piece was quadratic (2,000 RUNs installing gcc and one purging it took 37 s).
    by_key: dict[tuple[str, str], list[int]] = {}
    for n, (_ins, manager, names) in enumerate(removers):
        for name in names:
            by_key.setdefault((manager, name), []).append(n)
    starts = [ins.span.start for ins, _, _ in removers]
    ordered = all(a <= b for a, b in zip(starts, starts[1:]))
    kept = set(pieces)
    out = []
    for t in toolchains:
        if t in kept:
            ins = _later_remover(t, removers, starts, ordered, by_key)
            if ins is not None:
                t = t._replace(removed_later=ins)
        out.append(t)
    return out


def _later_remover(t: Toolchain, removers: list[tuple[Instruction, str, set[str]]], starts: list[int],
                   ordered: bool, by_key: dict[tuple[str, str], list[int]]) -> Instruction | None:
    from bisect import bisect_left

    at = t.instruction.span.start
    best: int | None = None
    for name in (t.name, t.group) if t.group else (t.name,):
        found = by_key.get((t.manager, name))  # type: ignore[arg-type]
        if not found:
            continue
        i = bisect_left(found, at, key=starts.__getitem__) if ordered else 0
        for n in found[i:]:
            ins = removers[n][0]
            if ins is t.instruction or starts[n] < at:
                continue
            if best is None or n < best:
                best = n
            break
    return removers[best][0] if best is not None else None


def _present(facts: ChainFacts, tc: Toolchain, step: BuildStep) -> bool:
    """Whether `tc` is there when `step` runs: installed in an earlier instruction, or earlier in
    the same RUN; a piece removed in its RUN is there only inside that RUN."""
    if tc.origin in ("image", "inferred"):
        return True
    a, b = facts.position(tc.instruction), facts.position(step.instruction)
    if a < 0 or b < 0:
        return False
    if a < b:
        return not tc.removed
    if a > b:
        return False
    if tc.command is not None and step.command is not None:
        from dflint.shell import Script as _S

        return _S.before(tc.command, step.command) or tc.command is step.command
    return True


def evidence(ctx: Context, index: int | None = None) -> Evidence | None:
    """The toolchain that ships in stage `index` (default: the target) and the build steps that
    used it, or None. A stage ships a toolchain for a build step when, in the stage or a stage it
    is ``FROM``-based on:

    * the step certainly compiles and a piece serving it is present and not removed in its RUN
      (or, when nothing explains the tool at all, an inferred piece: the base image's); or
    * the step compiles only sometimes (``pip install``) and a C compiler is present and not
      removed, *and* the file installed C toolchain packages or headers itself (not merely the
      gcc a ``python:3.12`` image carries).
    """
    graph = ctx.graph
    if index is None:
        index = graph.target
    if index is None or not (0 <= index < len(graph.stages)):
        return None
    cache = _stage_cache(ctx)
    key = ("evidence", index)
    if key in cache:
        return cache[key]
    facts = chain_facts(ctx, index)
    pieces = _Pieces(facts)
    first: dict[Toolchain, tuple[int, int]] = {}  # piece → (step, rank) it was first chosen at
    builds: list[BuildStep] = []
    primary: tuple[Toolchain, BuildStep] | None = None
    for n, step in enumerate(facts.builds):
        found = pieces.chosen(ctx, step, n, first)
        if not found:
            continue
        builds.append(step)
        if primary is None:
            chosen = _chosen(ctx, facts, step)  # the full list, once: its order ranks the pieces
            own = step.kind.ecosystem
            ranked = sorted(chosen, key=lambda t: (not t.can_build, t.ecosystem != own and own != ANY,
                                                   t.incidental, t.origin == "inferred",
                                                   t.role != COMPILER))
            primary = (ranked[0], step)
    result = None
    if primary is not None:
        used = sorted(first, key=first.__getitem__)  # the order they were first chosen in
        used.sort(key=lambda t: (t.span.start, t.name))
        result = Evidence(index, facts.chain, tuple(used), tuple(builds), primary[0], primary[1])
    cache[key] = result
    return result


_NEVER = 1 << 62


class _Pieces:
    """`facts.toolchains` indexed so that `evidence` asks `_chosen`'s questions of every build step
    without going through every piece each time (that was quadratic: a big file has thousands of
    build steps and of pieces). A piece's place is its instruction's position in the chain (-2 for
    the base image's and inferred ones: always there); a piece whose instruction is not in the
    chain is never there. Per ecosystem, the kept (not removed in their RUN) pieces in order of
    place, and the first place at which a piece of each kind appears; pieces of one instruction
    are also grouped by place, since whether they are there depends on command order."""

    def __init__(self, facts: ChainFacts) -> None:
        self.facts = facts
        self.kept: dict[str, list[tuple[int, int, Toolchain]]] = {}  # eco → (place, index, piece)
        self.at: dict[int, list[tuple[int, Toolchain]]] = {}  # place → (index, piece), any origin
        self.first_kept: dict[tuple[str, str], int] = {}  # (eco, kind) → first place, kept pieces
        self.first_any: dict[tuple[str, str], int] = {}  # (eco, kind) → first place, all pieces
        self.added: dict[str, int] = {}  # eco → how many of `kept[eco]` are chosen already
        for i, t in enumerate(facts.toolchains):
            if t.origin in ("image", "inferred"):
                place = -2
            else:
                place = facts.position(t.instruction)
                if place < 0:
                    continue
                self.at.setdefault(place, []).append((i, t))
            eco = t.ecosystem
            if not t.removed:
                self.kept.setdefault(eco, []).append((place, i, t))
                for kind in _kinds_kept(t):
                    key = (eco, kind)
                    if place < self.first_kept.get(key, _NEVER):
                        self.first_kept[key] = place
            for kind in _kinds_any(t):
                key = (eco, kind)
                if place < self.first_any.get(key, _NEVER):
                    self.first_any[key] = place
        for lst in self.kept.values():
            lst.sort(key=lambda e: e[0])  # stable: index order within a place
        self.ecos = list(self.kept.keys() | {e for e, _ in self.first_any})

    def chosen(self, ctx: Context, step: BuildStep, n: int,
               first: dict[Toolchain, tuple[int, int]]) -> bool:
        """Whether `_chosen(ctx, facts, step)` is not empty; when so, note each of its pieces in
        `first` with (n, its rank in the list) unless noted earlier."""
        facts = self.facts
        b = facts.position(step.instruction)
        uses = step.kind.uses
        ecos = self.ecos if ANY in uses else [e for e in uses if e in self.ecos]
        # kept pieces of the step's own instruction that come before it in its RUN
        same: list[tuple[int, Toolchain]] = []
        if b >= 0:
            for i, t in self.at.get(b, ()):
                if t.removed or t.ecosystem not in ecos:
                    continue
                if t.command is not None and step.command is not None:
                    from dflint.shell import Script as _S

                    if not (_S.before(t.command, step.command) or t.command is step.command):
                        continue
                same.append((i, t))

        def kept_has(kind: str, in_ecos: list[str]) -> bool:
            if any(self.first_kept.get((e, kind), _NEVER) < b for e in in_ecos):
                return True
            return any(kind in _kinds_kept(t) for _, t in same if t.ecosystem in in_ecos)

        def any_has(kind: str, in_ecos: list[str]) -> bool:
            return any(self.first_any.get((e, kind), _NEVER) <= b for e in in_ecos)

        inferred: Toolchain | None = None
        if not step.certain:
            c = [e for e in ecos if e == "c"]
            if not (c and kept_has("compiler", c) and kept_has("explicit", c)):
                return False
            self._note(c, b, same, n, first)
            return True
        own = step.kind.ecosystem
        own_known = own == ANY or (own in ecos and any_has("build", [own]))
        if kept_has("builder", ecos):
            if not own_known and step.kind.infer and not _cleans_up(ctx, step):
                inferred = _inferred(ctx, facts, step)
        elif any_has("removed-build", ecos):
            return False
        elif kept_has("headers", ecos):
            if not own_known and own != "c" and step.kind.infer and not _cleans_up(ctx, step):
                inferred = _inferred(ctx, facts, step)
        elif not step.kind.infer or own == ANY or _cleans_up(ctx, step):
            return False
        else:
            inferred = _inferred(ctx, facts, step)
        if inferred is not None:
            _first(first, inferred, (n, -1))
        self._note(ecos, b, same, n, first)
        return True

    def _note(self, ecos: list[str], b: int, same: list[tuple[int, Toolchain]], n: int,
              first: dict[Toolchain, tuple[int, int]]) -> None:
        """Note the kept pieces of `ecos` there before place `b`, and `same`, as chosen at step
        `n` (pieces before an earlier step's place were noted then: each is looked at once)."""
        for e in ecos:
            lst = self.kept.get(e, ())
            k = self.added.get(e, 0)
            while k < len(lst) and lst[k][0] < b:
                _first(first, lst[k][2], (n, lst[k][1]))
                k += 1
            self.added[e] = k
        for i, t in same:
            if t.ecosystem in ecos:
                _first(first, t, (n, i))


def _first(first: dict[Toolchain, tuple[int, int]], t: Toolchain, key: tuple[int, int]) -> None:
    old = first.get(t)
    if old is None or key < old:
        first[t] = key


def _kinds_kept(t: Toolchain) -> tuple[str, ...]:
    """What a kept piece counts as in `_chosen`'s questions."""
    kinds = []
    if t.can_build and not (t.ecosystem == "c" and t.role == BUILD_TOOL and t.origin == "package"):
        kinds.append("builder")
    if t.role == COMPILER:
        kinds.append("compiler")
    if not t.incidental:
        kinds.append("explicit")
        if t.role == HEADERS:
            kinds.append("headers")
    return tuple(kinds)


def _kinds_any(t: Toolchain) -> tuple[str, ...]:
    """What any piece (kept or removed in its RUN) counts as in `_chosen`'s questions."""
    if not t.can_build:
        return ()
    return ("build", "removed-build") if t.removed else ("build",)


def _chosen(ctx: Context, facts: ChainFacts, step: BuildStep) -> list[Toolchain]:
    """The shipped toolchain pieces `step` used (empty: it ships nothing it built with)."""
    serving = [t for t in facts.toolchains if step.served_by(t) and _present_or_removed(facts, t, step)]
    shipped = [t for t in serving if not t.removed and _present(facts, t, step)]
    if not step.certain:
        c_shipped = [t for t in shipped if t.ecosystem == "c"]
        compilers = [t for t in c_shipped if t.role == COMPILER]
        explicit = [t for t in c_shipped if not t.incidental]
        return c_shipped if compilers and explicit else []
    own = step.kind.ecosystem
    # make or cmake alone compile nothing: a C build needs a compiler (or a toolchain image)
    builders = [t for t in shipped
                if t.can_build and not (t.ecosystem == "c" and t.role == BUILD_TOOL and t.origin == "package")]
    own_known = own == ANY or any(t.ecosystem == own and t.can_build for t in serving)
    if builders:
        if not own_known and step.kind.infer and not _cleans_up(ctx, step):
            return [_inferred(ctx, facts, step), *shipped]
        return shipped
    if any(t.can_build and t.removed for t in serving):
        return []  # what it built with was removed in its RUN
    explicit_headers = [t for t in shipped if not t.incidental and t.role == HEADERS]
    if explicit_headers:  # the compiler came in with them (php8.3-dev pulls in gcc)
        if not own_known and own != "c" and step.kind.infer and not _cleans_up(ctx, step):
            return [_inferred(ctx, facts, step), *shipped]
        return shipped
    if not step.kind.infer or own == ANY or _cleans_up(ctx, step):
        return []  # `make` alone does not say which compiler, or whether one runs
    return [_inferred(ctx, facts, step), *shipped]


def _cleans_up(ctx: Context, step: BuildStep) -> bool:
    """Whether the step's RUN removes packages after it (``apt-get purge --auto-remove``, ``apk
    del .build-deps``): its toolchain most likely came and went with them (through
    ``mk-build-deps``, a ``$VAR`` this module cannot read, a dependency), so nothing is inferred."""
    if step.instruction.name != "RUN" or step.command is None:
        return False
    script = ctx.script(step.instruction)
    if script is None:
        return False
    from dflint.packages import package_commands
    from dflint.shell import Script as _S

    for pc in package_commands(script, _SYSTEM_MANAGERS):
        if pc.action in ("remove", "autoremove") and _S.before(step.command, pc.command):
            return True
    return False


def _present_or_removed(facts: ChainFacts, tc: Toolchain, step: BuildStep) -> bool:
    if tc.origin in ("image", "inferred"):
        return True
    a, b = facts.position(tc.instruction), facts.position(step.instruction)
    return 0 <= a <= b


def _inferred(ctx: Context, facts: ChainFacts, step: BuildStep) -> Toolchain:
    """A toolchain that must be there because `step` runs it, attributed to the chain's base
    image."""
    eco = step.kind.ecosystem if step.kind.ecosystem != ANY else "c"
    before = facts.position(step.instruction)
    fetched = [t for t in facts.downloads
               if t.ecosystem == eco and 0 <= facts.position(t.instruction) <= before]
    if fetched:
        return fetched[-1]
    graph = ctx.graph
    root = graph.stages[facts.chain[0]]
    span = root.base_span or root.from_instruction.keyword_span
    tool = step.tool.split()[0]
    return Toolchain(eco, tool, COMPILER, "inferred", span, root.from_instruction, root.index)
