//! Terraform, offline: the `terraform` on PATH with the hashicorp/aws provider from the machine's
//! filesystem mirror (`XKS_TEST_TF_PLUGINS`, else `/opt/tf-plugins`), never the registry.

use std::path::{Path, PathBuf};
use std::process::Output;

/// Where the provider mirror is looked for when `XKS_TEST_TF_PLUGINS` does not say.
const MIRROR: &str = "/opt/tf-plugins";

/// The mirror folder: the one that holds `registry.terraform.io/hashicorp/aws/<version>`.
fn mirror() -> PathBuf {
    let folder = PathBuf::from(std::env::var("XKS_TEST_TF_PLUGINS").unwrap_or_else(|_| MIRROR.to_string()));
    let aws = folder.join("registry.terraform.io/hashicorp/aws");
    let versions = std::fs::read_dir(&aws).map(|entries| entries.count()).unwrap_or(0);
    assert!(
        versions > 0,
        "no hashicorp/aws provider under {}: these tests need Terraform's provider mirror (set \
         XKS_TEST_TF_PLUGINS to the folder holding registry.terraform.io/hashicorp/aws/<version>)",
        aws.display()
    );
    folder
}

/// A working directory initialised against the mirror alone.
pub struct Terraform {
    dir: PathBuf,
    config: PathBuf,
}

impl Terraform {
    /// `terraform init` in `dir`, which holds the configuration; panics with Terraform's words if it fails.
    pub fn init(dir: &Path) -> Terraform {
        let config = dir.join("offline.tfrc");
        let rc = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = {:?}\n  }}\n  direct {{\n    exclude = [\"*/*\"]\n  }}\n}}\n",
            mirror().display().to_string()
        );
        std::fs::write(&config, rc).unwrap();
        let terraform = Terraform { dir: dir.to_path_buf(), config };
        terraform.succeeds(&["init", "-input=false", "-no-color"]);
        terraform
    }

    pub fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new("terraform")
            .args(args)
            .current_dir(&self.dir)
            .env("TF_CLI_CONFIG_FILE", &self.config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .unwrap_or_else(|e| panic!("terraform could not be run ({e}): it is needed on PATH"))
    }

    /// Runs `args` and gives standard output; panics with Terraform's words if it fails.
    pub fn succeeds(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "terraform {} failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}
