# Per-map steps: which maps, in which chunks (one job and one file per chunk: map_056, map_046-056),
# the checks of the {maps} wildcard, the two-stage OIP's inputs, the steps a config switches off,
# and the per-map jobs' threads (used by the rule files).


# Threads of every per-map job: one, so that chunks run side by side on as many cores as there are
# (one job's single-threaded start-up overlaps another's compute), and so that a chunk's maps stay
# bit-identical to one map alone: with two threads TensorFlow's CPU reductions round the dream's
# losses differently (by ~3e-8). More for a single map on a big box: --set-threads (docs/chunks.md).
PER_MAP_THREADS = 1
# The per-map chain's compute jobs go before the side branches (KMeans fits, MLPs) whenever both are
# ready: the side branches fill the cores the chain leaves, and the run ends with the chain's end.
CHAIN_PRIORITY = 10
# The MLPs (one thread each: a 70-30-10 net on 500-image batches keeps a second thread idle, 0.8
# cores busy of 2 in the paper run, and trains to the same weights on 1 or 2) start before the KMeans
# fits (priority K/1000 < 1) so they run beside the chain and the sweep rather than at the run's end.
MLP_PRIORITY = 1
# What a user looks at — the layer's OIP figures, atlas, dreams, trust and pages — goes as soon as
# its inputs exist, after the chain's compute but before the side study (MLPs, KMeans fits), which
# took the cores first while these had no priority (the paper run's first OIP figure at minute 22
# of 27, the OIPs done at 9.8: issue 41).
PICTURE_PRIORITY = 5

# The run's chunks: the configured maps in order, maps_per_job at a time (auto: a quarter of them,
# at most 32). A function of the config alone, never of --cores or the executor (docs/chunks.md).
MAPS_PER_JOB = chunks.size(config["maps_per_job"], len(MAPS))
CHUNKS = [chunks.name(c) for c in chunks.split(MAPS, MAPS_PER_JOB)]


def map_chunks():
    """The run's chunk names ("046-056", "125"): the {maps} values of its per-map files."""
    return CHUNKS


def chunk_maps(wildcards):
    """The maps of the job's chunk (a param of every per-map compute job: they are what it computes)."""
    try:
        return chunks.members(wildcards.maps, MAPS, N_MAPS, LAYER, CHUNKS)
    except chunks.ChunkError as err:
        raise WorkflowError(str(err)) from None


def valid_chunk(wildcards):
    """No input; fails the DAG, before any job, for a chunk the layer or the config does not have."""
    chunk_maps(wildcards)
    return []


def per_chunk_runtime(minutes, start=5):
    """Runtime to ask a scheduler for: ``minutes`` per map of the chunk, plus start-up once per job."""
    return lambda wildcards: start + minutes * len(chunk_maps(wildcards))


def chunk_label(wildcards):
    """A per-map figure's label in the report: the maps it shows ("46" or "46–56")."""
    return {"maps": "–".join(str(int(m)) for m in wildcards.maps.split("-"))}


# Steps that exist in every run (one name each, for --forcerun, --until, --list-rules), but that
# this config leaves out of the default target, with the key that brings them in.
TWO_STAGE = config["oip"]["start"] == "two_stage"
SWITCHED_OFF = {}
if not TWO_STAGE:
    for rule_name in ("oip_random", "oip_precursor"):
        SWITCHED_OFF[rule_name] = (
            "oip.start: two_stage (--config 'oip={start: two_stage}')"
        )
if config["oip"]["start"] != "precursor":
    for rule_name in ("precursor", "precursor_figure"):
        SWITCHED_OFF[rule_name] = (
            "oip.start: precursor (--config 'oip={start: precursor}'); with two_stage the maps the "
            "random stage missed are screened by oip_precursor"
            if TWO_STAGE
            else "oip.start: precursor (--config 'oip={start: precursor}')"
        )
if not config["rescue"]["enabled"]:
    for rule_name in (
        "rescue",
        "rescue_summary",
        "rescue_atlas",
        "rescue_summary_table",
    ):
        SWITCHED_OFF[rule_name] = (
            "rescue.enabled: true (--config 'rescue={enabled: true}')"
        )
if not DATA_STARTS:
    SWITCHED_OFF["data_starts"] = (
        "data_starts.enabled: true, for a model with test images (the seed's CNN, or model.data)"
    )
if not OBJECTIVES:
    for rule_name in ("objective", "objective_figure", "objective_gallery"):
        SWITCHED_OFF[rule_name] = (
            "objectives (e.g. --config 'objectives={three: {terms: [{kind: class, class: 3}]}}')"
        )


def check_rule_options(wildcards=None):
    """--forcerun/--until of a step this config switches off: stop, naming the key. No input: an
    input function of the default target, evaluated when the DAG is built (the options are not
    known while the Snakefile is read), so only for the default target: with a target of its own
    (results/rescue/summary.tsv) a step runs whatever the config's default target holds.
    """
    dag = workflow.dag_settings
    if dag is None or dag.targets or dag.target_jobs:
        return []
    for option, names in (("--forcerun", dag.forcerun), ("--until", dag.until)):
        for rule_name in sorted(set(names) & set(SWITCHED_OFF)):
            raise WorkflowError(
                f"{option} {rule_name}: this run has no {rule_name} job, its config switches the step "
                f"off; it runs with {SWITCHED_OFF[rule_name]}"
            )
    return []


def only_two_stage(wildcards):
    """No input; fails the DAG for a two-stage file asked for in another oip.start."""
    if not TWO_STAGE:
        raise WorkflowError(
            f"map_{wildcards.maps}: the random stage and its precursor OIPs belong to oip.start: "
            f"two_stage; this run's oip.start is {config['oip']['start']}: set --config 'oip={{start: two_stage}}'"
        )
    return []


def oip_inputs(wildcards):
    """What an OIP job reads besides the model: its chunk's screening (start: precursor), or, for the
    two-stage choice, its random stage and, only where that missed a map, the precursor OIPs.
    """
    if TWO_STAGE:
        return two_stage_stages(wildcards.maps)
    if config["oip"]["start"] == "precursor":
        return {"precursor": at(f"results/precursor/map_{wildcards.maps}.h5")}
    return {}


def two_stage_stages(chunk):
    """The chunk's random-start OIPs, and only if they missed a map, the missed maps' precursor OIPs."""
    random = at(f"results/oip/map_{chunk}.random.h5")
    if not Path(random).exists():
        # A plain input, not the checkpoint's target: Snakemake skips every rerun check of a job
        # whose input is an unfinished checkpoint's target, so after a switch to two_stage the
        # OIP files of another procedure would stay (issue 20). Missing, the file makes the random
        # stage and this job run; when the stage finishes, Snakemake calls this function again.
        return {"random": random}
    checkpoints.oip_random.get(
        maps=chunk
    )  # raises until the random stage of this chunk has run
    need(
        ["numpy", "h5py"],
        "oip.start: two_stage (its plan reads the random stage's file)",
    )
    from mnist_dreams.plumbing import store

    found = store.read_maps(random, attrs_required=("found",))
    if all(attrs["found"] for _, attrs in found.values()):
        return {"random": random}
    return {"random": random, "precursor": at(f"results/oip/map_{chunk}.precursor.h5")}


def figures(pattern, **where):
    """The output of a per-map figure: one PNG per chunk (its maps' figures one below the other),
    in the report at ``where`` (caption, category, subcategory), labelled with its maps.
    """
    flag = report  # (a line may not start with `report(`: Snakemake's parser reads a directive)
    return flag(pattern, labels=chunk_label, **where)
