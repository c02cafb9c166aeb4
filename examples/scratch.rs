fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let sc = ddrsim::scenario::parse_and_validate(&text).unwrap();
    let cols = ddrsim::model::outcome::outcome_columns(&sc);
    let r = ddrsim::engine::run::run_replicate(&sc, 1, 0);
    for (p, pr) in sc.policies.iter().zip(&r.policies) {
        print!("{}:", p.id);
        for (c, v) in cols.iter().zip(&pr.outcomes).take(40) {
            print!(" {}={:?}", c.metric.name, v);
        }
        println!();
    }
}
