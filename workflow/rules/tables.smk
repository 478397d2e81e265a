# Every TSV table also as an HTML page in the report: Snakemake's report offers a .tsv only as a
# download, an .html it shows. One rule per table (a figure-like job: reads a finished TSV).
TABLES = {
    "summary": (
        "results/summary",
        "The seed's numbers next to this run's",
        "0 Summary",
        "tables",
    ),
    "oip_summary": (
        at("results/oip/summary"),
        f"{LAYER} layer summary: one row per map",
        "2 OIPs",
        "layer",
    ),
    "rescue_summary": (
        at("results/rescue/summary"),
        "Maps without an OIP: 3 values per cell vs the finer grid",
        "2 OIPs",
        "finer precursor grid",
    ),
    "cluster_sweep": (
        "results/clusters/sweep",
        "KMeans sweep over K",
        "4 Clusters and MLP",
        "tables",
    ),
    "mlp_comparison": (
        "results/mlp/comparison",
        "MLP on pixels vs on cluster distances",
        "4 Clusters and MLP",
        "tables",
    ),
}


for table, (stem, title, category, subcategory) in TABLES.items():

    rule:
        name:
            f"{table}_table"
        input:
            f"{stem}.tsv",
        output:
            report(
                f"{stem}.html",
                caption=f"../report/{table}_table.rst",
                category=category,
                subcategory=subcategory,
            ),
        log:
            at(f"logs/tables/{table}.log"),
        benchmark:
            at(f"benchmarks/tables/{table}.tsv")
        localrule: True
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        params:
            title=title,
            code=code("html_table"),
        script:
            "../scripts/html_table.py"
