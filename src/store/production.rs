//! The version in production: the closed, not rolled back releases of each
//! month folder, summarised once per git tree and kept in a small cache in
//! the git directory.
//!
//! Finding the last closed release of a service walks month folders
//! backwards; when the service has no closed release, that reaches the
//! oldest month, and parsing every release on the way made a command on
//! one release cost the whole history. A month folder as committed is a git
//! tree, and a tree id names its content exactly: the summary of a tree is
//! computed once and stays true forever, whoever changed the files and
//! however. The walk then costs a tree-entry lookup per month and one parse
//! for the release it finds.

use super::Repo;
use crate::model::{DeploymentStatus, Release, ReleaseId, Stage, Timestamp};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A closed release whose deployment was not rolled back, as one month
/// folder's tree holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipped {
    pub id: ReleaseId,
    pub service: String,
    /// The window's start.
    pub start: Timestamp,
    /// The record's blob, to read it back.
    pub blob: git2::Oid,
}

/// The cache file: `<git dir>/rel/production`, shared by linked work trees.
const FILE: &str = "production";
const HEADER: &str = "rel production index v2";
/// Month summaries kept at most; those not used by the last command go
/// first.
const KEEP: usize = 20_000;

/// Summaries of month trees, read from the cache file on first use and
/// written back (when something was added) when the repository is closed.
#[derive(Default)]
pub struct ShippedCache {
    state: RefCell<Option<State>>,
}

struct State {
    file: Option<PathBuf>,
    months: HashMap<git2::Oid, Vec<Shipped>>,
    /// Insertion order, oldest first, to trim the file.
    order: Vec<git2::Oid>,
    used: HashSet<git2::Oid>,
    dirty: bool,
}

impl ShippedCache {
    /// The shipped releases of the month folder whose tree is `tree` (the
    /// folder `year/month`), from the cache or by reading the tree.
    pub fn month(
        &self,
        git: &git2::Repository,
        tree: git2::Oid,
        year: i32,
        month: u32,
    ) -> Vec<Shipped> {
        let mut state = self.state.borrow_mut();
        let state = state.get_or_insert_with(|| State::load(git));
        state.used.insert(tree);
        if let Some(found) = state.months.get(&tree) {
            return found.clone();
        }
        let shipped = summarise(git, tree, year, month);
        state.months.insert(tree, shipped.clone());
        state.order.push(tree);
        state.dirty = true;
        shipped
    }
}

impl Drop for ShippedCache {
    fn drop(&mut self) {
        if let Some(state) = self.state.get_mut() {
            // A cache: a repository rel cannot write to still works, only
            // slower next time.
            let _ = state.save();
        }
    }
}

impl State {
    fn load(git: &git2::Repository) -> State {
        let file = Some(git.commondir().join("rel").join(FILE));
        let mut state = State {
            file,
            months: HashMap::new(),
            order: vec![],
            used: HashSet::new(),
            dirty: false,
        };
        if let Some(text) = state
            .file
            .as_deref()
            .and_then(|f| std::fs::read_to_string(f).ok())
        {
            // A file that does not read back whole is ignored (and
            // rewritten): the summaries are recomputed from the trees.
            if let Some((months, order)) = parse(&text) {
                state.months = months;
                state.order = order;
            }
        }
        state
    }

    fn save(&mut self) -> std::io::Result<()> {
        let Some(file) = self.file.clone().filter(|_| self.dirty) else {
            return Ok(());
        };
        if self.order.len() > KEEP {
            let drop = self.order.len() - KEEP;
            let mut unused: Vec<git2::Oid> = self
                .order
                .iter()
                .filter(|t| !self.used.contains(t))
                .take(drop)
                .copied()
                .collect();
            unused.sort();
            self.order.retain(|t| unused.binary_search(t).is_err());
            for t in &unused {
                self.months.remove(t);
            }
        }
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        writeln!(out, "{HEADER}")?;
        for tree in &self.order {
            let shipped = &self.months[tree];
            writeln!(out, "M {tree} {}", shipped.len())?;
            for s in shipped {
                writeln!(
                    out,
                    "{} {} {} {}",
                    s.id,
                    s.blob,
                    s.start.to_rfc3339(),
                    s.service
                )?;
            }
        }
        out.flush()?;
        drop(out);
        tmp.persist(&file).map_err(|e| e.error)?;
        self.dirty = false;
        Ok(())
    }
}

type Months = (HashMap<git2::Oid, Vec<Shipped>>, Vec<git2::Oid>);

fn parse(text: &str) -> Option<Months> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut months = HashMap::new();
    let mut order = vec![];
    while let Some(line) = lines.next() {
        let mut head = line.strip_prefix("M ")?.split(' ');
        let tree = git2::Oid::from_str(head.next()?).ok()?;
        let count: usize = head.next()?.parse().ok()?;
        let mut shipped = Vec::with_capacity(count);
        for _ in 0..count {
            let mut f = lines.next()?.splitn(4, ' ');
            shipped.push(Shipped {
                id: ReleaseId::parse(f.next()?).ok()?,
                blob: git2::Oid::from_str(f.next()?).ok()?,
                start: chrono::DateTime::parse_from_rfc3339(f.next()?).ok()?,
                service: f.next()?.to_string(),
            });
        }
        if months.insert(tree, shipped).is_none() {
            order.push(tree);
        }
    }
    Some((months, order))
}

/// Whether a record's text can say `stage: closed` at all. YAML can spell
/// a value differently only with escapes (`\`), and every other way keeps
/// the word; a record without either is not closed, whatever else it holds.
fn may_be_closed(text: &[u8]) -> bool {
    text.contains(&b'\\') || text.windows(6).any(|w| w == b"closed")
}

/// Reads a month tree: every `REL-YYYY-MM-NNN.yaml` of that month that
/// parses, is closed and was not rolled back, in id order. Records that do
/// not parse are left out: they are not a version in production (`rel
/// check` reports them).
fn summarise(git: &git2::Repository, tree: git2::Oid, year: i32, month: u32) -> Vec<Shipped> {
    summarise_many(git, &[(tree, year, month)], None, &super::parallel::Silent)
        .pop()
        .unwrap_or_default()
}

/// Whether a record's text can name `service` at all: as with
/// [`may_be_closed`], only an escape can spell a value without its
/// letters.
fn may_name(text: &[u8], service: &str) -> bool {
    let service = service.as_bytes();
    service.is_empty() || text.contains(&b'\\') || text.windows(service.len()).any(|w| w == service)
}

/// [`summarise`] for each of `months` (a tree, its year and month), the
/// records of them all parsed on every core; with `service`, that
/// service's part of each summary only, parsing only the records whose
/// text can name it.
pub(crate) fn summarise_many(
    git: &git2::Repository,
    months: &[(git2::Oid, i32, u32)],
    service: Option<&str>,
    progress: &dyn super::parallel::Progress,
) -> Vec<Vec<Shipped>> {
    // (which month, id, blob, text) of each record that may be closed.
    let mut records: Vec<(usize, ReleaseId, git2::Oid, String)> = vec![];
    for (k, (tree, year, month)) in months.iter().enumerate() {
        let Ok(tree) = git.find_tree(*tree) else {
            continue;
        };
        for entry in tree.iter() {
            // A symbolic link (mode 120000) is a blob to git, never a record.
            if entry.kind() != Some(git2::ObjectType::Blob) || entry.filemode() == 0o120000 {
                continue;
            }
            let Some(id) = entry
                .name()
                .ok()
                .and_then(|n| n.strip_suffix(".yaml"))
                .and_then(|n| ReleaseId::parse(n).ok())
                .filter(|id| id.year == *year && id.month == *month)
            else {
                continue;
            };
            let Ok(blob) = git.find_blob(entry.id()) else {
                continue;
            };
            if !may_be_closed(blob.content())
                || service.is_some_and(|s| !may_name(blob.content(), s))
            {
                continue;
            }
            let text = String::from_utf8_lossy(blob.content()).into_owned();
            records.push((k, id, entry.id(), text));
        }
    }
    let parsed = super::parallel::map(&records, progress, |(_, id, blob, text)| {
        parse_shipped(id, *blob, text)
    });
    let mut out: Vec<Vec<Shipped>> = vec![vec![]; months.len()];
    for ((k, ..), shipped) in records.iter().zip(parsed) {
        out[*k].extend(shipped.filter(|s| service.is_none_or(|name| s.service == name)));
    }
    out.into_iter()
        .map(|mut all| {
            all.sort_by(|a, b| a.id.cmp(&b.id));
            latest_per_service(all)
        })
        .collect()
}

/// The summary of the record `text` (the file of `id`, blob `blob`) when
/// it parses as that release, closed and not rolled back.
fn parse_shipped(id: &ReleaseId, blob: git2::Oid, text: &str) -> Option<Shipped> {
    let r: Release = super::yaml::from_str(&super::paths::release(id), text).ok()?;
    (r.id == id.to_string()
        && r.stage == Stage::Closed
        && r.deployment
            .as_ref()
            .is_none_or(|d| d.status != DeploymentStatus::RolledBack))
    .then(|| Shipped {
        service: r.service,
        start: r.window.start,
        id: id.clone(),
        blob,
    })
}

/// Of each service's releases (`all`, in id order), the two with the
/// latest windows (of equal ones, the first in id order), in id order: the
/// walk back takes the latest of a month, or the next when the latest is
/// the release it is asked about. The cache stays a few lines a month.
fn latest_per_service(all: Vec<Shipped>) -> Vec<Shipped> {
    let mut best: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in all.iter().enumerate() {
        let top = best.entry(s.service.as_str()).or_default();
        top.push(i);
        // Latest window first; a stable sort keeps id order among equals.
        top.sort_by(|a, b| all[*b].start.cmp(&all[*a].start));
        top.truncate(2);
    }
    let mut keep: Vec<usize> = best.into_values().flatten().collect();
    keep.sort();
    keep.into_iter().map(|i| all[i].clone()).collect()
}

/// The release in `blob`, when it parses and its id is `id`.
pub fn read(git: &git2::Repository, id: &ReleaseId, blob: git2::Oid) -> Option<Release> {
    let blob = git.find_blob(blob).ok()?;
    let text = String::from_utf8_lossy(blob.content());
    let r: Release = super::yaml::from_str(&super::paths::release(id), &text).ok()?;
    (r.id == id.to_string()).then_some(r)
}

impl Repo {
    /// The shipped releases of the month folder `year/month` as of
    /// `commit`'s tree.
    pub(crate) fn shipped_at(
        &self,
        tree: &git2::Tree,
        year: i32,
        month: u32,
    ) -> crate::error::Result<Vec<Shipped>> {
        let path = self.prefix().join(super::paths::release_month(year, month));
        let Ok(entry) = tree.get_path(&path) else {
            return Ok(vec![]);
        };
        if entry.kind() != Some(git2::ObjectType::Tree) {
            return Ok(vec![]);
        }
        Ok(self.shipped.month(self.git(), entry.id(), year, month))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_escape_or_the_word_can_make_a_record_closed() {
        assert!(may_be_closed(b"id: x\nstage: closed\n"));
        assert!(may_be_closed(b"stage: \"clo\\x73ed\"\n"));
        assert!(!may_be_closed(b"id: x\nstage: build\n"));
        assert!(!may_be_closed(b"stage: 'clo\n  sed'\n"));
    }

    #[test]
    fn only_an_escape_or_the_letters_can_name_a_service() {
        assert!(may_name(b"service: hr-portal\n", "hr-portal"));
        assert!(may_name(b"service: \"hr\\x2dportal\"\n", "hr-portal"));
        assert!(!may_name(b"service: finance\n", "hr-portal"));
        assert!(!may_name(b"service: hr-\n  portal\n", "hr-portal"));
    }

    #[test]
    fn a_month_keeps_the_two_latest_windows_of_each_service() {
        let at = |id: u32, service: &str, day: u32| Shipped {
            id: ReleaseId::new(2024, 5, id),
            service: service.into(),
            start: chrono::DateTime::parse_from_rfc3339(&format!("2024-05-{day:02}T20:00:00Z"))
                .unwrap(),
            blob: git2::Oid::ZERO_SHA1,
        };
        let all = vec![
            at(1, "finance", 9),
            at(2, "finance", 3),
            at(3, "ledger", 1),
            at(4, "finance", 9),
            at(5, "finance", 12),
        ];
        let ids: Vec<u32> = latest_per_service(all)
            .iter()
            .map(|s| s.id.number)
            .collect();
        assert_eq!(ids, [1, 3, 5]);
    }

    #[test]
    fn the_cache_file_reads_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rel/production");
        let tree = git2::Oid::from_str("0123456789012345678901234567890123456789").unwrap();
        let shipped = Shipped {
            id: ReleaseId::new(2024, 5, 3),
            service: "finance".into(),
            start: chrono::DateTime::parse_from_rfc3339("2024-05-04T20:00:00+01:00").unwrap(),
            blob: git2::Oid::from_str("9876543210987654321098765432109876543210").unwrap(),
        };
        let mut state = State {
            file: Some(file.clone()),
            months: HashMap::from([(tree, vec![shipped.clone()])]),
            order: vec![tree],
            used: HashSet::new(),
            dirty: true,
        };
        state.save().unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let (months, order) = parse(&text).unwrap();
        assert_eq!(order, [tree]);
        assert_eq!(months[&tree], [shipped]);
        // Damaged or foreign files are ignored.
        assert!(parse("something else\n").is_none());
        assert!(parse(&text.replace(" 1\n", " 2\n")).is_none());
    }
}
