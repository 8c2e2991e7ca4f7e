#!/usr/bin/env python3
"""Writes docs/BENCHMARKS.md and one bar chart per layer (docs/bench/LAYER.svg) from the results
of benches/compare-*.sh, as benches/compare-all.sh collects them. Python 3, standard library only:
the SVG is written by hand.

    benches/report.py --results docs/bench/results --machine docs/bench/machine.tsv \\
        --out docs/BENCHMARKS.md --charts docs/bench [--order "compare-tcp idle-heap ..."]

Input: RESULTS/NAME.tsv, the lines benches/NAME.sh appended to $RESULTS (format and metrics in
benches/lib/results.sh: LAYER, SCENARIO, SERVER, METRIC, VALUE, UNIT, tab-separated), with
RESULTS/NAME.meta beside each (finished, seconds, attempts, status; tab-separated key and value)
and the machine (machine.tsv, the same form). Every ratio here is computed from those figures,
ours over the other, all from the one run each script made.
"""

import argparse
import html
import os
import sys
from collections import OrderedDict

# What the report says about each layer: its title, the scripts behind it, and, when no ceiling
# (a `floor` server) is measured, why.
LAYERS = OrderedDict(
    [
        ("tcp", ("TCP", "compare-tcp.sh, idle-heap.sh",
                 "none measured: ours is itself the thin layer over the sockets, and "
                 "compare-tcp.sh runs no bare-syscall echo beside it")),
        ("udp", ("UDP", "compare-udp.sh",
                 "none measured: compare-udp.sh runs no bare-syscall echo beside ours")),
        ("http", ("HTTP/1.1", "compare-http.sh", None)),
        ("https", ("HTTPS (HTTP/1.1 over TLS 1.3)", "compare-https.sh",
                   "none measured: compare-https.sh runs no bare-rustls server; the HTTP floor "
                   "bounds the HTTP part")),
        ("ws", ("WebSocket", "compare-ws.sh, ws-idle-deflate.sh",
                "none measured: compare-ws.sh runs no bare-socket echo beside the servers")),
        ("dns", ("DNS resolver (client side)", "compare-dns.sh",
                 "none measured: every client asks the same local unbound; its CPU seconds show "
                 "when it, not the client, was the limit")),
    ]
)
CEILING = "floor"  # the server name that is a layer's ceiling (benches/lib/results.sh)
HEADERS = {"p99_ms": "p99 ms", "errors": "errors", "lost": "lost", "dropped": "dropped",
           "compressed": "compressed"}
# Metrics compared as ours/peer: higher is better for per_cpu and rate, lower for memory.
MEMORY = "mem_per_conn"


def read_kv(path):
    """A tab-separated key/value file as an ordered dict ({} when missing)."""
    out = OrderedDict()
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" in line:
                k, v = line.split("\t", 1)
                out[k] = v
    return out


def number(v):
    """VALUE as a float, or None when it is not a number (n/a, empty)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def ratio(a, b, positive=False):
    """a/b as a float, or None when either is not a number, b is 0, or (positive) either <= 0."""
    a, b = number(a), number(b)
    if a is None or b is None or b == 0 or (positive and (a <= 0 or b <= 0)):
        return None
    return a / b


def fmt_ratio(r):
    """2 decimals; 3 significant digits under 0.1 (a memory ratio of 0.013x is not 0.01x)."""
    if r is None:
        return "n/a"
    return f"{r:.2f}x" if abs(r) >= 0.1 else f"{r:.2g}x"


def fmt_value(v):
    """A figure as the script printed it, with thousands separators on large numbers."""
    n = number(v)
    if n is None:
        return v if v else "n/a"
    if abs(n) < 1000:
        return v
    whole, dot, frac = v.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}{dot}{frac}"


class Scenario:
    def __init__(self, name):
        self.name = name
        self.setup = ""
        self.servers = []  # in order of first appearance
        self.metrics = OrderedDict()  # metric -> unit
        self.values = {}  # (server, metric) -> value
        self.targets = OrderedDict()  # peer -> minimum ours/peer per_cpu

    def value(self, server, metric):
        return self.values.get((server, metric))

    @property
    def headline(self):
        """The metric the scenario is compared on: per_cpu, else memory, else rate."""
        for m in ("per_cpu", MEMORY, "rate"):
            if m in self.metrics:
                return m
        return None

    @property
    def peers(self):
        return [s for s in self.servers if s not in ("ours", CEILING)]


def load(results_dir, order):
    """Reads every NAME.tsv (in ORDER, then any other) into layers of scenarios, and the metas."""
    names = [f[:-4] for f in sorted(os.listdir(results_dir)) if f.endswith(".tsv")]
    metas = [f[:-5] for f in sorted(os.listdir(results_dir)) if f.endswith(".meta")]
    rank = {n: i for i, n in enumerate(order)}
    names.sort(key=lambda n: (rank.get(n, len(rank)), n))
    metas.sort(key=lambda n: (rank.get(n, len(rank)), n))
    layers = OrderedDict()
    for name in names:
        with open(os.path.join(results_dir, name + ".tsv"), encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 6:
                    print(f"report.py: {name}.tsv:{lineno}: 6 fields expected, skipped", file=sys.stderr)
                    continue
                layer, scen, server, metric, value, unit = fields
                s = layers.setdefault(layer, OrderedDict()).setdefault(scen, Scenario(scen))
                if metric == "setup":
                    s.setup = value
                elif metric == "target":
                    s.targets[server] = value
                else:
                    if server not in s.servers:
                        s.servers.append(server)
                    s.metrics.setdefault(metric, unit)
                    s.values[(server, metric)] = value
    # Layers in the report's order, then any unknown ones.
    ordered = OrderedDict((k, layers[k]) for k in LAYERS if k in layers)
    ordered.update((k, v) for k, v in layers.items() if k not in ordered)
    return ordered, OrderedDict((m, read_kv(os.path.join(results_dir, m + ".meta"))) for m in metas)


def comparisons(s):
    """(label, ratio, rate ratio, target, better) rows for a scenario: ours over each peer on its
    headline metric (and on rate), then the ceiling's rows."""
    h = s.headline
    if h is None or "ours" not in s.servers:
        return []
    mem = h == MEMORY
    rows = []
    for peer in s.peers:
        r = ratio(s.value("ours", h), s.value(peer, h), positive=mem)
        rr = None if mem else ratio(s.value("ours", "rate"), s.value(peer, "rate"))
        rows.append((f"ours/{peer}", r, rr, s.targets.get(peer), "lower" if mem else "higher"))
    if CEILING in s.servers and not mem:
        for peer in s.peers:
            rows.append((f"{CEILING}/{peer}", ratio(s.value(CEILING, h), s.value(peer, h)),
                         ratio(s.value(CEILING, "rate"), s.value(peer, "rate")), None, "higher"))
        rows.append((f"ours/{CEILING}", ratio(s.value("ours", h), s.value(CEILING, h)),
                     ratio(s.value("ours", "rate"), s.value(CEILING, "rate")), None, "higher"))
    return rows


def verdict(r, target):
    t = number(target)
    if t is None:
        return ""
    if r is None:
        return "n/a"
    return "met" if round(r, 2) >= t else "MISSED"


# --- the SVG chart --------------------------------------------------------------------------------
COLORS = {"ours": "#1f77b4", CEILING: "#ffffff"}
PEER_COLOR = "#9e9e9e"
FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


def esc(t):
    return html.escape(str(t), quote=True)


def chart(title, scenarios, footer, no_ceiling):
    """One SVG: a panel per scenario, a horizontal bar per server on the scenario's headline
    metric (scaled to the panel's largest), its value, and ours over that server."""
    width, left, bar_w, bar_h, gap = 920, 130, 380, 22, 8
    y = 58
    parts = []
    for s in scenarios:
        h = s.headline
        if h is None:
            continue
        servers = [v for v in s.servers if s.value(v, h) is not None]
        unit = s.metrics[h]
        better = "lower is better" if h == MEMORY else "higher is better"
        parts.append(f"<text x='20' y='{y}' font-size='15' font-weight='bold' {FONT}>{esc(s.name)}</text>")
        parts.append(f"<text x='20' y='{y + 18}' font-size='12' fill='#555' {FONT}>bars: {esc(unit)} ({better}); right: ours over each"
                     + ("" if h == MEMORY or "rate" not in s.metrics else f", and on {esc(s.metrics['rate'])}")
                     + "</text>")
        y += 30
        nums = [number(s.value(v, h)) for v in servers]
        top = max([n for n in nums if n is not None and n > 0] or [1])
        for v, n in zip(servers, nums):
            length = 0 if n is None or n <= 0 else max(1.0, bar_w * n / top)
            fill = COLORS.get(v, PEER_COLOR)
            stroke = " stroke='#333' stroke-dasharray='4 3'" if v == CEILING else ""
            label = f"{v} (ceiling)" if v == CEILING else v
            weight = " font-weight='bold'" if v == "ours" else ""
            parts.append(f"<text x='{left - 8}' y='{y + bar_h - 6}' font-size='13' text-anchor='end'{weight} "
                         f"{FONT}>{esc(label)}</text>")
            parts.append(f"<rect x='{left}' y='{y}' width='{length:.1f}' height='{bar_h}' fill='{fill}'{stroke}/>")
            parts.append(f"<text x='{left + length + 6:.1f}' y='{y + bar_h - 6}' font-size='12' "
                         f"{FONT}>{esc(fmt_value(s.value(v, h)))}</text>")
            if v != "ours" and "ours" in s.servers:
                r = ratio(s.value("ours", h), s.value(v, h), positive=h == MEMORY)
                text = f"ours/{esc(v)} <tspan font-weight='bold'>{esc(fmt_ratio(r))}</tspan>"
                if h != MEMORY and "rate" in s.metrics:
                    rr = ratio(s.value("ours", "rate"), s.value(v, "rate"))
                    text += (f"<tspan dx='6' fill='#555' font-size='11'>({esc(s.metrics['rate'])}: "
                             f"{esc(fmt_ratio(rr))})</tspan>")
                parts.append(f"<text x='{width - 20}' y='{y + bar_h - 6}' font-size='13' text-anchor='end' "
                             f"{FONT}>{text}</text>")
            y += bar_h + gap
        y += 22
    height = y + 40
    head = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}'>",
        f"<title>{esc(title)}: ours against its peers</title>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
        f"<text x='20' y='28' font-size='19' font-weight='bold' {FONT}>{esc(title)}: ours against its peers</text>",
    ]
    if no_ceiling:
        head.append(f"<text x='{width - 20}' y='28' font-size='12' fill='#555' text-anchor='end' {FONT}>"
                    "no ceiling measured for this layer</text>")
    foot = [f"<text x='20' y='{height - 30 + 14 * i}' font-size='11' fill='#555' {FONT}>{esc(line)}</text>"
            for i, line in enumerate(footer)]
    return "\n".join(head + parts + foot + ["</svg>"]) + "\n"


# --- the Markdown ---------------------------------------------------------------------------------
def table(header, rows, align=None):
    """A Markdown table; ALIGN has an `l` or `r` per column (default: the first left, the rest
    right)."""
    align = align or "l" + "r" * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def when(metas, machine):
    """When the scripts finished, as a date or a range (a run with ONLY keeps older results)."""
    done = sorted(m["finished"] for m in metas.values() if m.get("finished"))
    if not done:
        return machine.get("date", "unknown date")
    if done[0] == done[-1]:
        return done[0]
    if done[0][:10] == done[-1][:10]:
        return f"{done[0][:-4]} to {done[-1][11:]}"
    return f"{done[0]} to {done[-1]}"


def markdown(layers, metas, machine, charts_rel):
    date = when(metas, machine)
    md = [
        "# Benchmarks",
        "",
        "<!-- Generated by benches/compare-all.sh (benches/report.py); do not edit by hand. -->",
        "",
        f"Measured {date} (when each script finished) by `benches/compare-all.sh`, which runs every side-by-side script under "
        "`benches/` and draws this page from their figures. **Every figure comes from one run of its "
        "script**: one server at a time, the server pinned to CPU 0 and the load client to CPU 1. "
        "Quote the ratios, not the absolute numbers, and only beside the machine they ran on.",
        "",
        "Ratios are ours over the other (`ours/hyper 1.30x`: ours did 1.3 times as much per server "
        "CPU-second). Per server CPU-second is the measure the targets are set on; per wall second "
        "is shown beside it. For memory per idle connection lower is better, so there a ratio under "
        "1 favours ours. The *ceiling*, where one is measured, is a server doing the same syscalls with no protocol "
        "(`benches/http_floor.rs` for HTTP): the most a server of this design could reach.",
        "",
    ]
    cores = number((machine.get("cores") or "").split(" ")[0] or None)
    busy_scripts = [f"`{n}.sh` ({m['others_during']} %)" for n, m in metas.items()
                    if (number(m.get("others_during")) or 0) >= 10]
    if (cores is not None and cores <= 2) or busy_scripts:
        md += [
            "> **Noisy machine.** "
            + (f"This machine has {int(cores)} cores, so server and client each get one and nothing "
               "else is kept off them. " if cores is not None and cores <= 2 else "")
            + ("Other work took a share of all CPU time while these scripts ran: "
               + ", ".join(busy_scripts) + "; a ratio moves with whatever ran during either server's "
               "turn, so read those with more doubt. " if busy_scripts else "")
            + "Treat ratios near 1 as a tie.",
            "",
        ]
    failed = [f"`benches/{n}.sh` ({m['status']})" for n, m in metas.items()
              if not m.get("status", "ok").startswith(("ok", "skipped"))]
    if failed:
        md += ["> **Missing figures.** These scripts failed, so their figures are not on this page: "
               + "; ".join(failed) + ".", ""]
    md += ["## Machine", ""]
    names = {"date": "date", "cpu": "CPU", "cores": "cores", "kernel": "kernel", "rustc": "rustc",
             "node": "node", "wrk": "wrk", "unbound": "unbound", "commit": "commit",
             "loadavg": "load average at start", "secs": "SECS (load per run)",
             "total_seconds": "compare-all.sh took (s)", "invocation": "run as"}
    md += table(["", "value"], [(names.get(k, k), f"`{v}`" if k in ("rustc", "commit", "invocation") else v)
                                for k, v in machine.items()], "ll")
    md += ["", "Scripts:", ""]
    md += table(["script", "finished", "seconds", "attempts", "other work before (% CPU)",
                 "other work during (% CPU)", "status"],
                [(f"`benches/{n}.sh`", m.get("finished", ""), m.get("seconds", ""), m.get("attempts", ""),
                  m.get("busy_before", ""), m.get("others_during", ""), m.get("status", ""))
                 for n, m in metas.items()], "lrrrrrl")
    md += [""]

    # Summary: every headline ratio of ours over a peer.
    md += ["## Summary", "", "Ours over each peer on each scenario's measure (per server CPU-second, "
           "or memory per idle connection), with the target the script checks where it has one.", ""]
    rows = []
    for layer, scens in layers.items():
        title = LAYERS.get(layer, (layer,))[0]
        for s in scens.values():
            h = s.headline
            if h is None:
                continue
            what = {"per_cpu": s.metrics[h], MEMORY: s.metrics[h] + " (lower is better)"}.get(h, s.metrics[h])
            for label, r, _rr, target, _better in comparisons(s):
                if not label.startswith("ours/"):
                    continue
                if label == f"ours/{CEILING}":
                    label += " (ceiling)"
                rows.append((title, s.name, label, fmt_ratio(r), what,
                             f">= {target}x: {verdict(r, target)}" if target else ""))
    md += table(["layer", "scenario", "comparison", "ratio", "measure", "target"], rows, "lllrll")
    md += [""]

    for layer, scens in layers.items():
        title, scripts, no_ceiling = LAYERS.get(layer, (layer, "?", "none measured"))
        md += [f"## {title}", "", "From " + ", ".join(f"`benches/{x}`" for x in scripts.split(", ")) + ".", ""]
        has_ceiling = any(CEILING in s.servers for s in scens.values())
        if has_ceiling:
            md += ["Ceiling: `floor` (`benches/http_floor.rs`), not an HTTP server: on the same epoll "
                   "model (one `recv`, one `send` per round trip) it only counts the ends of request heads "
                   "and answers each with fixed bytes, no timers, no allocation per request. Its requests "
                   "per CPU-second bound what any server built this way can reach here. Measured under "
                   "load only.", ""]
        else:
            md += [f"Ceiling: {no_ceiling}.", ""]
        md += [f"![{title} chart]({charts_rel}/{layer}.svg)", ""]
        for s in scens.values():
            md += [f"### {title}: {s.name}", ""]
            if s.setup:
                md += [f"Setup: {s.setup}.", ""]
            metrics = list(s.metrics)
            header = ["server"] + [HEADERS.get(m, s.metrics[m]) for m in metrics]
            rows = []
            for v in s.servers:
                name = f"**{v}**" if v == "ours" else (f"{v} (ceiling)" if v == CEILING else v)
                rows.append([name] + [fmt_value(s.value(v, m) or "") for m in metrics])
            md += table(header, rows)
            comps = comparisons(s)
            if comps:
                h = s.headline
                md += [""]
                rate_head = [] if h == MEMORY else [f"{s.metrics.get('rate', 'rate')} ratio"]
                rows = []
                for label, r, rr, target, better in comps:
                    row = [label, fmt_ratio(r)] + ([] if h == MEMORY else [fmt_ratio(rr)])
                    row.append(f">= {target}x: {verdict(r, target)}" if target else "")
                    rows.append(row)
                md += table(["comparison", f"{s.metrics[h]} ratio" + (" (lower is better)" if h == MEMORY else "")]
                            + rate_head + ["target"], rows, "lr" + "r" * len(rate_head) + "l")
            md += [""]
    md += ["## Reproducing", "",
           "```sh",
           "benches/compare-all.sh                      # every script, then this page",
           "SECS=10 SKIP_IDLE=1 benches/compare-all.sh  # longer runs, no idle-memory measures",
           "ONLY=compare-http benches/compare-all.sh    # rerun one script, keep the others' figures",
           "WAIT_QUIET=300 benches/compare-all.sh       # shared machine: wait for idle CPUs before each script",
           "```",
           "",
           "Each script's full output is kept in `target/bench-logs/`; the figures this page is drawn "
           "from are in `docs/bench/results/` (`layer, scenario, server, metric, value, unit`, "
           "described in `benches/lib/results.sh`).",
           ""]
    return "\n".join(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True, help="directory of NAME.tsv and NAME.meta")
    ap.add_argument("--machine", required=True, help="machine.tsv")
    ap.add_argument("--out", required=True, help="the Markdown file to write")
    ap.add_argument("--charts", required=True, help="directory for LAYER.svg")
    ap.add_argument("--order", default="", help="script names in report order, space-separated")
    a = ap.parse_args()

    layers, metas = load(a.results, a.order.split())
    machine = read_kv(a.machine)
    if not layers:
        sys.exit("report.py: no results in " + a.results)
    os.makedirs(a.charts, exist_ok=True)
    footer = (f"One run per script, {when(metas, machine)}: {machine.get('cpu', '?')}, "
              f"{machine.get('cores', '?')} cores; server pinned to CPU 0, client to CPU 1.",
              "Quote the ratios, not the absolute numbers. Made by benches/compare-all.sh from "
              "docs/bench/results/.")
    for layer, scens in layers.items():
        title = LAYERS.get(layer, (layer,))[0]
        no_ceiling = not any(CEILING in s.servers for s in scens.values())
        with open(os.path.join(a.charts, layer + ".svg"), "w", encoding="utf-8") as f:
            f.write(chart(title, list(scens.values()), footer, no_ceiling))
    charts_rel = os.path.relpath(a.charts, os.path.dirname(os.path.abspath(a.out)) or ".")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(markdown(layers, metas, machine, charts_rel))
    print(f"report.py: wrote {a.out} and {len(layers)} charts in {a.charts}", file=sys.stderr)


if __name__ == "__main__":
    main()
