# The full OIP of every map, one job per chunk of maps. In two_stage mode (the seed's procedure)
# random starts for every map first (oip_random), and the maps they leave silent get the precursor
# screening and a precursor-started OIP (oip_precursor); the rule oip then makes the choice. A
# checkpoint lets Snakemake read each random result before it decides whether a chunk's precursor
# job exists at all. Every rule exists in every mode (one name per step); a mode's own rules fail
# with the key that switches them on when another mode asks for their files.


checkpoint oip_random:
    input:
        valid_chunk,
        only_two_stage,
        **model_inputs(),
    output:
        at("results/oip/map_{maps}.random.h5"),
    log:
        at("logs/oip/map_{maps}.random.log"),
    benchmark:
        at("benchmarks/oip/map_{maps}.random.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    threads: PER_MAP_THREADS
    resources:
        **gpu_job(3000, per_chunk_runtime(30)),
    params:
        **model_job("oip"),
        maps=chunk_maps,
        oip=oip_params("random"),
    script:
        "../scripts/oip.py"


# The maps of a chunk the random stage missed: their screening and their OIP in one job (apart, the
# two jobs were mostly start-up: paper run, 28 jobs of ~6 s); an oip.* change reruns the screening
# too (a few seconds).
rule oip_precursor:
    input:
        valid_chunk,
        only_two_stage,
        **model_inputs(),
        random=at("results/oip/map_{maps}.random.h5"),
    output:
        precursor=at("results/precursor/map_{maps}.two_stage.h5"),
        oip=at("results/oip/map_{maps}.precursor.h5"),
    log:
        at("logs/oip/map_{maps}.precursor.log"),
    benchmark:
        at("benchmarks/oip/map_{maps}.precursor.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    threads: 1
    resources:
        **gpu_job(4000, per_chunk_runtime(30, start=30)),
    params:
        **model_job("precursor_oip"),
        maps=chunk_maps,
        precursor=precursor_params(),
        oip=oip_params("precursor"),
    script:
        "../scripts/precursor_oip.py"


# The OIP: computed from the chunk's starts (oip.start precursor or random), or in two_stage the
# choice between each map's random and precursor result (a light job: no model, no GPU).
if TWO_STAGE:
    OIP_JOB = dict(
        script="../scripts/oip_select.py",
        resources=dict(mem_mb=1000, runtime=per_chunk_runtime(1)),
        # the procedure: a file another procedure made is never taken for this one's (issue 20)
        params=dict(start="two_stage", code=code("oip_select")),
    )
else:
    OIP_JOB = dict(
        script="../scripts/oip.py",
        resources=gpu_job(3000, per_chunk_runtime(30)),
        params=dict(
            oip=oip_params(config["oip"]["start"]),
            **model_job("oip"),
        ),
    )


rule oip:
    input:
        valid_chunk,
        unpack(oip_inputs),
        **({} if TWO_STAGE else model_inputs()),
    output:
        at("results/oip/map_{maps}.h5"),
    log:
        at("logs/oip/map_{maps}.log"),
    benchmark:
        at("benchmarks/oip/map_{maps}.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    threads: PER_MAP_THREADS
    resources:
        **OIP_JOB["resources"],
    params:
        **OIP_JOB["params"],
        maps=chunk_maps,
    script:
        OIP_JOB["script"]


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
        oips=expand(at("results/oip/map_{maps}.h5"), maps=map_chunks()),
    output:
        at("results/oip/summary.tsv"),
    log:
        at("logs/oip/summary.log"),
    benchmark:
        at("benchmarks/oip/summary.tsv")
    priority: CHAIN_PRIORITY
    localrule: True
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


rule oip_figure:
    input:
        **examples_inputs(),
        oips=at("results/oip/map_{maps}.h5"),
    output:
        figures(
            at("results/oip/map_{maps}.png"),
            caption="../report/oip_map.rst",
            category="2 OIPs",
            subcategory="per map",
        ),
    log:
        at("logs/oip/map_{maps}.figure.log"),
    benchmark:
        at("benchmarks/oip/map_{maps}.figure.tsv")
    priority: PICTURE_PRIORITY
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=per_chunk_runtime(1),
    params:
        code=code("oip_figure"),
    script:
        "../scripts/oip_figure.py"


rule oip_atlas:
    input:
        oips=expand(at("results/oip/map_{maps}.h5"), maps=map_chunks()),
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
    priority: PICTURE_PRIORITY
    localrule: True
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
