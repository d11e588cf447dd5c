//! A channel that misbehaves on purpose, one way per `mode`, so the host's tests can show that
//! the portal survives each: `panic`, `loop`, `alloc` (1 GiB), `forbidden` (calls a back-end
//! its manifest does not declare), `snoop` (reads attributes it was not granted), `xss`
//! (returns hostile HTML), `slow` (waits on a slow back-end), `fail-once` (fails when the
//! `flaky` back-end says so), `echo` (returns the `echo` back-end's body as HTML) and `ok`.
//!
//! Floods and tricks aimed at the host's bounds: `attr-flood` (200 attribute names of 1 MiB),
//! `path-flood` (32 invalid 1 MiB paths), `name-flood` (24 undeclared 1 MiB back-end names, three times the request budget),
//! `log-flood` (1,000 lines of 1 MiB), `cache-flood` (1,000 entries under 1 MiB keys),
//! `big-title` and `big-detail` (5 MB each), `cache-write` / `cache-read` (the key
//! `feed:/rss.xml`, value from `value`), `busy` (`iterations` rounds of arithmetic, then
//! renders), `recurse` (stack overflow), `abort` (unreachable), `read-file` (a WASI file
//! call) and `fail` (a back-end-unavailable error, every time).

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Which misbehaviour to perform.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// One of the modes listed in the crate docs.
    pub mode: String,
    /// Rounds of work for `busy`.
    #[serde(default)]
    pub iterations: i64,
    /// The value `cache-write` stores.
    #[serde(default)]
    pub value: String,
}

const MIB: usize = 1 << 20;

fn huge(c: char) -> String {
    std::iter::repeat_n(c, MIB).collect()
}

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    std::hint::black_box(recurse(std::hint::black_box(depth + 1))) + 1
}

/// The channel.
pub struct Misbehaving;

impl Channel for Misbehaving {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        match ctx.config.mode.as_str() {
            "panic" => panic!("deliberate panic in test channel"),
            "loop" => {
                let mut x: u64 = 0;
                loop {
                    x = x.wrapping_add(1);
                    std::hint::black_box(x);
                }
            }
            "alloc" => {
                let v = std::hint::black_box(vec![1u8; 1 << 30]);
                Ok(Output::html(format!("<p>{} {}</p>", v.len(), v[v.len() - 1])))
            }
            "forbidden" => {
                let r = backend::get("secret-api", "/")?;
                Ok(Output::html(format!("<p>got {}</p>", r.status)))
            }
            "snoop" => {
                let pw = ctx.attribute("userPassword");
                let etu = ctx.attribute("supannEtuId");
                let name = ctx.attribute("displayName");
                Ok(Output::html(format!(
                    "<p id=\"snoop\">password={} etuid={} name={}</p>",
                    escape(&pw.join(",")),
                    escape(&etu.join(",")),
                    escape(&name.join(","))
                )))
            }
            "xss" => Ok(Output::html(
                "<p>hostile</p><script>alert('xss')</script>\
                 <img src=\"x\" onerror=\"alert('xss')\">\
                 <a href=\"javascript:alert('xss')\">click</a>\
                 <a href=\"https://univ.fr/\" onclick=\"alert('xss')\">safe link</a>\
                 <iframe src=\"https://evil.example/\"></iframe>\
                 <div style=\"background:url(javascript:alert(1))\">styled</div>",
            )),
            "slow" | "echo" => {
                let r = backend::get(if ctx.config.mode == "slow" { "slow" } else { "echo" }, "")?;
                if !r.is_success() {
                    return Err(ChannelError::backend_unavailable(format!("HTTP {}", r.status)));
                }
                Ok(Output::html(r.text()))
            }
            "attr-flood" => {
                let name = huge('a');
                for _ in 0..200 {
                    std::hint::black_box(ctx.attribute(&name));
                }
                Err(ChannelError::internal("flooded attribute names"))
            }
            "path-flood" => {
                let path = format!("/../{}", huge('p'));
                for _ in 0..32 {
                    let _ = backend::get("echo", &path);
                }
                Err(ChannelError::internal("flooded paths"))
            }
            "name-flood" => {
                let name = huge('n');
                for _ in 0..24 {
                    let _ = backend::get(&name, "/");
                }
                Err(ChannelError::internal("flooded back-end names"))
            }
            "log-flood" => {
                let line = huge('l');
                for _ in 0..1000 {
                    log::warn(&line);
                }
                Ok(Output::html("<p>logged</p>"))
            }
            "cache-flood" => {
                let key = huge('k');
                for i in 0..1000 {
                    cache::set(&format!("{key}{i}"), b"v", 60);
                }
                Ok(Output::html("<p>cached</p>"))
            }
            "notify" => {
                // `value` (and `?<publication>.n=`) is the title; then a bad link and a
                // notification beyond the budget.
                let title = format!("{} {}", ctx.config.value, request::param("n").unwrap_or_default());
                let n = |key: &str, link: &str| notify::Notification {
                    key: key.into(),
                    title: title.trim().to_string(),
                    body: "from the test channel".into(),
                    link: Some(link.into()),
                };
                let said = |r: Result<(), notify::NotifyError>| match r {
                    Ok(()) => "ok".to_string(),
                    Err(notify::NotifyError::Invalid(_)) => "invalid".to_string(),
                    Err(notify::NotifyError::BudgetExhausted) => "budget".to_string(),
                    Err(notify::NotifyError::NotGranted(_)) => "not-granted".to_string(),
                };
                let results = [
                    said(notify::raise(&n("first", "/"))),
                    said(notify::raise(&n("evil", "javascript:alert(1)"))),
                    said(notify::raise(&n("second", "https://univ.fr/"))),
                    said(notify::raise(&n("third", "/"))),
                ];
                Ok(Output::html(format!("<p class=\"notified\">{}</p>", results.join(" "))))
            }
            "big-title" => Ok(Output::html("<p>small</p>").with_title("t".repeat(5_000_000))),
            "big-detail" => Err(ChannelError::internal("d".repeat(5_000_000))),
            "cache-write" => {
                cache::set("feed:/rss.xml", ctx.config.value.as_bytes(), 3600);
                Ok(Output::html(format!(
                    "<p class=\"wrote\">{}</p>",
                    escape(&ctx.config.value)
                )))
            }
            "cache-read" => {
                let got = cache::get("feed:/rss.xml")
                    .map(|v| String::from_utf8_lossy(&v).into_owned())
                    .unwrap_or_else(|| "(empty)".into());
                Ok(Output::html(format!("<p class=\"read\">{}</p>", escape(&got))))
            }
            "busy" => {
                let mut x: u64 = 1;
                for i in 0..ctx.config.iterations.max(0) as u64 {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
                }
                Ok(Output::html(format!("<p class=\"busy\">done {}</p>", x % 10)))
            }
            "recurse" => Ok(Output::html(format!("<p>{}</p>", recurse(0)))),
            "abort" => std::process::abort(),
            "read-file" => {
                let text = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
                Ok(Output::html(format!("<p>{}</p>", escape(&text))))
            }
            "fail" => Err(ChannelError::backend_unavailable("the back-end is down (test)")),
            "ok" => Ok(Output::html(format!(
                "<p class=\"ok\">{}</p>",
                ctx.tr("Tout va bien", "All good")
            ))),
            other => Err(ChannelError::bad_config(format!("unknown mode {other}"))),
        }
    }

    fn search(ctx: &Context<Config>, query: &str) -> Result<Vec<SearchItem>, ChannelError> {
        match ctx.config.mode.as_str() {
            "panic" => panic!("deliberate panic in search"),
            "loop" => {
                let mut x = 0u64;
                loop {
                    x = x.wrapping_add(1);
                    std::hint::black_box(x);
                }
            }
            _ => Ok(vec![
                SearchItem {
                    title: format!("Found {query}"),
                    description: format!("<b>{}</b>", ctx.publication),
                    link: "/?tab=home".into(),
                },
                SearchItem {
                    title: "hostile".into(),
                    description: String::new(),
                    link: "javascript:alert(1)".into(),
                },
            ]),
        }
    }
}

agora_channel_sdk::export_channel!(Misbehaving);
