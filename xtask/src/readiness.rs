//! Running the demo portal: its output copied to a log file as it goes to the terminal, and
//! the wait until it answers HTTP, so that `cargo xtask demo` prints the address only once
//! there is something behind it.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why [`wait_for_http`] gave up.
#[derive(Debug, PartialEq)]
pub enum NotReady<E> {
    /// The server process ended first (what `exited` reported).
    Exited(E),
    /// Nothing answered HTTP within the time allowed.
    TimedOut,
}

/// Poll `GET path` on `addr` until an HTTP response comes back (any status: returned), the
/// server process ends (`exited` returns `Some`), or `timeout` passes. A port that accepts
/// connections but sends no status line does not count as an answer.
pub fn wait_for_http<E>(
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
    mut exited: impl FnMut() -> Option<E>,
) -> Result<u16, NotReady<E>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(e) = exited() {
            return Err(NotReady::Exited(e));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(NotReady::TimedOut);
        }
        if let Some(status) = http_status(addr, path, left.min(Duration::from_secs(5))) {
            return Ok(status);
        }
        std::thread::sleep(
            deadline
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(100)),
        );
    }
}

/// One `GET path` on `addr`: the response's status code, `None` when there is none in `wait`.
fn http_status(addr: SocketAddr, path: &str, wait: Duration) -> Option<u16> {
    let wait = wait.max(Duration::from_millis(10));
    let mut stream = TcpStream::connect_timeout(&addr, wait).ok()?;
    stream.set_read_timeout(Some(wait)).ok()?;
    stream.set_write_timeout(Some(wait)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 1024 {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    status_code(&head)
}

/// The status code of an HTTP/1 status line (`HTTP/1.1 200 OK`).
fn status_code(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\n').next()?;
    let mut parts = std::str::from_utf8(line).ok()?.split_whitespace();
    let code = match (parts.next(), parts.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/") && code.len() == 3 => code,
        _ => return None,
    };
    code.parse().ok()
}

/// Where to reach a server listening on `listen`: the loopback address of the same family
/// when it listens on all addresses (`0.0.0.0`, `::`).
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// A child process whose standard output and error go to ours and, colour codes removed, to
/// a log file.
pub struct Logged {
    pub child: Child,
    pub log: PathBuf,
    copies: Vec<JoinHandle<()>>,
}

impl Logged {
    /// Start `cmd` (its standard input stays ours), logging to `log` (truncated).
    pub fn spawn(cmd: &mut Command, log: &Path) -> Result<Self> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = Arc::new(Mutex::new(
            File::create(log).with_context(|| format!("create {}", log.display()))?,
        ));
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        let mut copies = Vec::new();
        if let Some(out) = child.stdout.take() {
            copies.push(copy_lines(out, std::io::stdout(), file.clone()));
        }
        if let Some(err) = child.stderr.take() {
            copies.push(copy_lines(err, std::io::stderr(), file));
        }
        Ok(Self {
            child,
            log: log.to_path_buf(),
            copies,
        })
    }

    /// Wait for the process to end and for the last of its output to be copied.
    pub fn wait(mut self) -> Result<ExitStatus> {
        let status = self.child.wait()?;
        for copy in self.copies.drain(..) {
            let _ = copy.join();
        }
        Ok(status)
    }

    /// Stop the process (it never became ready) and wait for it.
    pub fn kill(mut self) -> Result<ExitStatus> {
        let _ = self.child.kill();
        self.wait()
    }
}

/// Copy `from` line by line to `to` and, without colour codes, to `log`.
fn copy_lines(
    from: impl Read + Send + 'static,
    mut to: impl Write + Send + 'static,
    log: Arc<Mutex<File>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut from = BufReader::new(from);
        let mut line = Vec::new();
        loop {
            line.clear();
            match from.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let _ = to.write_all(&line).and_then(|()| to.flush());
            if let Ok(mut log) = log.lock() {
                let _ = log.write_all(&strip_ansi(&line));
            }
        }
    })
}

/// `line` without ANSI escape sequences (the portal's log colours).
fn strip_ansi(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut bytes = line.iter().copied();
    while let Some(b) = bytes.next() {
        if b != 0x1b {
            out.push(b);
            continue;
        }
        // CSI (`ESC [ … final`, final byte in @..~); any other escape is two bytes.
        if bytes.next() == Some(b'[') {
            for b in bytes.by_ref() {
                if (0x40..=0x7e).contains(&b) {
                    break;
                }
            }
        }
    }
    out
}

/// Let Ctrl-C reach only the children from now on: they are in the terminal's foreground
/// process group with us and get the interrupt themselves; we stay to relay the portal's
/// last lines and wait for it. (`signal` is declared here rather than taken from the libc
/// crate to keep xtask's dependencies, and the shared Cargo.lock, as they are.)
#[cfg(unix)]
pub fn ignore_interrupts() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGINT: i32 = 2;
    const SIG_IGN: usize = 1;
    // SAFETY: sets SIGINT's disposition to "ignore"; no handler code is installed.
    unsafe {
        signal(SIGINT, SIG_IGN);
    }
}

#[cfg(not(unix))]
pub fn ignore_interrupts() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A loopback port that was free a moment ago.
    fn free_port() -> SocketAddr {
        TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
    }

    fn answer(mut stream: TcpStream, status: &str) {
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request);
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        );
    }

    #[test]
    fn waits_for_a_server_that_starts_late() {
        let addr = free_port();
        let started = Instant::now();
        let server = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(800));
            let listener = TcpListener::bind(addr).unwrap();
            let (stream, _) = listener.accept().unwrap();
            let answered = started.elapsed();
            answer(stream, "200 OK");
            answered
        });
        let status = wait_for_http(addr, "/health", Duration::from_secs(30), || None::<()>);
        let ready = started.elapsed();
        let answered = server.join().unwrap();
        assert_eq!(status, Ok(200));
        assert!(
            ready >= answered,
            "ready after {ready:?}, before the server answered ({answered:?})"
        );
    }

    #[test]
    fn an_open_port_is_not_an_answer() {
        // Listening from the start, but closing connections without a word for 600 ms.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let started = Instant::now();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if started.elapsed() < Duration::from_millis(600) {
                    drop(stream);
                } else {
                    answer(stream, "503 Service Unavailable");
                }
            }
        });
        let status = wait_for_http(addr, "/health", Duration::from_secs(30), || None::<()>);
        assert_eq!(status, Ok(503));
        assert!(started.elapsed() >= Duration::from_millis(600));
    }

    #[test]
    fn stops_when_the_process_exits() {
        let addr = free_port();
        let mut polls = 0;
        let status = wait_for_http(addr, "/health", Duration::from_secs(30), || {
            polls += 1;
            (polls == 3).then_some("exit status: 2")
        });
        assert_eq!(status, Err(NotReady::Exited("exit status: 2")));
    }

    #[test]
    fn gives_up_after_the_timeout() {
        let addr = free_port();
        let started = Instant::now();
        let status = wait_for_http(addr, "/health", Duration::from_millis(400), || None::<()>);
        assert_eq!(status, Err(NotReady::TimedOut));
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(400) && waited < Duration::from_secs(5),
            "{waited:?}"
        );
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(status_code(b"HTTP/1.0 503 Service Unavailable\r\nx: y"), Some(503));
        assert_eq!(status_code(b"SSH-2.0-OpenSSH_9.6\r\n"), None);
        assert_eq!(status_code(b""), None);
    }

    #[test]
    fn probes_loopback_for_wildcard_addresses() {
        assert_eq!(
            probe_address("0.0.0.0:8080".parse().unwrap()),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            probe_address("[::]:8080".parse().unwrap()),
            "[::1]:8080".parse().unwrap()
        );
        assert_eq!(
            probe_address("10.0.0.5:80".parse().unwrap()),
            "10.0.0.5:80".parse().unwrap()
        );
    }

    #[test]
    fn log_lines_lose_their_colours() {
        let line = b"\x1b[2m2026-12-02T03:01:10Z\x1b[0m \x1b[32m INFO\x1b[0m serving\n";
        assert_eq!(strip_ansi(line), b"2026-12-02T03:01:10Z  INFO serving\n");
    }
}
