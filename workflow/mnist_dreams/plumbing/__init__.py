"""The plumbing every part stands on: HDF5/TSV stores and provenance, logs and progress lines,
process settings (runtime) and the one backend-specific module, chunks of maps, config typing,
code hashes, and ``make paper``'s driver.

Kept empty of imports: a rule's code hash covers the modules its script reaches, and a package
``__init__`` that imported its modules would make every rule depend on all of them.
"""
