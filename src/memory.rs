//! Giving freed memory back to the system: glibc's allocator keeps what a burst freed (a first poll cycle
//! parses hundreds of feeds at once) unless asked, and gives every thread that allocates its own arena.

/// Allocator settings for a long-running daemon, set before its threads start: two arenas instead of
/// eight per core (threads share them; the daemon's work is I/O-bound, so contention is low), and a fixed
/// threshold above which a block is mapped on its own and returned to the system when freed (glibc
/// otherwise raises the threshold after the first large free, so later feed bodies stay in the heap).
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called before the runtime's threads
    // start, and glibc documents both parameters as safe to set at any time.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// Returns freed memory at the top and in the middle of the allocator's arenas to the system; true when
/// anything was returned.
pub fn give_back_freed() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes the allocator's own locks and only releases pages it owns that hold no
    // live allocation.
    unsafe {
        libc::malloc_trim(0) == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}
