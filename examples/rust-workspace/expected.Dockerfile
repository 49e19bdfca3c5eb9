FROM rust:1.82-slim AS builder

WORKDIR /app
COPY . .

RUN cargo build --release -p api

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=builder /app/target/release/api /app/target/release/api

ENV PORT=8080
EXPOSE 8080
CMD ["./target/release/api"]
