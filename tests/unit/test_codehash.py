"""Code hashes: which files a rule script reaches, and that only their content counts."""

import os
import shutil

import pytest

from helpers import ROOT
from mnist_dreams.plumbing import codehash


@pytest.fixture
def tree(tmp_path):
    """A copy of the scripts and the package, to edit freely."""
    shutil.copytree(ROOT / "workflow/scripts", tmp_path / "scripts")
    shutil.copytree(ROOT / "workflow/mnist_dreams", tmp_path / "mnist_dreams")
    return tmp_path


def _names(tree, script):
    return {p.relative_to(tree).as_posix() for p in codehash.dependencies(tree / "scripts" / script, tree)}


def test_dependencies_follow_imports_including_those_inside_functions(tree):
    deps = _names(tree, "precursor.py")
    # precursor.py imports backend only inside a function: it still counts
    assert {"scripts/precursor.py", "scripts/_bootstrap.py", "mnist_dreams/__init__.py"} <= deps
    assert {"mnist_dreams/ascent/precursor.py", "mnist_dreams/plumbing/backend.py"} <= deps
    assert "mnist_dreams/plumbing/store.py" in deps
    assert not deps & {"mnist_dreams/report/figures.py", "mnist_dreams/ascent/dream.py", "mnist_dreams/clusters/mlp.py"}


FIGURE_SCRIPTS = ("oip_figure.py", "oip_atlas.py", "dream_figure.py", "dream_gallery.py", "precursor_figure.py")
FIGURE_SCRIPTS += ("cnn_figure.py", "cluster_sweep_figure.py", "mlp_comparison_figure.py", "deepdream_figure.py")
FIGURE_SCRIPTS += ("rescue_atlas.py", "objective_figure.py")


def test_figure_scripts_do_not_reach_the_compute_modules(tree):
    for script in FIGURE_SCRIPTS:
        deps = _names(tree, script)
        assert "mnist_dreams/report/figures.py" in deps, script
        compute = {
            "mnist_dreams/plumbing/backend.py",
            "mnist_dreams/ascent/precursor.py",
            "mnist_dreams/ascent/dream.py",
        }
        assert not deps & compute, script


def test_data_scripts_do_not_reach_the_figure_modules(tree):
    """A plotting edit reruns figure jobs only: no script that writes data imports plotting code."""
    figure_scripts = set(FIGURE_SCRIPTS) | {"html_table.py", "mlp_study.py"}  # mlp_study: its table and figure
    for script in sorted(p.name for p in (tree / "scripts").glob("*.py") if not p.name.startswith("_")):
        if script not in figure_scripts:
            assert "mnist_dreams/report/figures.py" not in _names(tree, script), script


def test_hash_changes_with_content_of_any_dependency_and_only_then(tree):
    script = tree / "scripts/precursor.py"
    before = codehash.code_hash(script, tree)
    module = tree / "mnist_dreams/ascent/precursor.py"
    os.utime(module, (1, 1))  # an mtime change alone (a fresh clone, a touch) changes nothing
    assert codehash.code_hash(script, tree) == before
    module.write_text(module.read_text() + "# a comment\n")
    after = codehash.code_hash(script, tree)
    assert after != before
    unrelated = tree / "mnist_dreams/clusters/mlp.py"
    unrelated.write_text(unrelated.read_text() + "# a comment\n")
    assert codehash.code_hash(script, tree) == after


def test_relative_and_absolute_package_imports_resolve(tmp_path):
    pkg = tmp_path / "mnist_dreams"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub/__init__.py").write_text("")
    (pkg / "sub/b.py").write_text("def f():\n    from ..c import g\n")
    (pkg / "c.py").write_text("import json\n")
    (pkg / "unused.py").write_text("")
    script = tmp_path / "s.py"
    script.write_text("import mnist_dreams.a\n")
    names = {p.relative_to(tmp_path).as_posix() for p in codehash.dependencies(script, tmp_path)}
    assert names == {
        "s.py",
        "mnist_dreams/__init__.py",
        "mnist_dreams/a.py",
        "mnist_dreams/sub/__init__.py",
        "mnist_dreams/sub/b.py",
        "mnist_dreams/c.py",
    }


def _hashes(tree):
    return {p.name: codehash.code_hash(p, tree) for p in (tree / "scripts").glob("*.py") if not p.name.startswith("_")}


def _invalidated_by(tree, module):
    """Rule scripts whose code hash (their rules' `code` param) an edit of ``module`` changes."""
    before = _hashes(tree)
    path = tree / "mnist_dreams" / module
    path.write_text(path.read_text() + "\n# an edit\n")
    after = _hashes(tree)
    return {name for name in before if before[name] != after[name]}


def test_model_loading_edit_invalidates_only_jobs_that_load_or_save_a_model(tree):
    changed = _invalidated_by(tree, "subject/models.py")
    loaders = {"cnn.py", "precursor.py", "oip.py", "dataset_examples.py", "dream.py", "deepdream.py", "mlp.py"}
    loaders |= {"rescue.py", "example_model.py", "precursor_oip.py", "objective.py", "data_starts.py", "trust.py"}
    assert changed == loaders  # no figure, table, data or summary job
    assert not changed & (set(FIGURE_SCRIPTS) | {"html_table.py", "summary.py"})


def test_hdf5_writer_edit_invalidates_every_job_that_writes_hdf5(tree):
    changed = _invalidated_by(tree, "plumbing/store.py")
    writers = {"mnist.py", "cnn.py", "precursor.py", "oip.py", "oip_select.py", "oip_summary.py", "dream.py"}
    writers |= {"deepdream.py", "kmeans.py", "cluster_features.py", "cluster_sweep.py", "mlp.py", "mlp_compare.py"}
    writers |= {"rescue.py", "rescue_summary.py"}
    assert writers | {"summary.py", "mlp_study_runs.py", "mlp_study.py"} <= changed
