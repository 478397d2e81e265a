rule mnist:
    output:
        "resources/mnist.h5",
    log:
        "logs/data/mnist.log",
    benchmark:
        "benchmarks/data/mnist.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        data=data_params(),
        code=code("mnist"),
    script:
        "../scripts/mnist.py"
