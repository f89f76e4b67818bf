//! A global allocator for the benchmarks that forwards every call to another allocator and counts the bytes
//! live and their peak, so a bench can print the heap one piece of work needs at its peak.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts live heap bytes and their peak around `A`.
pub struct Counting<A> {
    inner: A,
    live: AtomicUsize,
    peak: AtomicUsize,
}

impl<A> Counting<A> {
    /// Wraps `inner`.
    pub const fn new(inner: A) -> Self {
        Self {
            inner,
            live: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// The peak of live heap bytes while `work` runs, above what was live when it started.
    pub fn peak_during(&self, work: impl FnOnce()) -> usize {
        let before = self.live.load(Ordering::Relaxed);
        self.peak.store(before, Ordering::Relaxed);
        work();
        self.peak.load(Ordering::Relaxed).saturating_sub(before)
    }

    fn added(&self, size: usize) {
        let live = self.live.fetch_add(size, Ordering::Relaxed) + size;
        self.peak.fetch_max(live, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `inner` with the caller's arguments unchanged and returns its result, so
// `inner`'s guarantees are this allocator's; the counters only observe sizes.
#[allow(unsafe_code)]
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        let pointer = unsafe { self.inner.alloc(layout) };
        if !pointer.is_null() {
            self.added(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: `pointer` was allocated by `inner` with `layout` (the caller's contract).
        unsafe { self.inner.dealloc(pointer, layout) };
        self.live.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, passed on as is.
        let moved = unsafe { self.inner.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            self.live.fetch_sub(layout.size(), Ordering::Relaxed);
            self.added(new_size);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    #[test]
    fn the_peak_of_a_piece_of_work_is_counted() {
        let counting = Counting::new(System);
        let layout = Layout::from_size_align(4096, 8).expect("a layout");
        let peak = counting.peak_during(|| {
            // SAFETY: a non-zero layout; the block is freed with the same layout.
            #[allow(unsafe_code)]
            unsafe {
                let block = counting.alloc(layout);
                assert!(!block.is_null());
                counting.dealloc(block, layout);
            }
        });
        assert_eq!(peak, 4096);
        assert_eq!(counting.peak_during(|| {}), 0);
    }
}
