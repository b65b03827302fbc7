# Backprop by Hand: build the book, run the tests, release the exercises.
#
#   make book          build the course website into _build/html
#   make test          run every test
#   make bench-book    time cold, no-op and one-chapter-edit builds of the website
#   make book-instructor  the website plus the reference solutions, into _build/instructor/ (never publish it)
#   make exercises     regenerate exercises/ (student release) from solutions/
#   make lab           JupyterLab on a copy of the exercises and chapters (my-work/), with nbgrader's Validate
#   make grade ASSIGNMENT=a1_forward_pass   grade submitted/<student>/<assignment>/ for the whole class:
#                      autograde (student code confined, in parallel), feedback, grades CSV, HTML report.
#                      Options: ZIP=<LMS download.zip> STUDENTS=a,b DB=<SQLAlchemy URL> UNSAFE=1
#                      COURSE=<folder> TIMEOUT=<seconds per cell> SUBMISSION_TIMEOUT=<seconds per notebook>
#                      WORKERS=<processes>
#                      LMS=canvas|moodle  with ZIP= (the LMS's download): also reports/<assignment>/<lms>-feedback.zip,
#                      the feedback pages named for the LMS's bulk upload; ROSTER=<gradebook export.csv> also
#                      reports/<assignment>/<lms>-grades.csv, that file with this assignment's column filled in
#                      (COLUMN=<its header> if it is not titled as the assignment), ready to import
#                      CLUSTER=tls://host:8786 TLS=<certificates' folder>: grade on a Dask cluster (DB= must
#                      be PostgreSQL); the same report, CSV and feedback as a run on this machine
#   make grade-scheduler  start a Dask scheduler for grading (TLS=cluster-tls HOST=0.0.0.0 PORT=8786), making the
#                      course's certificates in TLS= if there are none; prints its address
#   make grade-worker SCHEDULER=tls://host:8786   start grading workers on this machine (TLS=<copy of the
#                      certificates> PROCESSES=<n> UNSAFE=1); they need the course's environment, not its folder
#   make grade-demo    make a demo class (correct, partial, wrong, broken submissions) in demo-course/ and grade it
#   make bench-grade   time plain sequential nbgrader against make grade on the same class (benchmark);
#                      CLUSTER=local: the local pool against a local Dask cluster, and 1 cluster worker against 2
#
# By default everything runs in a virtual environment .venv made from
# requirements.txt. To use an environment you already have, as it is:
#   make test PYTHON=/some/env/bin/python

BOOTSTRAP_PYTHON ?= python3.11
VENV := .venv

ifdef PYTHON
SETUP :=
else
PYTHON := $(VENV)/bin/python
SETUP := $(VENV)/.installed
endif
BIN := $(dir $(PYTHON))
NPM ?= $(BIN)npm
# The website's JavaScript (MathJax, the widget renderer), served by the site itself.
WEB_ASSETS := web/node_modules/.installed

# The assignments: one folder per assignment in solutions/.
ASSIGNMENTS := $(notdir $(wildcard solutions/*))

# JupyterLab refuses to run as root unless told it may.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: book book-instructor bench-book test exercises lab grade grade-scheduler grade-worker grade-demo bench-grade clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@command -v $(BOOTSTRAP_PYTHON) >/dev/null || { echo "error: $(BOOTSTRAP_PYTHON) not found; install Python 3.11 or run make BOOTSTRAP_PYTHON=/path/to/python3.11"; exit 1; }
	$(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --progress-bar on -r requirements.txt
	touch $@

$(WEB_ASSETS): web/package.json web/package-lock.json $(SETUP)
	$(NPM) ci --prefix web --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

book: $(SETUP) $(WEB_ASSETS)
	$(BIN)jupyter-book build . --path-output .
	@echo ""
	@echo "The course website is built. Open it in a browser:"
	@echo "    file://$(CURDIR)/_build/html/index.html"

book-instructor: $(SETUP) $(WEB_ASSETS)
	$(PYTHON) web/instructor_book.py

bench-book: $(SETUP) $(WEB_ASSETS)
	$(PYTHON) web/bench_book.py

test: $(SETUP) $(WEB_ASSETS)
	$(PYTHON) -m pytest

# nbgrader keeps a gradebook even for a release; it goes to a throw-away folder. nbgrader runs
# the `alembic` script it finds on PATH, so this environment's scripts come first.
exercises: $(SETUP)
	@tmp=$$(mktemp -d) && for a in $(ASSIGNMENTS); do \
		PATH="$(abspath $(BIN)):$$PATH" $(BIN)nbgrader generate_assignment "$$a" --force --log-level=WARN \
			--CourseDirectory.db_url="sqlite:///$$tmp/gradebook.db" || exit 1; \
	done; rm -rf "$$tmp"

# Students work on a copy, so that their answers never touch the released notebooks and a
# newer release never overwrites their answers: only notebooks not yet in my-work/ are copied.
# The chapters come along as notebooks (my-work/chapters/), so their explorers run live; the
# website's "live in JupyterLab" links point at them on port 8888.
lab: $(SETUP)
	@mkdir -p my-work/chapters && cp -rn exercises/. my-work/
	@for chapter in chapters/*.md; do \
		target=my-work/chapters/$$(basename "$$chapter" .md).ipynb; \
		[ -e "$$target" ] || $(BIN)jupytext --quiet --to ipynb "$$chapter" -o "$$target"; \
	done
	$(BIN)jupyter lab --notebook-dir=my-work --ServerApp.port=8888 $(ALLOW_ROOT)

clean:
	rm -rf _build

# The course folder to grade in (nbgrader_config.py, solutions/, submitted/): by default this one.
COURSE ?= .

grade: $(SETUP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=<name> [ZIP=file.zip] [LMS=canvas|moodle] [ROSTER=export.csv] [STUDENTS=a,b] [DB=url] [UNSAFE=1]"; echo "assignments: $(ASSIGNMENTS)"; exit 2; }
	$(PYTHON) -m classgrader $(ASSIGNMENT) --course $(COURSE) $(if $(ZIP),--zip $(ZIP)) \
		$(if $(STUDENTS),--students $(STUDENTS)) $(if $(DB),--db '$(DB)') $(if $(filter 1,$(UNSAFE)),--unsafe) \
		$(if $(TIMEOUT),--cell-timeout $(TIMEOUT)) $(if $(SUBMISSION_TIMEOUT),--submission-timeout $(SUBMISSION_TIMEOUT)) \
		$(if $(WORKERS),--workers $(WORKERS)) $(if $(LMS),--lms '$(LMS)') $(if $(ROSTER),--roster '$(ROSTER)') \
		$(if $(COLUMN),--lms-column '$(COLUMN)') $(if $(CLUSTER),--cluster '$(CLUSTER)') $(if $(TLS),--tls '$(TLS)') \
		$(if $(CLUSTER_WAIT),--cluster-wait $(CLUSTER_WAIT))

# A grading cluster: one scheduler, and workers on any number of machines with this environment.
# The certificates' folder: TLS=, or cluster-tls/ here (make grade: in the course folder).

grade-scheduler: $(SETUP)
	$(PYTHON) -m classgrader.cluster scheduler --tls '$(or $(TLS),cluster-tls)' $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

grade-worker: $(SETUP)
	@test -n "$(SCHEDULER)" || { echo "usage: make grade-worker SCHEDULER=tls://host:8786 [TLS=folder] [PROCESSES=n] [UNSAFE=1]"; exit 2; }
	$(PYTHON) -m classgrader.cluster worker '$(SCHEDULER)' --tls '$(or $(TLS),cluster-tls)' $(if $(PROCESSES),--processes $(PROCESSES)) \
		$(if $(filter 1,$(UNSAFE)),--unsafe) $(if $(NAME),--name '$(NAME)')

DEMO_ASSIGNMENT ?= a1_forward_pass

grade-demo: $(SETUP)
	$(PYTHON) -m classgrader.demo $(DEMO_ASSIGNMENT) demo-course
	$(PYTHON) -m classgrader $(DEMO_ASSIGNMENT) --course demo-course --cell-timeout 10

# CLUSTER=local: the local pool against a local Dask cluster, and one cluster worker against two.
bench-grade: $(SETUP)
ifeq ($(CLUSTER),local)
	$(PYTHON) -m tests.bench_cluster $(or $(ASSIGNMENT),a1_forward_pass) $(if $(COPIES),--copies $(COPIES))
else
	$(PYTHON) -m classgrader.bench $(or $(ASSIGNMENT),a1_forward_pass)
endif
