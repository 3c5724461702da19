//! Any input: parse never panics, and what it accepts is a plain host name
//! that parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wu_runcloud::domain::{DomainName, PublicSuffixes};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    wu_runcloud::domain::check_invariants(&input, &PublicSuffixes::default());
    let _ = DomainName::parse(&input).map(|d| d.parent());
});
