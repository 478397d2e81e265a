# Trust (issue 39): per map with an OIP, whether the pattern takes the path the map's natural
# examples take (path similarity, its ratio to the layer's median and rank in the layer's input;
# the share it loses without the inputs no test image varies), whether the same ascent with the
# layer's weights shuffled draws the same (weight dependence), the class the model reads in it,
# and a verdict from the trust thresholds. Where the model has test images (examples_inputs).


rule trust:
    input:
        **model_inputs(),
        **test_data_inputs(),
        examples=at("results/oip/examples.h5"),
        oips=expand(at("results/oip/map_{maps}.h5"), maps=map_chunks()),
    output:
        at("results/oip/trust.tsv"),
    log:
        at("logs/oip/trust.log"),
    benchmark:
        at("benchmarks/oip/trust.tsv")
    priority: PICTURE_PRIORITY
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        **model_job("trust", seed=False),
        thresholds=config["trust"],
    script:
        "../scripts/trust.py"
