//! Release versions: semver for application services, `YYYY.MM.DD` for
//! date-versioned services (seed, "Version the release package").

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

// How a service numbers its releases (its `versioning` in the policy).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Versioning {
    #[default]
    Semver,
    /// `YYYY.MM.DD`
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    Semver(semver::Version),
    Date(chrono::NaiveDate),
}

impl Version {
    pub fn parse(versioning: Versioning, text: &str) -> Result<Version, String> {
        match versioning {
            Versioning::Semver => semver::Version::parse(text)
                .map(Version::Semver)
                .map_err(|e| format!("`{text}` is not a semantic version X.Y.Z ({e})")),
            Versioning::Date => {
                let ok =
                    text.len() == 10 && text.as_bytes()[4] == b'.' && text.as_bytes()[7] == b'.';
                chrono::NaiveDate::parse_from_str(text, "%Y.%m.%d")
                    .ok()
                    .filter(|_| ok)
                    .map(Version::Date)
                    .ok_or_else(|| {
                        format!("`{text}` is not a date version YYYY.MM.DD (the service is date-versioned)")
                    })
            }
        }
    }

    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => Some(a.cmp(b)),
            (Version::Date(a), Version::Date(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// Which part a semver bump from `previous` changed: "major", "minor",
    /// "patch" (or "pre-release"), for checking against the release type.
    pub fn bump_from(&self, previous: &Version) -> Option<&'static str> {
        match (self, previous) {
            (Version::Semver(a), Version::Semver(b)) => Some(if a.major != b.major {
                "major"
            } else if a.minor != b.minor {
                "minor"
            } else if a.patch != b.patch {
                "patch"
            } else {
                "pre-release"
            }),
            _ => None,
        }
    }
}
