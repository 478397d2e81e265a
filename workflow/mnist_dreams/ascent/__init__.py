"""Gradient ascent on input images: the layer engine, precursor grids and screening, the random
search, OIPs, the 5-value rescue, dreams, and their figures. (Kept empty of imports: see ``plumbing``.)
"""
