//! Which flags the user typed (as opposed to their defaults): a resumed run compares exactly those
//! with the configuration it was started with, and refuses a change.

use std::collections::BTreeSet;

use clap::ArgMatches;
use clap::parser::ValueSource;

/// The ids of the arguments given on the command line to the innermost subcommand (the ids are
/// the field names of the `Args` structs, e.g. `lr`, `batch_size`, `seed`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Given(BTreeSet<String>);

impl Given {
    /// The flags given to the innermost subcommand of `matches`.
    pub fn of(matches: &ArgMatches) -> Self {
        let mut m = matches;
        while let Some((_, sub)) = m.subcommand() {
            m = sub;
        }
        let ids = m.ids().filter(|id| m.value_source(id.as_str()) == Some(ValueSource::CommandLine));
        Self(ids.map(|id| id.as_str().to_string()).collect())
    }

    /// Whether `id` was typed.
    pub fn has(&self, id: &str) -> bool {
        self.0.contains(id)
    }
}
