//! The fuzz targets' invariants in the ordinary test run: every input kept in
//! fuzz/regressions/ (what `make fuzz` found), plus a fixed batch of mutations.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::path::Path;
use wu_runcloud::api::decode::decode_everything;
use wu_runcloud::domain::{check_invariants, PublicSuffixes};

fn kept_inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    // The corpus is committed: a missing or empty folder is a broken checkout or
    // a renamed target, and must fail rather than replay nothing.
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| std::fs::read(e.path()).expect("read"))
        .collect();
    assert!(!out.is_empty(), "{} holds no input", dir.display());
    out.sort();
    out
}

/// Deterministic mutations of seed inputs: byte flips, insertions, cuts, repeats.
fn mutations(seeds: &[&[u8]], count: usize) -> Vec<Vec<u8>> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let alphabet: &[u8] = b"aZ09-._:/@?#[]* \t\n\x00\xc3\xbc\xe2\x80\x8b%\\\"{}";
    (0..count)
        .map(|_| {
            let mut v = seeds[(next() as usize) % seeds.len()].to_vec();
            for _ in 0..(1 + next() % 4) {
                let pos = if v.is_empty() {
                    0
                } else {
                    (next() as usize) % v.len()
                };
                match next() % 5 {
                    0 if !v.is_empty() => v[pos] = alphabet[(next() as usize) % alphabet.len()],
                    1 => v.insert(pos, alphabet[(next() as usize) % alphabet.len()]),
                    2 if !v.is_empty() => v.truncate(pos),
                    3 => {
                        let tail = v[pos..].to_vec();
                        v.extend_from_slice(&tail);
                    }
                    _ => v.insert(pos, (next() % 256) as u8),
                }
            }
            v
        })
        .collect()
}

#[test]
fn domain_parse_invariants_hold() {
    let seeds: &[&[u8]] = &[
        b"example.com",
        b"Shop.Example.co.uk.",
        "b\u{fc}cher.de".as_bytes(),
        b"xn--bcher-kva.de",
        b"a-b.c-d.example",
        b"www.example.com",
        b"192.168.0.1",
        b"[::1]",
    ];
    let mut inputs = kept_inputs("domain_parse");
    let kept = inputs.len();
    inputs.extend(mutations(seeds, 20_000));
    let suffixes = PublicSuffixes::default();
    for data in &inputs {
        check_invariants(&String::from_utf8_lossy(data), &suffixes);
    }
    println!(
        "domain_parse: {kept} kept inputs and {} mutations checked",
        inputs.len() - kept
    );
}

#[test]
fn decoding_never_panics() {
    let seeds: &[&[u8]] = &[
        br#"{"data":[{"id":1,"name":"a.com","www":1,"wildcard":0}],"meta":{"pagination":{"total_pages":2}}}"#,
        br#"{"message":"The given data was invalid.","errors":{"name":["taken"]}}"#,
        br#"{"id":9,"method":"letsencrypt","validUntil":"2027-01-01"}"#,
        br#"{"advancedSSL":true,"autoSSL":false}"#,
        b"<html><body>502</body></html>",
    ];
    let mut inputs = kept_inputs("decode_answers");
    let kept = inputs.len();
    inputs.extend(mutations(seeds, 20_000));
    for data in &inputs {
        decode_everything(data);
    }
    println!(
        "decode_answers: {kept} kept inputs and {} mutations checked",
        inputs.len() - kept
    );
}
