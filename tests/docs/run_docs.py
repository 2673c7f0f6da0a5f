#!/usr/bin/env python3
"""Runs or checks every fenced code block of one Markdown file, so the docs cannot drift.

    run_docs.py --doc FILE --source ROOT --work DIR --temper EXE --snippets-bin DIR --python PY
    run_docs.py --orphans --source ROOT     (every docs/snippets region is quoted somewhere)

How a block is treated (see tests/docs/README.md for the full rules):
  ```text / ```output / ```console-output        an output sample: not run
  <!-- not-run: REASON -->  before any block       not run, for the stated reason
  <!-- snippet: docs/snippets/F.cpp#NAME -->       the block must equal region NAME of F.cpp,
                                                   which the build compiles; the program built
                                                   from F.cpp runs here unless F.cpp says
                                                   "// docs: compile-only"
  ```sh whose lines are `temper ...` commands      each command runs and must exit 0
  <!-- train-overrides: [FILTER] k=v ... -->      appends `--set k=v` to each `temper train`
                                                   (containing FILTER) of the block: long runs
  <!-- ctrl-c-after-batches: N -->                 a `temper train` followed by a `--resume` is
                                                   interrupted after N batches (exit 130)
  <!-- run-each-after: PREFIX -->                  runs `PREFIX LINE` for each line of the block
  <!-- run: COMMAND -->                            runs COMMAND with bash; $BLOCK is a file
                                                   holding the block, $BLOCK_TEXT its text
  ```python                                        run with Debian's python3
Anything else — a block without an info string, a C++ block without its snippet file, a shell
line that is not a temper command — fails, so a new block needs a test or a stated reason.
Blocks run in document order in one scratch directory where the source tree's top-level
entries are symbolic links, with the built `temper` first on PATH.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

OUTPUT_INFOS = {"text", "output", "console-output"}
SHELL_INFOS = {"sh", "bash", "shell"}
MARKER = re.compile(r"^\s*<!--\s*([a-z-]+):\s*(.*?)\s*-->\s*$")
ACTIONS = ("not-run", "snippet", "run-each-after", "run")  # what is done with the block: one
MODIFIERS = ("train-overrides", "ctrl-c-after-batches")  # how its temper commands are run
MARKERS = set(ACTIONS) | set(MODIFIERS)
REGION_BEGIN = re.compile(r"^\s*// \[docs:([A-Za-z0-9_-]+)\]\s*$")
REGION_END = re.compile(r"^\s*// \[docs-end\]\s*$")
COMMAND_TIMEOUT_S = 240


class DocError(Exception):
    pass


class Block:
    def __init__(self, doc, line, info, text, markers):
        self.doc, self.line, self.info, self.text, self.markers = doc, line, info, text, markers

    def where(self):
        return f"{self.doc}:{self.line}"


def parse_blocks(path, shown):
    """The fenced blocks of a Markdown file with the marker comment right before each."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = re.match(r"^( {0,3})(`{3,}|~{3,})(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3).strip()
        # The marker comments right above the fence (blank lines between are allowed).
        markers, j = {}, i - 1
        while j >= 0 and (not lines[j].strip() or lines[j].lstrip().startswith("<!--")):
            if lines[j].strip():
                mm = MARKER.match(lines[j])
                if not mm or mm.group(1) not in MARKERS:
                    raise DocError(f"{shown}:{j + 1}: unknown marker comment {lines[j].strip()!r} before a "
                                   f"block (known: {', '.join(sorted(MARKERS))})")
                markers[mm.group(1)] = mm.group(2)
            j -= 1
        actions = [k for k in markers if k in ACTIONS]
        if len(actions) > 1:
            raise DocError(f"{shown}:{i + 1}: a block takes one of {', '.join(ACTIONS)}, not {', '.join(actions)}")
        body, k = [], i + 1
        while k < len(lines) and not re.match(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$",
                                               lines[k]):
            body.append(lines[k][indent:] if lines[k][:indent].strip() == "" else lines[k])
            k += 1
        if k == len(lines):
            raise DocError(f"{shown}:{i + 1}: code block is never closed")
        blocks.append(Block(shown, i + 1, info.split()[0] if info else "", "\n".join(body), markers))
        i = k + 1
    return blocks


def snippet_regions(path):
    """{name: (dedented text, line)} of the `// [docs:NAME]` ... `// [docs-end]` regions."""
    regions, current, start, body = {}, None, 0, []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), 1):
        b, e = REGION_BEGIN.match(line), REGION_END.match(line)
        if b:
            if current:
                raise DocError(f"{path}:{n}: region '{b.group(1)}' starts inside region '{current}'")
            current, start, body = b.group(1), n, []
        elif e:
            if not current:
                raise DocError(f"{path}:{n}: // [docs-end] without a region")
            regions[current] = (dedent(body), start)
            current = None
        elif current:
            body.append(line)
    if current:
        raise DocError(f"{path}:{start}: region '{current}' has no // [docs-end]")
    return regions


def dedent(lines):
    width = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[width:] for l in lines)


def strip_comment(line):
    """The command without a trailing `# comment` (quotes respected)."""
    quote, prev = None, " "
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and prev.isspace():
            return line[:i].rstrip()
        prev = c
    return line.rstrip()


def shell_lines(text):
    """Commands of a shell block: comments and blank lines dropped, `\\` continuations joined."""
    out, pending = [], ""
    for raw in text.split("\n"):
        line = strip_comment(raw) if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            out.append(line)
    return out


class Runner:
    def __init__(self, args):
        self.args = args
        self.source = Path(args.source).resolve()
        self.work = Path(args.work).resolve()
        self.done_snippets = set()
        self.env = dict(os.environ)
        self.env["PATH"] = str(Path(args.temper).resolve().parent) + os.pathsep + self.env.get("PATH", "")
        # Plain, reproducible output: no progress-bar redraws, a fixed thread count.
        self.env.setdefault("TEMPER_NUM_THREADS", "2")
        self.env["TEMPER_DOCS_SOURCE"] = str(self.source)

    def prepare_work_dir(self):
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        for entry in sorted(self.source.iterdir()):
            if entry.name.startswith(".") or entry.name.startswith("build") or entry.name == "runs":
                continue
            (self.work / entry.name).symlink_to(entry)
        fixtures = self.source / "tests" / "docs" / "fixtures"
        if fixtures.is_dir():  # input files the docs' commands name (new.csv, ...)
            for f in sorted(fixtures.iterdir()):
                shutil.copy(f, self.work / f.name)

    def sh(self, block, command, extra_env=None, expect=0):
        print(f"[{block.where()}] $ {command}", flush=True)
        env = dict(self.env, **(extra_env or {}))
        t0 = time.monotonic()
        try:
            r = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=self.work, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise DocError(f"{block.where()}: `{command}` did not finish in {COMMAND_TIMEOUT_S} s")
        tail = "\n".join(r.stdout.rstrip().split("\n")[-15:])
        print(f"    exit {r.returncode} after {time.monotonic() - t0:.1f} s\n    "
              + tail.replace("\n", "\n    "), flush=True)
        if r.returncode != expect:
            raise DocError(f"{block.where()}: `{command}` exited with {r.returncode}"
                           f"{'' if expect == 0 else f' instead of {expect}'}:\n{r.stdout}")

    def block_file(self, block):
        ext = {"python": ".py", "yaml": ".yaml", "json": ".json", "cmake": ".cmake"}.get(block.info, ".txt")
        path = self.work / f".block-{block.line}{ext}"
        path.write_text(block.text + "\n", encoding="utf-8")
        return path

    def run_block(self, block):
        kind = next((k for k in ACTIONS if k in block.markers), None)
        value = block.markers.get(kind)
        if any(k in block.markers for k in MODIFIERS) and (kind or block.info not in SHELL_INFOS):
            raise DocError(f"{block.where()}: {', '.join(MODIFIERS)} apply to plain shell blocks of temper commands")
        if kind == "not-run":
            if not value:
                raise DocError(f"{block.where()}: <!-- not-run: --> needs a reason")
            print(f"[{block.where()}] not run: {value}")
            return
        if kind == "snippet":
            return self.check_snippet(block, value)
        if block.info == "cpp" or block.info == "c++":
            raise DocError(f"{block.where()}: a C++ block must be quoted from a file under docs/snippets/ "
                           "(<!-- snippet: docs/snippets/FILE.cpp#REGION --> before it) or marked "
                           "<!-- not-run: REASON -->")
        if kind == "run":
            f = self.block_file(block)
            return self.sh(block, value, {"BLOCK": str(f), "BLOCK_TEXT": block.text})
        if kind == "run-each-after":
            for line in shell_lines(block.text):
                self.sh(block, f"{value} {line}")
            return
        if block.info in OUTPUT_INFOS:
            return
        if block.info in SHELL_INFOS:
            return self.run_shell(block)
        if block.info == "python":
            f = self.block_file(block)
            return self.sh(block, f"{shlex.quote(self.args.python)} {shlex.quote(str(f))}")
        what = f"```{block.info}" if block.info else "a block without an info string"
        raise DocError(f"{block.where()}: {what} is neither run nor marked: give it a test "
                       "(<!-- run: COMMAND -->, see tests/docs/README.md), mark an output sample "
                       "```text, or say why it is not run with <!-- not-run: REASON -->")

    def run_shell(self, block):
        commands = shell_lines(block.text)
        if not commands:
            raise DocError(f"{block.where()}: empty shell block")
        # train-overrides: [FILTER] k=v ...: appended as --set to each `temper train` (whose
        # command contains FILTER), so that a long training finishes quickly.
        overrides = block.markers.get("train-overrides", "").split()
        only = overrides.pop(0) if overrides and "=" not in overrides[0] else ""
        for n, c in enumerate(commands):
            words = c.split()
            if words[0] != "temper":
                raise DocError(f"{block.where()}: `{c}` is not a temper command, so the docs test cannot "
                               "run it: mark the block <!-- not-run: REASON --> or <!-- run: ... -->")
            is_train = len(words) > 1 and words[1] == "train"
            expect = 0
            if is_train and overrides and only in c:
                c += "".join(f" --set {shlex.quote(o)}" for o in overrides)
                print(f"[{block.where()}] shortened (train-overrides marker): --set {' --set '.join(overrides)}")
            # ctrl-c-after-batches: N: a train that the next command resumes is interrupted
            # as by Ctrl-C after N batches (the CLI's testing flag), which must exit 130.
            resumed = n + 1 < len(commands) and "--resume" in commands[n + 1].split()
            if is_train and resumed and "ctrl-c-after-batches" in block.markers:
                c += f" --debug-interrupt-after-batches {int(block.markers['ctrl-c-after-batches'])}"
                expect = 130
                print(f"[{block.where()}] interrupted as by Ctrl-C (ctrl-c-after-batches marker): exit 130 expected")
            self.sh(block, c, expect=expect)

    def check_snippet(self, block, value):
        m = re.match(r"^(docs/snippets/[A-Za-z0-9_.-]+\.cpp)#([A-Za-z0-9_-]+)$", value)
        if not m:
            raise DocError(f"{block.where()}: snippet marker '{value}' is not docs/snippets/FILE.cpp#REGION")
        path = self.source / m.group(1)
        if not path.is_file():
            raise DocError(f"{block.where()}: snippet file {m.group(1)} does not exist")
        regions = snippet_regions(path)
        if m.group(2) not in regions:
            raise DocError(f"{block.where()}: {m.group(1)} has no region '{m.group(2)}' "
                           f"(it has: {', '.join(sorted(regions)) or 'none'})")
        expected, start = regions[m.group(2)]
        if block.text.rstrip() != expected.rstrip():
            import difflib
            diff = "\n".join(difflib.unified_diff(expected.rstrip().split("\n"), block.text.rstrip().split("\n"),
                                                  f"{m.group(1)}:{start}", block.where(), lineterm=""))
            raise DocError(f"{block.where()}: the block differs from {m.group(1)} region '{m.group(2)}' "
                           f"(the compiled copy); edit both so they match:\n{diff}")
        print(f"[{block.where()}] matches {m.group(1)}#{m.group(2)}")
        if m.group(1) in self.done_snippets:
            return
        self.done_snippets.add(m.group(1))
        if "// docs: compile-only" in path.read_text(encoding="utf-8"):
            print(f"[{block.where()}] {m.group(1)} is compile-only (built with the project)")
            return
        exe = Path(self.args.snippets_bin) / ("docs_snippet_" + path.stem.replace("-", "_"))
        if not exe.is_file():
            raise DocError(f"{block.where()}: {exe} was not built (build the project's default target)")
        if exe.stat().st_mtime < path.stat().st_mtime:
            raise DocError(f"{block.where()}: {exe} is older than {m.group(1)}: build the project again")
        self.sh(block, shlex.quote(str(exe)))

    def run(self):
        shown = os.path.relpath(Path(self.args.doc).resolve(), self.source)
        blocks = parse_blocks(self.args.doc, shown)
        self.prepare_work_dir()
        for b in blocks:
            self.run_block(b)
        print(f"{shown}: {len(blocks)} blocks checked")


def orphans(source):
    """Snippet regions that no Markdown file quotes (dead copies that would drift unseen)."""
    source = Path(source).resolve()
    quoted = set()
    for md in [source / "README.md", *sorted((source / "docs").glob("*.md"))]:
        for line in md.read_text(encoding="utf-8").split("\n"):
            m = MARKER.match(line)
            if m and m.group(1) == "snippet":
                quoted.add(m.group(2))
    bad = []
    for f in sorted((source / "docs" / "snippets").glob("*.cpp")):
        for name in snippet_regions(f):
            key = f"docs/snippets/{f.name}#{name}"
            if key not in quoted:
                bad.append(key)
    if bad:
        raise DocError("snippet regions quoted by no Markdown file: " + ", ".join(bad))
    print(f"every region under docs/snippets/ is quoted ({len(quoted)} quotes)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--doc")
    p.add_argument("--source", required=True)
    p.add_argument("--work")
    p.add_argument("--temper")
    p.add_argument("--snippets-bin")
    p.add_argument("--python", default="/usr/bin/python3")
    p.add_argument("--orphans", action="store_true")
    args = p.parse_args()
    try:
        if args.orphans:
            orphans(args.source)
        else:
            Runner(args).run()
    except DocError as e:
        print(f"docs test FAILED: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
