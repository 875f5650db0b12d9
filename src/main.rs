use clap::Parser;

fn main() {
    let args = foundrygen::cli::Args::parse();
    std::process::exit(foundrygen::run(args));
}
