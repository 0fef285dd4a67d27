//! A hint to the processor to start loading memory that a walk will read a few steps later,
//! for walks in an order its own prefetching cannot foresee.

/// Asks the processor to start loading the cache line holding `at` (a hint: nothing else
/// happens, and nothing at all where there is no such instruction).
pub fn prefetch(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
