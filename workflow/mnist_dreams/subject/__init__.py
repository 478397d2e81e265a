"""What is looked at: MNIST, the seed's CNN and a user's own model (read as data first), the
images a model sees (pixels → its input), which layer and maps a run takes, and where maps fire.
(Kept empty of imports: see ``plumbing``.)
"""
