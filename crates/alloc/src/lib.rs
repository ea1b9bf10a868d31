//! `retag-alloc`: the allocator of retag's binaries.
//!
//! A tensor program allocates and frees buffers of megabytes many times a
//! second. glibc's malloc unmaps every freed block over 128 KiB and the next
//! op page-faults fresh, zeroed pages back in; mimalloc keeps them, but by
//! default still hands memory back to the kernel after 1 s unused, which a
//! training step (seconds long) always reaches. Measured on an encoder
//! forward at 32×128: glibc → mimalloc 1.38× faster; on a training step,
//! mimalloc's default → no purging 1.40× faster, where the kernel spent 30%
//! of the step clearing pages (`docs/performance.md`).
//!
//! Only binaries depend on this crate: linking it makes mimalloc the global
//! allocator; [`keep_freed_memory`] turns purging off.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the `mi_option_t` enum of the mimalloc 3
/// sources that libmimalloc-sys 0.1.49 builds (`include/mimalloc.h`), which
/// the sys crate does not name. The version is pinned in the workspace.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc keep freed memory for reuse instead of returning it to the
/// kernel: the process's resident size stays at its peak, and no op pays
/// for page faults on buffers it had a moment ago.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table;
    // it takes no pointer and may be called at any time from any thread.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1)
    }
}

/// How long mimalloc waits before returning freed memory, in ms (-1: never).
pub fn purge_delay_ms() -> i64 {
    // SAFETY: `mi_option_get` reads an integer from mimalloc's option table.
    #[allow(unsafe_code)]
    let value = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
    // `c_long` is 64 bits on Linux and 32 on Windows.
    #[allow(clippy::useless_conversion)]
    i64::from(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_index_is_the_purge_delay() {
        // mimalloc 3's default purge delay is 1000 ms; a wrong index would read another option.
        assert_eq!(purge_delay_ms(), 1000, "MI_OPTION_PURGE_DELAY does not name purge_delay");
        keep_freed_memory();
        assert_eq!(purge_delay_ms(), -1);
        // The allocator still works with purging off.
        let buffers: Vec<Vec<f32>> = (0..8).map(|i| vec![i as f32; 1 << 20]).collect();
        assert!(buffers.iter().enumerate().all(|(i, b)| b[b.len() - 1] == i as f32));
    }
}
