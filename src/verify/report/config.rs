//! The config check: user, the ENV the Dockerfiles set themselves, workdir, entrypoint, cmd and
//! exposed ports of the two images, each difference marked announced or not.

use std::collections::BTreeSet;

use crate::summary::ConfigChange;
use crate::verify::engine::ImageConfig;

use super::files::normalize_dir;

/// One difference between the two image configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDiff {
    /// `user`, `env NAME`, `workdir`, `entrypoint`, `cmd` or `exposed ports`.
    pub field: String,
    pub original: String,
    pub rewritten: String,
    /// The rewrite announced this change (see [`ConfigChange`]).
    pub announced: bool,
}

impl std::fmt::Display for ConfigDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: original {}, rewritten {} ({})",
            self.field,
            self.original,
            self.rewritten,
            if self.announced { "announced" } else { "not announced" }
        )
    }
}

/// The ENV a Dockerfile's final stage sets itself (through `FROM <stage>` chains), as
/// `(name, value as written)`; what its base images set is not in it.
pub fn dockerfile_env(text: &str) -> Result<Vec<(String, String)>, String> {
    use crate::parse::Instruction;
    let (_, body) = crate::parse::strip_bom(text);
    let df = crate::parse::parse(body).map_err(|e| format!("parse error at line {}: {}", e.line, e.message))?;
    struct Stage {
        name: Option<String>,
        env: Vec<(String, String)>,
    }
    let mut stages: Vec<Stage> = Vec::new();
    for ins in &df.instructions {
        match ins {
            Instruction::From(f) => {
                let base = f.image.value.to_ascii_lowercase();
                let env = stages
                    .iter()
                    .rev()
                    .find(|s| s.name.as_deref() == Some(base.as_str()))
                    .map(|s| s.env.clone())
                    .unwrap_or_default();
                let name = f.as_.as_ref().map(|(_, n)| n.value.to_ascii_lowercase());
                stages.push(Stage { name, env });
            }
            Instruction::Env(e) => {
                if let Some(s) = stages.last_mut() {
                    s.env.extend(
                        crate::detect::parse_env(&e.arguments.value, df.escape)
                            .into_iter()
                            .map(|(k, v)| (k.into_owned(), v.into_owned())),
                    );
                }
            }
            _ => {}
        }
    }
    Ok(stages.pop().map(|s| s.env).unwrap_or_default())
}

/// The users' identities as comparable text: `root` for none, 0 or root; names resolved to
/// numbers through each image's /etc/passwd; a group equal to the user's own primary group left out.
pub fn user_identity(user: &str, passwd: Option<&str>) -> String {
    let (u, g) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let entry = passwd.and_then(|p| {
        p.lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.len() >= 4 && (f[0] == u || (f[2] == u && !u.is_empty())))
    });
    let uid = match (u, &entry) {
        ("" | "root" | "0", _) => "0".to_string(),
        (_, Some(f)) => f[2].to_string(),
        (u, None) => u.to_string(),
    };
    let primary = entry
        .as_ref()
        .map(|f| f[3].to_string())
        .or((uid == "0").then(|| "0".to_string()));
    let group = g.filter(|g| {
        let g_num = if *g == "root" { "0" } else { g };
        Some(g_num.to_string()) != primary
    });
    let uid = if uid == "0" { "root".to_string() } else { uid };
    match group {
        Some(g) => format!("{uid}:{g}"),
        None => uid,
    }
}

/// Everything [`config_diffs`] compares beside the two configs.
pub struct ConfigInputs<'a> {
    /// ENV the original Dockerfile sets itself ([`dockerfile_env`]).
    pub original_env: &'a [(String, String)],
    /// ENV the rewritten Dockerfile sets itself.
    pub rewritten_env: &'a [(String, String)],
    /// Each image's /etc/passwd.
    pub original_passwd: Option<&'a str>,
    pub rewritten_passwd: Option<&'a str>,
    /// The changes the rewrite announced.
    pub announced: &'a [ConfigChange],
}

/// The differences between the configs: user, the ENV the Dockerfiles set themselves, workdir,
/// entrypoint, cmd, exposed ports.
pub fn config_diffs(original: &ImageConfig, rewritten: &ImageConfig, inputs: &ConfigInputs<'_>) -> Vec<ConfigDiff> {
    let announced = |c: ConfigChange| inputs.announced.contains(&c);
    let mut out = Vec::new();
    let mut diff = |field: String, o: String, r: String, ann: bool| {
        if o != r {
            out.push(ConfigDiff {
                field,
                original: o,
                rewritten: r,
                announced: ann,
            });
        }
    };
    let (uo, ur) = (
        user_identity(&original.user, inputs.original_passwd),
        user_identity(&rewritten.user, inputs.rewritten_passwd),
    );
    if uo != ur {
        let shown = |u: &str| {
            if u.is_empty() {
                "root (none set)".to_string()
            } else {
                u.to_string()
            }
        };
        diff(
            "user".into(),
            shown(&original.user),
            shown(&rewritten.user),
            announced(ConfigChange::User),
        );
    }
    let keys: BTreeSet<&str> = inputs
        .original_env
        .iter()
        .chain(inputs.rewritten_env)
        .map(|(k, _)| k.as_str())
        .collect();
    let written = |env: &[(String, String)], k: &str| env.iter().rev().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    for k in keys {
        let (o, r) = (original.env_var(k), rewritten.env_var(k));
        if o == r {
            continue;
        }
        // `ENV PATH=/app/bin:$PATH` in both: the difference is the base images'
        let (wo, wr) = (written(inputs.original_env, k), written(inputs.rewritten_env, k));
        if wo.is_some() && wo == wr && wo.as_deref().is_some_and(|v| v.contains('$')) {
            continue;
        }
        let ann = match (o, r) {
            (Some(_), None) => announced(ConfigChange::EnvDropped(k.to_string())),
            _ => announced(ConfigChange::EnvAdded(k.to_string())),
        };
        let shown = |v: Option<&str>| v.map_or("unset".to_string(), |v| format!("{v:?}"));
        diff(format!("env {k}"), shown(o), shown(r), ann);
    }
    diff(
        "workdir".into(),
        normalize_dir(original.workdir_or_root()),
        normalize_dir(rewritten.workdir_or_root()),
        false,
    );
    let words = |w: &[String]| serde_json::to_string(w).unwrap_or_default();
    diff(
        "entrypoint".into(),
        words(&original.entrypoint),
        words(&rewritten.entrypoint),
        announced(ConfigChange::Entrypoint),
    );
    diff(
        "cmd".into(),
        words(&original.cmd),
        words(&rewritten.cmd),
        announced(ConfigChange::Cmd),
    );
    let ports = |c: &ImageConfig| {
        if c.exposed.is_empty() {
            "(none)".to_string()
        } else {
            c.exposed.join(" ")
        }
    };
    diff("exposed ports".into(), ports(original), ports(rewritten), false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(user: &str, workdir: &str, argv: &[&str], env: &[(&str, &str)]) -> ImageConfig {
        ImageConfig::with(user, workdir, argv, env)
    }

    #[test]
    fn users_compare_by_identity() {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
        assert_eq!(user_identity("", None), "root");
        assert_eq!(user_identity("0:0", None), "root");
        assert_eq!(user_identity("root:root", Some(passwd)), "root");
        assert_eq!(user_identity("nonroot", Some(passwd)), "65532");
        assert_eq!(user_identity("65532:65532", Some(passwd)), "65532");
        assert_eq!(user_identity("65532:65532", None), "65532:65532");
        assert_eq!(user_identity("nonroot:staff", Some(passwd)), "65532:staff");
        assert_eq!(user_identity("app", None), "app");
    }

    #[test]
    fn dockerfile_env_is_the_final_stage_chains() {
        let text = "FROM golang:1.22 AS builder\nENV CGO_ENABLED=0 GOFLAGS=-mod=vendor\n\
                    FROM builder AS dev\nENV MODE=dev\n\
                    FROM gcr.io/distroless/static-debian12 AS base\nENV APP_CONFIG=config/app.json\n\
                    FROM base\nENV PATH=/app/bin:$PATH\nENV LEGACY value with spaces\n";
        let env = dockerfile_env(text).unwrap();
        assert_eq!(
            env,
            [
                ("APP_CONFIG".to_string(), "config/app.json".to_string()),
                ("PATH".to_string(), "/app/bin:$PATH".to_string()),
                ("LEGACY".to_string(), "value with spaces".to_string()),
            ]
        );
        assert_eq!(
            dockerfile_env("FROM a AS b\nENV X=1\nFROM b\n").unwrap(),
            [("X".into(), "1".into())]
        );
        assert!(dockerfile_env("RUN x\n").is_err());
    }

    #[test]
    fn config_differences_name_what_was_not_announced() {
        let path = ("PATH", "/go/bin:/usr/bin");
        let mut orig = config(
            "",
            "/app",
            &["./server"],
            &[path, ("APP_MODE", "prod"), ("CGO_ENABLED", "0")],
        );
        orig.exposed = vec!["8080/tcp".into()];
        let mut new = config(
            "65532",
            "/app",
            &["/app/server"],
            &[("PATH", "/usr/bin"), ("HOSTNAME", "0.0.0.0")],
        );
        new.exposed = vec![];
        let orig_env = vec![("APP_MODE".into(), "prod".into()), ("CGO_ENABLED".into(), "0".into())];
        let new_env = vec![("HOSTNAME".into(), "0.0.0.0".into())];
        let announced = [ConfigChange::Cmd, ConfigChange::EnvAdded("HOSTNAME".into())];
        let inputs = ConfigInputs {
            original_env: &orig_env,
            rewritten_env: &new_env,
            original_passwd: None,
            rewritten_passwd: None,
            announced: &announced,
        };
        let lines: Vec<String> = config_diffs(&orig, &new, &inputs)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "user: original root (none set), rewritten 65532 (not announced)",
                "env APP_MODE: original \"prod\", rewritten unset (not announced)",
                "env CGO_ENABLED: original \"0\", rewritten unset (not announced)",
                "env HOSTNAME: original unset, rewritten \"0.0.0.0\" (announced)",
                "cmd: original [\"./server\"], rewritten [\"/app/server\"] (announced)",
                "exposed ports: original 8080/tcp, rewritten (none) (not announced)",
            ]
        );
        // PATH is not compared unless a Dockerfile sets it; `$PATH` in both is the bases' difference
        let o = config("", "/", &[], &[("PATH", "/app/bin:/go/bin:/usr/bin")]);
        let n = config("", "/", &[], &[("PATH", "/app/bin:/usr/bin")]);
        let env = vec![("PATH".to_string(), "/app/bin:$PATH".to_string())];
        let inputs = ConfigInputs {
            original_env: &env,
            rewritten_env: &env,
            original_passwd: None,
            rewritten_passwd: None,
            announced: &[],
        };
        assert!(config_diffs(&o, &n, &inputs).is_empty());
    }
}
