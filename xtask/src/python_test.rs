//! `cargo xtask python-test`: builds the `retag` wheel (crates/python) with
//! maturin, release, installs it in a fresh virtual environment with pytest
//! and Ray, and runs the wheel's tests there (crates/python/tests), the Ray
//! Data example's among them. Not part of CI: a release build of the
//! extension and a Ray install take longer than CI's budget allows.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;

use crate::cache::{cache_dir, repo_root, target_dir};
use crate::retrain::run_step;

/// The wheel builder, pinned: maturin reads `crates/python/pyproject.toml`.
const MATURIN: &str = "maturin==1.16.0";
const PYTEST: &str = "pytest==9.2.0";
/// Ray Data, for the example of `crates/python/examples/ray_tag_corpus.py`.
const RAY: &str = "ray[data]==2.60.0";

#[derive(Debug, Args)]
pub struct PythonTestArgs {
    /// The Python that makes the virtual environments (3.9 or later).
    #[arg(long, default_value = "python3")]
    pub python: PathBuf,
    /// Leave Ray out of the environment: the Ray example's test is then
    /// skipped, and pytest says so.
    #[arg(long)]
    pub no_ray: bool,
    /// Extra arguments for pytest, e.g. `-- -k entities`.
    #[arg(last = true)]
    pub pytest: Vec<String>,
}

pub fn run(args: &PythonTestArgs) -> Result<()> {
    let root = repo_root();
    let cache = cache_dir();

    // maturin lives in an environment of its own, kept between runs.
    let tools = cache.join("venv-maturin");
    if !bin(&tools, "maturin").exists() {
        make_venv(&args.python, &tools)?;
        pip(&tools, &[MATURIN])?;
    }

    let wheels = target_dir().join("wheels");
    if wheels.exists() {
        for entry in std::fs::read_dir(&wheels).with_context(|| format!("reading {}", wheels.display()))? {
            let path = entry?.path();
            if is_retag_wheel(&path) {
                std::fs::remove_file(&path).with_context(|| format!("removing the old wheel {}", path.display()))?;
            }
        }
    }
    let manifest = root.join("crates/python/Cargo.toml");
    let mut build = Command::new(bin(&tools, "maturin"));
    build.current_dir(&root).arg("build").arg("--release").arg("--manifest-path").arg(&manifest);
    build.arg("--out").arg(&wheels).arg("--interpreter").arg(&args.python);
    run_step("the wheel (maturin build --release; cargo's progress below)", build)?;
    let wheel = std::fs::read_dir(&wheels)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| is_retag_wheel(path))
        .with_context(|| format!("maturin wrote no retag wheel into {}", wheels.display()))?;
    eprintln!("built {}", wheel.display());

    // A fresh environment each time: what `pip install` of the wheel gives a user.
    let env = cache.join("python-test-venv");
    if env.exists() {
        std::fs::remove_dir_all(&env).with_context(|| format!("removing {}", env.display()))?;
    }
    make_venv(&args.python, &env)?;
    let wheel_arg = wheel.to_str().context("the wheel's path is not UTF-8")?.to_string();
    let mut packages = vec![wheel_arg.as_str(), PYTEST];
    if !args.no_ray {
        packages.push(RAY);
    }
    pip(&env, &packages)?;

    let mut pytest = Command::new(bin(&env, "python"));
    pytest.current_dir(&root).args(["-m", "pytest", "crates/python/tests", "-v", "-rs"]).args(&args.pytest);
    // The tests import the installed wheel, never the source folder.
    pytest.env("PYTHONSAFEPATH", "1");
    run_step("pytest crates/python/tests (the wheel's tests)", pytest)
}

fn make_venv(python: &Path, dir: &Path) -> Result<()> {
    let mut venv = Command::new(python);
    venv.args(["-m", "venv"]).arg(dir);
    run_step(&format!("a virtual environment, {}", dir.display()), venv)
}

fn pip(env: &Path, packages: &[&str]) -> Result<()> {
    let mut pip = Command::new(bin(env, "python"));
    pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(packages);
    run_step(&format!("pip install {}", packages.join(" ")), pip)
}

fn bin(env: &Path, program: &str) -> PathBuf {
    env.join("bin").join(program)
}

fn is_retag_wheel(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("retag-") && name.ends_with(".whl"))
}
