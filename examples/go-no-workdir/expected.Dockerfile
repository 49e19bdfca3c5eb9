FROM golang:1.22 AS builder

COPY . .

RUN CGO_ENABLED=0 go build -o app .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /go
COPY --from=builder /go/app ./app
COPY --from=builder /go/data ./data
EXPOSE 3000
CMD ["./app"]
