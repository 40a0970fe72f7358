"""dflint.labels: the label validators (checked against what hadolint 2.15 accepts, with the
documented differences), label keys, the label schema option and reading LABELs."""

from __future__ import annotations

import pytest

from dflint.config import ConfigError
from dflint.labels import (
    LABEL_TYPES,
    SPDX_DEPRECATED,
    SPDX_EXCEPTIONS,
    SPDX_LICENSES,
    SchemaOptions,
    StrictSchemaOptions,
    check_schema,
    email_problem,
    hash_problem,
    key_problem,
    labels,
    problem,
    rfc3339_problem,
    semver_problem,
    spdx_problem,
    url_problem,
)
from dflint.parser import parse
from dflint.rule import Context
from dflint.source import SourceFile


def ctx_for(text: str) -> Context:
    return Context(parse(SourceFile(text, "Dockerfile")))


# ---- URL ------------------------------------------------------------------------------------
# Each value was run through hadolint 2.15.1 (`label-schema: {k: url}`): these agree with it.

URL_OK = [
    "https://x.org", "HTTPS://X.ORG", "mailto:x@y", "http://", "http:", "x:", "a+b-c.d:x", "urn:isbn:123",
    "https://x.org/%20", "https://[::1]/", "file:///tmp", "https://user:pw@x.org", "a:b:c",
    "http://[v1.x]/", "http://1.2.3.4/", "https://github.com/$REPO", "https://x.org:8080/a?b=c#d",
]
URL_BAD = [
    "foo", "/relative", "http://x y", "1a:b", "https://x.org/a b", "https://x.org/%zz", "https://x.org/#a#b",
    "https://x.org/?q=é", "https://é.org/", "https://x.org/{a}", "https://x.org/a|b", "https://x.org:80a/",
    "https://x.org/\\a", "git@github.com:a/b.git", "http://x.org/<a>", 'http://x.org/"', "https://x.org/^",
    "https://x.org/`", "-a:b", ":x", "http://[1.2.3.4]/", "https://github.com/${REPO}",
]


@pytest.mark.parametrize("value", URL_OK)
def test_url_valid(value):
    assert url_problem(value) is None


@pytest.mark.parametrize("value", URL_BAD)
def test_url_invalid(value):
    assert url_problem(value) is not None


def test_url_reasons():
    assert "no scheme" in url_problem("github.com/acme/app")
    assert "a space" in url_problem("https://x.org/a b")
    assert "IPv6" in url_problem("http://[1.2.3.4]/")


# ---- RFC 3339 -------------------------------------------------------------------------------

RFC3339_OK = [
    "2020-01-01T00:00:00Z", "2020-01-01t00:00:00+01:00", "2020-01-01T00:00:00.123Z", "2020-01-01T00:00:60Z",
    "2020-01-01T00:00:00-00:00", "2020-01-01T00:00:00z", "2020-02-29T00:00:00Z", "2016-12-31T23:59:60Z",
    "2020-01-01T00:00:00.123456789Z", "0000-01-01T00:00:00Z", "2020-01-01T00:00:00+23:59",
]
RFC3339_BAD = [
    "2020-01-01", "2020-01-01 00:00:00Z", "2020-13-01T00:00:00Z", "2020-02-30T00:00:00Z",
    "2020-01-01T25:00:00Z", "2020-01-01T00:00:00", "2020-01-01T00:00Z", "20200101T000000Z",
    "2020-1-1T00:00:00Z", "2021-02-29T00:00:00Z", "2020-01-01T00:00:00UTC", "2020-01-01T00:00:00+01",
    "2020-01-01_00:00:00Z", "1900-02-29T00:00:00Z", "$BUILD_DATE",
]
# hadolint's timerep accepts these; RFC 3339 does not (documented in DL3053).
RFC3339_STRICTER = [
    "2020-01-01T00:00:00+0100", "2020-01-01T00:00:00.Z", "2020-01-01T00:00:00+24:00",
    "2020-01-01T00:00:00+01:60", " 2020-01-01T00:00:00Z", "12020-01-01T00:00:00Z",
]


@pytest.mark.parametrize("value", RFC3339_OK)
def test_rfc3339_valid(value):
    assert rfc3339_problem(value) is None


@pytest.mark.parametrize("value", RFC3339_BAD + RFC3339_STRICTER)
def test_rfc3339_invalid(value):
    assert rfc3339_problem(value) is not None


def test_rfc3339_reasons():
    assert "without a time" in rfc3339_problem("2024-05-01")
    assert "no time zone" in rfc3339_problem("2024-05-01T12:00:00")
    assert "space" in rfc3339_problem("2024-05-01 12:00:00")
    assert "no day 30" in rfc3339_problem("2024-02-30T00:00:00Z")
    assert "month 13" in rfc3339_problem("2024-13-01T00:00:00Z")


# ---- semver ---------------------------------------------------------------------------------

SEMVER_OK = [
    "1.2.3", "1.0.0-rc.1+build.5", "1.2.3-0a", "1.2.3-alpha", "1.2.3+001", "1.2.3-x-y", "1.2.3+a.b.c",
    "0.0.0", "999999999999999999999.0.0", "1.2.3-rc.1a", "1.2.3-0",
]
SEMVER_BAD = [
    "v1.2.3", "1.0", "1.2.3-a..b", "1.2.3.4", "1.2.3 ", "latest", "1.2.3-a_b", "1.2.3-α", "1.2", "$VERSION",
]
# hadolint's Data.SemVer accepts these; semver.org 2.0.0 does not (documented in DL3056).
SEMVER_STRICTER = ["01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-rc.01", "1.2.3-00"]


@pytest.mark.parametrize("value", SEMVER_OK)
def test_semver_valid(value):
    assert semver_problem(value) is None


@pytest.mark.parametrize("value", SEMVER_BAD + SEMVER_STRICTER)
def test_semver_invalid(value):
    assert semver_problem(value) is not None


def test_semver_reasons():
    assert "leading `v`" in semver_problem("v1.4.2")
    assert "three numbers" in semver_problem("1.4")
    assert "leading zeros" in semver_problem("01.4.2")


# ---- git hashes -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abcdef0", "0123456789012345678901234567890123456789", "abcdef01",
                                   "0" * 64, "4f07059567fa"])
def test_hash_valid(value):
    assert hash_problem(value) is None


@pytest.mark.parametrize("value", ["ABCDEF0", "abcdef", "0" * 41, "g123456", "0" * 63, "main", "", "$VCS_REF"])
def test_hash_invalid(value):
    assert hash_problem(value) is not None


def test_hash_reasons():
    assert "lower case" in hash_problem("ABCDEF0")
    assert "6 hex digits" in hash_problem("abcdef")


# ---- SPDX -----------------------------------------------------------------------------------

SPDX_OK = [
    "MIT", "GPL-2.0-or-later", "GPL-2.0-only", "Apache-2.0", "BSD-3-Clause", "0BSD", "Unlicense",
    "AGPL-3.0-only", "CC-BY-4.0", "CC0-1.0", "MPL-2.0", "PostgreSQL", "BSL-1.0", "Zlib", "ISC", "MIT-0",
    "Python-2.0", "BUSL-1.1", "Elastic-2.0", "MIT-Modern-Variant", "Unicode-3.0", "blessing", "curl",
    # expressions (hadolint rejects them; documented in DL3054)
    "Apache-2.0 OR MIT", "MIT AND Apache-2.0", "(MIT)", "LicenseRef-foo", "DocumentRef-a:LicenseRef-b",
    "GPL-3.0-or-later WITH Classpath-exception-2.0", "(MIT OR Apache-2.0) AND BSD-2-Clause", "Apache-1.0+",
    "mit or apache-2.0".replace("mit", "MIT").replace("apache", "Apache"),
]
SPDX_BAD = [
    "GPL-2.0+", "apache-2.0", "mit", "GPL-2.0", "MIT License", "AGPL-3.0", "LGPL-2.1+", "Proprietary", "BSD",
    "zlib", "LGPL-3.0", "eCos-2.0", "wxWindows", "Commons-Clause", "GFDL-1.3", "Linux-syscall-note",
    "MIT OR", "OR MIT", "(MIT", "MIT)", "MIT WITH", "MIT WITH Foo", "MIT +", "", "MIT, Apache-2.0",
]


@pytest.mark.parametrize("value", SPDX_OK)
def test_spdx_valid(value):
    assert spdx_problem(value) is None


@pytest.mark.parametrize("value", SPDX_BAD)
def test_spdx_invalid(value):
    assert spdx_problem(value) is not None


def test_spdx_reasons():
    assert "`MIT`" in spdx_problem("mit")
    assert "GPL-2.0-only" in spdx_problem("GPL-2.0") and "GPL-2.0-or-later" in spdx_problem("GPL-2.0")
    assert "GPL-2.0-or-later" in spdx_problem("GPL-2.0+")
    assert "exception" in spdx_problem("MIT WITH Foo-exception")


def test_spdx_data():
    assert len(SPDX_LICENSES) > 600 and len(SPDX_EXCEPTIONS) > 50
    assert not SPDX_LICENSES & SPDX_DEPRECATED
    assert {"MIT", "Apache-2.0", "GPL-3.0-or-later"} <= SPDX_LICENSES
    assert "Classpath-exception-2.0" in SPDX_EXCEPTIONS


# ---- email ----------------------------------------------------------------------------------

EMAIL_OK = [
    "a@b.c", '"a b"@c.d', "a@localhost", "a@[1.2.3.4]", "a@b", "a+tag@b.co.uk", "a@[IPv6:::1]",
    "a@1.2.3.4", '"a"@b.c', "user@sub.example.com", "!#$%&'*+-/=?^_`{|}~@b.c",
]
EMAIL_BAD = [
    "nope", "A B <a@b.c>", "a..b@c.d", ".a@b.c", "a.@b.c", "a@-b.c", "a@b-.c", "a@b..c", "a b@c.d",
    "a@b c.d", "é@b.c", "a@é.c", "a@_b.c", "a@b_c.d", "a\\@b@c.d", "a@b.c,d@e.f", "a@b.c>", "<a@b.c>", "",
    "@b.c",
]
# hadolint's email-validate accepts these (documented in DL3058).
EMAIL_STRICTER = ["(comment)a@b.c", "a@b.c (x)", "a@b.c."]


@pytest.mark.parametrize("value", EMAIL_OK)
def test_email_valid(value):
    assert email_problem(value) is None


@pytest.mark.parametrize("value", EMAIL_BAD + EMAIL_STRICTER)
def test_email_invalid(value):
    assert email_problem(value) is not None


def test_email_display_name_reason():
    assert "`jane@acme.example`" in email_problem("Jane Doe <jane@acme.example>")


def test_problem_dispatch():
    assert problem("text", "anything at all") is None
    assert problem("url", "nope") is not None
    assert set(LABEL_TYPES) == {"text", "url", "rfc3339", "semver", "hash", "spdx", "email"}


# ---- label keys (DL3048) --------------------------------------------------------------------
# hadolint 2.15.1: lower-case letters, digits, `.`, `-`, `_`, `/` inside; a letter first; a
# letter or digit last; no `..` or `--`; no reserved namespace.


@pytest.mark.parametrize("key", [
    "maintainer", "org.opencontainers.image.source", "a_b", "a.b_c", "app.kubernetes.io/name", "a__b", "a//b",
    "a./b", "a-.b", "a._b", "com.dockerx", "x1",
])
def test_key_valid(key):
    assert key_problem(key) is None


@pytest.mark.parametrize("key", [
    "Foo", "ab_", "a..b", "a--b", "com.docker.x", "io.docker.a", "org.dockerproject.a", "1a", "a-", "my label",
    "x$y", "a:b", "a@b", "a+b", "", "_a",
])
def test_key_invalid(key):
    assert key_problem(key) is not None


def test_key_reasons():
    assert key_problem("Version") == "has upper-case letters"
    assert "reserves" in key_problem("com.docker.compose.project")
    assert "a space" in key_problem("my label")


# ---- the schema option ----------------------------------------------------------------------


def test_check_schema():
    assert check_schema({"a": "URL", "b": "text"}) == {"a": "url", "b": "text"}
    assert check_schema(None) == {}
    with pytest.raises(ConfigError, match="did you mean 'url'"):
        check_schema({"a": "uri"})
    with pytest.raises(ConfigError, match="must be a table"):
        check_schema(["a"])
    with pytest.raises(ConfigError, match="must be a string"):
        check_schema({"a": 1})


def test_options():
    assert SchemaOptions().label_schema == {}
    assert SchemaOptions(label_schema={"x": "SemVer"}).label_schema == {"x": "semver"}
    assert StrictSchemaOptions(strict_labels=True).strict_labels is True
    with pytest.raises(ConfigError):
        StrictSchemaOptions(strict_labels="yes")
    with pytest.raises(ConfigError):
        SchemaOptions(label_schema={"x": "number"})


# ---- reading LABELs -------------------------------------------------------------------------


def test_labels_quotes_escapes_and_legacy_form():
    text = (
        'FROM alpine:3.20\n'
        'LABEL "my key"="a b" single=\'x y\' esc=a\\ b plain=1\n'
        'LABEL maintainer Jane Doe <jane@acme.example>\n'
    )
    ctx = ctx_for(text)
    items = list(labels(ctx))
    assert [(i.key, i.value) for i in items] == [
        ("my key", "a b"), ("single", "x y"), ("esc", "a b"), ("plain", "1"),
        ("maintainer", "Jane Doe <jane@acme.example>"),
    ]
    first = items[0]
    assert text[first.key_span.start : first.key_span.end] == '"my key"'
    assert text[first.value_span.start : first.value_span.end] == '"a b"'
    assert text[first.span.start : first.span.end] == '"my key"="a b"'
    legacy = items[-1]
    assert legacy.legacy and text[legacy.value_span.start : legacy.value_span.end] == "Jane Doe <jane@acme.example>"


def test_labels_variables():
    text = (
        "ARG OCI=org.opencontainers.image\n"
        "FROM alpine:3.20\n"
        "ARG OCI\n"
        "ARG VERSION=1.2.3\n"
        "ARG BUILD_DATE\n"
        "ENV HOME_URL=https://acme.example\n"
        'LABEL ${OCI}.version=$VERSION ${OCI}.created="${BUILD_DATE}" ${OCI}.url=$HOME_URL\n'
    )
    items = list(labels(ctx_for(text)))
    assert [(i.key, i.value) for i in items] == [
        ("org.opencontainers.image.version", "1.2.3"),
        ("org.opencontainers.image.created", "${BUILD_DATE}"),
        ("org.opencontainers.image.url", "https://acme.example"),
    ]
    assert items[0].unresolved == frozenset() and items[1].unresolved == {"BUILD_DATE"}
    assert items[1].shown_value() == '"${BUILD_DATE}"'


def test_labels_onbuild_and_continuations():
    text = "FROM alpine:3.20\nLABEL a=1 \\\n      b=2\nONBUILD LABEL c=$X\n"
    items = list(labels(ctx_for(text)))
    assert [(i.key, i.value, i.onbuild) for i in items] == [("a", "1", False), ("b", "2", False), ("c", "$X", True)]
    assert text[items[1].key_span.start : items[1].key_span.end] == "b"
    assert text[items[2].key_span.start : items[2].key_span.end] == "c"
    assert [i.key for i in labels(ctx_for(text), onbuild=False)] == ["a", "b"]


def test_labels_escape_directive_and_rejected_words():
    text = "# escape=`\nFROM alpine:3.20\nLABEL a=x`y b\n"
    items = list(labels(ctx_for(text)))
    assert [(i.key, i.value) for i in items] == [("a", "xy")]
