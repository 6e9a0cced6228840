# syntax=docker/dockerfile:1
#
# Xiezhi: a static binary on distroless (no shell, no curl, runs as nonroot).
#   docker build --build-arg VERSION="$(git describe --always --dirty)" -t xiezhi .
#   docker run -p 8080:8080 -v xiezhi-data:/data xiezhi
# With no XIEZHI_DATABASE_URL / XIEZHI_S3_ENDPOINT it keeps SQLite and photos
# under /data; docker-compose.yml wires MySQL and MinIO instead.

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOOS=linux GOTOOLCHAIN=local

COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/xiezhi ./cmd/xiezhi \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/xiezhi /xiezhi
# An empty /data owned by nonroot (uid 65532), so a fresh named volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
ENV XIEZHI_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
# distroless has no curl: the binary checks itself (GET http://127.0.0.1:8080/healthz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["/xiezhi", "healthcheck"]
ENTRYPOINT ["/xiezhi"]
CMD ["serve"]
