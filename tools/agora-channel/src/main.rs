//! `agora-channel`, the channel author's command (an edge: errors are `anyhow` here).
//!
//! ```text
//! agora-channel new NAME [--path DIR] [--sdk PATH]   a channel crate from the template
//! agora-channel test [DIR]                           its manifest checked, its tests run natively
//! agora-channel package [DIR] [--out DIR]            built for wasm32-wasip2, loaded as the portal would
//! agora-channel record --backend NAME --url BASE [--out FILE] PATH...
//!                                                    a back-end's answers saved as test fixtures
//! agora-channel dev [DIR] [--port P] [--backend NAME=URL]… [--share DIR]
//!                                                    a local portal with the demo personas, reloading on save
//! agora-channel deploy [DIR] --portal URL [--token-file F]
//!                                                    packaged, then sent to a running portal
//! agora-channel rollback NAME --portal URL [--version V] [--token-file F]
//!                                                    an earlier deployed version current again
//! ```
//!
//! See docs/channel-authors.md for the ten-minute tutorial.

mod deploy;
mod dev;
mod new;
mod package;
mod record;

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: agora-channel <command>
  new NAME [--path DIR] [--sdk PATH]     create the channel crate DIR/NAME (DIR: .) from the template
  test [DIR]                             check channel.toml, then run the channel's tests natively
  package [DIR] [--out DIR]              build for wasm32-wasip2, load it as the portal would, and
                                         write the package (channel.toml, channel.wasm, icon)
  record --backend NAME --url BASE [--out FILE] PATH...
                                         GET BASE+PATH for each PATH and save the answers as a
                                         recording for the SDK's testing harness
  dev [DIR] [--port 8090] [--backend NAME=URL]… [--share DIR]
                                         a local portal (demo personas) showing the channel,
                                         back-ends answered from tests/fixtures/ unless bound
                                         to a URL; rebuilt and reloaded on every save
  deploy [DIR] --portal URL [--token-file FILE]
                                         package, then send it to a running portal, which checks
                                         it, keeps it as a new version and reloads (token: the
                                         portal's [channels] deploy_token, from the file or
                                         AGORA_DEPLOY_TOKEN)
  rollback NAME --portal URL [--version V] [--token-file FILE]
                                         make an earlier deployed version current again";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agora-channel: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(());
    };
    let mut opts = Options::parse(rest)?;
    match command.as_str() {
        "new" => {
            let name = opts
                .positional
                .first()
                .context("new needs a NAME (e.g. `agora-channel new library-hours`)")?;
            let name = name.clone();
            let parent = PathBuf::from(opts.take("--path").unwrap_or_else(|| ".".into()));
            let sdk = opts.take("--sdk").map(PathBuf::from);
            opts.done()?;
            let dir = new::create(&name, &parent, sdk)?;
            println!(
                "created {}\nnext: cd {} && agora-channel test",
                dir.display(),
                dir.display()
            );
            Ok(())
        }
        "test" => {
            opts.done()?;
            package::test(&opts.dir())
        }
        "package" => {
            let out = opts.take("--out").map(PathBuf::from);
            opts.done()?;
            let out = package::package(&opts.dir(), out)?;
            println!("{}", out.display());
            Ok(())
        }
        "record" => {
            let backend = opts
                .take("--backend")
                .context("record needs --backend NAME (the manifest's [backends.NAME])")?;
            let url = opts
                .take("--url")
                .context("record needs --url BASE (the back-end's base URL)")?;
            let out = opts
                .take("--out")
                .unwrap_or_else(|| format!("tests/fixtures/{backend}.toml"));
            opts.done()?;
            if opts.positional.is_empty() {
                bail!("record needs at least one PATH to ask (e.g. /status.json)");
            }
            let written = record::record(&backend, &url, &opts.positional, &PathBuf::from(&out))?;
            for file in written {
                println!("{}", file.display());
            }
            Ok(())
        }
        "dev" => {
            let port = match opts.take("--port") {
                Some(p) => p.parse().with_context(|| format!("--port {p} is not a port"))?,
                None => 8090,
            };
            let mut bindings = Vec::new();
            while let Some(binding) = opts.take("--backend") {
                let (name, url) = binding
                    .split_once('=')
                    .with_context(|| format!("--backend {binding}: NAME=URL (e.g. api=https://service.univ.fr)"))?;
                bindings.push((name.to_string(), url.to_string()));
            }
            let share = opts.take("--share").map(PathBuf::from);
            opts.done()?;
            dev::dev(&opts.dir(), port, bindings, share)
        }
        "deploy" => {
            let portal = opts
                .take("--portal")
                .context("deploy needs --portal URL (e.g. https://ent.univ.fr)")?;
            let token = deploy::token(opts.take("--token-file").map(PathBuf::from))?;
            opts.done()?;
            let package = package::package(&opts.dir(), None)?;
            let answer = deploy::deploy(&package, &portal, &token)?;
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(())
        }
        "rollback" => {
            let name = opts
                .positional
                .first()
                .cloned()
                .context("rollback needs the package NAME")?;
            let portal = opts.take("--portal").context("rollback needs --portal URL")?;
            let version = opts.take("--version");
            let token = deploy::token(opts.take("--token-file").map(PathBuf::from))?;
            opts.done()?;
            let answer = deploy::rollback(&name, version.as_deref(), &portal, &token)?;
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(())
        }
        "--help" | "-h" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
}

/// `--key value` options and the positional arguments, in order.
struct Options {
    named: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut named = Vec::new();
        let mut positional = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if arg.starts_with("--") {
                let value = args.next().with_context(|| format!("{arg} needs a value"))?;
                named.push((arg.clone(), value.clone()));
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Options { named, positional })
    }

    /// An error naming the options no command took.
    fn done(&self) -> Result<()> {
        match self.named.first() {
            Some((key, _)) => bail!("unknown option {key} (try --help)"),
            None => Ok(()),
        }
    }

    fn take(&mut self, key: &str) -> Option<String> {
        let at = self.named.iter().position(|(k, _)| k == key)?;
        Some(self.named.remove(at).1)
    }

    /// The channel's folder: the first positional argument, else the current folder.
    fn dir(&self) -> PathBuf {
        self.positional
            .first()
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    }
}
