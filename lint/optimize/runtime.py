"""Runtime bases and runtime packages: which image the runtime stage starts from, and which
packages it installs instead of the build's toolchain.

- `runtime_base`: a toolchain image → its ecosystem's runtime image (the table below, which users
  override with DF200's ``runtime-images`` option); a static binary → distroless static; a
  distribution image (Debian, Ubuntu, Alpine, …) whose toolchain came from its package manager
  → the same base, as written.
- `runtime_library`: a ``-dev`` package's runtime library (``libpq-dev`` → ``libpq5``), from a
  static table per package manager and, where names differ between releases, per release.
- `install_run`: a fresh RUN installing packages with the stage's package manager, cleaning up
  as the official images do.
"""

from __future__ import annotations

import re

from dflint.source import LazyPattern, Record
from dflint.toolchain import image_name, tag_parts

#: The default runtime images, by toolchain image (the repository name as `image_name` gives
#: it), plus ``static`` for a statically linked binary. Values are templates: ``{tag}`` (the
#: toolchain image's tag), ``{version}`` (its leading version, ``1.22`` of ``1.22-bookworm``),
#: ``{java}`` (the Java major version), ``{debian}`` (the Debian release: ``bookworm`` unless the
#: tag names another), ``{alpine}`` (``alpine3.19`` → ``3.19``, else ``3``), ``{user}`` (a distroless
#: tag filled in last: ``nonroot``, see `Recipe.tag_base`).
DEFAULT_RUNTIME_IMAGES: dict[str, str] = {
    # {user}: filled with ``nonroot`` last (`Recipe.tag_base`), never left untagged (DL3006)
    "static": "gcr.io/distroless/static-debian12:{user}",
    "golang": "debian:{debian}-slim",
    "golang:alpine": "alpine:{alpine}",
    "rust": "debian:{debian}-slim",
    "rust:alpine": "alpine:{alpine}",
    "gcc": "debian:{debian}-slim",
    "buildpack-deps": "debian:{debian}-slim",
    "maven": "eclipse-temurin:{java}-jre",
    "gradle": "eclipse-temurin:{java}-jre",
    "hseeberger/scala-sbt": "eclipse-temurin:{java}-jre",
    "sbtscala/scala-sbt": "eclipse-temurin:{java}-jre",
    "clojure": "eclipse-temurin:{java}-jre",
    "openjdk": "eclipse-temurin:{java}-jre",
    "eclipse-temurin": "eclipse-temurin:{java}-jre",
    "amazoncorretto": "amazoncorretto:{java}-al2023-headless",
    "node": "node:{version}-slim",
    "node:alpine": "node:{version}-alpine",
    "node:latest": "node:slim",  # untagged `node`: the slim image of the same (latest) release
    "python": "python:{version}-slim",
    "python:alpine": "python:{version}-alpine",
    "mcr.microsoft.com/dotnet/sdk": "mcr.microsoft.com/dotnet/aspnet:{tag}",
    "swift": "swift:{version}-slim",
}

DEBIAN_RELEASES = ("trixie", "bookworm", "bullseye", "buster", "stretch")
_DEBIAN_NUMBERS = {"13": "trixie", "12": "bookworm", "11": "bullseye", "10": "buster", "9": "stretch"}
_UBUNTU_NUMBERS = {"24.04": "noble", "22.04": "jammy", "20.04": "focal", "18.04": "bionic"}
#: Releases whose images a runtime stage is not made on (end of life, not in the tables above):
#: a toolchain image tagged with one has no known runtime image (never the default release,
#: whose libraries and package names differ).
_OTHER_RELEASES = frozenset("jessie wheezy squeeze xenial trusty precise artful zesty yakkety cosmic disco eoan "
                            "groovy hirsute impish kinetic lunar mantic oracular plucky".split())
#: Debian releases whose packages left deb.debian.org (archive.debian.org only): a runtime stage
#: on them could not `apt-get install` anything, so no runtime image is made for them
ARCHIVED_DEBIAN = frozenset(("buster", "stretch"))
#: buildpack-deps tags that are Ubuntu releases: the runtime image is ``ubuntu:<release>``
_BUILDPACK_UBUNTU = frozenset("xenial bionic focal jammy noble".split())
#: The Debian release of the current toolchain images without a release in their tag.
DEFAULT_DEBIAN = "bookworm"

#: distroless images, which have no shell and no package manager
DISTROLESS_PREFIXES = ("gcr.io/distroless/", "cgr.dev/chainguard/static")


def is_shell_less(image: str) -> bool:
    name, _ = image_name(image)
    return name == "scratch" or name.startswith(DISTROLESS_PREFIXES)


def release_of(image: str) -> str | None:
    """The Debian/Ubuntu release (codename) of an image from its name and tag, when it says:
    ``debian:12-slim`` → bookworm, ``golang:1.22-bullseye`` → bullseye, ``ubuntu:22.04`` → jammy."""
    name, tag = image_name(image)
    parts = tag_parts(tag)
    for rel in DEBIAN_RELEASES + tuple(_UBUNTU_NUMBERS.values()):
        if rel in parts:
            return rel
    if name == "debian":
        m = re.match(r"(\d+)", tag)
        if m and m.group(1) in _DEBIAN_NUMBERS:
            return _DEBIAN_NUMBERS[m.group(1)]
        if tag in ("", "latest", "stable", "stable-slim"):
            return DEFAULT_DEBIAN
    if name == "ubuntu":
        for num, rel in _UBUNTU_NUMBERS.items():
            if tag.startswith(num):
                return rel
    return None


def alpine_version(tag: str) -> str:
    m = re.search(r"alpine(\d+\.\d+)", tag)
    return m.group(1) if m else "3"


def java_major(name: str, tag: str) -> str | None:
    m = re.search(r"(?:jdk|temurin|corretto|openjdk|java)-?(\d+)", tag) or re.match(r"(\d+)", tag)
    if m:
        major = m.group(1)
        return "8" if major == "1" else major
    m = re.search(r"openjdk(\d+)", name)
    if m:
        return m.group(1)
    if name == "clojure" and re.fullmatch(r"(?:lein-2\.(?:[0-8]\.\d+|9\.[01])|boot-2\.[0-8]\.\d+)(?:-alpine)?", tag):
        return "8"  # the clojure image's unprefixed tags ran OpenJDK 8 up to lein 2.9.1 (its -11 variants were prefixed)
    return None


def _current_release(toolchain_image: str, tag: str) -> str | None:
    """The Debian release a ``{debian}`` runtime template gets: the image's own release, the
    default one for a tag without a release, None for an end-of-life or archived release."""
    release = release_of(toolchain_image)
    if release is None:
        return None if set(tag_parts(tag)) & _OTHER_RELEASES else DEFAULT_DEBIAN
    return None if release in ARCHIVED_DEBIAN else release


def format_template(template: str, toolchain_image: str) -> str | None:
    """Fill a runtime image template for `toolchain_image` (None when a placeholder it uses
    cannot be known from the reference: an untagged image and ``{version}``)."""
    name, tag = image_name(toolchain_image)
    values: dict[str, str | None] = {
        "tag": tag or None,
        "version": (re.match(r"[0-9][0-9.]*", tag).group(0).rstrip(".") if re.match(r"[0-9]", tag or "") else None),
        "java": java_major(name, tag),
        "debian": _current_release(toolchain_image, tag),
        "alpine": alpine_version(tag),
    }
    out = template
    for key, value in values.items():
        if "{" + key + "}" in out:
            if value is None:
                return None
            out = out.replace("{" + key + "}", value)
    return out


def toolchain_runtime(toolchain_image: str, overrides: dict[str, str] | None = None, *,
                      static: bool = False) -> str | None:
    """The runtime image for a stage built on `toolchain_image` (None when none is known)."""
    table = {**DEFAULT_RUNTIME_IMAGES, **(overrides or {})}
    name, tag = image_name(toolchain_image)
    if static:
        return format_template(table["static"], toolchain_image)
    keys = []
    if tag in ("", "latest"):
        keys.append(f"{name}:latest")
    if "alpine" in tag:
        keys.append(f"{name}:alpine")
    keys.append(name)
    if name in ("sapmachine", "ibm-semeru-runtimes", "azul/zulu-openjdk"):
        keys.append("eclipse-temurin")
    if name == "buildpack-deps" and name not in (overrides or {}):
        # buildpack-deps:xenial is Ubuntu xenial plus the toolchain (the Debian template does not apply)
        ubuntu = next((p for p in tag_parts(tag) if p in _BUILDPACK_UBUNTU), None)
        if ubuntu is not None:
            return f"ubuntu:{ubuntu}"
    for key in keys:
        if key in table:
            got = format_template(table[key], toolchain_image)
            if got is not None:
                release = release_of(toolchain_image)
                if got.startswith("debian:") and release in _UBUNTU_NUMBERS.values() and key not in (overrides or {}):
                    got = f"ubuntu:{release}"  # buildpack-deps:noble is Ubuntu
                return got
    return None


# ---------------------------------------------------------------------------------------------
# -dev packages and their runtime libraries

# apt: same name on every release
_APT_RUNTIME: dict[str, str | tuple[str, ...]] = {
    "libsqlite3-dev": "libsqlite3-0",
    "libpq-dev": "libpq5",
    "zlib1g-dev": "zlib1g",
    "libcurl4-openssl-dev": "libcurl4",
    "libcurl4-gnutls-dev": "libcurl3-gnutls",
    "libxml2-dev": "libxml2",
    "libxslt1-dev": "libxslt1.1",
    "libxslt-dev": "libxslt1.1",
    "libpng-dev": "libpng16-16",
    "libyaml-dev": "libyaml-0-2",
    "libbz2-dev": "libbz2-1.0",
    "liblzma-dev": "liblzma5",
    "libgdbm-dev": "libgdbm6",
    "libzstd-dev": "libzstd1",
    "libuv1-dev": "libuv1",
    "libpcre3-dev": "libpcre3",
    "libpcre2-dev": "libpcre2-8-0",
    "libgmp-dev": "libgmp10",
    "libmagic-dev": "libmagic1",
    "libsasl2-dev": "libsasl2-2",
    "libkrb5-dev": "libkrb5-3",
    "libexpat1-dev": "libexpat1",
    "uuid-dev": "libuuid1",
    "libfreetype6-dev": "libfreetype6",
    "libfreetype-dev": "libfreetype6",
    "liblz4-dev": "liblz4-1",
    "libsnappy-dev": "libsnappy1v5",
    "libasound2-dev": "libasound2",
    "libsystemd-dev": "libsystemd0",
    "libcap-dev": "libcap2",
    "libseccomp-dev": "libseccomp2",
    "libgpgme-dev": "libgpgme11",
    "libsodium-dev": "libsodium23",
    "libzmq3-dev": "libzmq5",
    "libargon2-dev": "libargon2-1",
    "libonig-dev": "libonig5",
    "libedit-dev": "libedit2",
    "libgd-dev": "libgd3",
    "libglib2.0-dev": "libglib2.0-0",
    "libmariadb-dev": "libmariadb3",
    "libmariadb-dev-compat": "libmariadb3",
    "default-libmysqlclient-dev": "libmariadb3",
    "libjpeg62-turbo-dev": "libjpeg62-turbo",
    "libjpeg-dev": "libjpeg62-turbo",
    "libgeos-dev": "libgeos-c1v5",
    "libcairo2-dev": "libcairo2",
    "libpango1.0-dev": "libpango-1.0-0",
    "libharfbuzz-dev": "libharfbuzz0b",
    "libopenblas-dev": "libopenblas0",
    "libblas-dev": "libblas3",
    "liblapack-dev": "liblapack3",
    "libhdf5-dev": "libhdf5-103-1",
    "libsnmp-dev": "libsnmp40",
    "libpcap-dev": "libpcap0.8",
    "libnss3-dev": "libnss3",
    "libgpg-error-dev": "libgpg-error0",
    "libgcrypt20-dev": "libgcrypt20",
    "libgnutls28-dev": "libgnutls30",
    "libidn2-dev": "libidn2-0",
    "libunistring-dev": "libunistring2",
    "libltdl-dev": "libltdl7",
    "libatomic-ops-dev": "libatomic-ops1",
    "libpopt-dev": "libpopt0",
    "libdbus-1-dev": "libdbus-1-3",
    "libusb-1.0-0-dev": "libusb-1.0-0",
    "libudev-dev": "libudev1",
    "libacl1-dev": "libacl1",
    "libattr1-dev": "libattr1",
    "libaio-dev": "libaio1",
    "libnuma-dev": "libnuma1",
    "libbsd-dev": "libbsd0",
    "libmnl-dev": "libmnl0",
    "libjansson-dev": "libjansson4",
    "libnghttp2-dev": "libnghttp2-14",
    "libbrotli-dev": ("libbrotli1",),
    "libcrypt-dev": "libcrypt1",
    "libwebp-dev": "libwebp7",
    "libtiff-dev": "libtiff6",
    "libtiff5-dev": "libtiff6",
    # added 2026-11 (names as in Debian bookworm/bullseye and Ubuntu jammy/noble, packages.debian.org
    # and packages.ubuntu.com: the -dev package's "Depends" on its shared library)
    "libbluetooth-dev": "libbluetooth3",
    "tk-dev": "libtk8.6",
    "tk8.6-dev": "libtk8.6",
    "tcl-dev": "libtcl8.6",
    "tcl8.6-dev": "libtcl8.6",
    "libaudit-dev": "libaudit1",
    "libslang2-dev": "libslang2",
    "libluajit-5.1-dev": "libluajit-5.1-2",
    "libjson-glib-dev": "libjson-glib-1.0-0",
    "libgoogle-perftools-dev": ("libgoogle-perftools4", "libtcmalloc-minimal4"),
    "libjemalloc-dev": "libjemalloc2",
    "libxxhash-dev": "libxxhash0",
    "libmpfr-dev": "libmpfr6",
    "libmpc-dev": "libmpc3",
    "libmaxminddb-dev": "libmaxminddb0",
    # a transitional package to libgcrypt20-dev (Ubuntu xenial, Debian jessie); trusty, where it was
    # real (libgcrypt11), has no runtime image here
    "libgcrypt11-dev": "libgcrypt20",
}

# apt: names that change with the release; a release missing here is unknown (refused)
_APT_BY_RELEASE: dict[str, dict[str, str]] = {
    "libssl-dev": {"trixie": "libssl3t64", "bookworm": "libssl3", "bullseye": "libssl1.1", "buster": "libssl1.1",
                   "noble": "libssl3t64", "jammy": "libssl3", "focal": "libssl1.1", "bionic": "libssl1.1"},
    "libffi-dev": {"trixie": "libffi8", "bookworm": "libffi8", "bullseye": "libffi7", "buster": "libffi6",
                   "noble": "libffi8", "jammy": "libffi8", "focal": "libffi7", "bionic": "libffi6"},
    "libreadline-dev": {"trixie": "libreadline8t64", "bookworm": "libreadline8", "bullseye": "libreadline8",
                        "buster": "libreadline7", "noble": "libreadline8t64", "jammy": "libreadline8",
                        "focal": "libreadline8", "bionic": "libreadline7"},
    "libncurses-dev": {"trixie": "libncursesw6", "bookworm": "libncursesw6", "bullseye": "libncursesw6",
                       "buster": "libncursesw6", "noble": "libncursesw6", "jammy": "libncursesw6",
                       "focal": "libncursesw6", "bionic": "libncursesw5"},
    "libicu-dev": {"trixie": "libicu76", "bookworm": "libicu72", "bullseye": "libicu67", "buster": "libicu63",
                   "noble": "libicu74", "jammy": "libicu70", "focal": "libicu66", "bionic": "libicu60"},
    "libevent-dev": {"trixie": "libevent-2.1-7t64", "bookworm": "libevent-2.1-7", "bullseye": "libevent-2.1-7",
                     "buster": "libevent-2.1-6", "noble": "libevent-2.1-7t64", "jammy": "libevent-2.1-7",
                     "focal": "libevent-2.1-7", "bionic": "libevent-2.1-6"},
    "libldap2-dev": {"bookworm": "libldap-2.5-0", "bullseye": "libldap-2.4-2", "buster": "libldap-2.4-2",
                     "jammy": "libldap-2.5-0", "focal": "libldap-2.4-2", "noble": "libldap2"},
    "libprotobuf-dev": {"bookworm": "libprotobuf32", "bullseye": "libprotobuf23", "jammy": "libprotobuf23",
                        "focal": "libprotobuf17"},
    "libmysqlclient-dev": {"jammy": "libmysqlclient21", "focal": "libmysqlclient21", "noble": "libmysqlclient21"},
    "libjpeg-turbo8-dev": {"jammy": "libjpeg-turbo8", "focal": "libjpeg-turbo8", "noble": "libjpeg-turbo8"},
    "libhiredis-dev": {"bookworm": "libhiredis0.14", "bullseye": "libhiredis0.14", "jammy": "libhiredis0.14"},
    "libboost-all-dev": {},
}
_APT_BY_RELEASE.update({
    # the t64 renames of trixie/noble (packages.debian.org, packages.ubuntu.com)
    "libelf-dev": {"trixie": "libelf1t64", "bookworm": "libelf1", "bullseye": "libelf1", "buster": "libelf1",
                   "noble": "libelf1t64", "jammy": "libelf1", "focal": "libelf1", "bionic": "libelf1"},
    "libdw-dev": {"trixie": "libdw1t64", "bookworm": "libdw1", "bullseye": "libdw1", "buster": "libdw1",
                  "noble": "libdw1t64", "jammy": "libdw1", "focal": "libdw1", "bionic": "libdw1"},
    "libdb-dev": {"trixie": "libdb5.3t64", "bookworm": "libdb5.3", "bullseye": "libdb5.3", "buster": "libdb5.3",
                  "noble": "libdb5.3t64", "jammy": "libdb5.3", "focal": "libdb5.3", "bionic": "libdb5.3"},
    "libunwind-dev": {"bookworm": "libunwind8", "bullseye": "libunwind8", "buster": "libunwind8",
                      "jammy": "libunwind8", "focal": "libunwind8", "bionic": "libunwind8"},
    "libjsoncpp-dev": {"trixie": "libjsoncpp26", "bookworm": "libjsoncpp25", "bullseye": "libjsoncpp24",
                       "noble": "libjsoncpp25", "jammy": "libjsoncpp25", "focal": "libjsoncpp1"},
    "libsoup2.4-dev": {"bookworm": "libsoup2.4-1", "bullseye": "libsoup2.4-1", "jammy": "libsoup2.4-1",
                       "focal": "libsoup2.4-1", "noble": "libsoup-2.4-1", "trixie": "libsoup-2.4-1"},
    # babeltrace 1 (packages.debian.org): libbabeltrace-ctf1 until buster, merged into libbabeltrace1 after
    "libbabeltrace-ctf-dev": {"buster": "libbabeltrace-ctf1", "stretch": "libbabeltrace-ctf1",
                              "bionic": "libbabeltrace-ctf1"},
    "binutils-dev": {"trixie": "libbinutils", "bookworm": "libbinutils", "bullseye": "libbinutils",
                     "buster": "libbinutils", "noble": "libbinutils", "jammy": "libbinutils",
                     "focal": "libbinutils"},
})
_APT_BY_RELEASE["libncurses5-dev"] = _APT_BY_RELEASE["libncurses-dev"]
_APT_BY_RELEASE["libncursesw5-dev"] = _APT_BY_RELEASE["libncurses-dev"]

# headers that need nothing at run time (the C library, the kernel's, Python's own)
_NOTHING = frozenset(
    "libc6-dev libc-dev linux-libc-dev linux-headers musl-dev glibc-devel kernel-headers "
    "python3-dev python-dev libpython3-dev python3-all-dev pkg-config pkgconf pkgconfig "
    "ruby-dev php-dev erlang-dev libstdc++-dev libstdc++-12-dev libgcc-dev dpkg-dev "
    # static libraries or headers only (libiberty.a, liby.a, sdt.h), and libclang for bindgen,
    # which runs at build time only
    "libiberty-dev libbison-dev systemtap-sdt-dev libclang-dev "
    # header-only libraries
    "uthash-dev".split()
)
_NOTHING_PATTERNS = (LazyPattern(r"python3\.\d+-dev"), LazyPattern(r"libpython3\.\d+-dev"),
                     LazyPattern(r"linux-headers-.*"), LazyPattern(r"php\d\.\d-dev"),
                     LazyPattern(r"libstdc\+\+-\d+-dev"))

_APK_RUNTIME: dict[str, str] = {
    "openssl-dev": "libssl3",
    "libressl-dev": "libressl",
    "zlib-dev": "zlib",
    "postgresql-dev": "libpq",
    "libpq-dev": "libpq",
    "sqlite-dev": "sqlite-libs",
    "curl-dev": "libcurl",
    "libffi-dev": "libffi",
    "libxml2-dev": "libxml2",
    "libxslt-dev": "libxslt",
    "jpeg-dev": "libjpeg-turbo",
    "libjpeg-turbo-dev": "libjpeg-turbo",
    "yaml-dev": "yaml",
    "mariadb-dev": "mariadb-connector-c",
    "mariadb-connector-c-dev": "mariadb-connector-c",
    "pcre-dev": "pcre",
    "pcre2-dev": "pcre2",
    "libpng-dev": "libpng",
    "freetype-dev": "freetype",
    "gmp-dev": "gmp",
    "libsodium-dev": "libsodium",
    "zstd-dev": "zstd-libs",
    "lz4-dev": "lz4-libs",
    "bzip2-dev": "libbz2",
    "xz-dev": "xz-libs",
    "readline-dev": "readline",
    "ncurses-dev": "ncurses-libs",
    "libuv-dev": "libuv",
    "libevent-dev": "libevent",
    "expat-dev": "expat",
    "icu-dev": "icu-libs",
    "libmagic": "libmagic",
    "file-dev": "libmagic",
    "geos-dev": "geos",
    "libwebp-dev": "libwebp",
    "tiff-dev": "tiff",
    "util-linux-dev": "libuuid",
    "libusb-dev": "libusb",
    "hiredis-dev": "hiredis",
    "libcap-dev": "libcap",
    "libseccomp-dev": "libseccomp",
    "gpgme-dev": "gpgme",
    "libgcrypt-dev": "libgcrypt",
    "zeromq-dev": "libzmq",
    "librdkafka-dev": "librdkafka",
    "libgit2-dev": "libgit2",
    "glib-dev": "glib",
    "cairo-dev": "cairo",
    "pango-dev": "pango",
    "openblas-dev": "openblas",
    "libstdc++-dev": "libstdc++",
    # added 2026-11 (pkgs.alpinelinux.org: the -dev package's library subpackage)
    "bluez-dev": "bluez-libs",
    "tk-dev": "tk",
    "tcl-dev": "tcl",
    "gdbm-dev": "gdbm",
    "jemalloc-dev": "jemalloc",
    "luajit-dev": "luajit",
    "elfutils-dev": "libelf",
    "libunwind-dev": "libunwind",
    "krb5-dev": "krb5-libs",
    "openldap-dev": "libldap",
    "oniguruma-dev": "oniguruma",
    "libzip-dev": "libzip",
    "imagemagick-dev": "imagemagick-libs",
    "libmemcached-dev": "libmemcached-libs",
    "rabbitmq-c-dev": "rabbitmq-c",
}

_RPM_RUNTIME: dict[str, str] = {
    "openssl-devel": "openssl-libs",
    "postgresql-devel": "libpq",
    "libpq-devel": "libpq",
    "sqlite-devel": "sqlite-libs",
    "libcurl-devel": "libcurl",
    "glibc-devel": "",
    "python3-devel": "",
    "kernel-devel": "",
    "kernel-headers": "",
    "mariadb-devel": "mariadb-connector-c",
    "mariadb-connector-c-devel": "mariadb-connector-c",
    "mysql-devel": "mysql-libs",
    "ncurses-devel": "ncurses-libs",
    "bzip2-devel": "bzip2-libs",
    "xz-devel": "xz-libs",
    "libzstd-devel": "libzstd",
    "zlib-devel": "zlib",
    "libffi-devel": "libffi",
    "libxml2-devel": "libxml2",
    "libxslt-devel": "libxslt",
    "libjpeg-turbo-devel": "libjpeg-turbo",
    "libpng-devel": "libpng",
    "readline-devel": "readline",
    "libuuid-devel": "libuuid",
    "pcre-devel": "pcre",
    "pcre2-devel": "pcre2",
    "gmp-devel": "gmp",
    "libyaml-devel": "libyaml",
    "expat-devel": "expat",
}


class RuntimeLib(Record):
    """The runtime side of a headers package: `packages` to install (empty: nothing is needed),
    or `unknown` with the reason."""

    __slots__ = ("packages", "unknown")
    _fields = __slots__

    packages: tuple[str, ...]
    unknown: str | None

    def __init__(self, packages: tuple[str, ...] = (), unknown: str | None = None) -> None:
        self.packages = packages
        self.unknown = unknown


#: The Python 3 of each Debian/Ubuntu release, and the name of its shared library's package
#: (packages.debian.org, packages.ubuntu.com: ``libpython3.11`` holds libpython3.11.so.1.0).
_PYTHON3_BY_RELEASE = {"trixie": "3.13", "bookworm": "3.11", "bullseye": "3.9", "buster": "3.7",
                       "stretch": "3.5", "noble": "3.12", "jammy": "3.10", "focal": "3.8", "bionic": "3.6"}
_T64_RELEASES = frozenset({"noble"})
_PYTHON_HEADERS = frozenset({"python3-dev", "libpython3-dev", "python3-all-dev"})


def _libpython(name: str, release: str | None) -> RuntimeLib | None:
    """Python's headers package on Debian/Ubuntu → the shared library a program built against
    them links (uWSGI, mod_wsgi, an embedding C program): ``python3-dev`` → ``libpython3.11`` on
    bookworm. The interpreter (``python3``) does not pull it in."""
    m = re.fullmatch(r"(?:lib)?python(3\.\d+)-dev", name)
    if m:
        version = m.group(1)
    elif name in _PYTHON_HEADERS:
        if release is None:
            return RuntimeLib(unknown=f"the runtime library of {name} (libpython3.x) depends on the "
                                      f"Debian/Ubuntu release, which the base image's tag does not say")
        version = _PYTHON3_BY_RELEASE.get(release)
        if version is None:
            return RuntimeLib(unknown=f"no runtime library of {name} is known for {release}")
    else:
        return None
    t64 = "t64" if release in _T64_RELEASES and version == "3.12" else ""
    return RuntimeLib((f"libpython{version}{t64}",))


def runtime_library(manager: str, name: str, release: str | None) -> RuntimeLib:
    """The runtime library of headers package `name` (``libpq-dev`` → ``libpq5``)."""
    if manager == "apt" and ":" in name:  # a foreign architecture's package: libc6-dev:i386
        base, arch = name.split(":", 1)
        lib = runtime_library(manager, base, release)
        return RuntimeLib(tuple(f"{p}:{arch}" for p in lib.packages), lib.unknown)
    if manager == "apt":
        lib = _libpython(name, release)
        if lib is not None:
            return lib
    if manager == "apk" and name == "python3-dev":
        return RuntimeLib(("python3",))
    if manager in ("yum", "dnf") and name == "python3-devel":
        return RuntimeLib(("python3-libs",))
    if name in _NOTHING or any(p.fullmatch(name) for p in _NOTHING_PATTERNS):
        return RuntimeLib()
    if manager == "apt":
        if name in _APT_RUNTIME:
            got = _APT_RUNTIME[name]
            return RuntimeLib(got if isinstance(got, tuple) else (got,))
        if name in _APT_BY_RELEASE:
            per = _APT_BY_RELEASE[name]
            if release is None:
                return RuntimeLib(unknown=f"the runtime library of {name} depends on the Debian/Ubuntu "
                                          f"release, which the base image's tag does not say")
            if release in per:
                return RuntimeLib((per[release],))
            return RuntimeLib(unknown=f"no runtime library of {name} is known for {release}")
        return RuntimeLib(unknown=f"no runtime library is known for {name}")
    if manager == "apk":
        if name in _APK_RUNTIME:
            return RuntimeLib((_APK_RUNTIME[name],) if _APK_RUNTIME[name] else ())
        if name.endswith("-dev"):
            return RuntimeLib((name[: -len("-dev")],))
        return RuntimeLib(unknown=f"no runtime library is known for {name}")
    if manager in ("yum", "dnf", "zypper"):
        if name in _RPM_RUNTIME:
            return RuntimeLib((_RPM_RUNTIME[name],) if _RPM_RUNTIME[name] else ())
        if name.endswith("-devel"):
            return RuntimeLib((name[: -len("-devel")],))
        return RuntimeLib(unknown=f"no runtime library is known for {name}")
    return RuntimeLib(unknown=f"no runtime library is known for {name} ({manager})")


#: Packages a build installs that the running program does not need (unless ENTRYPOINT, CMD or
#: HEALTHCHECK runs them).
BUILD_ONLY_PACKAGES = frozenset(
    "git git-core subversion mercurial bzr gnupg gnupg2 dirmngr software-properties-common "
    "apt-transport-https lsb-release build-essential".split()
)


def install_run(manager: str, packages: list[str], *, no_recommends: bool = True) -> str:
    """A RUN installing `packages` with `manager`, without leaving caches in the layer."""
    names = " ".join(packages)
    if manager == "apt":
        flag = " --no-install-recommends" if no_recommends else ""
        return (f"RUN apt-get update \\\n    && apt-get install -y{flag} {names} \\\n"
                f"    && rm -rf /var/lib/apt/lists/*")
    if manager == "apk":
        return f"RUN apk add --no-cache {names}"
    if manager in ("yum", "dnf"):
        return f"RUN {manager} install -y {names} \\\n    && {manager} clean all"
    if manager == "zypper":
        return f"RUN zypper --non-interactive install {names} \\\n    && zypper clean --all"
    raise ValueError(manager)
