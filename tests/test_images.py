"""dflint.images: image references split as Docker's reference library does."""

from __future__ import annotations

import pytest

from dflint.images import is_docker_hub, parse_image, registry_allowed, variable_mask
from dflint.source import Span


@pytest.mark.parametrize(
    "text, registry, path, tag, digest",
    [
        ("debian", None, "debian", None, None),
        ("debian:12-slim", None, "debian", "12-slim", None),
        ("library/debian:12", None, "library/debian", "12", None),
        ("user/app", None, "user/app", None, None),
        ("docker.io/library/debian:latest", "docker.io", "library/debian", "latest", None),
        ("gcr.io/distroless/static:nonroot", "gcr.io", "distroless/static", "nonroot", None),
        ("localhost/app:1", "localhost", "app", "1", None),
        ("localhost:5000/app", "localhost:5000", "app", None, None),
        ("localhost:5000/team/app:1.2", "localhost:5000", "team/app", "1.2", None),
        ("localhost:5000", None, "localhost", "5000", None),  # Docker reads this as a tag too
        ("Registry/app", "Registry", "app", None, None),  # upper case: a domain
        ("alpine@sha256:0a4eaa0e", None, "alpine", None, "sha256:0a4eaa0e"),
        ("alpine:3.20@sha256:0a4eaa0e", None, "alpine", "3.20", "sha256:0a4eaa0e"),
        ("quay.io:443/org/app:v1@sha256:ff", "quay.io:443", "org/app", "v1", "sha256:ff"),
        ("scratch", None, "scratch", None, None),
    ],
)
def test_parse(text, registry, path, tag, digest):
    ref = parse_image(text)
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (registry, path, tag, digest)
    assert not ref.has_variables


def test_normalised_names():
    assert parse_image("debian").repository == "docker.io/library/debian"
    assert parse_image("user/app:1").repository == "docker.io/user/app"
    assert parse_image("index.docker.io/library/debian").domain == "docker.io"
    assert parse_image("docker.io/library/debian:12").familiar_name == "debian"
    assert parse_image("gcr.io/x/y:1").familiar_name == "gcr.io/x/y"
    assert parse_image("gcr.io/x/y:1").name == "gcr.io/x/y"
    assert parse_image("debian:12").on_docker_hub
    assert not parse_image("ghcr.io/o/app").on_docker_hub


def test_latest_untagged_scratch():
    assert parse_image("debian").untagged
    assert not parse_image("debian:12").untagged
    assert not parse_image("debian@sha256:aa").untagged
    assert parse_image("debian:latest").is_latest
    assert not parse_image("debian:Latest").is_latest
    assert parse_image("debian:latest@sha256:aa").pinned
    assert parse_image("scratch").is_scratch
    assert not parse_image("Scratch").is_scratch
    assert not parse_image("scratch:1").is_scratch


@pytest.mark.parametrize(
    "text, registry, path, tag",
    [
        ("node:${NODE_VERSION}", None, "node", "${NODE_VERSION}"),
        ("node:${NODE_VERSION:-20}-alpine", None, "node", "${NODE_VERSION:-20}-alpine"),
        ("${REGISTRY}/app:1", "${REGISTRY}", "app", "1"),
        ("${REGISTRY:-docker.io}/library/app", "${REGISTRY:-docker.io}", "library/app", None),
        ("$IMAGE", None, "$IMAGE", None),
        ("img${V}", None, "img${V}", None),
        ("${BASE_IMAGE:-debian:12}", None, "${BASE_IMAGE:-debian:12}", None),
    ],
)
def test_variables_are_never_split(text, registry, path, tag):
    ref = parse_image(text)
    assert (ref.registry, ref.path, ref.tag) == (registry, path, tag)
    assert ref.has_variables


def test_variable_parts():
    assert parse_image("img${V}").could_have_tag()
    assert parse_image("${IMAGE}").could_have_tag()
    assert not parse_image("${REGISTRY}/debian").could_have_tag()
    assert parse_image("${REGISTRY}/debian").variable_in("registry")
    assert not parse_image("${REGISTRY}/debian").variable_in("name")
    assert parse_image("node:${V}").variable_in("tag")
    assert not parse_image("node:${V}").could_have_tag()


def test_variable_mask():
    assert variable_mask("a$B/c") == [False, True, True, False, False]
    assert variable_mask("${A:-${B}}x") == [True] * 10 + [False]
    assert variable_mask("a\\$B") == [False] * 4  # an escaped dollar
    assert variable_mask("a$") == [False, False]
    assert variable_mask("a`$B", escape="`") == [False] * 4


def test_spans():
    ref = parse_image("gcr.io/app:1.0@sha256:ab")
    word = Span(100, 100 + len(ref.text))
    assert ref.span_of("registry", word) == Span(100, 106)
    assert ref.span_of("path", word) == Span(107, 110)
    assert ref.span_of("tag", word) == Span(111, 114)
    assert ref.span_of("digest", word) == Span(115, 124)
    assert parse_image("debian").span_of("tag", Span(0, 6)) is None
    # a word split by a line continuation: the whole word
    assert ref.span_of("tag", Span(0, 40)) == Span(0, 40)


@pytest.mark.parametrize(
    "domain, allowed, ok",
    [
        (None, ["docker.io"], True),
        (None, ["hub.docker.com"], True),
        ("docker.io", ["docker.io"], True),
        ("index.docker.io", ["docker.io"], True),
        (None, ["gcr.io"], False),
        ("gcr.io", ["gcr.io"], True),
        ("GCR.io", ["gcr.io"], True),
        ("eu.gcr.io", ["*.gcr.io"], True),
        ("a.b.gcr.io", ["*.gcr.io"], True),
        ("gcr.io", ["*.gcr.io"], False),
        ("my.reg:5000", ["my.reg"], False),
        ("my.reg:5000", ["my.reg:5000"], True),
        ("quay.io", [], False),
    ],
)
def test_registry_allowed(domain, allowed, ok):
    assert registry_allowed(domain, allowed) is ok


def test_is_docker_hub():
    assert is_docker_hub(None)
    assert is_docker_hub("registry-1.docker.io")
    assert not is_docker_hub("ghcr.io")
