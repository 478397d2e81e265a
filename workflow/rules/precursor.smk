# Precursor screening, one job per map, or per chunk of maps (maps_per_job). In two_stage mode
# only maps the random search missed are screened, each in one job with its OIP (oip_precursor).
PRECURSOR_JOBS = (
    [] if config["oip"]["start"] == "two_stage" else per_map_jobs("precursor")
)


for name, maps in PRECURSOR_JOBS:

    rule:
        name:
            name
        input:
            map_check(maps),
            **model_inputs(),
        output:
            per_map(at("results/precursor/map_{map}.h5"), maps),
        log:
            per_job(at("logs/precursor/map_{map}.log"), maps),
        benchmark:
            per_job(at("benchmarks/precursor/map_{map}.tsv"), maps)
        priority: CHAIN_PRIORITY
        conda:
            ENV
        threads: PER_MAP_THREADS
        resources:
            gpu=1,
            gpu_percent=gpu_share(),
            mem_mb=4000,
            runtime=per_map_runtime(30, maps),
        params:
            precursor=precursor_params(),
            precision=config["precision"],
            scaling=model_scaling(),
            layer=LAYER,
            code=code("precursor"),
        script:
            "../scripts/precursor.py"


rule precursor_figure:
    input:
        at("results/precursor/map_{map}.h5"),
    output:
        report(
            at("results/precursor/map_{map}.png"),
            caption="../report/precursor_map.rst",
            category="2 OIPs",
            subcategory="precursor screening",
            labels=map_label,
        ),
    log:
        at("logs/precursor/map_{map}.figure.log"),
    benchmark:
        at("benchmarks/precursor/map_{map}.figure.tsv")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("precursor_figure"),
    script:
        "../scripts/precursor_figure.py"
