//! Every message code, as an enum: the stable machine-readable names of diagnostics and run
//! problems (`--error-format json`, the editor's replies). docs/language.md lists each one
//! ("Checker messages" for the checker's, the paragraph after it for the rest);
//! `tests/engine/docs.rs` checks the list against [`Code::ALL`].

use serde::Serialize;

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal, $phase:ident;)*) => {
        /// A message code. Serialised as its kebab-case name ([`Code::as_str`]).
        #[cfg_attr(test, derive(ts_rs::TS))]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Code {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
        }

        impl Code {
            /// Every code, checker codes first, in the order docs/language.md lists them.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code's stable kebab-case name, e.g. `undefined-name`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            /// True for the codes the parser and checker report (the "Checker messages"
            /// table); false for problems of a run (data, options, pay).
            pub const fn is_checker(self) -> bool {
                match self {
                    $(Code::$variant => codes!(@checker $phase),)*
                }
            }

            /// The code with this name, if there is one.
            pub fn from_name(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }
        }
    };
    (@checker checker) => { true };
    (@checker run) => { false };
}

codes! {
    Syntax => "syntax", checker;
    TooDeep => "too-deep", checker;
    TooManyErrors => "too-many-errors", checker;
    BadDate => "bad-date", checker;
    BadNumber => "bad-number", checker;
    BadCode => "bad-code", checker;
    MissingScheme => "missing-scheme", checker;
    MisplacedScheme => "misplaced-scheme", checker;
    DuplicateScheme => "duplicate-scheme", checker;
    DuplicateName => "duplicate-name", checker;
    DuplicateStatement => "duplicate-statement", checker;
    MissingStatement => "missing-statement", checker;
    UndefinedName => "undefined-name", checker;
    TypeMismatch => "type-mismatch", checker;
    Cycle => "cycle", checker;
    BadPeriod => "bad-period", checker;
    BadThresholds => "bad-thresholds", checker;
    BadPoints => "bad-points", checker;
    StrataPoints => "strata-points", checker;
    UnreachableStratum => "unreachable-stratum", checker;
    BadPercentage => "bad-percentage", checker;
    BlendShares => "blend-shares", checker;
    BadYear => "bad-year", checker;
    HistoricYear => "historic-year", checker;
    BadRounding => "bad-rounding", checker;
    BadAgeRange => "bad-age-range", checker;
    BadListType => "bad-list-type", checker;
    BadWindow => "bad-window", checker;
    ZeroApart => "zero-apart", checker;
    MissingFile => "missing-file", checker;
    BadCodeFile => "bad-code-file", checker;
    UnknownScheme => "unknown-scheme", checker;
    ExtendsCycle => "extends-cycle", checker;
    NotInherited => "not-inherited", checker;
    RedefinedInherited => "redefined-inherited", checker;
    IncompletePatient => "incomplete-patient", checker;
    AmbiguousExpect => "ambiguous-expect", checker;
    ContradictoryExpect => "contradictory-expect", checker;
    MixedPractices => "mixed-practices", checker;
    UnknownFigures => "unknown-figures", checker;
    BadPrevalence => "bad-prevalence", checker;
    BadNationalFile => "bad-national-file", checker;
    NoNationalPrevalence => "no-national-prevalence", checker;
    PrevalenceWithoutRegister => "prevalence-without-register", checker;
    UnusedCodelist => "unused-codelist", checker;
    UnusedDefine => "unused-define", checker;
    DuplicateCategory => "duplicate-category", checker;
    ChangedRetired => "changed-retired", checker;
    EventBeforeBirth => "event-before-birth", checker;
    InheritedDates => "inherited-dates", checker;
    BadForEach => "bad-for-each", checker;
    /// a population or aggregate data file has a bad row or field (with its file, row and column)
    BadData => "bad-data", run;
    /// warning: rows of a published-counts file were ignored or assumed (counted, with the first row)
    DataWarning => "data-warning", run;
    /// the options of a run are inconsistent (a synthetic selection, a population format)
    BadOptions => "bad-options", run;
    /// warning: a loaded population was not made for the scheme's year
    PopulationPeriod => "population-period", run;
    /// a run has no national figures for a prevalence-adjusted register
    National => "national", run;
    /// the pay phase refuses a scheme or its inputs
    Pay => "pay", run;
    /// explain names a patient the population does not have
    UnknownPatient => "unknown-patient", run;
    /// explain names an indicator the scheme does not have
    UnknownIndicator => "unknown-indicator", run;
    /// the editor passed the wasm layer an argument it cannot convert (a bug in the page)
    BadArgument => "bad-argument", run;
    /// a result could not be serialised (a bug)
    Internal => "internal", run;
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn names_are_unique_kebab_case_and_serialise_as_themselves() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            let name = c.as_str();
            assert!(seen.insert(name), "`{name}` twice");
            assert!(name.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "{name}");
            assert_eq!(serde_json::to_string(&c).ok(), Some(format!("\"{name}\"")));
            assert_eq!(Code::from_name(name), Some(c));
        }
        assert_eq!(Code::from_name("no-such-code"), None);
    }
}
