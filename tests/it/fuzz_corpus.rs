//! The fuzz targets on the stable toolchain: every seed (`fuzz/seeds/<target>/`) and every input a
//! fuzzer once failed on (`fuzz/regressions/<target>/`) through the very body the fuzzer runs
//! (`xks_preflight::fuzzing`), so that a regression is caught where no nightly toolchain is. And the
//! targets' list, their files in `fuzz/` and their seeds agree.

use std::path::{Path, PathBuf};

use xks_preflight::fuzzing::{baseline, TARGETS};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn inputs(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn every_seed_and_every_past_finding_runs_through_its_target_without_a_panic() {
    let healthy = baseline(&std::fs::read_to_string(crate::healthy::HEALTHY).unwrap());
    for (name, body) in TARGETS {
        let seeds = inputs(&fuzz_dir().join("seeds").join(name));
        assert!(!seeds.is_empty(), "{name} has no seeds: run fuzz/make-seeds");
        for input in seeds.iter().chain(&inputs(&fuzz_dir().join("regressions").join(name))) {
            let data = std::fs::read(input).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data, &healthy));
            assert!(outcome.is_ok(), "{name} panicked on {}", input.display());
        }
    }
}

#[test]
fn each_target_has_its_fuzz_binary_and_each_fuzz_binary_a_target() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    let mut files: Vec<String> = inputs(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|(name, _)| name.to_string()).collect();
    names.sort();
    assert_eq!(files, names, "fuzz/fuzz_targets/ and fuzzing::TARGETS");
    for name in &names {
        let declared = format!("[[bin]]\nname = \"{name}\"\npath = \"fuzz_targets/{name}.rs\"");
        assert!(manifest.contains(&declared), "fuzz/Cargo.toml declares no [[bin]] {name}");
        let body = std::fs::read_to_string(fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"))).unwrap();
        assert!(body.contains(&format!("run(\"{name}\", data)")), "fuzz_targets/{name}.rs runs another target");
    }
}
