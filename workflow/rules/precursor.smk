rule precursor:
    input:
        model="results/cnn/model.keras",
        training="results/cnn/training.h5",
    output:
        "results/precursor/map_{map}.h5",
    log:
        "logs/precursor/map_{map}.log",
    benchmark:
        "benchmarks/precursor/map_{map}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=30,
    params:
        precursor=config["precursor"],
        precision=config["precision"],
    script:
        "../scripts/precursor.py"
