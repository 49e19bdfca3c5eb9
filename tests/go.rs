//! Go rewrites on in-memory contexts: artifact paths, cgo, runtime choice, what crosses into
//! the runtime stage, and the refusals.

use dockslim::config::Config;
use dockslim::context::MemContext;
use dockslim::template::{RuntimeKind, TemplateSet};
use dockslim::{Options, Outcome};

const MAIN: &str = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n";

fn ctx() -> MemContext {
    MemContext::new()
        .with("go.mod", "module example.com/app\n\ngo 1.22\n")
        .with("main.go", MAIN)
}

fn split_with(df: &str, ctx: &MemContext, runtime: Option<RuntimeKind>) -> Result<String, String> {
    let config = Config::default();
    let opts = Options {
        lang: None,
        runtime,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    match dockslim::split(df, ctx, &opts).map_err(|e| format!("error: {e}"))? {
        Outcome::Rewritten { text, .. } => Ok(text),
        Outcome::LeftAsIs(r) => Err(r.to_string()),
    }
}

fn split(df: &str, ctx: &MemContext) -> Result<String, String> {
    split_with(df, ctx, None)
}

/// The runtime stage (everything from the second FROM on).
fn runtime(out: &str) -> &str {
    let first = out.find("FROM ").unwrap_or(0);
    let second = out[first + 1..].find("\nFROM ").map_or(0, |p| first + p + 2);
    &out[second..]
}

/// The summary line of a rewrite (or the reason it was left as is).
fn summary(df: &str, ctx: &MemContext) -> String {
    let config = Config::default();
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    match dockslim::split(df, ctx, &opts).expect("no error") {
        Outcome::Rewritten { summary, .. } => summary.to_string(),
        Outcome::LeftAsIs(r) => format!("left as is: {r}"),
    }
}

#[test]
fn artifact_paths() {
    // Binaries outside the application directory are copied on their own; those inside it
    // cross with it (the start command must run the binary the build makes, or the file is
    // left as is: every case here is rewritten).
    let cases = [
        (
            "WORKDIR /src\nCOPY . .\nRUN go build -o /bin/app .\nCMD [\"/bin/app\"]",
            Some("COPY --from=builder /bin/app /bin/app"),
        ),
        (
            "WORKDIR /src\nCOPY . .\nRUN go build -o out/ .\nCMD [\"./out/app\"]",
            None,
        ),
        ("WORKDIR /src\nCOPY . .\nRUN go build main.go\nCMD [\"./main\"]", None),
        (
            "WORKDIR /src\nCOPY . .\nRUN cd cmd/.. && go build -o=srv\nCMD [\"/src/srv\"]",
            None,
        ),
        (
            "WORKDIR /src\nCOPY . .\nRUN go build && mv app /usr/local/bin/\nCMD [\"app\"]",
            Some("COPY --from=builder /usr/local/bin/app /usr/local/bin/app"),
        ),
        (
            "WORKDIR /src\nCOPY . .\nRUN GOBIN=/opt/bin go install .\nCMD [\"/opt/bin/app\"]",
            Some("COPY --from=builder /opt/bin/app /opt/bin/app"),
        ),
        (
            "WORKDIR /src\nCOPY . .\nRUN go install\nCMD [\"app\"]",
            Some("COPY --from=builder /go/bin/app /usr/local/bin/app"),
        ),
        (
            "WORKDIR /src\nCOPY . .\nRUN [\"go\", \"build\", \"-o\", \"/app\", \".\"]\nENTRYPOINT [\"/app\"]",
            Some("COPY --from=builder /app /app"),
        ),
        (
            "WORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/ ./cmd/...\nCMD [\"api\"]",
            Some("COPY --from=builder /usr/local/bin/api /usr/local/bin/api"),
        ),
        (
            "WORKDIR /src\nCOPY . .\nRUN go install ./...\nCMD [\"worker\"]",
            Some("COPY --from=builder /go/bin/worker /usr/local/bin/worker"),
        ),
    ];
    let c = ctx().with("cmd/api/main.go", MAIN).with("cmd/worker/main.go", MAIN);
    for (body, want) in cases {
        let df = format!("FROM golang:1.22\n{body}\n");
        let out = split(&df, &c).unwrap_or_else(|e| panic!("{body}: {e}"));
        let rt = runtime(&out);
        assert!(rt.contains("COPY --from=builder /src /src\n"), "{body}:\n{out}");
        if let Some(want) = want {
            assert!(rt.contains(want), "{body}:\n{out}");
        }
    }
}

#[test]
fn module_version_suffix_and_subpackage_names() {
    let c = MemContext::new()
        .with("go.mod", "module github.com/acme/tool/v3\n")
        .with("main.go", MAIN)
        .with("cmd/api/main.go", MAIN);
    let df = |build: &str, cmd: &str| format!("FROM golang:1.22\nWORKDIR /w\nCOPY . .\nRUN {build}\nCMD [\"{cmd}\"]\n");
    assert!(split(&df("go build", "./tool"), &c).is_ok());
    assert!(split(&df("go build ./cmd/api", "./api"), &c).is_ok());
    assert_eq!(
        split(&df("go build", "./v3"), &c).unwrap_err(),
        "the start command runs `./v3`, not the binary the build makes (/w/tool)"
    );
}

#[test]
fn a_module_made_by_go_mod_init_names_the_binary() {
    // ehsanDadashi/DockerFile: no go.mod in the context; `go mod init main.go` makes one, and
    // `go build` writes /home/app/main.go (over the source file), which CMD runs.
    let c = MemContext::new().with("main.go", MAIN);
    let df = |init: &str, cmd: &str| {
        format!("FROM golang:1.21\nWORKDIR /home/app\nCOPY . /home/app\nRUN {init}\nRUN go build\nCMD [\"{cmd}\"]\n")
    };
    let out = split(&df("go mod init main.go", "/home/app/main.go"), &c).expect("rewritten");
    assert!(
        runtime(&out).contains("COPY --from=builder /home/app /home/app"),
        "{out}"
    );
    assert!(split(&df("go mod init example.com/x/server/v2", "./server"), &c).is_ok());
    // Without the init the directory names it, as before.
    assert_eq!(
        split(&df("go env", "/home/app/main.go"), &c).unwrap_err(),
        "the start command runs `/home/app/main.go`, not the binary the build makes (/home/app/app)"
    );
}

#[test]
fn the_application_directory_crosses_whole() {
    let c = ctx()
        .with("words.txt", "a b c\n")
        .with("static/style.css", "p{}")
        .with(".env", "A=1\n")
        .with("vendor/modules.txt", "# vendored\n");
    let out = split(
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n",
        &c,
    )
    .unwrap();
    let rt = runtime(&out);
    assert!(rt.contains("COPY --from=builder /src /src\n"), "{out}");
    for f in ["words.txt", "static", ".env"] {
        assert!(
            !rt.contains(&format!("/src/{f}")),
            "no file list: {f} crosses with /src:\n{out}"
        );
    }
    // vendored module sources are compiled in: removed in the builder before the copy.
    assert!(
        out.contains("RUN CGO_ENABLED=0 go build -o /app .\nRUN rm -rf vendor\n\nFROM"),
        "{out}"
    );
    // A file written by a RUN outside the application directory crosses too.
    let out = split(
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN mkdir -p /data && go build -o /app .\nCMD [\"/app\"]\n",
        &ctx(),
    )
    .unwrap();
    assert!(runtime(&out).contains("COPY --from=builder /data /data\n"), "{out}");
}

#[test]
fn the_runtime_user_is_the_original_one() {
    let base = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
    // No USER: root, on the root distroless tag.
    let df = format!("{base}EXPOSE 80\nCMD [\"/app\"]\n");
    let out = split(&df, &ctx()).unwrap();
    assert!(
        out.contains("\nFROM gcr.io/distroless/static-debian12:latest\n"),
        "{out}"
    );
    assert!(!out.contains(":nonroot") && !out.contains("USER"), "{out}");
    assert!(summary(&df, &ctx()).contains("runs as root"));
    // A non-root USER stays.
    let df = format!("{base}USER 1000:1000\nCMD [\"/app\"]\n");
    assert!(summary(&df, &ctx()).contains("runs as 1000:1000"));
    // A user the Dockerfile creates with a home gets it, and the passwd that names it.
    let df = "FROM golang:1.22\nRUN useradd --create-home app\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nUSER app\nCMD [\"/app\"]\n";
    let rt = runtime(&split(df, &ctx()).unwrap()).to_string();
    for f in ["/etc/passwd", "/etc/group", "/home/app"] {
        assert!(rt.contains(&format!("COPY --from=builder {f} {f}\n")), "{f}:\n{rt}");
    }
}

#[test]
fn a_non_root_runtime_is_an_explicit_choice() {
    let config = Config {
        nonroot: Some(true),
        ..Config::default()
    };
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    let run = |df: &str| match dockslim::split(df, &ctx(), &opts).unwrap() {
        Outcome::Rewritten { text, summary } => Ok((text, summary)),
        Outcome::LeftAsIs(r) => Err(r.to_string()),
    };
    let base = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
    let (out, summary) = run(&format!("{base}CMD [\"/app\"]\n")).unwrap();
    assert!(
        out.contains("\nFROM gcr.io/distroless/static-debian12:nonroot\n"),
        "{out}"
    );
    assert!(
        out.contains("COPY --from=builder --chown=65532:65532 /src /src\n"),
        "{out}"
    );
    assert!(summary.announced.contains(&dockslim::summary::ConfigChange::User));
    assert_eq!(
        run(&format!("{base}EXPOSE 80\nCMD [\"/app\"]\n")).unwrap_err(),
        "EXPOSE at line 5 names port 80, which a non-root program cannot bind (--nonroot was asked for)"
    );
    assert!(
        run(&format!("{base}VOLUME /data\nCMD [\"/app\"]\n"))
            .unwrap_err()
            .starts_with("VOLUME /data")
    );
}

#[test]
fn packages_the_program_may_use_are_installed() {
    let base = "FROM golang:1.22\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev git ca-certificates\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";
    let out = split(base, &ctx()).unwrap();
    let rt = runtime(&out);
    assert!(
        rt.starts_with("FROM debian:bookworm-slim\n"),
        "git needs a package manager:\n{out}"
    );
    assert!(
        rt.contains("RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*\n"),
        "gcc and libc6-dev are build-only:\n{out}"
    );
    assert!(summary(base, &ctx()).contains("installs git ca-certificates"));
    // Only build-only packages: nothing to install, distroless stays.
    let df = base.replace(" git ca-certificates", "");
    assert!(
        split(&df, &ctx())
            .unwrap()
            .contains("\nFROM gcr.io/distroless/static-debian12:latest\n")
    );
    // Packages from a repository the Dockerfile adds cannot be installed again.
    let df = base.replace("RUN apt-get update", "RUN add-apt-repository ppa:x/y && apt-get update");
    assert!(
        split(&df, &ctx()).unwrap_err().contains("changes the package sources"),
        "{df}"
    );
}

#[test]
fn programs_the_code_runs_must_exist() {
    let c = ctx().with(
        "git.go",
        "package main\n\nimport \"os/exec\"\n\nfunc rev() { exec.Command(\"git\", \"rev-parse\", \"HEAD\").Run() }\n",
    );
    let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";
    let out = split(df, &c).unwrap();
    let rt = runtime(&out);
    assert!(
        // The builder's own distribution, so the program runs the same git.
        rt.starts_with("FROM debian:bookworm-slim\n")
            && rt.contains("install -y --no-install-recommends ca-certificates git"),
        "{out}"
    );
    // Asked for distroless: refused, naming the call.
    assert_eq!(
        split_with(df, &c, Some(RuntimeKind::Distroless)).unwrap_err(),
        "the program (git.go starts `git`) runs `git`, which gcr.io/distroless/static-debian12:latest lacks (runtime distroless was asked for)"
    );
    // A program the builder lacks too changes nothing.
    let c = ctx().with(
        "x.go",
        "package main\nfunc f() { exec.Command(\"frobnicate\").Run() }\n",
    );
    assert!(
        split(df, &c)
            .unwrap()
            .contains("FROM gcr.io/distroless/static-debian12:latest")
    );
}

#[test]
fn time_zones_and_certificates_where_the_runtime_lacks_them() {
    let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";
    let out = split_with(df, &ctx(), Some(RuntimeKind::Scratch)).unwrap();
    let rt = runtime(&out);
    for f in ["/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo"] {
        assert!(rt.contains(&format!("COPY --from=builder {f} {f}\n")), "{f}:\n{out}");
    }
    let out = split_with(df, &ctx(), Some(RuntimeKind::Alpine)).unwrap();
    assert!(runtime(&out).contains("RUN apk add --no-cache tzdata\n"), "{out}");
    let out = split_with(df, &ctx(), Some(RuntimeKind::DebianSlim)).unwrap();
    assert!(
        runtime(&out).contains("apt-get install -y --no-install-recommends ca-certificates"),
        "{out}"
    );
}

#[test]
fn the_target_platform_is_not_a_cross_compile() {
    let df = "FROM golang:1.22\nARG TARGETOS\nARG TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -o /app .\nCMD [\"/app\"]\n";
    assert!(split(df, &ctx()).is_ok(), "{:?}", split(df, &ctx()));
}

#[test]
fn exec_form_build_gets_an_env_line() {
    let out = split(
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN [\"go\", \"build\", \"-o\", \"/app\", \".\"]\nCMD [\"/app\"]\n",
        &ctx(),
    )
    .unwrap();
    assert!(out.contains("COPY . .\nENV CGO_ENABLED=0\nRUN [\"go\""), "{out}");
    assert!(
        !runtime(&out).contains("CGO_ENABLED"),
        "build-only ENV stays in the builder:\n{out}"
    );
}

#[test]
fn heredoc_build() {
    let df = "# syntax=docker/dockerfile:1\nFROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN <<EOF\nset -e\ngo build -o /app .\nEOF\nCMD [\"/app\"]\n";
    let out = split(df, &ctx()).unwrap();
    assert!(
        out.contains("RUN <<EOF\nset -e\nCGO_ENABLED=0 go build -o /app .\nEOF\n\nFROM gcr.io/distroless"),
        "{out}"
    );
}

#[test]
fn cgo_detection() {
    let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";
    let c = ctx().with(
        "native.go",
        "package main\n\n// int two() { return 2; }\nimport \"C\"\n",
    );
    let out = split(df, &c).unwrap();
    assert!(out.contains("FROM gcr.io/distroless/base-debian12:latest"), "{out}");
    assert!(out.contains("RUN go build -o /app ."), "cgo stays on:\n{out}");
    let out = split(&df.replace("RUN go", "RUN CGO_ENABLED=1 go"), &ctx()).unwrap();
    assert!(out.contains("base-debian12"), "{out}");
    let out = split(&df.replace("golang:1.22", "golang:1.22-bullseye"), &c).unwrap();
    assert!(out.contains("FROM gcr.io/distroless/base-debian11:latest"), "{out}");
    let out = split(&df.replace("golang:1.22", "golang:1.21-alpine3.19"), &c).unwrap();
    assert!(out.contains("\nFROM alpine:3.19\n"), "{out}");
    // CGO_ENABLED=0 already set: no edit to the build.
    let out = split(&df.replace("WORKDIR /src", "ENV CGO_ENABLED=0\nWORKDIR /src"), &ctx()).unwrap();
    assert!(
        out.contains("RUN go build -o /app .") && out.contains("static-debian12"),
        "{out}"
    );
    assert_eq!(
        split_with(df, &c, Some(RuntimeKind::Alpine)).unwrap_err(),
        "a cgo binary linked to glibc (native.go imports \"C\") cannot run on alpine"
    );
}

#[test]
fn settings_cross_into_the_runtime_stage() {
    let df = "FROM golang:1.22\nARG VERSION=1\nENV APP_MODE=prod GOFLAGS=-mod=vendor\nENV LABEL_V=$VERSION\nEXPOSE 8080\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nUSER 1000:1000\nCMD [\"/app\"]\n";
    let out = split(df, &ctx()).unwrap();
    let rt = runtime(&out);
    assert!(rt.contains("ARG VERSION=1\n"), "{out}");
    assert!(rt.contains("ENV APP_MODE=prod\n"), "GOFLAGS dropped:\n{out}");
    assert!(rt.contains("ENV LABEL_V=$VERSION\n"), "{out}");
    assert!(rt.contains("EXPOSE 8080\n"), "{out}");
    assert!(
        !out[..out.find("\nFROM gcr").unwrap()].contains("EXPOSE"),
        "EXPOSE moved:\n{out}"
    );
    assert!(rt.ends_with("USER 1000:1000\nCMD [\"/app\"]\n"), "{out}");
}

#[test]
fn named_user_brings_passwd() {
    let df = "FROM golang:1.22\nRUN useradd -r app\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nUSER app\nCMD [\"/app\"]\n";
    let out = split(df, &ctx()).unwrap();
    assert!(
        runtime(&out)
            .contains("COPY --from=builder /etc/passwd /etc/passwd\nCOPY --from=builder /etc/group /etc/group\n"),
        "{out}"
    );
}

#[test]
fn shell_needs_pick_a_runtime_with_a_shell() {
    let base = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
    // Variable expansion in a shell-form CMD: alpine (static binary, has sh).
    let out = split(&format!("{base}CMD /app --port $PORT\n"), &ctx()).unwrap();
    assert!(
        out.contains("\nFROM alpine:3.20\n") && out.ends_with("CMD /app --port $PORT\n"),
        "{out}"
    );
    // A RUN after the build that alpine can run.
    let out = split(
        &format!("{base}RUN mkdir -p /data && chown 65532 /data\nCMD [\"/app\"]\n"),
        &ctx(),
    )
    .unwrap();
    assert!(out.contains("\nFROM alpine:3.20\n"), "{out}");
    // apt-get needs debian.
    let out = split(
        &format!("{base}RUN apt-get update && apt-get install -y curl\nCMD [\"/app\"]\n"),
        &ctx(),
    )
    .unwrap();
    assert!(out.contains("\nFROM debian:bookworm-slim\n"), "{out}");
    // Asked for distroless: refused with the reason.
    let e = split_with(
        &format!("{base}CMD /app --port $PORT\n"),
        &ctx(),
        Some(RuntimeKind::Distroless),
    )
    .unwrap_err();
    assert_eq!(
        e,
        "CMD at line 5 needs a shell, which gcr.io/distroless/static-debian12:latest lacks (runtime distroless was asked for)"
    );
    // Plain shell form converts to exec form on distroless.
    let out = split(&format!("{base}CMD /app --name \"a b\"\n"), &ctx()).unwrap();
    assert!(out.ends_with("CMD [\"/app\", \"--name\", \"a b\"]\n"), "{out}");
}

#[test]
fn refusals_say_why() {
    let base = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\n";
    let cases = [
        (
            "RUN go build -o /app .\nCMD [\"go\", \"run\", \".\"]",
            "the container starts with `go run`, which needs the Go toolchain at run time",
        ),
        (
            "RUN go build -o /app .\nCMD [\"./start.sh\"]",
            "the start command runs `./start.sh`, not the binary the build makes (/app)",
        ),
        (
            "RUN go mod download\nCMD [\"/app\"]",
            "no `go build` or `go install` step found",
        ),
        ("RUN go build -o /app .", "no CMD or ENTRYPOINT runs the built binary"),
        (
            "RUN GOARCH=arm64 go build -o /app .\nCMD [\"/app\"]",
            "the build cross-compiles (GOARCH=arm64); the runtime platform is unclear",
        ),
        (
            "RUN go build -o /app .\nHEALTHCHECK CMD [\"/usr/local/bin/probe\"]\nCMD [\"/app\"]",
            "HEALTHCHECK at line 5 runs `/usr/local/bin/probe`, which gcr.io/distroless/static-debian12:latest lacks",
        ),
        (
            "RUN go build -o /app .\nONBUILD RUN echo\nCMD [\"/app\"]",
            "ONBUILD at line 5 makes this a base image for other builds",
        ),
    ];
    for (body, why) in cases {
        let df = format!("{base}{body}\n");
        assert_eq!(split(&df, &ctx()).unwrap_err(), why, "{body}");
    }
    let multi = "FROM golang:1.22 AS b\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\n";
    assert_eq!(split(multi, &ctx()).unwrap_err(), "already multi-stage (2 stages)");
}

#[test]
fn bom_crlf_lowercase_and_escape_are_kept() {
    let df = "\u{feff}# escape=`\r\nfrom golang:1.22\r\nworkdir /src\r\ncopy . .\r\nrun go build `\r\n  -o /app .\r\ncmd [\"/app\"]\r\n";
    let out = split(df, &ctx()).unwrap();
    assert!(
        out.starts_with("\u{feff}# escape=`\r\nfrom golang:1.22 as builder\r\n"),
        "{out:?}"
    );
    assert!(out.contains("run CGO_ENABLED=0 go build `\r\n  -o /app .\r\n\r\nfrom gcr.io/distroless/static-debian12:latest\r\nworkdir /src\r\ncopy --from=builder /src /src\r\ncopy --from=builder /app /app\r\ncmd [\"/app\"]\r\n"), "{out:?}");
}

#[test]
fn shell_builtins_in_a_healthcheck_need_only_a_shell() {
    let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nHEALTHCHECK CMD wget -q -O- http://localhost:8080/ || exit 1\nCMD [\"/app\"]\n";
    let out = split(df, &ctx()).unwrap();
    assert!(out.contains("\nFROM alpine:3.20\n"), "{out}");
}

#[test]
fn language_from_the_start_command() {
    let config = Config::default();
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    let df = "FROM debian:bookworm\nWORKDIR /src\nCOPY . .\nCMD [\"cargo\", \"run\"]\n";
    let Outcome::LeftAsIs(reason) = dockslim::split(df, &MemContext::new(), &opts).unwrap() else {
        panic!("rewritten")
    };
    assert_ne!(
        reason,
        dockslim::Skip::UnknownLanguage,
        "cargo in CMD means Rust: {reason}"
    );
}

#[test]
fn user_created_in_the_runtime_stage_needs_no_passwd_copy() {
    let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nRUN adduser -D app\nUSER app\nCMD [\"/app\"]\n";
    let out = split(df, &ctx()).unwrap();
    assert!(
        out.contains("\nFROM alpine:3.20\n") && !out.contains("/etc/passwd"),
        "{out}"
    );
}

#[test]
fn moving_metadata_out_of_a_crlf_file_keeps_its_blank_lines() {
    let df = "FROM golang:1.22\r\nWORKDIR /src\r\nEXPOSE 8080\r\n\r\nCOPY . .\r\nRUN go build -o /app .\r\nCMD [\"/app\"]\r\n";
    let out = split(df, &ctx()).unwrap();
    assert!(out.contains("WORKDIR /src\r\n\r\nCOPY . .\r\n"), "{out:?}");
}
