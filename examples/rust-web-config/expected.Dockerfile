FROM rust:1.82 AS builder

WORKDIR /srv/shop

ENV RUSTFLAGS="-C debuginfo=1"
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /srv/shop
COPY --from=builder /srv/shop/target/debug/shop /usr/local/bin/shop

COPY Rocket.toml ./
COPY templates ./templates
COPY static ./static

ENV ROCKET_PROFILE=release RUST_LOG=info
EXPOSE 8080
CMD ["shop"]
