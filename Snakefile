# mnist-dreams: what a small MNIST CNN learned, reproduced end to end.
# Table of contents only; rules live in workflow/rules, logic in workflow/mnist_dreams.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/cnn.smk"
include: "workflow/rules/clusters.smk"
include: "workflow/rules/mlp.smk"
include: "workflow/rules/precursor.smk"
include: "workflow/rules/oip.smk"
include: "workflow/rules/dream.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
