"""BuildKit's build checks (``docker build --check``): what dflint needs to mirror them.

- `BUILDKIT_CHECKS`: every check BuildKit documents, with whether it is *experimental* (off
  unless the ``# check=experimental=…`` directive names it):
  ``InvalidDefinitionDescription``. dflint rules carry these names as aliases.
- `parse_check_options`: the ``# check=`` parser directive read as BuildKit's
  ``linter.ParseLintOptions`` reads it (``skip=``, ``experimental=``, ``error=``).
- `escalate(dockerfile, diagnostics)`: with ``# check=error=true`` BuildKit fails the build on any
  finding of its checks, so dflint reports those findings as errors.
- Helpers the BuildKit-check rules share: `suggest` (BuildKit's did-you-mean), `variable_refs`
  (where ``$NAME``/``${NAME…}`` sit in a word), `is_valid_reference` (Docker's image reference
  grammar, for a base name), `parse_platform` (containerd's platform specifier), and the ENV
  names well-known base images define (`image_env_names`), since BuildKit knows a base image's
  ENV and dflint does not; `expose_words` (each ``EXPOSE`` word with the port specs it stands
  for), `split_port_spec` and `port_range` for the ``EXPOSE`` checks.

Sources: moby/buildkit ``frontend/dockerfile/linter/{ruleset,linter}.go``,
``frontend/dockerfile/dockerfile2llb/convert.go``, ``frontend/dockerfile/shell/lex.go``,
``util/suggest``; distribution/reference ``regexp.go``/``normalize.go``; containerd platforms.
"""

from __future__ import annotations

import functools
import re

from dflint.rule import Severity

from dflint.source import LazyPattern, Span, TupleRecord, field
from dflint.syntax import Dockerfile, Flag, Instruction
from dflint.words import KeyValue, key_value_words

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Iterator, Sequence

    from dflint.diagnostic import Diagnostic
    from dflint.registry import Registry
    from dflint.rule import Context

__all__ = [
    "LazyPattern",
    "BUILDKIT_CHECKS",
    "EXPERIMENTAL_CHECKS",
    "PLATFORM_ARGS",
    "PROXY_ARGS",
    "CheckConfig",
    "DEFAULT_PLATFORM_VALUES",
    "ExposeWord",
    "GlobalArg",
    "VarRef",
    "buildkit_codes",
    "check_config",
    "escalate",
    "experimental_rules",
    "expose_words",
    "flag_value_span",
    "global_args",
    "image_env_names",
    "is_plain",
    "is_valid_reference",
    "key_values",
    "levenshtein",
    "parse_check_options",
    "parse_platform",
    "port_range",
    "split_port_spec",
    "suggest",
    "variable_refs",
    "word_offsets",
]

#: The checks BuildKit documents (docs/rules/_index.md), name -> experimental.
BUILDKIT_CHECKS: dict[str, bool] = {
    "StageNameCasing": False,
    "FromAsCasing": False,
    "NoEmptyContinuation": False,
    "ConsistentInstructionCasing": False,
    "DuplicateStageName": False,
    "ReservedStageName": False,
    "JSONArgsRecommended": False,
    "MaintainerDeprecated": False,
    "UndefinedArgInFrom": False,
    "WorkdirRelativePath": False,
    "UndefinedVar": False,
    "MultipleInstructionsDisallowed": False,
    "LegacyKeyValueFormat": False,
    "RedundantTargetPlatform": False,
    "SecretsUsedInArgOrEnv": False,
    "InvalidDefaultArgInFrom": False,
    "FromPlatformFlagConstDisallowed": False,
    "CopyIgnoredFile": False,
    "InvalidDefinitionDescription": True,
    "ExposeProtoCasing": False,
    "ExposeInvalidFormat": False,
}
EXPERIMENTAL_CHECKS = frozenset(name for name, exp in BUILDKIT_CHECKS.items() if exp)

#: The ARGs BuildKit predefines for FROM (``defaultArgs``): usable in FROM without a global ARG,
#: and inside a stage after a bare ``ARG NAME``.
PLATFORM_ARGS = frozenset(
    "BUILDPLATFORM BUILDOS BUILDOSVERSION BUILDARCH BUILDVARIANT TARGETPLATFORM TARGETOS "
    "TARGETOSVERSION TARGETARCH TARGETVARIANT TARGETSTAGE".split()
)
#: The proxy build arguments Docker accepts without an ARG (they reach RUN, never the image).
PROXY_ARGS = frozenset(
    name
    for upper in ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")
    for name in (upper, upper.lower())
)

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


# ---------------------------------------------------------------------------------------------
# The `# check=` directive


class CheckConfig(TupleRecord):
    """BuildKit's linter configuration from ``# check=``. `problem` is BuildKit's error when the
    directive is invalid (BuildKit then fails: "failed to parse check options"). A named tuple."""

    __slots__ = ()
    _fields = ("skip", "skip_all", "experimental", "experimental_all", "error", "problem")

    def __new__(
        cls,
        skip: tuple[str, ...] = (),
        skip_all: bool = False,
        experimental: tuple[str, ...] = (),
        experimental_all: bool = False,
        error: bool = False,
        problem: str | None = None,
    ) -> CheckConfig:
        return tuple.__new__(cls, (skip, skip_all, experimental, experimental_all, error, problem))

    skip: tuple[str, ...] = field(0)  # type: ignore[assignment]
    skip_all: bool = field(1)  # type: ignore[assignment]
    experimental: tuple[str, ...] = field(2)  # type: ignore[assignment]
    experimental_all: bool = field(3)  # type: ignore[assignment]
    error: bool = field(4)  # type: ignore[assignment]
    problem: str | None = field(5)  # type: ignore[assignment]

    def runs(self, check: str) -> bool:
        """Whether BuildKit would run `check` (``Linter.Run``): an experimental check only when
        named by ``experimental=`` (or ``experimental=all``), which ``skip`` does not override;
        any other check unless skipped."""
        if BUILDKIT_CHECKS.get(check, False):
            return self.experimental_all or check in self.experimental
        return not (self.skip_all or check in self.skip)


def parse_check_options(value: str) -> CheckConfig:
    """``ParseLintOptions``: at most three ``;``-separated ``key=value`` parts; keys are
    ``skip``, ``experimental`` (a comma list or ``all``) and ``error`` (Go's ParseBool). Keys are
    case-sensitive, as in BuildKit; an unknown key or a part without ``=`` is an error."""
    value = value.strip()
    if not value:
        return CheckConfig()
    skip: list[str] = []
    experimental: list[str] = []
    skip_all = experimental_all = error = False
    parts = value.split(";", 2)
    for part in parts:
        key, eq, val = part.partition("=")
        if not eq:
            return CheckConfig(problem=f"invalid check option {part!r}")
        key = key.strip()
        if key == "skip":
            val = val.strip()
            if val == "all":
                skip_all = True
            else:
                skip = [v.strip() for v in val.split(",")]
        elif key == "experimental":
            val = val.strip()
            if val == "all":
                experimental_all = True
            else:
                experimental = [v.strip() for v in val.split(",")]
        elif key == "error":
            val = val.strip()
            if val in _TRUE:
                error = True
            elif val in _FALSE:
                error = False
            else:
                return CheckConfig(problem=f"failed to parse check option {part!r}: invalid syntax")
        else:
            return CheckConfig(problem=f"invalid check option {key!r}")
    return CheckConfig(tuple(skip), skip_all, tuple(experimental), experimental_all, error)


def check_config(dockerfile: Dockerfile) -> CheckConfig:
    """The file's ``# check=`` directive (an empty config when there is none)."""
    directive = dockerfile.directive("check")
    return parse_check_options(directive.value) if directive is not None else CheckConfig()


def buildkit_codes(registry: Registry | None = None) -> dict[str, str]:
    """Code -> BuildKit check name, for every rule that has a BuildKit check name as alias."""
    if registry is None:
        from dflint.registry import Registry

        registry = Registry.load()
    out: dict[str, str] = {}
    for cls in registry:
        for alias in cls.aliases:
            if alias in BUILDKIT_CHECKS:
                out[cls.code] = alias
                break
    return out


def escalate(dockerfile: Dockerfile, diagnostics: Sequence[Diagnostic],
             registry: Registry | None = None) -> list[Diagnostic]:
    """With ``# check=error=true`` BuildKit fails the build when any of its checks fires: report
    the findings of the rules that mirror a BuildKit check as errors. Other findings, and every
    finding of a file without ``error=true``, are returned unchanged (same order)."""
    config = check_config(dockerfile)
    if not config.error:
        return list(diagnostics)
    codes = buildkit_codes(registry)
    out = []
    for d in diagnostics:
        if d.code in codes and d.severity is not Severity.ERROR:
            d = type(d)(d.path, d.code, d.name, Severity.ERROR, d.message, d.span, d.source, d.fix)
        out.append(d)
    return out


def experimental_rules(dockerfile: Dockerfile, registry: Registry | None = None) -> list[type]:
    """The rules mirroring the experimental checks that the file's ``# check=experimental=…``
    turns on (all of them for ``experimental=all``): BuildKit runs those checks for this file, so
    an engine may run these rules for it even when they are off by default."""
    config = check_config(dockerfile)
    wanted = {n for n in EXPERIMENTAL_CHECKS if config.runs(n)}
    if not wanted:
        return []
    if registry is None:
        from dflint.registry import Registry

        registry = Registry.load()
    return [cls for cls in registry if wanted & set(cls.aliases)]


# ---------------------------------------------------------------------------------------------
# Did you mean


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one character each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(value: str, options: Iterable[str], case_sensitive: bool = True) -> str | None:
    """BuildKit's ``suggest.Search``: the first option closest to `value` within an edit
    distance of 2; None when nothing is that close or `value` itself is an option."""
    orig = value
    if not case_sensitive:
        value = value.lower()
    match, best = None, 3
    for option in options:
        cmp = option if case_sensitive else option.lower()
        if cmp == value:
            return None
        dist = levenshtein(value, cmp)
        if dist < best:
            best = dist
            if case_sensitive:
                match = option
            elif orig == orig.lower():
                match = option.lower()
            elif orig == orig.upper():
                match = option.upper()
            else:
                match = option
    return match


# ---------------------------------------------------------------------------------------------
# Variable references

_SPECIAL = frozenset("@*#?-$!0")


class VarRef(TupleRecord):
    """A ``$NAME`` or ``${NAME…}`` in a word: `start`/`end` are offsets of the whole reference
    (``$`` to the closing ``}``) in the text that was scanned. A named tuple."""

    __slots__ = ()
    _fields = ("name", "start", "end")

    def __new__(cls, name: str, start: int, end: int) -> VarRef:
        return tuple.__new__(cls, (name, start, end))

    name: str = field(0)  # type: ignore[assignment]
    start: int = field(1)  # type: ignore[assignment]
    end: int = field(2)  # type: ignore[assignment]


def variable_refs(text: str, escape: str = "\\", quotes: bool = True) -> list[VarRef]:
    """Every variable BuildKit's lexer looks up in `text`, in order, nested ones included
    (``${A:-$B}`` gives A and B). Single quotes hide references when `quotes` (False: BuildKit's
    ``SkipProcessQuotes`` for here-document bodies); an escaped ``$`` is literal."""
    refs: list[VarRef] = []
    _scan(text, 0, len(text), escape or "\\", quotes, refs)
    return refs


def _name_at(text: str, i: int, end: int) -> int:
    """End of the name starting at `i` (letters, digits, _; all digits; one special)."""
    if i < end and text[i].isdigit():
        j = i
        while j < end and text[j].isdigit():
            j += 1
        return j
    if i < end and text[i] in _SPECIAL:
        return i + 1
    j = i
    while j < end and (text[j].isalnum() or text[j] == "_"):
        j += 1
    return j


def _close_brace(text: str, i: int, end: int, escape: str) -> int:
    """Offset of the ``}`` closing a ``${`` whose body starts at `i` (nested ``${`` counted), or
    `end` when there is none."""
    depth = 1
    while i < end:
        ch = text[i]
        if ch == escape:
            i += 2
            continue
        if ch == "$" and i + 1 < end and text[i + 1] == "{":
            depth += 1
            i += 2
            continue
        if ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return end


def _scan(text: str, i: int, end: int, escape: str, quotes: bool, refs: list[VarRef]) -> None:
    quote = ""
    while i < end:
        ch = text[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            i += 1
            continue
        if ch == escape:
            i += 2
            continue
        if quotes and ch == "'" and not quote:
            quote = "'"
            i += 1
            continue
        if quotes and ch == '"':
            quote = "" if quote == '"' else '"'
            i += 1
            continue
        if ch != "$":
            i += 1
            continue
        if i + 1 < end and text[i + 1] == "{":
            j = _name_at(text, i + 2, end)
            close = _close_brace(text, i + 2, end, escape)
            name = text[i + 2 : j]
            if name:
                refs.append(VarRef(name, i, min(close + 1, end)))
            if j < close:
                _scan(text, j, close, escape, quotes, refs)  # the modifier's word
            i = close + 1
            continue
        j = _name_at(text, i + 1, end)
        if j > i + 1:
            refs.append(VarRef(text[i + 1 : j], i, j))
        i = max(j, i + 1)


# ---------------------------------------------------------------------------------------------
# Image references (distribution/reference)

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_REFERENCE = LazyPattern(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?\Z")
_HEX64 = LazyPattern(r"[a-f0-9]{64}\Z")


def is_valid_reference(text: str) -> bool:
    """Whether Docker's ``reference.ParseNormalizedNamed`` accepts `text` as an image name: not
    empty, not 64 hex digits, a lowercase repository path, an optional tag and digest, and a
    name of at most 255 characters."""
    if not text or _HEX64.match(text):
        return False
    remainder = text
    slash = text.find("/")
    if slash != -1:
        head = text[:slash]
        if any(c in head for c in ".:") or head == "localhost" or head.lower() != head:
            remainder = text[slash + 1 :]
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return False  # "repository name must be lowercase"
    m = _REFERENCE.match(text)
    return m is not None and len(m.group(1)) <= 255


# ---------------------------------------------------------------------------------------------
# Platforms (containerd's platforms.Parse)

_KNOWN_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 "
    "solaris windows zos".split()
)
_KNOWN_ARCH = frozenset(
    "386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le "
    "mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm".split()
)
_OS_PART = LazyPattern(r"[A-Za-z0-9_-]+\Z")


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    arch, variant = arch.lower(), variant.lower()
    if arch in ("i386",):
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", "" if variant in ("8", "v8", "v8.0") else variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            return "arm", "v7"
        if variant in ("5", "6", "8"):
            return "arm", "v" + variant
        return "arm", variant
    return arch, variant


def parse_platform(text: str) -> tuple[str, str, str] | None:
    """``(os, arch, variant)`` for a platform specifier (``linux/amd64``, ``linux/arm/v7``,
    ``windows``, ``arm64``…), normalized as containerd does, or None when containerd would reject
    it. A lone OS gets the architecture ``amd64``, a lone architecture the OS ``linux`` (BuildKit
    takes these from the machine it runs on)."""
    if not text or "*" in text:
        return None
    parts = text.split("/")
    if any(not p for p in parts) or len(parts) > 3:
        return None
    if len(parts) == 1:
        word = parts[0].lower()
        if word in _KNOWN_OS or word == "macos":
            return ("darwin" if word == "macos" else word), "amd64", ""
        arch, variant = _normalize_arch(word, "")
        if arch in _KNOWN_ARCH:
            return "linux", arch, variant
        return None
    if not _OS_PART.match(parts[0]):
        return None
    os_ = parts[0].lower()
    if os_ == "macos":
        os_ = "darwin"
    arch, variant = _normalize_arch(parts[1], parts[2] if len(parts) == 3 else "")
    return os_, arch, variant


# ---------------------------------------------------------------------------------------------
# ENV names of well-known base images

_COMMON = ("PATH",)
_JAVA = ("JAVA_HOME", "JAVA_VERSION", "LANG", "LANGUAGE", "LC_ALL")
_IMAGE_ENV: dict[str, tuple[str, ...]] = {
    # operating systems: only PATH (BuildKit always sets one)
    **{name: () for name in (
        "scratch alpine debian ubuntu busybox buildpack-deps centos fedora rockylinux almalinux amazonlinux "
        "archlinux oraclelinux opensuse/leap opensuse/tumbleweed photon clearlinux "
        "redhat/ubi8 redhat/ubi9 redhat/ubi8-minimal redhat/ubi9-minimal "
        "gcr.io/distroless/static gcr.io/distroless/base gcr.io/distroless/cc "
        "gcr.io/distroless/static-debian11 gcr.io/distroless/static-debian12 "
        "gcr.io/distroless/base-debian11 gcr.io/distroless/base-debian12 "
        "gcr.io/distroless/cc-debian11 gcr.io/distroless/cc-debian12".split()
    )},
    "python": ("LANG", "GPG_KEY", "PYTHON_VERSION", "PYTHON_SHA256", "PYTHON_PIP_VERSION",
               "PYTHON_SETUPTOOLS_VERSION", "PYTHON_GET_PIP_URL", "PYTHON_GET_PIP_SHA256"),
    "pypy": ("LANG", "PYPY_VERSION"),
    "node": ("NODE_VERSION", "YARN_VERSION"),
    "golang": ("GOLANG_VERSION", "GOTOOLCHAIN", "GOPATH"),
    "rust": ("RUSTUP_HOME", "CARGO_HOME", "RUST_VERSION"),
    "ruby": ("LANG", "RUBY_MAJOR", "RUBY_VERSION", "RUBY_DOWNLOAD_SHA256", "RUBY_DOWNLOAD_URL",
             "GEM_HOME", "BUNDLE_SILENCE_ROOT_WARNING", "BUNDLE_APP_CONFIG"),
    "php": ("PHPIZE_DEPS", "PHP_INI_DIR", "APACHE_CONFDIR", "APACHE_ENVVARS", "PHP_CFLAGS",
            "PHP_CPPFLAGS", "PHP_LDFLAGS", "GPG_KEYS", "PHP_VERSION", "PHP_URL", "PHP_ASC_URL",
            "PHP_SHA256", "PHP_EXTRA_CONFIGURE_ARGS", "PHP_EXTRA_BUILD_DEPS"),
    "openjdk": _JAVA,
    "eclipse-temurin": _JAVA,
    "amazoncorretto": _JAVA,
    "ibm-semeru-runtimes": _JAVA,
    "sapmachine": _JAVA,
    "maven": (*_JAVA, "MAVEN_HOME", "MAVEN_CONFIG"),
    "gradle": (*_JAVA, "GRADLE_HOME", "GRADLE_VERSION"),
    "tomcat": (*_JAVA, "CATALINA_HOME", "TOMCAT_NATIVE_LIBDIR", "LD_LIBRARY_PATH", "GPG_KEYS",
               "TOMCAT_MAJOR", "TOMCAT_VERSION", "TOMCAT_SHA512"),
    "nginx": ("NGINX_VERSION", "NJS_VERSION", "NJS_RELEASE", "PKG_RELEASE", "DYNPKG_RELEASE",
              "ACME_VERSION"),
    "httpd": ("HTTPD_PREFIX", "HTTPD_VERSION", "HTTPD_SHA256", "HTTPD_PATCHES"),
    "postgres": ("GOSU_VERSION", "LANG", "PG_MAJOR", "PG_VERSION", "PGDATA"),
    "mysql": ("GOSU_VERSION", "MYSQL_MAJOR", "MYSQL_VERSION", "MYSQL_SHELL_VERSION"),
    "mariadb": ("GOSU_VERSION", "LANG", "MARIADB_VERSION"),
    "redis": ("REDIS_VERSION", "REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA"),
    "mongo": ("GOSU_VERSION", "JSYAML_VERSION", "MONGO_PACKAGE", "MONGO_REPO", "MONGO_MAJOR",
              "MONGO_VERSION", "HOME"),
    "erlang": ("OTP_VERSION", "REBAR3_VERSION", "LANG"),
    "elixir": ("OTP_VERSION", "REBAR3_VERSION", "LANG", "ELIXIR_VERSION"),
    "perl": ("PERL_VERSION",),
    "haskell": ("LANG", "GHC", "CABAL_INSTALL", "STACK"),
    "julia": ("JULIA_PATH", "JULIA_GPG", "JULIA_VERSION"),
    "swift": ("SWIFT_SIGNING_KEY", "SWIFT_PLATFORM", "SWIFT_BRANCH", "SWIFT_VERSION", "SWIFT_WEBROOT"),
    "dart": ("DART_SDK",),
    "docker": ("DOCKER_VERSION", "DOCKER_BUILDX_VERSION", "DOCKER_COMPOSE_VERSION", "DOCKER_TLS_CERTDIR"),
    "mcr.microsoft.com/dotnet/sdk": ("APP_UID", "ASPNETCORE_HTTP_PORTS", "DOTNET_RUNNING_IN_CONTAINER",
                                     "DOTNET_VERSION", "ASPNET_VERSION", "DOTNET_SDK_VERSION",
                                     "DOTNET_GENERATE_ASPNET_CERTIFICATE", "DOTNET_NOLOGO",
                                     "DOTNET_USE_POLLING_FILE_WATCHER", "NUGET_XMLDOC_MODE",
                                     "POWERSHELL_DISTRIBUTION_CHANNEL", "ASPNETCORE_URLS"),
    "mcr.microsoft.com/dotnet/aspnet": ("APP_UID", "ASPNETCORE_HTTP_PORTS", "DOTNET_RUNNING_IN_CONTAINER",
                                        "DOTNET_VERSION", "ASPNET_VERSION", "ASPNETCORE_URLS"),
    "mcr.microsoft.com/dotnet/runtime": ("APP_UID", "ASPNETCORE_HTTP_PORTS", "DOTNET_RUNNING_IN_CONTAINER",
                                         "DOTNET_VERSION", "ASPNETCORE_URLS"),
    "mcr.microsoft.com/dotnet/runtime-deps": ("APP_UID", "ASPNETCORE_HTTP_PORTS",
                                              "DOTNET_RUNNING_IN_CONTAINER", "ASPNETCORE_URLS"),
}


def image_env_names(image: str) -> frozenset[str] | None:
    """The ENV names a well-known base image defines (PATH always), or None when the image is
    not one dflint knows (its ENV could define anything). `image` is a resolved reference."""
    ref = image.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref = ref[:colon]
    ref = ref.lower()
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/", "library/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
            break
    names = _IMAGE_ENV.get(ref)
    if names is None:
        return None
    return frozenset((*_COMMON, *names))


# ---------------------------------------------------------------------------------------------
# Global ARGs and words


class GlobalArg(TupleRecord):
    """An ARG before the first FROM: `value` is the raw default, None without one. A named tuple."""

    __slots__ = ()
    _fields = ("key", "value", "instruction")

    def __new__(cls, key: str, value: str | None, instruction: Instruction) -> GlobalArg:
        return tuple.__new__(cls, (key, value, instruction))

    key: str = field(0)  # type: ignore[assignment]
    value: str | None = field(1)  # type: ignore[assignment]
    instruction: Instruction = field(2)  # type: ignore[assignment]


def is_plain(word: str, escape: str | None = "\\") -> bool:
    """Whether `word` holds no variable, quote or escape character, so that
    `dflint.words.expand` gives it back unchanged (whatever the variables hold)."""
    return "$" not in word and "'" not in word and '"' not in word and (escape or "\\") not in word


def key_values(args: str, instruction: str = "ENV", escape: str = "\\") -> list[KeyValue]:
    """`dflint.words.key_value_words`, computed once per distinct argument text (ENV/ARG/LABEL
    arguments are read by many rules): a fresh list of the same (immutable) items each call."""
    return list(_key_values(args, instruction, escape))


@functools.lru_cache(maxsize=4096)
def _key_values(args: str, instruction: str, escape: str) -> tuple[KeyValue, ...]:
    return tuple(key_value_words(args, instruction, escape))


def global_args(dockerfile: Dockerfile) -> list[GlobalArg]:
    """The ARGs before the first FROM, in order (``ARG A=1 B`` gives two)."""
    out: list[GlobalArg] = []
    escape = dockerfile.escape or "\\"
    for ins in dockerfile.instructions:
        if ins.name == "FROM":
            break
        if ins.name != "ARG":
            continue
        for kv in key_values(ins.args, "ARG", escape):
            if kv.key:
                out.append(GlobalArg(kv.key, kv.value, ins))
    return out


def word_offsets(instruction: Instruction) -> list[tuple[str, int, int]]:
    """`instruction.words` as ``(value, start, end)`` offsets into its `args`."""
    out: list[tuple[str, int, int]] = []
    text, i, n = instruction.args, 0, len(instruction.args)
    blank = " \t\v\f\r\n"
    while i < n:
        while i < n and text[i] in blank:
            i += 1
        if i >= n:
            break
        j = i
        while j < n and text[j] not in blank:
            j += 1
        out.append((text[i:j], i, j))
        i = j
    return out


def flag_value_span(flag: Flag, start: int, end: int) -> Span:
    """File span of ``flag.value[start:end]`` (the whole value's span when the value is not
    written as is, e.g. quoted or across a continuation)."""
    vs = flag.value_span if flag.value_span is not None else flag.span
    if flag.value is not None and len(vs) == len(flag.value):
        return Span(vs.start + start, vs.start + end)
    return vs


#: Values dflint assumes for BuildKit's platform ARGs (a linux/amd64 builder building for itself).
DEFAULT_PLATFORM_VALUES = {
    "BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDOSVERSION": "", "BUILDARCH": "amd64",
    "BUILDVARIANT": "", "TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux",
    "TARGETOSVERSION": "", "TARGETARCH": "amd64", "TARGETVARIANT": "",
}


# ---------------------------------------------------------------------------------------------
# EXPOSE port specifications (dockerfile2llb/convert_expose.go)


class ExposeWord(TupleRecord):
    """One word of an ``EXPOSE``, at ``instruction.args[start:end]``, and the port specs it
    stands for (`specs`: after ARG/ENV substitution, split at blanks). `literal`: written without
    variables, escapes or quotes, so `raw` is the spec itself and a fix may rewrite it. A named
    tuple."""

    __slots__ = ()
    _fields = ("instruction", "raw", "start", "end", "literal", "specs")

    def __new__(
        cls, instruction: Instruction, raw: str, start: int, end: int, literal: bool, specs: list[str]
    ) -> ExposeWord:
        return tuple.__new__(cls, (instruction, raw, start, end, literal, specs))

    instruction: Instruction = field(0)  # type: ignore[assignment]
    raw: str = field(1)  # type: ignore[assignment]
    start: int = field(2)  # type: ignore[assignment]
    end: int = field(3)  # type: ignore[assignment]
    literal: bool = field(4)  # type: ignore[assignment]
    specs: list[str] = field(5)  # type: ignore[assignment]


def expose_words(ctx: Context) -> Iterator[ExposeWord]:
    """Every word of every ``EXPOSE`` in file order; a word whose variables have no known value
    is left out."""
    from dflint.words import expand

    escape = ctx.dockerfile.escape or "\\"
    for ins in ctx.dockerfile.instructions:
        if ins.name != "EXPOSE":
            continue
        for raw, start, end in word_offsets(ins):
            literal = "$" not in raw and escape not in raw and "'" not in raw and '"' not in raw
            if literal:
                specs = [raw]
            else:
                exp = expand(raw, ctx.graph.scope_at(ins), escape)
                if not exp.resolved:
                    continue
                specs = exp.value.split()
            yield ExposeWord(ins, raw, start, end, literal, specs)


def split_port_spec(spec: str) -> tuple[str, str, str]:
    """BuildKit's ``splitParts``: ``(ip, host_port, container_port)`` of
    ``[[ip:]host_port:]container_port[/proto]`` (an IPv6 address keeps its colons)."""
    parts = spec.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def port_range(text: str) -> tuple[int, int] | None:
    """BuildKit's ``parsePortRange``: ``80`` or ``8000-8010`` in 0–65535, or None."""
    if not text:
        return None
    start, sep, end = text.partition("-")

    def number(s: str) -> int | None:
        if not s or not re.fullmatch(r"[+-]?[0-9]+", s):
            return None
        value = int(s)
        return value if 0 <= value <= 65535 else None

    first = number(start)
    if first is None:
        return None
    if not sep or start == end:
        return first, first
    last = number(end)
    if last is None or last < first:
        return None
    return first, last
