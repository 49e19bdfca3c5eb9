# A hand-written split of examples/go-ca-certs onto an empty runtime image without the CA
# certificates the original's base image has: the program finds no certificates and exits 1.
FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o ca-check .

FROM scratch
WORKDIR /app
COPY --from=builder /app/ca-check ./ca-check
CMD ["./ca-check"]
