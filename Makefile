# The two set-up commands of README.md: `make demo` and `make test`.
# Each installs what it needs (scripts/setup.sh) before it runs.
.PHONY: demo test workbooks bench setup docs-images dist

setup:
	bash scripts/setup.sh

# The main job on a bundled workbook: validate it, then regenerate its frame
# table into a copy (the bundled file itself is never touched).
demo: setup
	bash scripts/demo.sh

# The whole test suite, including the LibreOffice checks.
test:
	bash scripts/setup.sh --libreoffice
	.venv/bin/python -m pytest -q

# Rebuild workbooks/*.xlsx and *.xlsm from the versioned inputs in workbooks/src/.
workbooks: setup
	.venv/bin/xlmodel bygg workbooks/src --ut workbooks

bench: setup
	.venv/bin/python -m bench

# The pictures in docs/images/: each shipped workbook's key sheets as LibreOffice renders them.
docs-images:
	bash scripts/setup.sh --libreoffice
	.venv/bin/python scripts/render_docs_images.py

# A wheel to install on a controller's PC without git: dist/xlmodel-<version>-py3-none-any.whl.
# It requires the pinned xlwings (xlwings==0.37.8 in pyproject.toml), which pip installs with it:
#   pip install xlmodel-<version>-py3-none-any.whl   (docs/excel.md, section 1)
dist: setup
	rm -rf build dist/xlmodel-*.whl
	.venv/bin/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls dist/xlmodel-*.whl
