//! Node.js rewrites: the `dockslim split` command line on real Node projects (exit codes,
//! `--write`, `--check`, `--runtime`, `--strict`, config), then the rules on in-memory
//! contexts: package manager, prune, devDependencies at run time, build output, start
//! command, runtime image and what crosses into the runtime stage.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use dockslim::config::Config;
use dockslim::context::MemContext;
use dockslim::template::{RuntimeKind, TemplateSet};
use dockslim::{Options, Outcome};
use predicates::prelude::*;
use tempfile::TempDir;

const PKG: &str = r#"{
  "name": "app",
  "version": "1.0.0",
  "scripts": { "start": "node server.js", "build": "tsc" },
  "dependencies": { "ms": "2.1.3" },
  "devDependencies": { "typescript": "5.4.5" }
}"#;

const DOCKERFILE: &str =
    "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nEXPOSE 3000\nCMD [\"npm\", \"start\"]\n";

fn dockslim() -> Command {
    let mut c = Command::cargo_bin("dockslim").expect("binary built");
    c.env_remove("NO_COLOR");
    c
}

/// A temp dir holding a small npm project with `dockerfile`.
fn project(dockerfile: &str) -> TempDir {
    let dir = TempDir::new().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("Dockerfile"), dockerfile).unwrap();
    fs::write(p.join("package.json"), PKG).unwrap();
    fs::write(
        p.join("package-lock.json"),
        "{\"name\":\"app\",\"lockfileVersion\":3,\"requires\":true,\"packages\":{}}\n",
    )
    .unwrap();
    fs::write(p.join("server.js"), "console.log(require('ms')(1000))\n").unwrap();
    fs::write(p.join(".dockerignore"), "node_modules\n").unwrap();
    // A .git directory stops config discovery at the project.
    fs::create_dir(p.join(".git")).unwrap();
    dir
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap()
}

#[test]
fn cli_stdout_prints_the_rewrite() {
    let dir = project(DOCKERFILE);
    dockslim()
        .args(["split", "--stdout"])
        .arg(dir.path().join("Dockerfile"))
        .assert()
        .success()
        .stdout(predicate::str::contains("FROM node:20 AS builder"))
        // devDependencies pruned, VCS metadata removed, then the whole app directory crosses.
        .stdout(predicate::str::contains(
            "RUN npm prune --omit=dev\nRUN rm -rf .git\n\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=builder /app /app\n",
        ))
        .stdout(predicate::str::contains("CMD [\"node\", \"server.js\"]"))
        // The original runs as root: so does the rewrite.
        .stdout(predicate::str::contains("USER").not())
        .stderr(predicate::str::contains("runs as root"));
}

#[test]
fn cli_write_then_check_is_clean_and_idempotent() {
    let dir = project(DOCKERFILE);
    let df = dir.path().join("Dockerfile");
    dockslim()
        .args(["split", "--check"])
        .arg(&df)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+FROM node:20-slim"));
    dockslim()
        .args(["split", "--write"])
        .arg(&df)
        .assert()
        .success()
        .stdout(predicate::str::contains("node:20 -> node:20-slim (node)"))
        .stdout(predicate::str::contains("devDependencies pruned"));
    let once = read(&df);
    assert!(once.contains("COPY --from=builder /app /app\n"), "{once}");
    // A second run finds a two-stage file and leaves it alone.
    dockslim().args(["split", "--check"]).arg(&df).assert().success();
    dockslim().args(["split", "--write"]).arg(&df).assert().success();
    assert_eq!(read(&df), once);
}

#[test]
fn cli_runtime_flags() {
    let dir = project(&DOCKERFILE.replace("node:20", "node:22-bookworm"));
    let df = dir.path().join("Dockerfile");
    dockslim()
        .args(["split", "--stdout", "--runtime", "distroless"])
        .arg(&df)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "FROM gcr.io/distroless/nodejs22-debian12:latest",
        ))
        .stdout(predicate::str::contains("CMD [\"server.js\"]"))
        .stdout(predicate::str::contains("USER node").not());
    // musl on a glibc builder: native modules would break.
    dockslim()
        .args(["split", "--stdout", "--runtime", "alpine", "--strict"])
        .arg(&df)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("glibc"));
    dockslim()
        .args(["split", "--stdout", "--runtime", "scratch"])
        .arg(&df)
        .assert()
        .success()
        .stderr(predicate::str::contains("needs a node runtime"));
    // No distroless image for Node 16.
    let old = project(&DOCKERFILE.replace("node:20", "node:16"));
    dockslim()
        .args(["split", "--stdout", "--runtime", "distroless"])
        .arg(old.path().join("Dockerfile"))
        .assert()
        .success()
        .stderr(predicate::str::contains("no distroless Node.js image for Node 16"));
}

#[test]
fn cli_config_prune_false_keeps_dev_dependencies() {
    let dir = project(DOCKERFILE);
    fs::write(dir.path().join("dockslim.toml"), "[node]\nprune = false\n").unwrap();
    dockslim()
        .args(["split", "--stdout"])
        .arg(dir.path().join("Dockerfile"))
        .assert()
        .success()
        .stdout(predicate::str::contains("prune").not())
        .stderr(predicate::str::contains("prune = false"));
}

#[test]
fn cli_refusal_is_exit_0_or_3_with_strict() {
    let dir = project("FROM node\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npm\", \"start\"]\n");
    let df = dir.path().join("Dockerfile");
    let before = read(&df);
    dockslim()
        .args(["split", "--write"])
        .arg(&df)
        .assert()
        .success()
        .stderr(predicate::str::contains("left as is").and(predicate::str::contains("pin one")));
    dockslim().args(["split", "--strict"]).arg(&df).assert().code(3);
    assert_eq!(read(&df), before);
}

#[test]
fn cli_examples_split() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for (name, want) in [
        ("node-npm-start", "CMD [\"node\", \"server.js\"]"),
        ("node-ts-dist", "COPY --from=builder /app /app"),
        ("node-pnpm", "RUN pnpm prune --prod"),
        ("node-yarn1", "run yarn install --production --frozen-lockfile"),
        ("node-tsx-start", "CMD [\"npm\", \"start\"]"),
    ] {
        dockslim()
            .args(["split", "--stdout"])
            .arg(root.join(name).join("Dockerfile"))
            .assert()
            .success()
            .stdout(predicate::str::contains(want));
    }
}

// --- rules, on in-memory contexts --------------------------------------------------------

fn ctx_with(pkg: &str) -> MemContext {
    MemContext::new()
        .with("package.json", pkg)
        .with("package-lock.json", "{}")
        .with("server.js", "console.log(1)\n")
}

fn split_opts(
    df: &str,
    ctx: &MemContext,
    runtime: Option<RuntimeKind>,
    config: &Config,
) -> Result<(String, String), String> {
    let opts = Options {
        lang: None,
        runtime,
        config,
        templates: TemplateSet::builtin(),
    };
    match dockslim::split(df, ctx, &opts).map_err(|e| format!("error: {e}"))? {
        Outcome::Rewritten { text, summary } => Ok((text, summary.to_string())),
        Outcome::LeftAsIs(r) => Err(r.to_string()),
    }
}

fn split(df: &str, ctx: &MemContext) -> Result<String, String> {
    split_opts(df, ctx, None, &Config::default()).map(|(t, _)| t)
}

fn summary(df: &str, ctx: &MemContext) -> String {
    split_opts(df, ctx, None, &Config::default())
        .map(|(_, s)| s)
        .unwrap_or_else(|e| e)
}

/// The runtime stage (from the second FROM on).
fn runtime(out: &str) -> &str {
    let first = out.find("FROM ").unwrap_or(0);
    let second = out[first + 1..].find("\nFROM ").map_or(0, |p| first + p + 2);
    &out[second..]
}

const BASIC: &str = "WORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"npm\", \"start\"]\n";

#[test]
fn runtime_image_follows_the_builder_tag() {
    let ctx = ctx_with(PKG);
    for (from, want) in [
        ("node:20", "FROM node:20-slim"),
        ("node:20-slim", "FROM node:20-slim"),
        ("node:20-bookworm", "FROM node:20-bookworm-slim"),
        ("node:18-bullseye-slim", "FROM node:18-bullseye-slim"),
        ("node:20.11.1", "FROM node:20.11.1-slim"),
        ("node:20-alpine", "FROM node:20-alpine"),
        ("node:20.11-alpine3.19", "FROM node:20.11-alpine3.19"),
        ("node:iron", "FROM node:iron-slim"),
        ("node:lts-alpine", "FROM node:lts-alpine"),
        ("docker.io/library/node:22", "FROM docker.io/library/node:22-slim"),
    ] {
        let out = split(&format!("FROM {from}\n{BASIC}"), &ctx).unwrap_or_else(|e| panic!("{from}: {e}"));
        assert!(runtime(&out).starts_with(want), "{from}:\n{out}");
    }
    // A version from a global ARG stays a variable in the runtime stage.
    let out = split(
        &format!("ARG NODE_VERSION=20\nFROM node:${{NODE_VERSION}}-alpine\n{BASIC}"),
        &ctx,
    )
    .unwrap();
    assert!(runtime(&out).starts_with("FROM node:${NODE_VERSION}-alpine\n"), "{out}");
    let out = split(&format!("ARG V=20.11.1\nFROM node:$V\n{BASIC}"), &ctx).unwrap();
    assert!(runtime(&out).starts_with("FROM node:$V-slim\n"), "{out}");
    for from in [
        "node",
        "node:latest",
        "node:alpine",
        "node:20-weird",
        "oven/bun:1",
        "debian:12",
    ] {
        assert!(split(&format!("FROM {from}\n{BASIC}"), &ctx).is_err(), "{from}");
    }
}

#[test]
fn package_manager_and_prune_command() {
    let pkg_pm = |pm: &str| {
        PKG.replace(
            "\"version\": \"1.0.0\",",
            &format!("\"version\": \"1.0.0\", \"packageManager\": \"{pm}\","),
        )
    };
    let cases = [
        (ctx_with(PKG), "RUN npm ci", "RUN npm prune --omit=dev"),
        (
            ctx_with(PKG).with("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
            "RUN npm i -g pnpm && pnpm install --frozen-lockfile",
            "RUN pnpm prune --prod",
        ),
        (
            ctx_with(PKG).with("yarn.lock", "# yarn lockfile v1\n"),
            "RUN yarn install --frozen-lockfile",
            "RUN yarn install --production --frozen-lockfile --prefer-offline",
        ),
        (
            ctx_with(&pkg_pm("yarn@4.1.1")).with(".yarnrc.yml", "nodeLinker: node-modules\n"),
            "RUN corepack enable && yarn install --immutable",
            "RUN yarn workspaces focus --production",
        ),
        (
            ctx_with(PKG).with("bun.lockb", ""),
            "RUN npm i -g bun && bun install",
            "RUN rm -rf node_modules && bun install --production",
        ),
    ];
    for (ctx, install, prune) in cases {
        let df = format!("FROM node:20\nWORKDIR /app\nCOPY . .\n{install}\nCMD [\"node\", \"server.js\"]\n");
        let out = split(&df, &ctx).unwrap_or_else(|e| panic!("{install}: {e}"));
        assert!(
            out.contains(&format!("{install}\n{prune}\n\nFROM ")),
            "{install}:\n{out}"
        );
    }
    // Old npm knows no --omit.
    let out = split(&format!("FROM node:14\n{BASIC}"), &ctx_with(PKG)).unwrap();
    assert!(out.contains("RUN npm prune --production\n"), "{out}");
    // Yarn Plug'n'Play has no node_modules to carry.
    let pnp = ctx_with(&pkg_pm("yarn@4.1.1"));
    let e = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install\nCMD [\"node\", \"server.js\"]\n",
        &pnp,
    )
    .unwrap_err();
    assert!(e.contains("Plug'n'Play"), "{e}");
}

#[test]
fn no_prune_when_not_needed_or_not_allowed() {
    // A production-only install.
    let out = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"server.js\"]\n",
        &ctx_with(PKG),
    )
    .unwrap();
    assert!(!out.contains("prune"), "{out}");
    // NODE_ENV=production before the install.
    let out = split(
        "FROM node:20\nENV NODE_ENV=production\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
        &ctx_with(PKG),
    )
    .unwrap();
    assert!(!out.contains("prune"), "{out}");
    assert!(runtime(&out).contains("ENV NODE_ENV=production"), "{out}");
    // No devDependencies at all.
    let pkg = r#"{"name":"a","scripts":{"start":"node server.js"},"dependencies":{"ms":"2"}}"#;
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx_with(pkg)).unwrap();
    assert!(!out.contains("prune"), "{out}");
}

#[test]
fn dev_dependency_at_run_time_forbids_pruning() {
    for (start, dev) in [
        ("tsx src/main.ts", "tsx"),
        ("ts-node src/main.ts", "ts-node"),
        ("nodemon server.js", "nodemon"),
        ("node -r ts-node/register src/main.ts", "ts-node"),
        ("node --import tsx src/main.ts", "tsx"),
        ("cross-env NODE_ENV=production nodemon server.js", "nodemon"),
        ("npm run serve", "vite"),
    ] {
        let pkg = format!(
            r#"{{"name":"a","scripts":{{"start":"{start}","serve":"vite preview"}},"dependencies":{{"ms":"2"}},"devDependencies":{{"{dev}":"1","cross-env":"7"}}}}"#
        );
        let ctx = ctx_with(&pkg)
            .with("src/main.ts", "export {}\n")
            .with("tsconfig.json", "{}");
        let df = format!("FROM node:20\n{BASIC}");
        let (out, sum) = split_opts(&df, &ctx, None, &Config::default()).unwrap_or_else(|e| panic!("{start}: {e}"));
        assert!(!out.contains("prune"), "{start}:\n{out}");
        assert!(sum.contains("devDependencies kept"), "{start}: {sum}");
        assert!(sum.contains(dev), "{start}: {sum}");
    }
    // A run-time tool that is a production dependency: prune away.
    let pkg = r#"{"name":"a","scripts":{"start":"next start"},"dependencies":{"next":"14"},"devDependencies":{"typescript":"5"}}"#;
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx_with(pkg)).unwrap();
    assert!(out.contains("RUN npm prune --omit=dev"), "{out}");
    assert!(out.contains("CMD [\"npm\", \"start\"]"), "{out}");
}

#[test]
fn start_command_becomes_node_when_plain() {
    let with_start =
        |start: &str| format!(r#"{{"name":"a","scripts":{{"start":"{start}","serve":"node srv.js --port 80"}}}}"#);
    for (start, cmd, want) in [
        (
            "node server.js",
            "CMD [\"npm\", \"start\"]",
            "CMD [\"node\", \"server.js\"]",
        ),
        ("node server.js", "CMD npm start", "CMD [\"node\", \"server.js\"]"),
        (
            "node --enable-source-maps dist/main.js",
            "CMD [\"npm\", \"run\", \"start\"]",
            "CMD [\"node\", \"--enable-source-maps\", \"dist/main.js\"]",
        ),
        (
            "node server.js",
            "CMD [\"npm\", \"start\", \"--\", \"--port\", \"8080\"]",
            "CMD [\"node\", \"server.js\", \"--port\", \"8080\"]",
        ),
        (
            "node server.js",
            "CMD [\"yarn\", \"start\", \"--port\", \"8080\"]",
            "CMD [\"node\", \"server.js\", \"--port\", \"8080\"]",
        ),
        (
            "node server.js",
            "CMD [\"npm\", \"run\", \"serve\"]",
            "CMD [\"node\", \"srv.js\", \"--port\", \"80\"]",
        ),
        (
            "node server.js",
            "CMD [\"yarn\", \"serve\"]",
            "CMD [\"node\", \"srv.js\", \"--port\", \"80\"]",
        ),
        // Not plain: kept.
        (
            "NODE_ENV=production node server.js",
            "CMD [\"npm\", \"start\"]",
            "CMD [\"npm\", \"start\"]",
        ),
        (
            "node server.js | tee log",
            "CMD [\"npm\", \"start\"]",
            "CMD [\"npm\", \"start\"]",
        ),
        ("node $ENTRY", "CMD [\"npm\", \"start\"]", "CMD [\"npm\", \"start\"]"),
        (
            "pm2-runtime server.js",
            "CMD [\"npm\", \"start\"]",
            "CMD [\"npm\", \"start\"]",
        ),
    ] {
        let ctx = MemContext::new()
            .with("package.json", &with_start(start))
            .with("server.js", "")
            .with("srv.js", "")
            .with("dist/main.js", "");
        let df = format!("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n{cmd}\n");
        let out = split(&df, &ctx).unwrap_or_else(|e| panic!("{start} / {cmd}: {e}"));
        assert!(runtime(&out).ends_with(&format!("{want}\n")), "{start} / {cmd}:\n{out}");
    }
    // The node image's own ENTRYPOINT written out: CMD is rewritten; npm as ENTRYPOINT: kept.
    let ctx = ctx_with(PKG);
    let out = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"npm\", \"start\"]\n",
        &ctx,
    )
    .unwrap();
    assert!(
        runtime(&out).ends_with("ENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"node\", \"server.js\"]\n"),
        "{out}"
    );
    let out = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT [\"npm\"]\nCMD [\"start\"]\n",
        &ctx,
    )
    .unwrap();
    assert!(
        runtime(&out).ends_with("ENTRYPOINT [\"npm\"]\nCMD [\"start\"]\n"),
        "{out}"
    );
    // pre/post scripts and npm_* variables keep npm.
    let ctx = MemContext::new()
        .with(
            "package.json",
            r#"{"name":"a","scripts":{"prestart":"node m.js","start":"node server.js"}}"#,
        )
        .with("server.js", "");
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx).unwrap();
    assert!(out.ends_with("CMD [\"npm\", \"start\"]\n"), "{out}");
    let ctx = MemContext::new()
        .with("package.json", r#"{"name":"a","scripts":{"start":"node server.js"}}"#)
        .with("server.js", "console.log(process.env.npm_package_version)\n");
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx).unwrap();
    assert!(out.ends_with("CMD [\"npm\", \"start\"]\n"), "{out}");
    // npm start with no start script runs server.js.
    let ctx = MemContext::new()
        .with("package.json", r#"{"name":"a"}"#)
        .with("server.js", "");
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx).unwrap();
    assert!(out.ends_with("CMD [\"node\", \"server.js\"]\n"), "{out}");
    // A script package.json lacks.
    let ctx = MemContext::new().with("package.json", r#"{"name":"a","scripts":{}}"#);
    let e = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm i\nCMD [\"npm\", \"run\", \"serve\"]\n",
        &ctx,
    )
    .unwrap_err();
    assert!(e.contains("serve"), "{e}");
}

#[test]
fn package_managers_the_runtime_lacks() {
    // pnpm kept for a non-plain script: installed in the runtime the way the builder did.
    let ctx = MemContext::new()
        .with(
            "package.json",
            r#"{"name":"a","scripts":{"start":"pm2-runtime server.js"},"dependencies":{"pm2":"5"}}"#,
        )
        .with("pnpm-lock.yaml", "")
        .with("server.js", "");
    let df = "FROM node:20\nRUN npm install -g pnpm@9\nWORKDIR /app\nCOPY . .\nRUN pnpm install\nCMD [\"pnpm\", \"start\"]\n";
    let out = split(df, &ctx).unwrap();
    assert!(
        runtime(&out).contains("COPY --from=builder /app /app\nRUN npm install -g pnpm@9\n"),
        "{out}"
    );
    // Nowhere installed: refused.
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npx pnpm install\nCMD [\"pnpm\", \"start\"]\n";
    let e = split(df, &ctx).unwrap_err();
    assert!(e.contains("pnpm"), "{e}");
}

#[test]
fn a_start_file_a_build_makes_counts_as_produced() {
    let pkg = |build: &str, start: &str| {
        format!(
            r#"{{"name":"a","scripts":{{"build":"{build}","start":"{start}"}},"dependencies":{{"ms":"2"}},"devDependencies":{{"typescript":"5"}}}}"#
        )
    };
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npm\", \"start\"]\n";
    for (build, start, files) in [
        (
            "tsc",
            "node dist/index.js",
            vec![("tsconfig.json", r#"{"compilerOptions":{"outDir":"./dist"}}"#)],
        ),
        (
            "tsc -p tsconfig.build.json",
            "node build/main.js",
            vec![("tsconfig.build.json", r#"{"compilerOptions":{"outDir":"build"}}"#)],
        ),
        (
            "esbuild src/index.ts --bundle --platform=node --outfile=out/app.js",
            "node out/app.js",
            vec![],
        ),
        ("babel src -d lib", "node lib/index.js", vec![]),
        ("nest build", "node dist/main", vec![]),
        (
            "next build",
            "next start",
            vec![("next.config.mjs", "export default {}\n")],
        ),
    ] {
        let mut ctx = ctx_with(&pkg(build, start))
            .with("src/index.ts", "")
            .with("public/a.png", "");
        for (f, t) in files {
            ctx = ctx.with(f, t);
        }
        let out = split(df, &ctx).unwrap_or_else(|e| panic!("{build}: {e}"));
        // The whole application directory crosses, whatever the build wrote.
        assert!(
            runtime(&out).contains("COPY --from=builder /app /app\n"),
            "{build}:\n{out}"
        );
    }
    // No build step and no such file in the context: the start command cannot work.
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"dist/index.js\"]\n";
    assert_eq!(
        split(df, &ctx_with(PKG)).unwrap_err(),
        "the start command runs dist/index.js, which neither the build context nor a build step provides"
    );
    // In the context, but kept out by .dockerignore: the same.
    let ctx = ctx_with(PKG).with("dist/index.js", "").with(".dockerignore", "dist\n");
    assert!(split(df, &ctx).unwrap_err().contains("dist/index.js"));
    assert!(split(df, &ctx_with(PKG).with("dist/index.js", "")).is_ok());
}

#[test]
fn next_standalone_keeps_the_whole_app() {
    let pkg = r#"{"name":"a","scripts":{"build":"next build","start":"next start"},"dependencies":{"next":"14"}}"#;
    let ctx = ctx_with(pkg)
        .with("next.config.js", "module.exports = {\n  output: \"standalone\",\n}\n")
        .with("public/favicon.ico", "");
    let df = "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"npm\", \"start\"]\n";
    let out = split(df, &ctx).unwrap();
    let rt = runtime(&out);
    assert!(
        rt.starts_with("FROM node:20-alpine\nWORKDIR /app\nCOPY --from=builder /app /app\n"),
        "{out}"
    );
    assert!(rt.ends_with("CMD [\"npm\", \"start\"]\n"), "{out}");
}

#[test]
fn the_application_directory_crosses_whole() {
    let ctx = ctx_with(PKG)
        .with("lib/a.js", "")
        .with("views/index.html", "")
        .with("test/a.test.js", "")
        .with(".env", "A=1")
        .with("static/style.css", "p{}");
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx).unwrap();
    let rt = runtime(&out);
    assert!(rt.contains("COPY --from=builder /app /app\n"), "{out}");
    assert_eq!(rt.matches("COPY --from=builder").count(), 1, "no file list:\n{out}");
    // Explicit COPYs into another WORKDIR: that directory, whole.
    let df = "FROM node:20\nWORKDIR /srv\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY server.js ./\nCOPY lib ./lib\nCMD [\"node\", \"server.js\"]\n";
    let out = split(df, &ctx).unwrap();
    assert!(runtime(&out).contains("COPY --from=builder /srv /srv\n"), "{out}");
    // A package without dependencies has no node_modules: nothing assumes one.
    let pkg = r#"{"name":"a","scripts":{"start":"node server.js"}}"#;
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nCMD [\"npm\", \"start\"]\n";
    let out = split(df, &ctx_with(pkg)).unwrap();
    assert!(!out.contains("node_modules"), "{out}");
    // The app copied into / (no WORKDIR): left as is with the reason.
    let df = "FROM node:20\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";
    assert!(split(df, &ctx).unwrap_err().contains("give the app a WORKDIR"));
}

#[test]
fn users_and_packages() {
    let ctx = ctx_with(PKG);
    // The file's own USER wins; none means root.
    let out = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER 1001\nCMD [\"node\", \"server.js\"]\n",
        &ctx,
    )
    .unwrap();
    assert!(
        runtime(&out).contains("USER 1001\n") && !out.contains("USER node"),
        "{out}"
    );
    let out = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN mkdir -p /app/uploads\nCMD [\"node\", \"server.js\"]\n",
        &ctx,
    )
    .unwrap();
    assert!(runtime(&out).contains("RUN mkdir -p /app/uploads"), "{out}");
    assert!(!out.contains("USER"), "{out}");
    // System packages the app may use are installed in the runtime stage; build tools are not.
    let out = split(
        "FROM node:20\nRUN apt-get update && apt-get install -y python3 make g++ imagemagick\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
        &ctx,
    )
    .unwrap();
    assert!(
        runtime(&out).contains("RUN apt-get update && apt-get install -y python3 imagemagick ca-certificates && rm -rf /var/lib/apt/lists/*\n"),
        "{out}"
    );
    // curl for a HEALTHCHECK: the builder had it (and the CA bundle), the slim image does not.
    let out = split(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nHEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1\nCMD [\"node\", \"server.js\"]\n",
        &ctx,
    )
    .unwrap();
    assert!(
        runtime(&out).contains("RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*\n"),
        "{out}"
    );
    // Build tools only: nothing to install.
    let out = split(
        "FROM node:20\nRUN apt-get update && apt-get install -y python3-dev make g++\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
        &ctx,
    )
    .unwrap();
    assert!(!runtime(&out).contains("apt-get"), "{out}");
    // Prisma's engines need OpenSSL, which the slim image lacks.
    let pkg = r#"{"name":"a","scripts":{"start":"node server.js"},"dependencies":{"@prisma/client":"5"}}"#;
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx_with(pkg)).unwrap();
    assert!(
        runtime(&out).contains("apt-get install -y --no-install-recommends openssl ca-certificates"),
        "{out}"
    );
    // A program the code runs comes along.
    let ctx = ctx_with(PKG).with(
        "lib/git.js",
        "const { execSync } = require('child_process');\nexecSync('git rev-parse HEAD');\n",
    );
    let out = split(&format!("FROM node:20\n{BASIC}"), &ctx).unwrap();
    assert!(
        runtime(&out).contains("install -y --no-install-recommends git ca-certificates"),
        "{out}"
    );
}

#[test]
fn work_at_start_up_is_left_as_is() {
    for (start, why) in [
        ("tsc && node dist/index.js", "builds at start-up (`tsc`)"),
        ("nest build && node dist/main", "builds at start-up (`nest build`)"),
        (
            "npm i -g pm2 && pm2-runtime server.js",
            "installs packages at start-up (`npm i -g pm2`)",
        ),
        (
            "prisma migrate deploy && node server.js",
            "runs database migrations at start-up with a CLI (`prisma migrate deploy`)",
        ),
    ] {
        let pkg = format!(r#"{{"name":"a","scripts":{{"start":"{start}"}},"dependencies":{{"ms":"2"}}}}"#);
        let e = split(&format!("FROM node:20\n{BASIC}"), &ctx_with(&pkg)).unwrap_err();
        assert!(e.starts_with("the start command ") && e.contains(why), "{start}: {e}");
    }
    // Straight in the CMD too.
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD npx prisma migrate deploy && node server.js\n";
    assert!(split(df, &ctx_with(PKG)).unwrap_err().contains("migrations"));
}

#[test]
fn distroless_commands() {
    let ctx = ctx_with(PKG);
    let cfg = Config::default();
    let dl = Some(RuntimeKind::Distroless);
    let (out, _) = split_opts(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT [\"node\", \"server.js\"]\n",
        &ctx,
        dl,
        &cfg,
    )
    .unwrap();
    assert!(
        out.ends_with("ENTRYPOINT [\"/nodejs/bin/node\", \"server.js\"]\n"),
        "{out}"
    );
    let (out, _) = split_opts(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD node server.js\n",
        &ctx,
        dl,
        &cfg,
    )
    .unwrap();
    assert!(out.ends_with("CMD [\"server.js\"]\n"), "{out}");
    // A start command that needs npm, or an alpine builder, cannot go distroless.
    let pkg = r#"{"name":"a","scripts":{"start":"next start"},"dependencies":{"next":"14"}}"#;
    assert!(split_opts(&format!("FROM node:20\n{BASIC}"), &ctx_with(pkg), dl, &cfg).is_err());
    assert!(split_opts(&format!("FROM node:20-alpine\n{BASIC}"), &ctx, dl, &cfg).is_err());
}

#[test]
fn summary_names_the_package_manager_and_why() {
    let s = summary(&format!("FROM node:20\n{BASIC}"), &ctx_with(PKG));
    assert!(s.contains("npm (the Dockerfile installs with npm)"), "{s}");
    assert!(s.contains("`npm start` runs `node server.js`"), "{s}");
    let pkg = PKG.replace(
        "\"version\": \"1.0.0\",",
        "\"version\": \"1.0.0\", \"packageManager\": \"pnpm@9.1.0\",",
    );
    let s = summary(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN corepack enable && pnpm i\nCMD [\"node\", \"server.js\"]\n",
        &ctx_with(&pkg),
    );
    assert!(s.contains("pnpm (the Dockerfile installs with pnpm)"), "{s}");
    // A stray lockfile does not change the package manager the Dockerfile runs.
    let s = summary(
        &format!("FROM node:20\n{BASIC}"),
        &ctx_with(PKG).with("yarn.lock", "# yarn lockfile v1\n"),
    );
    assert!(
        s.contains("npm (the Dockerfile installs with npm)") && s.contains("npm prune --omit=dev"),
        "{s}"
    );
}
