//! Synthetic specs for the benchmarks, shared by `benches/render.rs` and
//! `examples/gen_bench_specs.rs` (which `benches/cli.sh` runs). Nothing big is checked in.

/// A spec of `foundries` Foundry accounts with `per_foundry` connections each, cycling through four
/// shapes: an ApiKey connection to a URL with a secret key, CognitiveSearch over AAD with index
/// roles, AzureOpenAI with its key read from the target, and CustomKeys with a secret. Each foundry
/// has two projects and its own Key Vault. Past Azure's template limits on purpose (FG061 warns).
pub fn big_spec(foundries: usize, per_foundry: usize) -> String {
    let mut s = String::with_capacity(foundries * per_foundry * 260 + 256);
    s.push_str("version: 1\nname: bench-big\nlocation: eastus2\ntags:\n  env: bench\nfoundries:\n");
    for f in 0..foundries {
        s.push_str(&format!(
            "  - name: bench-foundry-{f:03}\n    projects:\n      - name: alpha\n      - name: beta\n    key_vault:\n      name: bench-kv-{f:03}\n    connections:\n"
        ));
        for c in 0..per_foundry {
            let project = if c % 2 == 0 { "alpha" } else { "beta" };
            let line = match c % 4 {
                0 => format!(
                    "      - {{ name: web-{c:04}, category: ApiKey, target: {{ url: 'https://api{c}.example.com/v1/' }}, auth: {{ type: ApiKey, key: {{ secret: f{f:03}Key{c:04} }} }} }}\n"
                ),
                1 => format!(
                    "      - {{ name: search-{c:04}, project: {project}, category: CognitiveSearch, target: {{ resource: {{ type: Microsoft.Search/searchServices, name: srch-{f:03}-{c:04} }} }}, auth: {{ type: AAD }}, roles: [Search Index Data Reader, Search Service Contributor] }}\n"
                ),
                2 => format!(
                    "      - {{ name: aoai-{c:04}, category: AzureOpenAI, target: {{ resource: {{ type: Microsoft.CognitiveServices/accounts, name: oai-{f:03}-{c:04} }} }}, auth: {{ type: ApiKey, key: {{ from_target: true }} }} }}\n"
                ),
                _ => format!(
                    "      - {{ name: keys-{c:04}, project: {project}, category: CustomKeys, target: {{ url: 'https://svc{c}.example.com/' }}, auth: {{ type: CustomKeys, keys: {{ x-api-key: {{ secret: f{f:03}Custom{c:04} }} }} }}, shared_to_all: false }}\n"
                ),
            };
            s.push_str(&line);
        }
    }
    s
}

/// A small valid spec, number `i` of a batch: one foundry, one project, a Key Vault and two
/// connections.
pub fn small_spec(i: usize) -> String {
    format!(
        "version: 1\nname: small-{i:04}\nlocation: eastus2\nfoundries:\n  - name: small-foundry-{i:04}\n    projects:\n      - name: research\n    key_vault:\n      name: small-kv-{i:04}\n    connections:\n      - name: search\n        project: research\n        category: CognitiveSearch\n        target:\n          resource: {{ type: Microsoft.Search/searchServices, name: small-search-{i:04} }}\n        auth:\n          type: AAD\n        roles: [Search Index Data Reader]\n      - name: web\n        category: ApiKey\n        target:\n          url: https://api.example.com/{i}\n        auth:\n          type: ApiKey\n          key: {{ secret: webKey }}\n"
    )
}
