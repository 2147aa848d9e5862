# syntax=docker/dockerfile:1
# Every executable of the fleet in one small image: the API, the five workers and the admin
# CLI, built once with Swift's standard library linked in, on a slim Debian with only the C
# libraries they load. Each executable also has a target of its own (the same image with its
# name as the command), which is what compose.yaml builds:
#
#   docker build -t ticketing-fleet .                          # all of them; runs the api
#   docker build --target orders-worker -t ticketing-orders .  # the same image, runs orders-worker
#   docker run --rm ticketing-fleet orders-worker --help
#
# The build and run images must be the same Debian release (bookworm), since the binaries
# link the release's libhiredis 0.14 and libpq 5.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build -----------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        pkg-config libhiredis-dev libpq-dev libssl-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# The dependencies first, in a layer of their own: it is fetched again only when
# Package.swift changes, not on every change to the sources.
COPY Package.swift ./
RUN swift package resolve

# Every target's folder must exist for the package to load, tests and benchmarks included.
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks

# The executables the image carries; the workers find their SQL migrations in the
# <package>_<target>.resources folders beside them, so those are copied too.
ARG PRODUCTS="api auth-worker tickets-worker orders-worker expiration-worker payments-worker ticketing-admin"
RUN set -e; \
    for product in $PRODUCTS; do \
        swift build -c release --static-swift-stdlib --product "$product"; \
    done; \
    bin=$(swift build -c release --show-bin-path); \
    mkdir -p /staging/bin; \
    for product in $PRODUCTS; do cp "$bin/$product" /staging/bin/; done; \
    cp -R "$bin"/*.resources /staging/bin/

# --- run -------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
# libhiredis and libpq for our two clients, libcurl for Foundation's URLSession (payments calls
# Stripe), CA certificates for TLS to Stripe, Redis and Postgres; curl for health checks.
# Swift's own libraries are inside the binaries (--static-swift-stdlib).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libhiredis0.14 libpq5 libcurl4 libstdc++6 zlib1g ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
# A fixed numeric id, so Kubernetes can check runAsNonRoot without looking the name up.
RUN groupadd --system --gid 10001 ticketing \
    && useradd --system --uid 10001 --gid ticketing --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin ticketing
COPY --from=build /staging/bin/ /app/bin/
# No secret has a default here: on 0.0.0.0 the API refuses to start without JWT_KEY (its
# development key serves loopback only), and payments-worker without STRIPE_KEY (or, outside
# production, PAYMENT_GATEWAY=test).
ENV PATH=/app/bin:$PATH \
    HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0
WORKDIR /app
USER 10001:10001
# The API's port, and the port compose and the manifests give the workers' METRICS_PORT.
EXPOSE 3000 9090
CMD ["api"]

# --- one target per executable ---------------------------------------------------------------
FROM runtime AS api
CMD ["api"]

FROM runtime AS auth-worker
CMD ["auth-worker"]

FROM runtime AS tickets-worker
CMD ["tickets-worker"]

FROM runtime AS orders-worker
CMD ["orders-worker"]

FROM runtime AS expiration-worker
CMD ["expiration-worker"]

FROM runtime AS payments-worker
CMD ["payments-worker"]

FROM runtime AS ticketing-admin
ENTRYPOINT ["ticketing-admin"]
CMD ["--help"]

# The default target (a plain `docker build .`): every executable, running the api unless
# told otherwise; the Kubernetes manifests run this one image with a command each.
FROM runtime AS fleet
CMD ["api"]
