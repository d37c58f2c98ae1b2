//! Where the load's thefts happen: near Chicago's district police stations (shared/data's
//! chicago-police-stations.csv), so every report lands inside the demo city and the roster file's
//! precincts, spread over the districts.

/// (district, latitude, longitude) of each station.
pub const STATIONS: [(u32, f64, f64); 22] = [
    (1, 41.85837259, -87.62735617),
    (2, 41.80181109, -87.63056018),
    (3, 41.76643089, -87.60574786),
    (4, 41.70793329, -87.56834912),
    (5, 41.69272336, -87.60450587),
    (6, 41.75213684, -87.64422891),
    (7, 41.77963154, -87.66088702),
    (8, 41.77898719, -87.70886382),
    (9, 41.83739443, -87.64640771),
    (10, 41.85668453, -87.70838196),
    (11, 41.87358229, -87.70548813),
    (12, 41.86297662, -87.65697251),
    (14, 41.92110332, -87.69745182),
    (15, 41.88008346, -87.76819989),
    (16, 41.97409445, -87.76614884),
    (17, 41.96605342, -87.72811456),
    (18, 41.90324165, -87.64335214),
    (19, 41.94740046, -87.65151202),
    (20, 41.97954951, -87.69284451),
    (22, 41.69143478, -87.66852039),
    (24, 41.99976348, -87.67132429),
    (25, 41.91860889, -87.76557448),
];

/// Up to this many degrees from the station (about 100 m): the street around it.
const JITTER_DEGREES: f64 = 0.001;

/// A small deterministic generator (SplitMix64): reproducible runs with `--seed`, no dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A point near a random station: (district, lat, lng).
pub fn random_place(rng: &mut Rng) -> (u32, f64, f64) {
    let (district, lat, lng) = STATIONS[rng.below(STATIONS.len())];
    let jitter = |rng: &mut Rng| (rng.unit() * 2.0 - 1.0) * JITTER_DEGREES;
    (district, lat + jitter(rng), lng + jitter(rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_stay_near_a_station() {
        let mut rng = Rng::new(7);
        for _ in 0..1000 {
            let (district, lat, lng) = random_place(&mut rng);
            let (_, slat, slng) = STATIONS.iter().find(|s| s.0 == district).unwrap();
            assert!((lat - slat).abs() <= JITTER_DEGREES);
            assert!((lng - slng).abs() <= JITTER_DEGREES);
        }
    }

    #[test]
    fn the_generator_is_reproducible_and_spread() {
        let a: Vec<u64> = {
            let mut r = Rng::new(1);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(1);
            (0..5).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        let mut r = Rng::new(2);
        let mut seen = [false; 22];
        for _ in 0..1000 {
            seen[r.below(22)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
