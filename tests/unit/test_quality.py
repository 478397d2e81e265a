"""Project gates: snakemake --lint, snakefmt, ruff, and the conda env mirroring the pip lock."""

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import ROOT, SNAKEMAKE, planned_resources, workflow_copy


def run(cmd):
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def test_snakemake_lint_is_clean():
    proc = run([*SNAKEMAKE, "--lint"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakefmt_check_is_clean():
    exe = shutil.which("snakefmt", path=str(ROOT / ".venv/bin")) or shutil.which("snakefmt")
    if exe is None:
        pytest.fail("snakefmt is not installed (it is in envs/requirements.lock)")
    proc = run([exe, "--check", "."])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_is_clean():
    proc = run([sys.executable, "-m", "ruff", "check", "."])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _pins(lines):
    return dict(re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)$", s.strip()).groups() for s in lines)


def test_conda_env_pins_match_the_pip_lock():
    lock = _pins(s for s in (ROOT / "envs/requirements.lock").read_text().splitlines() if s and s[0] != "#")
    env = yaml.safe_load((ROOT / "envs/mnist-dreams.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = _pins(pip)
    lower = {k.lower(): v for k, v in lock.items()}
    assert {k: v for k, v in conda_pins.items() if lower.get(k.lower()) != v} == {}
    assert {"tensorflow", "keras", "jax", "snakemake"} <= {k.lower() for k in lock}
    # a job's environment holds what jobs run, never what only the tests use (pyproject's test extra)
    import re
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    test_only = {re.split(r"[<>=\[ ]", name)[0].lower() for name in extras}
    assert test_only & {k.lower() for k in conda_pins} == set()


GPU_RULES = {"cnn", "precursor", "oip", "dream", "deepdream", "mlp_reference", "mlp_clustered", "data_starts"}


@pytest.mark.parametrize("profile", ["gpu", "slurm"])
def test_execution_profiles_schedule_gpu_rules_on_a_gpu(profile, tmp_path):
    work = workflow_copy(tmp_path)  # a fresh copy: there is always a whole DAG to plan
    jobs = planned_resources(work, "--profile", f"profiles/{profile}")
    rules = {rule for rule, _ in jobs}
    assert rules >= GPU_RULES
    for rule, resources in jobs:
        # a GPU rule asks for one GPU; nothing else may hold one (or wait for one)
        assert resources.get("gpu") == ("1" if rule in GPU_RULES else None), (rule, resources)
        # and its share of the card (gpu.jobs_per_device: 1), which profiles/gpu limits to 100 at once
        assert resources.get("gpu_percent") == ("100" if rule in GPU_RULES else None), (rule, resources)
        assert int(resources["mem_mb"]) > 0 and int(resources["runtime"]) > 0, (rule, resources)


def test_gpu_requirements_are_the_lock_without_tensorflow_and_jax():
    lock = _pins(s for s in (ROOT / "envs/requirements.lock").read_text().splitlines() if s and s[0] != "#")
    gpu = _pins(s for s in (ROOT / "envs/requirements-gpu.txt").read_text().splitlines() if s and s[0] != "#")
    assert {k: v for k, v in gpu.items() if lock.get(k) != v} == {}
    assert not {"tensorflow", "jax", "jaxlib"} & {k.lower() for k in gpu}
    assert {"keras", "snakemake", "h5py", "optree", "namex"} <= {k.lower() for k in gpu}


def _rules():
    cmd = [*SNAKEMAKE, "--list-rules"]  # the same for every preset and map list (test_workflow_chunks)
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {line.strip() for line in out.splitlines() if line.strip() and " " not in line.strip()}


# A rule named in prose ("rule `x`", "rules `x`, `y` and `z`") or in the "What it builds" table
# (docs/outputs.md).
RULE_MENTION = re.compile(r"\brules? ((?:`[a-z0-9_]+`(?:,? (?:and|or) |, )?)+)")
TABLE_RULES = re.compile(r"^\|[^|\n]+\| ((?:`[a-z0-9_]+`(?:, )?)+) \|", re.M)
OUTPUTS_TABLE = "| step | rule | output |"
DOCS = ["README.md", "config/README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]


def _named_rules(text):
    named = {name for match in RULE_MENTION.finditer(text) for name in re.findall(r"`([a-z0-9_]+)`", match[1])}
    if OUTPUTS_TABLE in text:
        table = text[text.index(OUTPUTS_TABLE) :].split("\n\n")[0]
        named |= {name for match in TABLE_RULES.finditer(table) for name in re.findall(r"`([a-z0-9_]+)`", match[1])}
    return named


@pytest.fixture(scope="module")
def rules():
    return _rules()


@pytest.mark.parametrize("doc", DOCS)
def test_docs_name_only_rules_the_workflow_has(doc, rules):
    named = _named_rules((ROOT / doc).read_text())
    assert not named - rules, f"{doc} names rules the workflow lacks: {sorted(named - rules)}"


def test_the_rule_patterns_still_find_the_docs_mentions_and_the_outputs_table(rules):
    outputs = (ROOT / "docs/outputs.md").read_text()
    assert OUTPUTS_TABLE in outputs  # "What it builds" lives there; README links to it
    table = _named_rules(outputs)
    assert len(table) >= 25 and {"oip", "precursor", "mlp_study", "rescue"} <= table
    assert len(_named_rules((ROOT / "config/README.md").read_text())) >= 10
    # every rule of the default run is in the table (the figure and table rules of a step beside it)
    assert {"mnist", "cnn", "kmeans", "silhouettes", "cluster_features", "mlp_reference"} <= table & rules


README_LIMIT = 15 * 1024  # bytes: what a user reads first; the rest lives in docs/


def test_the_readme_stays_short_and_links_the_docs_pages():
    readme = (ROOT / "README.md").read_text()
    size = len(readme.encode())
    assert size <= README_LIMIT, f"README.md is {size} bytes, over {README_LIMIT}: move detail into docs/*.md"
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    linked = set(re.findall(r"\(docs/([\w-]+\.md)(?:#[\w-]+)?\)", readme))
    assert pages <= linked, f"README.md does not link {sorted(pages - linked)}"


def _anchors(text):
    """The heading anchors of a Markdown page, as GitHub makes them."""
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("doc", DOCS)
def test_docs_links_resolve(doc):
    page = ROOT / doc
    for target, anchor in re.findall(r"\]\((?!https?:)([^)#\s]*)(?:#([^)\s]*))?\)", page.read_text()):
        if target.startswith("docs/images/"):
            continue  # the README's pictures, committed apart from the text
        path = page.parent / target if target else page
        assert path.exists(), f"{doc} links {target}, which does not exist"
        if anchor:
            assert anchor in _anchors(path.read_text()), f"{doc} links {target}#{anchor}: no such heading"
