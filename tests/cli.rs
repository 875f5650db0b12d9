//! CLI tests: run the real binary and pin the exit code, the whole stdout and the whole stderr.
//!
//! Expected text is written as indented raw strings and passed through [`unindent`].

#[path = "support/cli_harness.rs"]
mod harness;
use harness::{Sandbox, assert_output, unindent};

const QUICKSTART: &str = include_str!("../specs/quickstart.yaml");

/// Every file of a full render of the quickstart spec.
const QUICKSTART_FILES: [&str; 9] = [
    "arm/azuredeploy.json",
    "arm/azuredeploy.parameters.json",
    "bicep/main.bicep",
    "bicep/main.bicepparam",
    "terraform/main.tf",
    "terraform/outputs.tf",
    "terraform/terraform.tfvars.example",
    "terraform/variables.tf",
    "terraform/versions.tf",
];

#[test]
fn help() {
    let mut out = Sandbox::new().run(&["--help"]);
    // clap pads the blank line inside the list of possible values with spaces.
    out.stdout = out
        .stdout
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    assert_output(
        &out,
        0,
        r"
        foundrygen: Azure AI Foundry resources and connections from a YAML spec, as Bicep, ARM JSON and Terraform, validated and ordered the way Azure needs

        Usage: foundrygen [OPTIONS] <COMMAND>

        Commands:
          render       Validate specs and write Bicep, ARM JSON and Terraform into `DIR/<format>/` (several specs or a folder of specs: `DIR/<spec name>/<format>/`)
          validate     Check specs and print every problem; writes nothing
          plan         Print the ordered create steps (or, with --teardown, the delete steps; with --current, the steps from what is deployed to the spec) with the reason for each step's place
          preflight    Print the checks to make with `az` before deploying (or, with --script, a bash script that makes them): what foundrygen cannot know offline
          graph        Draw the dependency graph the renderers use
          schema       Print the JSON Schema of spec version 1, for editors
          init         Write a commented starter spec that validates
          import       Write a spec of what is deployed, from the JSON `az` prints
          categories   List every connection category with its auth types, target type and default `use`, and every auth type with its credentials
          templates    Work with the built-in templates
          completions  Print a completion script for a shell
          man          Print the man page: foundrygen(1), or foundrygen-COMMAND(1) for one command
          help         Print this message or the help of the given subcommand(s)

        Options:
              --color <COLOR>
                  When to colour diagnostics (never when NO_COLOR is set)

                  Possible values:
                  - auto:   On a terminal, unless NO_COLOR is set
                  - always: Always, unless NO_COLOR is set
                  - never:  Never

                  [default: auto]

          -h, --help
                  Print help (see a summary with '-h')

          -V, --version
                  Print version
        ",
        "",
    );
}

#[test]
fn render_help() {
    let mut out = Sandbox::new().run(&["render", "--help"]);
    // clap pads the blank line inside the list of possible values with spaces.
    out.stdout = out
        .stdout
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    assert_output(
        &out,
        0,
        r"
        Validate specs and write Bicep, ARM JSON and Terraform into `DIR/<format>/` (several specs or a folder of specs: `DIR/<spec name>/<format>/`)

        Usage: foundrygen render [OPTIONS] --out <DIR> <SPECS>...

        Arguments:
          <SPECS>...
                  Spec files or folders of `*.yaml` specs (`-` reads stdin)

        Options:
              --color <COLOR>
                  When to colour diagnostics (never when NO_COLOR is set)

                  Possible values:
                  - auto:   On a terminal, unless NO_COLOR is set
                  - always: Always, unless NO_COLOR is set
                  - never:  Never

                  [default: auto]

              --format <FORMAT>
                  Comma-separated output formats

                  Possible values:
                  - bicep:     bicep/main.bicep, main.bicepparam, modules/
                  - arm:       arm/azuredeploy.json, azuredeploy.parameters.json
                  - terraform: terraform/main.tf, variables.tf, outputs.tf, versions.tf, terraform.tfvars.example

                  [default: bicep,arm,terraform]

          -o, --out <DIR>
                  Output folder; each format goes to its own subfolder. `-` prints the one format's main file to stdout

              --force
                  Overwrite files foundrygen did not write

              --check
                  Compare with what is on disk instead of writing: print a diff of every drifted, missing or stale file and exit 4 if there is one

              --templates <DIR>
                  A folder of templates that replace the built-in ones file by file (see `templates export`)

              --adopt <FILE>...
                  `az` JSON files of what is deployed (as `import` reads): also write `terraform/imports.tf`, an `import {}` block for each resource of the Terraform output that exists already, so `terraform apply` adopts it

              --diagnostics <DIAGNOSTICS>
                  How to print diagnostics: human (stderr), json (one object per line on stdout) or sarif (a SARIF 2.1.0 log on stdout)

                  Possible values:
                  - human: rustc-style text with the source line and a caret, on stderr
                  - json:  One JSON object per diagnostic and line, on stdout
                  - sarif: A SARIF 2.1.0 log, on stdout

                  [default: human]

              --deny-warnings
                  Treat warnings as errors

          -h, --help
                  Print help (see a summary with '-h')
        ",
        "",
    );
}

#[test]
fn render_without_out_is_a_usage_error() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["render", spec]);
    assert_output(
        &out,
        2,
        "",
        r"
        error: the following required arguments were not provided:
          --out <DIR>

        Usage: foundrygen render --out <DIR> <SPECS>...

        For more information, try '--help'.
        ",
    );
}

#[test]
fn validate_a_valid_spec() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["validate", spec]);
    assert_output(&out, 0, "quickstart.yaml: valid\n", "");
}

const BROKEN: &str = r#"
    version: 1
    name: broken
    location: eastus2
    foundries:
      - name: bad-foundry
        disable_local_auth: "yes"
        projects:
          - name: research
            descripton: Research team
        key_vault:
          name: bad-kv
        connections:
          - name: search
            project: reserch
            category: CognitiveSearch
            target:
              resource: { type: Microsoft.Search/searchServices, name: bad-search }
            auth:
              type: ApiKey
              key: not-a-real-key
          - name: vault2
            category: AzureKeyVault
            target:
              resource: { type: Microsoft.KeyVault/vaults, name: other-kv }
            auth:
              type: AccountManagedIdentity
    "#;

/// The diagnostics for [`BROKEN`] read from `file`, sorted by line, with the summary.
fn broken_stderr(file: &str) -> String {
    unindent(
        &r#"
        error[FG005]: expected `true` or `false`, found a string
          --> FILE:6:25 (foundries[0].disable_local_auth)
          |
        6 |     disable_local_auth: "yes"
          |                         ^^^^^
          = help: `yes` is a string, not a boolean (YAML 1.2, which specs are read as, takes only `true` and `false`): write `true`

        error[FG004]: unknown key `descripton`
          --> FILE:9:9 (foundries[0].projects[0].descripton)
          |
        9 |         descripton: Research team
          |         ^^^^^^^^^^
          = help: did you mean `description`?

        error[FG022]: connection `search` names unknown project `reserch`
          --> FILE:14:18 (foundries[0].connections[0].project)
           |
        14 |         project: reserch
           |                  ^^^^^^^
           = help: did you mean `research`?

        warning[FG062]: connection `search` stores its `ApiKey` credentials in the Key Vault before the vault access can have taken effect (403 until it has)
          --> FILE:19:17 (foundries[0].connections[0].auth.type)
           |
        19 |           type: ApiKey
           |                 ^^^^^^
           = help: add `wait_for_role: 60s` under `key_vault`, or switch `search` to `type: AAD` with `roles:` on the target (nothing stored in the vault)

        error[FG036]: `key` is a secret and may not be written in the spec
          --> FILE:20:16 (foundries[0].connections[0].auth.key)
           |
        20 |           key: **************
           |                ^^^^^^^^^^^^^^
           = help: write `key: { secret: searchKey }` and pass the value as a secure parameter at deployment

        error[FG020]: a second Key Vault connection in foundry `bad-foundry` (connection `vault2`)
          --> FILE:22:19 (foundries[0].connections[1].category)
           |
        22 |         category: AzureKeyVault
           |                   ^^^^^^^^^^^^^
          --> FILE:10:5 (foundries[0].key_vault)
           |
        10 |     key_vault:
           |     ^^^^^^^^^ the first is the `key_vault` block
           = help: Azure allows one Key Vault connection per Foundry resource; remove one of them

        error: `FILE` is invalid: 5 errors, 1 warning
        "#
        .replace("FILE", file),
    )
}

#[test]
fn validate_reports_every_problem_sorted_by_line() {
    let sb = Sandbox::new();
    let spec = sb.write("broken.yaml", &unindent(BROKEN));
    let out = sb.run(&["validate", spec]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, broken_stderr("broken.yaml"));
}

#[test]
fn validate_several_specs_reports_each_and_exits_with_the_worst_code() {
    let sb = Sandbox::new();
    let good = sb.write("quickstart.yaml", QUICKSTART);
    let bad = sb.write("broken.yaml", &unindent(BROKEN));
    let out = sb.run(&["validate", good, "missing.yaml", bad]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert_eq!(out.stdout, "quickstart.yaml: valid\n");
    assert_eq!(
        out.stderr,
        format!(
            "error: cannot read `missing.yaml`: No such file or directory (os error 2)\n{}validated 3 specs: 1 valid, 2 not\n",
            broken_stderr("broken.yaml")
        )
    );
}

#[test]
fn validate_a_yaml_syntax_error() {
    let sb = Sandbox::new();
    let spec = sb.write(
        "indent.yaml",
        &unindent(
            r"
            version: 1
            name: x
              location: eastus2
            ",
        ),
    );
    let out = sb.run(&["validate", spec]);
    assert_output(
        &out,
        1,
        "",
        r"
        error[FG001]: invalid YAML: line 3 starts at column 3, which lines up with no line above it
          --> indent.yaml:3:3 (<root>)
          |
        3 |   location: eastus2
          |   ^^^^^^^^^^^^^^^^^
          = help: start it at column 1 (`name: x`, line 2)

        error: `indent.yaml` is invalid: 1 error
        ",
    );
}

#[test]
fn validate_a_tab_in_the_indentation_points_at_the_tab() {
    let sb = Sandbox::new();
    let spec = sb.write(
        "tab.yaml",
        "version: 1\nname: x\nlocation: eastus2\nfoundries:\n  - name: a\n\tprojects: []\n",
    );
    let out = sb.run(&["validate", spec]);
    // The tab is shown as one space in the snippet.
    assert_output(
        &out,
        1,
        "",
        r"
        error[FG001]: invalid YAML: line 6 is indented with a tab
          --> tab.yaml:6:1 (<root>)
          |
        6 |  projects: []
          | ^
          = help: YAML does not allow tabs for indentation; indent with spaces

        error: `tab.yaml` is invalid: 1 error
        ",
    );
}

#[test]
fn validate_reads_stdin() {
    let sb = Sandbox::new();
    let out = sb.run_with_stdin(&["validate", "-"], Some(QUICKSTART));
    assert_output(&out, 0, "<stdin>: valid\n", "");

    let out = sb.run_with_stdin(&["validate", "-"], Some(&unindent(BROKEN)));
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, broken_stderr("<stdin>"));
}

#[test]
fn validate_a_missing_file() {
    let out = Sandbox::new().run(&["validate", "missing.yaml"]);
    assert_output(
        &out,
        3,
        "",
        r"
        error: cannot read `missing.yaml`: No such file or directory (os error 2)
        ",
    );
}

#[test]
fn render_writes_every_format_then_reports_everything_unchanged() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["render", spec, "-o", "out"]);
    assert_output(
        &out,
        0,
        "",
        r"
        rendered `quickstart.yaml` to `out`: 9 written, 0 unchanged, 0 removed
        ",
    );
    assert_eq!(sb.files("out"), QUICKSTART_FILES);
    assert!(
        sb.read("out/bicep/main.bicep")
            .starts_with("// generated by foundrygen from ../quickstart.yaml; do not edit\n")
    );
    assert!(
        sb.read("out/terraform/main.tf")
            .starts_with("# generated by foundrygen from ../quickstart.yaml; do not edit\n")
    );
    let arm: serde_json::Value =
        serde_json::from_str(&sb.read("out/arm/azuredeploy.json")).unwrap();
    assert!(arm["resources"].is_array(), "{arm:#}");
    let before: Vec<String> = QUICKSTART_FILES
        .iter()
        .map(|f| sb.read(&format!("out/{f}")))
        .collect();

    let again = sb.run(&["render", spec, "-o", "out"]);
    assert_output(
        &again,
        0,
        "",
        r"
        rendered `quickstart.yaml` to `out`: 0 written, 9 unchanged, 0 removed
        ",
    );
    assert_eq!(sb.files("out"), QUICKSTART_FILES);
    let after: Vec<String> = QUICKSTART_FILES
        .iter()
        .map(|f| sb.read(&format!("out/{f}")))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn render_reads_stdin() {
    let sb = Sandbox::new();
    let out = sb.run_with_stdin(&["render", "-", "-o", "out"], Some(QUICKSTART));
    assert_output(
        &out,
        0,
        "",
        r"
        rendered `<stdin>` to `out`: 9 written, 0 unchanged, 0 removed
        ",
    );
    assert_eq!(sb.files("out"), QUICKSTART_FILES);
}

#[test]
fn render_refuses_a_foreign_file_and_overwrites_it_with_force() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    sb.write("out/terraform/main.tf", "# hand written\n");
    let out = sb.run(&["render", spec, "-o", "out"]);
    assert_output(
        &out,
        3,
        "",
        r"
        error: `out/terraform/main.tf` was not written by foundrygen and would be overwritten
          = help: move it away, or pass `--force` to overwrite it
        ",
    );
    assert_eq!(sb.files("out"), ["terraform/main.tf"]);
    assert_eq!(sb.read("out/terraform/main.tf"), "# hand written\n");

    let out = sb.run(&["render", spec, "-o", "out", "--force"]);
    assert_output(
        &out,
        0,
        "",
        r"
        warning: overwrote `out/terraform/main.tf`, which foundrygen did not write (--force)
        rendered `quickstart.yaml` to `out`: 9 written, 0 unchanged, 0 removed
        ",
    );
    assert_eq!(sb.files("out"), QUICKSTART_FILES);
    assert!(
        sb.read("out/terraform/main.tf")
            .starts_with("# generated by foundrygen from ../quickstart.yaml; do not edit\n")
    );
}

#[test]
fn render_removes_stale_files_of_ours_and_keeps_user_files() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    sb.write(
        "out/terraform/old.tf",
        "# generated by foundrygen from x; do not edit\nresource \"x\" \"y\" {}\n",
    );
    sb.write("out/terraform/NOTES.md", "my notes\n");
    let out = sb.run(&["render", spec, "-o", "out"]);
    assert_output(
        &out,
        0,
        "",
        r"
        rendered `quickstart.yaml` to `out`: 9 written, 0 unchanged, 1 removed
        ",
    );
    assert!(!sb.exists("out/terraform/old.tf"));
    assert_eq!(sb.read("out/terraform/NOTES.md"), "my notes\n");
    let mut expected: Vec<&str> = QUICKSTART_FILES.to_vec();
    expected.push("terraform/NOTES.md");
    expected.sort();
    assert_eq!(sb.files("out"), expected);
}

#[test]
fn render_only_bicep() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["render", spec, "--format", "bicep", "-o", "out"]);
    assert_output(
        &out,
        0,
        "",
        r"
        rendered `quickstart.yaml` to `out`: 2 written, 0 unchanged, 0 removed
        ",
    );
    assert_eq!(
        sb.files("out"),
        ["bicep/main.bicep", "bicep/main.bicepparam"]
    );
}

#[test]
fn render_an_unknown_format_is_a_usage_error() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["render", spec, "--format", "bicep,yaml", "-o", "out"]);
    assert_output(
        &out,
        2,
        "",
        r"
        error: invalid value 'yaml' for '--format <FORMAT>'
          [possible values: bicep, arm, terraform]

          tip: a similar value exists: 'arm'

        For more information, try '--help'.
        ",
    );
    assert!(!sb.exists("out"));
}

#[test]
fn render_an_invalid_spec_writes_nothing() {
    let sb = Sandbox::new();
    let spec = sb.write("broken.yaml", &unindent(BROKEN));
    let out = sb.run(&["render", spec, "-o", "out"]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, broken_stderr("broken.yaml"));
    assert!(!sb.exists("out"));
}

#[test]
fn render_a_warning_only_spec() {
    let sb = Sandbox::new();
    let text = QUICKSTART.replace(
        "    key_vault:\n      name: qs-kv-q7x2\n",
        "    key_vault:\n      name: qs-kv-q7x2\n      role: contributor\n",
    );
    assert_ne!(text, QUICKSTART);
    let spec = sb.write("weak-role.yaml", &text);
    let out = sb.run(&["render", spec, "-o", "out"]);
    assert_output(
        &out,
        0,
        "",
        r"
        warning[FG043]: Key Vault Contributor grants no access to secrets on an RBAC vault
          --> weak-role.yaml:31:13 (foundries[0].key_vault.role)
           |
        31 |       role: contributor
           |             ^^^^^^^^^^^
           = help: use `role: secrets_officer` (the least privilege that works) or `administrator`

        rendered `weak-role.yaml` to `out`: 9 written, 0 unchanged, 0 removed
        ",
    );
    assert_eq!(sb.files("out"), QUICKSTART_FILES);

    let out = sb.run(&["validate", spec]);
    assert_output(
        &out,
        0,
        "weak-role.yaml: valid (1 warning)\n",
        r"
        warning[FG043]: Key Vault Contributor grants no access to secrets on an RBAC vault
          --> weak-role.yaml:31:13 (foundries[0].key_vault.role)
           |
        31 |       role: contributor
           |             ^^^^^^^^^^^
           = help: use `role: secrets_officer` (the least privilege that works) or `administrator`

        ",
    );
}

const QUICKSTART_PLAN: &str = r"
    create plan for `quickstart` (quickstart.yaml): 8 steps
    1. create Key Vault `qs-kv-q7x2` [Microsoft.KeyVault/vaults]
    2. create search service `qs-search-q7x2` [Microsoft.Search/searchServices]
    3. create Foundry account `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts]; after Key Vault `qs-kv-q7x2`, search service `qs-search-q7x2` (what it connects to is created first)
    4. create project `research` of `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts/projects]; after Foundry account `qs-foundry-q7x2` (its parent)
    5. create Key Vault connection `qs-foundry-q7x2-keyvault` of `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts/connections]; after Foundry account `qs-foundry-q7x2` (its parent), project `research` of `qs-foundry-q7x2` (one child operation at a time per parent, or Azure answers 409 Conflict), Key Vault `qs-kv-q7x2` (what it connects to is created first)
    6. create role `Key Vault Secrets Officer` for `qs-foundry-q7x2` on `qs-kv-q7x2` [Microsoft.Authorization/roleAssignments]; after Foundry account `qs-foundry-q7x2` (the identity it grants to), Key Vault `qs-kv-q7x2` (the resource it grants on), Key Vault connection `qs-foundry-q7x2-keyvault` of `qs-foundry-q7x2` (the Key Vault connection comes first)
    7. create role `Search Index Data Reader` for `qs-foundry-q7x2` on `qs-search-q7x2` [Microsoft.Authorization/roleAssignments]; after Foundry account `qs-foundry-q7x2` (the identity it grants to), search service `qs-search-q7x2` (the resource it grants on)
    8. create connection `search` of `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts/connections]; after Foundry account `qs-foundry-q7x2` (its parent), search service `qs-search-q7x2` (what it connects to is created first), role `Search Index Data Reader` for `qs-foundry-q7x2` on `qs-search-q7x2` (its roles are granted first), Key Vault connection `qs-foundry-q7x2-keyvault` of `qs-foundry-q7x2` (the Key Vault connection comes first), role `Key Vault Secrets Officer` for `qs-foundry-q7x2` on `qs-kv-q7x2` (the Foundry identity needs its vault access first)
    ";

const QUICKSTART_TEARDOWN: &str = r"
    teardown plan for `quickstart` (quickstart.yaml): 8 steps
    1. delete connection `search` of `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts/connections]; before Foundry account `qs-foundry-q7x2` (its parent is deleted after it), search service `qs-search-q7x2` (what it connects to is deleted after it), role `Search Index Data Reader` for `qs-foundry-q7x2` on `qs-search-q7x2` (its roles are removed after it), Key Vault connection `qs-foundry-q7x2-keyvault` of `qs-foundry-q7x2` (the Key Vault connection is deleted after every other connection), role `Key Vault Secrets Officer` for `qs-foundry-q7x2` on `qs-kv-q7x2` (the Foundry identity keeps its vault access until the connections whose secrets it manages are gone)
    2. delete role `Search Index Data Reader` for `qs-foundry-q7x2` on `qs-search-q7x2` [Microsoft.Authorization/roleAssignments]; before Foundry account `qs-foundry-q7x2` (the identity it grants to is deleted after it), search service `qs-search-q7x2` (the resource it grants on is deleted after it)
    3. delete role `Key Vault Secrets Officer` for `qs-foundry-q7x2` on `qs-kv-q7x2` [Microsoft.Authorization/roleAssignments]; before Foundry account `qs-foundry-q7x2` (the identity it grants to is deleted after it), Key Vault `qs-kv-q7x2` (the resource it grants on is deleted after it), Key Vault connection `qs-foundry-q7x2-keyvault` of `qs-foundry-q7x2` (the Key Vault connection is deleted after every other connection)
    4. delete Key Vault connection `qs-foundry-q7x2-keyvault` of `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts/connections]; before Foundry account `qs-foundry-q7x2` (its parent is deleted after it), project `research` of `qs-foundry-q7x2` (children of one parent are deleted one at a time), Key Vault `qs-kv-q7x2` (what it connects to is deleted after it)
    5. delete project `research` of `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts/projects]; before Foundry account `qs-foundry-q7x2` (its parent is deleted after it)
    6. delete Foundry account `qs-foundry-q7x2` [Microsoft.CognitiveServices/accounts]; before Key Vault `qs-kv-q7x2`, search service `qs-search-q7x2` (what it connects to is deleted after it)
    7. delete search service `qs-search-q7x2` [Microsoft.Search/searchServices]
    8. delete Key Vault `qs-kv-q7x2` [Microsoft.KeyVault/vaults]
    ";

/// The steps of a plan as `what [resource type]`: the numbered lines without the number, the verb
/// (`create `/`delete `) and the reasons.
fn steps(plan: &str, verb: &str) -> Vec<String> {
    plan.lines()
        .filter_map(|line| {
            let (number, rest) = line.split_once(". ")?;
            number.trim().parse::<usize>().ok()?;
            let step = rest
                .strip_prefix(verb)
                .unwrap_or_else(|| panic!("step without `{verb}`: {line}"));
            let (what, rest) = step
                .split_once(" [")
                .unwrap_or_else(|| panic!("step without a resource type: {line}"));
            let (resource_type, _) = rest
                .split_once(']')
                .unwrap_or_else(|| panic!("unclosed resource type: {line}"));
            Some(format!("{what} [{resource_type}]"))
        })
        .collect()
}

#[test]
fn plan_prints_the_create_steps() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let out = sb.run(&["plan", spec]);
    assert_output(&out, 0, QUICKSTART_PLAN, "");
}

#[test]
fn plan_teardown_is_the_create_plan_reversed() {
    let sb = Sandbox::new();
    let spec = sb.write("quickstart.yaml", QUICKSTART);
    let create = sb.run(&["plan", spec]);
    let teardown = sb.run(&["plan", "--teardown", spec]);
    assert_output(&teardown, 0, QUICKSTART_TEARDOWN, "");

    let mut created = steps(&create.stdout, "create ");
    let deleted = steps(&teardown.stdout, "delete ");
    assert_eq!(created.len(), 8);
    created.reverse();
    assert_eq!(deleted, created);
}

#[test]
fn plan_reads_stdin() {
    let out = Sandbox::new().run_with_stdin(&["plan", "-"], Some(QUICKSTART));
    let expected = unindent(QUICKSTART_PLAN).replace("(quickstart.yaml)", "(<stdin>)");
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stdout, expected);
    assert_eq!(out.stderr, "");
}

#[test]
fn a_spec_saved_with_a_bom_and_crlf_line_ends_renders_like_the_plain_one() {
    // What Windows editors and PowerShell's `Out-File` write.
    let sb = Sandbox::new();
    let plain = sb.write("plain.yaml", QUICKSTART);
    let windows = format!("\u{FEFF}{}", QUICKSTART.replace('\n', "\r\n"));
    let saved = sb.write("windows.yaml", &windows);
    assert_output(
        &sb.run(&["validate", saved]),
        0,
        "windows.yaml: valid\n",
        "",
    );
    for (spec, out) in [(plain, "a"), (saved, "b")] {
        let r = sb.run(&["render", spec, "-o", out]);
        assert_eq!(r.code, 0, "{r:#?}");
    }
    let files = sb.files("a");
    assert_eq!(files, sb.files("b"));
    for f in &files {
        let a = sb.read(&format!("a/{f}"));
        let b = sb
            .read(&format!("b/{f}"))
            .replace("windows.yaml", "plain.yaml");
        assert_eq!(a, b, "{f}");
    }
    // An error keeps its line and column.
    let broken = sb.write(
        "broken.yaml",
        &format!(
            "\u{FEFF}{}",
            "version: 2\r\nname: t\r\nlocation: eastus2\r\nfoundries: []\r\n"
        ),
    );
    let out = sb.run(&["validate", broken]);
    assert!(
        out.stderr.contains("--> broken.yaml:1:10 (version)"),
        "{}",
        out.stderr
    );
}
