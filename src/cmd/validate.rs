//! `ddrsim validate`: checks scenario files without running them.

#![deny(clippy::indexing_slicing)]

use crate::cli::ValidateArgs;
use ddrsim::scenario::parse_and_validate;

/// Validates each file; returns the exit code (0 all valid, 1 otherwise).
/// Valid files and warnings are reported on stdout, problems on stderr.
pub fn run(args: &ValidateArgs) -> i32 {
    let mut bad = 0;
    for f in &args.files {
        let name = f.display();
        match super::read_text(f) {
            Err(e) => {
                eprintln!("{name}: cannot read: {e:#}");
                bad += 1;
            }
            Ok(text) => match ddrsim::scenario::overrides::apply(&text, &args.set)
                .map_err(|problems| problems.join("\n  - "))
                .and_then(|text| parse_and_validate(&text).map_err(|e| e.to_string()))
            {
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
                    eprintln!("{name}: invalid: {e}");
                    bad += 1;
                }
            },
        }
    }
    i32::from(bad > 0)
}
