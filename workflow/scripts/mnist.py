"""Rule mnist: fetch, verify and store MNIST as resources/mnist.h5."""

import _bootstrap  # noqa: F401
from mnist_dreams.plumbing import logs, store
from mnist_dreams.subject import data

logs.to_file(snakemake.log[0])
p = snakemake.params.data
arrays, origin = data.load(p["source"], url=p.get("url"), url_sha256=p.get("url_sha256"), path=p.get("path"))
store.write_h5(snakemake.output[0], arrays, attrs=origin)
