# The full OIP of every map. One job per map or per chunk of maps (maps_per_job); in two_stage
# mode (the seed's procedure) random starts for every map first, and a map they leave silent gets
# the precursor screening and a precursor-started OIP: a checkpoint lets Snakemake read each
# random result before it decides whether that map's precursor jobs exist at all.
TWO_STAGE = config["oip"]["start"] == "two_stage"
OIP_JOBS = per_map_jobs("oip_random" if TWO_STAGE else "oip")


for name, maps in OIP_JOBS if TWO_STAGE else []:

    checkpoint:
        name:
            name
        input:
            map_check(maps),
            **model_inputs(),
        output:
            per_map(at("results/oip/map_{map}.random.h5"), maps),
        log:
            per_job(at("logs/oip/map_{map}.random.log"), maps),
        benchmark:
            per_job(at("benchmarks/oip/map_{map}.random.tsv"), maps)
        priority: CHAIN_PRIORITY
        conda:
            ENV
        threads: PER_MAP_THREADS
        resources:
            gpu=1,
            gpu_percent=gpu_share(),
            mem_mb=3000,
            runtime=per_map_runtime(30, maps),
        params:
            oip=oip_params("random"),
            precision=config["precision"],
            scaling=model_scaling(),
            layer=LAYER,
            seed=config["seed"],
            code=code("oip"),
        script:
            "../scripts/oip.py"


for name, maps in [] if TWO_STAGE else OIP_JOBS:

    rule:
        name:
            name
        input:
            map_check(maps),
            **model_inputs(),
            precursor=chunk_starts(maps),
        output:
            per_map(at("results/oip/map_{map}.h5"), maps),
        log:
            per_job(at("logs/oip/map_{map}.log"), maps),
        benchmark:
            per_job(at("benchmarks/oip/map_{map}.tsv"), maps)
        priority: CHAIN_PRIORITY
        conda:
            ENV
        threads: PER_MAP_THREADS
        resources:
            gpu=1,
            gpu_percent=gpu_share(),
            mem_mb=3000,
            runtime=per_map_runtime(30, maps),
        params:
            oip=oip_params(config["oip"]["start"]),
            precision=config["precision"],
            scaling=model_scaling(),
            layer=LAYER,
            seed=config["seed"],
            code=code("oip"),
        script:
            "../scripts/oip.py"


if TWO_STAGE:

    # A missed map's screening and its OIP in one job: apart, the two jobs were mostly start-up
    # (paper run: 28 jobs of ~6 s); an oip.* change reruns the screening too (a few seconds).
    rule oip_precursor:
        input:
            valid_map,
            **model_inputs(),
        output:
            precursor=at("results/precursor/map_{map}.h5"),
            oip=at("results/oip/map_{map}.precursor.h5"),
        log:
            at("logs/oip/map_{map}.precursor.log"),
        benchmark:
            at("benchmarks/oip/map_{map}.precursor.tsv")
        priority: CHAIN_PRIORITY
        conda:
            ENV
        threads: 1
        resources:
            gpu=1,
            gpu_percent=gpu_share(),
            mem_mb=4000,
            runtime=60,
        params:
            precursor=precursor_params(),
            oip=oip_params("precursor"),
            precision=config["precision"],
            scaling=model_scaling(),
            layer=LAYER,
            seed=config["seed"],
            code=code("precursor_oip"),
        script:
            "../scripts/precursor_oip.py"


for name, maps in per_map_jobs("oip") if TWO_STAGE else []:

    rule:
        name:
            name
        input:
            unpack(two_stage_results(maps)),
        output:
            per_map(at("results/oip/map_{map}.h5"), maps),
        log:
            per_job(at("logs/oip/map_{map}.log"), maps),
        benchmark:
            per_job(at("benchmarks/oip/map_{map}.tsv"), maps)
        priority: CHAIN_PRIORITY
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=1000,
            runtime=per_map_runtime(1, maps),
        params:
            # the procedure: a file another procedure made is never taken for this one's (issue 20)
            start="two_stage",
            code=code("oip_select"),
        script:
            "../scripts/oip_select.py"


# One forward pass over the test images (model.data, or MNIST test for a 28×28 gray model): each
# map's most and least exciting images (beside its OIP in the map's figure) and the activations
# the layer summary reads. Only where the model has test images (examples_inputs).
rule dataset_examples:
    input:
        **model_inputs(),
        **test_data_inputs(),
    output:
        at("results/oip/examples.h5"),
    log:
        at("logs/oip/examples.log"),
    benchmark:
        at("benchmarks/oip/examples.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        layer=LAYER,
        scaling=model_scaling(),
        top=TOP_EXAMPLES,
        test_data=test_data_label(),
        code=code("dataset_examples"),
    script:
        "../scripts/dataset_examples.py"


rule oip_summary:
    input:
        **examples_inputs(),
        oips=expand(at("results/oip/map_{map}.h5"), map=map_ids()),
    output:
        at("results/oip/summary.tsv"),
    log:
        at("logs/oip/summary.log"),
    benchmark:
        at("benchmarks/oip/summary.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    # One thread (a few seconds of work): a two-thread job waits for both cores to be free at once,
    # which never happens while one-thread jobs keep coming (the paper run: the KMeans fits held it,
    # and the rescue behind it, 12 minutes).
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        start=config["oip"]["start"],
        n_maps=N_MAPS,
        code=code("oip_summary"),
    script:
        "../scripts/oip_summary.py"


for name, maps in per_map_jobs("oip_figure"):

    rule:
        name:
            name
        input:
            **examples_inputs(),
            oips=per_map(at("results/oip/map_{map}.h5"), maps),
        output:
            figures(
                at("results/oip/map_{map}.png"),
                maps,
                caption="../report/oip_map.rst",
                category="2 OIPs",
                subcategory="per map",
            ),
        log:
            per_job(at("logs/oip/map_{map}.figure.log"), maps),
        benchmark:
            per_job(at("benchmarks/oip/map_{map}.figure.tsv"), maps)
        localrule: True
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=1000,
            runtime=per_map_runtime(1, maps),
        params:
            code=code("oip_figure"),
        script:
            "../scripts/oip_figure.py"


rule oip_atlas:
    input:
        oips=expand(at("results/oip/map_{map}.h5"), map=map_ids()),
        summary=at("results/oip/summary.tsv"),
    output:
        atlas=report(
            at("results/oip/atlas.png"),
            caption="../report/layer_atlas.rst",
            category="2 OIPs",
            subcategory="layer",
        ),
        coverage=report(
            at("results/oip/summary.png"),
            caption="../report/oip_summary.rst",
            category="2 OIPs",
            subcategory="layer",
        ),
    log:
        at("logs/oip/atlas.log"),
    benchmark:
        at("benchmarks/oip/atlas.tsv")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        test_data=test_data_label(),
        code=code("oip_atlas"),
    script:
        "../scripts/oip_atlas.py"
