//! The one piece of thread plumbing the parallel phases share (evaluation, loading, pay and
//! compare split their work into contiguous chunks on `std::thread::scope`). Native only: on
//! wasm32 each phase runs its chunks on the calling thread.

/// Joins scoped threads in the order they were spawned and returns their results in that
/// order; a thread that panicked re-raises its panic on the caller's thread.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn join_in_order<T>(handles: Vec<std::thread::ScopedJoinHandle<'_, T>>) -> Vec<T> {
    handles
        .into_iter()
        .map(|h| match h.join() {
            Ok(v) => v,
            Err(e) => std::panic::resume_unwind(e),
        })
        .collect()
}
