use clap::Parser;

/// mimalloc: rendering allocates and frees many small values (one context per resource block), which
/// glibc's allocator spends a third of a big render on (`malloc_consolidate`, `_int_free`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    foundrygen::allocator::tune();
    let args = foundrygen::cli::Args::parse();
    foundrygen::allocator::exit(foundrygen::run(args));
}
