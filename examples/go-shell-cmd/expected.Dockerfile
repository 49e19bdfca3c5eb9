# banner: prints a greeting banner.
#
# Build:  docker build -t banner .
# Run:    docker run --rm banner

from golang:1.22 AS builder

LABEL maintainer="dev@example.com" \
      org.opencontainers.image.title="banner"

workdir /usr/src/app

# dependencies first for the layer cache
COPY go.mod ./
run go mod download

copy *.go ./

RUN go vet ./... && \
    GOFLAGS=-trimpath CGO_ENABLED=0 go build -ldflags "-s -w" -o app . && \
    ./app --name selftest > /dev/null

FROM gcr.io/distroless/static-debian12:nonroot
LABEL maintainer="dev@example.com" \
      org.opencontainers.image.title="banner"
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app/app ./app
HEALTHCHECK NONE
CMD ["./app", "--name", "world", "--shout", "--width", "30"]
