//! A change reference: mirrors a change approved in the organisation's
//! change-management system (SPEC section 2).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeStatus {
    Draft,
    Assessing,
    Approved,
    Rejected,
    Implemented,
    Cancelled,
}

impl ChangeStatus {
    pub const NAMES: &'static str = "draft, assessing, approved, rejected, implemented, cancelled";

    pub fn parse(s: &str) -> Option<ChangeStatus> {
        Some(match s.to_ascii_lowercase().as_str() {
            "draft" => ChangeStatus::Draft,
            "assessing" => ChangeStatus::Assessing,
            "approved" => ChangeStatus::Approved,
            "rejected" => ChangeStatus::Rejected,
            "implemented" => ChangeStatus::Implemented,
            "cancelled" | "canceled" => ChangeStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeStatus::Draft => "draft",
            ChangeStatus::Assessing => "assessing",
            ChangeStatus::Approved => "approved",
            ChangeStatus::Rejected => "rejected",
            ChangeStatus::Implemented => "implemented",
            ChangeStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRef {
    #[schemars(regex(pattern = super::release::patterns::CHANGE_ID))]
    pub id: String,
    pub title: String,
    pub service: String,
    pub status: ChangeStatus,
    pub owner: String,
    pub target: NaiveDate,
    /// The change owner confirms the change is ready for release.
    #[serde(default)]
    pub ready: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The release that holds this change, set by `rel plan` and cleared by
    /// `rel cancel`: a change goes into one release only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::release::patterns::RELEASE_ID))]
    pub release: Option<String>,
}
