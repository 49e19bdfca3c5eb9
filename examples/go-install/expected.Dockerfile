FROM golang:1.22 AS builder

ENV APP_GREETING="Hello from go install"
ENV APP_AUDIENCE=containers

WORKDIR /go/src/example.com/greeter
COPY go.mod ./
COPY *.go ./
COPY internal ./internal

RUN CGO_ENABLED=0 go install -v ./...

FROM gcr.io/distroless/static-debian12:nonroot
ENV APP_GREETING="Hello from go install"
ENV APP_AUDIENCE=containers
WORKDIR /go/src/example.com/greeter
COPY --from=builder /go/bin/greeter /usr/local/bin/greeter
CMD ["greeter"]
