//! Keyed random streams (MODEL.md section 7).
//!
//! Every draw of replicate `(p, q)` of a run with seed `s` comes from a stream
//! whose generator is keyed by a hash of `(s, p, q, purpose, entity, month)`.
//! A stream is never shared between purposes, entities or months, so a draw
//! that one policy skips cannot shift any other draw, and results do not
//! depend on threads, run order or shard split. Parameter and caseload
//! streams are keyed by `p` only, so designs that separate parameter from
//! process uncertainty can hold parameters fixed while varying `q`.
//!
//! Generator: SplitMix64 used as a counter-based generator. The `i`-th
//! output (from 1) of the stream with key `k` is `mix(k + i * gamma)`, with
//! `gamma = 0x9E3779B97F4A7C15` and `mix` the variant-13 finaliser of
//! Stafford, exactly the SplitMix64 of Steele, Lea & Flood ("Fast splittable
//! pseudorandom number generators", OOPSLA 2014; Java's `SplittableRandom`),
//! which passes TestU01's BigCrush; the test below checks it word for word
//! against rand_xoshiro's `SplitMix64`. A stream is one 64-bit word: making
//! one costs the key hash and nothing else (no seeding). The key is built
//! with the same finaliser. Two streams collide only if their keys are equal
//! or within a few draws times `gamma` of each other (probability about
//! `2 L / 2^64` per pair for streams of length `L`); the streams here are a
//! few draws long.

use rand::rand_core::{Infallible, TryRng};

/// The generator every stream uses: SplitMix64 in counter mode (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRng {
    /// Key plus `gamma` times the number of words drawn so far.
    state: u64,
}

/// SplitMix64's increment, the odd integer nearest `2^64 / golden ratio`.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl StreamRng {
    /// The stream with key `key`.
    #[inline]
    pub fn from_key(key: u64) -> Self {
        #[cfg(feature = "draw-log")]
        if super::draw::log::active() {
            count::STREAMS.with(|c| c.set(c.get() + 1));
        }
        StreamRng { state: key }
    }
}

impl TryRng for StreamRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        #[cfg(feature = "draw-log")]
        if super::draw::log::active() {
            count::WORDS.with(|c| c.set(c.get() + 1));
        }
        let z = self.state;
        self.state = z.wrapping_add(GAMMA);
        Ok(mix64(z))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let w = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

/// Counts of streams made and words drawn on this thread while a draw log is
/// open, for the RNG floor benchmark (`--features draw-log`; absent from
/// normal builds).
#[cfg(feature = "draw-log")]
pub mod count {
    use std::cell::Cell;

    thread_local! {
        pub(crate) static WORDS: Cell<u64> = const { Cell::new(0) };
        pub(crate) static STREAMS: Cell<u64> = const { Cell::new(0) };
    }

    /// 64-bit words drawn from streams on this thread so far.
    pub fn words() -> u64 {
        WORDS.with(Cell::get)
    }

    /// Streams made on this thread so far.
    pub fn streams() -> u64 {
        STREAMS.with(Cell::get)
    }
}

/// Human-readable name of the generator, for manifests.
pub const RNG_NAME: &str = "SplitMix64 counter mode (key + i*0x9E3779B97F4A7C15, Stafford mix13), keyed by SplitMix64 hash of (seed, p, q, purpose, entity, month); exact binomial (inversion n*p<10, BTPE otherwise)";

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
    hash_concat(&[s])
}

/// [`hash_str`] of the concatenation of `parts`, without building it.
pub fn hash_concat(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.bytes()) {
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

/// Number of [`Purpose`] values plus one (they run from 1).
const PURPOSES: usize = 11;

/// The stream factory of one replicate. Holds the key of every purpose's
/// streams, hashed once per replicate, so that a stream costs two mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    /// `combine(param_key, purpose)` by purpose.
    param: [u64; PURPOSES],
    /// `combine(process_key, purpose)` by purpose.
    process: [u64; PURPOSES],
}

impl Streams {
    /// Streams of replicate `(p, q)` under master seed `seed`.
    pub fn new(seed: u64, p: u64, q: u64) -> Self {
        let param_key = combine(combine(mix64(seed), 0x5EED), p);
        let process_key = combine(param_key, q.wrapping_add(0x0051_CE55));
        let mut param = [0; PURPOSES];
        let mut process = [0; PURPOSES];
        for k in 0..PURPOSES {
            param[k] = combine(param_key, k as u64);
            process[k] = combine(process_key, k as u64);
        }
        Streams { param, process }
    }

    /// Streams of a plain replicate `i` (`p = q = i`).
    pub fn replicate(seed: u64, i: u64) -> Self {
        Self::new(seed, i, i)
    }

    /// A parameter-level stream (keyed by `p` only).
    pub fn parameter(&self, purpose: Purpose, entity_hash: u64) -> StreamRng {
        StreamRng::from_key(combine(self.param[purpose as usize], entity_hash))
    }

    /// A process stream for `(purpose, entity, month)`.
    #[inline]
    pub fn process(&self, purpose: Purpose, entity: u64, month: u32) -> StreamRng {
        self.at(self.entity_key(purpose, entity), month)
    }

    /// The key of `(purpose, entity)`'s process streams, for
    /// [`Streams::at`]: hashed once, it serves every month.
    #[inline]
    pub fn entity_key(&self, purpose: Purpose, entity: u64) -> EntityKey {
        EntityKey(combine(self.process[purpose as usize], entity))
    }

    /// The process stream of the entity keyed `key` in `month`: the same
    /// stream as [`Streams::process`] gives for that purpose and entity.
    #[inline]
    pub fn at(&self, key: EntityKey, month: u32) -> StreamRng {
        StreamRng::from_key(combine(key.0, month as u64))
    }
}

/// The key of one `(purpose, entity)`'s process streams in one replicate
/// (from [`Streams::entity_key`]); the month is hashed in by [`Streams::at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EntityKey(u64);

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
    fn stream_is_splitmix64_word_for_word() {
        use rand::{Rng, SeedableRng};
        for key in [0u64, 1, 0xDEAD_BEEF, u64::MAX, hash_str("x")] {
            let mut ours = StreamRng::from_key(key);
            let mut reference = rand_xoshiro::SplitMix64::seed_from_u64(key);
            for _ in 0..100 {
                assert_eq!(ours.next_u64(), reference.next_u64(), "key {key}");
            }
        }
    }

    /// The keys are the nested hash `combine(.. combine(key, purpose) .., month)`
    /// of the module doc (per-purpose keys are only cached).
    #[test]
    fn keys_are_the_documented_nested_hash() {
        use rand::Rng;
        let (seed, p, q) = (20250701u64, 7u64, 9u64);
        let param_key = combine(combine(mix64(seed), 0x5EED), p);
        let process_key = combine(param_key, q.wrapping_add(0x0051_CE55));
        let s = Streams::new(seed, p, q);
        let key = combine(
            combine(combine(process_key, Purpose::Course as u64), entity(2, 3)),
            14,
        );
        assert_eq!(
            s.process(Purpose::Course, entity(2, 3), 14).next_u64(),
            StreamRng::from_key(key).next_u64()
        );
        let key = combine(combine(param_key, Purpose::Caseload as u64), 5);
        assert_eq!(
            s.parameter(Purpose::Caseload, 5).next_u64(),
            StreamRng::from_key(key).next_u64()
        );
    }

    #[test]
    fn entity_keys_give_the_same_streams() {
        use rand::Rng;
        let s = Streams::new(11, 4, 6);
        for (purpose, entity) in [(Purpose::Waiting, entity(3, 70)), (Purpose::Course, 0)] {
            let key = s.entity_key(purpose, entity);
            for month in [0, 1, 72, 1000] {
                let nested = combine(combine(s.process[purpose as usize], entity), month as u64);
                assert_eq!(
                    s.at(key, month).next_u64(),
                    StreamRng::from_key(nested).next_u64()
                );
            }
        }
    }

    #[test]
    fn hash_concat_is_the_hash_of_the_joined_string() {
        assert_eq!(
            hash_concat(&["shared.", "rerecruit"]),
            hash_str("shared.rerecruit")
        );
        assert_eq!(hash_concat(&[]), hash_str(""));
        assert_ne!(hash_str("shared.a"), hash_str("shared.b"));
    }

    #[test]
    fn fill_bytes_is_the_words_in_order() {
        use rand::Rng;
        let mut a = StreamRng::from_key(9);
        let mut b = a.clone();
        let mut buf = [0u8; 20];
        a.fill_bytes(&mut buf);
        let w: Vec<u8> = (0..3).flat_map(|_| b.next_u64().to_le_bytes()).collect();
        assert_eq!(&buf[..], &w[..20]);
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
