//! `agora-portal`: run the portal, or check its configuration.
//!
//! ```text
//! agora-portal [--config config/portal.toml]          serve
//! agora-portal [--config config/portal.toml] check    load everything, report, exit
//! agora-portal [--config config/portal.toml] explain UID   populations of UID, and why
//! ```

fn main() -> anyhow::Result<()> {
    agora_portal::cli::run(std::env::args().skip(1))
}
