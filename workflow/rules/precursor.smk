# Precursor screening, one job per chunk of maps (maps_per_job: all of them at once). In two_stage
# mode only maps the random search missed are screened, in one job with their OIP (oip_precursor).


rule precursor:
    input:
        valid_chunk,
        **model_inputs(),
    output:
        at("results/precursor/map_{maps}.h5"),
    log:
        at("logs/precursor/map_{maps}.log"),
    benchmark:
        at("benchmarks/precursor/map_{maps}.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    threads: PER_MAP_THREADS
    resources:
        **gpu_job(4000, per_chunk_runtime(30)),
    params:
        **model_job("precursor", seed=False),
        maps=chunk_maps,
        precursor=precursor_params(),
    script:
        "../scripts/precursor.py"


rule precursor_figure:
    input:
        at("results/precursor/map_{maps}.h5"),
    output:
        figures(
            at("results/precursor/map_{maps}.png"),
            caption="../report/precursor_map.rst",
            category="2 OIPs",
            subcategory="precursor screening",
        ),
    log:
        at("logs/precursor/map_{maps}.figure.log"),
    benchmark:
        at("benchmarks/precursor/map_{maps}.figure.tsv")
    priority: PICTURE_PRIORITY
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=per_chunk_runtime(1),
    params:
        code=code("precursor_figure"),
    script:
        "../scripts/precursor_figure.py"
