//! Small helpers shared by the examples: argument parsing kept out of the examples' way.

/// The port from the first command-line argument, or `default`. Exits with a message on junk.
pub fn port_arg(default: u16) -> u16 {
    port_at(1, default)
}

/// The port from argument `index` (1-based), or `default`.
pub fn port_at(index: usize, default: u16) -> u16 {
    match std::env::args().nth(index) {
        None => default,
        Some(p) => p.parse().unwrap_or_else(|_| {
            eprintln!("invalid port {p:?}");
            std::process::exit(2)
        }),
    }
}

/// An error's message followed by its Node-style name, `message (NAME)`, once: messages that
/// already end with their name (socket errors do) are left as they are.
///
/// ```
/// assert_eq!(netcore_examples::with_code("refused (ECONNREFUSED)", "ECONNREFUSED"), "refused (ECONNREFUSED)");
/// assert_eq!(netcore_examples::with_code("timed out", "WS_ERR_HANDSHAKE_TIMEOUT"), "timed out (WS_ERR_HANDSHAKE_TIMEOUT)");
/// ```
pub fn with_code(message: impl std::fmt::Display, code: &str) -> String {
    let text = message.to_string();
    if text.ends_with(&format!("({code})")) {
        text
    } else {
        format!("{text} ({code})")
    }
}
