# "Your own model", with a model of our own: a residual BatchNorm CNN, trained on MNIST and saved as
# .keras, then visualized like any user's file (docs/own-model.md):
#   snakemake --cores 2 results/example/residual_bn.keras
#   snakemake --cores 2 --config 'model={path: results/example/residual_bn.keras, layer: block2_out, input: unit}' maps=all


rule example_model:
    input:
        mnist="resources/mnist.h5",
    output:
        "results/example/residual_bn.keras",
    log:
        "logs/example/residual_bn.log",
    benchmark:
        "benchmarks/example/residual_bn.tsv"
    conda:
        ENV
    threads: 2
    resources:
        **gpu_job(3000, 30),
    params:
        example={"epochs": 3, "train_subset": 20000, "batch_size": 128},
        seed=config["seed"],
        code=code("example_model"),
    script:
        "../scripts/example_model.py"
