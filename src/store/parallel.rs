//! Reading many records on every core. Parsing YAML is what whole-repository
//! commands spend their time on, and records parse independently: threads
//! take blocks of files in turn (a core busy with something else takes
//! fewer) and the results come back in the input's order, so output and
//! the first error reported are those of reading one file after another.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Files handed to a thread at a time.
const BLOCK: usize = 128;

/// Something told how far a long read has got (a progress bar).
pub trait Progress: Sync {
    /// `total` items are about to be read.
    fn start(&self, total: usize);
    /// `n` more items were read.
    fn advance(&self, n: usize);
    /// The read is over (the bar is cleared).
    fn finish(&self);
}

/// No progress shown.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize) {}
    fn advance(&self, _: usize) {}
    fn finish(&self) {}
}

/// `f` applied to every item, in order, on as many threads as there are
/// cores (one, for a few items).
pub fn map<T: Sync, U: Send>(
    items: &[T],
    progress: &dyn Progress,
    f: impl Fn(&T) -> U + Sync,
) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().div_ceil(BLOCK));
    progress.start(items.len());
    let out = if threads <= 1 {
        let out = items.iter().map(&f).collect();
        progress.advance(items.len());
        out
    } else {
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = vec![];
            loop {
                let block = next.fetch_add(1, Ordering::Relaxed);
                let start = block * BLOCK;
                if start >= items.len() {
                    return done;
                }
                let chunk = &items[start..(start + BLOCK).min(items.len())];
                done.push((block, chunk.iter().map(&f).collect::<Vec<U>>()));
                progress.advance(chunk.len());
            }
        };
        let mut blocks: Vec<(usize, Vec<U>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        blocks.sort_by_key(|(block, _)| *block);
        blocks.into_iter().flat_map(|(_, v)| v).collect()
    };
    progress.finish();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Count(AtomicUsize, AtomicUsize);

    impl Progress for Count {
        fn start(&self, total: usize) {
            self.0.store(total, Ordering::Relaxed);
        }
        fn advance(&self, n: usize) {
            self.1.fetch_add(n, Ordering::Relaxed);
        }
        fn finish(&self) {}
    }

    #[test]
    fn results_keep_the_input_order_and_progress_counts_every_item() {
        for n in [0, 1, BLOCK - 1, BLOCK, 10 * BLOCK + 7] {
            let items: Vec<usize> = (0..n).collect();
            let count = Count(AtomicUsize::new(0), AtomicUsize::new(0));
            let out = map(&items, &count, |i| i * 2);
            assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
            assert_eq!(count.0.load(Ordering::Relaxed), n);
            assert_eq!(count.1.load(Ordering::Relaxed), n);
        }
    }
}
