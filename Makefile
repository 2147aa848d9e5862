# The everyday commands. `make test` is what CI runs; `make run` runs everything locally.
SWIFT ?= swift

.PHONY: test build release prerequisites run check-deploy

prerequisites:
	scripts/install-prerequisites.sh

build:
	$(SWIFT) build --build-tests

test: build
	$(SWIFT) test
	scripts/check-leftovers.sh

release:
	$(SWIFT) build -c release

# Redis and PostgreSQL (data in .data/), then the services, in the foreground; Ctrl-C stops all.
# More copies of a worker: `make run ORDERS=3` (also AUTH, TICKETS, EXPIRATION, PAYMENTS); make
# passes variables given on its command line to the script's environment.
# The packages come first: a fresh machine cannot build without libhiredis-dev and libpq-dev.
run: prerequisites release
	scripts/run-local.sh

# compose.yaml and deploy/k8s checked offline (schemas and cross-checks); no Docker or cluster.
check-deploy:
	scripts/check-deploy.sh
