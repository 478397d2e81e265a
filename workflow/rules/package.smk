# Where this workflow's own files and its Python package are, wherever it is included from: the
# repository's Snakefile, a user's `module` of a local folder, snakedeploy's `github(...)`.
# workflow.basedir is the *main* Snakefile's folder (a user's own in a module): never used here.
import importlib
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

# the release this workflow is (tag v0.2.0); its package must be the same (tests/workflow/test_deploy.py)
WORKFLOW_VERSION = "0.2.0"
RULES_AT = workflow.current_basedir.get_path_or_uri(secret_free=True)
LOCAL_WORKFLOW = "://" not in RULES_AT
# Local (a clone, a local module): the package beside the rules comes first, even where another
# copy is installed. Remote (a github(...) or URL module): only the rules and the files they name
# are fetched, so the package must be installed, of the workflow's own version (docs/deploy.md).
if LOCAL_WORKFLOW:
    sys.path.insert(0, str(Path(RULES_AT).parent))


def package_install_hint():
    """The pip command that installs the package of this workflow's version."""
    where = workflow.current_basedir
    repo, tag = getattr(where, "repo", None), getattr(where, "tag", None)
    url = (
        f"git+https://github.com/{repo}@{tag}"
        if repo and tag
        else f"git+<this workflow's repository>@v{WORKFLOW_VERSION}"
    )
    return f'pip install --no-deps "mnist-dreams @ {url}"'


try:
    mnist_dreams = importlib.import_module("mnist_dreams")
except ModuleNotFoundError as err:
    if err.name != "mnist_dreams":
        raise
    raise WorkflowError(
        f"mnist-dreams {WORKFLOW_VERSION}: its Python package is not importable here ({sys.executable}); "
        f"a workflow used as a remote module needs it installed, of the same version: {package_install_hint()}"
    ) from None
if mnist_dreams.__version__ != WORKFLOW_VERSION:
    raise WorkflowError(
        f"mnist-dreams: the workflow is {WORKFLOW_VERSION}, the package it imports is "
        f"{mnist_dreams.__version__} ({Path(mnist_dreams.__file__).parent}): install the workflow's "
        f"own, {package_install_hint()}, or use the workflow tag of that package"
    )
# the folder holding the package (workflow/ in a clone): code hashes name modules relative to it
PACKAGE_ROOT = Path(mnist_dreams.__file__).resolve().parents[1]


def own_file(relative):
    """A local path to one of the workflow's own files, ``relative`` to workflow/rules: the file
    itself in a clone or local module, Snakemake's cached copy of it in a remote one."""
    if LOCAL_WORKFLOW:
        return Path(RULES_AT, relative).resolve()
    return Path(workflow.source_path(relative))


# A remote module's scripts run from Snakemake's cache, with that folder on their path: the one
# module they import first (scripts/_bootstrap.py) is fetched into it beside them.
if not LOCAL_WORKFLOW:
    own_file("../scripts/_bootstrap.py")
