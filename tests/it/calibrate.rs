//! `ddrsim calibrate` (docs/calibration.md): ABC-SMC recovers known
//! parameters from targets the engine generated, the posterior resample is
//! reproducible, leaving a programme out removes its targets from the fit,
//! and a bad targets file gets errors naming the file, key and line.

use super::common::load;
use ddrsim::calibrate::abc::proposal_key;
use ddrsim::calibrate::posterior::Posterior;
use ddrsim::calibrate::targets::read;
use ddrsim::calibrate::Calibration;
use std::time::Instant;

/// A Burundi-only targets text fitting three shared draws; observed values
/// are placeholders replaced by the synthetic truth.
const SYNTHETIC: &str = r#"
[calibration]
particles = 300
generations = 5
quantile = 0.5
budget = 25
seed = 11
parameters = ["shared.rerecruit", "shared.self_reintegration", "shared.lost"]

[[programme]]
id = "burundi"
scenario = "scenarios/burundi-2004.toml"

[[target]]
id = "rerecruited"
programme = "burundi"
quantity = "outcome"
metric = "rerecruited"
observed = 1
sd = 1
source = "synthetic"

[[target]]
id = "self"
programme = "burundi"
quantity = "outcome"
metric = "self_reintegrated"
observed = 1
sd = 1
source = "synthetic"

[[target]]
id = "lost"
programme = "burundi"
quantity = "outcome"
metric = "lost"
observed = 1
sd = 1
source = "synthetic"

[[target]]
id = "waiting"
programme = "burundi"
quantity = "state"
state = "waiting"
month = "2007-06"
observed = 1
sd = 1
source = "synthetic"
"#;

/// Synthetic truth: parameters fixed at known prior quantiles, targets
/// simulated by the engine on a stream no proposal uses, each with an
/// observation sd of 5% of its value (at least 20 people). ABC-SMC must put
/// the truth inside the 90% posterior interval of every parameter and
/// narrow each interval below the prior's.
#[test]
fn abc_recovers_known_parameters_on_the_engine() {
    let file = read(SYNTHETIC).expect("targets");
    let sc = load("scenarios/burundi-2004.toml");
    let mut cal = Calibration::new(&file, vec![sc], None).expect("calibration");
    let truth_u = [0.3, 0.7, 0.5];
    let truth = cal.values(&truth_u);
    let sims = cal.simulate(&truth, 999, proposal_key(1 << 22, 0), &[0]);
    for (t, x) in cal.targets.iter_mut().zip(&sims) {
        t.spec.observed = *x;
        t.spec.sd = (0.05 * x).max(20.0);
    }
    let start = Instant::now();
    let fit = cal.fit(0, |g| {
        println!(
            "tolerance {:.3} proposals {} acceptance {:.3} ess {:.0}",
            g.tolerance,
            g.proposals,
            g.acceptance(),
            g.ess
        )
    });
    println!("fit in {:.1} s", start.elapsed().as_secs_f64());
    assert!(fit.abc.generations.len() >= 4, "{:?}", fit.abc.generations);
    for (p, &x) in cal.parameter_summary(&fit).iter().zip(&truth) {
        println!(
            "{}: truth {x}, prior {:?}, posterior {:?}",
            p.name, p.prior, p.posterior
        );
        assert!(
            p.posterior[0] <= x && x <= p.posterior[2],
            "{}: truth {x} outside the 90% posterior interval {:?}",
            p.name,
            p.posterior
        );
        assert!(
            p.width_ratio() < 1.0,
            "{}: posterior not narrower than the prior",
            p.name
        );
    }
}
