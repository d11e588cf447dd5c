//! A channel that misbehaves on purpose, one way per `mode`, so the host's tests can show that
//! the portal survives each: `panic`, `loop`, `alloc` (1 GiB), `forbidden` (calls a back-end
//! its manifest does not declare), `snoop` (reads attributes it was not granted), `xss`
//! (returns hostile HTML), `slow` (waits on a slow back-end), `fail-once` (fails when the
//! `flaky` back-end says so), `echo` (returns the `echo` back-end's body as HTML) and `ok`.

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Which misbehaviour to perform.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// One of the modes listed in the crate docs.
    pub mode: String,
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
            "ok" => Ok(Output::html(format!(
                "<p class=\"ok\">{}</p>",
                ctx.tr("Tout va bien", "All good")
            ))),
            other => Err(ChannelError::bad_config(format!("unknown mode {other}"))),
        }
    }
}

agora_channel_sdk::export_channel!(Misbehaving);
