# The head of the longest chain (CNN → random stage → precursor → OIP → layer summary → rescue): first
# when cores free up, else the KMeans fits (one core each, ready at the same time) take every core
# until the last one, and the CNN's two threads wait (the paper run's first 38 minutes, before).
rule cnn:
    input:
        mnist="resources/mnist.h5",
    output:
        model="results/cnn/model.keras",
        training="results/cnn/training.h5",
    log:
        "logs/cnn/train.log",
    benchmark:
        "benchmarks/cnn/train.tsv"
    priority: CHAIN_PRIORITY + 10
    conda:
        ENV
    threads: 2
    resources:
        **gpu_job(4000, 60),
    params:
        cnn=config["cnn"],
        seed=config["seed"],
        code=code("cnn"),
    script:
        "../scripts/cnn.py"


rule cnn_figure:
    input:
        "results/cnn/training.h5",
    output:
        report(
            "results/cnn/training.png",
            caption="../report/cnn_training.rst",
            category="1 CNN",
        ),
    log:
        "logs/cnn/figure.log",
    benchmark:
        "benchmarks/cnn/figure.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code("cnn_figure"),
    script:
        "../scripts/cnn_figure.py"
