# The everyday commands. `make test` is what CI runs; `make run` runs everything locally.
SWIFT ?= swift

.PHONY: test build release prerequisites run

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
run: release
	scripts/run-local.sh
