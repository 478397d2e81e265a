"""Every shell command in the README and docs is kept true by a test: parsed, and dry-run where it
is a snakemake line.

Commands come from the fenced code blocks (bash, sh, shell, console, and unlabelled blocks whose
first command is one of ours) of README.md, docs/*.md and config/README.md; a trailing `\\` joins
lines, a leading `$ ` is stripped, `&&` splits a line into commands, `# …` is a comment. Per command:

- `snakemake …`: dry-run (`-n`; `--cores 1` where it gives no cores and no profile) with the
  user's options in one fresh copy of the workflow, holding the cached MNIST and the model files
  the docs presuppose. It exits 0, unless its comment says it "fails": then it fails, and every
  "double-quoted" piece of the comment is in its output.
- `make X … VAR=v`: `make -n X VAR=v` exits 0 in the repository, and every VAR given (also as an
  environment prefix, `CORES=4 make paper`) is read by the Makefile.
- `python script.py …`, `python -m module …`: the script or module exists, and every `--flag` given
  appears in its `--help` (that of its subcommand, `bench_workflow.py default --help`).
- `pip install -r F -e D …`: the files exist and the options are pip's.
- anything else: in SKIP, with the reason.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, snakemake, workflow_copy

pytestmark = pytest.mark.e2e

DOCS = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")), "config/README.md"]
SHELL_LABELS = {"bash", "sh", "shell", "console", ""}
PROGRAMS = {"snakemake", "make", "python", "python3", "pip", "pip3", "cd", "export", "source", "git"}
# Kinds with a check below; `cd` is ignored (the docs' commands run from the checkout's root).
HANDLED = {"snakemake", "make", "python", "python3", "pip", "pip3", "cd"}

# Documented commands this test does not run, each with why (keep it short: prefer a check).
SKIP = {
    "snakemake --report report.html": "bundles a finished run's figures; a fresh copy has none (snakemake "
    "--report has no dry run: it stops on the first missing file)",
}


def _comment_start(line):
    """Index of a `#` comment outside quotes (preceded by a blank or at the start), else None."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return i
    return None


def _program(tokens):
    """(environment assignments, the program's words) of one command."""
    env = {}
    while tokens and re.match(r"^[A-Z_][A-Z0-9_]*=", tokens[0]):
        key, value = tokens.pop(0).split("=", 1)
        env[key] = value
    return env, tokens


def _looks_like_shell(body):
    for line in body.splitlines():
        line = line.strip().removeprefix("$ ")
        if line and not line.startswith("#"):
            _, words = _program(line.split())
            return bool(words) and Path(words[0]).name in PROGRAMS
    return False


def doc_commands(doc):
    """[(line number, command text, comment)] of the shell blocks of one document."""
    text = (ROOT / doc).read_text()
    found = []
    for block in re.finditer(r"^```([\w-]*)[ \t]*\n(.*?)^```", text, re.M | re.S):
        label, body = block[1].lower(), block[2]
        if label not in SHELL_LABELS or (label == "" and not _looks_like_shell(body)):
            continue
        first = text.count("\n", 0, block.start(2)) + 1
        lines = body.splitlines()
        prompts = any(line.startswith("$ ") for line in lines)  # a console block: the rest is output
        pending, start = "", None
        for offset, raw in enumerate(lines):
            if prompts and not pending and not raw.startswith("$ "):
                continue
            line = raw.removeprefix("$ ") if not pending else raw
            start = start if pending else first + offset
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            line, pending = pending + line, ""
            cut = _comment_start(line)
            code, comment = (line, "") if cut is None else (line[:cut], line[cut + 1 :].strip())
            for part in re.split(r"\s&&\s", code):  # no doc quotes an &&
                if part.strip():
                    found.append((start, part.strip(), comment))
    return found


COMMANDS = [(doc, *command) for doc in DOCS for command in doc_commands(doc)]


def _id(doc, line, code):
    return f"{doc}:{line}: {code[:70]}"


def _kind(code):
    _, words = _program(shlex.split(code))
    return Path(words[0]).name


def _params(kind):
    """The commands of one kind (None: of no handled kind), each once, named by where it first occurs."""
    first = {}
    for doc, line, code, comment in COMMANDS:
        first.setdefault(code, (doc, line, comment))
    return [
        pytest.param(code, comment, id=_id(doc, line, code))
        for code, (doc, line, comment) in first.items()
        if code not in SKIP and (_kind(code) == kind if kind else _kind(code) not in HANDLED)
    ]


def test_the_docs_have_commands_and_each_is_checked_or_skipped_with_a_reason():
    kinds = [_kind(code) for _, _, code, _ in COMMANDS]
    assert len(COMMANDS) >= 30 and {"snakemake", "make", "python"} <= set(kinds)  # the parser finds them
    assert {doc for doc, *_ in COMMANDS} >= {"README.md", "config/README.md", "docs/gpu-and-clusters.md"}
    stale = set(SKIP) - {code for _, _, code, _ in COMMANDS}
    assert not stale, f"SKIP names commands the docs no longer have: {stale}"


@pytest.mark.parametrize("code, comment", _params(None) or [pytest.param("", "", id="none")])
def test_no_command_is_left_without_a_check(code, comment):
    assert not code, f"no check for {code!r}: give it one here, or a SKIP entry with the reason"


# --- snakemake: dry-run in one fresh copy of the workflow ------------------------------------------


def _user_model(path):
    from own_models import rgb_functional

    rgb_functional(path)  # a functional RGB model with a layer block2_conv, as the docs' my.keras


def _example_model(path):
    from mnist_dreams.subject import example_model, models

    models.save_model(example_model.build(), path)  # untrained: a dry run only reads its layers


# Files the docs presuppose: a user's model file, and the example model a documented command builds.
PRESUPPOSED = {"my.keras": _user_model, "results/example/residual_bn.keras": _example_model}


@pytest.fixture(scope="module")
def docs_workflow(tmp_path_factory, mnist_h5):
    work = workflow_copy(tmp_path_factory.mktemp("docs"))
    (work / "resources").mkdir()
    shutil.copy(mnist_h5, work / "resources/mnist.h5")  # nothing downloads
    for name, make in PRESUPPOSED.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        make(work / name)
    return work


def _expected_failure(comment):
    """The quoted pieces of the output a command documented to fail must show, else None."""
    return re.findall(r'"([^"]+)"', comment) if re.search(r"\bfails\b", comment) else None


@pytest.mark.parametrize("code, comment", _params("snakemake"))
def test_snakemake_command_dry_runs(code, comment, docs_workflow, monkeypatch):
    env, words = _program(shlex.split(code))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = words[1:]
    extra = [] if {"-n", "--dry-run", "--dryrun"} & set(args) else ["-n"]
    given = ("--cores", "-c", "--jobs", "-j", "--profile")
    if not any(arg == flag or arg.startswith(flag + "=") for arg in args for flag in given):
        extra += ["--cores", "1"]
    proc = snakemake(docs_workflow, *extra, *args, check=False, timeout=300)
    output = proc.stdout + proc.stderr
    expected = _expected_failure(comment)
    if expected is None:
        assert proc.returncode == 0, f"{code}\n{output[-4000:]}"
    else:
        assert proc.returncode != 0, f"{code} is documented to fail, and ran:\n{output[-2000:]}"
        missing = [piece for piece in expected if piece not in output]
        assert not missing, f"{code}: its output lacks {missing}:\n{output[-4000:]}"


# --- make: the target exists, the variables are read ----------------------------------------------


@pytest.mark.parametrize("code, comment", _params("make"))
def test_make_command_names_a_target_and_variables_the_makefile_has(code, comment):
    env, words = _program(shlex.split(code))
    variables = {**env, **dict(word.split("=", 1) for word in words[1:] if "=" in word)}
    makefile = (ROOT / "Makefile").read_text()
    unread = [name for name in variables if not re.search(rf"\$[({{]{name}[)}}]", makefile)]
    assert not unread, f"{code}: the Makefile never reads {unread}"
    proc = subprocess.run(
        ["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=60
    )
    assert proc.returncode == 0, f"make -n {' '.join(words[1:])}: {proc.stderr[-2000:]}"


# --- python scripts and modules: they exist, and take the flags given ------------------------------


def _flags(args):
    return [arg.split("=", 1)[0] for arg in args if re.match(r"^--?[A-Za-z]", arg)]


def _help(command, env):
    proc = subprocess.run(
        [*command, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "workflow"), "TF_CPP_MIN_LOG_LEVEL": "2", **env},
    )
    return proc.returncode, proc.stdout + proc.stderr


def _has_flag(flag, text):
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


@pytest.mark.parametrize("code, comment", _params("python") + _params("python3"))
def test_python_command_exists_and_takes_its_flags(code, comment):
    env, words = _program(shlex.split(code))
    if words[1] == "-m":
        target, args = [sys.executable, "-m", words[2]], words[3:]
    else:
        assert (ROOT / words[1]).is_file(), f"{code}: no script {words[1]}"
        target, args = [sys.executable, words[1]], words[2:]
    leading = []  # a subcommand (bench_workflow.py default …) or positional paths, before any flag
    for arg in args:
        if arg.startswith("-"):
            break
        leading.append(arg)
    for arg in leading:
        if "/" in arg:
            assert (ROOT / arg).exists(), f"{code}: no {arg}"
    rc, text = _help([*target, *leading], env)
    if rc != 0 and leading:
        rc, text = _help(target, env)
    assert rc == 0, f"{' '.join(target)} --help: {text[-2000:]}"
    unknown = [flag for flag in _flags(args) if not _has_flag(flag, text)]
    assert not unknown, f"{code}: {unknown} not in its --help"


# --- pip: the files named exist, the options are pip's ---------------------------------------------


@pytest.mark.parametrize("code, comment", _params("pip") + _params("pip3"))
def test_pip_command_names_files_the_repository_has(code, comment):
    _, words = _program(shlex.split(code))
    args = words[1:]
    assert args[0] == "install", code
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("-r", "--requirement"):
            assert (ROOT / value).is_file(), f"{code}: no {value}"
        if flag in ("-e", "--editable"):
            assert (ROOT / value / "pyproject.toml").is_file(), f"{code}: no project at {value}"
    rc, text = _help([sys.executable, "-m", "pip", "install"], {})
    assert rc == 0, text
    assert not [flag for flag in _flags(args) if not _has_flag(flag, text)], f"{code}: an option pip lacks"
