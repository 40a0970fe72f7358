from __future__ import annotations

from dflint.buildkit_checks import is_plain, key_values, variable_refs
from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.syntax import Instruction
from dflint.words import KeyValue, expand, parse_words

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def double_quoted(value: str, escape: str) -> str | None:
    """The body of a double-quoted word that BuildKit expands exactly as it expands `value`
    (quotes, escapes and variables as in its lexer), or None when `value` has an unterminated
    quote."""
    out: list[str] = []
    special = ('"', "$", escape)
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch == escape:
            if i + 1 >= n:
                i += 1
                continue  # an escape at the end is dropped
            nxt = value[i + 1]
            out.append(escape + nxt if nxt in special else nxt)
            i += 2
        elif ch == "'":
            end = value.find("'", i + 1)
            if end == -1:
                return None
            out.extend(escape + c if c in special else c for c in value[i + 1 : end])
            i = end + 1
        elif ch == '"':
            j = i + 1
            while j < n and value[j] != '"':
                j += 2 if value[j] == escape else 1
            if j >= n:
                return None
            out.append(value[i + 1 : j])
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _same(old: str, new: str, escape: str) -> bool:
    """Whether the two words expand to the same value whatever the variables hold."""
    names = {r.name for r in variable_refs(old, escape)} | {r.name for r in variable_refs(new, escape)}
    env = {name: f"\x00{k}\x00" for k, name in enumerate(sorted(names))}
    a, b = expand(old, env, escape), expand(new, env, escape)
    return a.error is None and b.error is None and a.value == b.value


def _expands_cleanly(word: str, escape: str) -> bool:
    """``_same(word, word, escape)``: whether the word expands without an error."""
    if is_plain(word, escape):
        return True  # nothing to expand
    names = {r.name for r in variable_refs(word, escape)}
    env = {name: f"\x00{k}\x00" for k, name in enumerate(sorted(names))}
    return expand(word, env, escape).error is None


class LegacyKeyValueFormat(Rule):
    """`ENV` or `LABEL` in the legacy `KEY value` form, without `=`.

    As BuildKit's `LegacyKeyValueFormat` check does: an `ENV` or `LABEL` whose first word has no
    `=` sets one key to the whole rest of the line. (`ARG a b` is not the legacy form: it
    declares two ARGs.)

    ## Why is this bad?
    The legacy form is deprecated, and it does not read as what it does: `ENV PATH /usr/bin /bin`
    sets one variable `PATH` to `/usr/bin /bin`, and a later edit to `ENV A 1 B 2` silently sets
    `A` to `1 B 2`.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENV APP_HOME /srv/app
    LABEL maintainer "Jane Doe <jane@example.com>"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV APP_HOME=/srv/app
    LABEL maintainer="Jane Doe <jane@example.com>"
    ```

    ## Fix safety
    Safe: the fix writes `KEY=value`, quoting the value in double quotes when it has blanks (and
    rewriting its quotes and escapes so it means the same), and checks that the new word expands
    to the same value as the old one. It keeps line continuations when the value needs no
    rewriting; a value that does, in an instruction with comment lines inside, gets no fix.

    ## References
    - [BuildKit check LegacyKeyValueFormat](https://docs.docker.com/reference/build-checks/legacy-key-value-format/)
    """

    code = "DF408"
    name = "legacy-key-value-format"
    severity = Severity.WARNING
    aliases = ("LegacyKeyValueFormat",)
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape or "\\"
        for ins in ctx.dockerfile.instructions:
            if ins.name not in ("ENV", "LABEL"):
                continue
            items = key_values(ins.args, ins.name, escape)
            if len(items) != 1 or not items[0].legacy or items[0].value is None:
                continue
            item = items[0]
            kw = ins.keyword
            fix = self._fix(ins, item, escape)
            shown = f"{kw} {item.key}={fix[1]}" if fix else f'{kw} {item.key}="…"'
            if len(shown) > 80 or "\n" in shown:
                shown = shown[:60].split("\n")[0] + "…"
            yield Violation(
                ins.args_subspan(item.start, item.end),
                f'"{kw} key=value" should be used instead of legacy "{kw} key value" format: '
                f"write {shown}",
                fix[0] if fix else None,
            )

    @staticmethod
    def _fix(ins: Instruction, item: KeyValue, escape: str) -> tuple[Fix, str] | None:
        value = item.value or ""
        value_start = item.end - len(value)
        title = f"Write {item.key}=…"
        words = parse_words(value, escape)
        if len(words) == 1 and words[0][1] == 0 and words[0][2] == len(value) and _expands_cleanly(value, escape):
            edit = Edit(ins.args_subspan(item.key_end, value_start).start,
                        ins.args_subspan(item.key_end, value_start).end, "=")
            return Fix.safe(title, edit), value
        body = double_quoted(value, escape)
        if body is None or not _same(value, f'"{body}"', escape):
            return None
        if body == value:  # nothing to rewrite: keep the value (and its continuations) as written
            gap = ins.args_subspan(item.key_end, value_start)
            end = ins.args_subspan(item.end - 1, item.end).end
            return Fix.safe(title, Edit(gap.start, gap.end, '="'), Edit.insert(end, '"')), f'"{body}"'
        if ins.comments:
            return None
        span = ins.args_subspan(item.key_end, item.end)
        return Fix.safe(title, Edit(span.start, span.end, f'="{body}"')), f'"{body}"'
