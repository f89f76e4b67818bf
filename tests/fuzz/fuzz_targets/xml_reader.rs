//! Fuzzes the UBL reader (`cie_ubl::parse`) with the limits the server uses by default: any input must be
//! answered with a summary or a `UblError` (no panic, hang or unbounded memory), and an accepted summary
//! keeps the length limits the reader promises.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = cie_ubl::Limits::default();
    match cie_ubl::parse(data, &limits) {
        Ok(summary) => {
            assert!(
                summary.number.chars().count() <= cie_ubl::MAX_NUMBER_CHARS,
                "document number longer than the limit"
            );
        }
        Err(error) => {
            // Every refusal has a stable code and a message.
            assert!(!error.code().is_empty());
            assert!(!error.to_string().is_empty());
        }
    }
});
