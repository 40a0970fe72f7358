"""dflint.dockerignore against moby/patternmatcher's own test tables (patternmatcher_test.go and
ignorefile/ignorefile_test.go), rewritten as pytest cases; the Unix flavour only (Windows
separators are not Docker's behaviour on Linux builders)."""

from __future__ import annotations

import pytest

from dflint.dockerignore import (
    BadPattern,
    Pattern,
    PatternMatcher,
    clean,
    contains_wildcards,
    go_match,
    parse,
    read_patterns,
)


def matches(path: str, patterns: list[str]) -> bool:
    """patternmatcher.MatchesOrParentMatches(file, patterns)."""
    return PatternMatcher(patterns).matches(path)


# -- single tests of patternmatcher_test.go ---------------------------------------------------


def test_wildcard_matches():
    assert matches("fileutils.go", ["*"])


def test_pattern_matches():
    assert matches("fileutils.go", ["*.go"])


def test_exclusion_pattern_matches_pattern_before():
    assert matches("fileutils.go", ["!fileutils.go", "*.go"])


@pytest.mark.parametrize("folder", ["docs", "docs/", "docs/*"])
def test_folder_pattern_then_exception(folder):
    assert not matches("docs/README.md", [folder, "!docs/README.md"])


def test_exclusion_pattern_matches_pattern_after():
    assert not matches("fileutils.go", ["*.go", "!fileutils.go"])


def test_whole_directory_never_matches():
    assert not matches(".", ["*.go"])


def test_single_exclamation_is_an_error():
    with pytest.raises(BadPattern):
        matches("fileutils.go", ["!"])


def test_no_patterns():
    assert not matches("/any/path/there", [])


def test_malformed_pattern():
    with pytest.raises(BadPattern):
        matches("/any/path/there", ["["])


# -- TestMatches -------------------------------------------------------------------------------

EXACT, INEXACT, FAIL = "exact", "inexact", "fail"

MATCHES = [
    ("**", "file", EXACT),
    ("**", "file/", EXACT),
    ("**/", "file", EXACT),
    ("**/", "file/", EXACT),
    ("**", "/", EXACT),
    ("**/", "/", EXACT),
    ("**", "dir/file", EXACT),
    ("**/", "dir/file", EXACT),
    ("**", "dir/file/", EXACT),
    ("**/", "dir/file/", EXACT),
    ("**/**", "dir/file", EXACT),
    ("**/**", "dir/file/", EXACT),
    ("dir/**", "dir/file", EXACT),
    ("dir/**", "dir/file/", EXACT),
    ("dir/**", "dir/dir2/file", EXACT),
    ("dir/**", "dir/dir2/file/", EXACT),
    ("**/dir", "dir", EXACT),
    ("**/dir", "dir/file", INEXACT),
    ("**/dir2/*", "dir/dir2/file", EXACT),
    ("**/dir2/*", "dir/dir2/file/", INEXACT),
    ("**/dir2/**", "dir/dir2/dir3/file", EXACT),
    ("**/dir2/**", "dir/dir2/dir3/file/", EXACT),
    ("**file", "file", EXACT),
    ("**file", "dir/file", EXACT),
    ("**/file", "dir/file", EXACT),
    ("**file", "dir/dir/file", EXACT),
    ("**/file", "dir/dir/file", EXACT),
    ("**/file*", "dir/dir/file", EXACT),
    ("**/file*", "dir/dir/file.txt", EXACT),
    ("**/file*txt", "dir/dir/file.txt", EXACT),
    ("**/file*.txt", "dir/dir/file.txt", EXACT),
    ("**/file*.txt*", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt2", "dir/dir/file.txt", FAIL),
    ("**/*.txt", "file.txt", EXACT),
    ("**/**/*.txt", "file.txt", EXACT),
    ("a**/*.txt", "a/file.txt", EXACT),
    ("a**/*.txt", "a/dir/file.txt", EXACT),
    ("a**/*.txt", "a/dir/dir/file.txt", EXACT),
    ("a/*.txt", "a/dir/file.txt", FAIL),
    ("a/*.txt", "a/file.txt", EXACT),
    ("a/*.txt**", "a/file.txt", EXACT),
    ("a[b-d]e", "ae", FAIL),
    ("a[b-d]e", "ace", EXACT),
    ("a[b-d]e", "aae", FAIL),
    ("a[^b-d]e", "aze", EXACT),
    (".*", ".foo", EXACT),
    (".*", "foo", FAIL),
    ("abc.def", "abcdef", FAIL),
    ("abc.def", "abc.def", EXACT),
    ("abc.def", "abcZdef", FAIL),
    ("abc?def", "abcZdef", EXACT),
    ("abc?def", "abcdef", FAIL),
    ("**/foo/bar", "foo/bar", EXACT),
    ("**/foo/bar", "dir/foo/bar", EXACT),
    ("**/foo/bar", "dir/dir2/foo/bar", EXACT),
    ("abc/**", "abc", FAIL),
    ("abc/**", "abc/def", EXACT),
    ("abc/**", "abc/def/ghi", EXACT),
    ("**/.foo", ".foo", EXACT),
    ("**/.foo", "bar.foo", FAIL),
    ("a(b)c/def", "a(b)c/def", EXACT),
    ("a(b)c/def", "a(b)c/xyz", FAIL),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", EXACT),
    (
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        EXACT,
    ),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT),
    # the non-Windows additions
    ("a\\\\", "a\\", EXACT),
    ("a\\*b", "a*b", EXACT),
]

MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", FAIL),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", EXACT),
    (
        ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        FAIL,
    ),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", FAIL),
]


@pytest.mark.parametrize(("pattern", "text", "kind"), MATCHES)
def test_matches_exact(pattern, text, kind):
    assert PatternMatcher([pattern]).matches_exact(text) == (kind == EXACT)


@pytest.mark.parametrize(("pattern", "text", "kind"), MATCHES)
def test_matches_or_parent_matches(pattern, text, kind):
    # the Go test hands the text over as is (a trailing "/" included), without Clean
    pm = PatternMatcher([pattern])
    assert _or_parent(pm, text) == (kind != FAIL)


@pytest.mark.parametrize(("patterns", "text", "kind"), MULTI)
def test_matches_or_parent_matches_multi(patterns, text, kind):
    assert PatternMatcher(patterns).matches(text) == (kind != FAIL)


def _or_parent(pm: PatternMatcher, text: str) -> bool:
    """MatchesOrParentMatches on the raw text (PatternMatcher.matches cleans first, as the
    package-level function does; the method itself does not)."""
    parent = text.rpartition("/")[0] if "/" in text else "."
    parent = clean(parent) if parent else "/"
    dirs = parent.split("/") if parent != "." else []
    matched = False
    for p in pm.patterns:
        if p.exclusion != matched:
            continue
        hit = p.match(text)
        if not hit and dirs:
            hit = any(p.match("/".join(dirs[: i + 1])) for i in range(len(dirs)))
        if hit:
            matched = not p.exclusion
    return matched


# -- TestClean* ----------------------------------------------------------------------------------


def test_clean_patterns():
    assert len(PatternMatcher(["docs", "config"]).patterns) == 2


def test_clean_patterns_strip_empty():
    assert len(PatternMatcher(["docs", "config", ""]).patterns) == 2


@pytest.mark.parametrize("exception", ["!docs/README.md", "  !docs/README.md", "!docs/README.md  "])
def test_clean_patterns_exception_flag(exception):
    assert PatternMatcher(["docs", exception]).exclusions


def test_clean_patterns_error_single_exception():
    with pytest.raises(BadPattern):
        PatternMatcher(["!"])


# -- TestMatch: Go's filepath.Match table, through Matches(s, []string{pattern}) ----------------

MATCH = [
    ("abc", "abc", True, None),
    ("*", "abc", True, None),
    ("*c", "abc", True, None),
    ("a*", "a", True, None),
    ("a*", "abc", True, None),
    ("a*", "ab/c", True, None),
    ("a*/b", "abc/b", True, None),
    ("a*/b", "a/c/b", False, None),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True, None),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True, None),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False, None),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False, None),
    ("a*b?c*x", "abxbbxdbxebxczzx", True, None),
    ("a*b?c*x", "abxbbxdbxebxczzy", False, None),
    ("ab[c]", "abc", True, None),
    ("ab[b-d]", "abc", True, None),
    ("ab[e-g]", "abc", False, None),
    ("ab[^c]", "abc", False, None),
    ("ab[^b-d]", "abc", False, None),
    ("ab[^e-g]", "abc", True, None),
    ("a\\*b", "a*b", True, None),
    ("a\\*b", "ab", False, None),
    ("a?b", "a☺b", True, None),
    ("a[^a]b", "a☺b", True, None),
    ("a???b", "a☺b", False, None),
    ("a[^a][^a][^a]b", "a☺b", False, None),
    ("[a-ζ]*", "α", True, None),
    ("*[a-ζ]", "A", False, None),
    ("a?b", "a/b", False, None),
    ("a*b", "a/b", False, None),
    ("[\\]a]", "]", True, None),
    ("[\\-]", "-", True, None),
    ("[x\\-]", "x", True, None),
    ("[x\\-]", "-", True, None),
    ("[x\\-]", "z", False, None),
    ("[\\-x]", "x", True, None),
    ("[\\-x]", "-", True, None),
    ("[\\-x]", "a", False, None),
    ("[]a]", "]", False, BadPattern),
    ("[-]", "-", False, BadPattern),
    ("[x-]", "x", False, BadPattern),
    ("[x-]", "-", False, BadPattern),
    ("[x-]", "z", False, BadPattern),
    ("[-x]", "x", False, BadPattern),
    ("[-x]", "-", False, BadPattern),
    ("[-x]", "a", False, BadPattern),
    ("\\", "a", False, BadPattern),
    ("[a-b-c]", "a", False, BadPattern),
    ("[", "a", False, BadPattern),
    ("[^", "a", False, BadPattern),
    ("[^bc", "a", False, BadPattern),
    ("a[", "a", False, BadPattern),
    ("a[", "ab", False, BadPattern),
    ("*x", "xxx", True, None),
]


@pytest.mark.parametrize(("pattern", "text", "match", "err"), MATCH)
def test_match_table(pattern, text, match, err):
    if err is not None:
        with pytest.raises(err):
            matches(text, [pattern])
    else:
        assert matches(text, [pattern]) == match


@pytest.mark.parametrize(("pattern", "text", "match", "err"), MATCH)
def test_go_filepath_match(pattern, text, match, err):
    """The same table straight through go_match (Go's own filepath.Match tests, where ``a*``
    does not match ``ab/c``: moby's table says True because Docker also matches parents)."""
    if (pattern, text) == ("a*", "ab/c"):
        match = False
    if err is not None:
        with pytest.raises(err):
            go_match(pattern, text)
    else:
        assert go_match(pattern, text) == match


# -- TestCompile ----------------------------------------------------------------------------------

COMPILE = [
    ("*", "regexp", "^[^/]*$"),
    ("file*", "regexp", "^file[^/]*$"),
    ("*file", "regexp", "^[^/]*file$"),
    ("a*/b", "regexp", "^a[^/]*/b$"),
    ("**", "suffix", None),
    ("**/**", "regexp", "^(.*/)?.*$"),
    ("dir/**", "prefix", None),
    ("**/dir", "suffix", None),
    ("**/dir2/*", "regexp", "^(.*/)?dir2/[^/]*$"),
    ("**/dir2/**", "regexp", "^(.*/)?dir2/.*$"),
    ("**file", "suffix", None),
    ("**/file*txt", "regexp", "^(.*/)?file[^/]*txt$"),
    ("**/**/*.txt", "regexp", "^(.*/)?(.*/)?[^/]*\\.txt$"),
    ("a[b-d]e", "regexp", "^a[b-d]e$"),
    (".*", "regexp", "^\\.[^/]*$"),
    ("abc.def", "exact", None),
    ("abc?def", "regexp", "^abc[^/]def$"),
    ("**/foo/bar", "suffix", None),
    ("a(b)c/def", "exact", None),
    ("a.|)$(}+{bc", "exact", None),
    ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "exact", None),
]


@pytest.mark.parametrize(("pattern", "kind", "regex"), COMPILE)
def test_compile(pattern, kind, regex):
    p = Pattern(clean(pattern))
    assert p.kind == kind
    if regex is not None:
        assert p.regex is not None and p.regex.pattern == regex


def test_malformed_pattern_fails_on_every_call():
    """Regression test of moby/moby#52203: passes New's check, fails each match, never crashes."""
    pm = PatternMatcher(["[Local-Only]/"])
    for _ in range(2):
        with pytest.raises(BadPattern):
            pm.matches("x")


# -- ignorefile.ReadAll --------------------------------------------------------------------------


def test_read_all():
    assert read_patterns("") == []
    content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
    assert read_patterns(content) == ["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"]


# -- our own cases -------------------------------------------------------------------------------


def test_read_strips_bom_and_cleans():
    assert read_patterns("\ufeff./node_modules/\n  *.md  \n#x\n dist//out/../bin \n") == [
        "node_modules",
        "*.md",
        "dist/bin",
    ]


def test_parse_dockerignore_typical():
    pm = parse("# comment\n.git\nnode_modules\n**/*.pyc\n*.md\n!README.md\n")
    assert pm.matches(".git")
    assert pm.matches(".git/objects/ab")
    assert pm.matches("node_modules/x/index.js")
    assert not pm.matches("src/node_modules")  # no ** before it: only at the root
    assert pm.matches("a/b/c.pyc")
    assert pm.matches("CHANGES.md")
    assert not pm.matches("README.md")
    assert not pm.matches("docs/guide.md")  # *.md does not cross folders
    assert not pm.matches("src/app.py")


def test_exception_inside_excluded_folder():
    pm = parse("docs\n!docs/README.md\n")
    assert pm.matches("docs/other.md")
    assert not pm.matches("docs/README.md")
    assert pm.could_include_below("docs")
    assert not parse("docs\n").could_include_below("docs")


def test_last_match_wins():
    assert parse("*.md\n!README.md\nREADME.md\n").matches("README.md")


def test_clean_like_go():
    assert clean("") == "."
    assert clean("./a/b/") == "a/b"
    assert clean("a//b/./c/..") == "a/b"
    assert clean("/../a") == "/a"
    assert clean("../a") == "../a"
    assert clean("/") == "/"


def test_contains_wildcards():
    assert contains_wildcards("src/*")
    assert contains_wildcards("a?b")
    assert contains_wildcards("[ab]")
    assert not contains_wildcards("a\\*b")
    assert not contains_wildcards("plain/path")
