//! Patient-level data: the shape every population takes once loaded, whatever its source
//! (CSV folder, NDJSON, test patients in a rule file, the synthetic generator).
//!
//! Codes are SNOMED CT concept ids held as `u64`; values are clinical measurements as `f64`
//! (never money). Events of a patient are sorted by date, oldest first, once loaded.

use crate::date::Date;
use serde::{Deserialize, Serialize};

/// A patient's recorded sex.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

impl Sex {
    /// Parses `F`/`M`/`U` or `female`/`male`/`unknown`, any case.
    pub fn parse(s: &str) -> Option<Sex> {
        match s.to_ascii_lowercase().as_str() {
            "f" | "female" => Some(Sex::Female),
            "m" | "male" => Some(Sex::Male),
            "u" | "unknown" | "" => Some(Sex::Unknown),
            _ => None,
        }
    }

    /// One-letter form used in CSV output.
    pub fn letter(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "U",
        }
    }
}

/// One coded entry in a patient's record.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub date: Date,
    pub code: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// A registered (or formerly registered) patient and their record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub patient_id: String,
    pub practice_id: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub registered_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistered_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprivation_decile: Option<u8>,
    #[serde(default)]
    pub events: Vec<Event>,
}

impl Patient {
    /// Sorts events by date (stable, so same-day order is kept).
    pub fn sort_events(&mut self) {
        self.events.sort_by_key(|e| e.date);
    }
}

/// A practice and the network it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Practice {
    pub practice_id: String,
    pub practice_name: String,
    pub network_id: String,
}

/// A population: practices and their patients.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub practices: Vec<Practice>,
    pub patients: Vec<Patient>,
}
