//! SplitMix64: a tiny seeded PRNG, so a demo run is reproducible without a `rand` dependency.
//!
//! Every theft and every task draws from its own generator, seeded from the run's seed and the
//! thing's key ([`SplitMix64::for_key`]): what happens to a theft does not depend on the order in
//! which tasks happen to be scheduled, and a restarted demo sends the very same report for a theft
//! (the intake recognises it by its `Idempotency-Key` and request hash).

/// Steele, Lea and Flood's SplitMix64 (the generator Java's `SplittableRandom` uses).
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for one named thing (a theft id, a case and task), independent of the others.
    pub fn for_key(seed: u64, key: &str) -> Self {
        Self::new(seed ^ fnv1a(key.as_bytes()))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo + 1;
        // The modulo bias is below 2^-40 for the small spans used here.
        lo + self.next_u64() % span
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        assert!(!items.is_empty(), "pick from an empty slice");
        items[self.between(0, items.len() as u64 - 1) as usize]
    }
}

/// FNV-1a 64: a stable hash (std's hasher may change between Rust releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_sequence() {
        // The first outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn same_seed_same_sequence_other_seed_other_sequence() {
        let draw = |seed| {
            let mut rng = SplitMix64::for_key(seed, "10366057");
            (0..32).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let mut a = SplitMix64::for_key(7, "10366057");
        let mut b = SplitMix64::for_key(7, "10366059");
        assert_ne!(a.next_u64(), b.next_u64(), "keys give independent streams");
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = SplitMix64::new(42);
        for _ in 0..10_000 {
            let x = rng.unit();
            assert!((0.0..1.0).contains(&x));
            let n = rng.between(30, 54);
            assert!((30..=54).contains(&n));
        }
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.between(9, 3), 9);
        let share = (0..10_000).filter(|_| rng.chance(0.03)).count();
        assert!(
            (200..400).contains(&share),
            "3 % of 10 000 draws, got {share}"
        );
    }
}
