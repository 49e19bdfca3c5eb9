FROM rust:1.82 AS builder

WORKDIR /usr/src/wordcount
COPY . .

ENV RUSTFLAGS="-C debuginfo=0"
ENV APP_MODE=production
RUN cargo install --path .

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /usr/src/wordcount
ENV APP_MODE=production
COPY --from=builder /usr/local/cargo/bin/wordcount /usr/local/bin/wordcount
COPY --from=builder /usr/src/wordcount/data /usr/src/wordcount/data

CMD ["wordcount"]
