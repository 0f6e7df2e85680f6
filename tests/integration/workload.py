#!/usr/bin/env python3
"""Deterministic workload for the integration tests: pipelines, signals and the expected matches.

    workload.py SEED PIPELINES TICKERS SIGNALS OUTDIR [PARTITIONS]

Writes to OUTDIR:
  pipelines.tsv           name, kind, comma-separated tickers; kind is one of
                          signal    active signal-mode pipeline watching tickers that get signals
                          cold      active signal-mode pipeline watching only tickers no signal has
                          inactive  inactive signal-mode pipeline (must never run)
                          periodic  active periodic pipeline (must never be woken by a signal)
  signals.jsonl           one signal per line, unique signal_id, small payload (~170 bytes)
  expected_signals.tsv    signal_id, number of active signal-mode pipelines it matches
  expected_pipelines.tsv  name, kind, expected ('match' if some signal matches it, else 'none')
  positions.tsv           signal_id, partition, offset: where each signal lands in a topic of
                          PARTITIONS partitions (3) when one producer publishes signals.jsonl
                          in order, keyed by its first ticker (Java's murmur2 partitioner, which
                          sigflow's producer uses); offsets count from 0 per partition
  summary.txt             key=value figures

Tickers are T000, T001, ...; the first 80 % ("hot") carry signals with a skewed (Zipf-like)
popularity so that some pipelines are woken often and others rarely; the last 20 % ("cold")
never appear in a signal. About 20 % of the signals carry two tickers. Only the standard library
is used, so any python3 works.
"""
import os
import random
import sys


def murmur2(data):
    """Kafka's murmur2 (the Java client's Utils.murmur2), on bytes; an unsigned 32-bit result."""
    m, r, mask = 0x5BD1E995, 24, 0xFFFFFFFF
    length = len(data)
    h = (0x9747B28C ^ length) & mask
    for i in range(0, length - length % 4, 4):
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    tail = length % 4
    base = length - tail
    if tail == 3:
        h ^= data[base + 2] << 16
    if tail >= 2:
        h ^= data[base + 1] << 8
    if tail >= 1:
        h ^= data[base]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h


def partition_of(key, partitions):
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    seed, n_pipelines, n_tickers, n_signals = (int(a) for a in sys.argv[1:5])
    out = sys.argv[5]
    n_partitions = int(sys.argv[6]) if len(sys.argv) == 7 else 3
    if n_tickers < 5 or n_pipelines < 10 or n_signals < 1:
        sys.exit("workload.py: need at least 5 tickers, 10 pipelines and 1 signal")
    rng = random.Random(seed)

    tickers = ["T%03d" % i for i in range(n_tickers)]
    n_hot = max(1, n_tickers * 4 // 5)
    hot, cold = tickers[:n_hot], tickers[n_hot:]
    weights = [1.0 / (i + 1) ** 0.8 for i in range(n_hot)]

    pipelines = []  # (name, kind, tickers)
    for i in range(n_pipelines):
        name = "integ-p%05d" % i
        r = i % 20
        if r in (7, 17):
            kind = "inactive"
        elif r in (8, 18):
            kind = "periodic"
        elif r == 9:
            kind = "cold"
        else:
            kind = "signal"
        if kind == "cold":
            watched = rng.sample(cold, rng.randint(1, min(2, len(cold))))
        else:
            # Inactive and periodic pipelines watch popular tickers too: only the filter on
            # is_active / trigger_mode keeps them from being woken.
            watched = rng.sample(hot, rng.randint(1, min(3, len(hot))))
        pipelines.append((name, kind, watched))

    # ticker -> names of the active signal-mode pipelines watching it
    watchers = {}
    for name, kind, watched in pipelines:
        if kind in ("signal", "cold"):
            for t in watched:
                watchers.setdefault(t, set()).add(name)

    matched_pipelines = set()
    next_offset = [0] * n_partitions
    with open(os.path.join(out, "signals.jsonl"), "w") as sig, \
            open(os.path.join(out, "expected_signals.tsv"), "w") as exp, \
            open(os.path.join(out, "positions.tsv"), "w") as pos:
        for j in range(n_signals):
            sid = "integ-%d-%06d" % (seed, j)
            k = 2 if rng.random() < 0.2 else 1
            chosen = []
            while len(chosen) < k:
                t = rng.choices(hot, weights)[0]
                if t not in chosen:
                    chosen.append(t)
                if len(hot) < 2:
                    break
            entries = ",".join(
                '{"ticker":"%s","signal":"%s","confidence":%d}'
                % (t, rng.choice(("BULLISH", "BEARISH")), rng.randint(50, 99))
                for t in chosen)
            sig.write('{"signal_id":"%s","timestamp":%d,"signal_type":"integ","source":"integ",'
                      '"tickers":[%s],"metadata":{}}\n' % (sid, 1733875200 + j, entries))
            hit = set()
            for t in chosen:
                hit |= watchers.get(t, set())
            matched_pipelines |= hit
            exp.write("%s\t%d\n" % (sid, len(hit)))
            part = partition_of(chosen[0], n_partitions)
            pos.write("%s\t%d\t%d\n" % (sid, part, next_offset[part]))
            next_offset[part] += 1

    counts = {}
    with open(os.path.join(out, "pipelines.tsv"), "w") as p, \
            open(os.path.join(out, "expected_pipelines.tsv"), "w") as e:
        for name, kind, watched in pipelines:
            p.write("%s\t%s\t%s\n" % (name, kind, ",".join(watched)))
            expected = "match" if name in matched_pipelines else "none"
            e.write("%s\t%s\t%s\n" % (name, kind, expected))
            counts[kind] = counts.get(kind, 0) + 1
    with open(os.path.join(out, "summary.txt"), "w") as s:
        s.write("signals=%d\npipelines=%d\ntickers=%d\nmatched_pipelines=%d\n"
                % (n_signals, n_pipelines, n_tickers, len(matched_pipelines)))
        for part, n in enumerate(next_offset):
            s.write("partition_%d_signals=%d\n" % (part, n))
        for kind in sorted(counts):
            s.write("pipelines_%s=%d\n" % (kind, counts[kind]))


if __name__ == "__main__":
    main()
