use clap::Parser;

/// mimalloc: rendering allocates and frees many small values (one context per resource block), which
/// glibc's allocator spends a third of a big render on (`malloc_consolidate`, `_int_free`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // A reader that goes away (`| head`) ends the process the way it ends any Unix tool, by
    // SIGPIPE (141 in a shell), whichever of stdout and stderr it was reading: Rust ignores the
    // signal by default, which makes every later `eprintln!` panic instead.
    #[cfg(target_os = "linux")]
    // SAFETY: setting a signal's disposition to its default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    foundrygen::allocator::tune();
    let args = foundrygen::cli::Args::parse();
    foundrygen::allocator::exit(foundrygen::run(args));
}
