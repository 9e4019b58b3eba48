# Two entry points for a fresh machine (with ../shared beside the clone):
#   make table4   set up, then regenerate the paper's Table 4 with papermill from the committed caches
#   make test     set up, then run the whole test suite (what CI runs via .ci/run)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo table4 test book

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[notebooks,test,book]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/aznas data
	$(VENV)/bin/aznas score '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
	$(VENV)/bin/aznas score '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|' --dataset ImageNet16-120

# unit + integration tests, the book build and its browser check (tests/), then nbval on
# the notebooks (cells marked NBVAL_CHECK_OUTPUT must print what the committed notebook shows);
# one pytest-xdist worker per core, each test file (each notebook) whole on one worker
test: setup
	$(PY) -m pytest tests notebooks --nbval-lax -p no:cacheprovider -n auto --dist loadfile

table4: setup
	mkdir -p results
	$(VENV)/bin/papermill notebooks/table4.ipynb results/table4.ipynb

book: setup
	$(VENV)/bin/aznas book
