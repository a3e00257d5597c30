//! A progress bar on stderr for whole-repository reads that take more than
//! about a second: only on a terminal and never with `--json` (the caller
//! decides), and drawn only once a second has passed, so quick commands
//! never flash one.

use crate::store::parallel::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a read runs before its bar appears.
const AFTER: Duration = Duration::from_secs(1);

pub struct Bar {
    state: Mutex<Option<State>>,
    after: Duration,
}

impl Default for Bar {
    fn default() -> Bar {
        // Tests see the bar of a quick read by setting the delay (ms).
        let after = std::env::var("REL_TEST_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(AFTER, Duration::from_millis);
        Bar {
            state: Mutex::new(None),
            after,
        }
    }
}

struct State {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
}

impl Progress for Bar {
    fn start(&self, total: usize) {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("reading records {bar:30} {pos}/{len}") {
            bar.set_style(style);
        }
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(State {
            bar,
            started: Instant::now(),
            shown: false,
        });
    }

    fn advance(&self, n: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = state.as_mut() {
            if !s.shown && s.started.elapsed() >= self.after {
                s.bar.set_draw_target(ProgressDrawTarget::stderr());
                s.shown = true;
            }
            s.bar.inc(n as u64);
        }
    }

    fn grow(&self, n: usize) {
        if let Some(s) = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            s.bar.inc_length(n as u64);
        }
    }

    fn finish(&self) {
        if let Some(s) = self.state.lock().unwrap_or_else(|e| e.into_inner()).take() {
            s.bar.finish_and_clear();
        }
    }
}
