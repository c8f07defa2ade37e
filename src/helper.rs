//! Work on a helper thread that reads as work done on the caller's: its
//! panic goes on in the caller, and so do the name comparisons a debug
//! build counts (`tests/scale.rs` reads them on the thread that called).

use std::thread::{Scope, ScopedJoinHandle};

use crate::ir::index::comparisons;

/// `work`, started on a new thread of `scope`.
pub fn start<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    work: impl FnOnce() -> T + Send + 'scope,
) -> Helper<'scope, T> {
    Helper(scope.spawn(move || {
        let before = comparisons::so_far();
        let done = work();
        (done, comparisons::so_far() - before)
    }))
}

/// A helper thread's work, and what it compared.
pub struct Helper<'scope, T>(ScopedJoinHandle<'scope, (T, u64)>);

impl<T> Helper<'_, T> {
    /// What the helper did, once it is done.
    pub fn join(self) -> T {
        match self.0.join() {
            Ok((done, compared)) => {
                comparisons::add(compared);
                done
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The cores this process may use, at most 8 (more only adds threads to
/// start for work this size).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}
