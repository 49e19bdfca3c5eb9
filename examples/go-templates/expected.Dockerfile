FROM golang:1.22-alpine AS builder

WORKDIR /app

COPY go.mod ./
RUN go mod download && go mod verify

COPY . .
RUN CGO_ENABLED=0 go build -o server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=builder /app/server ./server
COPY --from=builder /app/templates ./templates
COPY --from=builder /app/config ./config
ENV APP_CONFIG=config/app.json
EXPOSE 8080
USER 65532:65532
CMD ["./server"]
