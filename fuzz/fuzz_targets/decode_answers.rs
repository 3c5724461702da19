//! Any body RunCloud (or a proxy) could send: decoding never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    wu_runcloud::api::decode::decode_everything(data);
});
