//! `agora-sis-simulator [--listen 127.0.0.1:0] [--data examples/sis-simulator/data]`: serve
//! the ADE, Apogée, iTop and Pégase simulators until interrupted; prints the base URL.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let listen = value("--listen", "127.0.0.1:0");
    let dir = value("--data", concat!(env!("CARGO_MANIFEST_DIR"), "/data"));
    let data = match agora_sis_simulator::Data::load(std::path::Path::new(&dir)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("agora-sis-simulator: {e}");
            std::process::exit(2);
        }
    };
    match agora_sis_simulator::Simulator::start(data, &listen) {
        Ok(sim) => {
            println!("{}", sim.url);
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("agora-sis-simulator: cannot listen on {listen}: {e}");
            std::process::exit(2);
        }
    }
}
