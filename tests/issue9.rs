//! The runtime stage preserves what the program observes (issue 9): one test per rule, each on
//! its fixture in `tests/fixtures/pN-*` (the snapshots in `tests/snapshots` hold the whole
//! rewrites; these tests say what each must show, or the reason it is left as is).

use std::path::{Path, PathBuf};

use dockslim::config::Config;
use dockslim::context::DirContext;
use dockslim::summary::Summary;
use dockslim::template::TemplateSet;
use dockslim::{Options, Outcome};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The rewrite of a fixture (its `dockslim.toml` applies), or the reason it is left as is.
fn split(name: &str) -> Result<(String, Summary), String> {
    let dir = fixture(name);
    let text = std::fs::read_to_string(dir.join("Dockerfile")).expect("fixture Dockerfile");
    let config = match dockslim::config::discover(&dir) {
        Some(p) => Config::load(&p).expect("fixture config"),
        None => Config::default(),
    };
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    match dockslim::split(&text, &DirContext::new(&dir), &opts).expect("no error") {
        Outcome::Rewritten { text, summary } => Ok((text, summary)),
        Outcome::LeftAsIs(r) => Err(r.to_string()),
    }
}

/// The runtime stage of a rewrite.
fn runtime(name: &str) -> (String, Summary) {
    let (text, summary) = split(name).unwrap_or_else(|e| panic!("{name}: left as is: {e}"));
    let at = text.rfind("\nFROM ").expect("two stages") + 1;
    (text[at..].to_string(), summary)
}

#[test]
fn p1_the_program_runs_as_the_original_user() {
    let (rt, s) = runtime("p1-root-port80");
    assert!(
        rt.starts_with("FROM gcr.io/distroless/static-debian12:latest\n"),
        "root tag:\n{rt}"
    );
    assert!(!rt.contains("USER"), "{rt}");
    assert_eq!(s.user, "root");
    assert!(s.to_string().contains("runs as root"));
    let (rt, s) = runtime("p1-user-home-chown");
    assert_eq!(s.user, "app");
    for f in ["/etc/passwd", "/etc/group", "/home/app", "/srv/app"] {
        assert!(rt.contains(&format!("COPY --from=builder {f} {f}\n")), "{f}:\n{rt}");
    }
    assert!(rt.contains("USER app\n"), "{rt}");
}

#[test]
fn p1_non_root_is_an_explicit_choice() {
    let (rt, s) = runtime("p1-nonroot-asked");
    assert!(
        rt.starts_with("FROM gcr.io/distroless/static-debian12:nonroot\n"),
        "{rt}"
    );
    assert!(
        rt.contains("COPY --from=builder --chown=65532:65532 /srv/app /srv/app\n"),
        "{rt}"
    );
    assert!(
        rt.contains("COPY --from=builder --chown=65532:65532 /var/log/app /var/log/app\n"),
        "{rt}"
    );
    assert!(s.announced.contains(&dockslim::summary::ConfigChange::User));
    assert_eq!(
        split("p1-nonroot-port80-refused").unwrap_err(),
        "EXPOSE at line 5 names port 80, which a non-root program cannot bind (--nonroot was asked for)"
    );
}

#[test]
fn p2_the_application_directory_crosses_as_the_build_left_it() {
    let (rt, _) = runtime("p2-static-one-by-one");
    assert!(rt.contains("COPY --from=builder /srv/site /srv/site\n"), "{rt}");
    assert_eq!(rt.matches("COPY --from=builder").count(), 1, "no file list:\n{rt}");
    let (rt, s) = runtime("p2-node-generated-assets");
    assert!(
        rt.contains("COPY --from=builder /app /app\n"),
        "the CSS a RUN generates is in /app:\n{rt}"
    );
    assert!(s.dropped.iter().any(|d| d == "/app/node_modules/**"), "{:?}", s.dropped);
    let (rt, _) = runtime("p2-node-no-dependencies");
    assert!(!rt.contains("node_modules"), "{rt}");
}

#[test]
fn p3_packages_the_program_may_use_are_installed_build_tools_are_not() {
    let (rt, s) = runtime("p3-apt-git-ca-build-tools");
    assert!(rt.starts_with("FROM debian:bookworm-slim\n"), "{rt}");
    assert!(
        rt.contains("RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*\n"),
        "{rt}"
    );
    assert_eq!(s.packages, ["git", "ca-certificates"]);
    let (rt, _) = runtime("p3-alpine-runtime-tzdata");
    assert!(
        rt.contains("RUN apk add --no-cache tzdata\n"),
        "alpine has no time zones:\n{rt}"
    );
    assert_eq!(
        split("p3-custom-repository-refused").unwrap_err(),
        "RUN at line 2 changes the package sources that x-client comes from; the runtime stage would not have them"
    );
}

#[test]
fn p4_programs_the_app_runs_must_exist() {
    let (rt, s) = runtime("p4-exec-git");
    assert!(s.packages.contains(&"git".to_string()), "{rt}");
    assert_eq!(
        split("p4-exec-toolchain-refused").unwrap_err(),
        "the program (main.go starts `go`) runs `go`, which gcr.io/distroless/static-debian12:latest lacks"
    );
    let (rt, _) = runtime("p4-entrypoint-script");
    assert!(
        rt.contains("install -y --no-install-recommends curl ca-certificates"),
        "the script runs curl:\n{rt}"
    );
}

#[test]
fn p5_work_at_start_up_is_left_as_is() {
    assert_eq!(
        split("p5-start-compiles-typescript").unwrap_err(),
        "the start command builds at start-up (`tsc`); build in the Dockerfile instead"
    );
    assert!(
        split("p5-start-migrates")
            .unwrap_err()
            .contains("migrations at start-up")
    );
    // The CMD script an exec ENTRYPOINT runs is read to its last command.
    assert!(
        split("p5-entrypoint-migrates")
            .unwrap_err()
            .contains("migrations at start-up")
    );
}

#[test]
fn p6_runtime_libraries_and_linking() {
    let (_, s) = runtime("p6-prisma-openssl");
    assert!(s.packages.contains(&"openssl".to_string()), "{s}");
    for name in ["p6-alpine-packaged-rust", "p6-crt-static-off"] {
        let (rt, s) = runtime(name);
        assert!(
            rt.starts_with("FROM alpine:3.20\n"),
            "{name}: never a static image:\n{rt}"
        );
        assert!(s.packages.contains(&"libgcc".to_string()), "{name}: {s}");
    }
    let (rt, s) = runtime("p6-build-script-links");
    assert!(
        rt.starts_with("FROM debian:bookworm-slim\n") && s.to_string().contains("build.rs links libz"),
        "{rt}"
    );
}

#[test]
fn p7_the_package_manager_is_the_one_the_dockerfile_runs() {
    let (rt, s) = runtime("p7-stray-lockfile");
    assert!(s.to_string().contains("npm (the Dockerfile installs with npm)"), "{s}");
    assert!(!rt.contains("yarn") && !rt.contains("pnpm"), "{rt}");
    let (rt, _) = runtime("p7-corepack-pinned");
    assert!(
        rt.contains("COPY --from=builder /root/.cache/node/corepack /root/.cache/node/corepack\nRUN corepack enable && corepack prepare pnpm@9.1.0 --activate\n"),
        "the pinned pnpm, with corepack's cache:\n{rt}"
    );
}

#[test]
fn p8_a_start_file_nothing_produces_is_left_as_is() {
    assert_eq!(
        split("p8-start-file-not-built").unwrap_err(),
        "the start command runs dist/server.js, which neither the build context nor a build step provides"
    );
}

#[test]
fn p9_needless_refusals_are_gone() {
    for name in [
        "p9-bindgen-clang-sys",
        "p9-other-target-sys",
        "p9-go-install-all",
        "p9-go-build-o-dir",
        "p9-target-platform-args",
        "p9-exec-form-sh-c",
        "p9-install-under-su",
        "p9-bare-yarn-production",
    ] {
        assert!(split(name).is_ok(), "{name}: {:?}", split(name).err());
    }
    let (rt, _) = runtime("p9-go-install-all");
    assert!(
        rt.contains("COPY --from=builder /go/bin/worker /usr/local/bin/worker\n"),
        "{rt}"
    );
    let (rt, _) = runtime("p9-exec-form-sh-c");
    assert!(rt.starts_with("FROM alpine:3.20\n"), "`sh -c` needs a shell:\n{rt}");
    let (_, s) = runtime("p9-bare-yarn-production");
    assert!(
        s.to_string().contains("the install already leaves devDependencies out"),
        "{s}"
    );
}
