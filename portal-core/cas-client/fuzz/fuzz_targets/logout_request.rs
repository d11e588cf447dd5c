//! Fuzz the single-logout `LogoutRequest` parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = agora_cas::parse_logout_request(text);
    }
});
