# The two everyday commands. `make test` is what CI runs.
SWIFT ?= swift

.PHONY: test build release prerequisites

prerequisites:
	scripts/install-prerequisites.sh

build:
	$(SWIFT) build --build-tests

test: build
	$(SWIFT) test
	scripts/check-leftovers.sh

release:
	$(SWIFT) build -c release
