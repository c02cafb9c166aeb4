use ddrsim::engine::inputs::draw_values;
use ddrsim::engine::rng::Streams;
use ddrsim::engine::simulate;
use ddrsim::model::inputs::Inputs;
use ddrsim::model::outcome::{funding_row, outcome_row, series_rows};
use ddrsim::scenario::parse_and_validate;
use std::hint::black_box;
use std::time::Instant;
fn main() {
    for name in ["bench-fixed", "bench-large"] {
        let text = std::fs::read_to_string(format!("scenarios/{name}.toml")).unwrap();
        let sc = parse_and_validate(&text).unwrap();
        let streams = Streams::replicate(1, 3);
        let values = draw_values(&sc, &streams);
        let inputs = Inputs::build(&sc, &values);
        let trajs: Vec<_> = (0..sc.policies.len())
            .map(|p| simulate(&sc, &inputs, p, &streams))
            .collect();
        let n = 20000;
        let t0 = Instant::now();
        for _ in 0..n {
            for (p, traj) in trajs.iter().enumerate() {
                black_box(outcome_row(&inputs, &sc.policies[p], traj));
            }
        }
        let t1 = Instant::now();
        for _ in 0..n {
            for traj in &trajs {
                black_box(series_rows(traj, sc.groups.len()));
            }
        }
        let t2 = Instant::now();
        for _ in 0..n {
            for traj in &trajs {
                black_box(funding_row(&sc, traj));
            }
        }
        let t3 = Instant::now();
        let k = 1e6 / n as f64;
        println!(
            "{name} per replicate: outcome {:.2} us, series {:.2} us, funding {:.2} us",
            (t1 - t0).as_secs_f64() * k,
            (t2 - t1).as_secs_f64() * k,
            (t3 - t2).as_secs_f64() * k
        );
    }
}
