# Two entry points for a fresh machine (with ../shared beside the clone):
#   make table4   set up, then regenerate the paper's Table 4 with papermill from the committed caches
#   make test     set up, then run the whole test suite (what CI runs via .ci/run)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo table4 test book clean-book

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[notebooks,test,book]'
	$(PY) -m ipykernel install --user --name python3 >/dev/null
	touch $(STAMP)

demo: setup
	$(VENV)/bin/aznas data
	$(VENV)/bin/aznas score '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
	$(VENV)/bin/aznas score '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|' --dataset ImageNet16-120

test: setup
	$(PY) -m pytest tests
