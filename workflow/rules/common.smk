# Shared helpers: config validation (fills defaults), wildcard constraints, target lists.
from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")


wildcard_constraints:
    map=r"\d{3}",


ENV = "../../envs/mnist-dreams.yaml"


def final_outputs():
    """Everything the default target builds."""
    return [
        "resources/mnist.h5",
        "results/cnn/model.keras",
        "results/cnn/training.h5",
        "results/cnn/training.png",
    ]
