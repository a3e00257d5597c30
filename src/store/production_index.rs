//! The version in production in one read: an index of the closed, not
//! rolled back releases of every month folder as HEAD holds them, kept in
//! the git directory and keyed by the `releases/` tree's id.
//!
//! Walking month folders back from a release costs a lookup per month of
//! history even when each month's summary is cached, and when the service
//! never closed a release the walk reaches the oldest month. The index
//! holds every month's summary (see [`super::production`]) for one
//! `releases/` tree: while that tree is unchanged (any change to any
//! release changes its id, whoever made it and however), a lookup is the
//! index file and one parse, the release it finds. When the tree changed,
//! only the years and months whose trees changed are read again, and the
//! index is written back. It is a cache: a missing, damaged or foreign file
//! is rebuilt from the trees, and a file rel cannot write only costs time.

use super::production::{self, Shipped};
use super::{Repo, paths};
use crate::error::Result;
use crate::model::ReleaseId;
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The index file: `<git dir>/rel/production-index`, shared by linked
/// work trees.
const FILE: &str = "production-index";
const HEADER: &str = "rel production index by releases tree v1";

/// One month folder: its tree and its summary.
#[derive(Debug, Clone, PartialEq)]
struct Month {
    month: u32,
    tree: git2::Oid,
    shipped: Vec<Shipped>,
}

/// One year folder: its tree and its months, ascending.
#[derive(Debug, Clone, PartialEq)]
struct Year {
    year: i32,
    tree: git2::Oid,
    months: Vec<Month>,
}

/// The summaries of every month folder of one `releases/` tree.
#[derive(Debug, Clone, PartialEq)]
struct Built {
    releases: git2::Oid,
    /// Ascending.
    years: Vec<Year>,
}

/// The index of one command: read on first use, written back when it was
/// brought up to date.
#[derive(Default)]
pub struct ProductionIndex {
    built: RefCell<Option<Built>>,
}

/// What a lookup asks: the latest shipped release of `service` in the
/// month folders from `from` (year, month) back to January of `oldest`,
/// other than `except`.
pub struct Wanted<'a> {
    pub service: &'a str,
    pub except: &'a str,
    pub from: (i32, u32),
    pub oldest: i32,
}

impl Repo {
    /// The release [`Wanted`] asks for, as HEAD (when the repository was
    /// opened) holds the month folders: in the latest month that has a
    /// shipped release of the service, the one with the latest window (of
    /// equal ones, the first in id order); a month whose such release no
    /// longer parses gives way to the month before, as the walk back did.
    pub(crate) fn last_shipped_indexed(
        &self,
        wanted: &Wanted,
    ) -> Result<Option<crate::model::Release>> {
        let Some(releases) = self.head_releases_tree()? else {
            return Ok(None);
        };
        let mut built = self.production_index.built.borrow_mut();
        if built.as_ref().is_none_or(|b| b.releases != releases) {
            let file = file_in(self.git().commondir());
            let old = built
                .take()
                .or_else(|| std::fs::read_to_string(&file).ok().and_then(|t| parse(&t)));
            match old {
                Some(old) if old.releases == releases => *built = Some(old),
                old => {
                    let new = build(self, releases, old.as_ref())?;
                    // A cache: a repository rel cannot write to still
                    // works, only slower next time.
                    let _ = save(&file, &new);
                    *built = Some(new);
                }
            }
        }
        let Some(built) = built.as_ref() else {
            return Ok(None);
        };
        let months = built
            .years
            .iter()
            .rev()
            .filter(|y| y.year >= wanted.oldest)
            .flat_map(|y| y.months.iter().rev().map(move |m| (y.year, m)))
            .filter(|(year, m)| (*year, m.month) <= wanted.from);
        for (_, month) in months {
            let best = month
                .shipped
                .iter()
                .filter(|s| s.service == wanted.service && s.id.to_string() != wanted.except)
                .fold(None::<&Shipped>, |best, s| match best {
                    Some(b) if s.start <= b.start => Some(b),
                    _ => Some(s),
                });
            if let Some(release) = best.and_then(|s| production::read(self.git(), &s.id, s.blob)) {
                return Ok(Some(release));
            }
        }
        Ok(None)
    }

    /// The id of HEAD's `releases/` folder (under the records root), as
    /// the repository was opened; `None`: no commit or no such folder.
    fn head_releases_tree(&self) -> Result<Option<git2::Oid>> {
        let Some(head) = self.opened_head.get() else {
            return Ok(None);
        };
        let tree = self.git().find_commit(head)?.tree()?;
        let path = self.prefix().join(paths::RELEASES);
        Ok(tree
            .get_path(&path)
            .ok()
            .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
            .map(|e| e.id()))
    }
}

/// The folders of `tree` named as `name` formats their number, with it.
fn folders<T: Copy>(
    git: &git2::Repository,
    tree: git2::Oid,
    numbers: impl Iterator<Item = T>,
    name: impl Fn(T) -> String,
) -> Result<Vec<(T, git2::Oid)>> {
    let tree = git.find_tree(tree)?;
    Ok(numbers
        .filter_map(|n| {
            let e = tree.get_name(&name(n))?;
            (e.kind() == Some(git2::ObjectType::Tree)).then(|| (n, e.id()))
        })
        .collect())
}

/// The index of the `releases/` tree `releases`, taking from `old` every
/// year and month whose tree is unchanged, and summarising the others
/// (their records parsed on every core).
fn build(repo: &Repo, releases: git2::Oid, old: Option<&Built>) -> Result<Built> {
    let git = repo.git();
    let year_names: Vec<(i32, git2::Oid)> = {
        let tree = git.find_tree(releases)?;
        let mut years: Vec<(i32, git2::Oid)> = tree
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
            .filter_map(|e| {
                let name = e.name().ok()?;
                let year: i32 = name.parse().ok()?;
                // Only the folder a release's path names (`YYYY`).
                (name.len() == 4 && format!("{year:04}") == name).then(|| (year, e.id()))
            })
            .collect();
        years.sort();
        years
    };
    let old_year = |year: i32| old.and_then(|o| o.years.iter().find(|y| y.year == year));
    let mut years = vec![];
    // Months to summarise: (index in `years`, month, tree).
    let mut todo: Vec<(usize, u32, git2::Oid)> = vec![];
    for (year, tree) in year_names {
        if let Some(same) = old_year(year).filter(|y| y.tree == tree) {
            years.push(same.clone());
            continue;
        }
        let mut months = vec![];
        for (month, tree) in folders(git, tree, 1..=12u32, |m| format!("{m:02}"))? {
            let known = old_year(year)
                .and_then(|y| y.months.iter().find(|m| m.month == month && m.tree == tree));
            match known {
                Some(m) => months.push(m.clone()),
                None => {
                    todo.push((years.len(), month, tree));
                    months.push(Month {
                        month,
                        tree,
                        shipped: vec![],
                    });
                }
            }
        }
        years.push(Year { year, tree, months });
    }
    let asked: Vec<(git2::Oid, i32, u32)> = todo
        .iter()
        .map(|(y, month, tree)| (*tree, years[*y].year, *month))
        .collect();
    let summaries = production::summarise_many(git, &asked, repo.progress());
    for ((y, month, _), shipped) in todo.into_iter().zip(summaries) {
        if let Some(m) = years[y].months.iter_mut().find(|m| m.month == month) {
            m.shipped = shipped;
        }
    }
    Ok(Built { releases, years })
}

fn save(file: &Path, built: &Built) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = std::io::BufWriter::new(tmp.as_file_mut());
    writeln!(out, "{HEADER}")?;
    writeln!(out, "R {}", built.releases)?;
    for y in &built.years {
        writeln!(out, "Y {} {} {}", y.year, y.tree, y.months.len())?;
        for m in &y.months {
            writeln!(out, "M {} {} {}", m.month, m.tree, m.shipped.len())?;
            for s in &m.shipped {
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
    }
    // The last line: a file cut short is not taken for a smaller index.
    writeln!(out, "end")?;
    out.flush()?;
    drop(out);
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// The index a file holds; `None` when it does not read back whole.
fn parse(text: &str) -> Option<Built> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let oid = |s: Option<&str>| git2::Oid::from_str(s?).ok();
    let releases = oid(lines.next()?.strip_prefix("R "))?;
    let mut years = vec![];
    loop {
        let line = lines.next()?;
        if line == "end" {
            break;
        }
        let mut f = line.strip_prefix("Y ")?.split(' ');
        let year: i32 = f.next()?.parse().ok()?;
        let tree = oid(f.next())?;
        let count: usize = f.next()?.parse().ok()?;
        let mut months = Vec::with_capacity(count.min(12));
        for _ in 0..count {
            let mut f = lines.next()?.strip_prefix("M ")?.split(' ');
            let month: u32 = f.next()?.parse().ok()?;
            let tree = oid(f.next())?;
            let count: usize = f.next()?.parse().ok()?;
            let mut shipped = Vec::with_capacity(count.min(64));
            for _ in 0..count {
                let mut f = lines.next()?.splitn(4, ' ');
                let id = ReleaseId::parse(f.next()?).ok()?;
                if (id.year, id.month) != (year, month) {
                    return None;
                }
                shipped.push(Shipped {
                    id,
                    blob: oid(f.next())?,
                    start: chrono::DateTime::parse_from_rfc3339(f.next()?).ok()?,
                    service: f.next()?.to_string(),
                });
            }
            months.push(Month {
                month,
                tree,
                shipped,
            });
        }
        years.push(Year { year, tree, months });
    }
    lines.next().is_none().then_some(Built { releases, years })
}

/// Where the index of a repository whose git directory is `common` lives.
pub fn file_in(common: &Path) -> PathBuf {
    common.join("rel").join(FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_file_reads_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(dir.path());
        let oid = |c: char| git2::Oid::from_str(&c.to_string().repeat(40)).unwrap();
        let built = Built {
            releases: oid('1'),
            years: vec![Year {
                year: 2024,
                tree: oid('2'),
                months: vec![
                    Month {
                        month: 4,
                        tree: oid('3'),
                        shipped: vec![],
                    },
                    Month {
                        month: 5,
                        tree: oid('4'),
                        shipped: vec![Shipped {
                            id: ReleaseId::new(2024, 5, 3),
                            service: "finance".into(),
                            start: chrono::DateTime::parse_from_rfc3339(
                                "2024-05-04T20:00:00+01:00",
                            )
                            .unwrap(),
                            blob: oid('5'),
                        }],
                    },
                ],
            }],
        };
        save(&file, &built).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(parse(&text), Some(built));
        // Damaged, cut short or foreign files are not read.
        assert!(parse("something else\n").is_none());
        assert!(parse(&text.replace("M 5", "M 6")).is_none());
        assert!(parse(&text.replace(" 1\nREL", " 2\nREL")).is_none());
        for keep in 1..text.lines().count() {
            let cut: String = text.lines().take(keep).map(|l| format!("{l}\n")).collect();
            assert!(parse(&cut).is_none(), "{cut}");
        }
    }
}
