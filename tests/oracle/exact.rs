//! Exact finite-horizon state probabilities of one person when money and
//! capacity never bind (MODEL.md section 11, closed forms).
//!
//! With unlimited money, D&D site capacity and absorption capacity, and an
//! intake capacity that each month is either 0 (closed) or at least the
//! caseload (everyone waiting is admitted), and no insecurity effect
//! (`beta_sec = 0`), people move independently of one another: each follows
//! the same Markov chain over `A, D[j], S[j], W[k], R[j], X, REINT, SELF,
//! ABSORBED, RERECRUITED, LOST`. This module pushes the probability
//! distribution of one person through the section 5 order month by month,
//! exactly in f64. Final counts of a group are then Binomial(N, p_state).

use super::person::p1;
use ddrsim::model::inputs::GroupInputs;
use ddrsim::model::record::st;

/// Parameters of the per-person chain.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Horizon T.
    pub horizon: usize,
    /// Turnout by month (index 0 unused).
    pub turnout: Vec<f64>,
    /// Intake open (unlimited) by month (index 0 unused); closed = capacity 0.
    pub intake_open: Vec<bool>,
    /// `dd`.
    pub dd: usize,
    /// `r`.
    pub r: usize,
    /// `d`.
    pub d: usize,
    /// Share of those finishing D&D absorbed (capacity and money unlimited).
    pub absorb_share: f64,
    /// `h_rr0`.
    pub h_rr0: f64,
    /// `beta_wait`.
    pub beta_wait: f64,
    /// `K`.
    pub wait_cap: usize,
    /// `h_rr_programme`.
    pub h_rr_programme: f64,
    /// `h_self`.
    pub h_self: f64,
    /// `h_lost`.
    pub h_lost: f64,
    /// `h_drop` (every course month is paid).
    pub h_drop: f64,
    /// `h_relapse`.
    pub h_relapse: f64,
    /// `h_relapse_self`.
    pub h_relapse_self: f64,
}

/// Probabilities at T for one person.
#[derive(Clone, Debug)]
pub struct ChainResult {
    /// Probability of each state at T, engine `STATES` order.
    pub state: [f64; 11],
    /// Probability of having been admitted to D&D by T.
    pub disarmed: f64,
    /// Probability of having completed a course by T.
    pub completed: f64,
    /// Probability of having dropped out by T.
    pub dropouts: f64,
    /// Probability of having started a course by T.
    pub admitted: f64,
    /// `E[Y]` and `E[Y^2]` for `Y` = months waited at admission to a course
    /// by T (0 if not admitted): the per-person summand of "months waited
    /// by those admitted".
    pub wait_moments: [f64; 2],
}

impl Chain {
    /// The chain of a group whose money and capacities never bind (panics otherwise).
    pub fn from_group(g: &GroupInputs, horizon: usize) -> Chain {
        for t in 1..=horizon {
            assert!(
                g.site_capacity[t] >= g.caseload,
                "closed form needs unlimited site capacity"
            );
            assert!(
                g.intake_capacity[t] == 0 || g.intake_capacity[t] >= g.caseload,
                "closed form needs intake capacity 0 or >= caseload"
            );
            assert!(
                g.absorb_share == 0.0 || g.absorb_capacity[t] >= g.caseload,
                "closed form needs unlimited absorption"
            );
        }
        assert_eq!(g.beta_sec, 0.0, "closed form needs insecurity_effect = 0");
        Chain {
            horizon,
            turnout: g.turnout.clone(),
            intake_open: g.intake_capacity.iter().map(|&c| c > 0).collect(),
            dd: g.dd_months,
            r: g.payments.len(),
            d: g.reint_months,
            absorb_share: g.absorb_share,
            h_rr0: g.h_rr0,
            beta_wait: g.beta_wait,
            wait_cap: g.wait_cap,
            h_rr_programme: g.h_rr_programme,
            h_self: g.h_self,
            h_lost: g.h_lost,
            h_drop: g.h_drop,
            h_relapse: g.h_relapse,
            h_relapse_self: g.h_relapse_self,
        }
    }

    fn h_rr(&self, k: usize) -> f64 {
        self.h_rr0 * (1.0 + self.beta_wait * k.min(self.wait_cap) as f64)
    }

    /// Iterates the section 5 order month by month.
    pub fn run(&self) -> ChainResult {
        let tt = self.horizon;
        let mut a = 1.0;
        let mut dv = vec![0.0; self.dd + 2];
        let mut sv = vec![0.0; self.r + 2];
        let mut wv = vec![0.0; tt + 2];
        let mut rv = vec![0.0; self.d + 2];
        let (mut x, mut reint, mut selfr, mut absorbed, mut rr, mut lost) =
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut disarmed, mut completed, mut dropouts, mut admitted) = (0.0, 0.0, 0.0, 0.0);
        let mut wait_moments = [0.0; 2];
        let hs = self.h_self + self.h_lost;
        let pe = p1(hs);
        let (fs, fl) = if hs > 0.0 {
            (self.h_self / hs, self.h_lost / hs)
        } else {
            (0.0, 0.0)
        };
        let qp = p1(self.h_rr_programme);
        let pd = p1(self.h_drop);
        for t in 1..=tt {
            // 2.1 relapse.
            let r1 = reint * p1(self.h_relapse);
            let r2 = selfr * p1(self.h_relapse_self);
            reint -= r1;
            selfr -= r2;
            rr += r1 + r2;
            // 2.2 waiting and dropped out: re-recruitment first, then self/lost.
            let mut exit = |m: f64, q: f64| -> f64 {
                rr += m * q;
                let rest = m * (1.0 - q);
                selfr += rest * pe * fs;
                lost += rest * pe * fl;
                rest * (1.0 - pe)
            };
            for (k, w) in wv.iter_mut().enumerate() {
                if *w > 0.0 {
                    *w = exit(*w, p1(self.h_rr(k)));
                }
            }
            x = exit(x, p1(self.h_rr(self.wait_cap)));
            // 2.3-2.4 candidates and presenting.
            let candidates = dv[self.dd] * self.absorb_share;
            let presenting = a * self.turnout[t];
            // 5.1 courses (every month paid).
            let mut nr = vec![0.0; self.d + 2];
            for j in 1..self.d {
                let m = rv[j];
                rr += m * qp;
                x += m * (1.0 - qp) * pd;
                dropouts += m * (1.0 - qp) * pd;
                nr[j + 1] += m * (1.0 - qp) * (1.0 - pd);
            }
            rr += rv[self.d] * qp;
            reint += rv[self.d] * (1.0 - qp);
            completed += rv[self.d] * (1.0 - qp);
            // 5.2 new starts (all or none), others wait one more month.
            if self.intake_open[t] {
                let w: f64 = wv.iter().sum();
                nr[1] += w;
                admitted += w;
                for (k, &m) in wv.iter().enumerate() {
                    wait_moments[0] += k as f64 * m;
                    wait_moments[1] += (k * k) as f64 * m;
                }
                wv.iter_mut().for_each(|v| *v = 0.0);
            } else {
                for k in (1..wv.len()).rev() {
                    wv[k] = wv[k - 1];
                }
                wv[0] = 0.0;
            }
            rv = nr;
            // 5.3 reinsertion (every payment made).
            let mut ns = vec![0.0; self.r + 2];
            for j in 1..=self.r {
                rr += sv[j] * qp;
                if j < self.r {
                    ns[j + 1] += sv[j] * (1.0 - qp);
                } else {
                    wv[0] += sv[j] * (1.0 - qp);
                }
            }
            // 5.4 D&D completes.
            absorbed += candidates;
            ns[1] += dv[self.dd] - candidates;
            sv = ns;
            for j in (1..self.dd).rev() {
                dv[j + 1] = dv[j];
            }
            // 5.5 admissions (site capacity and money unlimited).
            dv[1] = presenting;
            a -= presenting;
            disarmed += presenting;
        }
        let mut state = [0.0; 11];
        state[st::ARMED] = a;
        state[st::IN_DD] = dv[1..=self.dd].iter().sum();
        state[st::IN_REINSERTION] = sv[1..=self.r].iter().sum();
        state[st::WAITING] = wv.iter().sum();
        state[st::IN_REINTEGRATION] = rv[1..=self.d].iter().sum();
        state[st::REINTEGRATED] = reint;
        state[st::RERECRUITED] = rr;
        state[st::DROPPED_OUT] = x;
        state[st::SELF_REINTEGRATED] = selfr;
        state[st::ABSORBED] = absorbed;
        state[st::LOST] = lost;
        ChainResult {
            state,
            disarmed,
            completed,
            dropouts,
            admitted,
            wait_moments,
        }
    }
}

/// Infinite-horizon absorption probabilities by direct formula, for a person
/// who presents in month 1 (turnout 1), with intake always open and no
/// relapse (`h_relapse = h_relapse_self = 0`, so REINT and SELF are absorbing):
/// returns `(rerecruited, self, lost, reint, absorbed, completed, dropouts)`.
pub fn absorption_formula(c: &Chain) -> [f64; 7] {
    let qp = p1(c.h_rr_programme);
    let pd = p1(c.h_drop);
    let hs = c.h_self + c.h_lost;
    let pe = p1(hs);
    let (fs, fl) = if hs > 0.0 {
        (c.h_self / hs, c.h_lost / hs)
    } else {
        (0.0, 0.0)
    };
    let keep = 1.0 - c.absorb_share;
    // Reinsertion: r months at h_rr_programme.
    let s_surv = (1.0 - qp).powi(c.r as i32);
    // One waiting draw at k = 0 (admitted at the end of the same month).
    let q0 = p1(c.h_rr(0));
    let adm = (1.0 - q0) * (1.0 - pe);
    // Course: d - 1 months with drop-out, then the last month.
    let stay = (1.0 - qp) * (1.0 - pd);
    let geo: f64 = (0..c.d - 1).map(|i| stay.powi(i as i32)).sum();
    let drop = geo * (1.0 - qp) * pd;
    let comp = stay.powi(c.d as i32 - 1) * (1.0 - qp);
    let rr_course = geo * qp + stay.powi(c.d as i32 - 1) * qp;
    // Dropped out: absorbing chain with h_rr(K), then self/lost.
    let qk = p1(c.h_rr(c.wait_cap));
    let e = qk + (1.0 - qk) * pe;
    let (x_rr, x_self, x_lost) = (qk / e, (1.0 - qk) * pe * fs / e, (1.0 - qk) * pe * fl / e);
    let w = keep * s_surv;
    let rr = keep * (1.0 - s_surv) + w * (q0 + adm * (rr_course + drop * x_rr));
    let selfr = w * ((1.0 - q0) * pe * fs + adm * drop * x_self);
    let lost = w * ((1.0 - q0) * pe * fl + adm * drop * x_lost);
    let reint = w * adm * comp;
    [
        rr,
        selfr,
        lost,
        reint,
        c.absorb_share,
        reint,
        w * adm * drop,
    ]
}
