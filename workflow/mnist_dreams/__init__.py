"""mnist-dreams: what a small MNIST CNN learned, as OIPs, precursors, dreams and clusters.

Every module is importable without Snakemake; the rule scripts in ``workflow/scripts`` are thin
adapters around these functions.
"""

__version__ = "0.2.0"  # the workflow's own (rules/package.smk), tagged v0.2.0
