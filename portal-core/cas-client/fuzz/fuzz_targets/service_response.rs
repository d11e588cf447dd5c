//! Fuzz the CAS `serviceResponse` parsers (validation and proxy): any bytes must give a
//! value or a typed error, never a panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = agora_cas::parse_validation(text);
        let _ = agora_cas::parse_proxy_response(text);
    }
});
