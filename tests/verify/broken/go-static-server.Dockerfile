# A hand-written split of examples/go-static-server that forgets the stylesheet: the runtime
# stage gets the home page only, so GET /static/style.css answers 404.
FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o server .

FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=builder /app/server ./server
COPY --from=builder /app/static/index.html ./static/index.html
EXPOSE 8080
CMD ["./server"]
