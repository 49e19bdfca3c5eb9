# A hand-written split of examples/go-dotenv that forgets the .env file the program reads at
# start: the runtime stage gets the binary only, and the server exits before it listens.
FROM golang:1.22 AS builder
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o greeter .

FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=builder /app/greeter ./greeter
EXPOSE 8080
CMD ["./greeter"]
