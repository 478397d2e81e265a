rule cnn:
    input:
        mnist="resources/mnist.h5",
    output:
        model="results/cnn/model.keras",
        training="results/cnn/training.h5",
        figure=report("results/cnn/training.png", category="1 CNN"),
    log:
        "logs/cnn/train.log",
    benchmark:
        "benchmarks/cnn/train.tsv"
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=60,
    params:
        cnn=config["cnn"],
        seed=config["seed"],
    script:
        "../scripts/cnn.py"
