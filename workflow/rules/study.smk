# Article XIV settled by experiment: reference vs clustered MLP over clustering spaces, distance
# normalizations and fit sets. Not part of `all`: at paper scale it runs for hours on 2 cores.
#   snakemake mlp_study --cores 2 --configfile config/paper.yaml


rule mlp_study_runs:
    input:
        mnist="resources/mnist.h5",
    output:
        "results/study/mlp_study.h5",
    log:
        "logs/study/mlp_study_runs.log",
    benchmark:
        "benchmarks/study/mlp_study_runs.tsv"
    conda:
        ENV
    # One run after the other on these cores, so that their wall times compare.
    threads: 2
    resources:
        mem_mb=4000,
        runtime=study_runtime(),
    params:
        study=study_runs_params(),
        mlp=mlp_training(),
        kmeans=study_kmeans(),
        k=config["clusters"]["features_k"],
        seed=config["seed"],
        code=code("mlp_study_runs"),
    script:
        "../scripts/mlp_study_runs.py"


# Thresholds only change the table: a new one redraws in seconds, the runs stay.
rule mlp_study:
    input:
        "results/study/mlp_study.h5",
    output:
        tsv="results/study/mlp_study.tsv",
        summary="results/study/mlp_study_summary.tsv",
        figure=report(
            "results/study/mlp_study.png",
            caption="../report/mlp_study.rst",
            category="4 Clusters and MLP",
            subcategory="figures",
        ),
    log:
        "logs/study/mlp_study.log",
    benchmark:
        "benchmarks/study/mlp_study.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        thresholds=config["study"]["thresholds"],
        code=code("mlp_study"),
    script:
        "../scripts/mlp_study.py"
