# Starts from the data (issue 39): for the maps still without an OIP after the seed's stages (and
# the rescue, when on), an OIP from each map's most exciting test images (training images for a
# map silent on the test set; random starts after a warm-up through its dead ReLU for a map silent
# on every image). One job for all of them; the maps are known only when it runs.
# In `all` when data_starts.enabled and the model has test images.


rule data_starts:
    input:
        **model_inputs(),
        **test_data_inputs(),
        **data_starts_inputs(),
        layer=at("results/oip/summary.tsv"),
        examples=at("results/oip/examples.h5"),
    output:
        maps=directory(at("results/data_starts/maps")),
        summary=at("results/data_starts/summary.tsv"),
    log:
        at("logs/data_starts/maps.log"),
    benchmark:
        at("benchmarks/data_starts/maps.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    threads: PER_MAP_THREADS
    resources:
        **gpu_job(3000, 30 + 2 * len(MAPS)),
    params:
        **model_job("data_starts"),
        starts=config["data_starts"]["starts"],
        warm_up=config["data_starts"]["warm_up"],
        oip=oip_params("data"),
    script:
        "../scripts/data_starts.py"
