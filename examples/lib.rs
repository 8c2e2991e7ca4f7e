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
