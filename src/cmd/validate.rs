//! `ddrsim validate`: checks scenario files without running them.

use crate::cli::ValidateArgs;
use ddrsim::scenario::parse_and_validate;

/// Validates each file; returns the exit code (0 all valid, 1 otherwise).
pub fn run(args: &ValidateArgs) -> i32 {
    let mut bad = 0;
    for f in &args.files {
        let name = f.display();
        match std::fs::read_to_string(f) {
            Err(e) => {
                println!("{name}: cannot read: {e}");
                bad += 1;
            }
            Ok(text) => match parse_and_validate(&text) {
                Ok(sc) => {
                    println!(
                        "{name}: valid ({} groups, {} pledges, {} policies)",
                        sc.groups.len(),
                        sc.pledges.len(),
                        sc.policies.len()
                    );
                    for w in &sc.warnings {
                        println!("{name}: warning: {w}");
                    }
                }
                Err(e) => {
                    println!("{name}: invalid: {e}");
                    bad += 1;
                }
            },
        }
    }
    i32::from(bad > 0)
}
