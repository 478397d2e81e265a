# mnist-dreams: the workflow is workflow/Snakefile, where the snakemake-workflow-catalog, snakedeploy
# and `module` users look for it; this file lets `snakemake` run it from the repository root.
# The `include:` directive would keep this file's default target (none), not workflow/Snakefile's
# `all`: the call below is the one that directive makes, with the flag a module's include sets.
workflow.include("workflow/Snakefile", overwrite_default_target=True)
