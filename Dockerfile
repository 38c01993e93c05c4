# leadbridge: a static binary on distroless, running as a non-root user.
#
#   docker build \
#     --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse --short=12 HEAD) \
#     -t leadbridge .
#
# The build fetches nothing but Go modules (through the Go module proxy);
# scripts/build.sh is the one build command, shared with CI
# (scripts/docker-build-check.sh builds and checks the same binary without
# Docker). Run it with deploy/docker-compose.yml.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first: this layer stays cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN VERSION="${VERSION}" COMMIT="${COMMIT}" OUT=/out/leadbridge sh scripts/build.sh \
 && /out/leadbridge version \
 && mkdir -p /out/data

# distroless/static: CA certificates (for the Partnero API), tzdata, and a
# "nonroot" user (65532); no shell, no package manager, no curl.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="leadbridge" \
      org.opencontainers.image.description="Form and CRM webhooks to Partnero leads" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /out/leadbridge /usr/local/bin/leadbridge
# /data holds the SQLite store; a new named volume takes this owner.
COPY --from=build --chown=65532:65532 /out/data /data
# Public listener on every interface of the container (publish it).
# The admin listener (/readyz, /metrics, /admin/*) must also listen on
# 0.0.0.0 inside the container: Docker forwards a published port to the
# container's own address, never to its loopback, so 127.0.0.1:9090 here
# could not be reached at all. Keep it private where it is published
# instead: "127.0.0.1:9090:9090" (deploy/docker-compose.yml). It is not
# EXPOSEd, so `docker run -P` does not publish it on every interface.
ENV LEADBRIDGE_ADDR=:8080 \
    LEADBRIDGE_ADMIN_ADDR=0.0.0.0:9090 \
    LEADBRIDGE_DB=/data/leadbridge.db \
    LEADBRIDGE_MAPPINGS=/etc/leadbridge/mappings
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
# Asks the admin listener's /healthz (LEADBRIDGE_ADMIN_ADDR, on 127.0.0.1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/leadbridge", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/leadbridge"]
CMD ["serve"]
