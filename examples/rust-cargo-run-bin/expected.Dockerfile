FROM rust:1.82 AS builder

WORKDIR /usr/src/greeter
COPY . .

ENV GREETING=Hello
RUN cargo build --release

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /usr/src/greeter
ENV GREETING=Hello
COPY --from=builder /usr/src/greeter/target/release/greet /usr/local/bin/greet
CMD ["greet", "--name", "world"]
