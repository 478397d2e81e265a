# Shared helpers: config validation (fills defaults), parse-time checks, the subject, wildcard checks, code hashes.
import os
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# The package (found by package.smk) gives the Snakefile its pure, light modules too.
from mnist_dreams.ascent import run
from mnist_dreams.plumbing import (
    chunks,
    codehash,
    config_checks,
    configuration,
    machine,
    parse_needs,
    run_lock,
)
from mnist_dreams.subject import activity, examples, selection

# `--config` values arrive as YAML BaseLoader strings ("56", "600", "null"): give them the
# schema's types first, so that validation judges the value the user meant. Every check runs
# here, before any job: Snakemake deletes a job's old outputs before the job starts, so a value
# that failed inside a job would cost the result it was to replace (config_checks).
SCHEMA = own_file("../schemas/config.schema.yaml")
SCHEMA_DOC = configuration.load_schema(SCHEMA)
configuration.coerce(config, SCHEMA_DOC)


def need(modules, why):
    """Stop, naming the setting and the pip command, where the plan needs a package this Python lacks."""
    try:
        parse_needs.require(modules, why)
    except parse_needs.MissingNeed as err:
        raise WorkflowError(str(err)) from None


def refuse(problems):
    """Stop before any job with every problem found, one per line."""
    if problems:
        raise WorkflowError("config: " + "\n  ".join(problems))


refuse(
    config_checks.non_finite(config, SCHEMA_DOC)
    + config_checks.ignored_empty_mappings(workflow.config_settings.config, config)
)
# said, not defaulted: a data_starts stage asked for a model it cannot serve stops (data_starts.smk)
DATA_STARTS_ASKED = "enabled" in (config.get("data_starts") or {})
validate(config, schema=str(SCHEMA))
refuse(config_checks.cross_checks(config))

# A run killed hard (SIGKILL, power loss) leaves Snakemake's lock: the next run lifts it when the
# run that held it is gone from this host and left no job running here (plumbing/run_lock.py), and
# reruns the jobs it left incomplete (rerun-incomplete in profiles/default), so that `snakemake`
# (and `make paper`) resume with no --unlock; a live run's lock stays and protects it.
if workflow.is_main_process:
    try:
        LIFTED = run_lock.lift_if_dead(workflow.workdir_init)
    except run_lock.LiveJob as err:
        raise WorkflowError(str(err)) from None
    if LIFTED:
        print(f"mnist-dreams: {LIFTED}", file=sys.stderr)


# Before the first job (after Snakemake took the lock, before it removes any old output): who holds
# the lock, and whether this machine has the memory and disk the run needs (plumbing/machine.py).
onstart:
    run_lock.record(workflow.workdir_init)
    try:
        machine.preflight(
            need_disk=machine.disk_need_gib(len(MAPS), config["dream"]["size"])
        )
    except machine.PreflightError as err:
        raise WorkflowError(str(err)) from None


# Checks the schema cannot make, also at parse time: without them the first job (Keras import) or
# the first dream job (the photo), after the CNN has trained, would be the first to fail.
KERAS_BACKENDS = ("tensorflow", "jax")


def check_keras_backend():
    # Keras reads an unset or empty variable as its default, tensorflow
    backend = os.environ.get("KERAS_BACKEND") or "tensorflow"
    if backend not in KERAS_BACKENDS:
        raise WorkflowError(
            f"environment variable KERAS_BACKEND={backend!r} is not supported: "
            f"set it to {' or '.join(KERAS_BACKENDS)}, or unset it (tensorflow)"
        )


def check_dream_image():
    image = config["dream"]["image"]
    if image == "flower":
        return
    need(["PIL"], f"dream.image: {image} (a photo of yours, checked before any job)")
    from PIL import Image

    if not Path(image).is_file():
        raise WorkflowError(f"dream.image: {image}: no such file")
    try:
        with Image.open(image) as img:
            img.verify()  # reads the header and checks the structure without decoding the pixels
    # Pillow raises many types for a bad file (UnidentifiedImageError, SyntaxError, OSError…)
    except Exception as err:
        raise WorkflowError(
            f"dream.image: {image}: not an image Pillow can read ({err})"
        ) from err


check_keras_backend()
check_dream_image()


wildcard_constraints:
    # a chunk of maps: one map (056) or the configured maps from a first to a last (046-056)
    maps=chunks.WILDCARD,
    # the DeepDream's layers, "+"-joined: the seed's conv1-3 or a user model's layer names
    layers=r"[^/+]+(\+[^/+]+)*",
    k=r"\d{3}",


ENV = "../../envs/mnist-dreams.yaml"

# The model and layer the per-map steps look at (model.path, model.layer), its map count, input
# shape and results folder: the seed's conv3 in results/oip/…, another of its layers in
# results/<layer>/oip/…, a user's model in results/<file stem>-<8 hex of its path>/<layer>/oip/…
# (own_model.folder): side by side, never in each other's folders, never outside results/.
if config["model"]["path"]:
    need(
        parse_needs.model_needs(os.environ.get("KERAS_BACKEND") or "tensorflow"),
        f"model.path: {config['model']['path']} (loaded for its layers)",
    )
try:  # one frozen value: the model (a file loaded here), layer, maps, objectives, the ascent's style
    RUN = run.resolve(config)
except selection.SubjectError as err:
    raise WorkflowError(str(err)) from None
LAYER, OWN_MODEL, N_MAPS, INPUT_SHAPE = (
    RUN.layer,
    RUN.own_model,
    RUN.n_maps,
    RUN.input_shape,
)
SUBJECT, LAYER_SHAPES, WHERE = RUN.subject, RUN.layer_shapes, RUN.where
# DeepDream's layers (null: model.layer), the objectives' specs, the ascent's options, the maps
DEEPDREAM_LAYERS, OBJECTIVES, ASCENT = RUN.deepdream_layers, RUN.objectives, RUN.ascent
MAPS = list(RUN.maps)  # maps: auto is the seed's showcase of conv3, every map elsewhere
MAPS_CONFIGURED = config["maps"]  # the summary names the preset by what the user wrote
# The test images of the layer summary's fires_on_test: model.data, else MNIST's test set when
# it fits the model (28×28 gray), else none (the column stays empty, the figure says why)
MNIST_SHAPED = tuple(INPUT_SHAPE) == (28, 28, 1)
TEST_DATA = config["model"]["data"] or ("resources/mnist.h5" if MNIST_SHAPED else None)
TOP_EXAMPLES = examples.TOP  # dataset examples per map and side (most / least exciting)
# Starts from the data (data_starts.smk): where the model has test images to start from
DATA_STARTS = bool(config["data_starts"]["enabled"] and TEST_DATA)
if config["data_starts"]["enabled"] and not TEST_DATA and DATA_STARTS_ASKED:
    raise WorkflowError(
        "data_starts.enabled: your model has no test images to start from (not 28×28 gray MNIST, no "
        "model.data); give it model.data (an .npz or a folder of images) or say data_starts: {enabled: false}"
    )


def data_starts_inputs():
    """The rescue's table (its finds are not asked again) and MNIST's training images (for maps
    silent on the test set) where the run has them."""
    out = (
        {"rescue": at("results/rescue/summary.tsv")}
        if config["rescue"]["enabled"]
        else {}
    )
    if TEST_DATA == "resources/mnist.h5":
        out["train"] = "resources/mnist.h5"
    return out


def test_data_inputs():
    """The test image files as an input (a folder's files one by one: an edit reruns the summary)."""
    return {"test_data": activity.files(TEST_DATA)} if TEST_DATA else {}


def examples_inputs():
    """Each map's dataset examples and test activations (rule dataset_examples), where the model has test images."""
    return {"examples": at("results/oip/examples.h5")} if TEST_DATA else {}


def trust_inputs():
    """Each map's trust numbers and verdict (rule trust), where the model has test images."""
    return {"trust": at("results/oip/trust.tsv")} if TEST_DATA else {}


def test_data_label():
    """What the coverage figure says the maps fired on."""
    if not TEST_DATA:
        return ""
    return (
        "the MNIST test set"
        if not config["model"]["data"]
        else f"the images of {TEST_DATA}"
    )


def model_inputs():
    """The model file a job loads: a user's model.path, or the trained CNN and its standardization."""
    if OWN_MODEL:
        return {"model": OWN_MODEL}
    return {"model": "results/cnn/model.keras", "training": "results/cnn/training.h5"}


def at(path):
    """``path`` in the configured layer's folder: results/oip/x → results/conv1/oip/x."""
    return selection.place(path, SUBJECT)


def cluster_ks():
    """The K values of the KMeans sweep as zero-padded wildcard values ("070")."""
    return [f"{k:03d}" for k in config["clusters"]["k"]]


def largest_k_first(wildcards):
    """A fit's priority: the largest K (the longest fit) first, so the sweep does not end with one
    long fit on one core while the others idle; below 1, so the OIP chain goes first."""
    return int(wildcards.k) / 1000


def features_k():
    """The K whose cluster distances feed the clustered MLP, zero-padded."""
    return f"{config['clusters']['features_k']:03d}"


def valid_k(wildcards):
    """No input; fails the DAG, before any job, for a K that is neither swept nor features_k."""
    known = sorted({*config["clusters"]["k"], config["clusters"]["features_k"]})
    if int(wildcards.k) not in known:
        raise ValueError(
            f"K={int(wildcards.k)} is not configured: clusters.k and clusters.features_k give {known}"
        )
    return []


def dream_image():
    """The dream's photo as an input file, so that editing it reruns the dreams."""
    image = config["dream"]["image"]
    return [] if image == "flower" else [image]


def deepdream_name():
    """File name part of the DeepDream: its layers, e.g. "conv3" or "conv2+conv3"."""
    return "+".join(sorted(DEEPDREAM_LAYERS))


def deepdream_check(wildcards):
    """No input; fails the DAG, before any job, for a DeepDream of other layers than configured."""
    if wildcards.layers != deepdream_name():
        raise ValueError(
            f"layer_{wildcards.layers} requested, but deepdream.layers gives layer_{deepdream_name()}: "
            f"set e.g. --config 'deepdream={{layers: {{{wildcards.layers.split('+')[0]}: 1.0}}}}'"
        )
    return []


def deepdream_params():
    """The deepdream config with its layers resolved (null: model.layer with weight 1)."""
    return {**config["deepdream"], "layers": DEEPDREAM_LAYERS}
