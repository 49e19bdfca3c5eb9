//! Alloc: the global allocator of the command line and the benchmarks. A split allocates
//! hundreds of small strings, and the system allocator spent about a third of its time on
//! them (docs/speed.md). This is mimalloc, asked for a plain block (`mi_malloc`) whenever
//! the alignment allows, which skips the checks of its aligned entry point that the
//! `mimalloc` crate calls for every allocation.

use std::alloc::{GlobalAlloc, Layout};

/// mimalloc's plain blocks are aligned to 16 bytes when at least 16 bytes long, and to 8
/// (its smallest block) otherwise: the same promise `malloc` makes, on which Rust's own
/// system allocator relies in the same way.
const PLAIN_ALIGN: usize = 16;

/// Whether a block of `size` bytes aligned to `align` may come from `mi_malloc`.
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

/// The allocator: `#[global_allocator] static A: dockslim::alloc::Mimalloc = Mimalloc;`.
pub struct Mimalloc;

// SAFETY: every block comes from mimalloc and goes back to it (`mi_free` frees plain and
// aligned blocks alike); a plain block is asked for only when mimalloc's plain alignment
// (above) meets the layout's.
unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            // SAFETY: the layout's size is not zero (GlobalAlloc's contract).
            unsafe { libmimalloc_sys::mi_malloc(layout.size()).cast() }
        } else {
            // SAFETY: as above; the aligned entry point takes any power-of-two alignment.
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            // SAFETY: as in `alloc`.
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()).cast() }
        } else {
            // SAFETY: as in `alloc`.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(layout.align(), new_size) {
            // SAFETY: `ptr` came from mimalloc; the block it returns (the same one, or a new
            // plain block) meets the alignment, as in `alloc`.
            unsafe { libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            // SAFETY: as above, through the aligned entry point.
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_meet_their_alignment_and_keep_their_bytes() {
        let a = Mimalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 7, 8, 12, 15, 16, 17, 24, 31, 48, 100, 1000, 70_000] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: a non-zero size; each block is freed once, with its layout.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(
                        !p.is_null() && (p as usize).is_multiple_of(align),
                        "alloc {size} aligned {align}"
                    );
                    p.write_bytes(0xa5, size);
                    let z = a.alloc_zeroed(layout);
                    assert!((z as usize).is_multiple_of(align) && (0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                    let grown = a.realloc(p, layout, size * 3 + 5);
                    assert!((grown as usize).is_multiple_of(align), "realloc {size} aligned {align}");
                    assert!((0..size).all(|i| *grown.add(i) == 0xa5), "bytes kept");
                    a.dealloc(grown, Layout::from_size_align(size * 3 + 5, align).unwrap());
                }
            }
        }
    }
}
