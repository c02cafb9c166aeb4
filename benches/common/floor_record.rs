//! The file format of a recorded replicate's draws, written by
//! `examples/record_draws.rs` (built with `--features draw-log`) and read by
//! `benches/floor.rs` (built without it, so that neither the engine nor the
//! replay it is timed against carries the recording's instrumentation).
//!
//! Little-endian: the magic line, the [`fingerprint`] of the engine that
//! made the record, the replicate count, then per replicate
//! its draw count, words drawn outside binomials, streams made, words drawn
//! in all and words drawn for the uncertain parameters, then per draw `n`,
//! a flag byte, `x` and, when flagged, the probability the engine had
//! computed ahead.

#![allow(dead_code)]

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"ddrsim floor record 3\n";
const HAZARD: u8 = 1;
const HAS_P: u8 = 2;
const NEW_STREAM: u8 = 4;

/// One binomial draw as the engine asked for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    /// Trials.
    pub n: u64,
    /// `p`, or the hazard `h` when `hazard`.
    pub x: f64,
    /// `Binomial(n, prob(h))` rather than `Binomial(n, p)`.
    pub hazard: bool,
    /// `prob(h)` when the engine computed it ahead.
    pub p: Option<f64>,
    /// The draw is the first from a stream the engine made for it.
    pub new_stream: bool,
}

/// One replicate's draws and counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replicate {
    /// Binomial draws, in order.
    pub draws: Vec<Draw>,
    /// 64-bit words drawn outside binomial draws.
    pub other_words: u64,
    /// Streams made.
    pub streams: u64,
    /// 64-bit words drawn in all.
    pub words: u64,
    /// 64-bit words drawn for the uncertain parameters (part of
    /// `other_words`).
    pub param_words: u64,
}

/// A fingerprint of an engine on a scenario: FNV-1a over every policy's
/// outcome row of replicate 0 (seed 1). A record made by an engine that
/// draws differently no longer matches the engine it would be timed against.
pub fn fingerprint(outcome_rows: &[&[Option<i64>]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in outcome_rows.iter().flat_map(|r| r.iter()) {
        for b in v.map_or([0xFF; 8], i64::to_le_bytes) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    h
}

/// Where the record of bundled scenario `name` lives.
pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/floor")
        .join(format!("{name}.draws"))
}

/// Writes `reps`, recorded by the engine with fingerprint `engine`, to
/// `path` (through a temporary file renamed into place).
pub fn write(path: &Path, engine: u64, reps: &[Replicate]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut w = BufWriter::new(std::fs::File::create(&tmp)?);
    w.write_all(MAGIC)?;
    w.write_all(&engine.to_le_bytes())?;
    w.write_all(&(reps.len() as u64).to_le_bytes())?;
    for r in reps {
        for v in [
            r.draws.len() as u64,
            r.other_words,
            r.streams,
            r.words,
            r.param_words,
        ] {
            w.write_all(&v.to_le_bytes())?;
        }
        for d in &r.draws {
            let flags = (d.hazard as u8 * HAZARD)
                | (d.p.is_some() as u8 * HAS_P)
                | (d.new_stream as u8 * NEW_STREAM);
            w.write_all(&d.n.to_le_bytes())?;
            w.write_all(&[flags])?;
            w.write_all(&d.x.to_le_bytes())?;
            if let Some(p) = d.p {
                w.write_all(&p.to_le_bytes())?;
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(tmp, path)
}

fn u64_of(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Reads a record written by [`write`]: the engine's fingerprint and the
/// replicates.
pub fn read(path: &Path) -> io::Result<(u64, Vec<Replicate>)> {
    let file = std::fs::File::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut r = BufReader::new(file);
    let mut magic = vec![0; MAGIC.len()];
    r.read_exact(&mut magic)?;
    if magic != MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a floor record of this version", path.display()),
        ));
    }
    let engine = u64_of(&mut r)?;
    let count = u64_of(&mut r)?;
    let reps = (0..count)
        .map(|_| {
            let draws = u64_of(&mut r)?;
            let (other_words, streams, words) = (u64_of(&mut r)?, u64_of(&mut r)?, u64_of(&mut r)?);
            let param_words = u64_of(&mut r)?;
            let draws = (0..draws)
                .map(|_| {
                    let n = u64_of(&mut r)?;
                    let mut flags = [0];
                    r.read_exact(&mut flags)?;
                    let x = f64::from_bits(u64_of(&mut r)?);
                    let p = if flags[0] & HAS_P != 0 {
                        Some(f64::from_bits(u64_of(&mut r)?))
                    } else {
                        None
                    };
                    Ok(Draw {
                        n,
                        x,
                        hazard: flags[0] & HAZARD != 0,
                        p,
                        new_stream: flags[0] & NEW_STREAM != 0,
                    })
                })
                .collect::<io::Result<_>>()?;
            Ok(Replicate {
                draws,
                other_words,
                streams,
                words,
                param_words,
            })
        })
        .collect::<io::Result<_>>()?;
    Ok((engine, reps))
}
