#!/usr/bin/env bash
# Prints the README's table of Node's networking docs examples beside ours, with the line count
# of each: lines that are neither blank nor comments (`//`, `//!`, `///`, `/* … */`). The Node
# versions live in examples/node/, ours in examples/. Run from anywhere:
#
#   scripts/line-counts.sh            # the Markdown table, to paste into README.md
set -euo pipefail
cd "$(dirname "$0")/.."

# Lines of code in a Rust or JavaScript file: not blank, not a line comment, not inside a block
# comment that starts a line.
count() {
    awk '
        in_block { if ($0 ~ /\*\//) in_block = 0; next }
        /^[[:space:]]*$/ { next }
        /^[[:space:]]*\/\// { next }
        /^[[:space:]]*\/\*/ { if ($0 !~ /\*\//) in_block = 1; next }
        { n++ }
        END { print n + 0 }
    ' "$1"
}

# example from Node's docs | Node file (examples/node/) | ours (examples/) | what ours does beyond it
rows=(
    "HTTP server|http_hello.js|http_hello.rs|"
    "HTTPS server|https_hello.js|https_hello.rs|without \`--cert\`/\`--key\`, makes a self-signed certificate (\`tls_server_args\` in examples/lib.rs)"
    "HTTP client|http_get.js|http_get.rs|\`-i\` prints the head as curl; the printer is \`PrintResponse\` in examples/lib.rs"
    "HTTPS client|https_get.js|https_get.rs|as \`http_get\`, with \`--cacert\`"
    "TCP server|tcp_echo.js|tcp_echo.rs|the pipe is \`splice(2)\` on Linux"
    "TCP client|tcp_client.js|tcp_client.rs|\`netcore::stdio\` streams piped both ways; the error's Node code on stderr"
    "UDP server|udp_echo.js|udp_echo.rs|\`recvmmsg\`/\`sendmmsg\` batches on Linux"
    "UDP client|udp_send.js|udp_send.rs|"
    "WebSocket server|ws_echo.js|ws_echo.rs|"
    "WebSocket client|ws_client.js|ws_client.rs|\`wss:\` with \`--cacert\`; exits 1 on an abnormal close"
    "Error handling (\`EADDRINUSE\`, retry)|tcp_errors.js|tcp_errors.rs|"
    "Chat server|tcp_chat.js|tcp_chat.rs|lines bounded to 64 KiB (\`LineSplitter\`)"
    "File streaming|http_file_server.js|http_file_server.rs|HEAD, \`Range\`, \`Content-Type\`, \`index.html\`; paths kept inside DIR"
    "DNS lookup|dns_lookup.js|dns_lookup.rs|"
)

echo "| Node docs example | Node | lines | ours | lines | ours also |"
echo "|---|---|---:|---|---:|---|"
for row in "${rows[@]}"; do
    IFS='|' read -r what node ours note <<<"$row"
    printf '| %s | [`%s`](examples/node/%s) | %d | [`%s`](examples/%s) | %d | %s |\n' \
        "$what" "$node" "$node" "$(count "examples/node/$node")" \
        "${ours%.rs}" "$ours" "$(count "examples/$ours")" "$note"
done
