//! The thread plumbing the parallel phases share (evaluation, loading, pay and compare split
//! their work into contiguous chunks): how many threads to use, and running the chunks on
//! scoped threads with the results in chunk order. Natively each chunk gets a thread; on
//! wasm32 (no threads) the chunks run one after another on the calling thread, so results
//! never depend on the front end.

/// The number of threads the machine offers: every core natively (1 when unknown), always 1
/// on wasm32.
pub fn available_threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
    #[cfg(target_arch = "wasm32")]
    {
        1
    }
}

/// `f` of every item, each on a scoped thread of its own natively (on the calling thread in
/// order on wasm32), the results in the items' order. A thread that panicked re-raises its
/// panic on the caller's thread.
pub(crate) fn map_in_order<X: Send, T: Send>(items: Vec<X>, f: impl Fn(X) -> T + Sync) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let f = &f;
        std::thread::scope(|s| {
            let handles: Vec<_> = items.into_iter().map(|x| s.spawn(move || f(x))).collect();
            join_in_order(handles)
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        items.into_iter().map(f).collect()
    }
}

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
