"""Registry: built-in discovery, plugins through real entry points, selection semantics."""

from __future__ import annotations

import sys
import textwrap
import pytest

import dflint.registry as registry_mod
import dflint.rules
from dflint.registry import PluginError, Registry, SelectionError, builtin_rules, plugin_rules
from dflint.rule import Rule, Severity


def make_rule(code, name, aliases=(), default=True, severity=Severity.WARNING):
    def check(self, ctx):
        return iter(())

    return type(
        f"R_{code}",
        (Rule,),
        {
            "code": code,
            "name": name,
            "aliases": tuple(aliases),
            "enabled_by_default": default,
            "severity": severity,
            "check": check,
            "__module__": __name__,
        },
    )


RULES = [
    make_rule("DL3008", "apt-get-pin-versions"),
    make_rule("DL3009", "apt-lists-not-deleted"),
    make_rule("DL3100", "copy-instead-of-add"),
    make_rule("DL3057", "healthcheck-missing", default=False),
    make_rule("DL4000", "maintainer-deprecated", aliases=("MaintainerDeprecated",)),
    make_rule("DF002", "no-empty-continuation", aliases=("NoEmptyContinuation",)),
    make_rule("DF100", "unused-stage"),
    make_rule("DF101", "stage-copies-missing-path"),
    make_rule("DF200", "ships-toolchain"),
]


@pytest.fixture
def reg():
    return Registry(RULES)


def codes(rules):
    return [r.code for r in rules]


# ---- lookups ---------------------------------------------------------------------------------


def test_get_by_code_name_alias_case_insensitive(reg):
    r = reg.get("DF002")
    assert r is not None and r.code == "DF002"
    assert reg.get("df002") is r
    assert reg.get("no-empty-continuation") is r
    assert reg.get("NO-EMPTY-CONTINUATION") is r
    assert reg.get("NoEmptyContinuation") is r
    assert reg.get("noemptycontinuation") is r
    assert reg.get("DF999") is None
    assert reg.get("DF") is None  # a prefix is not a rule


def test_resolve_code(reg):
    assert reg.resolve_code("DL300") == ["DL3008", "DL3009"]
    assert reg.resolve_code("DL30") == ["DL3008", "DL3009", "DL3057"]
    assert reg.resolve_code("DL3") == ["DL3008", "DL3009", "DL3057", "DL3100"]
    assert reg.resolve_code("MaintainerDeprecated") == ["DL4000"]
    assert reg.resolve_code("unused-stage") == ["DF100"]
    assert reg.resolve_code("ALL") == sorted(r.code for r in RULES)
    assert reg.resolve_code("SC2086") == ["SC2086"]
    assert reg.resolve_code("SC") == []
    with pytest.raises(SelectionError):
        reg.resolve_code("XX1")


def test_covers_and_specificity(reg):
    assert reg.specificity("ALL", "DL3008") == 0
    assert reg.specificity("DL", "DL3008") == 2
    assert reg.specificity("DL30", "DL3008") == 4
    assert reg.specificity("DL3008", "DL3008") == registry_mod.EXACT
    assert reg.specificity("apt-get-pin-versions", "DL3008") == registry_mod.EXACT
    assert reg.specificity("DL31", "DL3008") is None
    assert reg.specificity("apt-lists-not-deleted", "DL3008") is None
    assert reg.covers("SC20", "SC2086")
    assert not reg.covers("SC21", "SC2086")
    assert reg.covers("ALL", "SC2086")


def test_duplicate_codes_rejected():
    with pytest.raises(RuntimeError, match="duplicate rule code DL3008"):
        Registry([make_rule("DL3008", "a"), make_rule("DL3008", "b")])


# ---- selection -------------------------------------------------------------------------------


def test_default_set_is_enabled_by_default_rules(reg):
    selected = codes(reg.select())
    assert "DL3057" not in selected
    assert selected == sorted(r.code for r in RULES if r.enabled_by_default)


def test_select_replaces_default(reg):
    assert codes(reg.select(["DF1"])) == ["DF100", "DF101"]
    assert codes(reg.select([])) == []
    assert codes(reg.select([], extend_select=["DF200"])) == ["DF200"]


def test_extend_select_adds_to_default(reg):
    selected = codes(reg.select(extend_select=["DL3057"]))
    assert selected == sorted([*codes(reg.select()), "DL3057"])


def test_prefix_select_with_exact_ignore(reg):
    assert codes(reg.select(["DL3"], ignore=["DL3008"])) == ["DL3009", "DL3100"]


def test_exact_select_beats_prefix_ignore(reg):
    assert codes(reg.select(["DL3008"], ignore=["DL3"])) == ["DL3008"]


def test_longer_prefix_wins(reg):
    assert codes(reg.select(["DL30"], ignore=["DL3"])) == ["DL3008", "DL3009"]
    assert codes(reg.select(["DL3"], ignore=["DL30"])) == ["DL3100"]
    assert codes(reg.select(["DL"], extend_select=["DL300"], ignore=["DL30"])) == ["DL3008", "DL3009", "DL3100", "DL4000"]


def test_tie_goes_to_ignore(reg):
    assert codes(reg.select(["DL3008"], ignore=["DL3008"])) == []
    assert codes(reg.select(["DL30"], ignore=["DL30"])) == []
    # name vs code of the same rule: both exact, ignore wins
    assert codes(reg.select(["DL3008"], ignore=["apt-get-pin-versions"])) == []


def test_all(reg):
    assert codes(reg.select(["ALL"])) == sorted(r.code for r in RULES if r.enabled_by_default)
    assert codes(reg.select(["ALL"], ignore=["DL"])) == ["DF002", "DF100", "DF101", "DF200"]
    assert codes(reg.select(ignore=["ALL"])) == []  # the default set is below ALL
    assert codes(reg.select(ignore=["ALL"], extend_select=["DF100"])) == ["DF100"]
    assert codes(reg.select(["DL"], ignore=["ALL"])) == ["DL3008", "DL3009", "DL3100", "DL4000"]


def test_non_default_rule_only_when_named_exactly(reg):
    assert "DL3057" not in codes(reg.select(["ALL"]))
    assert "DL3057" not in codes(reg.select(["DL3"]))
    assert "DL3057" not in codes(reg.select(extend_select=["DL305"]))
    assert "DL3057" in codes(reg.select(["DL3057"]))
    assert "DL3057" in codes(reg.select(["healthcheck-missing"]))
    assert "DL3057" in codes(reg.select(["ALL"], extend_select=["DL3057"]))
    # once named, an ignore of the same specificity still wins
    assert "DL3057" not in codes(reg.select(["DL3057"], ignore=["DL3057"]))
    # ... and a less specific ignore does not
    assert "DL3057" in codes(reg.select(["DL3057"], ignore=["DL3"]))


def test_names_and_aliases_as_selectors(reg):
    assert codes(reg.select(["NoEmptyContinuation"])) == ["DF002"]
    assert codes(reg.select(["noemptycontinuation", "unused-stage"])) == ["DF002", "DF100"]
    assert "DL4000" not in codes(reg.select(ignore=["maintainerdeprecated"]))
    # exact alias ignore beats a prefix select
    assert codes(reg.select(["DL4"], ignore=["MaintainerDeprecated"])) == []


def test_selectors_case_insensitive(reg):
    assert codes(reg.select(["dl30"])) == ["DL3008", "DL3009"]
    assert codes(reg.select(["all"], ignore=["dl", "df"])) == []


def test_unknown_selector_error_with_suggestion(reg):
    with pytest.raises(SelectionError) as info:
        reg.select(["DL3O08"])
    msg = str(info.value)
    assert msg == "unknown rule selector 'DL3O08' (did you mean 'DL3008'?)"
    assert "\n" not in msg
    with pytest.raises(SelectionError, match=r"'unused-stages' \(did you mean 'unused-stage'\?\)"):
        reg.select(ignore=["unused-stages"])
    with pytest.raises(SelectionError, match=r"did you mean 'NoEmptyContinuation'"):
        reg.select(extend_select=["NoEmptyContinuations"])
    with pytest.raises(SelectionError, match=r"^x\.toml: unknown rule selector 'zzz'$"):
        reg.check_selectors(["zzz"], origin="x.toml")


def test_prefix_of_no_code_is_unknown(reg):
    assert reg.is_known_selector("DF1")
    assert not reg.is_known_selector("DF3")
    with pytest.raises(SelectionError):
        reg.select(["DF3"])


def test_shellcheck_selectors_always_valid(reg):
    for sel in ("SC", "sc", "SC2", "SC2086", "SC9999"):
        assert reg.is_known_selector(sel)
        reg.select([sel])  # no error, selects no dflint rule
    assert codes(reg.select(["SC2086"])) == []
    assert not reg.is_known_selector("SCX")


@pytest.mark.parametrize(
    ("select", "extend", "ignore", "code", "expected"),
    [
        (None, (), (), "SC2086", True),  # default on
        (None, (), (), None, True),
        (None, (), ("SC",), None, False),
        (None, (), ("SC2086",), "SC2086", False),
        (None, (), ("SC2086",), "SC2046", True),
        (None, (), ("SC2086",), None, True),  # others still run
        (["DL"], (), (), None, False),  # a select without SC drops ShellCheck
        (["DL"], ("SC2",), (), "SC2086", True),
        (["DL"], ("SC2",), (), "SC1091", False),
        (["ALL"], (), (), "SC2086", True),
        (["ALL"], (), ("SC20",), "SC2086", False),
        (["SC2086"], (), ("SC",), "SC2086", True),  # exact beats prefix
        (["SC2086"], (), ("SC",), None, True),
        (["SC"], (), ("SC2086",), "SC2086", False),
        (["SC20"], (), ("SC20",), "SC2086", False),  # tie: ignore
        (None, (), ("ALL",), None, False),
        (None, ("SC2154",), ("ALL",), "SC2154", True),
    ],
)
def test_is_shellcheck_selected(reg, select, extend, ignore, code, expected):
    assert reg.is_shellcheck_selected(select, extend, ignore, code) is expected


def test_is_fixable(reg):
    assert reg.is_fixable("DL3008")
    assert not reg.is_fixable("DL3008", unfixable=["DL3"])
    assert reg.is_fixable("DL3008", unfixable=["DL3"], fixable=["DL3008"])
    assert not reg.is_fixable("DL3009", fixable=["DL3008"])


def test_best_most_specific(reg):
    assert reg.best(["ALL", "DL3", "DL3008", "DL30"], "DL3008") == ("DL3008", registry_mod.EXACT)
    assert reg.best(["ALL", "DL3"], "DL3009") == ("DL3", 3)
    assert reg.best(["DF"], "DL3009") is None


# ---- built-in discovery ----------------------------------------------------------------------


def test_builtin_rules_are_real_rules():
    rules = builtin_rules()
    assert len({r.code for r in rules}) == len(rules)
    for r in rules:
        assert issubclass(r, Rule) and r is not Rule
        assert r.__module__.startswith("dflint.rules.")
        assert isinstance(r.code, str) and r.code


def test_builtin_rules_scans_every_module(tmp_path, monkeypatch):
    (tmp_path / "zz_fake_rule_for_test.py").write_text(
        textwrap.dedent(
            """
            from dflint.rule import Rule, Severity
            from dflint.registry import Registry  # imported things are not collected

            class Base(Rule):  # no code: a helper base
                severity = Severity.INFO

            class Fake(Base):
                code = "DF998"
                name = "fake-rule"
                def check(self, ctx):
                    return iter(())
            """
        )
    )
    (tmp_path / "_private_helper.py").write_text("raise RuntimeError('must not be imported')\n")
    monkeypatch.setattr(dflint.rules, "__path__", [*dflint.rules.__path__, str(tmp_path)])
    try:
        found = builtin_rules()
        fake = [r for r in found if r.code == "DF998"]
        assert len(fake) == 1 and fake[0].__name__ == "Fake"
        assert not [r for r in found if r.__name__ == "Base"]
        assert not [r for r in found if r is Registry]
    finally:
        sys.modules.pop("dflint.rules.zz_fake_rule_for_test", None)


# ---- plugins through real entry points -------------------------------------------------------

PLUGIN_CODE = {
    "fakeplug/__init__.py": "",
    "fakeplug/rules.py": """
        from dflint.rule import Rule, Severity

        class Good(Rule):
            code = "XY100"
            name = "good-plugin-rule"
            severity = Severity.INFO
            def check(self, ctx):
                return iter(())

        class ListedA(Rule):
            code = "XY201"
            name = "listed-a"
            severity = Severity.STYLE
            def check(self, ctx):
                return iter(())

        class ListedB(ListedA):
            code = "XY202"
            name = "listed-b"

        LISTED = [ListedA, ListedB]

        class NoCode(Rule):
            name = "no-code"
            severity = Severity.INFO
            def check(self, ctx):
                return iter(())

        class NoCheck(Rule):
            code = "XY300"
            name = "no-check"
            severity = Severity.INFO

        class ClashBuiltin(Rule):
            code = "DF002"
            name = "clash-builtin"
            severity = Severity.INFO
            def check(self, ctx):
                return iter(())

        class ClashName(Rule):
            code = "XY400"
            name = "No-Empty-Continuation"
            severity = Severity.INFO
            def check(self, ctx):
                return iter(())

        class Raises(Rule):
            code = "XY500"
            name = "raises-in-check"
            severity = Severity.ERROR
            def check(self, ctx):
                raise RuntimeError("boom")

        not_a_rule = 42
    """,
    "fakeplug/modrules.py": """
        from dflint.rule import Rule, Severity
        from fakeplug.rules import Good  # imported: not this module's rule

        class FromModule(Rule):
            code = "XY600"
            name = "from-module"
            severity = Severity.WARNING
            def check(self, ctx):
                return iter(())
    """,
    "fakeplug/empty.py": "X = 1\n",
    "fakeplug/broken.py": "import this_module_does_not_exist_anywhere\n",
}

ENTRY_POINTS = """
[dflint.rules]
good = fakeplug.rules:Good
listed = fakeplug.rules:LISTED
module = fakeplug.modrules
raises = fakeplug.rules:Raises
nocode = fakeplug.rules:NoCode
nocheck = fakeplug.rules:NoCheck
clash-builtin = fakeplug.rules:ClashBuiltin
clash-name = fakeplug.rules:ClashName
notrule = fakeplug.rules:not_a_rule
empty = fakeplug.empty
broken = fakeplug.broken
missing-attr = fakeplug.rules:DoesNotExist

[some.other.group]
ignored = fakeplug.rules:Good
"""


@pytest.fixture
def fake_plugin(tmp_path, monkeypatch):
    for rel, code in PLUGIN_CODE.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(code))
    dist = tmp_path / "fakeplug-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    builtin = [make_rule("DF002", "no-empty-continuation", aliases=("NoEmptyContinuation",))]
    monkeypatch.setattr(registry_mod, "builtin_rules", lambda: builtin)
    Registry.reset()
    yield builtin
    Registry.reset()
    for name in [m for m in sys.modules if m == "fakeplug" or m.startswith("fakeplug.")]:
        del sys.modules[name]


def test_plugins_loaded_through_entry_points(fake_plugin):
    rules, errors = plugin_rules()
    assert sorted(r.code for r in rules) == ["XY100", "XY201", "XY202", "XY500", "XY600"]
    by_name = {e.plugin_name: e.message for e in errors}
    assert set(by_name) == {
        "nocode",
        "nocheck",
        "clash-builtin",
        "clash-name",
        "notrule",
        "empty",
        "broken",
        "missing-attr",
    }
    assert "no valid code" in by_name["nocode"]
    assert "does not implement check()" in by_name["nocheck"]
    assert "'DF002' is already taken by built-in DF002" in by_name["clash-builtin"]
    assert "'No-Empty-Continuation' is already taken by built-in DF002" in by_name["clash-name"]
    assert "42 is not a dflint Rule subclass" in by_name["notrule"]
    assert "exposes no rules" in by_name["empty"]
    assert "ModuleNotFoundError" in by_name["broken"] and "this_module_does_not_exist_anywhere" in by_name["broken"]
    assert "AttributeError" in by_name["missing-attr"]
    assert all("\n" not in m for m in by_name.values())
    assert all(isinstance(e, PluginError) for e in errors)


def test_plugin_rules_cached_per_process(fake_plugin):
    first = plugin_rules()
    assert plugin_rules() is first


def test_registry_load_combines_builtins_and_plugins(fake_plugin):
    reg = Registry.load()
    assert Registry.load() is reg
    assert [r.code for r in reg.rules] == ["DF002", "XY100", "XY201", "XY202", "XY500", "XY600"]
    assert reg.get("good-plugin-rule").code == "XY100"
    assert reg.get("DF002") is fake_plugin[0]
    assert len(reg.errors) == 8
    assert codes(reg.select(["XY2"])) == ["XY201", "XY202"]


def test_plugin_check_that_raises_is_still_loaded(fake_plugin):
    # a plugin whose check raises is the engine's business: it loads fine
    reg = Registry.load()
    cls = reg.get("XY500")
    assert cls is not None
    with pytest.raises(RuntimeError, match="boom"):
        list(cls().check(None))


def test_no_plugins_installed(monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **kw: [])
    Registry.reset()
    try:
        assert plugin_rules() == ([], [])
    finally:
        Registry.reset()


def test_real_registry_loads():
    Registry.reset()
    reg = Registry.load()
    assert reg.rules == sorted(reg.rules, key=lambda r: r.code)
    for cls in builtin_rules():
        assert reg.get(cls.code) is cls
        assert reg.get(cls.name) is cls


def test_is_shellcheck_selected_matches_every_code_one_by_one(reg):
    """The shortcut (one code per group of codes the selectors cannot tell apart) gives what
    asking all 9,000 codes gives."""
    import random

    codes = [f"SC{n}" for n in range(1000, 10000)]
    pool = ["SC", "SC2", "SC20", "SC2086", "SC1", "sc9", "SC99", "SC999", "SC9999", "SC1000", "ALL", "DL", "SC20861", "SC0"]
    rng = random.Random(8)
    for _ in range(200):
        select = None if rng.random() < 0.4 else rng.sample(pool, rng.randint(0, 3))
        extend, ignore = rng.sample(pool, rng.randint(0, 2)), rng.sample(pool, rng.randint(0, 3))
        on = [*(select or ()), *extend]
        slow = any(reg._enabled(c, select is None, on, ignore, exact_only=False) for c in codes)
        assert reg.is_shellcheck_selected(select, extend, ignore) is slow, (select, extend, ignore)


def test_module_names_match_pkgutil():
    import pkgutil

    want = {i.name for i in pkgutil.iter_modules(dflint.rules.__path__)}
    assert set(registry_mod._module_names(dflint.rules.__path__)) == want


def test_plugin_error_is_an_immutable_record():
    import pickle

    e = PluginError("p", "m")
    assert e == PluginError("p", "m") and hash(e) == hash(PluginError("p", "m"))
    assert str(e) == "plugin 'p': m"
    assert pickle.loads(pickle.dumps(e)) == e
    with pytest.raises(AttributeError):
        e.message = "x"  # type: ignore[misc]
