//! Command-line arguments (clap derive only; no logic).

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

/// foundrygen: Azure AI Foundry resources and connections from a YAML spec, as Bicep, ARM JSON and
/// Terraform, validated and ordered the way Azure needs.
#[derive(Debug, Parser)]
#[command(name = "foundrygen", version, about, long_about = None)]
pub struct Args {
    /// When to colour diagnostics (never when NO_COLOR is set).
    #[arg(long, value_enum, default_value = "auto", global = true)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command that reads specs shares.
#[derive(Debug, Clone, ClapArgs)]
pub struct DiagnosticOptions {
    /// How to print diagnostics: human (stderr), json (one object per line on stdout) or sarif
    /// (a SARIF 2.1.0 log on stdout).
    #[arg(long, value_enum, default_value = "human")]
    pub diagnostics: DiagnosticFormat,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate specs and write Bicep, ARM JSON and Terraform into `DIR/<format>/` (several specs
    /// or a folder of specs: `DIR/<spec name>/<format>/`).
    Render {
        /// Spec files or folders of `*.yaml` specs (`-` reads stdin).
        #[arg(required = true)]
        specs: Vec<String>,
        /// Comma-separated output formats.
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            ignore_case = true,
            default_value = "bicep,arm,terraform"
        )]
        format: Vec<Format>,
        /// Output folder; each format goes to its own subfolder. `-` prints the one format's main
        /// file to stdout.
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: PathBuf,
        /// Overwrite files foundrygen did not write.
        #[arg(long)]
        force: bool,
        /// Compare with what is on disk instead of writing: print a diff of every drifted, missing
        /// or stale file and exit 4 if there is one.
        #[arg(long)]
        check: bool,
        /// A folder of templates that replace the built-in ones file by file (see `templates
        /// export`).
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// `az` JSON files of what is deployed (as `import` reads): also write
        /// `terraform/imports.tf`, an `import {}` block for each resource of the Terraform output
        /// that exists already, so `terraform apply` adopts it.
        #[arg(long, value_name = "FILE", num_args = 1..)]
        adopt: Vec<PathBuf>,
        /// Diagnostics options.
        #[command(flatten)]
        diag: DiagnosticOptions,
    },
    /// Check specs and print every problem; writes nothing.
    Validate {
        /// Spec files or folders of `*.yaml` specs (`-` reads stdin).
        #[arg(required = true)]
        specs: Vec<String>,
        /// Diagnostics options.
        #[command(flatten)]
        diag: DiagnosticOptions,
    },
    /// Print the ordered create steps (or, with --teardown, the delete steps; with --current, the
    /// steps from what is deployed to the spec) with the reason for each step's place.
    #[command(group(clap::ArgGroup::new("base").args(["teardown", "current"])))]
    Plan {
        /// The spec file (`-` reads stdin).
        spec: String,
        /// Print the teardown order instead.
        #[arg(long, conflicts_with = "current")]
        teardown: bool,
        /// What is deployed: the `az` JSON files `import` reads (account, connection lists,
        /// project list, model deployments); print the steps from there to the spec.
        #[arg(long, value_name = "FILE", num_args = 1..)]
        current: Vec<PathBuf>,
        /// With --teardown or --current: print a bash script of `az` calls that makes those
        /// steps in that order.
        #[arg(long, requires = "base")]
        script: bool,
        /// How to print the steps: text, or one JSON document for scripts.
        #[arg(long, value_enum, default_value = "text", conflicts_with = "script")]
        format: PlanFormat,
        /// Diagnostics options.
        #[command(flatten)]
        diag: DiagnosticOptions,
    },
    /// Print the checks to make with `az` before deploying (or, with --script, a bash script that
    /// makes them): what foundrygen cannot know offline.
    Preflight {
        /// The spec file (`-` reads stdin).
        spec: String,
        /// Print a bash script of `az` look-ups that makes every check and exits 1 if one fails.
        #[arg(long)]
        script: bool,
        /// Diagnostics options.
        #[command(flatten)]
        diag: DiagnosticOptions,
    },
    /// Draw the dependency graph the renderers use.
    Graph {
        /// The spec file (`-` reads stdin).
        spec: String,
        /// Mermaid (for Markdown) or Graphviz dot.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
        /// Diagnostics options.
        #[command(flatten)]
        diag: DiagnosticOptions,
    },
    /// Print the JSON Schema of spec version 1, for editors.
    Schema,
    /// Write a commented starter spec that validates.
    Init {
        /// Where to write it (`-` for stdout). An existing file is never overwritten.
        #[arg(
            short = 'o',
            long = "out",
            value_name = "FILE",
            default_value = "foundrygen.yaml"
        )]
        out: PathBuf,
        /// Deployment name.
        #[arg(long, default_value = "my-foundry-deployment")]
        name: String,
        /// Azure region.
        #[arg(long, default_value = "eastus2")]
        location: String,
        /// Foundry account name.
        #[arg(long, default_value = "my-foundry")]
        foundry: String,
        /// A project to create (repeatable).
        #[arg(long = "project", value_name = "NAME")]
        projects: Vec<String>,
        /// The bring-your-own Key Vault to connect first.
        #[arg(long = "key-vault", value_name = "NAME")]
        key_vault: Option<String>,
        /// A connection CATEGORY:NAME[@PROJECT]:TARGET (repeatable): `@PROJECT` puts it in a
        /// project given with --project; TARGET is an https URL, a resource id, or
        /// Namespace/type/name of a resource in the deployment's resource group.
        #[arg(long = "connection", value_name = "CATEGORY:NAME[@PROJECT]:TARGET")]
        connections: Vec<String>,
        /// Create the Key Vault and the connection targets given as Namespace/type/name (in
        /// `resources:`, with secure defaults) instead of referencing them, so the spec deploys
        /// into an empty resource group.
        #[arg(long)]
        create: bool,
        /// Appended to the names that must be unique across Azure of what the spec creates (the
        /// Foundry account, whose subdomain is global; with --create the vault and targets):
        /// 1-8 lowercase letters and digits, `''` for none. Default: 4 random characters.
        #[arg(long, value_name = "SUFFIX")]
        suffix: Option<String>,
    },
    /// Write a spec of what is deployed, from the JSON `az` prints
    ///
    /// Reads `az cognitiveservices account show`, `… account connection list`, `… account project
    /// connection list`, the project list and `… account deployment list` (or their REST GET
    /// bodies), in any mix and order.
    Import {
        /// The `az` JSON files, recognised by their content.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Where to write the spec (`-` for stdout). An existing file is never overwritten.
        #[arg(short = 'o', long = "out", value_name = "SPEC", default_value = "-")]
        out: PathBuf,
    },
    /// List every connection category with its auth types, target type and default `use`, and
    /// every auth type with its credentials.
    Categories,
    /// Work with the built-in templates.
    Templates {
        /// What to do with them.
        #[command(subcommand)]
        action: TemplatesAction,
    },
    /// Print a completion script for a shell.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page: foundrygen(1), or foundrygen-COMMAND(1) for one command.
    ///
    /// `man templates export` prints foundrygen-templates-export(1).
    Man {
        /// The command whose page to print.
        command: Vec<String>,
    },
}

/// `templates` subcommands.
#[derive(Debug, Subcommand)]
pub enum TemplatesAction {
    /// Write the built-in templates into DIR, to start an overlay for `render --templates`.
    Export {
        /// Target folder (created; existing files are never overwritten).
        dir: PathBuf,
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

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// rustc-style text with the source line and a caret, on stderr.
    Human,
    /// One JSON object per diagnostic and line, on stdout.
    Json,
    /// A SARIF 2.1.0 log, on stdout.
    Sarif,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always, unless NO_COLOR is set.
    Always,
    /// Never.
    Never,
}

/// How `plan` prints its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// One line per step.
    Text,
    /// One JSON document: `{"format": 1, "plan", "deployment", "spec", "steps": [...], "warnings",
    /// "notes"}`.
    Json,
}

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz dot.
    Dot,
}
