//! The Dockerfiles both benchmarks measure: a small, a typical and a large one, and the
//! typical one grown by any number of setup steps.

use dockslim::context::MemContext;

/// 5 lines: the smallest real split.
pub const SMALL: &str = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";

/// ~30 lines, as real single-stage Dockerfiles look: directive, comments, apk, module
/// download, ENV, EXPOSE, HEALTHCHECK, USER.
pub const TYPICAL: &str = r#"# syntax=docker/dockerfile:1
# Build and run the API server.
FROM golang:1.22-alpine

# Tools the build needs.
RUN apk add --no-cache git ca-certificates tzdata

ENV GO111MODULE=on \
    GOPROXY=https://proxy.golang.org,direct
ENV APP_ENV production

WORKDIR /app

# Dependencies first, for the layer cache.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

# The binary.
RUN go build -ldflags="-s -w" -o /app/server .

EXPOSE 8080
LABEL org.opencontainers.image.source="https://example.com/app"
HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/server", "-healthcheck"]

USER 65532:65532
CMD ["/app/server", "-port", "8080"]
"#;

/// ~1,000 lines: the typical file with a long tail of setup steps in the builder.
pub fn large() -> String {
    with_steps(240)
}

/// The typical file with `steps` setup steps of 4 lines each (a comment, a RUN over two lines,
/// an ENV) in the builder.
pub fn with_steps(steps: usize) -> String {
    let mut setup = String::new();
    for i in 0..steps {
        setup.push_str(&format!(
            "# step {i}\nRUN echo \"setting up {i}\" && \\\n    mkdir -p /opt/step{i}\nENV STEP_{i}=done\n"
        ));
    }
    TYPICAL.replace("WORKDIR /app\n", &format!("{setup}WORKDIR /app\n"))
}

pub fn context() -> MemContext {
    MemContext::new()
        .with("go.mod", "module example.com/app\n\ngo 1.22\n")
        .with("go.sum", "")
        .with("main.go", "package main\n\nfunc main() {}\n")
}

/// The growth cases: (lines, setup steps) for about 100, 1,000 and 10,000 lines.
pub const GROWTH: [(usize, usize); 3] = [(100, 18), (1_000, 243), (10_000, 2_493)];
