//! `agora-node`: the portal's own command line (`agora_portal::cli`), built with this test
//! crate so that the multi-node tests always run the current code as separate processes
//! (which they start, kill -9 and restart).

fn main() -> anyhow::Result<()> {
    agora_portal::cli::run(std::env::args().skip(1))
}
