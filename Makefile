# Two commands on a fresh machine with Python >= 3.11:
#   make        install into .venv and run the default pipeline end to end
#   make test   run the test suite (what CI runs)
# The lock installs on Python 3.11-3.13 (TensorFlow 2.21, h5py 3.14 and immutables 0.21 have no
# wheels for 3.14): PYTHON defaults to the first of python3, python3.13, python3.12, python3.11 on
# the PATH that is one of those; `make PYTHON=...` picks another.
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
ifndef PYTHON
PYTHON := $(firstword $(foreach p,python3 python3.13 python3.12 python3.11,$(shell $(p) -c '$(SUPPORTED)' 2>/dev/null && echo $(p))) python3)
endif
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all

.PHONY: all install install-gpu gpu-wheels run paper test test-fast lint clean bench-gpu bench-default check-reruns check-config

all: run

$(BIN)/snakemake: envs/requirements.lock pyproject.toml
	@$(PYTHON) -c '$(SUPPORTED)' || { echo "$(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'): the pinned lock (TensorFlow 2.21) installs on Python 3.11, 3.12 or 3.13 only; install one of those, or run make PYTHON=python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r envs/requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/snakemake

# A GPU box: a venv over its own Python with JAX + CUDA (no TensorFlow; the box's JAX, numpy and the
# rest stay as they are), even where that Python is itself a venv; WHEELS=dir installs offline from
# a folder that `make gpu-wheels` filled where the network is (envs/gpu_box.py says how).
install-gpu:
	$(PYTHON) envs/gpu_box.py venv $(VENV) $(if $(WHEELS),--wheels $(WHEELS))

# Where the network is: the wheels the GPU box lacks, for its Python (3.12), into WHEELS (default
# gpu-wheels/), and MNIST as a file (mnist.npz) for the box, which has no network.
WHEELS_DIR ?= gpu-wheels
BOX_PYTHON ?= 3.12
gpu-wheels: install
	$(BIN)/python envs/gpu_box.py fill $(WHEELS_DIR) --python-version $(BOX_PYTHON)
	$(BIN)/snakemake resources/mnist.h5 --cores 1
	$(BIN)/python -c "import h5py, numpy as np; f = h5py.File('resources/mnist.h5'); np.savez('mnist.npz', **{k: f[k][()] for k in f})"

run: install
	$(BIN)/snakemake --cores $(CORES) $(ARGS)

# The full reproduction, every article at the seed's scale, in one sitting (docs/measurements.md: "The paper in
# one command"): checks free memory and disk first, then snakemake --cores $(CORES) --configfile
# config/paper.yaml, whose ETA and progress lines are the workflow's own (mnist_dreams.plan). Run it again
# to resume a killed run; a finished one plans nothing. ARGS: targets or snakemake options.
paper: install
	$(BIN)/python -m mnist_dreams.plumbing.paper_run --cores $(CORES) $(ARGS)

# The whole suite in TEST_WORKERS processes (pytest-xdist), each test file kept in one of them so
# its module fixtures are built once; most tests wait on snakemake subprocesses that start Python
# and TensorFlow on one core, so two workers overlap them on a 2-core box (TEST_WORKERS=0: serial).
# The 25 slowest steps are printed last: CI's log then says where its time went.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=25 $(ARGS)

# The unit tests alone (tests/unit: no snakemake run, no training beyond seconds), for a quick
# answer after a change; `make test` runs them too, with the workflow, fault, SLURM and browser
# tests of tests/workflow. In TEST_WORKERS processes as well: 196 s on 2 cores, 292 s in one.
test-fast: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile tests/unit $(ARGS)

# The GPU-bound part of the paper run on one GPU box (CNN, then precursor, OIP and dream of all
# 128 maps) through the real workflow; prints per-rule wall times, the total and the concurrency.
# On a CPU: make bench-gpu BENCH="--maps 46,56 --cores 2"  (docs/gpu-and-clusters.md)
# Offline by default: MNIST from the file `make gpu-wheels` wrote (MNIST=path for another).
BENCH ?= --profile profiles/gpu --maps all --maps-per-job 32
MNIST ?= mnist.npz
bench-gpu:
	@test -e $(MNIST) || { echo "$(MNIST): no MNIST file; make gpu-wheels writes one where the network is (or MNIST=path to an .npz or IDX folder)" >&2; exit 1; }
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(BIN)/python tests/bench/bench_workflow.py run --workdir bench-run --mnist $(MNIST) $(BENCH)

# The default preset from scratch in bench-default/ (download included), then its per-step table
# with the estimate for a slow AVX2-only 2-core box (docs/measurements.md: "The default preset on a slow box").
bench-default: install
	$(BIN)/python tests/bench/bench_workflow.py default --workdir bench-default --cores 2 --markdown

lint: install
	$(BIN)/ruff check .
	$(BIN)/snakefmt --check .
	$(BIN)/snakemake --lint

clean:
	rm -rf results/* logs benchmarks .snakemake

# Incremental equals fresh: every switch of tests/reruns.py on the tiny preset (~15 min on 2 cores),
# then a table; CI runs the switches of tests/workflow/test_workflow_switches.py.
check-reruns: install
	$(BIN)/python tests/reruns.py --workdir check-reruns

# Every bad config value tests/config_fuzz.py generates from the schema, both ways (--config and
# --configfile), on a finished tiny run: each refused before any job, naming its key, no traceback,
# results/ and resources/ unchanged (~10 min on 2 cores); CI runs a sample (test_fault_fuzz.py).
check-config: install
	$(BIN)/python tests/config_fuzz.py
