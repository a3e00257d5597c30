//! Reading a change-management system's export into change references:
//! the `import:` section of the policy, the built-in presets for ServiceNow
//! and Jira Service Management, and the pure conversion from a table of
//! cells to changes (SPEC section 7, `rel change import`).
//!
//! Precedence of `state` and `approval` (ServiceNow carries both): the
//! state decides the status and the approval can only hold it back, never
//! advance it. An approval of Rejected makes any change that is not yet
//! implemented or cancelled `rejected`; an approval still Requested (or Not
//! Yet Requested) keeps a state that would read as `approved` at the
//! approval's status (`assessing` or `draft`). Without a state column the
//! approval alone gives the status.

use super::Policy;
use crate::model::{ChangeRef, ChangeStatus};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// `import:` in policy.yaml: how this organisation's export reads.
/// Everything here is added to the chosen preset and wins over it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportMapping {
    /// The preset used when `--preset` is not given: `servicenow` or `jira`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Column (header, or JSON key) -> field: id, title, service, status,
    /// approval, owner, target, ready, approved_by, approved_at, risk,
    /// link, description.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Columns the export carries that are deliberately not imported
    /// (others that map to nothing are reported).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Value of the status (state) column -> change status.
    #[serde(default)]
    pub status: BTreeMap<String, String>,
    /// Value of the approval column -> change status (see the precedence
    /// rule: an approval only holds a status back).
    #[serde(default)]
    pub approval: BTreeMap<String, String>,
    /// Person as the export names them (display name) -> email.
    #[serde(default)]
    pub people: BTreeMap<String, String>,
    /// Configuration item or affected service as the export names it ->
    /// a service of policy.yaml.
    #[serde(default)]
    pub services: BTreeMap<String, String>,
    /// Import only rows whose column holds one of these values (others are
    /// reported as skipped), e.g. `{"Issue Type": [Change]}`.
    #[serde(default)]
    pub only: BTreeMap<String, Vec<String>>,
    /// Link to the change in the source system, `{column}` replaced by the
    /// row's value, e.g.
    /// `https://example.service-now.com/change_request.do?sys_id={sys_id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The fields a column may fill.
pub const FIELDS: &[&str] = &[
    "id",
    "title",
    "service",
    "status",
    "approval",
    "owner",
    "target",
    "ready",
    "approved_by",
    "approved_at",
    "risk",
    "link",
    "description",
];

/// A built-in description of a product's export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// rel's own column names (the fields), when no preset is chosen.
    Rel,
    /// ServiceNow `change_request`: the list's CSV export and the Table
    /// API's JSON (`{"result": [...]}`), which use the field names.
    ServiceNow,
    /// Jira Service Management: the issue navigator's CSV export.
    Jira,
}

impl Preset {
    pub const NAMES: &'static str = "servicenow, jira";

    pub fn parse(s: &str) -> Option<Preset> {
        match s.to_ascii_lowercase().as_str() {
            "servicenow" => Some(Preset::ServiceNow),
            "jira" => Some(Preset::Jira),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Rel => "rel",
            Preset::ServiceNow => "servicenow",
            Preset::Jira => "jira",
        }
    }

    /// Column -> field, in order of preference when several columns fill
    /// one field (the first non-empty wins).
    fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Preset::Rel => &[
                ("id", "id"),
                ("title", "title"),
                ("service", "service"),
                ("status", "status"),
                ("approval", "approval"),
                ("owner", "owner"),
                ("target", "target"),
                ("ready", "ready"),
                ("approved_by", "approved_by"),
                ("approved_at", "approved_at"),
                ("risk", "risk"),
                ("link", "link"),
                ("description", "description"),
            ],
            // Field names of the change_request table (task fields
            // included), as the CSV export and the Table API write them.
            Preset::ServiceNow => &[
                ("number", "id"),
                ("short_description", "title"),
                ("cmdb_ci", "service"),
                ("business_service", "service"),
                ("state", "status"),
                ("approval", "approval"),
                ("assigned_to", "owner"),
                ("requested_by", "owner"),
                ("start_date", "target"),
                ("approval_set", "approved_at"),
                ("risk", "risk"),
                ("description", "description"),
            ],
            // Headers of Jira's "Export CSV (all fields)"; custom fields
            // are written `Custom field (<name>)`, here the fields of the
            // Jira Service Management change request type.
            Preset::Jira => &[
                ("Issue key", "id"),
                ("Summary", "title"),
                ("Custom field (Affected services)", "service"),
                ("Status", "status"),
                ("Assignee", "owner"),
                ("Custom field (Change start date)", "target"),
                ("Due date", "target"),
                ("Custom field (Change risk)", "risk"),
                ("Description", "description"),
            ],
        }
    }

    /// Value of the status (state) column -> status. Matched without
    /// regard to case.
    fn status(self) -> &'static [(&'static str, ChangeStatus)] {
        use ChangeStatus::*;
        match self {
            Preset::Rel => &[],
            // Display values and the stored numbers of change_request.state.
            Preset::ServiceNow => &[
                ("New", Draft),
                ("-5", Draft),
                ("Assess", Assessing),
                ("-4", Assessing),
                ("Authorize", Assessing),
                ("-3", Assessing),
                ("Scheduled", Approved),
                ("-2", Approved),
                ("Implement", Approved),
                ("-1", Approved),
                ("Review", Implemented),
                ("0", Implemented),
                ("Closed", Implemented),
                ("3", Implemented),
                ("Canceled", Cancelled),
                ("4", Cancelled),
            ],
            // The statuses of the IT service management change workflow.
            Preset::Jira => &[
                ("Open", Draft),
                ("Planning", Draft),
                ("Under review", Assessing),
                ("Peer review", Assessing),
                ("Awaiting approval", Assessing),
                ("Awaiting CAB approval", Assessing),
                ("Awaiting implementation", Approved),
                ("Implementing", Approved),
                ("Completed", Implemented),
                ("Declined", Rejected),
                ("Canceled", Cancelled),
            ],
        }
    }

    /// Value of the approval column -> status.
    fn approval(self) -> &'static [(&'static str, ChangeStatus)] {
        use ChangeStatus::*;
        match self {
            Preset::Rel => &[],
            // Display values and stored values of task.approval.
            Preset::ServiceNow => &[
                ("Not Yet Requested", Draft),
                ("not requested", Draft),
                ("Requested", Assessing),
                ("Approved", Approved),
                ("Rejected", Rejected),
            ],
            Preset::Jira => &[],
        }
    }

    fn only(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            // An export of a service project mixes request types.
            Preset::Jira => &[("Issue Type", &["Change"])],
            _ => &[],
        }
    }

    fn link(self) -> Option<&'static str> {
        None
    }
}

/// An export read into cells: its columns and its rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<String>,
    /// Each row: its name in messages (`row 3`, `record 2`) and one cell
    /// per column.
    pub rows: Vec<(String, Vec<String>)>,
}

/// Reads CSV text. Rows are numbered as a spreadsheet shows them (the
/// header is row 1).
pub fn parse_csv(text: &str) -> Result<Table, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| format!("row 1: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = vec![];
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: {e}", i + 2))?;
        rows.push((
            format!("row {}", i + 2),
            record.iter().map(str::to_string).collect(),
        ));
    }
    Ok(Table { columns, rows })
}

/// Reads JSON text: an array of objects, or an object whose `result` (the
/// ServiceNow Table API) or `records` holds one. A value may be a string, a
/// number, or a ServiceNow object `{"display_value", "value", "link"}`
/// (`sysparm_display_value=all`, or a reference field); its display value
/// is what a person reads, so it wins.
pub fn parse_json(text: &str) -> Result<Table, String> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))?;
    let items = match &value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(o) => match o.get("result").or(o.get("records")) {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(
                    "expected an array of changes, or an object with a `result` or `records` array"
                        .into(),
                );
            }
        },
        _ => return Err("expected an array of changes".into()),
    };
    let mut columns: Vec<String> = vec![];
    let mut objects = vec![];
    for (i, item) in items.iter().enumerate() {
        let obj = item
            .as_object()
            .ok_or_else(|| format!("record {}: not an object", i + 1))?;
        for k in obj.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        objects.push(obj);
    }
    let cell = |v: &serde_json::Value| -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            serde_json::Value::Object(o) => {
                let text = |k: &str| {
                    o.get(k)
                        .and_then(|v| v.as_str())
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                };
                text("display_value").or(text("value")).unwrap_or_default()
            }
            other => other.to_string(),
        }
    };
    let rows = objects
        .iter()
        .enumerate()
        .map(|(i, obj)| {
            (
                format!("record {}", i + 1),
                columns
                    .iter()
                    .map(|c| obj.get(c).map(cell).unwrap_or_default())
                    .collect(),
            )
        })
        .collect();
    Ok(Table { columns, rows })
}

/// What one row says about a change: only the fields its export carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportedChange {
    pub id: String,
    pub title: Option<String>,
    pub service: Option<String>,
    pub status: Option<ChangeStatus>,
    pub owner: Option<String>,
    pub target: Option<NaiveDate>,
    pub ready: Option<bool>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<FixedOffset>>,
    pub risk: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
}

/// An export read against the preset and the policy.
#[derive(Debug, Clone, Default)]
pub struct ReadExport {
    /// (row name, what it says).
    pub rows: Vec<(String, ImportedChange)>,
    /// (row name, why it was left out).
    pub skipped: Vec<(String, String)>,
    /// Columns that fill no field and are not under `import.ignore`.
    pub unmapped: Vec<String>,
}

/// The import's rules, resolved from a preset and the policy's mapping.
struct Rules<'a> {
    policy: &'a Policy,
    preset: Preset,
    /// field -> column indexes, in order of preference.
    fields: BTreeMap<&'static str, Vec<usize>>,
    status: Vec<(String, ChangeStatus)>,
    approval: Vec<(String, ChangeStatus)>,
    only: Vec<(usize, String, Vec<String>)>,
    link: Option<String>,
}

fn lookup<'v, V>(map: &'v [(String, V)], key: &str) -> Option<&'v V> {
    let key = key.trim();
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn accepted<V>(map: &[(String, V)]) -> String {
    let mut keys: Vec<&str> = map.iter().map(|(k, _)| k.as_str()).collect();
    keys.dedup();
    keys.join(", ")
}

/// Checks the policy's `import:` section (called when the policy loads).
pub fn validate(policy: &Policy, problems: &mut Vec<String>) {
    let m = &policy.import;
    if let Some(p) = &m.preset
        && Preset::parse(p).is_none()
    {
        problems.push(format!(
            "import.preset: `{p}` is not a preset; expected one of: {}",
            Preset::NAMES
        ));
    }
    for (column, field) in &m.columns {
        if !FIELDS.contains(&field.as_str()) {
            problems.push(format!(
                "import.columns.{column}: `{field}` is not a field; expected one of: {}",
                FIELDS.join(", ")
            ));
        }
    }
    for (key, map) in [("status", &m.status), ("approval", &m.approval)] {
        for (value, status) in map {
            if ChangeStatus::parse(status).is_none() {
                problems.push(format!(
                    "import.{key}.{value}: `{status}` is not a change status; expected one of: {}",
                    ChangeStatus::NAMES
                ));
            }
        }
    }
    for (name, service) in &m.services {
        if !policy.services.contains_key(service) {
            problems.push(format!(
                "import.services.{name}: unknown service `{service}` (not under services:)"
            ));
        }
    }
    for (name, email) in &m.people {
        if !looks_like_email(email) {
            problems.push(format!(
                "import.people.{name}: `{email}` is not an email address"
            ));
        }
    }
}

fn looks_like_email(s: &str) -> bool {
    let email = super::auth::email_of(s);
    email.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
    })
}

impl<'a> Rules<'a> {
    fn new(policy: &'a Policy, preset: Preset, columns: &[String]) -> Rules<'a> {
        let m = &policy.import;
        let index = |name: &str| -> Vec<usize> {
            columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.eq_ignore_ascii_case(name))
                .map(|(i, _)| i)
                .collect()
        };
        let mut fields: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
        // The policy's columns first: they win over the preset's.
        let from_policy = m
            .columns
            .iter()
            .filter_map(|(c, f)| FIELDS.iter().find(|x| **x == f).map(|f| (c.as_str(), *f)));
        for (column, field) in from_policy.chain(preset.columns().iter().copied()) {
            let slot = fields.entry(field).or_default();
            for i in index(column) {
                if !slot.contains(&i) {
                    slot.push(i);
                }
            }
        }
        let values = |own: &BTreeMap<String, String>, builtin: &[(&str, ChangeStatus)]| {
            own.iter()
                .filter_map(|(k, v)| Some((k.clone(), ChangeStatus::parse(v)?)))
                .chain(builtin.iter().map(|(k, v)| (k.to_string(), *v)))
                .collect::<Vec<_>>()
        };
        let mut only = vec![];
        let own_only = m.only.iter().map(|(c, v)| (c.clone(), v.clone()));
        let preset_only = preset
            .only()
            .iter()
            .filter(|(c, _)| !m.only.contains_key(*c))
            .map(|(c, v)| (c.to_string(), v.iter().map(|s| s.to_string()).collect()));
        for (column, values) in own_only.chain(preset_only) {
            if let Some(i) = index(&column).first() {
                only.push((*i, column, values));
            }
        }
        Rules {
            policy,
            preset,
            fields,
            status: values(&m.status, preset.status()),
            approval: values(&m.approval, preset.approval()),
            only,
            link: m.link.clone().or(preset.link().map(str::to_string)),
        }
    }

    /// The first non-empty cell of a field, with its column.
    fn cell<'r>(
        &self,
        columns: &'r [String],
        cells: &'r [String],
        field: &str,
    ) -> Option<(&'r str, &'r str)> {
        self.fields.get(field)?.iter().find_map(|&i| {
            let v = cells.get(i)?.trim();
            (!v.is_empty()).then(|| (columns[i].as_str(), v))
        })
    }

    fn person(&self, column: &str, value: &str) -> Result<String, String> {
        let people: Vec<(String, String)> = self
            .policy
            .import
            .people
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(email) = lookup(&people, value) {
            return Ok(if super::auth::email_of(email) == email.trim() {
                format!("{} <{}>", value.trim(), email.trim())
            } else {
                email.clone()
            });
        }
        if looks_like_email(value) {
            return Ok(value.to_string());
        }
        Err(format!(
            "column {column}: `{value}` is not an email address nor a person under import.people in policy.yaml (known: {})",
            if people.is_empty() {
                "none".to_string()
            } else {
                accepted(&people)
            }
        ))
    }

    fn service(&self, column: &str, value: &str) -> Result<String, String> {
        let map: Vec<(String, String)> = self
            .policy
            .import
            .services
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(s) = lookup(&map, value) {
            return Ok(s.clone());
        }
        if self.policy.services.contains_key(value) {
            return Ok(value.to_string());
        }
        let mut known: Vec<String> = self.policy.services.keys().cloned().collect();
        known.extend(map.iter().map(|(k, _)| k.clone()));
        Err(format!(
            "column {column}: `{value}` is neither a service of policy.yaml nor a configuration item under import.services (accepted: {})",
            known.join(", ")
        ))
    }

    fn row(
        &self,
        columns: &[String],
        cells: &[String],
    ) -> Result<Result<ImportedChange, String>, Vec<String>> {
        for (i, column, values) in &self.only {
            let v = cells.get(*i).map(|s| s.trim()).unwrap_or("");
            if !values.iter().any(|x| x.eq_ignore_ascii_case(v)) {
                return Ok(Err(format!(
                    "{column} `{v}` is not imported (only: {})",
                    values.join(", ")
                )));
            }
        }
        let mut errors = vec![];
        let get = |f: &str| self.cell(columns, cells, f);
        let id = match get("id") {
            Some((column, id)) => match self.policy.change_shard_of(id) {
                Ok(_) => id.to_string(),
                Err(_) => {
                    errors.push(format!(
                        "column {column}: `{id}` does not match the change id pattern {} of policy.yaml (ids.change; YYYY a year, N a digit)",
                        self.policy.ids.change
                    ));
                    String::new()
                }
            },
            None => {
                errors.push(format!("no change id (column {})", self.columns_of("id")));
                String::new()
            }
        };
        let mut out = ImportedChange {
            id,
            ..Default::default()
        };
        out.title = get("title").map(|(_, v)| v.to_string());
        if let Some((column, v)) = get("service") {
            match self.service(column, v) {
                Ok(s) => out.service = Some(s),
                Err(e) => errors.push(e),
            }
        }
        let state = match get("status") {
            Some((column, v)) => match lookup(&self.status, v).copied().or_else(|| {
                // rel's own names are always understood.
                ChangeStatus::parse(v).filter(|_| self.preset == Preset::Rel)
            }) {
                Some(s) => Some(s),
                None => {
                    errors.push(format!(
                        "column {column}: `{v}` is not a known status (accepted: {}; map others under import.status in policy.yaml)",
                        if self.preset == Preset::Rel && self.status.is_empty() {
                            ChangeStatus::NAMES.to_string()
                        } else {
                            accepted(&self.status)
                        }
                    ));
                    None
                }
            },
            None => None,
        };
        let approval = match get("approval") {
            Some((column, v)) => match lookup(&self.approval, v)
                .copied()
                .or_else(|| ChangeStatus::parse(v).filter(|_| self.preset == Preset::Rel))
            {
                Some(s) => Some(s),
                None => {
                    errors.push(format!(
                        "column {column}: `{v}` is not a known approval (accepted: {}; map others under import.approval in policy.yaml)",
                        if self.preset == Preset::Rel && self.approval.is_empty() {
                            ChangeStatus::NAMES.to_string()
                        } else {
                            accepted(&self.approval)
                        }
                    ));
                    None
                }
            },
            None => None,
        };
        out.status = combine(state, approval);
        if let Some((column, v)) = get("owner") {
            match self.person(column, v) {
                Ok(p) => out.owner = Some(p),
                Err(e) => errors.push(e),
            }
        }
        if let Some((column, v)) = get("target") {
            match parse_date(v) {
                Some(d) => out.target = Some(d),
                None => errors.push(format!(
                    "column {column}: `{v}` is not a date (accepted: 2025-03-15, 2025-03-15 20:00:00, 15/Mar/25 8:00 PM)"
                )),
            }
        }
        if let Some((column, v)) = get("ready") {
            match v.to_ascii_lowercase().as_str() {
                "false" | "no" | "0" | "n" => out.ready = Some(false),
                "true" | "yes" | "1" | "y" => out.ready = Some(true),
                _ => errors.push(format!(
                    "column {column}: `{v}` is not a yes/no value (accepted: true, false, yes, no, 1, 0)"
                )),
            }
        }
        if let Some((column, v)) = get("approved_by") {
            match self.person(column, v) {
                Ok(p) => out.approved_by = Some(p),
                Err(e) => errors.push(e),
            }
        }
        if let Some((column, v)) = get("approved_at") {
            match parse_time(self.policy.tz(), v) {
                Some(t) => out.approved_at = Some(t),
                None => errors.push(format!(
                    "column {column}: `{v}` is not a date and time (accepted: 2025-03-15 20:00:00, 2025-03-15T20:00:00+00:00, 15/Mar/25 8:00 PM)"
                )),
            }
        }
        out.risk = get("risk").map(|(_, v)| v.to_string());
        out.description = get("description").map(|(_, v)| v.to_string());
        out.link = get("link").map(|(_, v)| v.to_string());
        if out.link.is_none()
            && let Some(template) = &self.link
        {
            out.link = fill(template, columns, cells);
        }
        if errors.is_empty() {
            Ok(Ok(out))
        } else {
            Err(errors)
        }
    }

    fn columns_of(&self, field: &str) -> String {
        let mut names: Vec<String> = self
            .policy
            .import
            .columns
            .iter()
            .filter(|(_, f)| *f == field)
            .map(|(c, _)| c.clone())
            .collect();
        names.extend(
            self.preset
                .columns()
                .iter()
                .filter(|(_, f)| *f == field)
                .map(|(c, _)| c.to_string()),
        );
        names.join(" or ")
    }
}

/// The precedence rule of the module documentation.
pub fn combine(
    state: Option<ChangeStatus>,
    approval: Option<ChangeStatus>,
) -> Option<ChangeStatus> {
    use ChangeStatus::*;
    match (state, approval) {
        (None, a) => a,
        (Some(s), None) => Some(s),
        (Some(s @ (Implemented | Cancelled)), _) => Some(s),
        (Some(_), Some(Rejected)) => Some(Rejected),
        (Some(Approved), Some(a @ (Draft | Assessing))) => Some(a),
        (Some(s), Some(_)) => Some(s),
    }
}

/// `{column}` in the template replaced by the row's cells; nothing when a
/// named column is absent or empty.
fn fill(template: &str, columns: &[String], cells: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let name = &rest[start + 1..end];
        let i = columns.iter().position(|c| c == name)?;
        let v = cells.get(i)?.trim();
        if v.is_empty() {
            return None;
        }
        out.push_str(v);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Dates as exports write them: ISO (with or without a time), and Jira's
/// `15/Mar/25 8:00 PM`. The date is what counts for a target.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some(d) = text
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        return Some(d);
    }
    let date = text.split_whitespace().next().unwrap_or(text);
    NaiveDate::parse_from_str(date, "%d/%b/%y")
        .or_else(|_| NaiveDate::parse_from_str(date, "%d/%b/%Y"))
        .ok()
}

/// A moment as exports write it; a time without offset is read in the
/// policy's zone (a DST gap or overlap gives nothing: refused).
pub fn parse_time(tz: chrono_tz::Tz, text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t);
    }
    let local = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d/%b/%y %I:%M %p",
        "%d/%b/%Y %I:%M %p",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?;
    tz.from_local_datetime(&local)
        .single()
        .map(|t| t.fixed_offset())
}

/// Reads every row of `table`; every bad row is reported, each problem
/// naming its row and column.
pub fn read(policy: &Policy, preset: Preset, table: &Table) -> Result<ReadExport, Vec<String>> {
    let rules = Rules::new(policy, preset, &table.columns);
    let used: BTreeSet<usize> = rules
        .fields
        .values()
        .flatten()
        .copied()
        .chain(rules.only.iter().map(|(i, _, _)| *i))
        .collect();
    let link_columns: Vec<&str> = rules
        .link
        .as_deref()
        .map(|t| {
            t.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n))
                .collect()
        })
        .unwrap_or_default();
    let ignored = |c: &str| {
        policy
            .import
            .ignore
            .iter()
            .any(|i| i.eq_ignore_ascii_case(c))
            || link_columns.contains(&c)
    };
    let mut unmapped: Vec<String> = vec![];
    for (i, c) in table.columns.iter().enumerate() {
        if !used.contains(&i) && !ignored(c) && !c.is_empty() && !unmapped.contains(c) {
            unmapped.push(c.clone());
        }
    }
    let mut out = ReadExport {
        unmapped,
        ..Default::default()
    };
    let mut errors = vec![];
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (name, cells) in &table.rows {
        match rules.row(&table.columns, cells) {
            Ok(Ok(change)) => {
                if let Some(first) = seen.get(&change.id) {
                    errors.push(format!(
                        "{name}: {} appears again (first in {first})",
                        change.id
                    ));
                    continue;
                }
                seen.insert(change.id.clone(), name.clone());
                out.rows.push((name.clone(), change));
            }
            Ok(Err(reason)) => out.skipped.push((name.clone(), reason)),
            Err(problems) => {
                for p in problems {
                    errors.push(format!("{name}: {p}"));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The change after the import: the export's fields over what the record
/// already holds. Fields the export does not carry, the owner's readiness
/// confirmation (unless the export has a `ready` column) and the release
/// holding the change are kept. A new change needs every required field.
pub fn merge(existing: Option<&ChangeRef>, row: &ImportedChange) -> Result<ChangeRef, String> {
    if let Some(e) = existing {
        let mut c = e.clone();
        if let Some(v) = &row.title {
            c.title = v.clone();
        }
        if let Some(v) = &row.service {
            c.service = v.clone();
        }
        if let Some(v) = row.status {
            c.status = v;
        }
        if let Some(v) = &row.owner {
            c.owner = v.clone();
        }
        if let Some(v) = row.target {
            c.target = v;
        }
        if let Some(v) = row.ready {
            c.ready = v;
        }
        if row.approved_by.is_some() {
            c.approved_by = row.approved_by.clone();
        }
        if row.approved_at.is_some() {
            c.approved_at = row.approved_at;
        }
        if row.risk.is_some() {
            c.risk = row.risk.clone();
        }
        if row.link.is_some() {
            c.link = row.link.clone();
        }
        if row.description.is_some() {
            c.description = row.description.clone();
        }
        return Ok(c);
    }
    let missing: Vec<&str> = [
        ("title", row.title.is_none()),
        ("service", row.service.is_none()),
        ("status", row.status.is_none()),
        ("owner", row.owner.is_none()),
        ("target", row.target.is_none()),
    ]
    .into_iter()
    .filter(|(_, m)| *m)
    .map(|(f, _)| f)
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} is new and its row has no {}",
            row.id,
            missing.join(", ")
        ));
    }
    Ok(ChangeRef {
        id: row.id.clone(),
        title: row.title.clone().unwrap_or_default(),
        service: row.service.clone().unwrap_or_default(),
        status: row.status.unwrap_or(ChangeStatus::Draft),
        owner: row.owner.clone().unwrap_or_default(),
        target: row.target.unwrap_or_default(),
        ready: row.ready.unwrap_or(false),
        approved_by: row.approved_by.clone(),
        approved_at: row.approved_at,
        risk: row.risk.clone(),
        link: row.link.clone(),
        description: row.description.clone(),
        release: None,
    })
}

/// The fields that differ between two versions of a change.
pub fn changed_fields(a: &ChangeRef, b: &ChangeRef) -> Vec<&'static str> {
    let mut out = vec![];
    let mut diff = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    diff("title", a.title != b.title);
    diff("service", a.service != b.service);
    diff("status", a.status != b.status);
    diff("owner", a.owner != b.owner);
    diff("target", a.target != b.target);
    diff("ready", a.ready != b.ready);
    diff("approved_by", a.approved_by != b.approved_by);
    diff("approved_at", a.approved_at != b.approved_at);
    diff("risk", a.risk != b.risk);
    diff("link", a.link != b.link);
    diff("description", a.description != b.description);
    diff("release", a.release != b.release);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeStatus::*;

    #[test]
    fn approval_only_holds_a_status_back() {
        assert_eq!(combine(Some(Approved), Some(Approved)), Some(Approved));
        assert_eq!(combine(Some(Approved), Some(Assessing)), Some(Assessing));
        assert_eq!(combine(Some(Approved), Some(Draft)), Some(Draft));
        assert_eq!(combine(Some(Assessing), Some(Approved)), Some(Assessing));
        assert_eq!(combine(Some(Draft), Some(Approved)), Some(Draft));
        assert_eq!(combine(Some(Approved), Some(Rejected)), Some(Rejected));
        assert_eq!(combine(Some(Assessing), Some(Rejected)), Some(Rejected));
        assert_eq!(combine(Some(Cancelled), Some(Rejected)), Some(Cancelled));
        assert_eq!(
            combine(Some(Implemented), Some(Assessing)),
            Some(Implemented)
        );
        assert_eq!(combine(None, Some(Approved)), Some(Approved));
        assert_eq!(combine(None, None), None);
    }

    #[test]
    fn dates_as_exports_write_them() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 15).unwrap();
        for s in [
            "2025-03-15",
            "2025-03-15 20:00:00",
            "15/Mar/25 8:00 PM",
            "15/Mar/2025",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("15.03.2025"), None);
        assert_eq!(parse_date("2025-02-30"), None);
        let t = parse_time(chrono_tz::Europe::London, "15/Mar/25 8:00 PM").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-03-15T20:00:00+00:00");
        // The spring-forward gap has no such local time.
        assert!(parse_time(chrono_tz::Europe::London, "2025-03-30 01:30:00").is_none());
    }

    #[test]
    fn link_templates() {
        let cols = vec!["sys_id".to_string(), "number".to_string()];
        let cells = vec!["abc".to_string(), "CHG1".to_string()];
        assert_eq!(
            fill("https://x/change_request.do?sys_id={sys_id}", &cols, &cells).as_deref(),
            Some("https://x/change_request.do?sys_id=abc")
        );
        assert_eq!(fill("https://x/{nope}", &cols, &cells), None);
    }
}
