# The seed's article XIV: MiniBatchKMeans for each K, their silhouettes in one pass, the sweep over
# K, and cluster-distance features.


rule kmeans:
    input:
        valid_k,
        mnist="resources/mnist.h5",
    output:
        "results/clusters/k_{k}.h5",
    log:
        "logs/clusters/k_{k}.log",
    benchmark:
        "benchmarks/clusters/k_{k}.tsv"
    priority: largest_k_first
    conda:
        ENV
    # One core per K: a mini-batch step is too small to share, so K jobs run side by side instead.
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        kmeans=kmeans_params(),
        seed=config["seed"],
        code=code("kmeans"),
    script:
        "../scripts/kmeans.py"


# Every K's exact silhouette from one pass over the same 70000² distances (3 min a K with sklearn's
# silhouette_score); two threads share the pass.
rule silhouettes:
    input:
        mnist="resources/mnist.h5",
        fits=expand("results/clusters/k_{k}.h5", k=cluster_ks()),
    output:
        "results/clusters/silhouettes.h5",
    log:
        "logs/clusters/silhouettes.log",
    benchmark:
        "benchmarks/clusters/silhouettes.tsv"
    conda:
        ENV
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        sample_size=config["clusters"]["silhouette_sample_size"],
        seed=config["seed"],
        code=code("silhouettes"),
    script:
        "../scripts/silhouettes.py"


# One K's silhouette alone, for a one-K target (the sweep reads rule silhouettes, not this).
use rule silhouettes as silhouette_k with:
    input:
        valid_k,
        mnist="resources/mnist.h5",
        fits=["results/clusters/k_{k}.h5"],
    output:
        "results/clusters/silhouette_k{k}.h5",
    log:
        "logs/clusters/silhouette_k{k}.log",
    benchmark:
        "benchmarks/clusters/silhouette_k{k}.tsv"


rule cluster_sweep:
    input:
        fits=expand("results/clusters/k_{k}.h5", k=cluster_ks()),
        silhouettes="results/clusters/silhouettes.h5",
    output:
        h5="results/clusters/sweep.h5",
        tsv="results/clusters/sweep.tsv",
    log:
        "logs/clusters/sweep.log",
    benchmark:
        "benchmarks/clusters/sweep.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code("cluster_sweep"),
    script:
        "../scripts/cluster_sweep.py"


rule cluster_sweep_figure:
    input:
        "results/clusters/sweep.h5",
    output:
        report(
            "results/clusters/sweep.png",
            caption="../report/cluster_sweep.rst",
            category="4 Clusters and MLP",
            subcategory="figures",
        ),
    log:
        "logs/clusters/sweep_figure.log",
    benchmark:
        "benchmarks/clusters/sweep_figure.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("cluster_sweep_figure"),
    script:
        "../scripts/cluster_sweep_figure.py"


rule cluster_features:
    input:
        valid_k,
        mnist="resources/mnist.h5",
        clusters="results/clusters/k_{k}.h5",
    output:
        "results/clusters/features_k{k}.h5",
    log:
        "logs/clusters/features_k{k}.log",
    benchmark:
        "benchmarks/clusters/features_k{k}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        normalization=config["clusters"]["normalization"],
        code=code("cluster_features"),
    script:
        "../scripts/cluster_features.py"
