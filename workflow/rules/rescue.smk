# The seed's open question (article X, l.190): a finer precursor grid (rescue.values, 5 values:
# 5^9 = 1 953 125 starts per map) for the maps a finished run left without an OIP. One job for
# all of them: one forward pass prunes every map's dead starts, halving screens the live ones.
# In `all` when rescue.enabled; on any run: snakemake --cores 2 results/rescue/summary.tsv


rule rescue:
    input:
        **model_inputs(),
        layer=at("results/oip/summary.tsv"),
    output:
        directory(at("results/rescue/maps")),
    log:
        at("logs/rescue/maps.log"),
    benchmark:
        at("benchmarks/rescue/maps.tsv")
    priority: CHAIN_PRIORITY
    conda:
        ENV
    threads: PER_MAP_THREADS
    resources:
        **gpu_job(3000, rescue_runtime()),
    params:
        **model_job("rescue"),
        precursor=rescue_precursor_params(),
        oip=oip_params("precursor"),
    script:
        "../scripts/rescue.py"


rule rescue_summary:
    input:
        maps=at("results/rescue/maps"),
        layer=at("results/oip/summary.tsv"),
    output:
        at("results/rescue/summary.tsv"),
    log:
        at("logs/rescue/summary.log"),
    benchmark:
        at("benchmarks/rescue/summary.tsv")
    priority: PICTURE_PRIORITY
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("rescue_summary"),
    script:
        "../scripts/rescue_summary.py"


rule rescue_atlas:
    input:
        maps=at("results/rescue/maps"),
        summary=at("results/rescue/summary.tsv"),
    output:
        report(
            at("results/rescue/atlas.png"),
            caption="../report/rescue_atlas.rst",
            category="2 OIPs",
            subcategory="finer precursor grid",
        ),
    log:
        at("logs/rescue/atlas.log"),
    benchmark:
        at("benchmarks/rescue/atlas.tsv")
    priority: PICTURE_PRIORITY
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        values=config["rescue"]["values"],
        code=code("rescue_atlas"),
    script:
        "../scripts/rescue_atlas.py"
