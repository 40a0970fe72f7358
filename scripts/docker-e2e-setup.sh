#!/usr/bin/env bash
# Set up a Docker engine for dflint's end-to-end tests (tests/test_e2e_optimize.py) on a Debian
# machine with no image registry: install docker.io and debootstrap when missing, start dockerd
# when no engine answers, and import a local `debian:bookworm-slim` made with debootstrap, set up
# like Docker's official slim image (apt cache cleaning, no docs/man pages/locales, empty apt
# lists) plus the host's CA bundle (PyPI and npm are reached through a TLS proxy). The rootfs
# tarball is cached in $DFLINT_E2E_CACHE (default ~/.cache/dflint-e2e) so debootstrap runs once.
#
# Prints `DOCKERD_PID=<pid>` when it started the daemon (stop it by that pid when done) and exits
# non-zero with a reason on stderr when the engine cannot be made to work. Needs root unless an
# engine already answers.
set -euo pipefail

CACHE="${DFLINT_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dflint-e2e}"
ROOTFS_TAR="$CACHE/bookworm-rootfs-slim.tar"   # -slim: docs, man pages, locales removed
IMAGE="debian:bookworm-slim"
# Bumped whenever the way the base is made changes: an image with another label is made again.
BASE_VERSION="slim-2"
DOCKER=/usr/bin/docker   # Debian's client: uses the engine's built-in BuildKit (no buildx plugin)
export DOCKER_BUILDKIT=1
mkdir -p "$CACHE"

die() { echo "docker-e2e-setup: $*" >&2; exit 1; }
engine_up() { [ -x "$DOCKER" ] && "$DOCKER" info >/dev/null 2>&1; }

if ! engine_up; then
    [ "$(id -u)" = 0 ] || die "no Docker engine answers and this is not root (cannot install or start one)"
    if ! command -v dockerd >/dev/null || [ ! -x "$DOCKER" ] || ! command -v debootstrap >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null || die "apt-get update failed"
        apt-get install -y -qq docker.io debootstrap >/dev/null || die "apt-get install docker.io debootstrap failed"
    fi
    nohup dockerd >"$CACHE/dockerd.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$CACHE/dockerd.pid"
    for _ in $(seq 1 60); do
        engine_up && break
        kill -0 "$pid" 2>/dev/null || die "dockerd exited; see $CACHE/dockerd.log"
        sleep 1
    done
    engine_up || die "dockerd did not answer within 60 s; see $CACHE/dockerd.log"
    echo "DOCKERD_PID=$pid"
fi

if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "dflint.e2e.base"}}' "$IMAGE" 2>/dev/null)" = "$BASE_VERSION" ]; then
    exit 0
fi

if [ ! -s "$ROOTFS_TAR" ]; then
    [ "$(id -u)" = 0 ] || die "the base image $IMAGE is missing and making it needs root (debootstrap)"
    command -v debootstrap >/dev/null || {
        apt-get update -qq >/dev/null && apt-get install -y -qq debootstrap >/dev/null
    } || die "debootstrap is missing and could not be installed"
    mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/\{0,1\}$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    work=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
        || die "debootstrap failed; see $CACHE/debootstrap.log"
    r="$work/root"
    # What Docker's official debian images carry (debuerreotype): apt cleans its caches, dpkg
    # installs no docs, man pages or locales, the apt lists are empty.
    cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
    mkdir -p "$r/etc/dpkg/dpkg.cfg.d"
    cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
DPKG
    # What debootstrap already installed gets the same treatment (debuerreotype's slimify):
    # without it the base keeps ~43 MB of locales, docs and man pages that the official
    # bookworm-slim image does not have, and every example's reduction reads low.
    find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -rf "$r"/usr/share/man/* "$r"/usr/share/groff/* "$r"/usr/share/info/* \
        "$r"/usr/share/lintian/* "$r"/usr/share/linda/* "$r"/var/cache/debconf/*-old
    rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb
    mkdir -p "$r/usr/share/man/man1"   # openjdk's postinst needs it once man pages are excluded
    tar -C "$r" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
fi

# The host's CA bundle, appended at import time (a later tar entry wins), at a path apt's
# ca-certificates never overwrites.
ca=/etc/ssl/certs/ca-certificates.crt
extra=$(mktemp -d)
trap 'rm -rf "$extra"' EXIT
mkdir -p "$extra/etc/ssl"
[ -s "$ca" ] && cp "$ca" "$extra/etc/ssl/host-ca.crt" || : >"$extra/etc/ssl/host-ca.crt"
cp "$ROOTFS_TAR" "$extra/rootfs.tar"
tar -C "$extra" -rf "$extra/rootfs.tar" ./etc/ssl/host-ca.crt
"$DOCKER" import \
    -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca.crt PIP_CERT=/etc/ssl/host-ca.crt REQUESTS_CA_BUNDLE=/etc/ssl/host-ca.crt' \
    -c 'CMD ["bash"]' \
    -c "LABEL dflint.e2e.base=$BASE_VERSION" \
    "$extra/rootfs.tar" "$IMAGE" >/dev/null || die "docker import of $IMAGE failed"
echo "imported $IMAGE"
