//! `benches/contract.rs` with mimalloc as the global allocator instead of the system's (glibc's).
//!
//! gob-codec allocates only what the decoded value owns (one allocation per `String` or `Vec`), so
//! decoding a value with many strings into a new variable is bound by the allocator: glibc's
//! `malloc` and `free` take 44% of `LaunchOutput`'s steady decoding. This run shows what the
//! same code does where allocation is cheap, as it is for a program that picks such an allocator
//! (Go's allocator takes blocks from per-thread spans of one size class and frees them in bulk,
//! in its garbage collector). scripts/bench-gob.sh runs its decoding cases next to the system
//! allocator's and Go's:
//!
//! ```text
//! cargo bench -p boxpark-proto --bench contract_mimalloc -- '/(fresh|steady)_decode'
//! ```
#![allow(missing_docs)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "contract.rs"]
mod contract;

fn main() {
    contract::main();
}
