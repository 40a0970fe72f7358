"""PHP extensions: ``docker-php-ext-install`` and ``pecl install`` on the official php images.

The official Debian php images (``php:8.3-cli``, ``php:8.3-apache``, ``php:8.3-fpm``…) keep
``$PHPIZE_DEPS`` (gcc, make, autoconf…) installed in the base image itself, so a runtime stage
FROM the same image still ships the compiler: refused with that reason. PHP from a distribution's
packages (``php8.3-dev`` on Ubuntu, a PPA…) installs extensions elsewhere: refused too.

On ``php:*-alpine`` images the compiler comes from ``apk add $PHPIZE_DEPS`` in the file (often in a
``--virtual`` package): the build stage compiles the extensions, and the runtime stage starts FROM
the same image, installs the runtime libraries of the ``-dev`` packages (``icu-dev`` →
``icu-libs``), and copies the extension folder (``php-config --extension-dir`` is a folder of
``/usr/local/lib/php/extensions``) and ``$PHP_INI_DIR`` (``/usr/local/etc/php``: the ``conf.d`` ini
files ``docker-php-ext-enable`` writes, and the ``php.ini`` a build RUN may change). PHP runs its
sources: the application files the original copied are copied again from the build context, in
their original order, and the RUNs after the build (``composer install``, ``php artisan …``) run
in the runtime stage, which has every extension by then.

Refused on Alpine: a RUN of the build part that does something besides installing packages and
building or enabling extensions (its effect would be lost), a write outside ``/usr/local/etc/php``,
``phpize``/``make`` builds by hand, and a RUN after the build that may compile (``npm``, ``pip``…).
"""

from __future__ import annotations

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import USER_COMMANDS
from dflint.optimize.plan import BOTH, BUILD, RUNTIME, Artifact, Draft, Plan, PlanError, Refusal

EXTENSIONS_DIR = "/usr/local/lib/php/extensions"
PHP_INI_DIR = "/usr/local/etc/php"

#: what a RUN of the build part may run besides the build steps
_BUILD_PART = frozenset(
    "apk docker-php-ext-install docker-php-ext-configure docker-php-ext-enable docker-php-source pecl "
    "rm echo printf true cd set export yes nproc".split()
)
#: commands after the build that may need the compiler the runtime stage no longer has
_MAY_COMPILE = frozenset(
    "make gmake cmake gcc cc g++ c++ clang phpize ./configure configure pip pip3 npm npx yarn pnpm node-gyp "
    "gem bundle cargo go pecl docker-php-ext-install apk".split()
)


class PhpRecipe(Recipe):
    name = "php"
    ecosystem = "c"
    tools = ("docker-php-ext-install", "pecl install", "phpize")
    allows = ("make", "gmake", "./configure", "configure")

    def plan(self, facts, options: Options) -> Plan | Refusal:
        draft = _PhpDraft(facts)
        try:
            self._check_base(facts)
            draft.assign_roles()
            self.build(draft, options)
        except PlanError as exc:
            return Refusal(str(exc), self.name, draft if draft.roles else None)
        return Plan(self.name, draft)

    def _check_base(self, f) -> None:
        step = f.ev.builds[0]
        if f.base_name != "php":
            raise PlanError(f"`{step.tool}` on line {step.line} builds an extension for the PHP of {f.stage.base}'s "
                            f"packages, not of the official php image: where its extensions and ini files go is not known (only php:*-alpine "
                            f"images are rewritten)")
        if "alpine" not in f.base_tag:
            raise PlanError(f"the official Debian php image ({f.stage.base}) keeps $PHPIZE_DEPS (gcc, make, "
                            f"autoconf…) installed in the base image itself, so a runtime stage FROM it would still "
                            f"ship the compiler; only php:*-alpine images, where the file installs $PHPIZE_DEPS, are "
                            f"rewritten")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        for step in f.ev.builds:
            if step.command is None:
                raise PlanError(f"the build step on line {step.line} is not a shell command")
            if step.tool not in ("docker-php-ext-install", "pecl install"):
                raise PlanError(f"`{step.tool}` on line {step.line} builds by hand: where it installs is not known")
            if step.tool == "pecl install":
                flags = {a.value.split("=", 1)[0] for a in step.command.args if a.value.startswith("-")}
                if flags & {"-i", "--installroot", "-P", "--packagingroot", "-R", "--register-only"}:
                    raise PlanError(f"`pecl install` on line {step.line} installs into another root")
        self._check_build_part(draft)
        self._carry_app(draft)
        if f.entry.program is None:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        draft.add_output(EXTENSIONS_DIR, "the extension folder", folder=True)
        draft.add_output(PHP_INI_DIR, "PHP_INI_DIR", folder=True)
        draft.artifacts.append(Artifact(EXTENSIONS_DIR, EXTENSIONS_DIR, "the compiled extensions"))
        draft.artifacts.append(Artifact(PHP_INI_DIR, PHP_INI_DIR, "the ini files that enable them"))
        draft.runtime_base = f.stage.base
        draft.same_base = True
        # `apk add $PHPIZE_DEPS`: the image's own list of build packages (autoconf, gcc, make…),
        # set by the base image, not the file: none of it is needed at run time
        installs = f.installs
        f.__dict__["installs"] = [i for i in installs if "PHPIZE_DEPS" not in i.raw]
        try:
            # a package besides the toolchain stays, git included: `composer install` may run in the
            # runtime stage
            draft.collect_packages(lambda inst: None if inst.toolchain_role else
                                   [inst.raw if inst.version else inst.name])
            # an extension written in C++ (swoole, grpc…) links libstdc++, which came with the g++ of
            # $PHPIZE_DEPS and is not in the php image
            if any("PHPIZE_DEPS" in i.raw or i.name in ("g++", "build-base") for i in installs
                   if not i.removed) and "libstdc++" not in draft.runtime_packages:
                draft.runtime_packages.append("libstdc++")
                draft.package_manager = draft.package_manager or "apk"
            self.finish(draft)
        finally:
            f.__dict__["installs"] = installs
        if draft.package_reuse is not None and "PHPIZE_DEPS" in draft.package_reuse:
            draft.package_reuse = None  # a generated RUN instead of the original without $PHPIZE_DEPS

    def _check_build_part(self, draft: Draft) -> None:
        """Every RUN up to the last build step only installs packages and builds or enables
        extensions; an ini file it writes is inside PHP_INI_DIR (which is copied)."""
        f = draft.facts
        for pos, ins in enumerate(f.instructions[: f.last_build + 1]):
            if ins.name != "RUN" or draft.roles[pos] != BUILD:
                continue
            script = f.script(ins)
            cmds = f.commands(ins)
            if script is None or not cmds:
                raise PlanError(f"the RUN on line {ins.line} cannot be read as a shell script")
            if all(c.basename in USER_COMMANDS for c in cmds):
                continue  # users: created again in the runtime stage
            for cmd in cmds:
                name = cmd.basename
                if name not in _BUILD_PART:
                    raise PlanError(f"the RUN on line {ins.line} runs `{name}` before the last extension build: "
                                    f"what it does would not reach the runtime stage")
                if name == "rm" and not all(a.value.startswith(("-", "/tmp/", "/var/cache/apk", "/usr/src/php"))
                                            for a in cmd.args):
                    raise PlanError(f"the RUN on line {ins.line} removes files outside /tmp in the build part")
                for r in getattr(cmd, "redirects", ()):
                    if r.op not in (">", ">>") or r.target is None:
                        continue
                    target = r.target.value if r.target.static else f.expand(ins, r.target.raw)
                    if target in ("/dev/null", "/dev/stderr", "/dev/stdout"):
                        continue
                    if target is None or not target.startswith(PHP_INI_DIR + "/"):
                        raise PlanError(f"the RUN on line {ins.line} writes {r.target.raw}, outside {PHP_INI_DIR}")

    def _carry_app(self, draft: Draft) -> None:
        """COPY/ADD of the build part go to the runtime stage too (PHP runs its sources), unless a
        build step reads what they copy (a local extension's source)."""
        f = draft.facts
        for c in f.copies():
            if draft.roles[c.pos] != BUILD:
                continue
            if c.instruction.name == "ADD" and any("://" in s for s in c.sources):
                raise PlanError(f"the ADD on line {c.instruction.line} downloads into the build part")
            for step in f.ev.builds:
                for a in step.command.args if step.command is not None else ():
                    value = f.arg_value(step.instruction, a)
                    if value and c.dest_abs and "/" in value and (value.startswith(c.dest_abs) or
                                                                   value.rstrip("/") == c.dest.rstrip("/")):
                        raise PlanError(f"`{step.tool}` on line {step.line} builds from what line "
                                        f"{c.instruction.line} copies")
            draft.roles[c.pos] = BOTH


class _PhpDraft(Draft):
    def _late_run_role(self, pos: int) -> str:
        """After the build, a RUN that does not compile (``composer install``, ``php artisan …``,
        ``docker-php-ext-enable``) runs in the runtime stage, which has the extensions by then."""
        f = self.facts
        ins = f.instructions[pos]
        cmds = f.commands(ins)
        if not cmds:
            raise PlanError(f"the RUN on line {ins.line} after the build cannot be read as a shell script")
        names = {c.basename for c in cmds}
        for c in cmds:
            if c.basename in _MAY_COMPILE or c.name in _MAY_COMPILE:
                if c.basename == "apk" and c.subcommand in ("add", "del", "update", "upgrade") and not any(
                        i.pos == pos and i.toolchain_role for i in f.installs):
                    continue
                raise PlanError(f"the RUN on line {ins.line} after the build runs `{c.basename}`, which may need "
                                f"the compiler the runtime stage does not have")
        if not names <= USER_COMMANDS:
            self.needs_shell = True
        return RUNTIME


__all__ = ["PhpRecipe"]
