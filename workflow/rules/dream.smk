rule dream:
    input:
        dream_image(),
        model="results/cnn/model.keras",
        training="results/cnn/training.h5",
    output:
        h5="results/dreams/map_{map}.h5",
        figure=report(
            "results/dreams/map_{map}.png", category="3 Dreams", subcategory="per map"
        ),
    log:
        "logs/dreams/map_{map}.log",
    benchmark:
        "benchmarks/dreams/map_{map}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=3000,
        runtime=20,
    params:
        dream=config["dream"],
        precision=config["precision"],
    script:
        "../scripts/dream.py"


rule dream_gallery:
    input:
        expand("results/dreams/map_{map}.h5", map=map_ids()),
    output:
        report("results/dreams/gallery.png", category="3 Dreams", subcategory="gallery"),
    log:
        "logs/dreams/gallery.log",
    benchmark:
        "benchmarks/dreams/gallery.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/dream_gallery.py"


rule deepdream:
    input:
        dream_image(),
        model="results/cnn/model.keras",
        training="results/cnn/training.h5",
    output:
        h5="results/dreams/layer_{layers}.h5",
        figure=report(
            "results/dreams/layer_{layers}.png",
            category="3 Dreams",
            subcategory="DeepDream",
        ),
    log:
        "logs/dreams/layer_{layers}.log",
    benchmark:
        "benchmarks/dreams/layer_{layers}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=30,
    params:
        deepdream=config["deepdream"],
        image=config["dream"]["image"],
        size=config["dream"]["size"],
        precision=config["precision"],
        seed=config["seed"],
    script:
        "../scripts/deepdream.py"
