# The plan's ETA on the console: one line before the first job (a dry run's too), one after each
# finished job (mnist_dreams.plan.watch). In the main process only: a cluster job's inner snakemake
# plans one job.
import logging

from mnist_dreams.plan import eta, watch


def eta_context():
    """What a job's price needs beyond its params: the run's maps, the model's cost per image·epoch
    against the seed CNN's, and the images a silhouette pass compares."""
    c = config["clusters"]
    n_fit = 70000 if c["fit_on"] == "train+test" else 60000
    return {
        "run_maps": len(MAPS),
        # a figure job's chunk names its maps by its wildcard alone
        "maps": tuple(MAPS),
        "n_maps": RUN.n_maps,
        "scale": eta.scale(RUN.layer_shapes, RUN.layer, RUN.layer_kinds),
        "cluster_images": min(n_fit, c["subsample"] or n_fit),
        # two-stage runs leave maps to the later stages (paper: 14 of 128); a precursor run screens all
        "missed": eta.MISSED if config["oip"]["start"] == "two_stage" else 0.0,
    }


def eta_cores():
    """Jobs at once: the cores of a local run, the jobs (--jobs) of a cluster run."""
    limit = workflow._cores if workflow.local_exec else workflow.nodes
    return limit or 1


if workflow.is_main_process:
    logging.getLogger("snakemake.logging").addHandler(
        watch.Watch(lambda: workflow.dag, eta_cores, eta_context())
    )
