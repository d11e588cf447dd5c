//! The command line of `agora-portal` (an edge: errors are `anyhow` here).
//!
//! ```text
//! agora-portal [--config config/portal.toml]          serve
//! agora-portal [--config config/portal.toml] check    load everything, report, exit
//! agora-portal [--config config/portal.toml] explain UID   populations of UID, and why
//! ```

use crate::{Portal, PortalConfig, telemetry};
use anyhow::Context;
use std::path::PathBuf;

/// Run the command line `args` (without the program name): serve, check or explain.
pub fn run(args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut args = args;
    let mut config_path = PathBuf::from("config/portal.toml");
    let mut command = String::from("serve");
    let mut explain_uid = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" | "-c" => config_path = args.next().map(PathBuf::from).context("--config needs a file")?,
            "serve" | "check" => command = arg,
            "explain" => {
                command = arg;
                explain_uid = Some(args.next().context("explain needs a uid")?);
            }
            "--help" | "-h" => {
                println!("usage: agora-portal [--config FILE] [serve|check|explain UID]");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument `{other}` (try --help)"),
        }
    }
    let config = match PortalConfig::load(&config_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            std::process::exit(2);
        }
    };
    telemetry::init_logs(&config.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    if command == "check" {
        // Read-only: nothing is created, migrated or written.
        return match Portal::check(&config) {
            Ok(n) => {
                println!("configuration OK: {n} publications");
                Ok(())
            }
            Err(e) => {
                eprintln!("configuration error: {e}");
                std::process::exit(2);
            }
        };
    }
    runtime.block_on(async move {
        let portal = match Portal::build(config).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("start-up error: {e}");
                std::process::exit(2);
            }
        };
        if let Some(uid) = explain_uid {
            let state = portal.state();
            let view = match crate::admin::PersonView::of(&state.people, &state.groups, state.live.get(), &uid).await {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            };
            for source in &view.resolved.failed_sources {
                eprintln!("warning: attribute source {source} failed; explaining with what is known");
            }
            if view.resolved.person.uid != uid {
                eprintln!("note: `{uid}` is a login of uid `{}`", view.resolved.person.uid);
            }
            print!("{}", view.text());
            return Ok(());
        }
        let listen = portal.state().config.server.listen;
        let listener = std::net::TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
        let url = portal.state().config.public_url();
        tracing::info!(%url, "serving");
        println!("Agora portal listening on {url}");
        portal.serve(listener)?.await.context("server failed")
    })
}
