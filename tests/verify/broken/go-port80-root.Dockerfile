# A hand-written split of examples/go-port80-root that moves the server to a non-root runtime
# image: it now runs as uid 65532, which may not bind port 80 (on a host network, or under a
# runtime that does not lower ip_unprivileged_port_start).
FROM golang:1.22 AS builder
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/hello80 .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /src
COPY --from=builder /usr/local/bin/hello80 /usr/local/bin/hello80
EXPOSE 80
CMD ["hello80"]
