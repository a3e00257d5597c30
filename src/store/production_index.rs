//! The version in production in one read: an index of the month folders
//! as HEAD holds them, with the summary of each (its closed, not rolled
//! back releases; see [`super::production`]), kept in the git directory
//! and keyed by the `releases/` tree's id.
//!
//! Walking month folders back from a release cost a lookup per month of
//! history even with each month's summary cached, and when the service
//! never closed a release the walk reached the oldest month. While the
//! `releases/` tree is unchanged (any change to any release changes its
//! id, whoever made it and however), a lookup is the index file and one
//! parse, the release it finds. When the tree changed, only the years and
//! months whose trees changed lose their summary; a lookup summarises the
//! months it reaches that have none (a few more at a time, on every core)
//! and stops at the month that answers, so a command on one release reads
//! no further back than its answer. It is a cache: a missing, damaged or
//! foreign file is rebuilt from the trees, and a file rel cannot write only
//! costs time.

use super::production::{self, Shipped};
use super::{Repo, paths};
use crate::error::Result;
use crate::model::ReleaseId;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The index file: `<git dir>/rel/production-index`, shared by linked
/// work trees.
const FILE: &str = "production-index";
const HEADER: &str = "rel production index by releases tree v1";

/// One month folder: its tree and, for each service a lookup asked about,
/// that service's part of the month's summary (the others are not made
/// until asked: a lookup parses only the records that can name its
/// service).
#[derive(Debug, Clone, PartialEq)]
struct Month {
    month: u32,
    tree: git2::Oid,
    services: BTreeMap<String, Vec<Shipped>>,
}

/// Months summarised at most at a time: a walk back summarises one month,
/// then two, four and so on, so that it never reads more than about twice
/// the months it needs, and reads many on every core when it needs many.
const MAX_BATCH: usize = 64;

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
    /// Months not summarised yet are summarised on the way, a few more at
    /// a time, and the walk stops at the month that answers.
    pub(crate) fn last_shipped_indexed(
        &self,
        wanted: &Wanted,
    ) -> Result<Option<crate::model::Release>> {
        let Some(releases) = self.head_releases_tree()? else {
            return Ok(None);
        };
        let file = file_in(self.git().commondir());
        let mut built = self.production_index.built.borrow_mut();
        let mut dirty = false;
        if built.as_ref().is_none_or(|b| b.releases != releases) {
            let old = built
                .take()
                .or_else(|| std::fs::read_to_string(&file).ok().and_then(|t| parse(&t)));
            match old {
                Some(old) if old.releases == releases => *built = Some(old),
                old => {
                    *built = Some(build(self.git(), releases, old.as_ref())?);
                    dirty = true;
                }
            }
        }
        let Some(built) = built.as_mut() else {
            return Ok(None);
        };
        // The months asked about, latest first, as (year, month) indexes.
        let order: Vec<(usize, usize)> = built
            .years
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, y)| y.year >= wanted.oldest)
            .flat_map(|(i, y)| {
                y.months
                    .iter()
                    .enumerate()
                    .rev()
                    .filter(move |(_, m)| (y.year, m.month) <= wanted.from)
                    .map(move |(j, _)| (i, j))
            })
            .collect();
        let mut batch = 1;
        let mut found = None;
        let known = |m: &Month| m.services.contains_key(wanted.service);
        for (k, &(i, j)) in order.iter().enumerate() {
            if !known(&built.years[i].months[j]) {
                let todo: Vec<(usize, usize)> = order[k..]
                    .iter()
                    .filter(|(i, j)| !known(&built.years[*i].months[*j]))
                    .take(batch)
                    .copied()
                    .collect();
                let asked: Vec<(git2::Oid, i32, u32)> = todo
                    .iter()
                    .map(|(i, j)| {
                        let (y, m) = (&built.years[*i], &built.years[*i].months[*j]);
                        (m.tree, y.year, m.month)
                    })
                    .collect();
                let summaries = production::summarise_many(
                    self.git(),
                    &asked,
                    Some(wanted.service),
                    self.progress(),
                );
                for ((i, j), shipped) in todo.into_iter().zip(summaries) {
                    let month = &mut built.years[i].months[j];
                    month.services.insert(wanted.service.to_string(), shipped);
                }
                dirty = true;
                batch = (batch * 2).min(MAX_BATCH);
            }
            let shipped = &built.years[i].months[j].services[wanted.service];
            let best = shipped
                .iter()
                .filter(|s| s.id.to_string() != wanted.except)
                .fold(None::<&Shipped>, |best, s| match best {
                    Some(b) if s.start <= b.start => Some(b),
                    _ => Some(s),
                });
            if let Some(release) = best.and_then(|s| production::read(self.git(), &s.id, s.blob)) {
                found = Some(release);
                break;
            }
        }
        if dirty {
            // A cache: a repository rel cannot write to still works, only
            // slower next time.
            let _ = save(&file, built);
        }
        Ok(found)
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

/// The index of the `releases/` tree `releases`: its years and months,
/// each month's summary taken from `old` when its tree is unchanged, and
/// left to be made when a lookup reaches it otherwise.
fn build(git: &git2::Repository, releases: git2::Oid, old: Option<&Built>) -> Result<Built> {
    let tree = git.find_tree(releases)?;
    let mut year_names: Vec<(i32, git2::Oid)> = tree
        .iter()
        .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
        .filter_map(|e| {
            let name = e.name().ok()?;
            let year: i32 = name.parse().ok()?;
            // Only the folder a release's path names (`YYYY`).
            (name.len() == 4 && format!("{year:04}") == name).then(|| (year, e.id()))
        })
        .collect();
    year_names.sort();
    let mut years = vec![];
    for (year, tree) in year_names {
        let before = old.and_then(|o| o.years.iter().find(|y| y.year == year));
        if let Some(same) = before.filter(|y| y.tree == tree) {
            years.push(same.clone());
            continue;
        }
        let folder = git.find_tree(tree)?;
        let months = (1..=12u32)
            .filter_map(|month| {
                let e = folder.get_name(&format!("{month:02}"))?;
                (e.kind() == Some(git2::ObjectType::Tree)).then(|| (month, e.id()))
            })
            .map(|(month, tree)| Month {
                month,
                tree,
                services: before
                    .and_then(|y| y.months.iter().find(|m| m.month == month && m.tree == tree))
                    .map(|m| m.services.clone())
                    .unwrap_or_default(),
            })
            .collect();
        years.push(Year { year, tree, months });
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
            writeln!(out, "M {} {} {}", m.month, m.tree, m.services.len())?;
            for (service, shipped) in &m.services {
                writeln!(out, "S {} {service}", shipped.len())?;
                for s in shipped {
                    writeln!(out, "{} {} {}", s.id, s.blob, s.start.to_rfc3339())?;
                }
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
            let mut services = BTreeMap::new();
            for _ in 0..count {
                let mut f = lines.next()?.strip_prefix("S ")?.splitn(2, ' ');
                let count: usize = f.next()?.parse().ok()?;
                let service = f.next()?.to_string();
                let mut shipped = Vec::with_capacity(count.min(64));
                for _ in 0..count {
                    let mut f = lines.next()?.split(' ');
                    let id = ReleaseId::parse(f.next()?).ok()?;
                    if (id.year, id.month) != (year, month) {
                        return None;
                    }
                    shipped.push(Shipped {
                        id,
                        blob: oid(f.next())?,
                        start: chrono::DateTime::parse_from_rfc3339(f.next()?).ok()?,
                        service: service.clone(),
                    });
                }
                services.insert(service, shipped);
            }
            months.push(Month {
                month,
                tree,
                services,
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
                        month: 3,
                        tree: oid('6'),
                        services: BTreeMap::new(),
                    },
                    Month {
                        month: 4,
                        tree: oid('3'),
                        services: BTreeMap::from([("hr portal".to_string(), vec![])]),
                    },
                    Month {
                        month: 5,
                        tree: oid('4'),
                        services: BTreeMap::from([(
                            "finance".to_string(),
                            vec![Shipped {
                                id: ReleaseId::new(2024, 5, 3),
                                service: "finance".into(),
                                start: chrono::DateTime::parse_from_rfc3339(
                                    "2024-05-04T20:00:00+01:00",
                                )
                                .unwrap(),
                                blob: oid('5'),
                            }],
                        )]),
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
        assert!(parse(&text.replace("S 1 finance", "S 2 finance")).is_none());
        for keep in 1..text.lines().count() {
            let cut: String = text.lines().take(keep).map(|l| format!("{l}\n")).collect();
            assert!(parse(&cut).is_none(), "{cut}");
        }
    }
}
