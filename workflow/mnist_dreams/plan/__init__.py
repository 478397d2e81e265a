"""A run's plan before its first job: what it will cost on this machine (``eta``), and the line that
says so under ``snakemake`` (``watch``). Above ``ascent`` and ``clusters``: it prices their work.
(Kept empty of imports: see ``plumbing``.)
"""
