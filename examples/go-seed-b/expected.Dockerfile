FROM golang:1.22 AS builder
WORKDIR /work/app
COPY main.go go.mod ./
RUN go mod tidy
RUN CGO_ENABLED=0 go build .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /work/app
COPY --from=builder /work/app/main ./main
CMD ["./main"]
