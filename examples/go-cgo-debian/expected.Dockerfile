FROM golang:1.22 AS builder

WORKDIR /src

COPY go.mod ./
RUN go mod download

COPY . .
RUN go build -o /usr/local/bin/cgoapp .

FROM gcr.io/distroless/base-debian12:nonroot
WORKDIR /src
COPY --from=builder /usr/local/bin/cgoapp /usr/local/bin/cgoapp
ENTRYPOINT ["/usr/local/bin/cgoapp"]
