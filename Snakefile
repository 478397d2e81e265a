# mnist-dreams: what a small MNIST CNN learned, reproduced end to end.
# Table of contents only; rules live in workflow/rules, logic in workflow/mnist_dreams.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/maps.smk"
include: "workflow/rules/params.smk"
include: "workflow/rules/targets.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/cnn.smk"
include: "workflow/rules/clusters.smk"
include: "workflow/rules/mlp.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/precursor.smk"
include: "workflow/rules/oip.smk"
include: "workflow/rules/pages.smk"
include: "workflow/rules/objectives.smk"
include: "workflow/rules/dream.smk"
include: "workflow/rules/rescue.smk"
include: "workflow/rules/data_starts.smk"
include: "workflow/rules/trust.smk"
include: "workflow/rules/example.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/tables.smk"


# Local rules (run on the submit host, not as cluster jobs: the download, since compute nodes often
# lack internet, and the light steps that only read finished results into summaries and figures)
# say so in their own rule, `localrule: True`: one home, beside the rule's other resources.


rule all:
    default_target: True
    input:
        check_rule_options,
        final_outputs(),
