//! `agora-portal`: run the portal, or check its configuration.
//!
//! ```text
//! agora-portal [--config config/portal.toml]          serve
//! agora-portal [--config config/portal.toml] check    load everything, report, exit
//! agora-portal [--config config/portal.toml] explain UID   populations of UID, and why
//! ```

use agora_portal::{Portal, PortalConfig, telemetry};
use anyhow::Context;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
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
    runtime.block_on(async move {
        let portal = match Portal::build(config).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("start-up error: {e}");
                std::process::exit(2);
            }
        };
        if let Some(uid) = explain_uid {
            let state = &portal.state;
            let resolved = state.people.resolve(&uid, Default::default()).await;
            for source in &resolved.failed_sources {
                eprintln!("warning: attribute source {source} failed; explaining with what is known");
            }
            if resolved.failed_sources.is_empty() && resolved.person.attributes.keys().all(|k| k == "uid") {
                eprintln!("warning: no source knows `{uid}`; explaining with the login alone");
            }
            let now = agora_portal::slot::now_ms();
            for e in agora_portal::populations::explain(&state.live.get().populations, &resolved.person, now) {
                print!("{}", e.to_text());
            }
            return Ok(());
        }
        if command == "check" {
            println!("configuration OK: {} publications", portal.state.registry.len());
            return Ok(());
        }
        let listen = portal.state.config.server.listen;
        let listener = std::net::TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
        let url = portal.state.config.public_url();
        tracing::info!(%url, "serving");
        println!("Agora portal listening on {url}");
        portal.serve(listener)?.await.context("server failed")
    })
}
