//! Reading many records on every core. Parsing YAML is what whole-repository
//! commands spend their time on, and records parse independently: threads
//! take blocks of files in turn (a core busy with something else takes
//! fewer) and the results come back in the input's order, so output and
//! the first error reported are those of reading one file after another.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Files handed to a thread at a time.
const BLOCK: usize = 128;

/// Something told how far a long read has got (a progress bar).
pub trait Progress: Sync {
    /// `total` items are about to be read.
    fn start(&self, total: usize);
    /// `n` more items were read.
    fn advance(&self, n: usize);
    /// `n` more items are to be read than `start` said (they are still
    /// being listed).
    fn grow(&self, n: usize);
    /// The read is over (the bar is cleared).
    fn finish(&self);
}

/// No progress shown.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize) {}
    fn advance(&self, _: usize) {}
    fn grow(&self, _: usize) {}
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
        let mut out = Vec::with_capacity(items.len());
        for (_, v) in blocks {
            out.extend(v);
        }
        out
    };
    progress.finish();
    out
}

/// `f` applied to every item `produce` hands out (through the function it
/// is given), on every core while `produce` is still going: the calling
/// thread produces while the other cores apply `f`, and then joins them.
/// The results come in blocks, in the order the items were produced, with
/// what `produce` returned. (A walk of folders lists files this way while
/// they are read, rather than before.)
pub fn stream<T: Send, U: Send, S, R>(
    progress: &dyn Progress,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> U + Sync,
    produce: impl FnOnce(&mut dyn FnMut(T)) -> R,
) -> (R, InOrder<U>) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let feed = Feed {
        queue: Mutex::new(Queue {
            blocks: VecDeque::new(),
            closed: false,
        }),
        ready: Condvar::new(),
    };
    progress.start(0);
    let work = || {
        let mut state = init();
        let mut done = vec![];
        while let Some((seq, block)) = feed.take() {
            let results = block.iter().map(|item| f(&mut state, item));
            done.push((seq, results.collect::<Vec<U>>()));
            progress.advance(block.len());
        }
        done
    };
    let (made, mut blocks) = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        // The feed is closed however `produce` ends, so that no thread
        // waits on it for ever.
        let closing = Closing(&feed);
        let mut block = Vec::with_capacity(BLOCK);
        let mut seq = 0;
        let made = produce(&mut |item| {
            block.push(item);
            if block.len() == BLOCK {
                progress.grow(BLOCK);
                feed.push(
                    seq,
                    std::mem::replace(&mut block, Vec::with_capacity(BLOCK)),
                );
                seq += 1;
            }
        });
        progress.grow(block.len());
        feed.push(seq, block);
        drop(closing);
        let mut blocks = work();
        for h in handles {
            blocks.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        (made, blocks)
    });
    progress.finish();
    blocks.sort_unstable_by_key(|(seq, _)| *seq);
    let blocks: Vec<Vec<U>> = blocks.into_iter().map(|(_, v)| v).collect();
    (made, blocks.into_iter().flatten())
}

/// Results in order, taken block by block as the threads left them (not
/// moved into one list first).
pub type InOrder<U> = std::iter::Flatten<std::vec::IntoIter<Vec<U>>>;

/// Blocks of items waiting for a thread, in the order they were made, and
/// whether more are coming.
struct Feed<T> {
    queue: Mutex<Queue<T>>,
    ready: Condvar,
}

struct Queue<T> {
    /// Each block with its place in the order.
    blocks: VecDeque<(usize, Vec<T>)>,
    closed: bool,
}

impl<T> Feed<T> {
    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        // A thread that panicked holding the lock left the queue whole.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, seq: usize, block: Vec<T>) {
        if !block.is_empty() {
            self.lock().blocks.push_back((seq, block));
            self.ready.notify_one();
        }
    }

    /// The next block, waiting for one while more are coming.
    fn take(&self) -> Option<(usize, Vec<T>)> {
        let mut queue = self.lock();
        loop {
            if let Some(block) = queue.blocks.pop_front() {
                return Some(block);
            }
            if queue.closed {
                return None;
            }
            queue = self.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Closes a feed when dropped: no more blocks are coming.
struct Closing<'a, T>(&'a Feed<T>);

impl<T> Drop for Closing<'_, T> {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.ready.notify_all();
    }
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
        fn grow(&self, n: usize) {
            self.0.fetch_add(n, Ordering::Relaxed);
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

    #[test]
    fn a_stream_keeps_the_order_items_were_made_in_and_counts_every_item() {
        for n in [0, 1, BLOCK - 1, BLOCK, 10 * BLOCK + 7] {
            let count = Count(AtomicUsize::new(0), AtomicUsize::new(0));
            let (made, blocks) = stream(
                &count,
                || 0,
                |calls: &mut usize, i: &usize| {
                    *calls += 1;
                    i * 2
                },
                |give| {
                    for i in 0..n {
                        give(i);
                    }
                    "made"
                },
            );
            assert_eq!(made, "made");
            let out: Vec<usize> = blocks.collect();
            assert_eq!(out, (0..n).map(|i| i * 2).collect::<Vec<_>>());
            assert_eq!(count.0.load(Ordering::Relaxed), n);
            assert_eq!(count.1.load(Ordering::Relaxed), n);
        }
    }

    #[test]
    fn a_stream_whose_producer_panics_ends_without_waiting() {
        let result = std::panic::catch_unwind(|| {
            stream(
                &Silent,
                || (),
                |_, i: &usize| *i,
                |give| {
                    for i in 0..3 * BLOCK {
                        give(i);
                    }
                    panic!("the walk failed");
                },
            )
        });
        assert!(result.is_err());
    }
}
