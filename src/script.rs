//! What the bash scripts foundrygen writes (`plan --teardown --script`, `plan --current --script`,
//! `preflight --script`) share: the prelude that reads `--subscription`/`--resource-group` (or
//! `SUBSCRIPTION_ID`/`RESOURCE_GROUP`) and the script's yes/no switches, and refuses anything
//! else with exit 2.

use std::fmt::Write as _;

use crate::model::Model;
use crate::teardown::comment;

/// The first lines of every script: the shebang and the generated-by line.
pub(crate) fn header(model: &Model) -> String {
    format!(
        "#!/usr/bin/env bash\n# {}\n#\n",
        comment(&crate::render::generated_by(model))
    )
}

/// A yes/no option of a script: `--<flag>` on its command line, or `<var>` in the environment
/// (`1`, `true`, `yes`; `0`, `false`, `no` or empty; anything else stops the script).
pub(crate) struct Switch {
    /// The command-line flag, `--dry-run`.
    pub flag: &'static str,
    /// The environment variable, `DRY_RUN`.
    pub var: &'static str,
}

/// `--dry-run` / `DRY_RUN`: print each call, make none.
pub(crate) const DRY_RUN: Switch = Switch {
    flag: "--dry-run",
    var: "DRY_RUN",
};

/// `--delete-data` / `DELETE_DATA`: the teardown deletes what holds data too.
pub(crate) const DELETE_DATA: Switch = Switch {
    flag: "--delete-data",
    var: "DELETE_DATA",
};

/// `set -euo pipefail`, the variables, `usage`, the argument loop, each switch's check and, with
/// `require_scope`, the stop when the subscription or resource group is missing.
pub(crate) fn prelude(switches: &[Switch], require_scope: bool) -> String {
    let mut s = String::from(
        "set -euo pipefail\n\nSUBSCRIPTION_ID=${SUBSCRIPTION_ID:-}\nRESOURCE_GROUP=${RESOURCE_GROUP:-}\n",
    );
    for w in switches {
        let _ = writeln!(s, "{v}=${{{v}:-0}}", v = w.var);
    }
    let flags: String = switches.iter().map(|w| format!(" [{}]", w.flag)).collect();
    let _ = write!(
        s,
        "\nusage() {{\n  echo \"usage: $0 [--subscription ID] [--resource-group NAME]{flags}\" >&2\n}}\n"
    );
    s.push_str(
        r#"
while [[ $# -gt 0 ]]; do
  case $1 in
    --subscription | --resource-group)
      if [[ $# -lt 2 ]]; then
        echo "error: $1 needs a value" >&2
        usage
        exit 2
      fi
      if [[ $1 == --subscription ]]; then SUBSCRIPTION_ID=$2; else RESOURCE_GROUP=$2; fi
      shift 2
      ;;
    --subscription=*) SUBSCRIPTION_ID=${1#*=}; shift ;;
    --resource-group=*) RESOURCE_GROUP=${1#*=}; shift ;;
"#,
    );
    for w in switches {
        let _ = writeln!(s, "    {}) {}=1; shift ;;", w.flag, w.var);
    }
    s.push_str(
        r#"    -h | --help) usage; exit 0 ;;
    *)
      echo "error: unknown argument: $1" >&2
      usage
      exit 2
      ;;
  esac
done
"#,
    );
    for w in switches {
        let _ = write!(
            s,
            "case ${v} in\n  1 | true | yes) {v}=1 ;;\n  0 | false | no | '') {v}=0 ;;\n  *)\n    echo \"error: {v} must be 1 or 0, not '${v}'\" >&2\n    exit 2\n    ;;\nesac\n",
            v = w.var
        );
    }
    if require_scope {
        s.push_str(
            r#"if [[ -z $SUBSCRIPTION_ID || -z $RESOURCE_GROUP ]]; then
  echo "error: SUBSCRIPTION_ID and RESOURCE_GROUP are required (environment, or --subscription and --resource-group)" >&2
  usage
  exit 2
fi
"#,
        );
    }
    s
}
