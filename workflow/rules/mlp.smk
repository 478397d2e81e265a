# The seed's MLP (70-30-10) on standardized pixels ("reference") and on cluster distances, compared.


rule mlp_reference:
    input:
        mnist="resources/mnist.h5",
    output:
        history="results/mlp/reference.h5",
        model="results/mlp/reference.keras",
    log:
        "logs/mlp/reference.log",
    benchmark:
        "benchmarks/mlp/reference.tsv"
    priority: MLP_PRIORITY
    conda:
        ENV
    threads: 1
    # A GPU job: on JAX an H100 trains this MLP in ~110 ms an epoch, a 2-core CPU in 0.3-0.7 s.
    resources:
        **gpu_job(3000, 120),
    params:
        mlp=mlp_training(),
        seed=config["seed"],
        code=code("mlp"),
    script:
        "../scripts/mlp.py"


rule mlp_clustered:
    input:
        valid_k,
        features="results/clusters/features_k{k}.h5",
    output:
        history="results/mlp/clustered_k{k}.h5",
        model="results/mlp/clustered_k{k}.keras",
    log:
        "logs/mlp/clustered_k{k}.log",
    benchmark:
        "benchmarks/mlp/clustered_k{k}.tsv"
    priority: MLP_PRIORITY
    conda:
        ENV
    threads: 1
    resources:
        **gpu_job(2000, 60),
    params:
        mlp=mlp_training(),
        seed=config["seed"],
        code=code("mlp"),
    script:
        "../scripts/mlp.py"


rule mlp_comparison:
    input:
        reference="results/mlp/reference.h5",
        clustered=f"results/mlp/clustered_k{features_k()}.h5",
        clusters=f"results/clusters/k_{features_k()}.h5",
        features=f"results/clusters/features_k{features_k()}.h5",
    output:
        tsv="results/mlp/comparison.tsv",
    log:
        "logs/mlp/comparison.log",
    benchmark:
        "benchmarks/mlp/comparison.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        thresholds=config["mlp"]["thresholds"],
        code=code("mlp_compare"),
    script:
        "../scripts/mlp_compare.py"


rule mlp_comparison_figure:
    input:
        reference="results/mlp/reference.h5",
        clustered=f"results/mlp/clustered_k{features_k()}.h5",
        tsv="results/mlp/comparison.tsv",
    output:
        report(
            "results/mlp/comparison.png",
            caption="../report/mlp_comparison.rst",
            category="4 Clusters and MLP",
            subcategory="figures",
        ),
    log:
        "logs/mlp/comparison_figure.log",
    benchmark:
        "benchmarks/mlp/comparison_figure.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        thresholds=config["mlp"]["thresholds"],
        code=code("mlp_comparison_figure"),
    script:
        "../scripts/mlp_comparison_figure.py"
