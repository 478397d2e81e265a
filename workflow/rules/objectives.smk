# Objectives beyond a map's mean (config objectives): a neuron, a direction, a class, weighted sums,
# maximized or minimized, each ascended from random starts into its own folder
# results/objectives/<name>/ (mnist_dreams.ascent.objectives), so that results never collide.


wildcard_constraints:
    # only the configured names: any other folder is no objective of this run
    objective="|".join(re.escape(name) for name in OBJECTIVES) or "(?!)",


rule objective:
    input:
        **model_inputs(),
    output:
        at("results/objectives/{objective}/oip.h5"),
    log:
        at("logs/objectives/{objective}.log"),
    benchmark:
        at("benchmarks/objectives/{objective}.tsv")
    conda:
        ENV
    threads: 1
    resources:
        **gpu_job(3000, 30),
    params:
        **model_job("objective", layer=False),
        objective=lambda wildcards: OBJECTIVES[wildcards.objective],
        ascent=objective_ascent(),
    script:
        "../scripts/objective.py"


rule objective_figure:
    input:
        at("results/objectives/{objective}/oip.h5"),
    output:
        report(
            at("results/objectives/{objective}/oip.png"),
            caption="../report/objective.rst",
            category="5 objectives",
            labels={"objective": "{objective}"},
        ),
    log:
        at("logs/objectives/{objective}.figure.log"),
    benchmark:
        at("benchmarks/objectives/{objective}.figure.tsv")
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("objective_figure"),
    script:
        "../scripts/objective_figure.py"


rule objective_gallery:
    input:
        expand(at("results/objectives/{objective}/oip.h5"), objective=list(OBJECTIVES)),
    output:
        report(
            at("results/objectives/gallery.png"),
            caption="../report/objective_gallery.rst",
            category="5 objectives",
        ),
    log:
        at("logs/objectives/gallery.log"),
    benchmark:
        at("benchmarks/objectives/gallery.tsv")
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        code=code("objective_figure"),
    script:
        "../scripts/objective_figure.py"
