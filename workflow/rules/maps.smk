# Per-map steps: which maps, one job per map or per chunk of maps (maps_per_job), the checks of the
# map wildcard, the two-stage OIP's inputs and the per-map jobs' threads (used by the rule files).


# Threads of every per-map or chunk job: one, so that maps run side by side on as many cores as there
# are (one job's single-threaded start-up overlaps another's compute), and so that a chunk's maps stay
# bit-identical to per-map jobs: with two threads TensorFlow's CPU reductions round the dream's losses
# differently (by ~3e-8). More for a single map on a big box: --set-threads (docs/chunks.md).
PER_MAP_THREADS = 1
# The per-map chain's compute jobs go before the side branches (KMeans fits, MLPs) whenever both are
# ready: the side branches fill the cores the chain leaves, and the run ends with the chain's end.
CHAIN_PRIORITY = 10
# The MLPs (one thread each: a 70-30-10 net on 500-image batches keeps a second thread idle, 0.8
# cores busy of 2 in the paper run, and trains to the same weights on 1 or 2) start before the KMeans
# fits (priority K/1000 < 1) so they run beside the chain and the sweep rather than at the run's end.
MLP_PRIORITY = 1


def run_cores():
    """--cores of a local run; None on a cluster (an executor sets --jobs, not --cores)."""
    try:
        return workflow.cores
    except WorkflowError:
        return None


# maps_per_job resolved (auto: from the configured maps and the cores, mnist_dreams.plumbing.chunks)
MAPS_PER_JOB = chunks.resolve(config["maps_per_job"], len(MAPS), run_cores())


def map_ids():
    """The configured maps of model.layer as zero-padded wildcard values ("046")."""
    return [f"{m:03d}" for m in MAPS]


def per_map_jobs(rule):
    """(rule name, maps) for every rule that computes ``rule`` per map.

    maps_per_job 1: one wildcard rule (maps None), any map 000-127 can be built alone. Otherwise
    one rule per chunk of the configured maps, named e.g. ``oip_maps_000_031``; its job computes
    all of them in one process (chunks.maps_in reads them back from the outputs).
    """
    size = MAPS_PER_JOB
    if size == 1:
        return [(rule, None)]
    return [(f"{rule}_maps_{c[0]}_{c[-1]}", c) for c in chunks.split(map_ids(), size)]


def per_map(pattern, maps):
    """``pattern`` itself for a wildcard rule, its files for a chunk's ``maps``."""
    return pattern if maps is None else expand(pattern, map=maps)


def per_job(pattern, maps):
    """A job's log or benchmark: ``pattern`` per map, one file per chunk (map_{map} → maps_A_B)."""
    return (
        pattern
        if maps is None
        else pattern.replace("map_{map}", f"maps_{maps[0]}_{maps[-1]}")
    )


def map_check(maps):
    """An input that checks the map wildcard (per-map rules); chunk rules name configured maps only."""
    return valid_map if maps is None else []


def chunk_starts(maps):
    """The precursor files an OIP job starts from: per map a function of the wildcards, per chunk a list."""
    if maps is None:
        return oip_starts
    return (
        per_map(at("results/precursor/map_{map}.h5"), maps)
        if config["oip"]["start"] == "precursor"
        else []
    )


def per_map_runtime(minutes, maps):
    """Runtime to ask a scheduler for: ``minutes`` per map, plus start-up once per job."""
    return minutes if maps is None else 5 + minutes * len(maps)


def valid_map(wildcards):
    """No input; fails the DAG, before any job, for a map the layer does not have."""
    selection.check_map(wildcards.map, N_MAPS, LAYER)
    return []


def oip_starts(wildcards):
    """The precursor file of the map (as a list), unless the OIP starts from random fluctuations."""
    if config["oip"]["start"] in ("precursor", "two_stage"):
        return [at(f"results/precursor/map_{wildcards.map}.h5")]
    return []


def random_checkpoint(map_id):
    """The checkpoint (random stage of two_stage) that computes ``map_id``, and its wildcards."""
    for name, maps in per_map_jobs("oip_random"):
        if maps is None:
            return getattr(checkpoints, name), {"map": map_id}
        if map_id in maps:
            return getattr(checkpoints, name), {}
    raise ValueError(f"map_{map_id}: not among the configured maps {config['maps']}")


def two_stage_stages(map_id):
    """The map's random-start OIP, and only if that found nothing, its precursor-started OIP."""
    from mnist_dreams.plumbing import store

    random_stage, where = random_checkpoint(map_id)
    random = at(f"results/oip/map_{map_id}.random.h5")
    if not Path(random).exists():
        # A plain input, not the checkpoint's target: Snakemake skips every rerun check of a job
        # whose input is an unfinished checkpoint's target, so after a switch to two_stage the
        # OIP files of another procedure would stay (issue 20). Missing, the file makes the random
        # stage and this job run; when the stage finishes, Snakemake calls this function again.
        return {"random": random}
    random_stage.get(**where)  # raises until the random stage of this map has run
    _, attrs = store.read_h5(random, attrs_required=("found",))
    if attrs["found"]:
        return {"random": random}
    return {
        "random": random,
        "precursor": at(f"results/oip/map_{map_id}.precursor.h5"),
    }


def two_stage_results(maps):
    """The two-stage choice's inputs: per map (``maps`` None) its stages; per chunk, every map's
    stages as lists ("random", "precursor"; the script pairs them by the map in the file names).
    """
    if maps is None:
        return lambda wildcards: two_stage_stages(wildcards.map)

    def chunk(wildcards):
        out = {}
        for map_id in maps:
            for stage, path in two_stage_stages(map_id).items():
                out.setdefault(stage, []).append(path)
        return out

    return chunk


def figures(pattern, maps, **where):
    """A per-map figure rule's outputs: ``pattern`` (a wildcard rule) or a chunk's files, each in the
    report at ``where`` (caption, category, subcategory) and labelled with its map."""
    flag = report  # (a line may not start with `report(`: Snakemake's parser reads a directive)
    if maps is None:
        return flag(pattern, labels=map_label, **where)
    paths = per_map(pattern, maps)
    return [flag(p, labels={"map": str(int(m))}, **where) for m, p in zip(maps, paths)]


def map_label(wildcards):
    """A per-map figure's label in the report: which map it shows ("46")."""
    return {"map": str(int(wildcards.map))}
