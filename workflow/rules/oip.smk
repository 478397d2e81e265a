rule oip:
    input:
        model="results/cnn/model.keras",
        training="results/cnn/training.h5",
        precursor=oip_starts,
    output:
        h5="results/oip/map_{map}.h5",
        figure=report(
            "results/oip/map_{map}.png", category="2 OIPs", subcategory="per map"
        ),
    log:
        "logs/oip/map_{map}.log",
    benchmark:
        "benchmarks/oip/map_{map}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=3000,
        runtime=30,
    params:
        oip=config["oip"],
        precision=config["precision"],
        seed=config["seed"],
    script:
        "../scripts/oip.py"


rule oip_summary:
    input:
        oips=expand("results/oip/map_{map}.h5", map=map_ids()),
        model="results/cnn/model.keras",
        training="results/cnn/training.h5",
        mnist="resources/mnist.h5",
    output:
        tsv="results/oip/summary.tsv",
        figure=report("results/oip/summary.png", category="2 OIPs", subcategory="layer"),
    log:
        "logs/oip/summary.log",
    benchmark:
        "benchmarks/oip/summary.tsv"
    conda:
        ENV
    threads: 2
    resources:
        mem_mb=3000,
        runtime=10,
    script:
        "../scripts/oip_summary.py"
