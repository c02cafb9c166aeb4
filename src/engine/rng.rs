//! Keyed random streams (MODEL.md section 7).
//!
//! Every draw of replicate `(p, q)` of a run with seed `s` comes from a stream
//! whose generator is seeded by a hash of `(s, p, q, purpose, entity, month)`.
//! A stream is never shared between purposes, entities or months, so a draw
//! that one policy skips cannot shift any other draw, and results do not
//! depend on threads, run order or shard split. Parameter and caseload
//! streams are keyed by `p` only, so designs that separate parameter from
//! process uncertainty can hold parameters fixed while varying `q`.
//!
//! Generator: Xoshiro256++ (rand_xoshiro), seeded through SplitMix64 from a
//! 64-bit key built with the SplitMix64 finaliser.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every stream uses.
pub type StreamRng = Xoshiro256PlusPlus;

/// Human-readable name of the generator, for manifests.
pub const RNG_NAME: &str = "Xoshiro256PlusPlus (rand_xoshiro 0.8), keyed by SplitMix64 hash of (seed, p, q, purpose, entity, month)";

/// What a stream is used for. Each purpose has its own streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Uncertain parameters (entity = key path).
    Parameter = 1,
    /// Group caseloads (entity = group id).
    Caseload = 2,
    /// Appeal share and delay (entity = appeal number).
    Appeal = 3,
    /// Relapse of the reintegrated and self-reintegrated.
    Relapse = 4,
    /// Exits from waiting and drop-out (entity = group, bin).
    Waiting = 5,
    /// Absorption candidates.
    Absorption = 6,
    /// Presenting for disarmament.
    Presenting = 7,
    /// Reintegration course transitions (entity = group, stage).
    Course = 8,
    /// Reinsertion transitions (entity = group, stage).
    Reinsertion = 9,
    /// Conflict relapse.
    Conflict = 10,
}

/// SplitMix64 finaliser: a bijective 64-bit mix.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stable 64-bit hash of a string (FNV-1a, then mixed).
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix64(h)
}

#[inline]
fn combine(h: u64, v: u64) -> u64 {
    mix64(h ^ v.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// Entity key from a group index and a sub-index (stage, bin).
#[inline]
pub fn entity(group: usize, sub: usize) -> u64 {
    ((group as u64) << 32) | sub as u64
}

/// The stream factory of one replicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    param_key: u64,
    process_key: u64,
}

impl Streams {
    /// Streams of replicate `(p, q)` under master seed `seed`.
    pub fn new(seed: u64, p: u64, q: u64) -> Self {
        let param_key = combine(combine(mix64(seed), 0x5EED), p);
        let process_key = combine(param_key, q.wrapping_add(0x0051_CE55));
        Streams {
            param_key,
            process_key,
        }
    }

    /// Streams of a plain replicate `i` (`p = q = i`).
    pub fn replicate(seed: u64, i: u64) -> Self {
        Self::new(seed, i, i)
    }

    /// A parameter-level stream (keyed by `p` only).
    pub fn parameter(&self, purpose: Purpose, entity_hash: u64) -> StreamRng {
        StreamRng::seed_from_u64(combine(
            combine(self.param_key, purpose as u64),
            entity_hash,
        ))
    }

    /// A process stream for `(purpose, entity, month)`.
    #[inline]
    pub fn process(&self, purpose: Purpose, entity: u64, month: u32) -> StreamRng {
        let k = combine(
            combine(combine(self.process_key, purpose as u64), entity),
            month as u64,
        );
        StreamRng::seed_from_u64(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_differ_by_every_key_part() {
        let s = Streams::replicate(7, 3);
        let base: u64 = s.process(Purpose::Waiting, entity(0, 1), 5).random();
        assert_ne!(
            base,
            s.process(Purpose::Course, entity(0, 1), 5).random::<u64>()
        );
        assert_ne!(
            base,
            s.process(Purpose::Waiting, entity(1, 1), 5).random::<u64>()
        );
        assert_ne!(
            base,
            s.process(Purpose::Waiting, entity(0, 2), 5).random::<u64>()
        );
        assert_ne!(
            base,
            s.process(Purpose::Waiting, entity(0, 1), 6).random::<u64>()
        );
        assert_ne!(
            base,
            Streams::replicate(7, 4)
                .process(Purpose::Waiting, entity(0, 1), 5)
                .random::<u64>()
        );
        assert_ne!(
            base,
            Streams::replicate(8, 3)
                .process(Purpose::Waiting, entity(0, 1), 5)
                .random::<u64>()
        );
        assert_eq!(
            base,
            Streams::replicate(7, 3)
                .process(Purpose::Waiting, entity(0, 1), 5)
                .random::<u64>()
        );
    }

    #[test]
    fn parameter_streams_depend_on_p_only() {
        let a = Streams::new(1, 5, 0)
            .parameter(Purpose::Parameter, hash_str("x"))
            .random::<u64>();
        let b = Streams::new(1, 5, 9)
            .parameter(Purpose::Parameter, hash_str("x"))
            .random::<u64>();
        assert_eq!(a, b);
    }
}
