//! A progress bar for fits that take more than about a second: hidden at first, so quick fits
//! print nothing extra, and never drawn when the output is not a terminal.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kmeans_workshop::IterationLog;

/// How long a fit runs before its bar appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// A progress bar over `runs × max_iter` iterations that shows itself after [`DELAY`].
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    max_iter: usize,
    stop: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    /// Whether a bar may be drawn: both output streams are terminals (a bar in a log file or
    /// in front of piped output is noise).
    pub fn wanted() -> bool {
        std::io::stderr().is_terminal() && std::io::stdout().is_terminal()
    }

    /// A bar for `runs` runs of at most `max_iter` iterations; drawn only if `enabled` and the
    /// fit is still running after [`DELAY`].
    pub fn start(runs: usize, max_iter: usize, enabled: bool) -> Self {
        let total = (runs as u64).saturating_mul(max_iter as u64);
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} fit {elapsed_precise} [{bar:30}] {pos}/{len} iterations  {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("initialising");
        let stop = enabled.then(|| {
            let (tx, rx) = mpsc::channel::<()>();
            let shown = bar.clone();
            std::thread::Builder::new()
                .name("kmeans-progress".into())
                .spawn(move || {
                    // A message (or a closed channel) before the delay: the fit finished first.
                    if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(DELAY) {
                        shown.set_draw_target(ProgressDrawTarget::stderr());
                        shown.enable_steady_tick(Duration::from_millis(120));
                    }
                })
                .ok()
                .map(|handle| (tx, handle))
        });
        Self {
            bar,
            max_iter,
            stop: stop.flatten(),
        }
    }

    /// A handle that the fit's observer moves into its closure.
    pub fn observer(&self) -> impl Fn(&IterationLog) + Send + Sync + 'static {
        let bar = self.bar.clone();
        let max_iter = self.max_iter as u64;
        move |log: &IterationLog| {
            bar.set_position(log.run as u64 * max_iter + log.iteration as u64);
            bar.set_message(format!("inertia {:.6e}", log.inertia));
        }
    }

    /// Remove the bar (if it was drawn) before the summary prints.
    pub fn finish(self) {
        drop(self);
    }
}

/// Also on an error path: the bar is cleared before the error line prints.
impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((tx, handle)) = self.stop.take() {
            drop(tx);
            // The timer thread only waits and draws; a panic in it is not ours to report.
            let _ = handle.join();
        }
        self.bar.finish_and_clear();
    }
}
