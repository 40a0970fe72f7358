"""Java: ``javac`` (+ ``jar``), Maven, Gradle; the program runs with ``java -jar X`` or ``java
-cp X Main``.

The artifact is what ``java`` is given: the jar (from ``jar cf X``/``--file X`` after javac,
Maven's ``target/<finalName or artifactId-version>.jar`` from pom.xml, Gradle's
``build/libs``), or the class-path folders and jars, resolved against the WORKDIR; a jar named
with a wildcard (``target/*.jar``) is copied with the same wildcard into its folder. The runtime
base: a JDK, Maven or Gradle image → ``eclipse-temurin:<version>-jre``; a distribution base
with the JDK from its package manager stays, with the JRE instead (``default-jdk`` →
``default-jre-headless``, ``openjdk-17-jdk`` → ``openjdk-17-jre-headless``, Alpine's
``openjdk17`` → ``openjdk17-jre-headless``).

The command line is read as the launcher does (`JavaLaunch`): options may follow ``-jar``
(``java -jar -Dx=y app.jar``); ``-cp a:lib/*`` copies ``a`` and the folder ``lib``; ``-p
target/modules -m app`` copies the module path. A shell-form CMD whose script runs ``java`` after
helpers (``export DBIP=$(getent …) && sed -i … conf.json && java -jar …``) is read through its
``java`` command; `Draft.check_entry_script` checks the helpers and copies the configuration
files they name. A ``mv "$(lein uberjar | sed …)" app.jar`` makes ``app.jar`` an output. Refused:
a GraalVM native image (its C library's release is not known), a JDK image whose tag does not
say the Java version (``clojure``, untagged).
"""

from __future__ import annotations

import posixpath
import re

from dflint.optimize import Options, Recipe
from dflint.optimize.facts import resolve, under
from dflint.optimize.plan import Artifact, Draft, PlanError


_GRADLE_VALUE_FLAGS = ("-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c", "--settings-file",
                       "-g", "--gradle-user-home", "-I", "--init-script", "-P", "-D")


def jre_package(manager: str, name: str) -> list[str] | None:
    """The JRE package for a JDK package (None: not a JDK package)."""
    if name in ("default-jdk", "default-jdk-headless"):
        return ["default-jre-headless"]
    m = re.fullmatch(r"openjdk-(\d+)-jdk(-headless)?", name)
    if m:
        return [f"openjdk-{m.group(1)}-jre-headless"]
    m = re.fullmatch(r"openjdk(\d+)(-jdk)?", name)
    if m and manager == "apk":
        return [f"openjdk{m.group(1)}-jre-headless"]
    m = re.fullmatch(r"java-(\d+|1\.8\.0)-openjdk-devel", name)
    if m:
        return [f"java-{m.group(1)}-openjdk-headless"]
    m = re.fullmatch(r"temurin-(\d+)-jdk", name)
    if m:
        return [f"temurin-{m.group(1)}-jre"]
    if name in ("maven", "gradle", "ant", "sbt"):
        return []
    return None


#: `java` launcher options whose value is the next word (``-cp X``; ``--class-path=X`` is one word).
JAVA_VALUE_OPTIONS = frozenset(
    "-cp -classpath --class-path -p --module-path --upgrade-module-path --add-modules --limit-modules "
    "--enable-native-access --add-reads --add-exports --add-opens --patch-module --source -d "
    "--describe-module".split())


class JavaLaunch:
    """What a ``java`` command line runs: `jar` (``-jar X``: the first word after the options,
    which may come after ``-jar``: ``java -jar -Dx=y app.jar``), else `classpath` entries with
    the main class, or `modulepath` entries with ``-m module``."""

    def __init__(self, args: list[str] | tuple[str, ...]) -> None:
        self.jar: str | None = None
        self.classpath: list[str] = []
        self.modulepath: list[str] = []
        self.main: str | None = None
        self.module: str | None = None
        jar_mode = False
        i = 0
        while i < len(args):
            a = args[i]
            if a == "-jar":
                jar_mode = True
            elif a in ("-m", "--module"):
                self.module = args[i + 1] if i + 1 < len(args) else None
                break
            elif a.startswith("--module="):
                self.module = a.split("=", 1)[1]
                break
            elif a in JAVA_VALUE_OPTIONS:
                value = args[i + 1] if i + 1 < len(args) else ""
                self._option(a, value)
                i += 2
                continue
            elif a.startswith(("--class-path=", "--module-path=")):
                name, _, value = a.partition("=")
                self._option(name, value)
            elif a.startswith("-"):
                pass
            else:
                if jar_mode:
                    self.jar = a
                else:
                    self.main = a
                break
            i += 1
        if jar_mode and self.jar is None:
            self.main = None

    def _option(self, name: str, value: str) -> None:
        entries = [p for p in value.split(":") if p and p != "."]
        if name in ("-cp", "-classpath", "--class-path"):
            self.classpath = entries
        elif name in ("-p", "--module-path"):
            self.modulepath = entries

    @property
    def paths(self) -> list[str]:
        """The files and folders the launch needs: the jar, or the class/module path entries
        (``lib/*``, Java's wildcard for the jars of a folder, stands for the folder)."""
        if self.jar is not None:
            return [self.jar]
        entries = self.modulepath if self.module is not None else self.classpath if self.main else []
        return [e[:-2] if e.endswith("/*") else e for e in entries]


def jar_file(cmd) -> str | None:
    """The jar a ``jar`` command creates (``jar cf app.jar …``, ``jar --create --file app.jar``)."""
    args = [a.value for a in cmd.args]
    for i, a in enumerate(args):
        if a.startswith("--file="):
            return a.split("=", 1)[1]
        if a in ("--file", "-f") and i + 1 < len(args):
            return args[i + 1]
    if args and not args[0].startswith("--"):
        letters = args[0].lstrip("-")
        if "c" in letters or "u" in letters:
            rest = args[1:]
            for ch in letters:
                if ch in "fme":
                    if not rest:
                        return None
                    if ch == "f":
                        return rest[0]
                    rest = rest[1:]
    return None


class JavaRecipe(Recipe):
    name = "java"
    ecosystem = "jvm"
    tools = ("javac", "mvn ", "gradle ", "kotlinc", "sbt ", "lein ")

    def build(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        for step in f.ev.builds:
            ins, cmd = step.instruction, step.command
            if cmd is None:
                continue
            cwd = f.cwd_of(ins, cmd)
            why = f"`{step.tool}` on line {ins.line}"
            if step.tool.startswith("javac"):
                d = cmd.option("-d", takes_value=("-d", "-cp", "-classpath", "--class-path", "-sourcepath",
                                                  "-encoding", "--release", "-source", "-target", "-s", "-h"))
                draft.add_output(resolve(d, cwd) if d else cwd, why, folder=True)
            elif step.tool.startswith("mvn"):
                pom_dir = cwd
                pf = cmd.option("-f", "--file", takes_value=("-f", "--file"))
                if pf:
                    p = resolve(pf, cwd)
                    pom_dir = posixpath.dirname(p) if p and p.endswith(".xml") else p
                if pom_dir is None:
                    raise PlanError(f"the folder {why} runs in is not known")
                target = posixpath.join(pom_dir, "target")
                name = self._pom_jar(f, pom_dir)
                draft.add_output(posixpath.join(target, name) if name else target, why, folder=not name)
            elif step.tool.startswith(("sbt", "lein")):
                if cwd is None:
                    raise PlanError(f"the folder {why} runs in is not known")
                draft.add_output(posixpath.join(cwd, "target"), why, folder=True)
                if step.tool.startswith("sbt"):
                    # `sbt http4s/assembly`: the sub-project's own target folder
                    for word in (w for a in cmd.args for w in a.value.replace(";", " ").split()):
                        project, slash, _ = word.partition("/")
                        if slash and project and not project.startswith("-") and "$" not in project \
                                and ":" not in project and "." not in project:
                            draft.add_output(posixpath.join(cwd, project, "target"), why, folder=True)
            elif step.tool.startswith("gradle"):
                pd = cmd.option("-p", "--project-dir", takes_value=("-p", "--project-dir"))
                root = resolve(pd, cwd) if pd else cwd
                if root is None:
                    raise PlanError(f"the folder {why} runs in is not known")
                folders = [root]
                # `gradle apache:shadowJar`, `:with-db:app:installDist`: the sub-project's folder
                # (Gradle's default project directory for a project path)
                for a in cmd.positional(_GRADLE_VALUE_FLAGS):
                    parts = [p for p in a.value.split(":")[:-1] if p]
                    if parts and all(re.fullmatch(r"[\w.-]+", p) and p not in (".", "..") for p in parts):
                        folders.append(posixpath.join(root, *parts))
                if len(folders) == 1:
                    # an unqualified task runs in every project: the folders copied under the root
                    # from the build context are the sub-projects (`COPY app app`)
                    for c in f.copies():
                        if c.from_ is None and c.pos < f.pos(ins) and c.dest_abs and not c.whole_context:
                            for src in c.sources:
                                t = c.target_of(src)
                                if t and t != root and under(t, root) and "." not in posixpath.basename(t):
                                    folders.append(t)
                for folder in folders:
                    draft.add_output(posixpath.join(folder, "build", "libs"), why, folder=True)
                    draft.add_output(posixpath.join(folder, "build", "install"), why, folder=True)
        # jar commands after the compiler
        for pos in draft.facts.build_positions:
            ins = f.instructions[pos]
            for cmd in f.commands(ins):
                if cmd.basename == "jar":
                    name = jar_file(cmd)
                    if name:
                        path = resolve(f.arg_value(ins, next(a for a in cmd.args if a.value == name)) or name,
                                       f.cwd_of(ins, cmd))
                        draft.add_output(path, f"`jar` on line {ins.line}")
        draft.track_moves()
        entry = f.entry
        argv = list(entry.argv)
        if not argv:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        if posixpath.basename(argv[0]) != "java" and entry.commands:
            # `export DBIP=… && sed -i … config.json && java -jar app.jar`: the shell script's
            # `java` command, the others checked as helpers by `check_entry_script`
            javas = [c for c in entry.commands if not c.substitution and c.argv
                     and posixpath.basename(c.argv[0]) == "java"]
            if len(javas) == 1:
                argv = list(javas[0].argv)
                draft.program_argv = javas[0].argv
        if posixpath.basename(argv[0]) != "java":
            script = resolve(argv[0], entry.workdir) if "/" in argv[0] else None
            parts = script.split("/") if script else []
            if script and "bin" in parts[:-1] and any(under(script, o) for o in draft.folders):
                # a launcher in a distribution folder (gradle installDist, sbt stage): copy the folder
                root = "/".join(parts[: len(parts) - 1 - parts[::-1].index("bin")])
                if root in draft.folders or not any(under(root, o) for o in draft.folders):
                    raise PlanError(f"ENTRYPOINT/CMD runs {script}, and its distribution folder is not known")
                draft.artifacts.append(Artifact(root, root, f"the distribution folder of {script}"))
                self._finish_java(draft, options)
                return
            native = self._native_build(f)
            if native is not None:
                raise PlanError(f"ENTRYPOINT/CMD runs `{argv[0]}`, a GraalVM native image ({native}), not `java`: "
                                f"it links the C library of {f.stage.base}, and which runtime base has a "
                                f"compatible one is not known from the file")
            raise PlanError(f"ENTRYPOINT/CMD runs `{argv[0]}`, not `java`")
        launch = JavaLaunch(argv[1:])
        paths = launch.paths
        if not paths:
            raise PlanError("the jar or class path `java` runs is not named")
        for word in paths:
            path = resolve(word, entry.workdir)
            if path is None:
                raise PlanError(f"`java` runs {word}, and the WORKDIR is not known")
            if any(ch in path for ch in "*?["):
                folder = posixpath.dirname(path)
                if any(ch in folder for ch in "*?[") or not any(under(path, o) or under(o, folder)
                                                              for o in draft.outputs):
                    raise PlanError(f"`java` runs {word}, which is not what the build writes")
                draft.artifacts.append(Artifact(path, folder + "/", "named by ENTRYPOINT/CMD"))
                continue
            out = draft.output_for(word, entry.workdir) if "/" in word else None
            if out is None:
                out = next((o for o in draft.outputs if posixpath.basename(o) == posixpath.basename(path)
                            and o == path), None)
            if out is None:
                if draft.carry_copies_of(path):
                    continue
                built = ", ".join(sorted(draft.outputs)) or "nothing known"
                raise PlanError(f"`java` runs {path}, which is not what the build writes ({built})")
            draft.artifacts.append(Artifact(path, path, draft.outputs.get(out, "named by ENTRYPOINT/CMD")))
        self._finish_java(draft, options)

    def _finish_java(self, draft: Draft, options: Options) -> None:
        f = draft.facts
        draft.runtime_dirs_from_context(f.entry.workdir)
        if self.toolchain_image(f) and "$" not in f.stage.base:
            from dflint.optimize.runtime import java_major, toolchain_runtime

            if java_major(f.base_name, f.base_tag) is None and toolchain_runtime(f.base_ref, options.runtime_images) is None:
                tag = f"its tag `{f.base_tag}`" if f.base_tag and f.base_tag != "latest" else "its tag (none: the latest)"
                raise PlanError(f"the Java version of {f.stage.base} is not in {tag}, so the JRE image to ship "
                                f"is not known (set one with DF200's `runtime-images` option)")
        self.choose_base(draft, options)
        if draft.same_base and not any(jre_package(i.manager, i.name) for i in f.installs):
            raise PlanError("the JDK does not come from the package manager, so no JRE to install "
                            "instead is known")
        draft.collect_packages(lambda inst: jre_package(inst.manager, inst.name))
        self.finish(draft)

    def _native_build(self, f) -> str | None:
        """The build step that makes a GraalVM native image (``gradle nativeCompile``, ``mvn
        -Pnative``, ``mvn native:compile``, ``native-image``), described, or None."""
        for step in f.ev.builds:
            cmd = step.command
            if cmd is None:
                continue
            words = [a.value for a in cmd.args]
            if any(w.split(":")[-1] in ("nativeCompile", "nativeBuild") or w in ("-Pnative", "native:compile")
                   or w.startswith("-Pnative") or w == "-Dpackaging=native-image" for w in words):
                return f"`{step.tool}` on line {step.line}"
        for pos in f.build_positions:
            ins = f.instructions[pos]
            if any(c.basename == "native-image" for c in f.commands(ins)):
                return f"`native-image` on line {ins.line}"
        return None

    def _pom_jar(self, f, pom_dir: str) -> str | None:
        text = f.context_file("pom.xml", pom_dir)
        return pom_jar_name(text) if text else None


def pom_jar_name(pom: str) -> str | None:
    """``<finalName>`` or ``<artifactId>-<version>``, with the packaging's extension."""
    body = re.sub(r"<parent>.*?</parent>", "", pom, flags=re.S)
    body = re.sub(r"<dependencies>.*?</dependencies>", "", body, flags=re.S)
    body = re.sub(r"<plugins>.*?</plugins>", "", body, flags=re.S)
    packaging = re.search(r"<packaging>\s*([^<\s]+)\s*</packaging>", body)
    ext = {"war": "war", "jar": "jar"}.get(packaging.group(1) if packaging else "jar")
    if ext is None:
        return None
    final = re.search(r"<finalName>\s*([^<\s]+)\s*</finalName>", body)
    if final and "$" not in final.group(1):
        return f"{final.group(1)}.{ext}"
    artifact = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", body)
    version = re.search(r"<version>\s*([^<\s]+)\s*</version>", body)
    if artifact and version and "$" not in version.group(1):
        return f"{artifact.group(1)}-{version.group(1)}.{ext}"
    return None
