# The seed's single-map dream, one job per map or per chunk of maps (maps_per_job).
for name, maps in per_map_jobs("dream"):

    rule:
        name:
            name
        input:
            map_check(maps),
            dream_image(),
            **model_inputs(),
        output:
            per_map(at("results/dreams/map_{map}.h5"), maps),
        log:
            per_job(at("logs/dreams/map_{map}.log"), maps),
        benchmark:
            per_job(at("benchmarks/dreams/map_{map}.tsv"), maps)
        conda:
            ENV
        threads: PER_MAP_THREADS
        resources:
            gpu=1,
            gpu_percent=gpu_share(),
            mem_mb=3000,
            runtime=per_map_runtime(20, maps),
        params:
            dream=config["dream"],
            precision=config["precision"],
            scaling=model_scaling(),
            layer=LAYER,
            code=code("dream"),
        script:
            "../scripts/dream.py"


for name, maps in per_map_jobs("dream_figure"):

    rule:
        name:
            name
        input:
            per_map(at("results/dreams/map_{map}.h5"), maps),
        output:
            figures(
                at("results/dreams/map_{map}.png"),
                maps,
                caption="../report/dream_map.rst",
                category="3 Dreams",
                subcategory="per map",
            ),
        log:
            per_job(at("logs/dreams/map_{map}.figure.log"), maps),
        benchmark:
            per_job(at("benchmarks/dreams/map_{map}.figure.tsv"), maps)
        localrule: True
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=1000,
            runtime=per_map_runtime(1, maps),
        params:
            code=code("dream_figure"),
        script:
            "../scripts/dream_figure.py"


rule dream_gallery:
    input:
        expand(at("results/dreams/map_{map}.h5"), map=map_ids()),
    output:
        report(
            at("results/dreams/gallery.png"),
            caption="../report/dream_gallery.rst",
            category="3 Dreams",
            subcategory="gallery",
        ),
    log:
        at("logs/dreams/gallery.log"),
    benchmark:
        at("benchmarks/dreams/gallery.tsv")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=code("dream_gallery"),
    script:
        "../scripts/dream_gallery.py"


rule deepdream:
    input:
        deepdream_check,
        dream_image(),
        **model_inputs(),
    output:
        at("results/dreams/layer_{layers}.h5"),
    log:
        at("logs/dreams/layer_{layers}.log"),
    benchmark:
        at("benchmarks/dreams/layer_{layers}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        gpu=1,
        gpu_percent=gpu_share(),
        mem_mb=4000,
        runtime=30,
    params:
        deepdream=deepdream_params(),
        image=config["dream"]["image"],
        size=config["dream"]["size"],
        precision=config["precision"],
        seed=config["seed"],
        scaling=model_scaling(),
        code=code("deepdream"),
    script:
        "../scripts/deepdream.py"


rule deepdream_figure:
    input:
        at("results/dreams/layer_{layers}.h5"),
    output:
        report(
            at("results/dreams/layer_{layers}.png"),
            caption="../report/deepdream.rst",
            category="3 Dreams",
            subcategory="DeepDream",
        ),
    log:
        at("logs/dreams/layer_{layers}_figure.log"),
    benchmark:
        at("benchmarks/dreams/layer_{layers}_figure.tsv")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code("deepdream_figure"),
    script:
        "../scripts/deepdream_figure.py"
