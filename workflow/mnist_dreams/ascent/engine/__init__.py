"""The ascent engine: gradient ascent on input images, its concepts one module each (as lucent's
``optvis/{objectives, param, transform, render}`` and xplique's ``features_visualizations``).

- ``objectives``: what an ascent climbs — a map's mean (the seed's OIP), a channel, a neuron, a
  direction, a class score, weighted sums, the diversity among candidates: one composable kind.
- ``penalties``: terms on the image itself (L2, total variation, L1, blur), subtracted from an
  objective; the one registry every config key, param and step reads.
- ``parameterization``: pixels, or the Fourier basis with decorrelated colour (a gradient filter).
- ``transforms``: the robust ascent's random shift, zoom and rotation, and the seed's roll.
- ``step``: one compiled step builder per backend (TensorFlow, JAX) for every objective,
  parameterization and transform; DeepDream's layer gradient.
- ``driver``: batches of (map, start) pairs of many maps, chunks of epochs, the exact prune, progress.
- ``settings``: one frozen value for an ascent's options, built once from the config, which also
  says which of its keys enter a job's params.

Kept light: importing the package imports no Keras (the Snakefile reads ``settings`` and
``penalties`` at parse time).
"""

EPS = 1e-5  # added to a root mean square or a norm before dividing by it
