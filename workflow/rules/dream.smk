# The seed's single-map dream, one job per chunk of maps (all of them at once).


rule dream:
    input:
        valid_chunk,
        dream_image(),
        **model_inputs(),
    output:
        at("results/dreams/map_{maps}.h5"),
    log:
        at("logs/dreams/map_{maps}.log"),
    benchmark:
        at("benchmarks/dreams/map_{maps}.tsv")
    priority: PICTURE_PRIORITY
    conda:
        ENV
    threads: PER_MAP_THREADS
    resources:
        **gpu_job(3000, per_chunk_runtime(20)),
    params:
        **model_job("dream", seed=False),
        maps=chunk_maps,
        dream=config["dream"],
    script:
        "../scripts/dream.py"


rule dream_figure:
    input:
        at("results/dreams/map_{maps}.h5"),
        # read again for the figure: a dream file holds no copy of it (dream_file.finished)
        photo=dream_image(),
    output:
        figures(
            at("results/dreams/map_{maps}.png"),
            caption="../report/dream_map.rst",
            category="3 Dreams",
            subcategory="per map",
        ),
    log:
        at("logs/dreams/map_{maps}.figure.log"),
    benchmark:
        at("benchmarks/dreams/map_{maps}.figure.tsv")
    priority: PICTURE_PRIORITY
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=per_chunk_runtime(1),
    params:
        code=code("dream_figure"),
    script:
        "../scripts/dream_figure.py"


rule dream_gallery:
    input:
        dreams=expand(at("results/dreams/map_{maps}.h5"), maps=map_chunks()),
        photo=dream_image(),
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
    priority: PICTURE_PRIORITY
    localrule: True
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
    priority: PICTURE_PRIORITY
    conda:
        ENV
    threads: 1
    resources:
        **gpu_job(4000, 30),
    params:
        **model_job("deepdream", layer=False),
        deepdream=deepdream_params(),
        image=config["dream"]["image"],
        size=config["dream"]["size"],
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
    priority: PICTURE_PRIORITY
    localrule: True
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
