//! The `foundrygen` binary: everything is in the library; this sets up the process and runs it.
//!
//! `main` is the C entry point itself (`no_main`), not Rust's runtime wrapper around it: the
//! wrapper reads `/proc/self/maps` to find the main thread's stack guard, installs a stack
//! overflow handler and sets SIGPIPE to be ignored, about 0.14 ms of a process whose whole job can
//! take 3 ms (the quickstart's `--check`). foundrygen needs none of it: SIGPIPE is set to its
//! default below, the spec's nesting is capped long before the stack could overflow (a deeper
//! overflow still ends the process, by SIGSEGV, only without the message), and the arguments are
//! read from the C runtime as they are under the wrapper.
// Not in the test build of this file, whose harness brings its own `main`.
#![cfg_attr(not(test), no_main)]

/// mimalloc: rendering allocates and frees many small values (one context per resource block), which
/// glibc's allocator spends a third of a big render on (`malloc_consolidate`, `_int_free`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // A reader that goes away (`| head`) ends the process the way it ends any Unix tool, by
    // SIGPIPE (141 in a shell), whichever of stdout and stderr it was reading; ignored, as Rust's
    // runtime sets it, every later `eprintln!` would panic instead.
    #[cfg(target_os = "linux")]
    // SAFETY: setting a signal's disposition to its default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    foundrygen::allocator::tune();
    let args = <foundrygen::cli::Args as clap::Parser>::parse();
    foundrygen::allocator::exit(foundrygen::run(args));
}
