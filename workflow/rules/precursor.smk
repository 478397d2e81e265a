rule precursor:
    input:
        valid_map,
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
        precursor=precursor_params(),
        precision=config["precision"],
        code=code("precursor"),
    script:
        "../scripts/precursor.py"


rule precursor_figures:
    input:
        expand("results/precursor/map_{map}.h5", map=map_ids()),
    output:
        report_maps(
            "results/precursor/map_{map}.png",
            caption="../report/precursor_map.rst",
            category="2 OIPs",
            subcategory="precursor screening",
        ),
    log:
        "logs/precursor/figures.log",
    benchmark:
        "benchmarks/precursor/figures.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code("precursor_figures"),
    script:
        "../scripts/precursor_figures.py"
