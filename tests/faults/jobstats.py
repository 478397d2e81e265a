"""What a snakemake run reports it will run, from its own "Job stats" table (dry and real runs alike)."""


def job_stats(output):
    """{rule: job count} of the first "Job stats" table in ``output`` (rule 'all' left out)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats"))
    jobs = {}
    for line in lines[start + 3 :]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    jobs.pop("all", None)
    return jobs
