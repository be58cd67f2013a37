//! What several test files share: the golden streams on disk and a small deterministic generator.
// Each test crate uses a part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// This crate's golden streams, which Go wrote.
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The golden stream `name`.
pub fn golden(name: &str) -> PathBuf {
    golden_dir().join(format!("{name}.gob"))
}

/// The `.gob` files in `dir`, sorted.
pub fn gob_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "gob"))
        .collect();
    files.sort();
    files
}

/// A tiny linear congruential generator: the same numbers on every run.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }

    /// A number in `1..=max`.
    pub fn up_to(&mut self, max: usize) -> usize {
        1 + (self.next_u64() >> 33) as usize % max
    }

    /// `base` with one byte changed, and where.
    pub fn flip_one_byte(&mut self, base: &[u8]) -> (usize, Vec<u8>) {
        let s = self.next_u64();
        let mut d = base.to_vec();
        let i = (s >> 33) as usize % d.len();
        d[i] ^= (s >> 20) as u8 | 1;
        (i, d)
    }
}
