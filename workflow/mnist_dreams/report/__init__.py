"""What a run tells: the summary of a run against the seed's numbers (claims), its tables, and
the figure helpers every part draws with. (Kept empty of imports: see ``plumbing``.)
"""
