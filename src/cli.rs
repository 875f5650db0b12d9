//! Command-line arguments (clap derive only; no logic).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// foundrygen: Azure AI Foundry resources and connections from a YAML spec, as Bicep, ARM JSON and
/// Terraform, validated and ordered the way Azure needs.
#[derive(Debug, Parser)]
#[command(name = "foundrygen", version, about, long_about = None)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a spec and write Bicep, ARM JSON and Terraform into DIR/<format>/.
    Render {
        /// The spec file (`-` reads stdin).
        spec: String,
        /// Comma-separated output formats.
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            ignore_case = true,
            default_value = "bicep,arm,terraform"
        )]
        format: Vec<Format>,
        /// Output folder; each format goes to its own subfolder.
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: PathBuf,
        /// Overwrite files foundrygen did not write.
        #[arg(long)]
        force: bool,
    },
    /// Check specs and print every problem; writes nothing.
    Validate {
        /// Spec files (`-` reads stdin).
        #[arg(required = true)]
        specs: Vec<String>,
    },
    /// Print the ordered create steps (or, with --teardown, the delete steps) with the reason for
    /// each step's place.
    Plan {
        /// The spec file (`-` reads stdin).
        spec: String,
        /// Print the teardown order instead.
        #[arg(long)]
        teardown: bool,
    },
}

/// An output format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// bicep/main.bicep, main.bicepparam, modules/
    Bicep,
    /// arm/azuredeploy.json, azuredeploy.parameters.json
    Arm,
    /// terraform/main.tf, variables.tf, outputs.tf, versions.tf, terraform.tfvars.example
    Terraform,
}
