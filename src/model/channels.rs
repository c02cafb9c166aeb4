//! The channels through which reintegration money can change re-recruitment
//! and conflict relapse (MODEL.md section 5, "Channels"), and how each is
//! switched off by copying the replicate's drawn values, never redrawing them.
//!
//! A [`ChannelSet`] names the channels that are *off*; [`ChannelSet::apply`]
//! rewrites a replicate's [`Inputs`] accordingly. The decomposition of a
//! policy effect (all on, all off, each alone off, each alone on, the
//! interaction residual) is run by `engine::channels` on the same random
//! numbers.

use super::inputs::Inputs;

/// One channel of MODEL.md section 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    /// Letter used in MODEL.md (`a`..`h`).
    pub letter: char,
    /// Short name used in outputs (`channels.csv`).
    pub name: &'static str,
    /// What switching it off does, for docs and reports.
    pub off_rule: &'static str,
    /// Plain-words description, for reports.
    pub meaning: &'static str,
}

/// The eight channels, in MODEL.md order. Channel `h` acts on conflict relapse only.
pub const CHANNELS: [Channel; 8] = [
    Channel {
        letter: 'a',
        name: "waiting_vs_programme",
        off_rule: "h_rr_programme := h_rr0",
        meaning: "people in reinsertion or a course face a different re-recruitment hazard than people waiting",
    },
    Channel {
        letter: 'b',
        name: "duration",
        off_rule: "beta_wait := 0",
        meaning: "the re-recruitment hazard grows with months waited",
    },
    Channel {
        letter: 'c',
        name: "interruption",
        off_rule: "m_unpaid := 1, h_drop_interrupted := h_drop",
        meaning: "missed reinsertion payments and unpaid course months raise re-recruitment and drop-out",
    },
    Channel {
        letter: 'd',
        name: "after_programme",
        off_rule: "h_relapse := h_rr0, h_relapse_self := h_rr0",
        meaning: "people who completed a course or reintegrated by themselves face a different hazard than people waiting",
    },
    Channel {
        letter: 'e',
        name: "insecurity",
        off_rule: "beta_sec := 0",
        meaning: "insecurity raises the waiting hazard",
    },
    Channel {
        letter: 'f',
        name: "exits_while_waiting",
        off_rule: "h_self := 0, h_lost := 0",
        meaning: "people leave the waiting list by themselves or are lost, which removes them from exposure",
    },
    Channel {
        letter: 'g',
        name: "absorption",
        off_rule: "absorb_share := 0",
        meaning: "absorption into the security forces removes people from exposure",
    },
    Channel {
        letter: 'h',
        name: "conflict",
        off_rule: "b_armed := 0, b_idle := 0, b_sec := 0",
        meaning: "the armed share, the idle share and security drive the conflict relapse hazard",
    },
];

/// Index of channel `h` (conflict) in [`CHANNELS`].
pub const CONFLICT: usize = 7;

/// A set of channels switched off (bit `i` = `CHANNELS[i]` off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ChannelSet(pub u8);

impl ChannelSet {
    /// Every channel on: the model as written.
    pub const ALL_ON: ChannelSet = ChannelSet(0);
    /// Every channel off.
    pub const ALL_OFF: ChannelSet = ChannelSet(0xFF);

    /// Only channel `i` off.
    pub fn only_off(i: usize) -> ChannelSet {
        ChannelSet(1 << i)
    }

    /// Every channel off except channel `i`.
    pub fn only_on(i: usize) -> ChannelSet {
        ChannelSet(!(1u8 << i))
    }

    /// True if channel `i` is off.
    pub fn is_off(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }

    /// Rewrites the replicate's drawn inputs so that the channels of this
    /// set are off. Only copies and zeroes drawn values: the reference
    /// hazard of a group is its drawn `h_rr0` in this replicate.
    pub fn apply(self, inp: &mut Inputs) {
        if self == ChannelSet::ALL_ON {
            return;
        }
        for g in &mut inp.groups {
            if self.is_off(0) {
                g.h_rr_programme = g.h_rr0;
            }
            if self.is_off(1) {
                g.beta_wait = 0.0;
            }
            if self.is_off(2) {
                g.m_unpaid = 1.0;
                g.h_drop_interrupted = g.h_drop;
            }
            if self.is_off(3) {
                g.h_relapse = g.h_rr0;
                g.h_relapse_self = g.h_rr0;
            }
            if self.is_off(4) {
                g.beta_sec = 0.0;
            }
            if self.is_off(5) {
                g.h_self = 0.0;
                g.h_lost = 0.0;
            }
            if self.is_off(6) {
                g.absorb_share = 0.0;
            }
        }
        if self.is_off(CONFLICT) {
            inp.b_armed = 0.0;
            inp.b_idle = 0.0;
            inp.b_sec = 0.0;
        }
    }
}

/// The configurations a decomposition runs, in `channels.csv` order:
/// all on, all off, each channel alone off, each channel alone on.
pub fn decomposition_sets() -> Vec<ChannelSet> {
    let mut v = vec![ChannelSet::ALL_ON, ChannelSet::ALL_OFF];
    v.extend((0..CHANNELS.len()).map(ChannelSet::only_off));
    v.extend((0..CHANNELS.len()).map(ChannelSet::only_on));
    v
}
