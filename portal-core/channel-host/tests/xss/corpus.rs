//! The XSS corpus (`corpus.txt` beside this file, format described at its top), decoded.
//! Shared by the channel host's `xss_corpus` test and the browser test of `agora-tests`
//! (both include this file with `#[path]`).

/// One hostile fragment of the corpus.
#[derive(Debug, Clone)]
pub struct Vector {
    /// Its class (the `## ` heading above it).
    pub class: String,
    /// Its line in `corpus.txt`, to name it in reports.
    pub line: usize,
    /// The HTML, escapes decoded.
    pub html: String,
}

/// The corpus file as shipped.
pub const CORPUS: &str = include_str!("corpus.txt");

/// Every vector of the corpus, in file order. Panics naming the line on a malformed one.
pub fn vectors() -> Vec<Vector> {
    let mut class = String::new();
    let mut out = Vec::new();
    for (index, line) in CORPUS.lines().enumerate() {
        let number = index + 1;
        if let Some(name) = line.strip_prefix("## ") {
            class = name.trim().to_string();
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            assert!(
                !class.is_empty(),
                "corpus.txt:{number}: a vector before the first class"
            );
            let html = decode(line).unwrap_or_else(|e| panic!("corpus.txt:{number}: {e}"));
            out.push(Vector {
                class: class.clone(),
                line: number,
                html,
            });
        }
    }
    out
}

/// Decode the escapes of one corpus line: `\n \r \t \f \0 \\ \xHH \u{H…}`.
pub fn decode(line: &str) -> Result<String, String> {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('f') => out.push('\u{c}'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let code = u8::from_str_radix(&hex, 16).map_err(|_| format!("bad \\x escape `\\x{hex}`"))?;
                out.push(char::from(code));
            }
            Some('u') => {
                if chars.next() != Some('{') {
                    return Err("\\u must be followed by {".into());
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let code = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("bad \\u escape `\\u{{{hex}}}`"))?;
                out.push(code);
            }
            other => {
                return Err(format!(
                    "unknown escape `\\{}`",
                    other.map(String::from).unwrap_or_default()
                ));
            }
        }
    }
    Ok(out)
}
