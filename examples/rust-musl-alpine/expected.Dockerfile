FROM rust:1.82-alpine3.20 AS builder

RUN apk add --no-cache musl-dev

WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /src
COPY --from=builder /src/target/release/hasher /src/target/release/hasher

USER nobody
ENTRYPOINT ["/src/target/release/hasher"]
