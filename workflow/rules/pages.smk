# The layer's per-map pages: the atlas as links (index.html; beside each OIP the test image that excites
# the map most), and per computed map its numbers, its OIP figure with the dataset examples, its loss
# curves and its dream (mnist_dreams.report.pages).


rule map_pages:
    input:
        **examples_inputs(),
        **trust_inputs(),
        summary=at("results/oip/summary.tsv"),
        oips=expand(at("results/oip/map_{maps}.h5"), maps=map_chunks()),
        figures=expand(at("results/oip/map_{maps}.png"), maps=map_chunks()),
        dreams=expand(at("results/dreams/map_{maps}.png"), maps=map_chunks()),
    output:
        directory(at("results/oip/pages")),
    log:
        at("logs/oip/pages.log"),
    benchmark:
        at("benchmarks/oip/pages.tsv")
    priority: PICTURE_PRIORITY
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        layer=LAYER,
        code=code("map_pages"),
    script:
        "../scripts/map_pages.py"
