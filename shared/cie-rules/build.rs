//! Copies the Japanese rule messages (`schemas/jp-pint-1.1.3/messages-ja.tsv`) into `OUT_DIR` so the crate can
//! embed them; an absent file yields an empty table (the English text is used instead).

use std::path::Path;

fn main() {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/jp-pint-1.1.3");
    println!("cargo::rerun-if-changed={}", schemas.display());
    let messages = std::fs::read_to_string(schemas.join("messages-ja.tsv")).unwrap_or_default();
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    std::fs::write(Path::new(&out_dir).join("messages-ja.tsv"), messages)
        .expect("OUT_DIR is writable");
}
