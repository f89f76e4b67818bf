//! Rebuilds the store when a migration is added: `sqlx::migrate!` embeds the files it finds, and Cargo
//! only watches files it was told about.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
