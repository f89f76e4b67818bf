//! Fuzzes the UBL 2.1 schema check (`cie_schema::check`) on raw input, without the reader in front of it:
//! any input must give findings or a `SchemaError`, never a panic, hang or unbounded memory.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(findings) = cie_schema::check(data) {
        assert!(findings.len() <= 1000, "more findings than the stated cap");
    }
});
