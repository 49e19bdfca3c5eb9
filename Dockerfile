# dockslim's own image: built with the Rust toolchain, run on distroless/cc (glibc and libgcc,
# nothing else). `dockslim split --check Dockerfile` has nothing to change here.
#
#   docker build -t dockslim .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" dockslim split --check
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin dockslim

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /src/target/release/dockslim /usr/local/bin/dockslim
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/dockslim"]
CMD ["--help"]
