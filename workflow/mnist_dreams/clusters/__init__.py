"""Article XIV: MiniBatchKMeans over K and every K's silhouette, cluster-distance features, their
normalizations, the MLPs on pixels and on distances, the normalization study, and their figures.
(Kept empty of imports: see ``plumbing``.)
"""
