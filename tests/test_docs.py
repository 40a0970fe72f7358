"""Rule documentation (dflint.docs): docstring parsing and rendering."""

from __future__ import annotations

import json

import pytest

from dflint.docs import (
    REQUIRED_SECTIONS,
    SECTIONS,
    RuleDoc,
    example_blocks,
    parse_doc,
    render_rule,
    render_rules,
    rule_header,
)
from dflint.rule import Fixable, Rule, Severity


class AptPin(Rule):
    """Pin versions in `apt-get install`.

    Applies to every `apt-get install` in a RUN, also
    behind `&&` and `;`.

    ## Why is this bad?
    Unpinned packages change | between builds.

    ### Which versions
    Any `pkg=version`.

    ## Example
    ```dockerfile
    FROM debian:12
    ## a Dockerfile comment, not a heading
    RUN apt-get install -y curl
    ```

    ## Use instead
    ```Dockerfile title="pinned"
    FROM debian:12
    RUN apt-get install -y curl=7.88.1-10
    ```

    Or in a shell script:

    ```sh
    apt-get install -y curl=7.88.1-10
    ```

    ## Fix safety
    The fix is unsafe: the pinned version may not exist.

    ## References
    - [hadolint DL3008](https://github.com/hadolint/hadolint/wiki/DL3008)
    """

    code = "DL3008"
    name = "apt-get-unpinned"
    severity = Severity.WARNING
    aliases = ("AptPin", "apt-pin")
    fixable = Fixable.SOMETIMES


class UnusedStage(Rule):
    """A stage nothing builds or copies from.

    ## Why is this bad?
    Dead code.

    ## Example
    ```dockerfile
    FROM alpine AS unused
    FROM alpine
    ```

    ## Use instead
    ```dockerfile
    FROM alpine
    ```
    """

    code = "DF100"
    name = "unused-stage"
    severity = Severity.INFO
    enabled_by_default = False


class Undocumented(Rule):
    """Something.

    ## Why is this bad
    No question mark, still found.

    ## Example
    No code block here.

    ## Examples
    ```dockerfile
    FROM a
    ```
    """

    code = "DF999"
    name = "undocumented"
    severity = Severity.STYLE
    fixable = Fixable.ALWAYS


# ------------------------------------------------------------------------------------------
# parse_doc


def test_parse_doc_splits_summary_description_and_sections():
    doc = parse_doc(AptPin)
    assert isinstance(doc, RuleDoc)
    assert (doc.code, doc.name) == ("DL3008", "apt-get-unpinned")
    assert doc.summary == "Pin versions in `apt-get install`."
    assert doc.description == "Applies to every `apt-get install` in a RUN, also\nbehind `&&` and `;`."
    assert list(doc.sections) == ["Why is this bad?", "Example", "Use instead", "Fix safety", "References"]
    assert doc.why == "Unpinned packages change | between builds.\n\n### Which versions\nAny `pkg=version`."
    assert doc.fix_safety == "The fix is unsafe: the pinned version may not exist."
    assert doc.references == "- [hadolint DL3008](https://github.com/hadolint/hadolint/wiki/DL3008)"
    assert doc.options is None and doc.differences is None


def test_heading_inside_a_code_block_is_code():
    doc = parse_doc(AptPin)
    assert doc.example == (
        "```dockerfile\n"
        "FROM debian:12\n"
        "## a Dockerfile comment, not a heading\n"
        "RUN apt-get install -y curl\n"
        "```"
    )
    assert "a Dockerfile comment, not a heading" not in doc.sections


def test_examples_of_a_rule():
    doc = parse_doc(AptPin)
    assert doc.bad_examples == [
        "FROM debian:12\n## a Dockerfile comment, not a heading\nRUN apt-get install -y curl\n"
    ]
    # ```Dockerfile title="…" counts, ```sh does not
    assert doc.good_examples == ["FROM debian:12\nRUN apt-get install -y curl=7.88.1-10\n"]


def test_multi_line_summary_paragraph_is_joined():
    class Wrapped(UnusedStage):
        """A summary that
        wraps.

        ## Why is this bad?
        x
        """

    assert parse_doc(Wrapped).summary == "A summary that wraps."
    assert parse_doc(Wrapped).description == ""


def test_section_lookup_ignores_case_and_trailing_question_mark():
    doc = parse_doc(Undocumented)
    assert doc.section("why is this bad?") == "No question mark, still found."
    assert doc.why == "No question mark, still found."
    assert doc.section("Missing") is None


def test_problems_of_a_good_and_a_bad_docstring():
    assert parse_doc(AptPin).problems() == []
    assert parse_doc(UnusedStage).problems() == []
    assert parse_doc(Undocumented).problems() == [
        "missing section '## Use instead'",
        "unknown section '## Examples' (known: " + ", ".join(SECTIONS) + ")",
        "'## Example' has no ```dockerfile block",
    ]

    class Empty(UnusedStage):
        pass

    Empty.__doc__ = None
    assert parse_doc(Empty).problems() == ["no summary line"] + [
        f"missing section '## {s}'" for s in REQUIRED_SECTIONS
    ]


# ------------------------------------------------------------------------------------------
# example_blocks


def test_example_blocks_variants():
    section = (
        "Text.\n"
        "```dockerfile\n"
        "FROM a\n"
        "```\n"
        "~~~~dockerfile\n"
        "FROM b\n"
        "```\n"  # a shorter fence of another kind does not close it
        "~~~~\n"
        "- item:\n"
        "  ```DOCKERFILE\n"
        "  FROM c\n"
        "    RUN x\n"
        "  ```\n"
        "```json\n"
        "{}\n"
        "```\n"
        "```dockerfile\n"
        "```\n"
        "````dockerfile\n"
        "FROM d\n"
        "```\n"
        "unclosed, runs to the end\n"
    )
    assert example_blocks(section) == [
        "FROM a\n",
        "FROM b\n```\n",
        "FROM c\n  RUN x\n",
        "",
        "FROM d\n```\nunclosed, runs to the end\n",
    ]
    assert example_blocks(section, lang="json") == ["{}\n"]
    assert example_blocks(None) == []
    assert example_blocks("no code") == []


# ------------------------------------------------------------------------------------------
# render_rule


def test_rule_header():
    assert rule_header(AptPin) == (
        "DL3008 apt-get-unpinned (warning; aliases: AptPin, apt-pin; fix sometimes available; on by default)"
    )
    assert rule_header(UnusedStage) == "DF100 unused-stage (info; no fix; off by default)"
    assert rule_header(Undocumented) == "DF999 undocumented (style; fix always available; on by default)"


def test_render_rule_text():
    assert render_rule(AptPin) == render_rule(AptPin, "text")
    assert render_rule(AptPin, "text") == (
        "DL3008 apt-get-unpinned (warning; aliases: AptPin, apt-pin; fix sometimes available; on by default)\n"
        "\n"
        "Pin versions in `apt-get install`.\n"
        "\n"
        "Applies to every `apt-get install` in a RUN, also\n"
        "behind `&&` and `;`.\n"
        "\n"
        "Why is this bad?\n"
        "\n"
        "Unpinned packages change | between builds.\n"
        "\n"
        "### Which versions\n"
        "Any `pkg=version`.\n"
        "\n"
        "Example\n"
        "\n"
        "    FROM debian:12\n"
        "    ## a Dockerfile comment, not a heading\n"
        "    RUN apt-get install -y curl\n"
        "\n"
        "Use instead\n"
        "\n"
        "    FROM debian:12\n"
        "    RUN apt-get install -y curl=7.88.1-10\n"
        "\n"
        "Or in a shell script:\n"
        "\n"
        "    apt-get install -y curl=7.88.1-10\n"
        "\n"
        "Fix safety\n"
        "\n"
        "The fix is unsafe: the pinned version may not exist.\n"
        "\n"
        "References\n"
        "\n"
        "- [hadolint DL3008](https://github.com/hadolint/hadolint/wiki/DL3008)\n"
    )


def test_render_rule_markdown():
    assert render_rule(UnusedStage, "markdown") == (
        "# DF100 unused-stage\n"
        "\n"
        "*info; no fix; off by default*\n"
        "\n"
        "A stage nothing builds or copies from.\n"
        "\n"
        "## Why is this bad?\n"
        "\n"
        "Dead code.\n"
        "\n"
        "## Example\n"
        "\n"
        "```dockerfile\n"
        "FROM alpine AS unused\n"
        "FROM alpine\n"
        "```\n"
        "\n"
        "## Use instead\n"
        "\n"
        "```dockerfile\n"
        "FROM alpine\n"
        "```\n"
    )
    md = render_rule(AptPin, "markdown")
    assert md.startswith("# DL3008 apt-get-unpinned\n\n*warning; aliases: AptPin, apt-pin; ")
    assert "\n### Which versions\n" in md
    assert "\n## a Dockerfile comment, not a heading\n" in md  # code is never re-leveled


def test_render_rule_json():
    data = json.loads(render_rule(AptPin, "json"))
    assert data == {
        "code": "DL3008",
        "name": "apt-get-unpinned",
        "severity": "warning",
        "aliases": ["AptPin", "apt-pin"],
        "fixable": "sometimes",
        "enabled_by_default": True,
        "summary": "Pin versions in `apt-get install`.",
        "doc": AptPin.doc(),
    }


def test_render_unknown_format():
    with pytest.raises(ValueError, match="unknown documentation format 'html'"):
        render_rule(AptPin, "html")
    with pytest.raises(ValueError, match="unknown documentation format 'html'"):
        render_rules([AptPin], "html")


# ------------------------------------------------------------------------------------------
# render_rules


def test_render_rules_text_table_sorted_by_code():
    assert render_rules([AptPin, Undocumented, UnusedStage]) == (
        "code    name              severity  fix        summary\n"
        "DF100   unused-stage      info      -          A stage nothing builds or copies from.\n"
        "DF999   undocumented      style     always     Something.\n"
        "DL3008  apt-get-unpinned  warning   sometimes  Pin versions in `apt-get install`.\n"
    )
    assert render_rules([]) == "code  name  severity  fix  summary\n"


def test_render_rules_json():
    data = json.loads(render_rules([AptPin, UnusedStage], "json"))
    assert [d["code"] for d in data] == ["DF100", "DL3008"]
    assert data[0] == {
        "code": "DF100",
        "name": "unused-stage",
        "severity": "info",
        "aliases": [],
        "fixable": "never",
        "enabled_by_default": False,
        "summary": "A stage nothing builds or copies from.",
        "doc": UnusedStage.doc(),
    }
    assert data[1] == json.loads(render_rule(AptPin, "json"))
    assert render_rules([], "json") == "[]\n"


def test_render_rules_markdown():
    md = render_rules([AptPin, UnusedStage], "markdown")
    assert md.startswith(
        "| Code | Name | Severity | Fix | Summary |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| DF100 | `unused-stage` | info | - | A stage nothing builds or copies from. |\n"
        "| DL3008 | `apt-get-unpinned` | warning | sometimes | Pin versions in `apt-get install`. |\n"
        "\n"
        "## DF100 unused-stage\n"
        "\n"
        "*info; no fix; off by default*\n"
    )
    # one level deeper than a single page: rule ##, sections ###, sub-headings ####
    assert "\n## DL3008 apt-get-unpinned\n" in md
    assert "\n### Why is this bad?\n" in md
    assert "\n#### Which versions\n" in md
    assert "\n## a Dockerfile comment, not a heading\n" in md
    assert md.endswith("- [hadolint DL3008](https://github.com/hadolint/hadolint/wiki/DL3008)\n")


def test_markdown_table_escapes_pipes():
    class Piped(UnusedStage):
        """Use `a | b` carefully."""

        code = "DF998"

    assert "| DF998 | `unused-stage` | info | - | Use `a \\| b` carefully. |\n" in render_rules([Piped], "markdown")
