# The seed's headline numbers next to this run's (results/summary.tsv, + an HTML table in the report).
from mnist_dreams.plumbing.configuration import load_yaml

# What each preset of the workflow sets, read from its own config/ (wherever it is included from):
# the summary names the preset a run used by comparing its config with these.
PRESETS = {
    name: load_yaml(own_file(f"../../config/{file}")) or {}
    for name, file in (
        ("default", "config.yaml"),
        ("paper", "paper.yaml"),
        ("tiny", "tiny.yaml"),
    )
}


rule summary:
    input:
        **(
            {"rescue": at("results/rescue/summary.tsv")}
            if config["rescue"]["enabled"]
            else {}
        ),
        **(
            {"data_starts": at("results/data_starts/summary.tsv")}
            if DATA_STARTS
            else {}
        ),
        **trust_inputs(),
        training="results/cnn/training.h5",
        oips=expand(at("results/oip/map_{maps}.h5"), maps=map_chunks()),
        layer=at("results/oip/summary.tsv"),
        sweep="results/clusters/sweep.h5",
        kmeans=f"results/clusters/k_{features_k()}.h5",
        comparison="results/mlp/comparison.tsv",
        reference="results/mlp/reference.h5",
    output:
        "results/summary.tsv",
    log:
        "logs/summary.log",
    benchmark:
        "benchmarks/summary.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        start=config["oip"]["start"],
        # the workflow's own presets (not the working folder's config/, a module user's)
        presets=PRESETS,
        # maps as configured: the config holds what auto resolved to (common.smk)
        configured={"maps": MAPS_CONFIGURED},
        code=code("summary"),
    script:
        "../scripts/summary.py"
